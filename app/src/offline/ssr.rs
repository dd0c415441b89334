//! Server side of offline sync: each record is settled in its own transaction, by the id the
//! browser gave it, so a repeated upload finds it stored and changes nothing.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use uuid::Uuid;

use super::{
    LocalTimer, MAX_BATCH, OfflineRecord, OfflineSession, Outcome, RecordResult, SyncReport,
};
use crate::{
    AppError,
    account::ssr::time::rule_for,
    diary::entities::{checkin, habit},
    focus::{
        engine::{Run, TimerState},
        ssr::{
            FocusHub, focus_session, load, persist, record_session, settle_and_snapshot, state_of,
            task, write_state,
        },
    },
    time::DayRule,
};

/// Records older than this are refused: an outbox is emptied at the next connection, and
/// nothing stays offline for months.
const MAX_AGE_MS: i64 = 90 * 86_400_000;
/// Allowance for a browser clock that runs ahead of the server's.
const CLOCK_SKEW_MS: i64 = 10 * 60_000;
/// No focus phase lasts longer (the longest setting is 180 minutes, plus pauses).
const MAX_SESSION_MS: i64 = 24 * 3_600_000;

pub async fn sync(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    timer: Option<LocalTimer>,
    records: Vec<OfflineRecord>,
) -> Result<SyncReport, AppError> {
    if records.len() > MAX_BATCH {
        return Err(AppError::validation(
            "records",
            crate::i18n::fill(crate::i18n::t().offline.too_many, &[("max", &MAX_BATCH)]),
        ));
    }
    let now = Utc::now().timestamp_millis();
    // The timer first: once this browser's timer is adopted, the server never completes the
    // phase this browser already completed (and recorded) offline.
    let timer_kept_server = match timer {
        Some(local) => !adopt_timer(db, hub, user, local, now).await?,
        None => false,
    };
    let rule = rule_for(db, user).await?;
    let mut results = Vec::with_capacity(records.len());
    for record in &records {
        let outcome = match record {
            OfflineRecord::Session(s) => save_session(db, user, s, &rule, now).await?,
            OfflineRecord::Checkin { id, habit_id, day } => {
                save_checkin(db, user, *id, *habit_id, *day, rule.day_of(now)).await?
            }
        };
        results.push(RecordResult {
            id: record.id(),
            outcome,
        });
    }
    if results.iter().any(|r| r.outcome == Outcome::Saved) {
        hub.records_changed(user);
    }
    let snapshot = settle_and_snapshot(db, hub, user).await?;
    Ok(SyncReport {
        records: results,
        timer: snapshot,
        timer_kept_server,
    })
}

/// Takes the browser's timer if the server's is still the one it went offline with (or is
/// already this very timer: a repeated upload). `false` = the server's timer was kept.
async fn adopt_timer(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    local: LocalTimer,
    now: i64,
) -> Result<bool, AppError> {
    if !plausible_state(&local.state, now) {
        return Ok(false);
    }
    let task_id = own_task(db, user, local.task_id).await?;
    let m = load(db, user).await?;
    if state_of(&m) == local.state && m.task_id == task_id {
        return Ok(true);
    }
    if m.version != local.base_version {
        return Ok(false);
    }
    let adopted = persist(
        db,
        &m,
        |a| {
            write_state(a, &local.state);
            a.task_id = Set(task_id);
        },
        &[],
    )
    .await?;
    match adopted {
        Some((saved, _)) => {
            hub.publish(user, &crate::focus::ssr::snapshot(&saved, Vec::new()));
            Ok(true)
        }
        // Someone changed it between the read and the write: theirs stays.
        None => Ok(false),
    }
}

/// `task` if it is one of the user's tasks (it may have been deleted while offline).
async fn own_task(
    db: &impl ConnectionTrait,
    user: Uuid,
    task: Option<Uuid>,
) -> Result<Option<Uuid>, AppError> {
    let Some(id) = task else { return Ok(None) };
    Ok(task::Entity::find_by_id(id)
        .filter(task::Column::UserId.eq(user))
        .one(db)
        .await?
        .map(|t| t.id))
}

/// Whether a timer's instants are ones a browser could have produced.
fn plausible_state(s: &TimerState, now: i64) -> bool {
    let near = |t: i64| t > now - MAX_AGE_MS && t < now + MAX_SESSION_MS;
    (0..=1_000).contains(&s.focus_done_in_cycle)
        && match s.run {
            Run::Idle => true,
            Run::Running {
                started_at,
                planned_end,
                paused_total,
            } => near(started_at) && near(planned_end) && paused_total >= 0,
            Run::Paused {
                started_at,
                planned_end,
                paused_at,
                paused_total,
            } => near(started_at) && near(planned_end) && near(paused_at) && paused_total >= 0,
        }
}

