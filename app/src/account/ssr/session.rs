//! Server-side sessions.
//!
//! Why not tower-sessions: its stores keep an opaque record per session id, but Ripen needs
//! sessions as rows it can query by user — "sign out everywhere", "end every other session
//! after a password change", the device list of the privacy issue — and its SeaORM pool is
//! already the store. So this module is small and does only this:
//! - the cookie holds 256 random bits (base64url); the database keeps only their SHA-256,
//!   so a leaked database cannot be replayed as cookies;
//! - cookie `HttpOnly; SameSite=Lax; Path=/`, plus `Secure` and the `__Host-` prefix when the
//!   site is served over https;
//! - a new id at every login (any session the browser presented is deleted), deletion at
//!   logout, an idle timeout and an absolute lifetime, both checked on every read;
//! - whatever ends sessions here also ends their live streams ([`super::live`]).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{Duration, Utc};
use http::{HeaderValue, header};
use leptos::prelude::use_context;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    AccountSettings, Accounts,
    entities::{auth_session, user_account},
};
use crate::{AppError, ResultExt};

/// Cookie name over https (`__Host-` makes browsers insist on Secure, Path=/ and no Domain).
pub const SECURE_COOKIE: &str = "__Host-ripen_session";
/// Cookie name over plain http (development, tests): `__Host-` requires Secure.
pub const PLAIN_COOKIE: &str = "ripen_session";

/// Last-use times are written at most this often, so reads stay reads.
const TOUCH_EVERY_SECS: i64 = 300;

pub fn cookie_name(secure: bool) -> &'static str {
    if secure { SECURE_COOKIE } else { PLAIN_COOKIE }
}

/// 32 bytes from the OS generator, base64url without padding.
pub fn random_token() -> Result<String, AppError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).or_internal("drawing a session id")?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a token, in hex: what the database stores.
pub fn digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The session token the browser sent, if any.
pub fn presented_token(settings: &AccountSettings) -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    cookie_value(&parts.headers, cookie_name(settings.secure_cookies))
}

/// Finds a cookie by name in `Cookie` request headers.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
        .filter(|v| !v.is_empty())
}

fn set_cookie(settings: &AccountSettings, value: &str, max_age_secs: i64) {
    append_cookie(
        settings,
        cookie_name(settings.secure_cookies),
        value,
        max_age_secs,
    );
}

/// Adds a `Set-Cookie` to the response: `HttpOnly; SameSite=Lax; Path=/`, and `Secure`
/// over https.
///
/// A negative `max_age_secs` makes a session cookie (no `Max-Age`: gone when the browser closes).
pub fn append_cookie(settings: &AccountSettings, name: &str, value: &str, max_age_secs: i64) {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if max_age_secs >= 0 {
        cookie.push_str(&format!("; Max-Age={max_age_secs}"));
    }
    if settings.secure_cookies {
        cookie.push_str("; Secure");
    }
    if let (Some(res), Ok(v)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        HeaderValue::from_str(&cookie),
    ) {
        res.append_header(header::SET_COOKIE, v);
    }
}

/// The client's address for the devices list (`None` when the server could not tell).
fn client_ip() -> Option<String> {
    crate::request::client_addr().map(|ip| ip.to_string())
}

fn user_agent() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    let ua = parts.headers.get(header::USER_AGENT)?.to_str().ok()?;
    Some(ua.chars().take(256).collect())
}

/// What starting a session found out, for the alerts the caller raises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Started {
    /// The account had been closed, and signing in reopened it.
    pub reopened: bool,
    /// The browser had not signed in to this account before (see `security`).
    pub new_browser: bool,
}

/// Starts a session for `user_id`: deletes the one the browser presented (so the pre-login
/// cookie is worthless) and sets a cookie with a fresh id. Signing in to an account its owner
/// closed, within the grace period, restores it.
pub async fn start(
    db: &DatabaseConnection,
    accounts: &Accounts,
    user_id: Uuid,
) -> Result<Started, AppError> {
    let settings = &accounts.settings;
    if let Some(old) = presented_token(settings) {
        let old = digest(&old);
        auth_session::Entity::delete_by_id(old.clone())
            .exec(db)
            .await?;
        accounts.live.end_session(&old);
    }
    let restored = user_account::Entity::update_many()
        .col_expr(user_account::Column::DeletedMs, Expr::value(None::<i64>))
        .filter(user_account::Column::Id.eq(user_id))
        .filter(user_account::Column::DeletedMs.is_not_null())
        .exec(db)
        .await?
        .rows_affected;
    if restored > 0 {
        tracing::info!(user = %user_id, "closed account restored by signing in");
    }
    let token = random_token()?;
    let now = Utc::now();
    auth_session::ActiveModel {
        id_hash: Set(digest(&token)),
        user_id: Set(user_id),
        created_at: Set(now.fixed_offset()),
        last_seen_at: Set(now.fixed_offset()),
        expires_at: Set((now + settings.session_absolute).fixed_offset()),
        user_agent: Set(user_agent()),
        ip: Set(client_ip()),
    }
    .insert(db)
    .await?;
    set_cookie(settings, &token, settings.session_absolute.num_seconds());
    Ok(Started {
        reopened: restored > 0,
        new_browser: super::security::is_new_browser(db, settings, user_id).await?,
    })
}

