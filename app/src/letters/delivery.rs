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
//! The only window in which a letter can go out twice is between the SMTP server's
//! acceptance and the `sent` commit (milliseconds: the recorder's write in progress). At
//! most `letters.unrecorded_max` deliveries per process are in that window (a worker takes
//! a permit before it sends; the recorder gives it back after the commit), so a process
//! that dies abruptly repeats at most that many. A copy sent again carries the same
//! `Message-ID` (`<letter.<letter>.<recipient>@host>`), so mail clients and the tests
//! recognise it as the same message.

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
    rules,
    ssr::{Letters, account_lang, long_date_in, zone},
};
use crate::{
    AppError, ResultExt,
    account::ssr::entities::user_account,
    i18n::{Lang, fill},
    mail::{Email, MailError, Mailer, SEND_TIMEOUT, templates},
    notifications::{self, Kind, ssr::notification as notification_entity},
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
                        let result = self.send(&claimed).await;
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

    /// Gives back claimed deliveries this process never handed to the mail server: due
    /// again at once, and the claim does not count as an attempt. Fenced by owner and
    /// lease, so a row that meanwhile expired and was claimed again (by any process) is
    /// left alone.
    pub async fn unclaim(&self, ids: &[Uuid], lease_until_ms: i64) -> Result<u64, AppError> {
        use letter_recipient::Column as C;
        use sea_orm::sea_query::ExprTrait;
        let done = letter_recipient::Entity::update_many()
            .col_expr(C::Status, Expr::value(RecipientStatus::Pending.as_str()))
            .col_expr(C::LeaseOwner, Expr::value(None::<String>))
            .col_expr(C::LeaseUntilMs, Expr::value(None::<i64>))
            .col_expr(C::Attempts, Expr::col(C::Attempts).sub(1))
            .filter(C::Id.is_in(ids.iter().copied()))
            .filter(C::Status.eq(RecipientStatus::Sending))
            .filter(C::LeaseOwner.eq(self.instance.clone()))
            .filter(C::LeaseUntilMs.eq(lease_until_ms))
            .exec(&self.db)
            .await
            .or_internal("giving back unsent claims")?;
        Ok(done.rows_affected)
    }

    /// Makes deliveries whose lease expired (their sender died or hung) due again, so any
    /// worker of any process takes them over. Run by each process's first worker once a
    /// second; the statement finds its rows through the (status, due) index.
    pub async fn release_expired(&self, now_ms: i64) -> Result<u64, AppError> {
        let backend = self.db.get_database_backend();
        let sql = "UPDATE letter_recipient SET status = 'pending', lease_owner = NULL, \
                   lease_until_ms = NULL WHERE status = 'sending' AND lease_until_ms < $1";
        let done = self
            .db
            .execute_raw(Statement::from_sql_and_values(
                backend,
                placeholders(backend, sql),
                [now_ms.into()],
            ))
            .await?;
        Ok(done.rows_affected())
    }

    /// Claims up to `batch` due deliveries of scheduled letters for this process, with
    /// their letters and authors: one statement claims, two more load what the messages
    /// need, whatever the batch size. The claim walks the (status, due) index in due order,
    /// so its cost does not grow with the number of deliveries waiting for later.
    pub async fn claim(&self, now_ms: i64) -> Result<Vec<Claimed>, AppError> {
        let backend = self.db.get_database_backend();
        // The claim reads `letter_recipient` alone, through its (status, due) index: with a
        // join to `letter`, PostgreSQL planned a fresh database (no statistics yet) as nested
        // sequential scans, and one claim took 44 s while holding its rows' locks. A pending
        // delivery belongs to a scheduled letter (scheduling, cancelling and closing an
        // account change both together); rows that break that rule are cancelled below.
        // PostgreSQL picks (and locks, skipping rows other workers hold) once, in a
        // materialised CTE; SQLite has one writer and no row locks.
        let sql = if backend == DbBackend::Postgres {
            "WITH picked AS MATERIALIZED (SELECT id FROM letter_recipient \
               WHERE status = 'pending' AND next_attempt_ms <= $3 \
               ORDER BY next_attempt_ms LIMIT $4 FOR UPDATE SKIP LOCKED) \
             UPDATE letter_recipient SET status = 'sending', lease_owner = $1, \
               lease_until_ms = $2, attempts = letter_recipient.attempts + 1 \
             FROM picked WHERE letter_recipient.id = picked.id \
             RETURNING letter_recipient.*"
        } else {
            "UPDATE letter_recipient SET status = 'sending', lease_owner = $1, \
               lease_until_ms = $2, attempts = attempts + 1 \
             WHERE id IN (SELECT id FROM letter_recipient \
               WHERE status = 'pending' AND next_attempt_ms <= $3 \
               ORDER BY next_attempt_ms LIMIT $4) \
             RETURNING *"
        };
        let values: Vec<Value> = vec![
            self.instance.clone().into(),
            (now_ms + self.letters.config.lease_secs * 1000).into(),
            now_ms.into(),
            i64::try_from(self.letters.config.batch.max(1))
                .unwrap_or(16)
                .into(),
        ];
        let mut rows = letter_recipient::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(
                backend,
                placeholders(backend, sql),
                values,
            ))
            .all(&self.db)
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        rows.sort_by_key(|r| r.next_attempt_ms);
        let letters = self
            .letters_with_authors(rows.iter().map(|r| r.letter_id))
            .await?;
        let (claimed, stray): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| {
            letters
                .get(&r.letter_id)
                .is_some_and(|(l, _)| l.status == LetterStatus::Scheduled)
        });
        if !stray.is_empty() {
            tracing::warn!(
                count = stray.len(),
                "pending deliveries of unscheduled letters cancelled"
            );
            letter_recipient::Entity::update_many()
                .col_expr(
                    letter_recipient::Column::Status,
                    Expr::value(RecipientStatus::Cancelled.as_str()),
                )
                .col_expr(
                    letter_recipient::Column::LeaseOwner,
                    sea_orm::sea_query::Expr::value(None::<String>),
                )
                .filter(letter_recipient::Column::Id.is_in(stray.iter().map(|r| r.id)))
                .filter(letter_recipient::Column::LeaseOwner.eq(self.instance.clone()))
                .exec(&self.db)
                .await?;
        }
        Ok(claimed
            .into_iter()
            .filter_map(|r| {
                let (l, author) = letters.get(&r.letter_id)?.clone();
                Some(Claimed { r, l, author })
            })
            .collect())
    }

    /// These letters with their authors, by letter id: two queries whatever their number.
    async fn letters_with_authors(
        &self,
        ids: impl IntoIterator<Item = Uuid>,
    ) -> Result<HashMap<Uuid, WithAuthor>, AppError> {
        let letters = letter::Entity::find()
            .filter(letter::Column::Id.is_in(ids))
            .all(&self.db)
            .await?;
        let authors: HashMap<Uuid, Arc<user_account::Model>> = user_account::Entity::find()
            .filter(user_account::Column::Id.is_in(letters.iter().filter_map(|l| l.user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, Arc::new(u)))
            .collect();
        Ok(letters
            .into_iter()
            .map(|l| {
                let author = l.user_id.and_then(|u| authors.get(&u).cloned());
                (l.id, (Arc::new(l), author))
            })
            .collect())
    }

    /// When the next delivery falls due (epoch ms), if any is waiting.
    async fn next_due(&self) -> Result<Option<i64>, AppError> {
        let backend = self.db.get_database_backend();
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT MIN(next_attempt_ms) AS n FROM letter_recipient WHERE status = 'pending'",
            ))
            .await?;
        Ok(match row {
            Some(row) => row.try_get::<Option<i64>>("", "n")?,
            None => None,
        })
    }

    /// Sends one claimed delivery's email (in the author's language: no request here).
    async fn send(&self, claimed: &Claimed) -> Result<(), MailError> {
        let Claimed { r, l, author } = claimed;
        let lang = author.as_deref().map_or(Lang::default(), account_lang);
        let written_on = long_date_in(lang, l.created_ms, zone(&l.timezone));
        let email = templates::letter_delivered(
            lang,
            &templates::DeliveredLetter {
                to_name: r.name.as_deref(),
                to: &r.email,
                from: &sender_name(lang, author.as_deref()),
                is_self: r.is_self,
                written_on: &written_on,
                title: &l.title,
                excerpt: &rules::excerpt(&l.body, 280),
                link: &self.letters.link(r.id),
            },
        );
        self.mailer.send_with_id(email, &r.message_id).await
    }

    /// Records what the workers report, a group at a time: everything reported while the
    /// previous group was being written is written together, in a few statements whatever
    /// its size, so the database's work per letter shrinks as the load grows. A message
    /// waits here only for the write in progress (milliseconds) before it is marked sent.
    ///
    /// With several recorders, two groups holding deliveries of one letter may be written
    /// at once; each counts the letter's deliveries after its own are marked, so the later
    /// count sees both and finishes the letter.
    async fn recorder(self, attempts: Arc<tokio::sync::Mutex<mpsc::Receiver<Attempt>>>) {
        let mut group = Vec::with_capacity(RECORD_GROUP);
        let mut confirmations = JoinSet::new();
        loop {
            if attempts
                .lock()
                .await
                .recv_many(&mut group, RECORD_GROUP)
                .await
                == 0
            {
                break;
            }
            let (size, started) = (group.len(), std::time::Instant::now());
            let recorded = self.record(std::mem::take(&mut group)).await;
            tracing::debug!(
                size,
                ms = started.elapsed().as_millis(),
                "delivery group recorded"
            );
            match recorded {
                Ok(emails) => {
                    for confirmation in emails {
                        let mailer = self.mailer.clone();
                        confirmations.spawn(async move { confirm(&mailer, confirmation).await });
                    }
                }
                Err(e) => tracing::error!(error = %e, "recording letter deliveries failed"),
            }
            while confirmations.try_join_next().is_some() {}
        }
        while confirmations.join_next().await.is_some() {}
    }

    /// Records one group of attempts: marks the sent ones sent (one statement), sends
    /// their SMS, schedules retries or failures, finishes the letters with nothing left to
    /// do and tells their authors. Answers the confirmation emails to send.
    async fn record(&self, group: Vec<Attempt>) -> Result<Vec<Confirmation>, AppError> {
        let sent: Vec<Uuid> = group
            .iter()
            .filter(|a| a.result.is_ok())
            .map(|a| a.claimed.r.id)
            .collect();
        let recorded = self.mark_sent(&sent).await?;
        let mut finished: Vec<WithAuthor> = Vec::new();
        // Each attempt's permit is given back as the loop reaches it, after the mark.
        for Attempt {
            claimed, result, ..
        } in group
        {
            let Claimed { r, l, author } = claimed;
            let lang = author.as_deref().map_or(Lang::default(), account_lang);
            let finishes = match result {
                Ok(()) if !recorded.contains(&r.id) => {
                    tracing::warn!(
                        recipient = %r.id,
                        "a delivery outlived its lease and was taken over; it may arrive twice \
                         (with the same Message-ID)"
                    );
                    false
                }
                Ok(()) => {
                    if l.send_sms
                        && let Some(phone) = &r.phone
                    {
                        self.send_sms(lang, &r, author.as_deref(), phone).await;
                    }
                    true
                }
                // One delivery's trouble does not hold up the group's other letters.
                Err(e) => match self.record_failure(lang, &r, &e).await {
                    Ok(finished) => finished,
                    Err(e) => {
                        tracing::error!(recipient = %r.id, error = %e, "recording a failed delivery failed");
                        false
                    }
                },
            };
            if finishes && !finished.iter().any(|(f, _)| f.id == l.id) {
                finished.push((l, author));
            }
        }
        self.finish_letters(&finished).await
    }

    /// Sends a delivered letter's SMS and notes when; a failed SMS is logged (the email
    /// went out, and the provider's trouble is no reason to send that again).
    async fn send_sms(
        &self,
        lang: Lang,
        r: &letter_recipient::Model,
        author: Option<&user_account::Model>,
        phone: &str,
    ) {
        let text =
            super::sms::letter_text(lang, &sender_name(lang, author), &self.letters.link(r.id));
        if let Err(e) = self.letters.sms.send(phone, &text).await {
            tracing::warn!(error = %e, provider = self.letters.sms.name(), "SMS failed");
            return;
        }
        let noted = letter_recipient::Entity::update_many()
            .col_expr(
                letter_recipient::Column::SmsSentMs,
                Utc::now().timestamp_millis().into(),
            )
            .filter(letter_recipient::Column::Id.eq(r.id))
            .exec(&self.db)
            .await;
        if let Err(e) = noted {
            tracing::error!(recipient = %r.id, error = %e, "noting a sent SMS failed");
        }
    }

    /// A delivery the SMTP server did not take: failed for good (a permanent refusal, or
    /// out of attempts) or due again after a backoff. Answers whether it is final (its
    /// letter may be finished).
    async fn record_failure(
        &self,
        lang: Lang,
        r: &letter_recipient::Model,
        e: &MailError,
    ) -> Result<bool, AppError> {
        let t = &lang.texts().letters;
        let permanent = matches!(e, MailError::Rejected(_) | MailError::Address(_));
        let out_of_attempts = r.attempts >= self.letters.config.max_attempts;
        tracing::warn!(recipient = %r.id, attempt = r.attempts, permanent, error = %e, "letter delivery failed");
        if permanent || out_of_attempts {
            let reason = if permanent {
                t.fail_refused.to_owned()
            } else {
                fill(t.fail_unreachable, &[("n", &r.attempts)])
            };
            self.set_outcome(r, RecipientStatus::Failed, None, Some(&reason))
                .await?;
            Ok(true)
        } else {
            let at = Utc::now().timestamp_millis() + self.backoff_ms(r.attempts);
            self.set_outcome(
                r,
                RecipientStatus::Pending,
                Some(at),
                Some(t.retry_unreachable),
            )
            .await?;
            Ok(false)
        }
    }

    /// Marks these deliveries sent and releases their leases, in one statement; answers
    /// those it marked. Only the lease holder may: a delivery missing from the answer was
    /// taken over after its lease expired. Tried three times, since a delivery sent but
    /// not marked is sent again when its lease expires.
    async fn mark_sent(&self, ids: &[Uuid]) -> Result<HashSet<Uuid>, AppError> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let mut tries = 0;
        loop {
            let marked = self
                .release(RecipientStatus::Sent, None)
                .col_expr(
                    letter_recipient::Column::SentMs,
                    Utc::now().timestamp_millis().into(),
                )
                .filter(letter_recipient::Column::Id.is_in(ids.iter().copied()))
                .exec_with_returning(&self.db)
                .await;
            match marked {
                Ok(rows) => return Ok(rows.into_iter().map(|r| r.id).collect()),
                Err(e) if tries < 2 => {
                    tries += 1;
                    tracing::warn!(error = %e, "marking deliveries sent failed; trying again");
                    tokio::time::sleep(Duration::from_millis(200 * tries)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Records a failed attempt and releases its lease: `failed`, or `pending` again at
    /// `next_attempt_ms`. Only the lease holder may; the answer is how many rows changed
    /// (0: the lease was taken over).
    async fn set_outcome(
        &self,
        r: &letter_recipient::Model,
        status: RecipientStatus,
        next_attempt_ms: Option<i64>,
        reason: Option<&str>,
    ) -> Result<u64, AppError> {
        let mut update = self.release(status, reason);
        if let Some(at) = next_attempt_ms {
            update = update.col_expr(letter_recipient::Column::NextAttemptMs, at.into());
        }
        let done = update
            .filter(letter_recipient::Column::Id.eq(r.id))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// The update that ends this process's lease on deliveries, setting their status and
    /// last error: only rows this process still holds change.
    fn release(
        &self,
        status: RecipientStatus,
        reason: Option<&str>,
    ) -> UpdateMany<letter_recipient::Entity> {
        letter_recipient::Entity::update_many()
            .col_expr(letter_recipient::Column::Status, status.as_str().into())
            .col_expr(
                letter_recipient::Column::LeaseOwner,
                Option::<String>::None.into(),
            )
            .col_expr(
                letter_recipient::Column::LeaseUntilMs,
                Option::<i64>::None.into(),
            )
            .col_expr(
                letter_recipient::Column::LastError,
                reason.map(str::to_owned).into(),
            )
            .filter(letter_recipient::Column::LeaseOwner.eq(self.instance.clone()))
    }

    /// The wait before attempt `attempts + 1`: base × 2^(attempts−1), capped, plus up to
    /// 10 % jitter so retries of many letters do not arrive together.
    pub fn backoff_ms(&self, attempts: i32) -> i64 {
        let cfg = &self.letters.config;
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(0);
        let base = cfg
            .backoff_base_secs
            .saturating_mul(1_i64 << exp)
            .min(cfg.backoff_max_secs)
            .max(0)
            * 1000;
        let mut b = [0u8; 2];
        let jitter = if getrandom::fill(&mut b).is_ok() {
            base / 10 * i64::from(u16::from_le_bytes(b)) / i64::from(u16::MAX)
        } else {
            0
        };
        base + jitter
    }

    /// Letters whose last delivery was recorded by a process that died before it could
    /// mark the letter itself: finished here, by the first worker of any process, when
    /// it has nothing else to do. Only letters already due are looked at.
    pub async fn finish_stranded(&self) -> Result<(), AppError> {
        let backend = self.db.get_database_backend();
        let ids: Vec<Uuid> = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                placeholders(
                    backend,
                    "SELECT l.id FROM letter l WHERE l.status = 'scheduled' \
                     AND l.deliver_at_ms <= $1 \
                     AND EXISTS (SELECT 1 FROM letter_recipient r WHERE r.letter_id = l.id) \
                     AND NOT EXISTS (SELECT 1 FROM letter_recipient r WHERE r.letter_id = l.id \
                       AND r.status IN ('pending', 'sending', 'draft', 'cancelled')) LIMIT 100",
                ),
                [Utc::now().timestamp_millis().into()],
            ))
            .await?
            .iter()
            .map(|row| row.try_get("", "id"))
            .collect::<Result<_, _>>()?;
        if ids.is_empty() {
            return Ok(());
        }
        let letters: Vec<_> = self
            .letters_with_authors(ids)
            .await?
            .into_values()
            .collect();
        for confirmation in self.finish_letters(&letters).await? {
            confirm(&self.mailer, confirmation).await;
        }
        Ok(())
    }

    /// Of these letters, those with no delivery left to do become delivered (or failed, if
    /// no recipient was reached) — exactly one worker wins each — and their authors are
    /// told. A few statements whatever the number of letters: one counts their deliveries
    /// (through the recipients' `letter_id` index), one or two mark them, one stores the
    /// notifications. Answers the confirmation emails to send.
    ///
    /// A letter is finished only when the count found none of its deliveries open; a
    /// delivery that is sent or failed never becomes open again, so the count cannot go
    /// stale before the update. The update takes only letters still `scheduled`: of two
    /// processes finishing one letter, one changes it and the other gets no row back.
    async fn finish_letters(&self, letters: &[WithAuthor]) -> Result<Vec<Confirmation>, AppError> {
        if letters.is_empty() {
            return Ok(Vec::new());
        }
        let done = self.ended_deliveries(letters).await?;
        let finished = self.mark_finished(&done).await?;
        let (notifications, emails) = self.outcomes(letters, &done, finished);
        // In statements of a few rows: sqlx 0.9.0 leaves Nagle's algorithm on for its
        // TCP connections (sqlx#4335), so a statement larger than a TCP segment waited
        // ~40 ms for the server's delayed acknowledgement (measured: 256 notifications in
        // one statement, ~50 ms; in 32-row statements, a few ms all together).
        let mut notifications = notifications.into_iter().peekable();
        while notifications.peek().is_some() {
            notification_entity::Entity::insert_many(notifications.by_ref().take(NOTIFY_ROWS))
                .exec_without_returning(&self.db)
                .await?;
        }
        Ok(emails)
    }

    /// Of `letters`, those with no delivery left open: letter → (sent, failed, whether
    /// any recipient is not the author). One grouped count through the `letter_id` index.
    async fn ended_deliveries(
        &self,
        letters: &[WithAuthor],
    ) -> Result<HashMap<Uuid, (usize, usize, bool)>, AppError> {
        let backend = self.db.get_database_backend();
        let sql = format!(
            "SELECT letter_id, \
               SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent, \
               SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, \
               SUM(CASE WHEN status IN ('pending', 'sending') THEN 1 ELSE 0 END) AS open, \
               SUM(CASE WHEN is_self THEN 0 ELSE 1 END) AS others \
             FROM letter_recipient WHERE letter_id IN ({}) GROUP BY letter_id",
            parameter_list(1, letters.len())
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                placeholders(backend, &sql),
                letters.iter().map(|(l, _)| Value::from(l.id)),
            ))
            .await?;
        let mut done = HashMap::new();
        for row in rows {
            let count = |name: &str| {
                row.try_get::<i64>("", name)
                    .map(|n| usize::try_from(n).unwrap_or(0))
            };
            if count("open")? == 0 {
                done.insert(
                    row.try_get("", "letter_id")?,
                    (count("sent")?, count("failed")?, count("others")? > 0),
                );
            }
        }
        Ok(done)
    }

    /// Marks the ended letters delivered (any delivery sent) or failed; answers those this
    /// call changed (exactly one process wins each letter).
    async fn mark_finished(
        &self,
        done: &HashMap<Uuid, (usize, usize, bool)>,
    ) -> Result<Vec<Uuid>, AppError> {
        let backend = self.db.get_database_backend();
        let mut finished = Vec::new();
        let now = Utc::now().timestamp_millis();
        for delivered in [true, false] {
            let ids: Vec<Uuid> = done
                .iter()
                .filter(|(_, (sent, _, _))| (*sent > 0) == delivered)
                .map(|(id, _)| *id)
                .collect();
            if ids.is_empty() {
                continue;
            }
            let sql = format!(
                "UPDATE letter SET status = $1, delivered_ms = $2, updated_ms = $2 \
                 WHERE status = 'scheduled' AND id IN ({}) RETURNING id",
                parameter_list(3, ids.len())
            );
            let status = if delivered {
                LetterStatus::Delivered
            } else {
                LetterStatus::Failed
            };
            let mut values: Vec<Value> = vec![status.as_str().into(), now.into()];
            values.extend(ids.into_iter().map(Value::from));
            for row in self
                .db
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    placeholders(backend, &sql),
                    values,
                ))
                .await?
            {
                finished.push(row.try_get::<Uuid>("", "id")?);
            }
        }
        Ok(finished)
    }

    /// What the authors of the `finished` letters are told: a notification each, and a
    /// confirmation email unless the letter went only to its author and arrived. Bumps
    /// the wall's counter when a public letter arrived.
    fn outcomes(
        &self,
        letters: &[WithAuthor],
        done: &HashMap<Uuid, (usize, usize, bool)>,
        finished: Vec<Uuid>,
    ) -> (Vec<notification_entity::ActiveModel>, Vec<Confirmation>) {
        let mut notifications = Vec::new();
        let mut emails = Vec::new();
        let mut wall_changed = false;
        for id in finished {
            let Some(&(sent, failed, others)) = done.get(&id) else {
                continue;
            };
            let Some((l, author)) = letters.iter().find(|(l, _)| l.id == id) else {
                continue;
            };
            wall_changed |= l.visibility.is_public() && sent > 0;
            let Some(author) = author else {
                continue;
            };
            // The notification is stored, and the email sent, in the author's language.
            let lang = account_lang(author);
            let t = &lang.texts().letters;
            let (title, body) = if sent > 0 {
                (
                    fill(t.delivered_title, &[("title", &l.title)]),
                    if failed > 0 {
                        fill(t.delivered_partial, &[("sent", &sent), ("failed", &failed)])
                    } else {
                        fill(t.delivered_all, &[("sent", &sent)])
                    },
                )
            } else {
                (
                    fill(t.failed_title, &[("title", &l.title)]),
                    t.failed_body.to_owned(),
                )
            };
            let page = format!("/letters/{}", l.id);
            notifications.push(notifications::ssr::new(
                author.id,
                Kind::LetterDelivered,
                &title,
                &body,
                Some(&page),
            ));
            // A letter only to oneself needs no second email saying it arrived.
            if others || failed > 0 {
                let email = templates::delivery_confirmation(
                    lang,
                    &author.username,
                    &author.email,
                    &l.title,
                    sent,
                    failed,
                    &format!("{}{page}", self.letters.site_url),
                );
                let id = format!(
                    "<letter.{}.confirmation@{}>",
                    l.id.simple(),
                    self.letters.mail_domain()
                );
                emails.push((email, id));
            }
        }
        if wall_changed {
            super::public::changed();
        }
        (notifications, emails)
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
