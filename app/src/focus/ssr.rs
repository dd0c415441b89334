//! Server side of the focus timer: persistence, ownership checks, and the per-user event hub.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait, sea_query::Expr,
};
use tokio::sync::broadcast;
use uuid::Uuid;

pub use super::entities::{focus_session, focus_session_tag, focus_timer, tag, task};
use super::{
    FocusSettings, SOUNDS, SessionView, TagView, TaskView, TimerSnapshot,
    engine::{Command, FocusEnded, Phase, Run, TimerState},
};
use crate::{AppError, FieldError, request::ticked};

/// Fans a user's timer changes out to that user's open event streams (and no one else's).
/// In-process: with several server instances, each instance only reaches its own streams.
#[derive(Clone, Default)]
pub struct FocusHub {
    channels: Arc<Mutex<HashMap<Uuid, broadcast::Sender<Arc<TimerSnapshot>>>>>,
}

impl FocusHub {
    pub fn subscribe(&self, user: Uuid) -> broadcast::Receiver<Arc<TimerSnapshot>> {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(user)
            .or_insert_with(|| broadcast::channel(16).0)
            .subscribe()
    }

    pub fn publish(&self, user: Uuid, snapshot: &TimerSnapshot) {
        let mut map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        // A send error means nobody listens any more.
        if let Some(tx) = map.get(&user)
            && tx.send(Arc::new(snapshot.clone())).is_err()
        {
            map.remove(&user);
        }
    }

    /// Open streams across all users (for metrics and tests).
    pub fn listeners(&self) -> usize {
        let map = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        map.values().map(broadcast::Sender::receiver_count).sum()
    }
}

use crate::request::parse_id;

/// The timer's event hub the server provided for this request.
pub fn hub() -> Result<FocusHub, AppError> {
    crate::request::service()
}

use crate::clock::now_ms;


fn settings_of(m: &focus_timer::Model) -> FocusSettings {
    FocusSettings {
        focus_min: m.focus_min.into(),
        short_break_min: m.short_break_min.into(),
        long_break_min: m.long_break_min.into(),
        long_break_every: m.long_break_every.into(),
        auto_start_breaks: m.auto_start_breaks,
        auto_start_focus: m.auto_start_focus,
        sound: m.sound.clone(),
        volume: m.volume.into(),
        notify: m.notify,
        daily_goal: m.daily_goal.into(),
    }
}

pub(crate) fn state_of(m: &focus_timer::Model) -> TimerState {
    let run = match (m.status.as_str(), m.started_at, m.planned_end, m.paused_at) {
        ("running", Some(started_at), Some(planned_end), _) => Run::Running {
            started_at,
            planned_end,
            paused_total: m.paused_total,
        },
        ("paused", Some(started_at), Some(planned_end), Some(paused_at)) => Run::Paused {
            started_at,
            planned_end,
            paused_at,
            paused_total: m.paused_total,
        },
        _ => Run::Idle,
    };
    TimerState {
        phase: Phase::parse(&m.phase).unwrap_or(Phase::Focus),
        run,
        focus_done_in_cycle: m.focus_done_in_cycle.into(),
    }
}

pub(crate) fn write_state(a: &mut focus_timer::ActiveModel, s: &TimerState) {
    a.phase = Set(s.phase.as_str().to_owned());
    a.focus_done_in_cycle = Set(i32::try_from(s.focus_done_in_cycle).unwrap_or(0));
    let (status, started, end, paused_at, paused_total) = match s.run {
        Run::Idle => ("idle", None, None, None, 0),
        Run::Running {
            started_at,
            planned_end,
            paused_total,
        } => (
            "running",
            Some(started_at),
            Some(planned_end),
            None,
            paused_total,
        ),
        Run::Paused {
            started_at,
            planned_end,
            paused_at,
            paused_total,
        } => (
            "paused",
            Some(started_at),
            Some(planned_end),
            Some(paused_at),
            paused_total,
        ),
    };
    a.status = Set(status.to_owned());
    a.started_at = Set(started);
    a.planned_end = Set(end);
    a.paused_at = Set(paused_at);
    a.paused_total = Set(paused_total);
}

pub(crate) fn snapshot(m: &focus_timer::Model, ended: Vec<Uuid>) -> TimerSnapshot {
    TimerSnapshot {
        state: state_of(m),
        settings: settings_of(m),
        task_id: m.task_id,
        version: m.version,
        server_now: now_ms(),
        ended,
        viewer: crate::offline::ssr::viewer_key(m.user_id),
    }
}

