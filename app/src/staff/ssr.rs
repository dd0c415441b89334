//! Staff on the server: the role tables, the checks every staff page and action makes, and
//! the audit log.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::OnConflict,
};
use uuid::Uuid;

use super::{AccountFacts, AuditAction, AuditEntry, StaffRole};
use crate::{
    AppError,
    account::ssr::entities::{auth_session, user_account},
    clock::now_ms,
    format::instant_in,
    i18n::t,
};

/// How long the audit log keeps a row: two years, then the retention job deletes it.
pub const AUDIT_KEPT_DAYS: i64 = 730;
/// Rows of the log on one page.
const PAGE: u64 = 200;

pub mod entities {
    pub mod staff_role {
        use sea_orm::entity::prelude::*;

        pub use crate::staff::StaffRole;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "staff_role")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub user_id: Uuid,
            #[sea_orm(primary_key, auto_increment = false)]
            pub role: StaffRole,
            pub granted_ms: i64,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// Append-only: rows are added by [`super::record`] and deleted only by the retention
    /// job after [`super::AUDIT_KEPT_DAYS`] (and `actor_id` emptied when the account is
    /// erased, by the foreign key).
    pub mod audit_log {
        use sea_orm::entity::prelude::*;

        pub use crate::staff::{AuditAction, StaffRole};

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "audit_log")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub at_ms: i64,
            pub actor_id: Option<Uuid>,
            pub role: Option<StaffRole>,
            pub action: AuditAction,
            pub object_kind: String,
            pub object_id: Option<String>,
            pub detail: Option<String>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

use entities::{audit_log, staff_role};

/// The roles `user` holds.
pub async fn roles_of(db: &impl ConnectionTrait, user: Uuid) -> Result<Vec<StaffRole>, AppError> {
    let mut roles: Vec<StaffRole> = staff_role::Entity::find()
        .filter(staff_role::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect();
    roles.sort_by_key(|r| StaffRole::ALL.iter().position(|a| a == r));
    Ok(roles)
}

/// Passes when `user` holds `role`, or is an administrator (who holds every role's reach);
/// answers the role the action is taken in, for the audit log. Anyone else: `Forbidden`.
pub async fn require(
    db: &impl ConnectionTrait,
    user: Uuid,
    role: StaffRole,
) -> Result<StaffRole, AppError> {
    let held = roles_of(db, user).await?;
    if held.contains(&role) {
        Ok(role)
    } else if held.contains(&StaffRole::Administrator) {
        Ok(StaffRole::Administrator)
    } else {
        Err(AppError::Forbidden)
    }
}

/// What an action was done to.
pub enum Object<'a> {
    /// A wall letter, by its public id.
    Letter(&'a str),
    /// An account, by its id (not its name: once the account is erased, the log keeps
    /// nothing that says who it was).
    Account(Uuid),
    /// An announcement, by its id.
    Announcement(Uuid),
    /// A Ripen Plus order, by its order number.
    Order(&'a str),
}

impl Object<'_> {
    fn parts(&self) -> (&'static str, String) {
        match self {
            Self::Letter(id) => ("letter", (*id).to_owned()),
            Self::Account(id) => ("account", id.to_string()),
            Self::Announcement(id) => ("announcement", id.to_string()),
            Self::Order(no) => ("order", (*no).to_owned()),
        }
    }
}

/// Writes one row to the audit log: `actor` (none for the command line) in `role` did
/// `action` to `object`.
pub async fn record(
    db: &impl ConnectionTrait,
    actor: Option<Uuid>,
    role: Option<StaffRole>,
    action: AuditAction,
    object: Object<'_>,
    detail: Option<&str>,
) -> Result<(), AppError> {
    let (kind, id) = object.parts();
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(Uuid::new_v4()),
        at_ms: Set(now_ms()),
        actor_id: Set(actor),
        role: Set(role),
        action: Set(action),
        object_kind: Set(kind.to_owned()),
        object_id: Set(Some(id)),
        detail: Set(detail.map(str::to_owned)),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The last moderation action on each of the wall letters `public_ids`, by public id:
/// (who, what, when).
pub async fn last_moderation(
    db: &DatabaseConnection,
    public_ids: &[String],
) -> Result<std::collections::HashMap<String, (Option<Uuid>, AuditAction, i64)>, AppError> {
    let rows = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectKind.eq("letter"))
        .filter(audit_log::Column::ObjectId.is_in(public_ids.iter().cloned()))
        .filter(audit_log::Column::Action.is_in([AuditAction::WallHide, AuditAction::WallShow]))
        .order_by_asc(audit_log::Column::AtMs)
        .all(db)
        .await?;
    // Oldest first: each letter's later action replaces its earlier one.
    Ok(rows
        .into_iter()
        .filter_map(|r| Some((r.object_id?, (r.actor_id, r.action, r.at_ms))))
        .collect())
}

/// An epoch-ms instant as the time-zone-aware formatters take it.
pub fn at(ms: i64) -> DateTime<chrono::FixedOffset> {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .fixed_offset()
}

async fn account(db: &impl ConnectionTrait, user: Uuid) -> Result<user_account::Model, AppError> {
    user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// A page break of the log: the last row shown (`<ms>.<id>`).
fn parse_cursor(cursor: &str) -> Option<(i64, Uuid)> {
    let (ms, id) = cursor.split_once('.')?;
    Some((ms.parse().ok()?, Uuid::parse_str(id).ok()?))
}

/// One page of the log for an administrator, newest first (by time, then id), after the
/// row `before` names.
pub async fn read_log(
    db: &DatabaseConnection,
    user: Uuid,
    before: Option<String>,
) -> Result<Vec<AuditEntry>, AppError> {
    require(db, user, StaffRole::Administrator).await?;
    let reader = account(db, user).await?;
    let mut q = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::AtMs)
        .order_by_desc(audit_log::Column::Id);
    if let Some(b) = before.as_deref().filter(|b| !b.is_empty()) {
        let (ms, id) =
            parse_cursor(b).ok_or_else(|| AppError::validation("before", t().staff.bad_cursor))?;
        q = q.filter(
            sea_orm::Condition::any()
                .add(audit_log::Column::AtMs.lt(ms))
                .add(
                    sea_orm::Condition::all()
                        .add(audit_log::Column::AtMs.eq(ms))
                        .add(audit_log::Column::Id.lt(id)),
                ),
        );
    }
    let rows = q.limit(PAGE).all(db).await?;
    // Actors, and accounts acted on, by id.
    let account_objects = rows
        .iter()
        .filter(|r| r.object_kind == "account")
        .filter_map(|r| {
            r.object_id
                .as_deref()
                .and_then(|id| Uuid::parse_str(id).ok())
        });
    let ids: Vec<Uuid> = rows
        .iter()
        .filter_map(|r| r.actor_id)
        .chain(account_objects)
        .collect();
    let names: std::collections::HashMap<Uuid, String> = user_account::Entity::find()
        .filter(user_account::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.username))
        .collect();
    let texts = &t().staff;
    let object = |kind: &str, id: Option<String>| match (kind, id) {
        ("account", Some(id)) => Some(
            Uuid::parse_str(&id)
                .ok()
                .and_then(|u| names.get(&u).cloned())
                .unwrap_or_else(|| texts.erased_account.to_owned()),
        ),
        (_, id) => id,
    };
    Ok(rows
        .into_iter()
        .map(|r| AuditEntry {
            at_ms: r.at_ms,
            cursor: format!("{}.{}", r.at_ms, r.id),
            when: instant_in(at(r.at_ms), &reader.timezone),
            actor: match (r.actor_id, r.role) {
                (Some(id), _) => names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| texts.former_staff.to_owned()),
                (None, None) => texts.command_line.to_owned(),
                (None, Some(_)) => texts.former_staff.to_owned(),
            },
            role: r.role,
            action: r.action,
            object: object(&r.object_kind, r.object_id),
            detail: r.detail,
        })
        .collect())
}

