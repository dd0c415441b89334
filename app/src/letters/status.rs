//! The states of letters and their deliveries, as stored (`letter.status`,
//! `letter.visibility`, `letter_recipient.status`) and as the pages show them. On the
//! server they are the columns' types (SeaORM active enums over text), so a value the
//! code does not know is an error when the row is read, never silently something else.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use sea_orm::entity::prelude::*;

/// Where a letter is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(EnumIter, DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(
        rs_type = "String",
        db_type = "String(StringLen::None)",
        rename_all = "snake_case"
    )
)]
#[serde(rename_all = "snake_case")]
pub enum LetterStatus {
    /// Being written; nothing is delivered.
    Draft,
    /// Waiting for its time; its deliveries are pending.
    Scheduled,
    /// Every delivery ended and at least one arrived.
    Delivered,
    /// Every delivery ended and none arrived.
    Failed,
    /// Taken back before delivery began; can be edited and scheduled again.
    Cancelled,
}

impl LetterStatus {
    /// The stored name (also the CSS class suffix `status-…`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

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

/// Where one delivery (a letter to one recipient) is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(EnumIter, DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(
        rs_type = "String",
        db_type = "String(StringLen::None)",
        rename_all = "snake_case"
    )
)]
#[serde(rename_all = "snake_case")]
pub enum RecipientStatus {
    /// Part of a draft.
    Draft,
    /// Due at `next_attempt_ms` (first try or a retry).
    Pending,
    /// Claimed by a sender under a lease.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up after the last attempt.
    Failed,
    /// Its letter was cancelled (or its author left) before it was sent.
    Cancelled,
}

impl RecipientStatus {
    /// The stored name; the scheduler's hand-written SQL uses these words.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Whether delivery has begun (a sender holds it, or it was sent): the letter can no
    /// longer be changed or cancelled.
    pub fn in_flight(self) -> bool {
        matches!(self, Self::Sending | Self::Sent)
    }
}

/// Who may read a delivered letter besides its recipients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(EnumIter, DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(
        rs_type = "String",
        db_type = "String(StringLen::None)",
        rename_all = "snake_case"
    )
)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Only its recipients.
    #[default]
    Private,
    /// Anyone, on the letter wall, once delivered.
    Public,
}

impl Visibility {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Private => "private",
            Self::Public => "public",
        }
    }

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
