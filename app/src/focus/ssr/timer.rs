//! The timer itself: loading, settling (completing phases whose end has passed),
//! commands with optimistic concurrency, and its settings.

use super::*;

pub(super) fn settings_of(m: &focus_timer::Model) -> FocusSettings {
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
    let run = match (m.status, m.started_at, m.planned_end, m.paused_at) {
        (RunState::Running, Some(started_at), Some(planned_end), _) => Run::Running {
            started_at,
            planned_end,
            paused_total: m.paused_total,
        },
        (RunState::Paused, Some(started_at), Some(planned_end), Some(paused_at)) => Run::Paused {
            started_at,
            planned_end,
            paused_at,
            paused_total: m.paused_total,
        },
        _ => Run::Idle,
    };
    TimerState {
        phase: m.phase,
        run,
        focus_done_in_cycle: m.focus_done_in_cycle.into(),
    }
}
pub(crate) fn write_state(a: &mut focus_timer::ActiveModel, s: &TimerState) {
    a.phase = Set(s.phase);
    a.focus_done_in_cycle = Set(i32::try_from(s.focus_done_in_cycle).unwrap_or(0));
    let (status, started, end, paused_at, paused_total) = match s.run {
        Run::Idle => (RunState::Idle, None, None, None, 0),
        Run::Running {
            started_at,
            planned_end,
            paused_total,
        } => (
            RunState::Running,
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
            RunState::Paused,
            Some(started_at),
            Some(planned_end),
            Some(paused_at),
            paused_total,
        ),
    };
    a.status = Set(status);
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
        viewer: crate::account::ssr::viewer::viewer_key(m.user_id),
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
        phase: Set(Phase::Focus),
        status: Set(RunState::Idle),
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
        .ok_or_else(|| AppError::internal_while("loading the timer", "its row vanished"))
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
        Some(crate::account::ssr::time::rule_for(&txn, expected.user_id).await?)
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
        .ok_or_else(|| AppError::internal_while("loading the timer", "its row vanished"))?;
    // Delivered to the other instances at commit.
    super::fanout::notify_change(&txn, expected.user_id).await?;
    txn.commit().await?;
    Ok(Some((saved, ids)))
}
pub(super) const RETRIES: usize = 8;
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
            if !ids.is_empty() {
                hub.records_changed(user);
            }
            let snap = snapshot(&saved, ids);
            hub.publish(user, &snap);
            return Ok(snap);
        }
    }
    Err(AppError::internal_while(
        "settling the timer",
        "it kept changing under us",
    ))
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
            if !ids.is_empty() {
                hub.records_changed(user);
            }
            let snap = snapshot(&saved, ids);
            hub.publish(user, &snap);
            return Ok(snap);
        }
    }
    Err(AppError::internal_while(
        "changing the timer",
        "it kept changing under us",
    ))
}
pub(super) async fn update_timer(
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
    Err(AppError::internal_while(
        "changing the timer",
        "it kept changing under us",
    ))
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
