//! The focus part of the archive: tasks, tags, sessions and the daily totals.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, at, export_row, stamp, stamp_opt};
use super::{links, names_of, owned};
use crate::{
    AppError,
    focus::entities::{focus_day, focus_session, focus_session_tag, focus_tag_day, tag, task},
};

export_row! {
    /// A tag (`tags`).
    Tag {
        id: Uuid,
        name: String,
        colour: String,
        created_at: Value,
    }
}

export_row! {
    /// A task (`tasks`).
    Task {
        id: Uuid,
        title: String,
        estimate_pomodoros: i32,
        position: i32,
        completed_at: Value,
        created_at: Value,
        updated_at: Value,
    }
}

export_row! {
    /// A focus session (`focus_sessions`).
    Session {
        id: Uuid,
        day: String,
        started_at: Value,
        ended_at: Value,
        focused_seconds: i32,
        completed: bool,
        task: Option<String>,
        tags: Vec<String>,
        note: Option<String>,
        recorded_at: Value,
    }
}

export_row! {
    /// A day's focus totals (`focus_days`).
    Day {
        day: String,
        focus_seconds: i64,
        sessions: i32,
        completed: i32,
    }
}

export_row! {
    /// A day's focus time on one tag (`focus_tag_days`).
    TagDay {
        day: String,
        tag: Option<String>,
        focus_seconds: i64,
    }
}

/// Writes `tags`, `tasks`, `focus_sessions`, `focus_days` and `focus_tag_days`; answers the
/// names of the owner's tags by id, for the check-ins and the diary.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<HashMap<Uuid, String>, AppError> {
    let tags = tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .order_by_asc(tag::Column::CreatedAt)
        .all(db)
        .await?;
    let tag_names: HashMap<Uuid, String> = tags.iter().map(|t| (t.id, t.name.clone())).collect();
    let tag_rows: Vec<Tag> = tags
        .iter()
        .map(|t| Tag {
            id: t.id,
            name: t.name.clone(),
            colour: t.colour.clone(),
            created_at: stamp(t.created_at),
        })
        .collect();
    zip.table("tags", &tag_rows)?;
    let tasks = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .order_by_asc(task::Column::Position)
        .all(db)
        .await?;
    let task_titles: HashMap<Uuid, String> =
        tasks.iter().map(|t| (t.id, t.title.clone())).collect();
    let task_rows: Vec<Task> = tasks
        .iter()
        .map(|t| Task {
            id: t.id,
            title: t.title.clone(),
            estimate_pomodoros: t.estimate,
            position: t.position,
            completed_at: stamp_opt(t.completed_at),
            created_at: stamp(t.created_at),
            updated_at: stamp(t.updated_at),
        })
        .collect();
    zip.table("tasks", &task_rows)?;
    sessions(db, user, &tag_names, &task_titles, zip).await?;
    totals(db, user, &tag_names, zip).await?;
    Ok(tag_names)
}

/// `focus_sessions`, each with its task's title and its tags' names.
async fn sessions(
    db: &DatabaseConnection,
    user: Uuid,
    tag_names: &HashMap<Uuid, String>,
    task_titles: &HashMap<Uuid, String>,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let session_tags = links(
        focus_session_tag::Entity::find()
            .filter(focus_session_tag::Column::SessionId.in_subquery(owned(
                focus_session::Column::Id,
                focus_session::Column::UserId,
                user,
            )))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.session_id, l.tag_id)),
    );
    let sessions: Vec<Session> = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .order_by_asc(focus_session::Column::StartedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Session {
            id: s.id,
            day: s.day.to_string(),
            started_at: at(s.started_at),
            ended_at: at(s.ended_at),
            focused_seconds: s.focused_seconds,
            completed: s.completed,
            task: s.task_id.and_then(|t| task_titles.get(&t).cloned()),
            tags: names_of(tag_names, &session_tags, s.id),
            note: s.note,
            recorded_at: stamp(s.created_at),
        })
        .collect();
    zip.table("focus_sessions", &sessions)
}

/// `focus_days` and `focus_tag_days`, the daily totals.
async fn totals(
    db: &DatabaseConnection,
    user: Uuid,
    tag_names: &HashMap<Uuid, String>,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let days: Vec<Day> = focus_day::Entity::find()
        .filter(focus_day::Column::UserId.eq(user))
        .order_by_asc(focus_day::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|d| Day {
            day: d.day.to_string(),
            focus_seconds: d.focus_seconds,
            sessions: d.sessions,
            completed: d.completed,
        })
        .collect();
    zip.table("focus_days", &days)?;
    let tag_days: Vec<TagDay> = focus_tag_day::Entity::find()
        .filter(focus_tag_day::Column::UserId.eq(user))
        .order_by_asc(focus_tag_day::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|d| TagDay {
            day: d.day.to_string(),
            tag: tag_names.get(&d.tag_id).cloned(),
            focus_seconds: d.focus_seconds,
        })
        .collect();
    zip.table("focus_tag_days", &tag_days)
}
