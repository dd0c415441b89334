//! Claiming due deliveries under a lease, giving back what was not sent, taking over what
//! a dead process held, and finding when the next one falls due.

use super::*;

impl Scheduler {
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
    pub(super) async fn letters_with_authors(
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
    pub(super) async fn next_due(&self) -> Result<Option<i64>, AppError> {
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
}