/// An account's facts by username or email address, for support; the lookup is logged.
pub async fn look_up(
    db: &DatabaseConnection,
    user: Uuid,
    query: &str,
) -> Result<Option<AccountFacts>, AppError> {
    let role = require(db, user, StaffRole::Support).await?;
    let query = query.trim().to_lowercase();
    if query.is_empty() || query.len() > 254 {
        return Err(AppError::validation("query", t().staff.query_needed));
    }
    let column = if query.contains('@') {
        user_account::Column::EmailCanonical
    } else {
        user_account::Column::UsernameCanonical
    };
    let Some(found) = user_account::Entity::find()
        .filter(column.eq(query.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    record(
        db,
        Some(user),
        Some(role),
        AuditAction::AccountLookup,
        Object::Account(found.id),
        None,
    )
    .await?;
    let reader = account(db, user).await?;
    let sessions = auth_session::Entity::find().filter(auth_session::Column::UserId.eq(found.id));
    let devices = sessions.clone().count(db).await?;
    let last_seen = sessions
        .order_by_desc(auth_session::Column::LastSeenAt)
        .one(db)
        .await?
        .map(|s| instant_in(s.last_seen_at, &reader.timezone));
    Ok(Some(AccountFacts {
        username: found.username.clone(),
        email_verified: found.email_verified_at.is_some(),
        created: instant_in(found.created_at, &reader.timezone),
        last_seen,
        devices,
        closed: found.deleted_ms.is_some(),
        language: found.language.clone(),
        roles: roles_of(db, found.id).await?,
    }))
}

/// Grants (or revokes) `role` to the account `username` from the command line, and logs it.
/// Answers whether anything changed.
pub async fn set_role(
    db: &DatabaseConnection,
    username: &str,
    role: StaffRole,
    grant: bool,
) -> Result<bool, AppError> {
    let canonical = username.trim().to_lowercase();
    let found = user_account::Entity::find()
        .filter(user_account::Column::UsernameCanonical.eq(canonical))
        .filter(user_account::Column::DeletedMs.is_null())
        .one(db)
        .await?
        .ok_or_else(|| AppError::validation("username", t().wall.no_such_user))?;
    let changed = if grant {
        staff_role::Entity::insert(staff_role::ActiveModel {
            user_id: Set(found.id),
            role: Set(role),
            granted_ms: Set(now_ms()),
        })
        .on_conflict(
            OnConflict::columns([staff_role::Column::UserId, staff_role::Column::Role])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?
            > 0
    } else {
        staff_role::Entity::delete_many()
            .filter(staff_role::Column::UserId.eq(found.id))
            .filter(staff_role::Column::Role.eq(role))
            .exec(db)
            .await?
            .rows_affected
            > 0
    };
    if changed {
        let action = if grant {
            AuditAction::RoleGrant
        } else {
            AuditAction::RoleRevoke
        };
        record(
            db,
            None,
            None,
            action,
            Object::Account(found.id),
            Some(role.as_str()),
        )
        .await?;
    }
    Ok(changed)
}

/// Deletes log rows older than [`AUDIT_KEPT_DAYS`] at `now`; answers how many went.
pub async fn purge_log(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<u64, AppError> {
    let cutoff = (now - chrono::Duration::days(AUDIT_KEPT_DAYS)).timestamp_millis();
    Ok(audit_log::Entity::delete_many()
        .filter(audit_log::Column::AtMs.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// The actions `user` took as staff, oldest first (their data export).
pub async fn actions_of(
    db: &DatabaseConnection,
    user: Uuid,
) -> Result<Vec<audit_log::Model>, AppError> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::ActorId.eq(user))
        .order_by_asc(audit_log::Column::AtMs)
        .all(db)
        .await?)
}
