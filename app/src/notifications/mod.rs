//! In-app notifications: short messages Ripen leaves for a person (a letter was delivered
//! or thanked, an export is ready, a security incident or a change to the account's
//! sign-in), shown until read.
//!
//! A notification is stored as what happened — its [`Kind`] and parameters ([`Notice`],
//! sealed) — and put into words only when it is shown, in the reader's language: a person
//! who switches to 简体中文 reads last week's notices in Chinese too. Any area may leave
//! one ([`ssr::notify`]); the shapes of the notices, like those of the emails in
//! `mail::templates`, are kept here.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
mod notice;
#[cfg(feature = "ssr")]
pub mod ssr;

#[cfg(feature = "ssr")]
pub use notice::{Notice, Rendered, breach_summary_of};

/// What a notification is about (stored as its `kind`, so a page can list the kinds that
/// concern it).
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
    /// A sign-in from a new browser, or a change to how the account is signed in to.
    SecurityAlert,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LetterDelivered => "letter_delivered",
            Self::LetterThanks => "letter_thanks",
            Self::Export => "export",
            Self::Security => "security",
            Self::SecurityAlert => "security_alert",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::LetterDelivered,
            Self::LetterThanks,
            Self::Export,
            Self::Security,
            Self::SecurityAlert,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// The notifications a page lists together, and marks read together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// News about letters (the letters page).
    Letters,
    /// Security incidents and alerts (the account page).
    Security,
}

impl Group {
    pub fn kinds(self) -> &'static [Kind] {
        match self {
            Self::Letters => &[Kind::LetterDelivered, Kind::LetterThanks],
            Self::Security => &[Kind::Security, Kind::SecurityAlert],
        }
    }
}

/// What happened to an account's sign-in: the subject of a security alert (its notice
/// and email) and of a row of the account's security activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecurityKind {
    /// A sign-in from a browser the account had not been signed in from.
    NewBrowser,
    PasswordChanged,
    EmailChanged,
    AccountClosed,
    /// Signing in during the grace period reopened a closed account.
    AccountRestored,
    TwoStepOn,
    TwoStepOff,
    /// A sign-in service was linked to the account (or the account was made with one).
    ProviderLinked,
    ProviderUnlinked,
    PasskeyAdded,
    PasskeyRemoved,
}

impl SecurityKind {
    pub const ALL: [Self; 11] = [
        Self::NewBrowser,
        Self::PasswordChanged,
        Self::EmailChanged,
        Self::AccountClosed,
        Self::AccountRestored,
        Self::TwoStepOn,
        Self::TwoStepOff,
        Self::ProviderLinked,
        Self::ProviderUnlinked,
        Self::PasskeyAdded,
        Self::PasskeyRemoved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewBrowser => "new_browser",
            Self::PasswordChanged => "password_changed",
            Self::EmailChanged => "email_changed",
            Self::AccountClosed => "account_closed",
            Self::AccountRestored => "account_restored",
            Self::TwoStepOn => "two_step_on",
            Self::TwoStepOff => "two_step_off",
            Self::ProviderLinked => "provider_linked",
            Self::ProviderUnlinked => "provider_unlinked",
            Self::PasskeyAdded => "passkey_added",
            Self::PasskeyRemoved => "passkey_removed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The short title, in the language of `t`.
    pub fn title(self, t: &crate::i18n::security::Security) -> &'static str {
        match self {
            Self::NewBrowser => t.new_browser,
            Self::PasswordChanged => t.password_changed,
            Self::EmailChanged => t.email_changed,
            Self::AccountClosed => t.account_closed,
            Self::AccountRestored => t.account_restored,
            Self::TwoStepOn => t.two_step_on,
            Self::TwoStepOff => t.two_step_off,
            Self::ProviderLinked => t.provider_linked,
            Self::ProviderUnlinked => t.provider_unlinked,
            Self::PasskeyAdded => t.passkey_added,
            Self::PasskeyRemoved => t.passkey_removed,
        }
    }
}

/// One notification as the page shows it, already in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_ms: i64,
    pub read: bool,
}
