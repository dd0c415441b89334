//! Sign-ins in flight. Starting one draws its secrets and keeps them in the database
//! (sealed), found by the digest of a random cookie the browser holds: so the callback
//! works on any instance, each flow is used once (the row is deleted by the request that
//! takes it), and a link that reaches another browser finds nothing.
//!
//! The cookie is `SameSite=Lax`: the provider sends the browser back with a top-level GET,
//! which carries Lax cookies (a `Strict` one would be missing).

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{entities::auth_flow, providers::FlowSecrets};
use crate::{
    AppError, ResultExt,
    account::ssr::{
        AccountSettings,
        session::{append_cookie, cookie_value, digest, random_token},
    },
    seal::{Field, Keyring},
};

/// How long a started sign-in waits for the provider's answer.
pub const FLOW_SECS: i64 = 600;
/// How long a sign-up waits for its form once the provider said who the person is.
pub const SIGN_UP_SECS: i64 = 1800;

const COOKIE: &str = "ripen_sign_in";
const SECURE_COOKIE: &str = "__Host-ripen_sign_in";

fn cookie(settings: &AccountSettings) -> &'static str {
    if settings.secure_cookies {
        SECURE_COOKIE
    } else {
        COOKIE
    }
}

/// What a flow is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Sign in, or sign up if the identity is new.
    SignIn,
    /// Link the identity to the signed-in account (`user_id`).
    Link,
    /// The provider said who the person is; the sign-up form is next.
    SignUp,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Link => "link",
            Self::SignUp => "sign_up",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Self::SignIn, Self::Link, Self::SignUp]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// What a flow row holds, sealed.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Stage {
    /// Waiting for the provider's callback.
    Started(FlowSecrets),
    /// Waiting for the sign-up form.
    Identified {
        issuer: String,
        subject: String,
        verified_email: Option<String>,
    },
}

/// A flow taken from the database (it is gone from there).
#[derive(Debug, Clone)]
pub struct Flow {
    pub provider: String,
    pub purpose: Purpose,
    pub user_id: Option<Uuid>,
    pub stage: Stage,
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// The row a sealed flow is bound to: the first 16 bytes of its digest's digest (the
/// digest is the row's key; binding to it means a sealed state cannot be moved to
/// another row).
fn place(id_hash: &str) -> Uuid {
    let d = Sha256::digest(id_hash.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    Uuid::from_bytes(b)
}

/// Stores a flow and gives the browser its cookie (replacing any flow it had).
pub async fn begin(
    db: &DatabaseConnection,
    keys: &Keyring,
    settings: &AccountSettings,
    flow: &Flow,
) -> Result<(), AppError> {
    let now = now_ms();
    // Expired flows go as new ones start (each is small; this keeps the table short).
    auth_flow::Entity::delete_many()
        .filter(auth_flow::Column::ExpiresMs.lt(now))
        .exec(db)
        .await?;
    let secs = match flow.stage {
        Stage::Started(_) => FLOW_SECS,
        Stage::Identified { .. } => SIGN_UP_SECS,
    };
    let token = random_token()?;
    let id_hash = digest(&token);
    let json = serde_json::to_string(&flow.stage).or_internal("writing a sign-in flow")?;
    auth_flow::Entity::insert(auth_flow::ActiveModel {
        id_hash: Set(id_hash.clone()),
        provider: Set(flow.provider.clone()),
        purpose: Set(flow.purpose.as_str().to_owned()),
        user_id: Set(flow.user_id),
        state: Set(keys.seal(Field::SignInFlow, place(&id_hash), &json)),
        created_ms: Set(now),
        expires_ms: Set(now + secs * 1000),
    })
    .exec_without_returning(db)
    .await?;
    append_cookie(settings, cookie(settings), &token, secs);
    Ok(())
}

fn presented(settings: &AccountSettings) -> Option<String> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| cookie_value(&p.headers, cookie(settings)))
        .filter(|t| t.len() <= 64)
}

/// The browser's live flow, without using it up (the sign-up page reads it).
pub async fn peek(
    db: &DatabaseConnection,
    keys: &Keyring,
    settings: &AccountSettings,
) -> Result<Option<Flow>, AppError> {
    let Some(token) = presented(settings) else {
        return Ok(None);
    };
    let row = auth_flow::Entity::find_by_id(digest(&token))
        .filter(auth_flow::Column::ExpiresMs.gt(now_ms()))
        .one(db)
        .await?;
    row.map(|r| open(keys, r)).transpose()
}

/// Takes the browser's live flow: of two requests with the same cookie, one gets it.
pub async fn take(
    db: &impl ConnectionTrait,
    keys: &Keyring,
    settings: &AccountSettings,
) -> Result<Option<Flow>, AppError> {
    let Some(token) = presented(settings) else {
        return Ok(None);
    };
    let id_hash = digest(&token);
    let Some(row) = auth_flow::Entity::find_by_id(id_hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let gone = auth_flow::Entity::delete_by_id(id_hash).exec(db).await?;
    // The cookie has done its work either way.
    append_cookie(settings, cookie(settings), "", 0);
    if gone.rows_affected != 1 || row.expires_ms <= now_ms() {
        return Ok(None);
    }
    open(keys, row).map(Some)
}

fn open(keys: &Keyring, row: auth_flow::Model) -> Result<Flow, AppError> {
    let json = keys
        .open(Field::SignInFlow, place(&row.id_hash), &row.state)
        .or_internal("opening a sign-in flow")?;
    Ok(Flow {
        provider: row.provider,
        purpose: Purpose::parse(&row.purpose)
            .ok_or_else(|| AppError::internal_while("reading a sign-in flow", "purpose"))?,
        user_id: row.user_id,
        stage: serde_json::from_str(&json).or_internal("reading a sign-in flow")?,
    })
}