/// The user's timer row, created with default settings on first use.
pub(crate) async fn load(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<focus_timer::Model, AppError> {
    if let Some(m) = focus_timer::Entity::find_by_id(user).one(db).await? {
        return Ok(m);
    }
    let d = FocusSettings::default();
    let row = focus_timer::ActiveModel {
        user_id: Set(user),
        focus_min: Set(d.focus_min as i32),
        short_break_min: Set(d.short_break_min as i32),
        long_break_min: Set(d.long_break_min as i32),
        long_break_every: Set(d.long_break_every as i32),
        auto_start_breaks: Set(d.auto_start_breaks),
        auto_start_focus: Set(d.auto_start_focus),
        sound: Set(d.sound),
        volume: Set(d.volume as i32),
        notify: Set(d.notify),
        daily_goal: Set(d.daily_goal as i32),
        phase: Set(Phase::Focus.as_str().to_owned()),
        status: Set("idle".to_owned()),
        started_at: Set(None),
        planned_end: Set(None),
        paused_at: Set(None),
        paused_total: Set(0),
        focus_done_in_cycle: Set(0),
        task_id: Set(None),
        version: Set(0),
    };
    focus_timer::Entity::insert(row)
        .on_conflict_do_nothing_on([focus_timer::Column::UserId])
        .exec(db)
        .await?;
    focus_timer::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or_else(|| AppError::internal("focus_timer row vanished"))
}

/// Writes a changed timer and the sessions it ended, in one transaction, only if nobody
/// changed the timer since `expected` was read (optimistic concurrency). `None` = retry.
pub(crate) async fn persist(
    db: &DatabaseConnection,
    expected: &focus_timer::Model,
    change: impl FnOnce(&mut focus_timer::ActiveModel),
    ended: &[FocusEnded],
) -> Result<Option<(focus_timer::Model, Vec<Uuid>)>, AppError> {
    let txn = db.begin().await?;
    let mut active = expected.clone().into_active_model();
    change(&mut active);
    active.version = Set(expected.version + 1);
    // Only the columns set by `change` plus the version are written.
    let mut update = focus_timer::Entity::update_many()
        .filter(focus_timer::Column::UserId.eq(expected.user_id))
        .filter(focus_timer::Column::Version.eq(expected.version));
    update = update.set(active);
    if update.exec(&txn).await?.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(None);
    }
    let mut ids = Vec::new();
    let rule = if ended.is_empty() {
        None
    } else {
        Some(crate::diary::ssr::rule_for(&txn, expected.user_id).await?)
    };
    for e in ended {
        let id = Uuid::new_v4();
        record_session(
            &txn,
            expected.user_id,
            id,
            expected.task_id,
            e,
            rule.as_ref(),
        )
        .await?;
        ids.push(id);
    }
    let saved = focus_timer::Entity::find_by_id(expected.user_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::internal("focus_timer row vanished"))?;
    txn.commit().await?;
    Ok(Some((saved, ids)))
}

/// Stores one ended focus phase as a session under `id` and refreshes its day's roll-ups.
/// Returns `false` (and stores nothing) if a session with that id already exists.
pub(crate) async fn record_session(
    txn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
    task_id: Option<Uuid>,
    e: &FocusEnded,
    rule: Option<&crate::time::DayRule>,
) -> Result<bool, AppError> {
    // A session counts for the day it started on, by the user's time rules.
    let day = rule.map_or_else(|| Utc::now().date_naive(), |r| r.day_of(e.started_at));
    let row = focus_session::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        task_id: Set(task_id),
        started_at: Set(e.started_at),
        ended_at: Set(e.ended_at),
        focused_seconds: Set(i32::try_from(e.focused_ms / 1000).unwrap_or(i32::MAX)),
        completed: Set(e.completed),
        note: Set(None),
        created_at: Set(Utc::now().fixed_offset()),
        day: Set(day),
    };
    let inserted = focus_session::Entity::insert(row)
        .on_conflict_do_nothing_on([focus_session::Column::Id])
        .exec_without_returning(txn)
        .await?;
    if !matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(false);
    }
    crate::diary::ssr::refresh_focus_day(txn, user, day).await?;
    Ok(true)
}

