//! Sending one delivery: the email (with its stable Message-ID) and, if asked, the text message.

use super::*;

impl Scheduler {
    /// Sends one claimed delivery's email (in the author's language: no request here), if
    /// it can start before `by` (epoch ms; see [`send_by`]).
    pub(super) async fn send(&self, claimed: &Claimed, by: i64) -> Result<(), MailError> {
        let Claimed { r, l, author } = claimed;
        let unsealed = |e: SealError| MailError::Build(format!("the letter does not open: {e}"));
        let text = self.letters.text(l).map_err(unsealed)?;
        let contact = self.letters.contact(r).map_err(unsealed)?;
        let lang = author.as_deref().map_or(Lang::default(), account_lang);
        let written_on = long_date_in(lang, l.created_ms, zone(&l.timezone));
        let email = templates::letter_delivered(
            lang,
            &templates::DeliveredLetter {
                to_name: contact.name.as_deref(),
                to: &contact.email,
                from: &sender_name(lang, author.as_deref()),
                is_self: r.is_self,
                written_on: &written_on,
                title: &text.title,
                excerpt: &crate::markdown::excerpt(&text.body, 280),
                link: &self.letters.link_for(r.id, r.token_hash.as_deref()),
            },
        );
        self.mailer
            .send_with_id_before(email, &r.message_id, by)
            .await
    }

    /// Sends a delivered letter's SMS and notes when; a failed SMS is logged (the email
    /// went out, and the provider's trouble is no reason to send that again).
    pub(super) async fn send_sms(
        &self,
        lang: Lang,
        r: &letter_recipient::Model,
        author: Option<&user_account::Model>,
        phone: &str,
    ) {
        let text = crate::letters::sms::letter_text(
            lang,
            &sender_name(lang, author),
            &self.letters.link_for(r.id, r.token_hash.as_deref()),
        );
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
}
