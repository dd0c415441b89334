//! Long-lived responses that belong to a session (the timer's event stream): they end when
//! their session ends, and an account holds only so many at once.
//!
//! A stream registers here with its session ([`LiveSessions::open`]) and ends when its
//! [`LiveStream::ended`] resolves. Every flow that ends sessions in this process tells the
//! registry at once (logout, "sign out everywhere", a device ended, a password changed or
//! reset, an address confirmed, the account closed). Sessions ended where the registry
//! does not hear of it — by another server process, expiry, the retention job or SQL — are
//! found by [`spawn_recheck`], which looks up every session with an open stream every
//! [`RECHECK_EVERY`], a few hundred per query.
//!
//! Ending looks up only the account or session concerned (two maps, one lock, no scan).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use sea_orm::DatabaseConnection;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::{Accounts, session};
use crate::AppError;

/// How often the sessions of open streams are looked up in the database.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// Sessions looked up per query.
const RECHECK_BATCH: usize = 500;
/// When a refused stream may try again (the browser's backoff waits at least this).
const RETRY_AFTER_SECS: u64 = 30;

/// The open streams of each account. Cloning shares the registry.
#[derive(Clone)]
pub struct LiveSessions {
    inner: Arc<Inner>,
}

struct Inner {
    state: Mutex<State>,
    per_account: usize,
}

#[derive(Default)]
struct State {
    /// Each account's open streams.
    streams: HashMap<Uuid, Vec<Entry>>,
    /// Each session with an open stream: its account and how many streams it has.
    sessions: HashMap<String, (Uuid, usize)>,
    next_id: u64,
}

struct Entry {
    id: u64,
    /// The SHA-256 of the session's token (`auth_session.id_hash`).
    session: String,
    /// Dropping it ends the stream.
    _end: oneshot::Sender<()>,
}

impl State {
    /// Takes out the entries of `user` that `ends`, keeping the session counts right.
    fn end_where(&mut self, user: Uuid, ends: impl Fn(&Entry) -> bool) {
        let Some(list) = self.streams.get_mut(&user) else {
            return;
        };
        let mut ended = Vec::new();
        list.retain(|e| {
            let end = ends(e);
            if end {
                ended.push(e.session.clone());
            }
            !end
        });
        if list.is_empty() {
            self.streams.remove(&user);
        }
        for session in ended {
            self.forget_one(&session);
        }
    }

    fn forget_one(&mut self, session: &str) {
        if let Some((_, count)) = self.sessions.get_mut(session) {
            *count -= 1;
            if *count == 0 {
                self.sessions.remove(session);
            }
        }
    }
}

/// One open stream's place in the registry; dropping it (the response ended) frees it.
pub struct LiveStream {
    inner: Arc<Inner>,
    user: Uuid,
    id: u64,
    ended: Option<oneshot::Receiver<()>>,
}

impl LiveStream {
    /// Resolves when the stream's session ends (at most once; later calls resolve at once).
    pub fn ended(&mut self) -> impl Future<Output = ()> + Send + 'static {
        let rx = self.ended.take();
        async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            }
        }
    }
}