const RETRIES: usize = 8;

/// Reads the timer, completing (and recording) phases whose end has passed.
pub async fn settle_and_snapshot(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
) -> Result<TimerSnapshot, AppError> {
    for _ in 0..RETRIES {
        let m = load(db, user).await?;
        let mut state = state_of(&m);
        let ended = state.settle(now_ms(), &settings_of(&m).cadence());
        if ended.is_empty() && state == state_of(&m) {
            return Ok(snapshot(&m, Vec::new()));
        }
        if let Some((saved, ids)) = persist(db, &m, |a| write_state(a, &state), &ended).await? {
            let snap = snapshot(&saved, ids);
            hub.publish(user, &snap);
            return Ok(snap);
        }
    }
    Err(AppError::internal("timer kept changing while settling"))
}

/// Applies a timer command.
pub async fn command(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    command: &str,
    phase: Option<&str>,
) -> Result<TimerSnapshot, AppError> {
    let command = match (
        command,
        Command::parse(command, phase.and_then(Phase::parse)),
    ) {
        (_, Some(c)) => c,
        ("select", None) => {
            return Err(AppError::validation(
                "phase",
                crate::i18n::t().timer.choose_phase,
            ));
        }
        _ => {
            return Err(AppError::validation(
                "command",
                crate::i18n::t().timer.unknown_command,
            ));
        }
    };
    for _ in 0..RETRIES {
        let m = load(db, user).await?;
        let mut state = state_of(&m);
        let ended = state
            .apply(command, now_ms(), &settings_of(&m).cadence())
            .map_err(|e| AppError::validation("command", e.to_string()))?;
        if let Some((saved, ids)) = persist(db, &m, |a| write_state(a, &state), &ended).await? {
            let snap = snapshot(&saved, ids);
            hub.publish(user, &snap);
            return Ok(snap);
        }
    }
    Err(AppError::internal("timer kept changing"))
}

