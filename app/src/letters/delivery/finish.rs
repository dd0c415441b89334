//! Finishing letters whose deliveries have all ended: delivered or failed (exactly one
//! process wins each), and what their authors are told.

use super::*;

impl Scheduler {
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
    pub(super) async fn finish_letters(
        &self,
        letters: &[WithAuthor],
    ) -> Result<Vec<Confirmation>, AppError> {
        if letters.is_empty() {
            return Ok(Vec::new());
        }
        let done = self.ended_deliveries(letters).await?;
        let finished = self.mark_finished(&done).await?;
        // Every finished letter, whatever its visibility when it was read: its author may
        // have shared it since, and the index reads the letters again.
        crate::letters::ssr::search::sync(&self.db, &self.letters, &finished).await;
        let (notifications, emails, wall_changed) = self.outcomes(letters, &done, finished);
        if wall_changed {
            crate::letters::public::changed(&self.db).await;
        }
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
    pub(super) async fn ended_deliveries(
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
    pub(super) async fn mark_finished(
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
    /// confirmation email unless the letter went only to its author and arrived; and
    /// whether a public letter arrived (the wall changed).
    pub(super) fn outcomes(
        &self,
        letters: &[WithAuthor],
        done: &HashMap<Uuid, (usize, usize, bool)>,
        finished: Vec<Uuid>,
    ) -> (
        Vec<notification_entity::ActiveModel>,
        Vec<Confirmation>,
        bool,
    ) {
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
            // The email is sent in the author's language; the notification is worded
            // when the author reads it, in the language of that moment.
            let lang = account_lang(author);
            // The letter opened to be sent; if it no longer does, the notice goes without
            // its title.
            let letter_title = self.letters.text(l).map(|x| x.title).unwrap_or_default();
            let page = format!("/letters/{}", l.id);
            let notice = Notice::LetterDelivered {
                letter: l.id,
                title: letter_title.clone(),
                sent: sent as u64,
                failed: failed as u64,
            };
            match notifications::ssr::new(&self.letters.keys, author.id, &notice) {
                Ok(n) => notifications.push(n),
                Err(e) => {
                    tracing::error!(letter = %l.id, error = %e, "delivery notice not written")
                }
            }
            // A letter only to oneself needs no second email saying it arrived.
            if others || failed > 0 {
                let email = templates::delivery_confirmation(
                    lang,
                    &author.username,
                    &author.email,
                    &letter_title,
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
        (notifications, emails, wall_changed)
    }
}
