//! The delivery scheduler: runs inside every server process and sends each due letter
//! to each recipient once.
//!
//! A recipient row is the unit of work. A worker **claims** due rows in one statement
//! that moves them from `pending` to `sending` under a lease (`lease_owner`,
//! `lease_until_ms`); on PostgreSQL the candidate rows are locked with
//! `FOR UPDATE SKIP LOCKED`, so any number of instances share the queue without taking the
//! same row; on SQLite the statement runs under the database's single writer. After the
//! SMTP server accepts the message the row becomes `sent`, fenced by the lease owner.
//! If the process dies in between, the lease expires and another worker (or this process
//! after its restart) takes the row over. Rows due while no server ran are simply due at
//! the next start.
//!
//! The only window in which a letter can go out twice is between the SMTP server's
//! acceptance and the `sent` commit (a few milliseconds per message); a copy sent again
//! after such a crash carries the same `Message-ID` (`<letter.<letter>.<recipient>@host>`),
//! so mail clients and the tests recognise it as the same message.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    Statement, Value,
};
use tokio::{sync::watch, task::JoinSet};
use uuid::Uuid;

use super::{
    entities::{letter, letter_recipient},
    rules,
    ssr::{Letters, account_lang, author_of, long_date_in, notify, zone},
};
use crate::{
    AppError,
    account::ssr::entities::user_account,
    i18n::{Lang, fill},
    mail::{MailError, Mailer, templates},
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

    /// Starts the configured number of workers; they stop when `shutdown` turns `true`
    /// (each finishes the message it is sending; claimed rows it did not reach are
    /// released when their lease expires).
    pub fn spawn(self, shutdown: watch::Receiver<bool>) -> JoinSet<()> {
        let mut set = JoinSet::new();
        let workers = self.letters.config.workers.max(1);
        tracing::info!(workers, instance = %self.instance, "letter delivery started");
        for index in 0..workers {
            let me = self.clone();
            let stop = shutdown.clone();
            set.spawn(async move { me.worker(index, stop).await });
        }
        set
    }

    async fn worker(self, index: usize, mut shutdown: watch::Receiver<bool>) {
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
            match self.claim(Utc::now().timestamp_millis()).await {
                Ok(batch) if !batch.is_empty() => {
                    for row in batch {
                        if *shutdown.borrow() {
                            return;
                        }
                        if let Err(e) = self.deliver(row).await {
                            tracing::error!(error = %e, "a letter delivery step failed");
                        }
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
        let letters: HashMap<Uuid, Arc<letter::Model>> = letter::Entity::find()
            .filter(letter::Column::Id.is_in(rows.iter().map(|r| r.letter_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| (l.id, Arc::new(l)))
            .collect();
        let authors: HashMap<Uuid, Arc<user_account::Model>> = user_account::Entity::find()
            .filter(user_account::Column::Id.is_in(letters.values().filter_map(|l| l.user_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, Arc::new(u)))
            .collect();
        let (claimed, stray): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| {
            letters
                .get(&r.letter_id)
                .is_some_and(|l| l.status == "scheduled")
        });
        if !stray.is_empty() {
            tracing::warn!(
                count = stray.len(),
                "pending deliveries of unscheduled letters cancelled"
            );
            letter_recipient::Entity::update_many()
                .col_expr(
                    letter_recipient::Column::Status,
                    sea_orm::sea_query::Expr::value("cancelled"),
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
                let l = letters.get(&r.letter_id)?.clone();
                let author = l.user_id.and_then(|u| authors.get(&u).cloned());
                Some(Claimed { r, l, author })
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

    /// Sends one claimed delivery and records the outcome.
    pub async fn deliver(&self, claimed: Claimed) -> Result<(), AppError> {
        let Claimed { r, l, author } = claimed;
        // No request here: the letter, its text and the reasons stored for the author
        // speak the author's language.
        let lang = author.as_deref().map_or(Lang::default(), account_lang);
        let t = &lang.texts().letters;
        let written_on = long_date_in(lang, l.created_ms, zone(&l.timezone));
        let from = author
            .as_ref()
            .map_or_else(|| t.someone.to_owned(), |a| a.username.clone());
        let link = self.letters.link(r.id);
        let email = templates::letter_delivered(
            lang,
            r.name.as_deref(),
            &r.email,
            &from,
            r.is_self,
            &written_on,
            &l.title,
            &rules::excerpt(&l.body, 280),
            &link,
        );
        let now = || Utc::now().timestamp_millis();
        match self.mailer.send_with_id(email, &r.message_id).await {
            Ok(()) => {
                let done = self.set_outcome(&r, "sent", None, None).await?;
                if done == 0 {
                    tracing::warn!(
                        recipient = %r.id,
                        "a delivery outlived its lease and was taken over; it may arrive twice \
                         (with the same Message-ID)"
                    );
                    return Ok(());
                }
                if l.send_sms
                    && let Some(phone) = &r.phone
                {
                    let text = super::sms::letter_text(lang, &from, &link);
                    match self.letters.sms.send(phone, &text).await {
                        Ok(()) => {
                            letter_recipient::Entity::update_many()
                                .col_expr(letter_recipient::Column::SmsSentMs, now().into())
                                .filter(letter_recipient::Column::Id.eq(r.id))
                                .exec(&self.db)
                                .await?;
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, provider = self.letters.sms.name(), "SMS failed")
                        }
                    }
                }
            }
            Err(e) => {
                let permanent = matches!(e, MailError::Rejected(_) | MailError::Address(_));
                let out_of_attempts = r.attempts >= self.letters.config.max_attempts;
                tracing::warn!(recipient = %r.id, attempt = r.attempts, permanent, error = %e, "letter delivery failed");
                if permanent || out_of_attempts {
                    let reason = if permanent {
                        t.fail_refused.to_owned()
                    } else {
                        fill(t.fail_unreachable, &[("n", &r.attempts)])
                    };
                    self.set_outcome(&r, "failed", None, Some(&reason)).await?;
                } else {
                    let wait = self.backoff_ms(r.attempts);
                    self.set_outcome(&r, "pending", Some(now() + wait), Some(t.retry_unreachable))
                        .await?;
                    return Ok(());
                }
            }
        }
        self.finish_letter(&l, author.as_deref()).await
    }

    /// Records a delivery's outcome and releases its lease: `sent` (with the time),
    /// `failed`, or `pending` again at `next_attempt_ms`. Only the lease holder may; the
    /// answer is how many rows changed (0: the lease was taken over).
    async fn set_outcome(
        &self,
        r: &letter_recipient::Model,
        status: &str,
        next_attempt_ms: Option<i64>,
        reason: Option<&str>,
    ) -> Result<u64, AppError> {
        let mut update = letter_recipient::Entity::update_many()
            .col_expr(letter_recipient::Column::Status, status.into())
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
            );
        if status == "sent" {
            update = update.col_expr(
                letter_recipient::Column::SentMs,
                Utc::now().timestamp_millis().into(),
            );
        }
        if let Some(at) = next_attempt_ms {
            update = update.col_expr(letter_recipient::Column::NextAttemptMs, at.into());
        }
        let done = update
            .filter(letter_recipient::Column::Id.eq(r.id))
            .filter(letter_recipient::Column::LeaseOwner.eq(self.instance.clone()))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
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
    /// it has nothing else to do.
    pub async fn finish_stranded(&self) -> Result<(), AppError> {
        let backend = self.db.get_database_backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT l.id FROM letter l WHERE l.status = 'scheduled' \
                 AND EXISTS (SELECT 1 FROM letter_recipient r WHERE r.letter_id = l.id) \
                 AND NOT EXISTS (SELECT 1 FROM letter_recipient r WHERE r.letter_id = l.id \
                   AND r.status IN ('pending', 'sending', 'draft', 'cancelled')) LIMIT 100",
            ))
            .await?;
        for row in rows {
            let id: Uuid = row.try_get("", "id")?;
            let Some(l) = letter::Entity::find_by_id(id).one(&self.db).await? else {
                continue;
            };
            let author = author_of(&self.db, &l).await?;
            self.finish_letter(&l, author.as_ref()).await?;
        }
        Ok(())
    }

    /// When no delivery of the letter is left to do, marks it delivered (or failed, if no
    /// recipient was reached) — exactly one worker wins this — and tells the author.
    async fn finish_letter(
        &self,
        l: &letter::Model,
        author: Option<&user_account::Model>,
    ) -> Result<(), AppError> {
        let backend = self.db.get_database_backend();
        // One statement decides the letter's status (exactly one worker's update matches)
        // and counts its deliveries for the author's confirmation.
        let sql = "UPDATE letter SET status = CASE WHEN EXISTS (SELECT 1 FROM letter_recipient \
                     WHERE letter_id = $1 AND status = 'sent') THEN 'delivered' ELSE 'failed' END, \
                   delivered_ms = $2, updated_ms = $2 \
                   WHERE id = $1 AND status = 'scheduled' AND NOT EXISTS (SELECT 1 FROM \
                     letter_recipient WHERE letter_id = $1 AND status IN ('pending', 'sending')) \
                   RETURNING \
                     (SELECT COUNT(*) FROM letter_recipient WHERE letter_id = $1 AND status = 'sent') AS sent, \
                     (SELECT COUNT(*) FROM letter_recipient WHERE letter_id = $1 AND status = 'failed') AS failed, \
                     (SELECT COUNT(*) FROM letter_recipient WHERE letter_id = $1 AND NOT is_self) AS others";
        let now = Utc::now().timestamp_millis();
        let Some(row) = self
            .db
            .query_one_raw(Statement::from_sql_and_values(
                backend,
                placeholders(backend, sql),
                [l.id.into(), now.into()],
            ))
            .await?
        else {
            return Ok(());
        };
        let count = |name: &str| {
            row.try_get::<i64>("", name)
                .map(|n| usize::try_from(n).unwrap_or(0))
        };
        let (sent, failed, others) = (count("sent")?, count("failed")?, count("others")? > 0);
        if l.visibility == "public" && sent > 0 {
            crate::wall::ssr::changed();
        }
        let Some(author) = author else {
            return Ok(());
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
        notify(
            &self.db,
            author.id,
            "letter_delivered",
            &title,
            &body,
            Some(&page),
        )
        .await?;
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
            if let Err(e) = self.mailer.send_with_id(email, &id).await {
                tracing::warn!(error = %e, "the delivery confirmation email failed; the in-app notification stands");
            }
        }
        Ok(())
    }
}

/// How often an idle first worker looks for letters stranded by a crash.
const SWEEP_EVERY: Duration = Duration::from_secs(5);
/// How often expired leases are released (see [`Scheduler::release_expired`]).
const RELEASE_EVERY: Duration = Duration::from_secs(1);

/// The shortest idle sleep, for rows that are due but held by another instance.
const MIN_WAIT_MS: i64 = 20;

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
    fn sqlite_gets_numbered_question_marks() {
        assert_eq!(
            placeholders(DbBackend::Sqlite, "a = $1 AND b = $2 OR c = $1"),
            "a = ?1 AND b = ?2 OR c = ?1"
        );
        assert_eq!(placeholders(DbBackend::Postgres, "a = $1"), "a = $1");
    }
}
