//! The delivery scheduler: runs inside every server process and sends each due letter
//! to each recipient once.
//!
//! A recipient row is the unit of work. A worker **claims** due rows in one statement
//! that moves them from `pending` to `sending` under a lease (`lease_owner`,
//! `lease_until_ms`); on PostgreSQL the candidate rows are locked with
//! `FOR UPDATE SKIP LOCKED`, so any number of instances share the queue without taking the
//! same row; on SQLite the statement runs under the database's single writer. After the
//! SMTP server accepts the message the worker hands it to the process's **recorder**,
//! which marks rows `sent` (fenced by the lease owner) a group at a time: whatever the
//! workers reported while its previous write ran goes into its next one, so the database
//! does a few statements per group rather than several per letter. If the process dies
//! in between, the lease expires and another worker (or this process after its restart)
//! takes the row over. Rows due while no server ran are simply due at the next start.
//!
//! A claimed row is sent only while the rest of its lease outlasts the longest a send may
//! take ([`send_by`]); that is checked after the wait for a send permit and again once
//! the mail connection is ready, just before the transaction (a slow connect counts), so a
//! lease never expires while its holder may still be sending. A row too late for either
//! check goes back unsent and uncounted.
//!
//! The only window in which a letter can go out twice is between the SMTP server's
//! acceptance and the `sent` commit (milliseconds: the recorder's write in progress). At
//! most `letters.unrecorded_max` deliveries per process are in that window (a worker takes
//! a permit before it sends; the recorder gives it back after the commit), so a process
//! that dies abruptly repeats at most that many. A copy sent again carries the same
//! `Message-ID` (`<letter.<letter>.<recipient>@host>`), so mail clients and the tests
//! recognise it as the same message.

mod claim;
mod finish;
mod record;
mod send;

use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    Statement, UpdateMany, Value, sea_query::Expr,
};
use tokio::{
    sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch},
    task::JoinSet,
};
use uuid::Uuid;

use super::{
    LetterStatus, RecipientStatus,
    entities::{letter, letter_recipient},
    ssr::{Letters, account_lang, long_date_in, zone},
};
use crate::{
    AppError, ResultExt,
    account::ssr::entities::user_account,
    i18n::Lang,
    mail::{Email, MailError, Mailer, SEND_TIMEOUT, templates},
    notifications::{self, Notice, ssr::notification as notification_entity},
    seal::SealError,
};

/// A delivery this process has claimed, with what its message needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub r: letter_recipient::Model,
    pub l: Arc<letter::Model>,
    pub author: Option<Arc<user_account::Model>>,
}

/// What every worker shares.
#[derive(Clone)]
pub struct Scheduler {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub letters: Arc<Letters>,
    /// This process's name in `lease_owner`.
    pub instance: String,
}

impl Scheduler {
    pub fn new(db: DatabaseConnection, mailer: Mailer, letters: Arc<Letters>) -> Self {
        let id = Uuid::new_v4().simple().to_string();
        Self {
            db,
            mailer,
            letters,
            instance: format!("{}-{}", std::process::id(), &id[..12]),
        }
    }

    /// Starts the configured number of workers and the recorders they report to; all stop
    /// when `shutdown` turns `true` (each worker finishes the message it is sending, the
    /// recorders record every message sent; claimed rows no worker reached are given
    /// back).
    pub fn spawn(self, shutdown: watch::Receiver<bool>) -> JoinSet<()> {
        let mut set = JoinSet::new();
        let workers = self.letters.config.workers.max(1);
        tracing::info!(workers, instance = %self.instance, "letter delivery started");
        let unrecorded = self.letters.config.unrecorded_max.max(1);
        let (record, attempts) = mpsc::channel(unrecorded);
        let permits = Arc::new(Semaphore::new(unrecorded));
        for index in 0..workers {
            let me = self.clone();
            let stop = shutdown.clone();
            let record = record.clone();
            let permits = permits.clone();
            set.spawn(async move { me.worker(index, record, permits, stop).await });
        }
        // The recorders stop once every worker has stopped and they have recorded the rest.
        drop(record);
        let attempts = Arc::new(tokio::sync::Mutex::new(attempts));
        for _ in 0..self.recorders() {
            let me = self.clone();
            let attempts = attempts.clone();
            set.spawn(async move { me.recorder(attempts).await });
        }
        set
    }

