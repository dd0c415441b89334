//! Passkey ceremonies in flight. Starting one keeps its state (the challenge and what the
//! answer is checked against) in the database, found by the digest of a random token the
//! page gets back: so the answer may reach any instance, each ceremony is used once (the
//! row is deleted by the request that takes it), and it lives five minutes.
//!
//! The state never leaves the server (`webauthn-rs` warns that state kept by the client
//! allows replays); the token only names it.

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

use super::entities::passkey_ceremony;
use crate::{
    AppError, ResultExt,
    account::ssr::session::{digest, random_token},
};

/// How long a ceremony waits for its answer (the browser's own timeout is shorter).
pub const CEREMONY_SECS: i64 = 300;

/// What a ceremony is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Adding a passkey to the signed-in account.
    Register,
    /// Signing in with any passkey the browser offers.
    SignIn,
    /// The signed-in person confirming it is them with one of the account's passkeys.
    Confirm,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::SignIn => "sign_in",
            Self::Confirm => "confirm",
        }
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Stores a ceremony's state; answers the token that names it.
pub async fn begin(
    db: &impl ConnectionTrait,
    kind: Kind,
    user_id: Option<Uuid>,
    state: &impl Serialize,
) -> Result<String, AppError> {
    let now = now_ms();
    // Expired ceremonies go as new ones start, so the table stays short.
    passkey_ceremony::Entity::delete_many()
        .filter(passkey_ceremony::Column::ExpiresMs.lt(now))
        .exec(db)
        .await?;
    let token = random_token()?;
    let json = serde_json::to_string(state).or_internal("writing a passkey ceremony")?;
    passkey_ceremony::Entity::insert(passkey_ceremony::ActiveModel {
        id_hash: Set(digest(&token)),
        kind: Set(kind.as_str().to_owned()),
        user_id: Set(user_id),
        state: Set(json),
        expires_ms: Set(now + CEREMONY_SECS * 1000),
    })
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// Takes the ceremony `token` names, if it is live and of `kind`: of two requests with
/// the same token, one gets it. Answers the account it was for, and its state.
pub async fn take<S: DeserializeOwned>(
    db: &impl ConnectionTrait,
    kind: Kind,
    token: &str,
) -> Result<Option<(Option<Uuid>, S)>, AppError> {
    if token.is_empty() || token.len() > 64 {
        return Ok(None);
    }
    let id_hash = digest(token);
    let Some(row) = passkey_ceremony::Entity::find_by_id(id_hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let gone = passkey_ceremony::Entity::delete_by_id(id_hash)
        .exec(db)
        .await?;
    if gone.rows_affected != 1 || row.expires_ms <= now_ms() || row.kind != kind.as_str() {
        return Ok(None);
    }
    let state = serde_json::from_str(&row.state).or_internal("reading a passkey ceremony")?;
    Ok(Some((row.user_id, state)))
}
