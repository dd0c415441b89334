//! Single-use link tokens (email verification, password reset): 256 random bits in the
//! link, only their SHA-256 in the database, an expiry, and consumption by one atomic
//! `UPDATE … WHERE used_at IS NULL AND expires_at > now`, so a token works exactly once
//! even when two requests race.

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::{
    entities::{account_token, user_account},
    session,
};
use crate::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// Sent to an account's old address after a change: takes the account back.
    ReportEmailChange,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyEmail => "verify_email",
            Self::ResetPassword => "reset_password",
            Self::ReportEmailChange => "report_change",
        }
    }
}

/// Issues a token for `user_id`; earlier unused tokens of the same purpose stop working.
pub async fn issue(
    db: &DatabaseConnection,
    user_id: Uuid,
    purpose: Purpose,
    email: Option<String>,
    ttl: Duration,
) -> Result<String, AppError> {
    let now = Utc::now().fixed_offset();
    account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    let token = session::random_token()?;
    account_token::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(session::digest(&token)),
        email: Set(email),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The token and its account if it exists, has this purpose, is unused and unexpired,
/// without using it up (a confirmation checks the person's proof first).
pub async fn find(
    db: &DatabaseConnection,
    raw: &str,
    purpose: Purpose,
) -> Result<Option<(account_token::Model, user_account::Model)>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 128 {
        return Ok(None);
    }
    let Some(token) = account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(session::digest(raw)))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::ExpiresAt.gt(Utc::now().fixed_offset()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let user = user_account::Entity::find_by_id(token.user_id)
        .one(db)
        .await?;
    Ok(user.map(|user| (token, user)))
}

/// Every unused link of `user_id` stops working (an address was just confirmed: links
/// sent before, such as a pending address change, belong to what came before).
pub async fn void_all(db: &DatabaseConnection, user_id: Uuid) -> Result<u64, AppError> {
    Ok(account_token::Entity::update_many()
        .col_expr(
            account_token::Column::UsedAt,
            Expr::value(Utc::now().fixed_offset()),
        )
        .filter(account_token::Column::UserId.eq(user_id))
        .filter(account_token::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Uses up the token if it exists, has this purpose, is unused and unexpired.
pub async fn consume(
    db: &DatabaseConnection,
    raw: &str,
    purpose: Purpose,
) -> Result<Option<account_token::Model>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 128 {
        return Ok(None);
    }
    let hash = session::digest(raw);
    let now = Utc::now().fixed_offset();
    let claimed = account_token::Entity::update_many()
        .col_expr(account_token::Column::UsedAt, Expr::value(now))
        .filter(account_token::Column::TokenHash.eq(hash.clone()))
        .filter(account_token::Column::Purpose.eq(purpose.as_str()))
        .filter(account_token::Column::UsedAt.is_null())
        .filter(account_token::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    if claimed != 1 {
        return Ok(None);
    }
    Ok(account_token::Entity::find()
        .filter(account_token::Column::TokenHash.eq(hash))
        .one(db)
        .await?)
}
