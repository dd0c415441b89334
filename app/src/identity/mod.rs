//! Signing in through another service (OpenID Connect providers, GitHub, WeChat): the
//! buttons' list, the start and the callback of a sign-in, the form that finishes a
//! sign-up, and the settings card of linked services.
//!
//! The start and the callback are `GET` requests, because the browser reaches them by a
//! link (the page's `form-action 'self'` would stop a form that leads off-site) and by the
//! provider's redirect. The callback changes state, so it is bound to the browser that
//! started the flow: a single-use server-side flow found by the digest of a cookie only
//! that browser holds, whose `state` the callback must bring back (see `ssr::flow`).

pub mod passkeys;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "hydrate")]
pub mod webauthn;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::GetUrl;

use crate::AppError;

/// A sign-in service, as the buttons show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    pub id: String,
    pub name: String,
}

impl ProviderView {
    /// Where its button leads (`link`: to link it to the signed-in account).
    pub fn start_href(&self, link: bool) -> String {
        let mut href = format!("/api/auth/start?provider={}", self.id);
        if link {
            href.push_str("&link=1");
        }
        href
    }
}

/// Why a sign-in through a provider did not go through (`?provider_error=` on the page
/// it returns to).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// No live flow in this browser: too slow, used already, or started elsewhere.
    Expired,
    /// The person (or the provider) cancelled.
    Denied,
    /// The provider's answer failed a check (code, state, signature, issuer, audience,
    /// time, nonce).
    Failed,
    /// The provider could not be reached.
    Unavailable,
    /// The identity is linked to another account.
    Taken,
    /// A sign-up needs an address the provider confirmed, and it shared none.
    NoEmail,
    UnknownProvider,
}

impl Refusal {
    pub const ALL: [Self; 7] = [
        Self::Expired,
        Self::Denied,
        Self::Failed,
        Self::Unavailable,
        Self::Taken,
        Self::NoEmail,
        Self::UnknownProvider,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Denied => "denied",
            Self::Failed => "failed",
            Self::Unavailable => "unavailable",
            Self::Taken => "taken",
            Self::NoEmail => "no_email",
            Self::UnknownProvider => "unknown_provider",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the person is told.
    pub fn message(self, t: &crate::i18n::sign_in::SignIn) -> &'static str {
        match self {
            Self::Expired => t.expired,
            Self::Denied => t.denied,
            Self::Failed => t.failed,
            Self::Unavailable => t.unavailable,
            Self::Taken => t.taken,
            Self::NoEmail => t.no_email,
            Self::UnknownProvider => t.unknown_provider,
        }
    }
}

/// A linked service, as the settings card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkedView {
    pub id: String,
    /// The provider's name (or its id, if it is no longer configured).
    pub provider: String,
    /// When it was linked, in the account's time zone and the page's language.
    pub linked: String,
}

/// The settings card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitiesView {
    pub linked: Vec<LinkedView>,
    /// Configured services not linked yet.
    pub available: Vec<ProviderView>,
    /// Whether removing one would leave no way to sign in.
    pub last_way: bool,
    pub has_password: bool,
}

/// A sign-up waiting for its form: who the provider says the person is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderSignUp {
    pub provider: String,
    pub email: String,
}

/// The services configured to sign in with (for the buttons; visitors may ask).
#[server(prefix = "/api", endpoint = "auth/providers")]
pub async fn sign_in_providers() -> Result<Vec<ProviderView>, AppError> {
    Ok(ssr::service()?.views())
}

/// Starts a sign-in (or, with `link`, linking to the signed-in account) at `provider`:
/// redirects the browser there.
#[server(prefix = "/api", endpoint = "auth/start", input = GetUrl)]
pub async fn start_provider_sign_in(
    provider: String,
    #[server(default)] link: Option<String>,
) -> Result<(), AppError> {
    let to = ssr::start(&provider, link.is_some()).await;
    leptos_axum::redirect(&to);
    Ok(())
}

/// Where the provider sends the browser back (`code`, `state`, `iss`; or `error`).
#[server(prefix = "/api", endpoint = "auth/callback", input = GetUrl)]
pub async fn provider_callback(
    #[server(default)] code: Option<String>,
    #[server(default)] state: Option<String>,
    #[server(default)] iss: Option<String>,
    #[server(default)] error: Option<String>,
) -> Result<(), AppError> {
    let to = ssr::callback(ssr::Callback {
        code,
        state,
        iss,
        error,
    })
    .await;
    leptos_axum::redirect(&to);
    Ok(())
}

/// The sign-up this browser is finishing, if any.
#[server(prefix = "/api", endpoint = "auth/pending")]
pub async fn pending_sign_up() -> Result<Option<ProviderSignUp>, AppError> {
    ssr::pending().await
}

/// Finishes a sign-up through a provider: the same statements as the password sign-up.
#[server(prefix = "/api", endpoint = "auth/finish")]
pub async fn finish_provider_sign_up(
    username: String,
    #[server(default)] age: Option<String>,
    #[server(default)] consent: Option<String>,
    #[server(default)] timezone: Option<String>,
) -> Result<(), AppError> {
    ssr::finish_sign_up(&username, &age, &consent, timezone).await?;
    leptos_axum::redirect("/account");
    Ok(())
}

/// The settings card: linked services and those that could be.
#[server(prefix = "/api", endpoint = "auth/identities")]
pub async fn linked_identities() -> Result<IdentitiesView, AppError> {
    ssr::linked().await
}

/// Removes a linked service, unless it is the account's last way to sign in.
#[server(prefix = "/api", endpoint = "auth/unlink")]
pub async fn unlink_identity(id: String) -> Result<(), AppError> {
    ssr::unlink(&id).await
}
