//! The wall part of the archive (likes, reports, moderation), and the notifications.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, at_opt, export_row};
use crate::{
    AppError, ResultExt,
    notifications::entities::notification,
    wall::entities::{letter_like, letter_moderation, letter_report},
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
    /// What the owner did as a wall moderator (`wall/moderation`).
    Moderation {
        letter: Uuid,
        action: String,
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

/// Writes `wall/likes`, `wall/reports`, `wall/moderation` and `notifications`.
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
    let moderation: Vec<Moderation> = letter_moderation::Entity::find()
        .filter(letter_moderation::Column::AdminId.eq(user))
        .order_by_asc(letter_moderation::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Moderation {
            letter: m.letter_id,
            action: m.action,
            at: at(m.created_ms),
        })
        .collect();
    zip.table("wall/moderation", &moderation)?;
    let notes: Vec<Notification> = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .order_by_asc(notification::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|n| {
            let (title, body) = crate::notifications::ssr::open(keys, &n)
                .or_internal("opening a sealed notification")?;
            Ok(Notification {
                kind: n.kind,
                title,
                body,
                link: n.link,
                at: at(n.created_ms),
                read_at: at_opt(n.read_ms),
            })
        })
        .collect::<Result<_, AppError>>()?;
    zip.table("notifications", &notes)
}