async fn own_task(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: &str,
) -> Result<task::Model, AppError> {
    let id = parse_id(raw)?;
    task::Entity::find_by_id(id)
        .filter(task::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub(crate) async fn own_tag(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: &str,
) -> Result<tag::Model, AppError> {
    let id = parse_id(raw)?;
    tag::Entity::find_by_id(id)
        .filter(tag::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The caller's tags named by comma-separated ids (each must be theirs), without repeats.
pub(crate) async fn own_tags(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: Option<&str>,
) -> Result<Vec<Uuid>, AppError> {
    let mut ids = Vec::new();
    for part in raw
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let t = own_tag(db, user, part).await?;
        if !ids.contains(&t.id) {
            ids.push(t.id);
        }
    }
    Ok(ids)
}

pub async fn set_current_task(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    raw: Option<&str>,
) -> Result<TimerSnapshot, AppError> {
    let task_id = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(own_task(db, user, raw).await?.id),
        None => None,
    };
    update_timer(db, hub, user, move |a| a.task_id = Set(task_id)).await
}

async fn update_timer(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    change: impl Fn(&mut focus_timer::ActiveModel),
) -> Result<TimerSnapshot, AppError> {
    for _ in 0..RETRIES {
        let m = load(db, user).await?;
        if let Some((saved, _)) = persist(db, &m, &change, &[]).await? {
            let snap = snapshot(&saved, Vec::new());
            hub.publish(user, &snap);
            return Ok(snap);
        }
    }
    Err(AppError::internal("timer kept changing"))
}

/// The settings form as typed.
pub struct SettingsForm {
    pub focus_min: String,
    pub short_break_min: String,
    pub long_break_min: String,
    pub long_break_every: String,
    pub auto_start_breaks: Option<String>,
    pub auto_start_focus: Option<String>,
    pub sound: String,
    pub volume: String,
    pub notify: Option<String>,
    pub daily_goal: String,
}

/// Validates the settings; every bad field is named.
pub fn parse_settings(f: SettingsForm) -> Result<FocusSettings, AppError> {
    let t = &crate::i18n::t().timer;
    let mut errors = Vec::new();
    // `message`: one of the `range*` texts.
    let mut int = |field: &'static str, raw: &str, lo: i64, hi: i64, message: &str| -> i64 {
        match raw.trim().parse::<i64>() {
            Ok(v) if (lo..=hi).contains(&v) => v,
            _ => {
                errors.push(FieldError {
                    field: field.into(),
                    message: crate::i18n::fill(message, &[("lo", &lo), ("hi", &hi)]),
                });
                lo
            }
        }
    };
    let settings = FocusSettings {
        focus_min: int("focus_min", &f.focus_min, 1, 180, t.range_minutes),
        short_break_min: int(
            "short_break_min",
            &f.short_break_min,
            1,
            180,
            t.range_minutes,
        ),
        long_break_min: int("long_break_min", &f.long_break_min, 1, 180, t.range_minutes),
        long_break_every: int("long_break_every", &f.long_break_every, 1, 12, t.range),
        auto_start_breaks: ticked(&f.auto_start_breaks),
        auto_start_focus: ticked(&f.auto_start_focus),
        sound: f.sound.trim().to_owned(),
        volume: int("volume", &f.volume, 0, 100, t.range),
        notify: ticked(&f.notify),
        daily_goal: int("daily_goal", &f.daily_goal, 1, 48, t.range_sessions),
    };
    if !SOUNDS.contains(&settings.sound.as_str()) {
        errors.push(FieldError {
            field: "sound".into(),
            message: t.choose_sound.into(),
        });
    }
    if errors.is_empty() {
        Ok(settings)
    } else {
        Err(AppError::Validation { fields: errors })
    }
}

pub async fn save_settings(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    s: FocusSettings,
) -> Result<TimerSnapshot, AppError> {
    update_timer(db, hub, user, move |a| {
        a.focus_min = Set(s.focus_min as i32);
        a.short_break_min = Set(s.short_break_min as i32);
        a.long_break_min = Set(s.long_break_min as i32);
        a.long_break_every = Set(s.long_break_every as i32);
        a.auto_start_breaks = Set(s.auto_start_breaks);
        a.auto_start_focus = Set(s.auto_start_focus);
        a.sound = Set(s.sound.clone());
        a.volume = Set(s.volume as i32);
        a.notify = Set(s.notify);
        a.daily_goal = Set(s.daily_goal as i32);
    })
    .await
}

fn task_title(raw: &str) -> Result<String, AppError> {
    let tx = &crate::i18n::t().timer;
    let t = raw.trim();
    match t.chars().count() {
        0 => Err(AppError::validation("title", tx.task_name_required)),
        1..=200 => Ok(t.to_owned()),
        _ => Err(AppError::validation(
            "title",
            crate::i18n::fill(tx.too_long, &[("n", &200)]),
        )),
    }
}

fn estimate(raw: &str) -> Result<i32, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    match raw.parse::<i32>() {
        Ok(v) if (0..=99).contains(&v) => Ok(v),
        _ => Err(AppError::validation(
            "estimate",
            crate::i18n::t().timer.estimate_invalid,
        )),
    }
}

/// Completed focus sessions per task of `user` (only task `only`, when given).
async fn actual_counts(
    db: &DatabaseConnection,
    user: Uuid,
    only: Option<Uuid>,
) -> Result<HashMap<Uuid, i64>, AppError> {
    let mut q = focus_session::Entity::find()
        .select_only()
        .column(focus_session::Column::TaskId)
        .column_as(focus_session::Column::Id.count(), "n")
        .filter(focus_session::Column::UserId.eq(user))
        .filter(focus_session::Column::Completed.eq(true));
    q = match only {
        Some(task) => q.filter(focus_session::Column::TaskId.eq(task)),
        None => q.filter(focus_session::Column::TaskId.is_not_null()),
    };
    let rows: Vec<(Option<Uuid>, i64)> = q
        .group_by(focus_session::Column::TaskId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

fn task_view(t: &task::Model, counts: &HashMap<Uuid, i64>) -> TaskView {
    TaskView {
        id: t.id,
        title: t.title.clone(),
        estimate: t.estimate.into(),
        actual: counts.get(&t.id).copied().unwrap_or(0),
        position: t.position.into(),
        completed_at: t.completed_at.map(|d| d.with_timezone(&Utc)),
    }
}

pub async fn list_tasks(db: &DatabaseConnection, user: Uuid) -> Result<Vec<TaskView>, AppError> {
    let counts = actual_counts(db, user, None).await?;
    let open = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.is_null())
        .order_by_asc(task::Column::Position)
        .all(db)
        .await?;
    let done = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.is_not_null())
        .order_by_desc(task::Column::CompletedAt)
        .limit(50)
        .all(db)
        .await?;
    Ok(open
        .iter()
        .chain(done.iter())
        .map(|t| task_view(t, &counts))
        .collect())
}

