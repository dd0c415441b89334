//! Announcements: what Ripen tells the people who hold accounts — a planned outage, a new
//! feature, a change to the privacy policy — as a banner at the top of every page, and by
//! email when it matters enough.
//!
//! Administrators compose one in English and 简体中文 at `/admin/announcements`, for
//! everyone or for a group ([`Audience`]), shown for a number of days; each reader sees it
//! in their own language until they dismiss it, and a dismissal is kept with the account,
//! so it stays dismissed on every device. Emailing it is a choice made when publishing:
//! each account with a verified address gets it once (`ssr::email`). A new version of the
//! privacy policy (`crate::policy`) publishes one by itself on Ripen's first start with it
//! (`ssr::policy`), emailed when the change is material — the same change that brings the
//! consent dialog back.
//!
//! Visitors see no banner: what is announced concerns accounts; a policy change reaches
//! a visitor through the consent dialog, which says the policy changed.

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::stored::stored_enum;

stored_enum! {
    /// Who an announcement is for.
    pub enum Audience {
        /// Every account.
        Everyone = "everyone",
        /// Accounts with a letter waiting to be delivered (news about deliveries).
        LetterWriters = "letter_writers",
        /// Accounts with a staff role (a rehearsal, or news for the team).
        Staff = "staff",
    }
}

impl Audience {
    pub const ALL: [Self; 3] = [Self::Everyone, Self::LetterWriters, Self::Staff];

    /// The audience named `word` (its stored word).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == word.trim())
    }
}

stored_enum! {
    /// Who published an announcement.
    pub enum Source {
        /// An administrator, at `/admin/announcements`.
        Staff = "staff",
        /// Ripen itself, for a new version of the privacy policy.
        Policy = "policy",
    }
}

/// The longest title, in characters.
pub const TITLE_MAX: usize = 120;
/// The longest text, in characters.
pub const BODY_MAX: usize = 1000;
/// The longest a banner may be shown, in days.
pub const DAYS_MAX: i64 = 90;
/// How long a banner is shown unless the author says otherwise, in days.
pub const DAYS_DEFAULT: i64 = 14;

/// A banner, in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Banner {
    pub id: String,
    pub title: String,
    pub body: String,
    /// A page of Ripen's to read more on (`/privacy`).
    pub link: Option<String>,
}

/// What an administrator writes (the compose form's fields).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementForm {
    pub title_en: String,
    pub body_en: String,
    pub title_zh: String,
    pub body_zh: String,
    /// An [`Audience`]'s word.
    pub audience: String,
    /// A path on this site (`/letters`), or empty.
    #[serde(default)]
    pub link: String,
    /// Days to show it (1 to [`DAYS_MAX`]); empty for [`DAYS_DEFAULT`].
    #[serde(default)]
    pub days: String,
    /// Ticked: emailed as well.
    #[serde(default)]
    pub email: Option<String>,
}

/// An announcement as administrators list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnouncementSummary {
    pub id: String,
    /// When it was published, in the reader's time zone.
    pub published: String,
    /// The last day it is shown, in the reader's time zone.
    pub ends: String,
    pub source: Source,
    pub audience: Audience,
    pub title_en: String,
    pub title_zh: String,
    /// Shown now (not withdrawn, not ended).
    pub live: bool,
    pub withdrawn: bool,
    pub email: bool,
    /// Emails the mail server accepted so far.
    pub emailed: u64,
    /// Accounts that dismissed it.
    pub dismissed: u64,
}

/// The banners the signed-in reader has not dismissed (none for a visitor).
#[server(prefix = "/api", endpoint = "announcements")]
pub async fn current_announcements() -> Result<Vec<Banner>, AppError> {
    match crate::account::ssr::caller().await {
        Ok((db, user)) => ssr::banners(&db, user, crate::i18n::lang()).await,
        Err(AppError::Unauthorized) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Hides a banner for good, on every device of the caller's.
#[server(prefix = "/api", endpoint = "announcements/dismiss")]
pub async fn dismiss_announcement(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::dismiss(&db, user, crate::request::parse_id(&id)?).await
}

/// Publishes an announcement (administrators); answers its id.
#[server(prefix = "/api", endpoint = "staff/announcements/publish")]
pub async fn publish_announcement(
    #[server(flatten)] form: AnnouncementForm,
) -> Result<String, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let service = crate::request::service::<std::sync::Arc<ssr::Announcements>>()?;
    ssr::publish(&db, &service, user, &form).await
}

/// Every announcement, newest first (administrators).
#[server(prefix = "/api", endpoint = "staff/announcements")]
pub async fn staff_announcements() -> Result<Vec<AnnouncementSummary>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::list(&db, user).await
}

/// Stops showing an announcement (administrators); emails not yet sent are not sent.
#[server(prefix = "/api", endpoint = "staff/announcements/withdraw")]
pub async fn withdraw_announcement(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::withdraw(&db, user, crate::request::parse_id(&id)?).await
}
