//! The year in review, from the day roll-ups (the same sums the statistics page reads, so
//! the two agree), the sessions of the year (for the busiest hour), check-ins, entries and
//! letters; and sharing it.

use std::collections::{BTreeSet, HashMap};

use chrono::{Datelike, NaiveDate, TimeZone, Timelike};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QuerySelect, QueryTrait, Set,
};
use uuid::Uuid;

use super::{OnThisDay, TagUse, YearView, entities::year_share};
use crate::{
    AppError,
    account::ssr::{entities::user_account, time::rule_for},
    clock::now_ms,
    diary::{
        Bar, StreakFigure,
        entities::{checkin, checkin_tag, diary_entry, diary_entry_tag, habit},
        ssr::schedule_of,
        streaks::habit_stats,
    },
    focus::{
        MIN_COUNTED_FOCUS_SECS,
        entities::{focus_day, focus_session, focus_session_tag, focus_tag_day, tag},
    },
    i18n::{DateStyle, date, fill, t},
    letters::{LetterForm, LetterStatus, entities::letter},
};

fn minutes(seconds: i64) -> i64 {
    (seconds + 30) / 60
}

/// The first day of `year` and of the next, or `None` outside the years Ripen keeps.
fn bounds(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    if !(1970..=9998).contains(&year) {
        return None;
    }
    Some((
        NaiveDate::from_ymd_opt(year, 1, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?,
    ))
}

/// The caller's own year (empty when nothing was recorded in it; 404 outside the years
/// Ripen keeps).
pub async fn own_year(
    db: &DatabaseConnection,
    user: Uuid,
    year: i32,
) -> Result<YearView, AppError> {
    // 0: this year, by the person's days.
    let year = if year == 0 {
        rule_for(db, user).await?.day_of(now_ms()).year()
    } else {
        year
    };
    let mut v = year_of(db, user, year, true).await?;
    v.years = years_of(db, user).await?;
    v.shared_path = year_share::Entity::find_by_id((user, year))
        .one(db)
        .await?
        .map(|s| format!("/y/{}", s.token));
    Ok(v)
}

/// A shared year, by its link's token; it shows no diary text.
pub async fn shared_year(db: &DatabaseConnection, token: &str) -> Result<YearView, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 64 {
        return Err(AppError::NotFound);
    }
    let share = year_share::Entity::find()
        .filter(year_share::Column::Token.eq(token))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = user_account::Entity::find_by_id(share.user_id)
        .one(db)
        .await?
        .filter(|u| u.deleted_ms.is_none())
        .ok_or(AppError::NotFound)?;
    let mut v = year_of(db, share.user_id, share.year, false).await?;
    v.owner = Some(owner.username);
    Ok(v)
}

/// Shares the year (a new unguessable link, kept while shared) or stops sharing it.
pub async fn share(
    db: &DatabaseConnection,
    user: Uuid,
    year: i32,
    on: bool,
) -> Result<Option<String>, AppError> {
    if own_year(db, user, year).await?.is_empty() {
        return Err(AppError::validation("year", t().progress.year_empty));
    }
    let existing = year_share::Entity::find_by_id((user, year)).one(db).await?;
    match (on, existing) {
        (true, Some(s)) => Ok(Some(format!("/y/{}", s.token))),
        (true, None) => {
            let token = Uuid::new_v4().simple().to_string();
            year_share::ActiveModel {
                user_id: Set(user),
                year: Set(year),
                token: Set(token.clone()),
                created_ms: Set(now_ms()),
            }
            .insert(db)
            .await?;
            Ok(Some(format!("/y/{token}")))
        }
        (false, _) => {
            year_share::Entity::delete_by_id((user, year))
                .exec(db)
                .await?;
            Ok(None)
        }
    }
}

/// A letter to next year's self, seeded with the year's figures.
pub async fn seed(db: &DatabaseConnection, user: Uuid, year: i32) -> Result<LetterForm, AppError> {
    let v = own_year(db, user, year).await?;
    let g = &t().progress;
    let best = v.best_streaks.first().map_or_else(
        || "—".to_owned(),
        |s| format!("{} ({})", s.habit, s.unit.count(s.current)),
    );
    let hours = format!("{:.1}", v.focus_minutes as f64 / 60.0);
    Ok(LetterForm {
        title: fill(g.seed_title, &[("year", &(year + 1))]),
        body: fill(
            g.seed_body,
            &[
                ("year", &year),
                ("hours", &hours),
                ("sessions", &v.sessions),
                ("entries", &v.entries),
                ("best", &best),
            ],
        ),
        deliver_date: format!("{}-01-01", year + 1),
        deliver_time: "09:00".into(),
        to_self: true,
        ..LetterForm::default()
    })
}