async fn one_task_view(
    db: &DatabaseConnection,
    user: Uuid,
    t: &task::Model,
) -> Result<TaskView, AppError> {
    Ok(task_view(t, &actual_counts(db, user, Some(t.id)).await?))
}

pub async fn create_task(
    db: &DatabaseConnection,
    user: Uuid,
    title: &str,
    est: &str,
) -> Result<TaskView, AppError> {
    let (title, est) = both(task_title(title), estimate(est))?;
    let last: Option<i32> = task::Entity::find()
        .select_only()
        .column_as(task::Column::Position.max(), "p")
        .filter(task::Column::UserId.eq(user))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let now = Utc::now().fixed_offset();
    let t = task::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        title: Set(title),
        estimate: Set(est),
        position: Set(last.map_or(0, |p| p + 1)),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    one_task_view(db, user, &t).await
}

/// Both results, or every field error of the two.
fn both<A, B>(a: Result<A, AppError>, b: Result<B, AppError>) -> Result<(A, B), AppError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(AppError::Validation { fields: mut x }), Err(AppError::Validation { fields: y })) => {
            x.extend(y);
            Err(AppError::Validation { fields: x })
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}

pub async fn update_task(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    title: &str,
    est: &str,
) -> Result<TaskView, AppError> {
    let t = own_task(db, user, id).await?;
    let (title, est) = both(task_title(title), estimate(est))?;
    let mut a = t.into_active_model();
    a.title = Set(title);
    a.estimate = Set(est);
    a.updated_at = Set(Utc::now().fixed_offset());
    let t = a.update(db).await?;
    one_task_view(db, user, &t).await
}

pub async fn complete_task(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    done: bool,
) -> Result<TaskView, AppError> {
    let t = own_task(db, user, id).await?;
    let now = Utc::now().fixed_offset();
    let mut a = t.into_active_model();
    a.completed_at = Set(done.then_some(now));
    a.updated_at = Set(now);
    let t = a.update(db).await?;
    one_task_view(db, user, &t).await
}

pub async fn delete_task(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    id: &str,
) -> Result<(), AppError> {
    let t = own_task(db, user, id).await?;
    let m = load(db, user).await?;
    if m.task_id == Some(t.id) {
        update_timer(db, hub, user, |a| a.task_id = Set(None)).await?;
    }
    // Its sessions stay in the history, without the task (ON DELETE SET NULL).
    focus_session::Entity::update_many()
        .col_expr(
            focus_session::Column::TaskId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(focus_session::Column::TaskId.eq(t.id))
        .exec(db)
        .await?;
    task::Entity::delete_by_id(t.id).exec(db).await?;
    Ok(())
}

pub async fn move_task(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    direction: &str,
) -> Result<Vec<TaskView>, AppError> {
    let t = own_task(db, user, id).await?;
    let mut q = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.is_null());
    q = match direction {
        "up" => q
            .filter(task::Column::Position.lt(t.position))
            .order_by_desc(task::Column::Position),
        "down" => q
            .filter(task::Column::Position.gt(t.position))
            .order_by_asc(task::Column::Position),
        _ => {
            return Err(AppError::validation(
                "direction",
                crate::i18n::t().timer.direction_invalid,
            ));
        }
    };
    if let Some(other) = q.one(db).await? {
        let txn = db.begin().await?;
        let (p1, p2) = (t.position, other.position);
        let mut a = t.into_active_model();
        a.position = Set(p2);
        a.update(&txn).await?;
        let mut b = other.into_active_model();
        b.position = Set(p1);
        b.update(&txn).await?;
        txn.commit().await?;
    }
    list_tasks(db, user).await
}

fn tag_view(t: &tag::Model) -> TagView {
    TagView {
        id: t.id,
        name: t.name.clone(),
        colour: t.colour.clone(),
    }
}

pub async fn list_tags(db: &DatabaseConnection, user: Uuid) -> Result<Vec<TagView>, AppError> {
    Ok(tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .order_by_asc(tag::Column::NameCanonical)
        .all(db)
        .await?
        .iter()
        .map(tag_view)
        .collect())
}

