//! Recording outcomes: the recorder marks a group of sends at once, failures are retried
//! with backoff or given up, and every write is fenced by the lease.

use super::*;

impl Scheduler {
    /// Records what the workers report, a group at a time: everything reported while the
    /// previous group was being written is written together, in a few statements whatever
    /// its size, so the database's work per letter shrinks as the load grows. A message
    /// waits here only for the write in progress (milliseconds) before it is marked sent.
    ///
    /// With several recorders, two groups holding deliveries of one letter may be written
    /// at once; each counts the letter's deliveries after its own are marked, so the later
    /// count sees both and finishes the letter.
    pub(super) async fn recorder(self, attempts: Arc<tokio::sync::Mutex<mpsc::Receiver<Attempt>>>) {
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
    pub(super) async fn record(&self, group: Vec<Attempt>) -> Result<Vec<Confirmation>, AppError> {
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
                        && let Ok(contact) = self.letters.contact(&r)
                        && let Some(phone) = &contact.phone
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

    /// A delivery the SMTP server did not take: failed for good (a permanent refusal, or
    /// out of attempts) or due again after a backoff. Answers whether it is final (its
    /// letter may be finished).
    pub(super) async fn record_failure(
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
                t.fail_unreachable.count(r.attempts)
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
    pub(super) async fn mark_sent(&self, ids: &[Uuid]) -> Result<HashSet<Uuid>, AppError> {
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
    pub(super) async fn set_outcome(
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
    pub(super) fn release(
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
                reason.map(without_addresses).into(),
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
}

/// A mail server's answer with every word that looks like an address (`…@…`) blanked:
/// the error is kept in the clear for the author's page, the address it may quote is
/// sealed in its own column.
pub(super) fn without_addresses(reason: &str) -> String {
    reason
        .split(' ')
        .map(|w| if w.contains('@') { "<address>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod address_tests {
    #[test]
    fn errors_keep_no_address() {
        assert_eq!(
            super::without_addresses("550 5.1.1 <bob@example.com>: user unknown"),
            "550 5.1.1 <address> user unknown"
        );
    }
}
