//! The breach notices the owner was sent (`breach_notices`).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, at_opt, export_row};
use crate::{AppError, privacy::entities::breach_notice};

export_row! {
    /// A security incident the owner was told about, when and how (`breach_notices`).
    Notice {
        incident: String,
        told_in_app_at: Value,
        email: String,
        emailed_at: Value,
    }
}

/// Writes `breach_notices`.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let notices: Vec<Notice> = breach_notice::Entity::find()
        .filter(breach_notice::Column::UserId.eq(user))
        .order_by_asc(breach_notice::Column::NotifiedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|n| Notice {
            incident: n.incident,
            told_in_app_at: at(n.notified_ms),
            email: n.email.as_str().to_owned(),
            emailed_at: at_opt(n.emailed_ms),
        })
        .collect();
    zip.table("breach_notices", &notices)
}
