//! The years in review the owner shares (`shared_years`).

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, export_row};
use crate::{AppError, review::entities::year_share};

export_row! {
    /// A year in review shared by its link (`shared_years`).
    SharedYear {
        year: i32,
        address: String,
        shared_at: Value,
    }
}

/// Writes `shared_years`.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let rows: Vec<SharedYear> = year_share::Entity::find()
        .filter(year_share::Column::UserId.eq(user))
        .order_by_asc(year_share::Column::Year)
        .all(db)
        .await?
        .into_iter()
        .map(|s| SharedYear {
            year: s.year,
            address: format!("/y/{}", s.token),
            shared_at: at(s.created_ms),
        })
        .collect();
    zip.table("shared_years", &rows)
}
