//! The focus timer, its tasks and tags, and the focus-session records.
//!
//! The timer's rules live in [`engine`] (pure, shared, unit-tested with an injected clock);
//! the server keeps each user's timer as timestamps and answers every call with a
//! [`TimerSnapshot`] that carries its own clock, so the browser can correct for its offset.
//! Every function needs a signed-in user (401) and treats ids of other users' objects as
//! missing (404).

pub mod browser;
pub mod engine;

/// The longest note of a focus session, check-in or diary entry, in characters.
pub const NOTE_MAX_CHARS: usize = 2000;

/// The shortest focus session that counts: one minute of focus.
///
/// A phase stopped sooner (a false start, a mis-click) is kept as it was recorded — the
/// history lists it, marked as not counted, and the export holds it — but it counts nowhere:
/// not in the statistics and their charts, the day's focus, "on this day", the timer's daily
/// goal or a task's session count. A constant rather than a setting: the day roll-ups
/// (`focus_day`, `focus_tag_day`) are sums over the sessions that count, so a different
/// minimum means recomputing them, as migration `m20261204_000030_short_focus` did when
/// this rule came in (it names the same 60 seconds).
pub const MIN_COUNTED_FOCUS_SECS: i64 = 60;

/// Whether a session with this much focus counts (see [`MIN_COUNTED_FOCUS_SECS`]).
pub fn focus_counts(focused_seconds: i64) -> bool {
    focused_seconds >= MIN_COUNTED_FOCUS_SECS
}

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use self::engine::{Cadence, TimerState};
use crate::AppError;

/// A user's timer settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FocusSettings {
    pub focus_min: i64,
    pub short_break_min: i64,
    pub long_break_min: i64,
    pub long_break_every: i64,
    pub auto_start_breaks: bool,
    pub auto_start_focus: bool,
    /// One of [`SOUNDS`].
    pub sound: String,
    /// 0–100.
    pub volume: i64,
    /// A browser notification at each phase end.
    pub notify: bool,
    /// Focus sessions per day.
    pub daily_goal: i64,
}

/// The built-in end sounds (synthesised in the browser, no files to download).
pub const SOUNDS: [&str; 4] = ["bell", "wood", "digital", "none"];

/// A sound's name in the current language (the id itself if it is not one of [`SOUNDS`]).
pub fn sound_label(id: &str) -> &str {
    let t = &crate::i18n::t().timer;
    match id {
        "bell" => t.sound_bell,
        "wood" => t.sound_wood,
        "digital" => t.sound_digital,
        "none" => t.sound_none,
        other => other,
    }
}

impl Default for FocusSettings {
    fn default() -> Self {
        let c = Cadence::default();
        Self {
            focus_min: c.focus_min,
            short_break_min: c.short_break_min,
            long_break_min: c.long_break_min,
            long_break_every: c.long_break_every,
            auto_start_breaks: c.auto_start_breaks,
            auto_start_focus: c.auto_start_focus,
            sound: "bell".into(),
            volume: 60,
            notify: false,
            daily_goal: 8,
        }
    }
}

impl FocusSettings {
    pub fn cadence(&self) -> Cadence {
        Cadence {
            focus_min: self.focus_min,
            short_break_min: self.short_break_min,
            long_break_min: self.long_break_min,
            long_break_every: self.long_break_every,
            auto_start_breaks: self.auto_start_breaks,
            auto_start_focus: self.auto_start_focus,
        }
    }
}

/// The timer as the server sees it, at `server_now` (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerSnapshot {
    pub state: TimerState,
    pub settings: FocusSettings,
    pub task_id: Option<Uuid>,
    /// Increases with every change; lets a browser ignore stale events.
    pub version: i64,
    pub server_now: i64,
    /// Focus sessions recorded by the call that produced this snapshot (to annotate).
    pub ended: Vec<Uuid>,
    /// Whose timer this is, as an opaque key: what this browser records offline is kept
    /// under it, so it is only ever sent back for the same account.
    #[serde(default)]
    pub viewer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskView {
    pub id: Uuid,
    pub title: String,
    pub estimate: i64,
    /// Completed focus sessions linked to the task.
    pub actual: i64,
    pub position: i64,
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagView {
    pub id: Uuid,
    pub name: String,
    pub colour: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: Uuid,
    pub started_at: i64,
    pub ended_at: i64,
    pub focused_seconds: i64,
    pub completed: bool,
    pub task_id: Option<Uuid>,
    pub task_title: Option<String>,
    pub note: Option<String>,
    /// The day it counts for (the user's time rules when it was recorded).
    pub day: chrono::NaiveDate,
    pub tags: Vec<TagView>,
}

impl SessionView {
    /// Whether it was long enough to count ([`MIN_COUNTED_FOCUS_SECS`]).
    pub fn counts(&self) -> bool {
        focus_counts(self.focused_seconds)
    }
}

/// The timer now (settling phases whose end has passed).
#[server(prefix = "/api", endpoint = "focus/timer")]
pub async fn get_timer() -> Result<TimerSnapshot, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::settle_and_snapshot(&db, &ssr::hub()?, user).await
}

