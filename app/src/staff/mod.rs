//! Staff: the roles (administrator, moderator, support), what each may reach, and the audit
//! log of what staff did.
//!
//! | role          | reaches                                                   |
//! |---------------|-----------------------------------------------------------|
//! | moderator     | the wall's moderation queue; hides and shows wall letters |
//! | support       | account facts (no content), looked up by name or address  |
//! | administrator | all of the above, the audit log, and announcements         |
//!
//! No role reads private letters, diaries or focus notes: the queue holds public letters
//! only, and account facts are counts and dates. Every staff action writes one row to the
//! append-only audit log (`ssr::record`); roles are granted and revoked with
//! `ripen admin grant|revoke --role <role> <username>`, which is logged too.

#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;
use crate::stored::stored_enum;

stored_enum! {
    /// A staff role.
    pub enum StaffRole {
        Administrator = "administrator",
        Moderator = "moderator",
        Support = "support",
    }
}

impl StaffRole {
    pub const ALL: [Self; 3] = [Self::Administrator, Self::Moderator, Self::Support];

    /// The role named `word` (its stored word).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == word.trim())
    }
}

stored_enum! {
    /// What a staff member did.
    pub enum AuditAction {
        /// Hid a letter from the wall (object: its public id).
        WallHide = "wall.hide",
        /// Showed a hidden letter again (object: its public id).
        WallShow = "wall.show",
        /// Looked up an account's facts (object: its username).
        AccountLookup = "account.lookup",
        /// Granted a role (object: the username; detail: the role).
        RoleGrant = "role.grant",
        /// Revoked a role (object: the username; detail: the role).
        RoleRevoke = "role.revoke",
        /// Published an announcement (object: its id; detail: its audience, and whether
        /// it was emailed).
        AnnouncementPublish = "announcement.publish",
        /// Withdrew an announcement (object: its id).
        AnnouncementWithdraw = "announcement.withdraw",
        /// Refunded (part of) an order (object: its order number; detail: the amount in
        /// fen).
        PaymentRefund = "payment.refund",
    }
}

/// One row of the audit log, as administrators read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// Where the next page starts after this row (`before`): its time and id, so rows of
    /// the same millisecond on either side of a page break are neither lost nor repeated.
    pub cursor: String,
    pub when: String,
    /// The staff member's username; "the command line" or "a former staff member".
    pub actor: String,
    pub role: Option<StaffRole>,
    pub action: AuditAction,
    pub object: Option<String>,
    pub detail: Option<String>,
}

/// What support may see of an account: facts, never content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountFacts {
    pub username: String,
    pub email_verified: bool,
    pub created: String,
    pub last_seen: Option<String>,
    pub devices: u64,
    pub closed: bool,
    pub language: Option<String>,
    pub roles: Vec<StaffRole>,
}

/// The signed-in person's staff roles (empty for everyone else, visitors included).
#[server(prefix = "/api", endpoint = "staff/roles")]
pub async fn my_roles() -> Result<Vec<StaffRole>, AppError> {
    match crate::account::ssr::caller().await {
        Ok((db, user)) => ssr::roles_of(&db, user).await,
        Err(AppError::Unauthorized) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// The audit log, newest first, 200 rows at a time after the row `before` names (an
/// entry's `cursor`); administrators only.
#[server(prefix = "/api", endpoint = "staff/audit")]
pub async fn audit_log(
    #[server(default)] before: Option<String>,
) -> Result<Vec<AuditEntry>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::read_log(&db, user, before).await
}

/// An account's facts by username or email address; support and administrators.
#[server(prefix = "/api", endpoint = "staff/account")]
pub async fn look_up_account(query: String) -> Result<Option<AccountFacts>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::look_up(&db, user, &query).await
}