/// The signed-in user and their session, if the presented cookie names a live session.
/// Expired sessions are deleted on sight.
pub async fn current(
    db: &DatabaseConnection,
    settings: &AccountSettings,
) -> Result<Option<(auth_session::Model, user_account::Model)>, AppError> {
    current_for_token(db, settings, presented_token(settings)).await
}

/// [`current`] for handlers outside Leptos (e.g. the event stream), from request headers.
pub async fn current_from_headers(
    db: &DatabaseConnection,
    settings: &AccountSettings,
    headers: &http::HeaderMap,
) -> Result<Option<(auth_session::Model, user_account::Model)>, AppError> {
    let token = cookie_value(headers, cookie_name(settings.secure_cookies));
    current_for_token(db, settings, token).await
}

async fn current_for_token(
    db: &DatabaseConnection,
    settings: &AccountSettings,
    token: Option<String>,
) -> Result<Option<(auth_session::Model, user_account::Model)>, AppError> {
    let Some(token) = token else {
        return Ok(None);
    };
    let Some((session, Some(user))) = auth_session::Entity::find_by_id(digest(&token))
        .find_also_related(user_account::Entity)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if user.deleted_ms.is_some() {
        // Closing an account ends its sessions; this only guards against a race with it.
        return Ok(None);
    }
    let now = Utc::now();
    let idle_deadline = session.last_seen_at + settings.session_idle;
    if now >= session.expires_at || now >= idle_deadline {
        auth_session::Entity::delete_by_id(session.id_hash.clone())
            .exec(db)
            .await?;
        return Ok(None);
    }
    if now - session.last_seen_at.with_timezone(&Utc) > Duration::seconds(TOUCH_EVERY_SECS) {
        let mut touch = auth_session::Entity::update_many()
            .col_expr(
                auth_session::Column::LastSeenAt,
                Expr::value(now.fixed_offset()),
            )
            .filter(auth_session::Column::IdHash.eq(session.id_hash.clone()));
        // Requests outside Leptos (the event stream) carry no address here: keep the last.
        if let Some(ip) = client_ip() {
            touch = touch.col_expr(auth_session::Column::Ip, Expr::value(ip));
        }
        touch.exec(db).await?;
    }
    Ok(Some((session, user)))
}

/// Ends the presented session on the server (and its streams) and clears the cookie.
pub async fn end_current(db: &DatabaseConnection, accounts: &Accounts) -> Result<(), AppError> {
    let settings = &accounts.settings;
    if let Some(token) = presented_token(settings) {
        let hash = digest(&token);
        auth_session::Entity::delete_by_id(hash.clone())
            .exec(db)
            .await?;
        accounts.live.end_session(&hash);
    }
    set_cookie(settings, "", 0);
    Ok(())
}

/// Ends every session of `user_id` (and their streams), except the one whose hash is
/// `keep`.
pub async fn end_all(
    db: &DatabaseConnection,
    accounts: &Accounts,
    user_id: Uuid,
    keep: Option<&str>,
) -> Result<u64, AppError> {
    let mut q =
        auth_session::Entity::delete_many().filter(auth_session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        q = q.filter(auth_session::Column::IdHash.ne(keep));
    }
    let ended = q.exec(db).await?.rows_affected;
    accounts.live.end_user(user_id, keep);
    Ok(ended)
}

/// Of the sessions `id_hashes`, those that still stand: their row is there, within its
/// lifetime and idle limit, and their account is not closed. The live-stream re-check asks
/// this ([`super::live::end_vanished`]). Changes nothing.
pub async fn standing(
    db: &DatabaseConnection,
    settings: &AccountSettings,
    id_hashes: &[String],
) -> Result<std::collections::HashSet<String>, AppError> {
    use sea_orm::{QuerySelect, RelationTrait, sea_query::JoinType};
    let now = Utc::now();
    let found: Vec<String> = auth_session::Entity::find()
        .select_only()
        .column(auth_session::Column::IdHash)
        .join(JoinType::InnerJoin, auth_session::Relation::User.def())
        .filter(auth_session::Column::IdHash.is_in(id_hashes.iter().cloned()))
        .filter(auth_session::Column::ExpiresAt.gt(now.fixed_offset()))
        .filter(auth_session::Column::LastSeenAt.gt((now - settings.session_idle).fixed_offset()))
        .filter(user_account::Column::DeletedMs.is_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(found.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_and_are_stored_hashed() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_ne!(a, b);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        let d = digest(&a);
        assert_eq!(d.len(), 64);
        assert_ne!(d, a);
    }

    #[test]
    fn finds_the_session_cookie_among_others() {
        let mut h = http::HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; ripen_session=tok; b=2"),
        );
        assert_eq!(cookie_value(&h, PLAIN_COOKIE).as_deref(), Some("tok"));
        assert_eq!(cookie_value(&h, SECURE_COOKIE), None);
        let mut h = http::HeaderMap::new();
        h.append(header::COOKIE, HeaderValue::from_static("ripen_session="));
        assert_eq!(cookie_value(&h, PLAIN_COOKIE), None);
    }
}
