//! Server side of the diary: every function takes the caller's id and touches only rows
//! with that `user_id`; another user's ids are "not found". One file per job; they share
//! this module's imports and helpers (`use super::*`).

mod checkins;
mod day;
mod entries;
mod figures;
mod habits;
mod history;
mod notes;
mod stats;
pub use checkins::*;
pub use day::*;
pub use entries::*;
pub use figures::*;
pub use habits::*;
pub use history::*;
pub use notes::*;
pub use stats::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select, Set,
    TransactionTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use uuid::Uuid;

use super::{
    Bar, CheckinView, DayValue, DayView, EntryView, HabitDay, HabitView, HistoryItem, Memory,
    StatsView, TagTotal,
    entities::{checkin, checkin_tag, diary_entry, diary_entry_tag, habit},
    mood_label,
    streaks::{HabitStats, Schedule, habit_stats},
};
use crate::{
    AppError,
    account::ssr::time::rule_for,
    focus::{
        TagView,
        entities::{focus_day, focus_session, focus_session_tag, focus_tag_day, task},
        ssr::{clean_note, list_tags, own_tag, own_tags},
    },
    i18n::{DateStyle, date, fill},
    markdown,
    request::parse_id,
};

use crate::clock::now_ms;

/// A `YYYY-MM-DD` day from a form, not after the user's today.
fn parse_day(raw: &str, today: NaiveDate, field: &str) -> Result<NaiveDate, AppError> {
    let t = &crate::i18n::t().diary;
    let day = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation(field, t.err_date_format))?;
    if day > today {
        return Err(AppError::validation(field, t.err_future_day));
    }
    if day < NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(AppError::validation(field, t.err_before_1970));
    }
    Ok(day)
}

async fn set_links<C: ConnectionTrait>(
    db: &C,
    kind: LinkKind,
    owner: Uuid,
    tags: &[Uuid],
) -> Result<(), AppError> {
    match kind {
        LinkKind::Checkin => {
            checkin_tag::Entity::delete_many()
                .filter(checkin_tag::Column::CheckinId.eq(owner))
                .exec(db)
                .await?;
            for t in tags {
                checkin_tag::ActiveModel {
                    checkin_id: Set(owner),
                    tag_id: Set(*t),
                }
                .insert(db)
                .await?;
            }
        }
        LinkKind::Entry => {
            diary_entry_tag::Entity::delete_many()
                .filter(diary_entry_tag::Column::EntryId.eq(owner))
                .exec(db)
                .await?;
            for t in tags {
                diary_entry_tag::ActiveModel {
                    entry_id: Set(owner),
                    tag_id: Set(*t),
                }
                .insert(db)
                .await?;
            }
        }
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum LinkKind {
    Checkin,
    Entry,
}

/// Tags of many records at once: owner id → its tags.
async fn tags_of(
    db: &DatabaseConnection,
    user: Uuid,
    kind: LinkKind,
    owners: &[Uuid],
) -> Result<HashMap<Uuid, Vec<TagView>>, AppError> {
    let mut out: HashMap<Uuid, Vec<TagView>> = HashMap::new();
    if owners.is_empty() {
        return Ok(out);
    }
    let all: HashMap<Uuid, TagView> = list_tags(db, user)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let pairs: Vec<(Uuid, Uuid)> = match kind {
        LinkKind::Checkin => checkin_tag::Entity::find()
            .filter(checkin_tag::Column::CheckinId.is_in(owners.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.checkin_id, l.tag_id))
            .collect(),
        LinkKind::Entry => diary_entry_tag::Entity::find()
            .filter(diary_entry_tag::Column::EntryId.is_in(owners.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.entry_id, l.tag_id))
            .collect(),
    };
    for (owner, tag) in pairs {
        if let Some(t) = all.get(&tag) {
            out.entry(owner).or_default().push(t.clone());
        }
    }
    Ok(out)
}
