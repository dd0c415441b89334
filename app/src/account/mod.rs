//! Accounts: sign-up, sign-in, sessions, email verification, password reset and the
//! account settings. The server functions here are thin: they check the request shape and
//! call the flows in [`ssr`], which hold the rules (and their reasons).
//!
//! Every function changes state or reads private data, so all use `POST` (the default):
//! none is reachable by a cross-site `GET`, and the CSRF middleware checks every `POST`.

pub mod agent;
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
    /// An account made through a sign-in provider that has not set a password yet.
    pub provider_only: bool,
}

/// One row of the account's security activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEventView {
    pub kind: crate::notifications::SecurityKind,
    pub at_ms: i64,
    /// `at_ms` in the account's time zone and the page's language.
    pub when: String,
    /// The browser family (`Firefox`), if the request said.
    pub browser: Option<String>,
    /// The network prefix (`203.0.113.0/24`), if the server knew the address.
    pub network: Option<String>,
}

/// The settings' security card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityPage {
    pub events: Vec<SecurityEventView>,
    pub notices: Vec<crate::notifications::NotificationView>,
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
    let signed_in = ssr::login(&identifier, password).await?;
    leptos_axum::redirect(match signed_in {
        ssr::SignIn::NeedsCode => "/login/code",
        ssr::SignIn::Done(started) => after_sign_in(started),
    });
    Ok(())
}

/// Where a sign-in leads: the account page, which says so if signing in reopened a
/// closed account (and offers to close it again).
#[cfg(feature = "ssr")]
pub fn after_sign_in(started: ssr::session::Started) -> &'static str {
    if started.reopened {
        "/account?reopened=1"
    } else {
        "/account"
    }
}

/// The second step of a sign-in: a code from the authenticator app or a recovery code.
#[server(prefix = "/api", endpoint = "account/login-code")]
pub async fn login_code(code: String) -> Result<(), AppError> {
    let started = ssr::login_code(&code).await?;
    leptos_axum::redirect(after_sign_in(started));
    Ok(())
}

/// Whether two-step verification is on, and how many recovery codes are left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepView {
    pub on: bool,
    pub recovery_left: u64,
}

/// A new authenticator secret: the key as text and the QR code (SVG, drawn by the server).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoStepSetup {
    pub key: String,
    pub qr_svg: String,
}

#[server(prefix = "/api", endpoint = "account/two-step")]
pub async fn two_step_status() -> Result<TwoStepView, AppError> {
    let (db, user) = ssr::caller().await?;
    let left = ssr::two_step::status(&db, user).await?;
    Ok(TwoStepView {
        on: left.is_some(),
        recovery_left: left.unwrap_or(0),
    })
}

/// Starts setting up two-step verification (nothing changes until a code confirms it).
#[server(prefix = "/api", endpoint = "account/two-step/begin")]
pub async fn begin_two_step() -> Result<TwoStepSetup, AppError> {
    let (key, qr_svg) = ssr::begin_two_step().await?;
    Ok(TwoStepSetup { key, qr_svg })
}

/// Turns two-step verification on with a first code; answers the ten recovery codes.
#[server(prefix = "/api", endpoint = "account/two-step/confirm")]
pub async fn confirm_two_step(code: String) -> Result<Vec<String>, AppError> {
    ssr::confirm_two_step(&code).await
}

/// Turns two-step verification off; needs the password.
#[server(prefix = "/api", endpoint = "account/two-step/off")]
pub async fn disable_two_step(current_password: String) -> Result<(), AppError> {
    ssr::disable_two_step(current_password).await
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
    match ssr::verify_email(&token, proof).await? {
        ssr::SignIn::NeedsCode => leptos_axum::redirect("/login/code"),
        ssr::SignIn::Done(_) => leptos_axum::redirect("/account?verified=1"),
    }
    Ok(())
}

/// Takes the account back after an address change its owner did not make (the link sent
/// to the old address; see `ssr::report_email_change`).
#[server(prefix = "/api", endpoint = "account/not-me")]
pub async fn report_email_change(token: String) -> Result<(), AppError> {
    ssr::report_email_change(&token).await?;
    leptos_axum::redirect("/account/not-me?done=1");
    Ok(())
}

/// The caller's security activity of the last year and their unread security notices.
#[server(prefix = "/api", endpoint = "account/security")]
pub async fn security_activity() -> Result<SecurityPage, AppError> {
    let (_, user) = ssr::require_user().await?;
    let db = crate::request::db()?;
    let keys = crate::request::service::<std::sync::Arc<crate::seal::Keyring>>()?;
    Ok(SecurityPage {
        events: ssr::security::activity(&db, user.id, &user.timezone).await?,
        notices: crate::notifications::ssr::unread(
            &db,
            &keys,
            user.id,
            crate::notifications::Group::Security.kinds(),
            crate::i18n::lang(),
        )
        .await?,
    })
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

/// Marks the caller's notifications of `group` read.
#[server(prefix = "/api", endpoint = "notifications/read")]
pub async fn read_notifications(group: crate::notifications::Group) -> Result<(), AppError> {
    let (db, user) = ssr::caller().await?;
    crate::notifications::ssr::read_all(&db, user, group.kinds()).await
}
