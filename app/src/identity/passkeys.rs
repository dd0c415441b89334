//! Passkeys: signing in with a key the person's phone, computer or security key keeps,
//! unlocked by their fingerprint, face or PIN — no username, no password, nothing to
//! phish. The settings card adds, names, lists and removes them; the sign-in page offers
//! them (in the browser's own account list where it can, and behind a button).
//!
//! A ceremony is two calls: `start` answers the browser's options (JSON, as the WebAuthn
//! API takes them once its binary fields are decoded) and a token naming the state the
//! server keeps; `finish` brings the authenticator's answer and the token back.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// Longest name of a passkey, in characters.
pub const MAX_LABEL_CHARS: usize = 60;

/// One passkey, as the settings card lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: String,
    pub label: String,
    /// When it was added, in the account's time zone and the page's language.
    pub added: String,
    /// When it last signed in, likewise.
    pub last_used: Option<String>,
}

/// The settings card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeysView {
    /// Whether this site can use passkeys at all (they need a name, not an IP address).
    pub available: bool,
    pub passkeys: Vec<PasskeyView>,
    /// Whether removing one would leave the account no way to sign in.
    pub last_way: bool,
}

/// A ceremony started: the options for `navigator.credentials` (JSON) and the token that
/// names the server's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Challenge {
    pub ceremony: String,
    pub options: String,
}

/// The settings card: the account's passkeys.
#[server(prefix = "/api", endpoint = "auth/passkeys")]
pub async fn passkeys() -> Result<PasskeysView, AppError> {
    ssr::passkeys::list().await
}

/// Starts adding a passkey to the signed-in account.
#[server(prefix = "/api", endpoint = "auth/passkey/add/start")]
pub async fn start_adding_passkey() -> Result<Challenge, AppError> {
    ssr::passkeys::start_adding().await
}

/// Finishes adding a passkey: the authenticator's answer (`credential`, JSON) to the
/// ceremony's challenge, and the name to list it under (empty: one is made up from the
/// browser's system).
#[server(prefix = "/api", endpoint = "auth/passkey/add/finish")]
pub async fn finish_adding_passkey(
    ceremony: String,
    credential: String,
    #[server(default)] label: String,
) -> Result<(), AppError> {
    ssr::passkeys::finish_adding(&ceremony, &credential, &label).await
}

/// Renames one of the signed-in account's passkeys.
#[server(prefix = "/api", endpoint = "auth/passkey/rename")]
pub async fn rename_passkey(id: String, label: String) -> Result<(), AppError> {
    ssr::passkeys::rename(&id, &label).await
}

/// Removes one of the signed-in account's passkeys, unless it is its last way in.
#[server(prefix = "/api", endpoint = "auth/passkey/remove")]
pub async fn remove_passkey(id: String) -> Result<(), AppError> {
    ssr::passkeys::remove(&id).await
}

/// Starts a sign-in with whichever passkey the browser offers.
#[server(prefix = "/api", endpoint = "auth/passkey/start")]
pub async fn start_passkey_sign_in() -> Result<Challenge, AppError> {
    ssr::passkeys::start_sign_in().await
}

/// Finishes a sign-in with a passkey; answers where to go next. A passkey is both things
/// a second step would ask for (the device, and the fingerprint or PIN that unlocked it),
/// so no two-step code follows.
#[server(prefix = "/api", endpoint = "auth/passkey/finish")]
pub async fn finish_passkey_sign_in(
    ceremony: String,
    credential: String,
) -> Result<String, AppError> {
    ssr::passkeys::finish_sign_in(&ceremony, &credential).await
}

/// Starts a confirmation with one of the signed-in account's passkeys (instead of the
/// password, where Settings asks for it again).
#[server(prefix = "/api", endpoint = "auth/passkey/confirm/start")]
pub async fn start_passkey_confirmation() -> Result<Challenge, AppError> {
    ssr::passkeys::start_confirmation().await
}

/// Turns two-step verification off, confirmed with one of the account's passkeys.
#[server(prefix = "/api", endpoint = "auth/passkey/two-step-off")]
pub async fn disable_two_step_with_passkey(
    ceremony: String,
    credential: String,
) -> Result<(), AppError> {
    let user = ssr::passkeys::confirm(&ceremony, &credential).await?;
    crate::account::ssr::turn_off_two_step(&user, "passkey").await
}

#[cfg(feature = "ssr")]
use super::ssr;