async fn save_session(
    db: &DatabaseConnection,
    user: Uuid,
    s: &OfflineSession,
    rule: &DayRule,
    now: i64,
) -> Result<Outcome, AppError> {
    let ended = s.ended();
    let (started_at, ended_at) = (ended.started_at, ended.ended_at);
    let length = ended_at - started_at;
    if length <= 0
        || length > MAX_SESSION_MS
        || !(0..=length).contains(&ended.focused_ms)
        || started_at < now - MAX_AGE_MS
        || ended_at > now + CLOCK_SKEW_MS
    {
        return Ok(Outcome::Invalid);
    }
    // The account's lock first: another device's upload of the same span waits for this
    // one instead of passing the overlap check beside it (and on SQLite the write lock is
    // taken before any read, so neither transaction fails to upgrade its own).
    let txn = db.begin().await?;
    crate::account::ssr::lock_account(&txn, user).await?;
    if let Some(existing) = focus_session::Entity::find_by_id(s.id).one(&txn).await? {
        let same = existing.user_id == user
            && existing.started_at == started_at
            && existing.ended_at == ended_at;
        return Ok(if same {
            Outcome::AlreadySaved
        } else {
            Outcome::Invalid
        });
    }
    let overlapping = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .filter(focus_session::Column::StartedAt.lt(ended_at))
        .filter(focus_session::Column::EndedAt.gt(started_at))
        .count(&txn)
        .await?;
    if overlapping > 0 {
        return Ok(Outcome::Overlaps);
    }
    // A task deleted meanwhile: the session is kept, without it.
    let task_id = own_task(&txn, user, s.task_id).await?;
    let stored = record_session(&txn, user, s.id, task_id, &ended, Some(rule)).await?;
    txn.commit().await?;
    // Not stored: a concurrent upload of the same record got there first.
    Ok(if stored {
        Outcome::Saved
    } else {
        Outcome::AlreadySaved
    })
}

async fn save_checkin(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
    habit_id: Uuid,
    day: NaiveDate,
    today: NaiveDate,
) -> Result<Outcome, AppError> {
    // A day ahead is allowed: the browser's day may start before the server's rules say so.
    let too_old = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN);
    if day > today + chrono::Days::new(1) || day < too_old {
        return Ok(Outcome::Invalid);
    }
    let txn = db.begin().await?;
    crate::account::ssr::lock_account(&txn, user).await?;
    if let Some(existing) = checkin::Entity::find_by_id(id).one(&txn).await? {
        let same = existing.user_id == user && existing.habit_id == habit_id && existing.day == day;
        return Ok(if same {
            Outcome::AlreadySaved
        } else {
            Outcome::Invalid
        });
    }
    let Some(h) = habit::Entity::find_by_id(habit_id)
        .filter(habit::Column::UserId.eq(user))
        .one(&txn)
        .await?
    else {
        return Ok(Outcome::HabitGone);
    };
    let taken = checkin::Entity::find()
        .filter(checkin::Column::HabitId.eq(h.id))
        .filter(checkin::Column::Day.eq(day))
        .count(&txn)
        .await?;
    if taken > 0 {
        return Ok(Outcome::AlreadyCheckedIn);
    }
    // Checking in before the habit existed moves its start back, as online check-ins do.
    if day < h.start_day {
        let mut a = h.clone().into_active_model();
        a.start_day = Set(day);
        a.update(&txn).await?;
    }
    let now = Utc::now().fixed_offset();
    let inserted = checkin::Entity::insert(checkin::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        habit_id: Set(h.id),
        day: Set(day),
        note: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok(
        if matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
            Outcome::Saved
        } else {
            Outcome::AlreadyCheckedIn
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plausible_timers_are_adopted() {
        let now = 1_800_000_000_000;
        let idle = TimerState::default();
        assert!(plausible_state(&idle, now));
        let running = |started_at: i64| TimerState {
            run: Run::Running {
                started_at,
                planned_end: started_at + 1_500_000,
                paused_total: 0,
            },
            ..idle
        };
        assert!(plausible_state(&running(now - 60_000), now));
        assert!(!plausible_state(&running(0), now));
        assert!(!plausible_state(&running(now + 2 * MAX_SESSION_MS), now));
    }
}
