//! Accounts: sign-up, sign-in, sessions, email verification, password reset and the
//! account settings. The server functions here are thin: they check the request shape and
//! call the flows in [`ssr`], which hold the rules (and their reasons).
//!
//! Every function changes state or reads private data, so all use `POST` (the default):
//! none is reachable by a cross-site `GET`, and the CSRF middleware checks every `POST`.

pub mod fields;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod state;
pub mod time;
pub use time::*;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// What the browser may know about the signed-in user. (The server's account model, with
/// its password hash, is never serialised.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub username: String,
    pub email: String,
    pub email_verified: bool,
    pub phone: Option<String>,
}

/// The sign-up form. Checkboxes arrive as `Some("on")` when ticked, `None` otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterInput {
    pub username: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub password: String,
    /// "I am 13 or older".
    #[serde(default)]
    pub age: Option<String>,
    /// "I accept the terms and the privacy policy".
    #[serde(default)]
    pub consent: Option<String>,
    /// The browser's IANA time zone (filled in by the sign-up page's script); UTC if
    /// missing or unknown. Changeable later in the account settings.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// Creates an account (or, if the email or username is taken, emails the address about
/// it: the answer is the same, so it cannot be used to find out who has an account).
#[server(prefix = "/api", endpoint = "account/register")]
pub async fn register(
    username: String,
    email: String,
    #[server(default)] phone: Option<String>,
    password: String,
    #[server(default)] age: Option<String>,
    #[server(default)] consent: Option<String>,
    #[server(default)] timezone: Option<String>,
) -> Result<(), AppError> {
    ssr::register(RegisterInput {
        username,
        email,
        phone,
        password,
        age,
        consent,
        timezone,
    })
    .await?;
    leptos_axum::redirect("/check-email?for=signup");
    Ok(())
}

/// Signs in with a username or an email address.
#[server(prefix = "/api", endpoint = "account/login")]
pub async fn login(identifier: String, password: String) -> Result<(), AppError> {
    ssr::login(&identifier, password).await?;
    leptos_axum::redirect("/account");
    Ok(())
}

/// Ends this browser's session.
#[server(prefix = "/api", endpoint = "account/logout")]
pub async fn logout() -> Result<(), AppError> {
    ssr::logout().await?;
    leptos_axum::redirect("/");
    Ok(())
}

/// The signed-in user, if any.
#[server(prefix = "/api", endpoint = "account/me")]
pub async fn current_user() -> Result<Option<UserView>, AppError> {
    ssr::current_view().await
}

/// Confirms an email address (the link in the email leads to a page with a form that
/// calls this: a `GET` of the link alone, e.g. by a mail scanner, changes nothing). The
/// person gives the account's `password`, or — confirming the address an account was
/// signed up with — chooses a `new_password` instead (see `ssr::Proof`). Every other
/// session of the account ends.
#[server(prefix = "/api", endpoint = "account/verify-email")]
pub async fn verify_email(
    token: String,
    #[server(default)] password: Option<String>,
    #[server(default)] new_password: Option<String>,
) -> Result<(), AppError> {
    let proof = ssr::Proof::parse(password.as_deref(), new_password.as_deref())?;
    ssr::verify_email(&token, proof).await?;
    leptos_axum::redirect("/account?verified=1");
    Ok(())
}

/// Sends a new confirmation link to the signed-in user's address.
#[server(prefix = "/api", endpoint = "account/resend-verification")]
pub async fn resend_verification() -> Result<(), AppError> {
    ssr::resend_verification().await
}

/// Emails a reset link if an account has this address. Same answer either way.
#[server(prefix = "/api", endpoint = "account/forgot-password")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    ssr::request_password_reset(&email).await?;
    leptos_axum::redirect("/check-email?for=reset");
    Ok(())
}

/// Sets a new password from a reset link; ends every session of the account.
#[server(prefix = "/api", endpoint = "account/reset-password")]
pub async fn reset_password(token: String, password: String) -> Result<(), AppError> {
    ssr::reset_password(&token, &password).await?;
    leptos_axum::redirect("/login?reset=1");
    Ok(())
}

/// Changes the username and phone number.
#[server(prefix = "/api", endpoint = "account/profile")]
pub async fn update_profile(
    username: String,
    #[server(default)] phone: Option<String>,
) -> Result<UserView, AppError> {
    ssr::update_profile(&username, phone.as_deref()).await
}

/// Starts an email change (confirmed from the new address).
#[server(prefix = "/api", endpoint = "account/email")]
pub async fn change_email(email: String, current_password: String) -> Result<(), AppError> {
    ssr::change_email(&email, current_password).await
}

/// Changes the password and signs out every other device.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn change_password(current_password: String, password: String) -> Result<(), AppError> {
    ssr::change_password(current_password, &password).await
}