    /// PostgreSQL gets two recorders: while one writes its group, the other gathers the
    /// next, and the database works on both at once. SQLite has one writer, so one.
    fn recorders(&self) -> usize {
        if self.db.get_database_backend() == DbBackend::Postgres {
            2
        } else {
            1
        }
    }

    async fn worker(
        self,
        index: usize,
        record: mpsc::Sender<Attempt>,
        unrecorded: Arc<Semaphore>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let poll = Duration::from_millis(self.letters.config.poll_ms.max(10));
        let mut last_sweep: Option<std::time::Instant> = None;
        let mut last_release: Option<std::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                return;
            }
            if index == 0 && last_release.is_none_or(|t| t.elapsed() >= RELEASE_EVERY) {
                last_release = Some(std::time::Instant::now());
                if let Err(e) = self.release_expired(Utc::now().timestamp_millis()).await {
                    tracing::error!(error = %e, "releasing expired leases failed");
                }
            }
            let started = std::time::Instant::now();
            match self.claim(Utc::now().timestamp_millis()).await {
                Ok(batch) if !batch.is_empty() => {
                    tracing::debug!(
                        size = batch.len(),
                        ms = started.elapsed().as_millis(),
                        "deliveries claimed"
                    );
                    // The batch shares one lease (all its rows were claimed together).
                    let lease = batch.first().and_then(|c| c.r.lease_until_ms);
                    let mut rows = batch.into_iter();
                    let mut unsent: Vec<Uuid> = Vec::new();
                    while let Some(claimed) = rows.next() {
                        if *shutdown.borrow() {
                            unsent.push(claimed.r.id);
                            unsent.extend(rows.by_ref().map(|c| c.r.id));
                            break;
                        }
                        // A send takes a permit that the recorder gives back once the
                        // delivery is recorded: at most `unrecorded_max` are in between.
                        let Ok(permit) = unrecorded.clone().acquire_owned().await else {
                            return;
                        };
                        // Checked after the permit, since waiting for one can take long:
                        // behind a slow mail server (or a busy machine) the rest of a
                        // batch can outlive its lease, and a row whose lease could expire
                        // during its send must not be sent by this worker, or another
                        // could claim and send it too. Its batch-mates are as late.
                        let by = send_by(claimed.r.lease_until_ms, self.letters.config.lease_secs);
                        if Utc::now().timestamp_millis() >= by {
                            drop(permit);
                            unsent.push(claimed.r.id);
                            unsent.extend(rows.by_ref().map(|c| c.r.id));
                            break;
                        }
                        // Checked again by the mailer once its connection is ready: a
                        // slow connect can eat the rest of the time, and then nothing is
                        // sent and this row and its batch-mates go back like the above.
                        let result = self.send(&claimed, by).await;
                        if matches!(result, Err(MailError::Late)) {
                            drop(permit);
                            unsent.push(claimed.r.id);
                            unsent.extend(rows.by_ref().map(|c| c.r.id));
                            break;
                        }
                        let attempt = Attempt {
                            claimed,
                            result,
                            _permit: permit,
                        };
                        if record.send(attempt).await.is_err() {
                            return;
                        }
                    }
                    // Rows never handed to the mail server go back at once, rather than
                    // waiting out the lease and counting as a failed attempt.
                    if let (false, Some(lease)) = (unsent.is_empty(), lease) {
                        match self.unclaim(&unsent, lease).await {
                            Ok(n) => tracing::debug!(rows = n, "unsent claims given back"),
                            // Left to expire, as if this process had died.
                            Err(e) => {
                                tracing::error!(error = %e, "giving back unsent claims failed")
                            }
                        }
                    }
                    if *shutdown.borrow() {
                        return;
                    }
                }
                Ok(_) => {
                    if index == 0 && last_sweep.is_none_or(|t| t.elapsed() >= SWEEP_EVERY) {
                        last_sweep = Some(std::time::Instant::now());
                        if let Err(e) = self.finish_stranded().await {
                            tracing::error!(error = %e, "finishing delivered letters failed");
                        }
                    }
                    // Sleep until the next delivery falls due (so a letter goes out on
                    // time, not up to a poll late), at most `poll_ms` (expired leases,
                    // other instances' writes), at least a moment (rows due but locked
                    // by another instance).
                    let wait = match self.next_due().await {
                        Ok(Some(at)) => {
                            let ms = at
                                .saturating_sub(Utc::now().timestamp_millis())
                                .max(MIN_WAIT_MS);
                            poll.min(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
                        }
                        Ok(None) => poll,
                        Err(e) => {
                            tracing::error!(error = %e, "reading the next due letter failed");
                            poll
                        }
                    };
                    tokio::select! {
                        () = self.letters.wake.notified() => {}
                        () = tokio::time::sleep(wait) => {}
                        _ = shutdown.changed() => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "claiming due letters failed");
                    tokio::time::sleep(poll).await;
                }
            }
        }
    }
}

