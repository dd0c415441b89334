//! A person's figures at one moment (what a letter to oneself is sealed with), and how far
//! they are toward a goal counted from a moment on (what a letter that opens on progress
//! waits for).

use super::*;
use crate::diary::{Figures, StreakFigure, TagFigure};
use crate::focus::MIN_COUNTED_FOCUS_SECS;
use sea_orm::QueryTrait;

/// What a goal counts. Focus counts only sessions long enough to count
/// ([`MIN_COUNTED_FOCUS_SECS`]), like every other figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Focus sessions recorded since, on `tag` if given.
    FocusSessions { tag: Option<Uuid> },
    /// Seconds of focus recorded since, on `tag` if given.
    FocusSeconds { tag: Option<Uuid> },
    /// The habit's current streak, in its unit (days, or weeks for a weekly habit); not
    /// counted from a moment: a streak is what it is now.
    HabitStreak { habit: Uuid },
    /// Diary entries written since.
    Entries,
}

/// How far `user` is on `m`, counting what was recorded at or after `since_ms`. Another
/// user's records never count: every query is by `user`, and a tag or habit of someone
/// else's counts nothing.
pub async fn measure(
    db: &impl ConnectionTrait,
    user: Uuid,
    m: Measure,
    since_ms: i64,
) -> Result<i64, AppError> {
    let since = chrono::DateTime::from_timestamp_millis(since_ms)
        .unwrap_or_default()
        .fixed_offset();
    match m {
        Measure::FocusSessions { tag } | Measure::FocusSeconds { tag } => {
            let mut q = focus_session::Entity::find()
                .select_only()
                .column_as(
                    Expr::col(focus_session::Column::FocusedSeconds).sum(),
                    "seconds",
                )
                .column_as(Expr::col(focus_session::Column::Id).count(), "sessions")
                .filter(focus_session::Column::UserId.eq(user))
                .filter(focus_session::Column::CreatedAt.gte(since))
                .filter(focus_session::Column::FocusedSeconds.gte(MIN_COUNTED_FOCUS_SECS));
            if let Some(tag) = tag {
                let tagged = focus_session_tag::Entity::find()
                    .select_only()
                    .column(focus_session_tag::Column::SessionId)
                    .filter(focus_session_tag::Column::TagId.eq(tag))
                    .into_query();
                q = q.filter(focus_session::Column::Id.in_subquery(tagged));
            }
            let (seconds, sessions): (Option<i64>, i64) =
                q.into_tuple().one(db).await?.unwrap_or((None, 0));
            Ok(match m {
                Measure::FocusSessions { .. } => sessions,
                _ => seconds.unwrap_or(0),
            })
        }
        Measure::HabitStreak { habit } => {
            let Some(h) = habit::Entity::find_by_id(habit)
                .filter(habit::Column::UserId.eq(user))
                .one(db)
                .await?
            else {
                return Ok(0);
            };
            let days: BTreeSet<NaiveDate> = checkin::Entity::find()
                .select_only()
                .column(checkin::Column::Day)
                .filter(checkin::Column::UserId.eq(user))
                .filter(checkin::Column::HabitId.eq(habit))
                .into_tuple::<NaiveDate>()
                .all(db)
                .await?
                .into_iter()
                .collect();
            let today = rule_for(db, user).await?.day_of(now_ms());
            Ok(habit_stats(schedule_of(&h), h.start_day, today, &days)
                .current
                .into())
        }
        Measure::Entries => Ok(diary_entry::Entity::find()
            .filter(diary_entry::Column::UserId.eq(user))
            .filter(diary_entry::Column::CreatedAt.gte(since))
            .count(db)
            .await?
            .try_into()
            .unwrap_or(i64::MAX)),
    }
}

/// `user`'s figures now, from the day roll-ups and the habits.
pub async fn figures(db: &impl ConnectionTrait, user: Uuid) -> Result<Figures, AppError> {
    let rule = rule_for(db, user).await?;
    let today = rule.day_of(now_ms());
    let month_ago = today - Duration::days(29);
    let days: Vec<(NaiveDate, i64, i32)> = focus_days(db, user).await?;
    let seconds: i64 = days.iter().map(|d| d.1).sum();
    let seconds_30d: i64 = days.iter().filter(|d| d.0 >= month_ago).map(|d| d.1).sum();
    let sessions: i64 = days.iter().map(|d| i64::from(d.2)).sum();

    let tag_rows: Vec<(Uuid, i64)> = focus_tag_day::Entity::find()
        .select_only()
        .column(focus_tag_day::Column::TagId)
        .column(focus_tag_day::Column::FocusSeconds)
        .filter(focus_tag_day::Column::UserId.eq(user))
        .filter(focus_tag_day::Column::Day.gte(month_ago))
        .into_tuple()
        .all(db)
        .await?;
    let mut per_tag: HashMap<Uuid, i64> = HashMap::new();
    for (t, s) in tag_rows {
        *per_tag.entry(t).or_default() += s;
    }
    let mut top_tags: Vec<TagFigure> = crate::focus::entities::tag::Entity::find()
        .filter(crate::focus::entities::tag::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|t| {
            per_tag.get(&t.id).map(|s| TagFigure {
                tag: t.name,
                minutes: (s + 30) / 60,
            })
        })
        .filter(|t| t.minutes > 0)
        .collect();
    top_tags.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.tag.cmp(&b.tag)));
    top_tags.truncate(3);

    let habits: Vec<habit::Model> = habits_of(db, user)
        .await?
        .into_iter()
        .filter(|h| h.archived_at.is_none())
        .collect();
    let checkins: Vec<(Uuid, NaiveDate)> = checkin::Entity::find()
        .select_only()
        .column(checkin::Column::HabitId)
        .column(checkin::Column::Day)
        .filter(checkin::Column::UserId.eq(user))
        .into_tuple()
        .all(db)
        .await?;
    let streaks = habit_days(&habits, &checkins, today)
        .into_iter()
        .filter(|(_, s)| s.current > 0)
        .map(|(h, s)| StreakFigure {
            habit: h.name,
            current: s.current,
            unit: s.unit,
        })
        .collect();
    let entries = diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .count(db)
        .await?;
    Ok(Figures {
        focus_minutes_30d: (seconds_30d + 30) / 60,
        focus_minutes: (seconds + 30) / 60,
        sessions,
        entries: i64::try_from(entries).unwrap_or(i64::MAX),
        streaks,
        top_tags,
    })
}

/// `user`'s habits that are not archived, in their order: id, name, and whether its
/// streak is counted in weeks.
pub async fn active_habits(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<(Uuid, String, bool)>, AppError> {
    Ok(habits_of(db, user)
        .await?
        .into_iter()
        .filter(|h| h.archived_at.is_none())
        .map(|h| {
            let weekly = matches!(schedule_of(&h), Schedule::TimesPerWeek { .. });
            (h.id, h.name, weekly)
        })
        .collect())
}
