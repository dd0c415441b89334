//! The diary: habits and their check-ins, one diary entry per day, the history of every
//! record (focus sessions too) and the statistics drawn from it.
//!
//! Which day an instant belongs to is decided by one function, [`crate::time::DayRule`],
//! from the user's time zone and day boundary; records keep the day they were made for.

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{AppError, focus::TagView};

pub mod streaks;
use streaks::{HabitStats, Schedule};

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

// The figures the statistics charts (`components::charts`) draw.

/// One day's total, e.g. minutes of focus.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DayValue {
    pub day: NaiveDate,
    pub value: u32,
}

/// One bar of a [`BarChart`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Bar {
    pub label: String,
    pub value: f64,
}

/// Moods 1–5, worst to best.
pub const MOODS: [i32; 5] = [1, 2, 3, 4, 5];

/// A mood's name in the current language ("" for a mood outside 1–5).
pub fn mood_label(mood: i32) -> &'static str {
    usize::try_from(mood)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| crate::i18n::t().diary.moods.get(i).copied())
        .unwrap_or("")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HabitView {
    pub id: Uuid,
    pub name: String,
    pub colour: String,
    pub schedule: Schedule,
    pub start_day: NaiveDate,
    pub archived: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinView {
    pub id: Uuid,
    pub habit_id: Uuid,
    pub day: NaiveDate,
    pub note: Option<String>,
    pub tags: Vec<TagView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryView {
    pub id: Uuid,
    pub day: NaiveDate,
    /// The Markdown as written.
    pub body: String,
    /// `body` rendered to inert HTML on the server.
    pub html: String,
    pub mood: Option<i32>,
    pub tags: Vec<TagView>,
}

/// One habit on one day: its check-in (if any) and its statistics up to that day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HabitDay {
    pub habit: HabitView,
    pub checkin: Option<CheckinView>,
    pub stats: HabitStats,
}

/// Something from the same calendar date in an earlier year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Memory {
    pub day: NaiveDate,
    pub years_ago: i32,
    /// `entry`, `focus` or `checkin`.
    pub kind: String,
    pub text: String,
}

/// Everything the diary page shows for one day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayView {
    pub day: NaiveDate,
    /// The user's today (by their time zone and day boundary).
    pub today: NaiveDate,
    pub habits: Vec<HabitDay>,
    pub archived: Vec<HabitView>,
    pub entry: Option<EntryView>,
    pub focus_minutes: i64,
    pub focus_sessions: i64,
    pub memories: Vec<Memory>,
    pub tags: Vec<TagView>,
    /// Check-ins per day over the last 26 weeks up to `today`.
    pub checkin_heatmap: Vec<DayValue>,
    /// Whose diary this is, as an opaque key (see [`crate::focus::TimerSnapshot::viewer`]).
    #[serde(default)]
    pub viewer: String,
}

/// A person's figures at one moment: what a letter to oneself is sealed with, and shown
/// beside the same figures on the day it arrives ("then and now").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    /// Focus in the last 30 days, in minutes.
    pub focus_minutes_30d: i64,
    /// All focus ever, in minutes.
    pub focus_minutes: i64,
    /// Focus sessions that count, ever.
    pub sessions: i64,
    /// Diary entries, ever.
    pub entries: i64,
    /// The current streak of each active habit (a streak of 0 is left out).
    pub streaks: Vec<StreakFigure>,
    /// The three tags with the most focus in the last 30 days, in minutes.
    pub top_tags: Vec<TagFigure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreakFigure {
    pub habit: String,
    pub current: u32,
    pub unit: streaks::StreakUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagFigure {
    pub tag: String,
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagTotal {
    pub tag: TagView,
    pub minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsView {
    pub today: NaiveDate,
    /// Focus minutes per day over the last 53 weeks.
    pub focus_heatmap: Vec<DayValue>,
    pub checkin_heatmap: Vec<DayValue>,
    pub habits: Vec<(HabitView, HabitStats)>,
    pub focus_by_day: Vec<Bar>,
    pub focus_by_week: Vec<Bar>,
    pub focus_by_month: Vec<Bar>,
    pub tag_totals: Vec<TagTotal>,
    pub tasks_by_week: Vec<Bar>,
    pub total_focus_minutes: i64,
    pub total_sessions: i64,
    pub total_checkins: i64,
    pub entries: i64,
}

/// One row of the history: a focus session, a check-in or a diary entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryItem {
    pub id: Uuid,
    /// `focus`, `checkin` or `entry`.
    pub kind: String,
    pub day: NaiveDate,
    /// Habit name, task title or the entry's mood.
    pub title: String,
    /// The note, or the entry's text (Markdown), as written: what editing starts from.
    pub note: Option<String>,
    /// What the list shows of it: the note, or the entry's text as a plain-text excerpt.
    pub excerpt: Option<String>,
    pub minutes: Option<i64>,
    /// `false` for a focus session too short to count (`focus::MIN_COUNTED_FOCUS_SECS`).
    pub counts: bool,
    pub tags: Vec<TagView>,
}

/// One day of the diary (`day` as `YYYY-MM-DD`; empty for today).
#[server(prefix = "/api", endpoint = "diary/day")]
pub async fn get_diary_day(#[server(default)] day: Option<String>) -> Result<DayView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::day_view(&db, user, day.as_deref()).await
}

/// The new-habit form as posted: `schedule` is `daily`, `times_per_week` (with `times`) or
/// `weekdays` (with the ticked `mon` … `sun` boxes, `Some("on")`). Flattened into the
/// server function, so the plain HTML form posts to it with these field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HabitForm {
    pub name: String,
    #[serde(default)]
    pub colour: Option<String>,
    pub schedule: String,
    #[serde(default)]
    pub times: Option<String>,
    #[serde(default)]
    pub mon: Option<String>,
    #[serde(default)]
    pub tue: Option<String>,
    #[serde(default)]
    pub wed: Option<String>,
    #[serde(default)]
    pub thu: Option<String>,
    #[serde(default)]
    pub fri: Option<String>,
    #[serde(default)]
    pub sat: Option<String>,
    #[serde(default)]
    pub sun: Option<String>,
}

/// Creates a habit.
#[server(prefix = "/api", endpoint = "diary/habit/create")]
pub async fn create_habit(#[server(flatten)] habit: HabitForm) -> Result<HabitView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let h = habit;
    let days = [&h.mon, &h.tue, &h.wed, &h.thu, &h.fri, &h.sat, &h.sun].map(crate::request::ticked);
    let schedule = ssr::parse_schedule(&h.schedule, h.times.as_deref(), days)?;
    ssr::create_habit(&db, user, &h.name, h.colour.as_deref(), schedule).await
}

/// Renames a habit (1–60 characters; an error names the `name` field).
#[server(prefix = "/api", endpoint = "diary/habit/rename")]
pub async fn rename_habit(id: String, name: String) -> Result<HabitView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::rename_habit(&db, user, &id, &name).await
}

