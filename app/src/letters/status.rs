//! The states of letters and their deliveries, as stored (`letter.status`,
//! `letter.visibility`, `letter_recipient.status`) and as the pages show them. On the
//! server they are the columns' types (SeaORM active enums over text), so a value the
//! code does not know is an error when the row is read, never silently something else.

use crate::stored::stored_enum;

stored_enum! {
    /// Where a letter is in its life.
    pub enum LetterStatus {
        /// Being written; nothing is delivered.
        Draft = "draft",
        /// Waiting for its time; its deliveries are pending.
        Scheduled = "scheduled",
        /// Every delivery ended and at least one arrived.
        Delivered = "delivered",
        /// Every delivery ended and none arrived.
        Failed = "failed",
        /// Taken back before delivery began; can be edited and scheduled again.
        Cancelled = "cancelled",
    }
}

impl LetterStatus {
    /// The status's name in the current language.
    pub fn label(self) -> &'static str {
        let t = &crate::i18n::t().letters;
        match self {
            Self::Draft => t.status_draft,
            Self::Scheduled => t.status_scheduled,
            Self::Delivered => t.status_delivered,
            Self::Failed => t.status_failed,
            Self::Cancelled => t.status_cancelled,
        }
    }

    /// Whether the author may still change the letter.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Scheduled | Self::Cancelled)
    }
}

stored_enum! {
    /// Where one delivery (a letter to one recipient) is.
    pub enum RecipientStatus {
        /// Part of a draft.
        Draft = "draft",
        /// Due at `next_attempt_ms` (first try or a retry).
        Pending = "pending",
        /// Claimed by a sender under a lease.
        Sending = "sending",
        /// Accepted by the mail server.
        Sent = "sent",
        /// Given up after the last attempt.
        Failed = "failed",
        /// Its letter was cancelled (or its author left) before it was sent.
        Cancelled = "cancelled",
    }
}

impl RecipientStatus {
    /// Whether delivery has begun (a sender holds it, or it was sent): the letter can no
    /// longer be changed or cancelled.
    pub fn in_flight(self) -> bool {
        matches!(self, Self::Sending | Self::Sent)
    }
}

stored_enum! {
    /// Who may read a delivered letter besides its recipients.
    pub enum Visibility {
        /// Only its recipients.
        Private = "private",
        /// Anyone, on the letter wall, once delivered.
        Public = "public",
    }
}

impl Visibility {
    pub fn of(public: bool) -> Self {
        if public { Self::Public } else { Self::Private }
    }

    pub fn is_public(self) -> bool {
        self == Self::Public
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use sea_orm::{ActiveEnum, Iterable};

    use super::*;

    #[test]
    fn stored_names_are_the_ones_the_sql_and_the_pages_use() {
        for s in LetterStatus::iter() {
            assert_eq!(s.to_value(), s.as_str());
        }
        for s in RecipientStatus::iter() {
            assert_eq!(s.to_value(), s.as_str());
        }
        for v in Visibility::iter() {
            assert_eq!(v.to_value(), v.as_str());
        }
    }

    #[test]
    fn an_unknown_stored_value_is_an_error_not_a_default() {
        assert!(LetterStatus::try_from_value(&"archived".to_owned()).is_err());
        assert!(RecipientStatus::try_from_value(&"lost".to_owned()).is_err());
        assert!(Visibility::try_from_value(&"friends".to_owned()).is_err());
        assert_eq!(
            LetterStatus::try_from_value(&"scheduled".to_owned()).ok(),
            Some(LetterStatus::Scheduled)
        );
    }
}