impl Drop for LiveStream {
    fn drop(&mut self) {
        let id = self.id;
        self.inner.lock().end_where(self.user, |e| e.id == id);
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl LiveSessions {
    /// A registry that lets each account hold `per_account` streams (at least one).
    pub fn new(per_account: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                state: Mutex::default(),
                per_account: per_account.max(1),
            }),
        }
    }

    /// Registers a stream of `user`'s session `session` (its `id_hash`).
    ///
    /// # Errors
    ///
    /// [`AppError::RateLimited`] when the account already holds its share of streams.
    pub fn open(&self, user: Uuid, session: &str) -> Result<LiveStream, AppError> {
        let mut state = self.inner.lock();
        if state.streams.get(&user).map_or(0, Vec::len) >= self.inner.per_account {
            return Err(AppError::RateLimited {
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        let id = state.next_id;
        state.next_id += 1;
        let (end, ended) = oneshot::channel();
        state.streams.entry(user).or_default().push(Entry {
            id,
            session: session.to_owned(),
            _end: end,
        });
        state
            .sessions
            .entry(session.to_owned())
            .or_insert((user, 0))
            .1 += 1;
        Ok(LiveStream {
            inner: self.inner.clone(),
            user,
            id,
            ended: Some(ended),
        })
    }

    /// Ends the streams of one session (its `id_hash`).
    pub fn end_session(&self, session: &str) {
        let mut state = self.inner.lock();
        if let Some(&(user, _)) = state.sessions.get(session) {
            state.end_where(user, |e| e.session == session);
        }
    }

    /// Ends every stream of `user`, except those of the session `keep`.
    pub fn end_user(&self, user: Uuid, keep: Option<&str>) {
        self.inner
            .lock()
            .end_where(user, |e| Some(e.session.as_str()) != keep);
    }

    /// Streams open now for `user` (tests and metrics).
    pub fn open_for(&self, user: Uuid) -> usize {
        self.inner.lock().streams.get(&user).map_or(0, Vec::len)
    }

    /// The sessions that have open streams now.
    fn sessions(&self) -> Vec<String> {
        self.inner.lock().sessions.keys().cloned().collect()
    }
}

/// Ends the streams whose session no longer stands in the database. Answers how many
/// sessions that was.
pub async fn end_vanished(db: &DatabaseConnection, accounts: &Accounts) -> Result<usize, AppError> {
    let mut ended = 0;
    for batch in accounts.live.sessions().chunks(RECHECK_BATCH) {
        let standing = session::standing(db, &accounts.settings, batch).await?;
        for gone in batch.iter().filter(|s| !standing.contains(*s)) {
            accounts.live.end_session(gone);
            ended += 1;
        }
    }
    Ok(ended)
}

/// Runs [`end_vanished`] every [`RECHECK_EVERY`] (a failed look-up ends nothing).
pub fn spawn_recheck(
    db: DatabaseConnection,
    accounts: Arc<Accounts>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RECHECK_EVERY);
        loop {
            tick.tick().await;
            if let Err(e) = end_vanished(&db, &accounts).await {
                tracing::warn!(error = %e, "checking the sessions of live streams failed");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the stream has ended by now (without waiting).
    fn has_ended(stream: &mut LiveStream) -> bool {
        match stream.ended.as_mut() {
            Some(rx) => !matches!(rx.try_recv(), Err(oneshot::error::TryRecvError::Empty)),
            None => true,
        }
    }

    #[test]
    fn ending_a_session_ends_its_streams_only() {
        let live = LiveSessions::new(10);
        let (ada, bob) = (Uuid::new_v4(), Uuid::new_v4());
        let mut laptop = live.open(ada, "s1").unwrap();
        let mut phone = live.open(ada, "s2").unwrap();
        let mut bobs = live.open(bob, "s3").unwrap();
        assert!(!has_ended(&mut laptop));
        live.end_session("s1");
        assert!(has_ended(&mut laptop));
        assert!(!has_ended(&mut phone));
        live.end_user(ada, Some("s2"));
        assert!(!has_ended(&mut phone), "the kept session's stream stays");
        live.end_user(ada, None);
        assert!(has_ended(&mut phone));
        assert_eq!(live.open_for(ada), 0);
        assert!(!has_ended(&mut bobs), "another account's stream stays");
        assert_eq!(live.open_for(bob), 1);
        assert_eq!(live.sessions(), vec!["s3".to_owned()]);
    }

    #[test]
    fn a_session_is_tracked_while_any_of_its_streams_is_open() {
        let live = LiveSessions::new(10);
        let ada = Uuid::new_v4();
        let tab1 = live.open(ada, "s1").unwrap();
        let tab2 = live.open(ada, "s1").unwrap();
        drop(tab1);
        assert_eq!(live.sessions(), vec!["s1".to_owned()]);
        drop(tab2);
        assert!(live.sessions().is_empty());
        assert_eq!(live.open_for(ada), 0);
        // Ending a session nobody streams from changes nothing.
        live.end_session("s1");
    }

    #[tokio::test]
    async fn ended_resolves_when_the_session_ends() {
        let live = LiveSessions::new(10);
        let mut s = live.open(Uuid::new_v4(), "s1").unwrap();
        let ended = s.ended();
        live.end_session("s1");
        tokio::time::timeout(Duration::from_secs(5), ended)
            .await
            .unwrap();
    }

    #[test]
    fn an_account_holds_only_so_many_streams_and_a_closed_one_frees_its_place() {
        let live = LiveSessions::new(2);
        let ada = Uuid::new_v4();
        let first = live.open(ada, "s1").unwrap();
        let _second = live.open(ada, "s1").unwrap();
        let refused = live.open(ada, "s2").err().unwrap();
        assert_eq!(refused.status(), 429);
        assert!(live.open(Uuid::new_v4(), "s9").is_ok(), "other accounts");
        drop(first);
        assert_eq!(live.open_for(ada), 1);
        assert!(live.open(ada, "s2").is_ok());
    }
}