/// Moves a habit one place `up` or `down` in the account's order.
#[server(prefix = "/api", endpoint = "diary/habit/move")]
pub async fn move_habit(id: String, direction: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::move_habit(&db, user, &id, &direction).await
}

/// Archives (`archived` = `true`) or restores a habit; its check-ins are kept.
#[server(prefix = "/api", endpoint = "diary/habit/archive")]
pub async fn archive_habit(id: String, archived: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::archive_habit(&db, user, &id, archived == "true").await
}

/// Deletes a habit and all its check-ins.
#[server(prefix = "/api", endpoint = "diary/habit/delete")]
pub async fn delete_habit(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete_habit(&db, user, &id).await
}

/// Checks a habit in for a day (today or a past day), or updates that check-in's note and
/// tags. `tag_ids` are comma-separated.
#[server(prefix = "/api", endpoint = "diary/checkin")]
pub async fn check_in(
    habit_id: String,
    day: String,
    #[server(default)] note: Option<String>,
    #[server(default)] tag_ids: Option<String>,
) -> Result<CheckinView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let view = ssr::check_in(
        &db,
        user,
        &habit_id,
        &day,
        note.as_deref(),
        tag_ids.as_deref(),
    )
    .await?;
    crate::progress::changed(user);
    Ok(view)
}

/// Removes the check-in of a habit on a day (undo).
#[server(prefix = "/api", endpoint = "diary/checkin/undo")]
pub async fn undo_check_in(habit_id: String, day: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::undo_check_in(&db, user, &habit_id, &day).await
}

/// Deletes one check-in by id.
#[server(prefix = "/api", endpoint = "diary/checkin/delete")]
pub async fn delete_checkin(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete_checkin(&db, user, &id).await
}

/// Writes (or rewrites) the diary entry of a day. `mood` is 1–5 or empty.
#[server(prefix = "/api", endpoint = "diary/entry")]
pub async fn save_entry(
    day: String,
    body: String,
    #[server(default)] mood: Option<String>,
    #[server(default)] tag_ids: Option<String>,
) -> Result<EntryView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let view = ssr::save_entry(&db, user, &day, &body, mood.as_deref(), tag_ids.as_deref()).await?;
    crate::progress::changed(user);
    Ok(view)
}

#[server(prefix = "/api", endpoint = "diary/entry/delete")]
pub async fn delete_entry(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete_entry(&db, user, &id).await
}

/// Deletes one focus session (and updates the day's totals).
#[server(prefix = "/api", endpoint = "diary/session/delete")]
pub async fn delete_session(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    crate::focus::ssr::delete_session(&db, user, &id).await
}

/// Changes the note of any record of the history (`kind` = `focus`, `checkin`, `entry`).
#[server(prefix = "/api", endpoint = "diary/note")]
pub async fn edit_note(kind: String, id: String, note: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::edit_note(&db, user, &kind, &id, &note).await
}

/// Statistics over all of the user's records.
#[server(prefix = "/api", endpoint = "diary/stats")]
pub async fn get_stats() -> Result<StatsView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::stats(&db, user).await
}

/// The history, filtered: dates `from`/`to` (inclusive, `YYYY-MM-DD`), a tag id, a habit
/// id, free text, and `kind` (`focus`, `checkin`, `entry`, or empty for all). Newest first,
/// at most 200 rows.
#[server(prefix = "/api", endpoint = "diary/history")]
pub async fn search_history(
    #[server(default)] from: Option<String>,
    #[server(default)] to: Option<String>,
    #[server(default)] tag: Option<String>,
    #[server(default)] habit: Option<String>,
    #[server(default)] q: Option<String>,
    #[server(default)] kind: Option<String>,
) -> Result<Vec<HistoryItem>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let filter = ssr::HistoryFilter::parse(from, to, tag, habit, q, kind)?;
    ssr::history(&db, user, filter).await
}