/// `$first, $first+1, …`: `n` numbered SQL parameters.
fn parameter_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A delivery a worker attempted, for the recorder.
struct Attempt {
    claimed: Claimed,
    result: Result<(), MailError>,
    /// Held from before the send until the delivery is recorded.
    _permit: OwnedSemaphorePermit,
}

/// A confirmation email for an author and its Message-ID.
type Confirmation = (Email, String);

/// A letter and its author (none once the account is gone).
type WithAuthor = (Arc<letter::Model>, Option<Arc<user_account::Model>>);

/// Sends a delivery confirmation; a failure is logged (the in-app notification stands).
async fn confirm(mailer: &Mailer, (email, id): Confirmation) {
    if let Err(e) = mailer.send_with_id(email, &id).await {
        tracing::warn!(error = %e, "the delivery confirmation email failed; the in-app notification stands");
    }
}

/// Who a letter is from, as its email and SMS name them.
fn sender_name(lang: Lang, author: Option<&user_account::Model>) -> String {
    author.map_or_else(
        || lang.texts().letters.someone.to_owned(),
        |a| a.username.clone(),
    )
}

/// Attempts a recorder takes at once at most (one statement's parameters).
const RECORD_GROUP: usize = 256;
/// Notifications per insert: at most ~1 KB each, well under one loopback TCP segment.
const NOTIFY_ROWS: usize = 32;

/// How often an idle first worker looks for letters stranded by a crash.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// How often expired leases are released (see [`Scheduler::release_expired`]).
const RELEASE_EVERY: Duration = Duration::from_secs(1);

/// The shortest idle sleep, for rows that are due but held by another instance.
const MIN_WAIT_MS: i64 = 20;

/// The last instant (epoch ms) a claimed delivery may still be sent: its lease's end less
/// the longest a send may take (the SMTP timeout, or half the lease if that is shorter, as
/// in tests). A row without a lease is not this process's to send.
fn send_by(lease_until_ms: Option<i64>, lease_secs: i64) -> i64 {
    let Some(until) = lease_until_ms else {
        return i64::MIN;
    };
    let send_ms = i64::try_from(SEND_TIMEOUT.as_millis())
        .unwrap_or(i64::MAX)
        .min(lease_secs.saturating_mul(1000) / 2);
    until.saturating_sub(send_ms)
}

/// `$n` placeholders for PostgreSQL, `?n` for SQLite (both numbered, so one may repeat).
fn placeholders(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_starts_only_while_its_lease_outlasts_the_smtp_timeout() {
        // The default lease (120 s) leaves 90 s to start a send.
        assert_eq!(send_by(Some(1_000_000), 120), 1_000_000 - 30_000);
        // A lease shorter than twice the timeout (tests use 3 s) keeps half of it.
        assert_eq!(send_by(Some(1_000_000), 3), 1_000_000 - 1_500);
        // No lease: never.
        assert_eq!(send_by(None, 120), i64::MIN);
    }

    #[test]
    fn sqlite_gets_numbered_question_marks() {
        assert_eq!(
            placeholders(DbBackend::Sqlite, "a = $1 AND b = $2 OR c = $1"),
            "a = ?1 AND b = ?2 OR c = ?1"
        );
        assert_eq!(placeholders(DbBackend::Postgres, "a = $1"), "a = $1");
    }
}
