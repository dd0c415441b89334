//! The check-ins part of the archive: the check-in items (habits) and every check-in.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, export_row, stamp, stamp_opt};
use super::{links, names_of, owned};
use crate::{
    AppError,
    diary::entities::{checkin, checkin_tag, habit},
};

export_row! {
    /// A check-in item and its schedule (`habits`).
    Habit {
        id: Uuid,
        name: String,
        colour: String,
        schedule: String,
        schedule_value: i32,
        position: i32,
        starts_on: String,
        archived_at: Value,
        created_at: Value,
    }
}

export_row! {
    /// A check-in, with its note and tags (`checkins`).
    Checkin {
        id: Uuid,
        habit: Option<String>,
        day: String,
        note: Option<String>,
        tags: Vec<String>,
        created_at: Value,
        updated_at: Value,
    }
}

/// Writes `habits` and `checkins`; `tag_names` are the owner's tags by id.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    tag_names: &HashMap<Uuid, String>,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let habits = habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .order_by_asc(habit::Column::Position)
        .all(db)
        .await?;
    let habit_names: HashMap<Uuid, String> =
        habits.iter().map(|h| (h.id, h.name.clone())).collect();
    let habit_rows: Vec<Habit> = habits
        .iter()
        .map(|h| Habit {
            id: h.id,
            name: h.name.clone(),
            colour: h.colour.clone(),
            schedule: h.schedule_kind.clone(),
            schedule_value: h.schedule_value,
            position: h.position,
            starts_on: h.start_day.to_string(),
            archived_at: stamp_opt(h.archived_at),
            created_at: stamp(h.created_at),
        })
        .collect();
    zip.table("habits", &habit_rows)?;
    let checkin_tags = links(
        checkin_tag::Entity::find()
            .filter(checkin_tag::Column::CheckinId.in_subquery(owned(
                checkin::Column::Id,
                checkin::Column::UserId,
                user,
            )))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.checkin_id, l.tag_id)),
    );
    let checkins: Vec<Checkin> = checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .order_by_asc(checkin::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Checkin {
            id: c.id,
            habit: habit_names.get(&c.habit_id).cloned(),
            day: c.day.to_string(),
            note: c.note,
            tags: names_of(tag_names, &checkin_tags, c.id),
            created_at: stamp(c.created_at),
            updated_at: stamp(c.updated_at),
        })
        .collect();
    zip.table("checkins", &checkins)
}
