//! The wall part of the archive (likes, reports), what the owner did as staff, and the
//! notifications.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, at_opt, export_row};
use crate::{
    AppError, ResultExt,
    account::ssr::entities::user_account,
    notifications::entities::notification,
    staff::ssr::{actions_of, entities::staff_role},
    wall::entities::{letter_like, letter_report},
};

export_row! {
    /// A letter on the wall the owner liked (`wall/likes`).
    Like {
        letter: Uuid,
        liked_at: Value,
    }
}

export_row! {
    /// A letter on the wall the owner reported (`wall/reports`).
    Report {
        letter: Uuid,
        reason: String,
        note: String,
        reported_at: Value,
        resolved_at: Value,
    }
}

export_row! {
    /// A staff role the owner holds (`staff/roles`).
    Role {
        role: String,
        granted_at: Value,
    }
}

export_row! {
    /// What the owner did as staff, from the audit log (`staff/actions`).
    Action {
        action: String,
        role: Option<String>,
        object_kind: String,
        object: Option<String>,
        detail: Option<String>,
        at: Value,
    }
}

export_row! {
    /// A notification Ripen showed the owner (`notifications`).
    Notification {
        kind: String,
        title: String,
        body: String,
        link: Option<String>,
        at: Value,
        read_at: Value,
    }
}

/// Writes `wall/likes`, `wall/reports`, `staff/roles`, `staff/actions` and `notifications`.
pub(super) async fn write(
    db: &DatabaseConnection,
    keys: &crate::seal::Keyring,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let likes: Vec<Like> = letter_like::Entity::find()
        .filter(letter_like::Column::UserId.eq(user))
        .order_by_asc(letter_like::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|l| Like {
            letter: l.letter_id,
            liked_at: at(l.created_ms),
        })
        .collect();
    zip.table("wall/likes", &likes)?;
    let reports: Vec<Report> = letter_report::Entity::find()
        .filter(letter_report::Column::UserId.eq(user))
        .order_by_asc(letter_report::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|r| Report {
            letter: r.letter_id,
            reason: r.reason,
            note: r.note,
            reported_at: at(r.created_ms),
            resolved_at: at_opt(r.resolved_ms),
        })
        .collect();
    zip.table("wall/reports", &reports)?;
    let roles: Vec<Role> = staff_role::Entity::find()
        .filter(staff_role::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|r| Role {
            role: r.role.as_str().to_owned(),
            granted_at: at(r.granted_ms),
        })
        .collect();
    zip.table("staff/roles", &roles)?;
    let actions: Vec<Action> = actions_of(db, user)
        .await?
        .into_iter()
        .map(|a| Action {
            action: a.action.as_str().to_owned(),
            role: a.role.map(|r| r.as_str().to_owned()),
            object_kind: a.object_kind,
            object: a.object_id,
            detail: a.detail,
            at: at(a.at_ms),
        })
        .collect();
    zip.table("staff/actions", &actions)?;
    // Worded as the notifications page words them, in the account's language.
    let lang = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .map_or(crate::i18n::Lang::En, |a| a.lang());
    let notes: Vec<Notification> = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .order_by_asc(notification::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|n| {
            let shown = crate::notifications::ssr::open(keys, &n)
                .or_internal("opening a sealed notification")?
                .render(lang);
            Ok(Notification {
                kind: n.kind,
                title: shown.title,
                body: shown.body,
                link: shown.link,
                at: at(n.created_ms),
                read_at: at_opt(n.read_ms),
            })
        })
        .collect::<Result<_, AppError>>()?;
    zip.table("notifications", &notes)
}