/// The years from the first record to this one, newest first.
async fn years_of(db: &DatabaseConnection, user: Uuid) -> Result<Vec<i32>, AppError> {
    let today = rule_for(db, user).await?.day_of(now_ms());
    let firsts: [Option<NaiveDate>; 3] = [
        focus_day::Entity::find()
            .select_only()
            .column_as(focus_day::Column::Day.min(), "d")
            .filter(focus_day::Column::UserId.eq(user))
            .into_tuple()
            .one(db)
            .await?
            .flatten(),
        checkin::Entity::find()
            .select_only()
            .column_as(checkin::Column::Day.min(), "d")
            .filter(checkin::Column::UserId.eq(user))
            .into_tuple()
            .one(db)
            .await?
            .flatten(),
        diary_entry::Entity::find()
            .select_only()
            .column_as(diary_entry::Column::Day.min(), "d")
            .filter(diary_entry::Column::UserId.eq(user))
            .into_tuple()
            .one(db)
            .await?
            .flatten(),
    ];
    let first = firsts
        .into_iter()
        .flatten()
        .min()
        .map_or(today.year(), |d| d.year());
    Ok((first..=today.year()).rev().collect())
}

/// Everything the page shows of `user`'s `year`; the diary's text only for its `owner`.
async fn year_of(
    db: &DatabaseConnection,
    user: Uuid,
    year: i32,
    owner: bool,
) -> Result<YearView, AppError> {
    let (from, to) = bounds(year).ok_or(AppError::NotFound)?;
    let rule = rule_for(db, user).await?;
    let today = rule.day_of(now_ms());
    let tz: chrono_tz::Tz = rule.timezone().parse().unwrap_or(chrono_tz::UTC);

    // Focus, from the day roll-ups.
    let days = focus_day::Entity::find()
        .filter(focus_day::Column::UserId.eq(user))
        .filter(focus_day::Column::Day.gte(from))
        .filter(focus_day::Column::Day.lt(to))
        .all(db)
        .await?;
    let mut months = [0i64; 12];
    for d in &days {
        months[d.day.month0() as usize] += d.focus_seconds;
    }
    let by_month = months
        .iter()
        .enumerate()
        .map(|(m, s)| Bar {
            label: NaiveDate::from_ymd_opt(year, u32::try_from(m).unwrap_or(0) + 1, 1)
                .map(|d| date(&d, DateStyle::MonthYear))
                .unwrap_or_default(),
            value: minutes(*s) as f64,
        })
        .collect();
    let busiest_day = days
        .iter()
        .filter(|d| d.focus_seconds > 0)
        .max_by_key(|d| (d.focus_seconds, std::cmp::Reverse(d.day)))
        .map(|d| (date(&d.day, DateStyle::Long), minutes(d.focus_seconds)));

    let names: HashMap<Uuid, String> = tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut per_tag: HashMap<Uuid, i64> = HashMap::new();
    for (t, s) in focus_tag_day::Entity::find()
        .select_only()
        .column(focus_tag_day::Column::TagId)
        .column(focus_tag_day::Column::FocusSeconds)
        .filter(focus_tag_day::Column::UserId.eq(user))
        .filter(focus_tag_day::Column::Day.gte(from))
        .filter(focus_tag_day::Column::Day.lt(to))
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await?
    {
        *per_tag.entry(t).or_default() += s;
    }
    let mut tag_minutes: Vec<(String, i64)> = per_tag
        .into_iter()
        .filter_map(|(t, s)| names.get(&t).map(|n| (n.clone(), minutes(s))))
        .filter(|(_, m)| *m > 0)
        .collect();
    tag_minutes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let by_tag = tag_minutes
        .into_iter()
        .take(8)
        .map(|(label, m)| Bar {
            label,
            value: m as f64,
        })
        .collect();

    // The busiest hour, from the sessions that count (by where they started).
    let counted = || {
        focus_session::Entity::find()
            .filter(focus_session::Column::UserId.eq(user))
            .filter(focus_session::Column::Day.gte(from))
            .filter(focus_session::Column::Day.lt(to))
            .filter(focus_session::Column::FocusedSeconds.gte(MIN_COUNTED_FOCUS_SECS))
    };
    let mut hours = [0i64; 24];
    for (started, secs) in counted()
        .select_only()
        .column(focus_session::Column::StartedAt)
        .column(focus_session::Column::FocusedSeconds)
        .into_tuple::<(i64, i32)>()
        .all(db)
        .await?
    {
        if let chrono::LocalResult::Single(at) = tz.timestamp_millis_opt(started) {
            hours[at.hour() as usize] += i64::from(secs);
        }
    }
    let busiest_hour = hours
        .iter()
        .enumerate()
        .filter(|(_, s)| **s > 0)
        .max_by_key(|(h, s)| (**s, std::cmp::Reverse(*h)))
        .map(|(h, s)| (u32::try_from(h).unwrap_or(0), minutes(*s)));

    // Tags on the most records of the year.
    let mut uses: HashMap<Uuid, i64> = HashMap::new();
    let sessions_q = counted()
        .select_only()
        .column(focus_session::Column::Id)
        .into_query();
    for (t,) in focus_session_tag::Entity::find()
        .select_only()
        .column(focus_session_tag::Column::TagId)
        .filter(focus_session_tag::Column::SessionId.in_subquery(sessions_q))
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *uses.entry(t).or_default() += 1;
    }
    let in_year_checkins = checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::Day.gte(from))
        .filter(checkin::Column::Day.lt(to));
    for (t,) in checkin_tag::Entity::find()
        .select_only()
        .column(checkin_tag::Column::TagId)
        .filter(
            checkin_tag::Column::CheckinId.in_subquery(
                in_year_checkins
                    .clone()
                    .select_only()
                    .column(checkin::Column::Id)
                    .into_query(),
            ),
        )
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *uses.entry(t).or_default() += 1;
    }
    let in_year_entries = diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.gte(from))
        .filter(diary_entry::Column::Day.lt(to));
    for (t,) in diary_entry_tag::Entity::find()
        .select_only()
        .column(diary_entry_tag::Column::TagId)
        .filter(
            diary_entry_tag::Column::EntryId.in_subquery(
                in_year_entries
                    .clone()
                    .select_only()
                    .column(diary_entry::Column::Id)
                    .into_query(),
            ),
        )
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *uses.entry(t).or_default() += 1;
    }
    let mut top_tags: Vec<TagUse> = uses
        .into_iter()
        .filter_map(|(t, n)| {
            names.get(&t).map(|name| TagUse {
                tag: name.clone(),
                uses: n,
            })
        })
        .collect();
    top_tags.sort_by(|a, b| b.uses.cmp(&a.uses).then(a.tag.cmp(&b.tag)));
    top_tags.truncate(5);

    // Habits: each one's best streak within the year.
    let checkins: Vec<(Uuid, NaiveDate)> = in_year_checkins
        .select_only()
        .column(checkin::Column::HabitId)
        .column(checkin::Column::Day)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_habit: HashMap<Uuid, BTreeSet<NaiveDate>> = HashMap::new();
    for (h, d) in &checkins {
        by_habit.entry(*h).or_default().insert(*d);
    }
    let last = (to - chrono::Days::new(1)).min(today);
    let mut best_streaks: Vec<StreakFigure> = habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|h| {
            let days = by_habit.remove(&h.id)?;
            let s = habit_stats(schedule_of(&h), h.start_day.max(from), last, &days);
            (s.best > 0).then_some(StreakFigure {
                habit: h.name,
                current: s.best,
                unit: s.unit,
            })
        })
        .collect();
    best_streaks.sort_by(|a, b| b.current.cmp(&a.current).then(a.habit.cmp(&b.habit)));

    let entries = in_year_entries.clone().count(db).await?;

    // Letters: written (scheduled at least once) and delivered to oneself in the year.
    let (from_ms, to_ms) = (rule.day_start_ms(from), rule.day_start_ms(to));
    let letters_written = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .filter(letter::Column::Status.ne(LetterStatus::Draft))
        .filter(letter::Column::CreatedMs.gte(from_ms))
        .filter(letter::Column::CreatedMs.lt(to_ms))
        .count(db)
        .await?;
    let letters_received = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .filter(letter::Column::ToSelf.eq(true))
        .filter(letter::Column::Status.eq(LetterStatus::Delivered))
        .filter(letter::Column::DeliveredMs.gte(from_ms))
        .filter(letter::Column::DeliveredMs.lt(to_ms))
        .count(db)
        .await?;

    let on_this_day = match NaiveDate::from_ymd_opt(year, today.month(), today.day()) {
        Some(day) if day <= today => Some(on_day(db, user, day, owner).await?),
        _ => None,
    };

    Ok(YearView {
        year,
        owner: None,
        years: Vec::new(),
        shared_path: None,
        focus_minutes: minutes(days.iter().map(|d| d.focus_seconds).sum()),
        sessions: days.iter().map(|d| i64::from(d.sessions)).sum(),
        checkins: i64::try_from(checkins.len()).unwrap_or(i64::MAX),
        entries: i64::try_from(entries).unwrap_or(i64::MAX),
        by_month,
        by_tag,
        best_streaks,
        top_tags,
        busiest_day,
        busiest_hour,
        letters_written: i64::try_from(letters_written).unwrap_or(i64::MAX),
        letters_received: i64::try_from(letters_received).unwrap_or(i64::MAX),
        on_this_day,
    })
}

/// What was recorded on `day`; the entry's excerpt only for its `owner`.
async fn on_day(
    db: &impl ConnectionTrait,
    user: Uuid,
    day: NaiveDate,
    owner: bool,
) -> Result<OnThisDay, AppError> {
    let focus = focus_day::Entity::find_by_id((user, day))
        .one(db)
        .await?
        .map_or(0, |f| minutes(f.focus_seconds));
    let habits: HashMap<Uuid, String> = habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.id, h.name))
        .collect();
    let checked_in = checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::Day.eq(day))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| habits.get(&c.habit_id).cloned())
        .collect();
    let entry = if owner {
        diary_entry::Entity::find()
            .filter(diary_entry::Column::UserId.eq(user))
            .filter(diary_entry::Column::Day.eq(day))
            .one(db)
            .await?
            .map(|e| crate::markdown::excerpt(&e.body, 200))
    } else {
        None
    };
    Ok(OnThisDay {
        day: date(&day, DateStyle::Long),
        focus_minutes: focus,
        checked_in,
        entry,
    })
}
