//! In-app notifications: short messages Ripen leaves for a person (a letter was delivered
//! or thanked, an export is ready, a security incident affected the account), shown on the
//! letters page until read. Any area may leave one ([`ssr::notify`]); this area knows none
//! of them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::AppError;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

/// What a notification is about (stored as its `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A letter was delivered (or some of its deliveries failed).
    LetterDelivered,
    /// A recipient thanked the author for a letter.
    LetterThanks,
    /// A data export is ready to download.
    Export,
    /// A security incident affected the account (`ripen notify-breach`).
    Security,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LetterDelivered => "letter_delivered",
            Self::LetterThanks => "letter_thanks",
            Self::Export => "export",
            Self::Security => "security",
        }
    }
}

/// One notification as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_ms: i64,
    pub read: bool,
}

/// Marks all of the caller's notifications read.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn read_notifications() -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::read_all(&db, user).await
}