fn tag_name(raw: &str) -> Result<String, AppError> {
    let t = &crate::i18n::t().timer;
    let n = raw.trim();
    match n.chars().count() {
        0 => Err(AppError::validation("name", t.tag_name_required)),
        1..=32 => Ok(n.to_owned()),
        _ => Err(AppError::validation(
            "name",
            crate::i18n::fill(t.too_long, &[("n", &32)]),
        )),
    }
}

fn colour(raw: &str) -> Result<String, AppError> {
    let c = raw.trim().to_lowercase();
    let ok = c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit());
    if ok {
        Ok(c)
    } else {
        Err(AppError::validation(
            "colour",
            crate::i18n::t().timer.colour_invalid,
        ))
    }
}

pub async fn create_tag(
    db: &DatabaseConnection,
    user: Uuid,
    name: &str,
    col: &str,
) -> Result<TagView, AppError> {
    let (name, col) = both(tag_name(name), colour(col))?;
    let duplicate = || AppError::validation("name", crate::i18n::t().timer.tag_exists);
    let canonical = name.to_lowercase();
    let exists = tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .filter(tag::Column::NameCanonical.eq(canonical.clone()))
        .one(db)
        .await?
        .is_some();
    if exists {
        return Err(duplicate());
    }
    let t = tag::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        name: Set(name),
        name_canonical: Set(canonical),
        colour: Set(col),
        created_at: Set(Utc::now().fixed_offset()),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if e.sql_err().is_some() {
            duplicate()
        } else {
            e.into()
        }
    })?;
    Ok(tag_view(&t))
}

pub async fn delete_tag(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let t = own_tag(db, user, id).await?;
    let txn = db.begin().await?;
    focus_session_tag::Entity::delete_many()
        .filter(focus_session_tag::Column::TagId.eq(t.id))
        .exec(&txn)
        .await?;
    tag::Entity::delete_by_id(t.id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

pub(crate) async fn session_views(
    db: &DatabaseConnection,
    user: Uuid,
    sessions: Vec<focus_session::Model>,
) -> Result<Vec<SessionView>, AppError> {
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let tags: HashMap<Uuid, TagView> = list_tags(db, user)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let links = focus_session_tag::Entity::find()
        .filter(focus_session_tag::Column::SessionId.is_in(ids))
        .all(db)
        .await?;
    let titles: HashMap<Uuid, String> = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.title))
        .collect();
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            started_at: s.started_at,
            ended_at: s.ended_at,
            focused_seconds: s.focused_seconds.into(),
            completed: s.completed,
            task_id: s.task_id,
            task_title: s.task_id.and_then(|id| titles.get(&id).cloned()),
            note: s.note,
            day: s.day,
            tags: links
                .iter()
                .filter(|l| l.session_id == s.id)
                .filter_map(|l| tags.get(&l.tag_id).cloned())
                .collect(),
        })
        .collect())
}

pub async fn recent_sessions(
    db: &DatabaseConnection,
    user: Uuid,
    limit: u64,
) -> Result<Vec<SessionView>, AppError> {
    let sessions = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .order_by_desc(focus_session::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await?;
    session_views(db, user, sessions).await
}

pub async fn annotate_session(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    note: Option<&str>,
    tag_ids: Option<&str>,
    task_id: Option<&str>,
) -> Result<SessionView, AppError> {
    let session = focus_session::Entity::find_by_id(parse_id(id)?)
        .filter(focus_session::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::validation(
            "note",
            crate::i18n::t().timer.note_too_long,
        ));
    }
    let tags = own_tags(db, user, tag_ids).await?;
    let task = match task_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(own_task(db, user, raw).await?.id),
        None => session.task_id,
    };
    let txn = db.begin().await?;
    let mut a = session.into_active_model();
    a.note = Set(note.map(str::to_owned));
    a.task_id = Set(task);
    let session = a.update(&txn).await?;
    focus_session_tag::Entity::delete_many()
        .filter(focus_session_tag::Column::SessionId.eq(session.id))
        .exec(&txn)
        .await?;
    for tag_id in tags {
        focus_session_tag::ActiveModel {
            session_id: Set(session.id),
            tag_id: Set(tag_id),
        }
        .insert(&txn)
        .await?;
    }
    crate::diary::ssr::refresh_focus_day(&txn, user, session.day).await?;
    txn.commit().await?;
    session_views(db, user, vec![session])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("annotated session vanished"))
}
