//! Long-lived responses that belong to a session (the timer's event stream): they end when
//! their session ends, and an account holds only so many at once.
//!
//! A stream registers here with its session ([`LiveSessions::open`]) and ends when its
//! [`LiveStream::ended`] resolves. Every flow that ends sessions in this process tells the
//! registry at once (logout, "sign out everywhere", a device ended, a password changed or
//! reset, an address verified, the account closed). Sessions ended elsewhere — by another
//! server process, the retention job, expiry or SQL — are found by the stream's own
//! periodic re-check of its session row (`server/src/focus_events.rs`).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tokio::sync::oneshot;
use uuid::Uuid;

use crate::AppError;

/// The open streams of each account. Cloning shares the registry.
#[derive(Clone)]
pub struct LiveSessions {
    inner: Arc<Inner>,
}

struct Inner {
    streams: Mutex<HashMap<Uuid, Vec<Entry>>>,
    per_account: usize,
}

struct Entry {
    id: u64,
    /// The SHA-256 of the session's token (`auth_session.id_hash`).
    session: String,
    /// Dropping it ends the stream.
    _end: oneshot::Sender<()>,
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
        let mut map = self.inner.lock();
        if let Some(list) = map.get_mut(&self.user) {
            list.retain(|e| e.id != self.id);
            if list.is_empty() {
                map.remove(&self.user);
            }
        }
    }
}

impl Inner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Vec<Entry>>> {
        self.streams.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// When a refused stream may try again (the browser's backoff waits at least this).
const RETRY_AFTER_SECS: u64 = 30;

impl LiveSessions {
    /// A registry that lets each account hold `per_account` streams (at least one).
    pub fn new(per_account: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                streams: Mutex::new(HashMap::new()),
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
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut map = self.inner.lock();
        let list = map.entry(user).or_default();
        if list.len() >= self.inner.per_account {
            return Err(AppError::RateLimited {
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (end, ended) = oneshot::channel();
        list.push(Entry {
            id,
            session: session.to_owned(),
            _end: end,
        });
        Ok(LiveStream {
            inner: self.inner.clone(),
            user,
            id,
            ended: Some(ended),
        })
    }

    /// Ends the streams of one session (its `id_hash`).
    pub fn end_session(&self, session: &str) {
        let mut map = self.inner.lock();
        map.retain(|_, list| {
            list.retain(|e| e.session != session);
            !list.is_empty()
        });
    }

    /// Ends every stream of `user`, except those of the session `keep`.
    pub fn end_user(&self, user: Uuid, keep: Option<&str>) {
        let mut map = self.inner.lock();
        if let Some(list) = map.get_mut(&user) {
            list.retain(|e| Some(e.session.as_str()) == keep);
            if list.is_empty() {
                map.remove(&user);
            }
        }
    }

    /// Streams open now for `user` (tests and metrics).
    pub fn open_for(&self, user: Uuid) -> usize {
        self.inner.lock().get(&user).map_or(0, Vec::len)
    }
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
    }

    #[tokio::test]
    async fn ended_resolves_when_the_session_ends() {
        let live = LiveSessions::new(10);
        let mut s = live.open(Uuid::new_v4(), "s1").unwrap();
        let ended = s.ended();
        live.end_session("s1");
        tokio::time::timeout(std::time::Duration::from_secs(5), ended)
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