/// `start`, `pause`, `resume`, `skip`, `stop`, `reset`, or `select` with a `phase`.
#[server(prefix = "/api", endpoint = "focus/command")]
pub async fn timer_command(
    command: String,
    #[server(default)] phase: Option<String>,
) -> Result<TimerSnapshot, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::command(&db, &ssr::hub()?, user, &command, phase.as_deref()).await
}

/// The task the timer works on (empty for none).
#[server(prefix = "/api", endpoint = "focus/current-task")]
pub async fn set_current_task(
    #[server(default)] task_id: Option<String>,
) -> Result<TimerSnapshot, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::set_current_task(&db, &ssr::hub()?, user, task_id.as_deref()).await
}

/// The settings form as posted: one text field per setting, checkboxes as `Some("on")`
/// when ticked. Flattened into the server function, so the plain HTML form posts to it
/// with these field names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsForm {
    pub focus_min: String,
    pub short_break_min: String,
    pub long_break_min: String,
    pub long_break_every: String,
    #[serde(default)]
    pub auto_start_breaks: Option<String>,
    #[serde(default)]
    pub auto_start_focus: Option<String>,
    pub sound: String,
    pub volume: String,
    #[serde(default)]
    pub notify: Option<String>,
    pub daily_goal: String,
}

/// Saves the timer settings.
#[server(prefix = "/api", endpoint = "focus/settings")]
pub async fn save_settings(
    #[server(flatten)] form: SettingsForm,
) -> Result<TimerSnapshot, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let settings = ssr::parse_settings(form)?;
    ssr::save_settings(&db, &ssr::hub()?, user, settings).await
}

/// Open tasks in order, then the 50 most recently completed.
#[server(prefix = "/api", endpoint = "focus/tasks")]
pub async fn list_tasks() -> Result<Vec<TaskView>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::list_tasks(&db, user).await
}

#[server(prefix = "/api", endpoint = "focus/task/create")]
pub async fn create_task(title: String, estimate: String) -> Result<TaskView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::create_task(&db, user, &title, &estimate).await
}

#[server(prefix = "/api", endpoint = "focus/task/update")]
pub async fn update_task(
    id: String,
    title: String,
    estimate: String,
) -> Result<TaskView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::update_task(&db, user, &id, &title, &estimate).await
}

/// Marks a task done (`done` = "true") or open again.
#[server(prefix = "/api", endpoint = "focus/task/complete")]
pub async fn complete_task(id: String, done: String) -> Result<TaskView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::complete_task(&db, user, &id, done == "true").await
}

#[server(prefix = "/api", endpoint = "focus/task/delete")]
pub async fn delete_task(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete_task(&db, &ssr::hub()?, user, &id).await
}

/// Moves an open task one place `up` or `down`.
#[server(prefix = "/api", endpoint = "focus/task/move")]
pub async fn move_task(id: String, direction: String) -> Result<Vec<TaskView>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::move_task(&db, user, &id, &direction).await
}

#[server(prefix = "/api", endpoint = "focus/tags")]
pub async fn list_tags() -> Result<Vec<TagView>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::list_tags(&db, user).await
}

#[server(prefix = "/api", endpoint = "focus/tag/create")]
pub async fn create_tag(name: String, colour: String) -> Result<TagView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::create_tag(&db, user, &name, &colour).await
}

#[server(prefix = "/api", endpoint = "focus/tag/delete")]
pub async fn delete_tag(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete_tag(&db, user, &id).await
}

/// The most recent focus sessions.
#[server(prefix = "/api", endpoint = "focus/sessions")]
pub async fn recent_sessions() -> Result<Vec<SessionView>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::recent_sessions(&db, user, 50).await
}

/// Gives one of the caller's sessions exactly the tags `tag_ids` (comma-separated ids;
/// empty for none), from the history; nothing else about it changes.
#[server(prefix = "/api", endpoint = "focus/session/tags")]
pub async fn set_session_tags(
    id: String,
    #[server(default)] tag_ids: Option<String>,
) -> Result<SessionView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let view = ssr::set_session_tags(&db, user, &id, tag_ids.as_deref()).await?;
    crate::progress::changed(user);
    Ok(view)
}

/// Writes the note, tags (comma-separated ids) and task of a recorded session.
#[server(prefix = "/api", endpoint = "focus/session/annotate")]
pub async fn annotate_session(
    id: String,
    #[server(default)] note: Option<String>,
    #[server(default)] tag_ids: Option<String>,
    #[server(default)] task_id: Option<String>,
) -> Result<SessionView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let view = ssr::annotate_session(
        &db,
        user,
        &id,
        note.as_deref(),
        tag_ids.as_deref(),
        task_id.as_deref(),
    )
    .await?;
    crate::progress::changed(user);
    Ok(view)
}
