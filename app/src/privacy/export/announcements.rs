//! The announcements the owner dismissed (`announcements/dismissed`) and those emailed to
//! them (`announcements/emailed`).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, at_opt, export_row};
use crate::{
    AppError,
    announcements::entities::{announcement, announcement_dismissal, announcement_email},
};

export_row! {
    /// An announcement the owner dismissed (`announcements/dismissed`).
    Dismissed {
        title: String,
        published_at: Value,
        dismissed_at: Value,
    }
}

export_row! {
    /// An announcement emailed to the owner, and what became of the email
    /// (`announcements/emailed`).
    Emailed {
        title: String,
        published_at: Value,
        email: String,
        emailed_at: Value,
    }
}

/// Writes `announcements/dismissed` and `announcements/emailed`.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let dismissed = announcement_dismissal::Entity::find()
        .filter(announcement_dismissal::Column::UserId.eq(user))
        .order_by_asc(announcement_dismissal::Column::DismissedMs)
        .all(db)
        .await?;
    let emailed = announcement_email::Entity::find()
        .filter(announcement_email::Column::UserId.eq(user))
        .all(db)
        .await?;
    let ids = dismissed
        .iter()
        .map(|d| d.announcement_id)
        .chain(emailed.iter().map(|e| e.announcement_id));
    // Title (in English, as published) and publication time, by announcement.
    let published: HashMap<Uuid, (String, i64)> = announcement::Entity::find()
        .filter(announcement::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, (a.title_en, a.created_ms)))
        .collect();
    let of = |id: &Uuid| published.get(id).cloned().unwrap_or_default();
    let dismissed: Vec<Dismissed> = dismissed
        .into_iter()
        .map(|d| {
            let (title, created) = of(&d.announcement_id);
            Dismissed {
                title,
                published_at: at(created),
                dismissed_at: at(d.dismissed_ms),
            }
        })
        .collect();
    let emailed: Vec<Emailed> = emailed
        .into_iter()
        .map(|e| {
            let (title, created) = of(&e.announcement_id);
            Emailed {
                title,
                published_at: at(created),
                email: e.state.as_str().to_owned(),
                emailed_at: at_opt(e.emailed_ms),
            }
        })
        .collect();
    zip.table("announcements/dismissed", &dismissed)?;
    zip.table("announcements/emailed", &emailed)
}
