//! Consent: what a person allows beyond the essential (the first-visit dialog's answer and
//! later changes in Settings), proven by a record of every answer.
//!
//! The area also names the cookies that need the "functional" answer
//! ([`ssr::THEME_COOKIE`] …), so withdrawing it deletes them here and the areas that set
//! them (preferences) ask [`ssr::state`] before they do.

#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

pub use crate::policy::{ASK_AGAIN_BEFORE, POLICY_VERSION};

/// The optional uses of data a person may allow. Essential storage (the session, and the
/// record of these choices) needs no consent and is not listed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentChoices {
    /// Remembering language and theme in a cookie.
    pub functional: bool,
    /// Counting page views per day, anonymously.
    pub statistics: bool,
    /// Using anonymised data to improve Ripen's features.
    pub improvement: bool,
}

impl ConsentChoices {
    pub const ALL: Self = Self {
        functional: true,
        statistics: true,
        improvement: true,
    };
}

/// Where this browser stands: whether to ask, and what was chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentState {
    /// No choice yet (or one made under a policy that has since changed materially).
    pub ask: bool,
    /// A choice exists, but under an older policy: the dialog says what changed.
    pub renewal: bool,
    pub choices: ConsentChoices,
}

/// One recorded choice, for the history in Settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecordView {
    pub id: String,
    /// In the owner's time zone.
    pub when: String,
    pub policy_version: String,
    pub choices: ConsentChoices,
    /// "first visit" or "settings", in the request's language.
    pub source: String,
}

/// This browser's consent state (from its consent cookie, or the account's latest choice).
#[server(prefix = "/api", endpoint = "privacy/consent/state")]
pub async fn get_consent() -> Result<ConsentState, AppError> {
    ssr::state().await
}

/// Records a choice and remembers it in this browser. `choice` is `essential` or `all`
/// (the dialog's one-click answers) or `custom`, with the three boxes as ticked.
#[server(prefix = "/api", endpoint = "privacy/consent")]
pub async fn save_consent(
    choice: String,
    #[server(default)] functional: Option<String>,
    #[server(default)] statistics: Option<String>,
    #[server(default)] improvement: Option<String>,
    #[server(default)] source: Option<String>,
) -> Result<ConsentState, AppError> {
    let choices = match choice.as_str() {
        "essential" => ConsentChoices::default(),
        "all" => ConsentChoices::ALL,
        "custom" => ConsentChoices {
            functional: crate::request::ticked(&functional),
            statistics: crate::request::ticked(&statistics),
            improvement: crate::request::ticked(&improvement),
        },
        _ => {
            return Err(AppError::validation(
                "choice",
                crate::i18n::t().account.consent_choice_invalid,
            ));
        }
    };
    let from_settings = source.as_deref() == Some("settings");
    ssr::save(choices, from_settings).await
}

/// The signed-in user's recorded choices, newest first.
#[server(prefix = "/api", endpoint = "privacy/consent/history")]
pub async fn consent_history() -> Result<Vec<ConsentRecordView>, AppError> {
    ssr::history().await
}
