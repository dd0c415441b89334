//! Server side of the diary: every function takes the caller's id and touches only rows
//! with that `user_id`; another user's ids are "not found".

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};
use uuid::Uuid;

use super::{
    CheckinView, DayView, EntryView, HabitDay, HabitView, HistoryItem, Memory, StatsView, TagTotal,
    TimeSettings,
    entities::{
        checkin, checkin_tag, diary_entry, diary_entry_tag, focus_day, focus_tag_day, habit,
    },
    mood_label,
    streaks::{HabitStats, Schedule, habit_stats},
};
use crate::{
    AppError, markdown,
    account::ssr::entities::user_account,
    components::charts::{Bar, DayValue},
    focus::{
        TagView,
        entities::{focus_session, focus_session_tag, task},
        ssr::{list_tags, own_tag, own_tags},
    },
    i18n::{DateStyle, date, fill, plural},
    request::parse_id,
    time::{DayRule, MAX_BOUNDARY_MIN, is_valid_timezone},
};

const NOTE_MAX: usize = 2000;
const BODY_MAX: usize = 20_000;
const HISTORY_LIMIT: usize = 200;

use crate::clock::now_ms;

/// The user's time rules (UTC at midnight if the stored ones are somehow invalid).
pub async fn rule_for(db: &impl ConnectionTrait, user: Uuid) -> Result<DayRule, AppError> {
    let u = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(DayRule::new(&u.timezone, u.day_boundary_min).unwrap_or_else(|_| DayRule::utc()))
}

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

fn clean_note(note: Option<&str>, field: &str) -> Result<Option<String>, AppError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX) {
        return Err(AppError::validation(
            field,
            crate::i18n::t().diary.err_note_long,
        ));
    }
    Ok(note.map(str::to_owned))
}

fn colour_or_default(raw: Option<&str>) -> Result<String, AppError> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok("#2f6b4f".to_owned()),
        Some(c)
            if c.len() == 7
                && c.starts_with('#')
                && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) =>
        {
            Ok(c.to_ascii_lowercase())
        }
        Some(_) => Err(AppError::validation(
            "colour",
            crate::i18n::t().diary.err_colour,
        )),
    }
}

pub fn parse_schedule(
    kind: &str,
    times: Option<&str>,
    days: [bool; 7],
) -> Result<Schedule, AppError> {
    let schedule = match kind.trim() {
        "daily" => Schedule::Daily,
        "times_per_week" => {
            let n = times
                .map(str::trim)
                .unwrap_or("")
                .parse::<u8>()
                .map_err(|_| AppError::validation("times", crate::i18n::t().diary.err_times))?;
            Schedule::TimesPerWeek { times: n }
        }
        "weekdays" => {
            let mask = days
                .iter()
                .enumerate()
                .filter(|(_, on)| **on)
                .fold(0u8, |m, (i, _)| m | (1 << i));
            Schedule::Weekdays { mask }
        }
        _ => {
            return Err(AppError::validation(
                "schedule",
                crate::i18n::t().diary.err_schedule,
            ));
        }
    };
    schedule.validate().map_err(|msg| {
        let field = if matches!(schedule, Schedule::Weekdays { .. }) {
            "days"
        } else {
            "times"
        };
        AppError::validation(field, msg)
    })?;
    Ok(schedule)
}

fn schedule_of(h: &habit::Model) -> Schedule {
    match h.schedule_kind.as_str() {
        "times_per_week" => Schedule::TimesPerWeek {
            times: u8::try_from(h.schedule_value).unwrap_or(1),
        },
        "weekdays" => Schedule::Weekdays {
            mask: u8::try_from(h.schedule_value).unwrap_or(0x7f),
        },
        _ => Schedule::Daily,
    }
}

fn store_schedule(s: Schedule) -> (&'static str, i32) {
    match s {
        Schedule::Daily => ("daily", 0),
        Schedule::TimesPerWeek { times } => ("times_per_week", times.into()),
        Schedule::Weekdays { mask } => ("weekdays", mask.into()),
    }
}

fn habit_view(h: &habit::Model) -> HabitView {
    HabitView {
        id: h.id,
        name: h.name.clone(),
        colour: h.colour.clone(),
        schedule: schedule_of(h),
        start_day: h.start_day,
        archived: h.archived_at.is_some(),
    }
}

async fn own_habit(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: &str,
) -> Result<habit::Model, AppError> {
    habit::Entity::find_by_id(parse_id(raw)?)
        .filter(habit::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn create_habit(
    db: &DatabaseConnection,
    user: Uuid,
    name: &str,
    colour: Option<&str>,
    schedule: Schedule,
) -> Result<HabitView, AppError> {
    let t = &crate::i18n::t().diary;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", t.err_name_empty));
    }
    if name.chars().count() > 60 {
        return Err(AppError::validation("name", t.err_name_long));
    }
    let colour = colour_or_default(colour)?;
    let today = rule_for(db, user).await?.day_of(now_ms());
    let position = habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .count(db)
        .await?;
    let (kind, value) = store_schedule(schedule);
    let h = habit::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        name: Set(name.to_owned()),
        colour: Set(colour),
        schedule_kind: Set(kind.to_owned()),
        schedule_value: Set(value),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        start_day: Set(today),
        archived_at: Set(None),
        created_at: Set(Utc::now().fixed_offset()),
    }
    .insert(db)
    .await?;
    Ok(habit_view(&h))
}

pub async fn archive_habit(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    archived: bool,
) -> Result<(), AppError> {
    let mut h = own_habit(db, user, id).await?.into_active_model();
    h.archived_at = Set(archived.then(|| Utc::now().fixed_offset()));
    h.update(db).await?;
    Ok(())
}

pub async fn delete_habit(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let h = own_habit(db, user, id).await?;
    // Check-ins and their tags go with it (foreign keys cascade).
    habit::Entity::delete_by_id(h.id).exec(db).await?;
    Ok(())
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

fn checkin_view(c: checkin::Model, tags: Vec<TagView>) -> CheckinView {
    CheckinView {
        id: c.id,
        habit_id: c.habit_id,
        day: c.day,
        note: c.note,
        tags,
    }
}

pub async fn check_in(
    db: &DatabaseConnection,
    user: Uuid,
    habit_id: &str,
    day: &str,
    note: Option<&str>,
    tag_ids: Option<&str>,
) -> Result<CheckinView, AppError> {
    let h = own_habit(db, user, habit_id).await?;
    let today = rule_for(db, user).await?.day_of(now_ms());
    let day = parse_day(day, today, "day")?;
    let note = clean_note(note, "note")?;
    let tags = own_tags(db, user, tag_ids).await?;
    let now = Utc::now().fixed_offset();
    let txn = db.begin().await?;
    // Backfilling before the habit existed moves its start back to that day.
    if day < h.start_day {
        let mut a = h.clone().into_active_model();
        a.start_day = Set(day);
        a.update(&txn).await?;
    }
    let existing = checkin::Entity::find()
        .filter(checkin::Column::HabitId.eq(h.id))
        .filter(checkin::Column::Day.eq(day))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(c) => {
            let mut a = c.into_active_model();
            a.note = Set(note);
            a.updated_at = Set(now);
            a.update(&txn).await?
        }
        None => {
            checkin::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user),
                habit_id: Set(h.id),
                day: Set(day),
                note: Set(note),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    set_links(&txn, LinkKind::Checkin, row.id, &tags).await?;
    txn.commit().await?;
    let tags = tags_of(db, user, LinkKind::Checkin, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(checkin_view(row, tags))
}

pub async fn undo_check_in(
    db: &DatabaseConnection,
    user: Uuid,
    habit_id: &str,
    day: &str,
) -> Result<(), AppError> {
    let h = own_habit(db, user, habit_id).await?;
    let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("day", crate::i18n::t().diary.err_date_format))?;
    checkin::Entity::delete_many()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::HabitId.eq(h.id))
        .filter(checkin::Column::Day.eq(day))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete_checkin(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let n = checkin::Entity::delete_many()
        .filter(checkin::Column::Id.eq(parse_id(id)?))
        .filter(checkin::Column::UserId.eq(user))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

fn entry_view(e: diary_entry::Model, tags: Vec<TagView>) -> EntryView {
    EntryView {
        id: e.id,
        day: e.day,
        html: markdown::render(&e.body),
        body: e.body,
        mood: e.mood,
        tags,
    }
}

pub async fn save_entry(
    db: &DatabaseConnection,
    user: Uuid,
    day: &str,
    body: &str,
    mood: Option<&str>,
    tag_ids: Option<&str>,
) -> Result<EntryView, AppError> {
    let t = &crate::i18n::t().diary;
    let today = rule_for(db, user).await?.day_of(now_ms());
    let day = parse_day(day, today, "day")?;
    let body = body.trim();
    if body.chars().count() > BODY_MAX {
        return Err(AppError::validation("body", t.err_entry_long));
    }
    let mood = match mood.map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match m.parse::<i32>() {
            Ok(n @ 1..=5) => Some(n),
            _ => return Err(AppError::validation("mood", t.err_mood)),
        },
    };
    if body.is_empty() && mood.is_none() {
        return Err(AppError::validation("body", t.err_entry_empty));
    }
    let tags = own_tags(db, user, tag_ids).await?;
    let now = Utc::now().fixed_offset();
    let txn = db.begin().await?;
    let existing = diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.eq(day))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(e) => {
            let mut a = e.into_active_model();
            a.body = Set(body.to_owned());
            a.mood = Set(mood);
            a.updated_at = Set(now);
            a.update(&txn).await?
        }
        None => {
            diary_entry::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user),
                day: Set(day),
                body: Set(body.to_owned()),
                mood: Set(mood),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    set_links(&txn, LinkKind::Entry, row.id, &tags).await?;
    txn.commit().await?;
    let tags = tags_of(db, user, LinkKind::Entry, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(entry_view(row, tags))
}

pub async fn delete_entry(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let n = diary_entry::Entity::delete_many()
        .filter(diary_entry::Column::Id.eq(parse_id(id)?))
        .filter(diary_entry::Column::UserId.eq(user))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Recomputes the roll-ups of one user's day from its focus sessions. Called in the same
/// transaction as every change to a session of that day.
pub async fn refresh_focus_day(
    db: &impl ConnectionTrait,
    user: Uuid,
    day: NaiveDate,
) -> Result<(), AppError> {
    let sessions = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .filter(focus_session::Column::Day.eq(day))
        .all(db)
        .await?;
    focus_day::Entity::delete_many()
        .filter(focus_day::Column::UserId.eq(user))
        .filter(focus_day::Column::Day.eq(day))
        .exec(db)
        .await?;
    focus_tag_day::Entity::delete_many()
        .filter(focus_tag_day::Column::UserId.eq(user))
        .filter(focus_tag_day::Column::Day.eq(day))
        .exec(db)
        .await?;
    if sessions.is_empty() {
        return Ok(());
    }
    let seconds: HashMap<Uuid, i64> = sessions
        .iter()
        .map(|s| (s.id, i64::from(s.focused_seconds)))
        .collect();
    focus_day::ActiveModel {
        user_id: Set(user),
        day: Set(day),
        focus_seconds: Set(seconds.values().sum()),
        sessions: Set(i32::try_from(sessions.len()).unwrap_or(i32::MAX)),
        completed: Set(
            i32::try_from(sessions.iter().filter(|s| s.completed).count()).unwrap_or(i32::MAX),
        ),
    }
    .insert(db)
    .await?;
    let links = focus_session_tag::Entity::find()
        .filter(focus_session_tag::Column::SessionId.is_in(seconds.keys().copied()))
        .all(db)
        .await?;
    let mut per_tag: BTreeMap<Uuid, i64> = BTreeMap::new();
    for l in links {
        *per_tag.entry(l.tag_id).or_default() += seconds.get(&l.session_id).copied().unwrap_or(0);
    }
    for (tag_id, secs) in per_tag {
        focus_tag_day::ActiveModel {
            user_id: Set(user),
            day: Set(day),
            tag_id: Set(tag_id),
            focus_seconds: Set(secs),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn delete_session(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let s = focus_session::Entity::find_by_id(parse_id(id)?)
        .filter(focus_session::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = db.begin().await?;
    focus_session::Entity::delete_by_id(s.id).exec(&txn).await?;
    refresh_focus_day(&txn, user, s.day).await?;
    txn.commit().await?;
    Ok(())
}

pub async fn edit_note(
    db: &DatabaseConnection,
    user: Uuid,
    kind: &str,
    id: &str,
    note: &str,
) -> Result<(), AppError> {
    let id = parse_id(id)?;
    match kind {
        "focus" => {
            let note = clean_note(Some(note), "note")?;
            let n = focus_session::Entity::update_many()
                .col_expr(focus_session::Column::Note, Expr::value(note))
                .filter(focus_session::Column::Id.eq(id))
                .filter(focus_session::Column::UserId.eq(user))
                .exec(db)
                .await?
                .rows_affected;
            if n == 0 {
                return Err(AppError::NotFound);
            }
        }
        "checkin" => {
            let note = clean_note(Some(note), "note")?;
            let n = checkin::Entity::update_many()
                .col_expr(checkin::Column::Note, Expr::value(note))
                .col_expr(
                    checkin::Column::UpdatedAt,
                    Expr::value(Utc::now().fixed_offset()),
                )
                .filter(checkin::Column::Id.eq(id))
                .filter(checkin::Column::UserId.eq(user))
                .exec(db)
                .await?
                .rows_affected;
            if n == 0 {
                return Err(AppError::NotFound);
            }
        }
        "entry" => {
            let e = diary_entry::Entity::find_by_id(id)
                .filter(diary_entry::Column::UserId.eq(user))
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let tags: Vec<String> = tags_of(db, user, LinkKind::Entry, &[e.id])
                .await?
                .remove(&e.id)
                .unwrap_or_default()
                .iter()
                .map(|t| t.id.to_string())
                .collect();
            let mood = e.mood.map(|m| m.to_string());
            save_entry(
                db,
                user,
                &e.day.to_string(),
                note,
                mood.as_deref(),
                Some(&tags.join(",")),
            )
            .await?;
        }
        _ => {
            return Err(AppError::validation(
                "kind",
                crate::i18n::t().diary.err_kind,
            ));
        }
    }
    Ok(())
}

/// `(habit id, day)` of all the user's check-ins since `from`.
async fn checkin_days(
    db: &DatabaseConnection,
    user: Uuid,
    from: Option<NaiveDate>,
) -> Result<Vec<(Uuid, NaiveDate)>, AppError> {
    let mut q = checkin::Entity::find()
        .select_only()
        .column(checkin::Column::HabitId)
        .column(checkin::Column::Day)
        .filter(checkin::Column::UserId.eq(user));
    if let Some(from) = from {
        q = q.filter(checkin::Column::Day.gte(from));
    }
    Ok(q.into_tuple().all(db).await?)
}

fn per_day_counts(days: impl Iterator<Item = NaiveDate>, from: NaiveDate) -> Vec<DayValue> {
    let mut map: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for d in days.filter(|d| *d >= from) {
        *map.entry(d).or_default() += 1;
    }
    map.into_iter()
        .map(|(day, value)| DayValue { day, value })
        .collect()
}

fn habit_days(
    habits: &[habit::Model],
    checkins: &[(Uuid, NaiveDate)],
    today: NaiveDate,
) -> Vec<(HabitView, HabitStats)> {
    let mut by_habit: HashMap<Uuid, BTreeSet<NaiveDate>> = HashMap::new();
    for (h, d) in checkins {
        by_habit.entry(*h).or_default().insert(*d);
    }
    habits
        .iter()
        .map(|h| {
            let days = by_habit.remove(&h.id).unwrap_or_default();
            (
                habit_view(h),
                habit_stats(schedule_of(h), h.start_day, today, &days),
            )
        })
        .collect()
}

async fn habits_of(db: &DatabaseConnection, user: Uuid) -> Result<Vec<habit::Model>, AppError> {
    Ok(habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .order_by_asc(habit::Column::Position)
        .order_by_asc(habit::Column::CreatedAt)
        .all(db)
        .await?)
}

fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}

/// Entries, focus and check-ins from the same date in up to ten earlier years.
async fn memories(
    db: &DatabaseConnection,
    user: Uuid,
    day: NaiveDate,
    habits: &[habit::Model],
) -> Result<Vec<Memory>, AppError> {
    let t = &crate::i18n::t().diary;
    let earlier: Vec<(i32, NaiveDate)> = (1..=10)
        .filter_map(|y| {
            NaiveDate::from_ymd_opt(day.year() - y, day.month(), day.day()).map(|d| (y, d))
        })
        .collect();
    let dates: Vec<NaiveDate> = earlier.iter().map(|(_, d)| *d).collect();
    let years = |d: NaiveDate| day.year() - d.year();
    let mut out = Vec::new();
    for e in diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.is_in(dates.clone()))
        .all(db)
        .await?
    {
        let mood = e
            .mood
            .map(|m| fill(t.memory_mood, &[("mood", &mood_label(m))]))
            .unwrap_or_default();
        out.push(Memory {
            day: e.day,
            years_ago: years(e.day),
            kind: "entry".into(),
            text: format!("{mood}{}", excerpt(&e.body, 160)),
        });
    }
    for f in focus_day::Entity::find()
        .filter(focus_day::Column::UserId.eq(user))
        .filter(focus_day::Column::Day.is_in(dates.clone()))
        .all(db)
        .await?
    {
        out.push(Memory {
            day: f.day,
            years_ago: years(f.day),
            kind: "focus".into(),
            text: fill(
                plural(f.sessions.into(), t.memory_focus_one, t.memory_focus_other),
                &[("n", &f.sessions), ("min", &((f.focus_seconds + 30) / 60))],
            ),
        });
    }
    let names: HashMap<Uuid, &str> = habits.iter().map(|h| (h.id, h.name.as_str())).collect();
    let mut checked: BTreeMap<NaiveDate, Vec<&str>> = BTreeMap::new();
    for c in checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::Day.is_in(dates))
        .all(db)
        .await?
    {
        if let Some(name) = names.get(&c.habit_id) {
            checked.entry(c.day).or_default().push(name);
        }
    }
    for (d, list) in checked {
        out.push(Memory {
            day: d,
            years_ago: years(d),
            kind: "checkin".into(),
            text: fill(t.memory_checked_in, &[("names", &list.join(t.list_sep))]),
        });
    }
    out.sort_by(|a, b| a.years_ago.cmp(&b.years_ago).then(a.kind.cmp(&b.kind)));
    Ok(out)
}

pub async fn day_view(
    db: &DatabaseConnection,
    user: Uuid,
    day: Option<&str>,
) -> Result<DayView, AppError> {
    let rule = rule_for(db, user).await?;
    let today = rule.day_of(now_ms());
    let day = match day.map(str::trim).filter(|d| !d.is_empty()) {
        Some(raw) => parse_day(raw, today, "day")?,
        None => today,
    };
    let habits = habits_of(db, user).await?;
    let checkins = checkin_days(db, user, None).await?;
    let heat_from = today - Duration::days(26 * 7);
    let checkin_heatmap = per_day_counts(checkins.iter().map(|(_, d)| *d), heat_from);
    let on_day: Vec<checkin::Model> = checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::Day.eq(day))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = on_day.iter().map(|c| c.id).collect();
    let mut tags = tags_of(db, user, LinkKind::Checkin, &ids).await?;
    let mut on_day: HashMap<Uuid, CheckinView> = on_day
        .into_iter()
        .map(|c| {
            let t = tags.remove(&c.id).unwrap_or_default();
            (c.habit_id, checkin_view(c, t))
        })
        .collect();
    let (active, archived): (Vec<_>, Vec<_>) = habits
        .iter()
        .cloned()
        .partition(|h| h.archived_at.is_none());
    let habit_rows = habit_days(&active, &checkins, today)
        .into_iter()
        .map(|(habit, stats)| HabitDay {
            checkin: on_day.remove(&habit.id),
            habit,
            stats,
        })
        .collect();
    let entry = match diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.eq(day))
        .one(db)
        .await?
    {
        Some(e) => {
            let t = tags_of(db, user, LinkKind::Entry, &[e.id])
                .await?
                .remove(&e.id);
            Some(entry_view(e, t.unwrap_or_default()))
        }
        None => None,
    };
    let focus = focus_day::Entity::find_by_id((user, day)).one(db).await?;
    Ok(DayView {
        day,
        today,
        habits: habit_rows,
        archived: archived.iter().map(habit_view).collect(),
        entry,
        focus_minutes: focus.as_ref().map_or(0, |f| (f.focus_seconds + 30) / 60),
        focus_sessions: focus.as_ref().map_or(0, |f| f.sessions.into()),
        memories: memories(db, user, day, &habits).await?,
        tags: list_tags(db, user).await?,
        checkin_heatmap,
        viewer: crate::offline::ssr::viewer_key(user),
    })
}

fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
}

fn minutes(seconds: i64) -> f64 {
    ((seconds + 30) / 60) as f64
}

pub async fn stats(db: &DatabaseConnection, user: Uuid) -> Result<StatsView, AppError> {
    let rule = rule_for(db, user).await?;
    let today = rule.day_of(now_ms());
    let year_ago = today - Duration::days(53 * 7);

    // Focus: the daily roll-ups (one row per active day).
    let days: Vec<(NaiveDate, i64, i32)> = focus_day::Entity::find()
        .select_only()
        .column(focus_day::Column::Day)
        .column(focus_day::Column::FocusSeconds)
        .column(focus_day::Column::Sessions)
        .filter(focus_day::Column::UserId.eq(user))
        .into_tuple()
        .all(db)
        .await?;
    let total_focus_seconds: i64 = days.iter().map(|d| d.1).sum();
    let total_sessions: i64 = days.iter().map(|d| i64::from(d.2)).sum();
    let focus_heatmap = days
        .iter()
        .filter(|d| d.0 >= year_ago && d.1 > 0)
        .map(|d| DayValue {
            day: d.0,
            value: u32::try_from((d.1 + 30) / 60).unwrap_or(u32::MAX),
        })
        .collect();
    let by_day: HashMap<NaiveDate, i64> = days.iter().map(|d| (d.0, d.1)).collect();
    let focus_by_day = (0..14)
        .rev()
        .map(|i| {
            let d = today - Duration::days(i);
            Bar {
                label: date(&d, DateStyle::DayMonth),
                value: minutes(by_day.get(&d).copied().unwrap_or(0)),
            }
        })
        .collect();
    let this_week = monday_of(today);
    let mut weeks: BTreeMap<NaiveDate, i64> = (0..12)
        .map(|i| (this_week - Duration::weeks(i), 0))
        .collect();
    let mut months: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    let mut ym = (today.year(), today.month());
    for _ in 0..12 {
        months.insert(ym, 0);
        ym = if ym.1 == 1 {
            (ym.0 - 1, 12)
        } else {
            (ym.0, ym.1 - 1)
        };
    }
    for (d, secs, _) in &days {
        if let Some(w) = weeks.get_mut(&monday_of(*d)) {
            *w += secs;
        }
        if let Some(m) = months.get_mut(&(d.year(), d.month())) {
            *m += secs;
        }
    }
    let focus_by_week = weeks
        .iter()
        .map(|(w, s)| Bar {
            label: date(w, DateStyle::DayMonth),
            value: minutes(*s),
        })
        .collect();
    let focus_by_month = months
        .iter()
        .map(|((y, m), s)| Bar {
            label: NaiveDate::from_ymd_opt(*y, *m, 1)
                .map(|d| date(&d, DateStyle::MonthYear))
                .unwrap_or_default(),
            value: minutes(*s),
        })
        .collect();

    // Per tag over the last twelve months, from the tag roll-ups.
    let tag_rows: Vec<(Uuid, i64)> = focus_tag_day::Entity::find()
        .select_only()
        .column(focus_tag_day::Column::TagId)
        .column(focus_tag_day::Column::FocusSeconds)
        .filter(focus_tag_day::Column::UserId.eq(user))
        .filter(focus_tag_day::Column::Day.gte(today - Duration::days(365)))
        .into_tuple()
        .all(db)
        .await?;
    let mut per_tag: HashMap<Uuid, i64> = HashMap::new();
    for (t, s) in tag_rows {
        *per_tag.entry(t).or_default() += s;
    }
    let mut tag_totals: Vec<TagTotal> = list_tags(db, user)
        .await?
        .into_iter()
        .filter_map(|tag| {
            per_tag.get(&tag.id).map(|s| TagTotal {
                minutes: (s + 30) / 60,
                tag,
            })
        })
        .collect();
    tag_totals.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.tag.name.cmp(&b.tag.name)));

    // Habits and check-ins.
    let habits = habits_of(db, user).await?;
    let checkins = checkin_days(db, user, None).await?;
    let checkin_heatmap = per_day_counts(checkins.iter().map(|(_, d)| *d), year_ago);
    let active: Vec<habit::Model> = habits
        .into_iter()
        .filter(|h| h.archived_at.is_none())
        .collect();
    let habit_stats = habit_days(&active, &checkins, today);

    // Tasks completed per week (last twelve weeks), by the user's days.
    let since = rule.day_start_ms(this_week - Duration::weeks(11));
    let since = chrono::DateTime::from_timestamp_millis(since)
        .unwrap_or_default()
        .fixed_offset();
    let done: Vec<Option<chrono::DateTime<chrono::FixedOffset>>> = task::Entity::find()
        .select_only()
        .column(task::Column::CompletedAt)
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let mut task_weeks: BTreeMap<NaiveDate, i64> = (0..12)
        .map(|i| (this_week - Duration::weeks(i), 0))
        .collect();
    for at in done.into_iter().flatten() {
        let d = rule.day_of(at.timestamp_millis());
        if let Some(w) = task_weeks.get_mut(&monday_of(d)) {
            *w += 1;
        }
    }
    let tasks_by_week = task_weeks
        .iter()
        .map(|(w, n)| Bar {
            label: date(w, DateStyle::DayMonth),
            value: *n as f64,
        })
        .collect();

    let entries = diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .count(db)
        .await?;
    Ok(StatsView {
        today,
        focus_heatmap,
        checkin_heatmap,
        habits: habit_stats,
        focus_by_day,
        focus_by_week,
        focus_by_month,
        tag_totals,
        tasks_by_week,
        total_focus_minutes: (total_focus_seconds + 30) / 60,
        total_sessions,
        total_checkins: i64::try_from(checkins.len()).unwrap_or(i64::MAX),
        entries: i64::try_from(entries).unwrap_or(i64::MAX),
    })
}

/// The history's filters, checked.
#[derive(Debug, Default)]
pub struct HistoryFilter {
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    tag: Option<String>,
    habit: Option<String>,
    text: Option<String>,
    kind: Option<String>,
}

impl HistoryFilter {
    pub fn parse(
        from: Option<String>,
        to: Option<String>,
        tag: Option<String>,
        habit: Option<String>,
        q: Option<String>,
        kind: Option<String>,
    ) -> Result<Self, AppError> {
        let t = &crate::i18n::t().diary;
        let date = |raw: Option<String>, field: &str| -> Result<Option<NaiveDate>, AppError> {
            match raw.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| AppError::validation(field, t.err_date_format)),
            }
        };
        let nonempty = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let f = Self {
            from: date(from, "from")?,
            to: date(to, "to")?,
            tag: nonempty(tag),
            habit: nonempty(habit),
            text: nonempty(q).map(|t| t.chars().take(100).collect()),
            kind: nonempty(kind),
        };
        if let (Some(a), Some(b)) = (f.from, f.to)
            && a > b
        {
            return Err(AppError::validation("to", t.err_date_range));
        }
        if let Some(k) = &f.kind
            && !matches!(k.as_str(), "focus" | "checkin" | "entry")
        {
            return Err(AppError::validation("kind", t.err_kind_filter));
        }
        Ok(f)
    }

    fn wants(&self, kind: &str) -> bool {
        self.kind.as_deref().is_none_or(|k| k == kind)
    }

    fn pattern(&self) -> Option<LikeExpr> {
        self.text.as_ref().map(|t| {
            let escaped: String = t
                .to_lowercase()
                .chars()
                .flat_map(|c| match c {
                    '%' | '_' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            LikeExpr::new(format!("%{escaped}%")).escape('\\')
        })
    }
}

pub async fn history(
    db: &DatabaseConnection,
    user: Uuid,
    f: HistoryFilter,
) -> Result<Vec<HistoryItem>, AppError> {
    let tag = match &f.tag {
        Some(raw) => Some(own_tag(db, user, raw).await?.id),
        None => None,
    };
    let habit = match &f.habit {
        Some(raw) => Some(own_habit(db, user, raw).await?),
        None => None,
    };
    let limit = HISTORY_LIMIT as u64;
    let mut out: Vec<HistoryItem> = Vec::new();

    if f.wants("focus") && habit.is_none() {
        let mut q = focus_session::Entity::find().filter(focus_session::Column::UserId.eq(user));
        if let Some(d) = f.from {
            q = q.filter(focus_session::Column::Day.gte(d));
        }
        if let Some(d) = f.to {
            q = q.filter(focus_session::Column::Day.lte(d));
        }
        if let Some(t) = tag {
            let ids: Vec<Uuid> = focus_session_tag::Entity::find()
                .select_only()
                .column(focus_session_tag::Column::SessionId)
                .filter(focus_session_tag::Column::TagId.eq(t))
                .into_tuple()
                .all(db)
                .await?;
            q = q.filter(focus_session::Column::Id.is_in(ids));
        }
        if let Some(p) = f.pattern() {
            q = q.filter(Expr::expr(Func::lower(Expr::col(focus_session::Column::Note))).like(p));
        }
        let rows = q
            .order_by_desc(focus_session::Column::StartedAt)
            .limit(limit)
            .all(db)
            .await?;
        let views = crate::focus::ssr::session_views(db, user, rows.clone()).await?;
        for (s, v) in rows.into_iter().zip(views) {
            out.push(HistoryItem {
                id: s.id,
                kind: "focus".into(),
                day: s.day,
                title: v
                    .task_title
                    .unwrap_or_else(|| crate::i18n::t().diary.focus_session.to_owned()),
                note: v.note,
                minutes: Some((v.focused_seconds + 30) / 60),
                tags: v.tags,
            });
        }
    }

    if f.wants("checkin") {
        let mut q = checkin::Entity::find().filter(checkin::Column::UserId.eq(user));
        if let Some(d) = f.from {
            q = q.filter(checkin::Column::Day.gte(d));
        }
        if let Some(d) = f.to {
            q = q.filter(checkin::Column::Day.lte(d));
        }
        if let Some(h) = &habit {
            q = q.filter(checkin::Column::HabitId.eq(h.id));
        }
        if let Some(t) = tag {
            let ids: Vec<Uuid> = checkin_tag::Entity::find()
                .select_only()
                .column(checkin_tag::Column::CheckinId)
                .filter(checkin_tag::Column::TagId.eq(t))
                .into_tuple()
                .all(db)
                .await?;
            q = q.filter(checkin::Column::Id.is_in(ids));
        }
        if let Some(p) = f.pattern() {
            q = q.filter(Expr::expr(Func::lower(Expr::col(checkin::Column::Note))).like(p));
        }
        let rows = q
            .order_by_desc(checkin::Column::Day)
            .limit(limit)
            .all(db)
            .await?;
        let names: HashMap<Uuid, String> = habits_of(db, user)
            .await?
            .into_iter()
            .map(|h| (h.id, h.name))
            .collect();
        let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
        let mut tags = tags_of(db, user, LinkKind::Checkin, &ids).await?;
        for c in rows {
            out.push(HistoryItem {
                id: c.id,
                kind: "checkin".into(),
                day: c.day,
                title: names.get(&c.habit_id).cloned().unwrap_or_default(),
                note: c.note,
                minutes: None,
                tags: tags.remove(&c.id).unwrap_or_default(),
            });
        }
    }

    if f.wants("entry") && habit.is_none() {
        let mut q = diary_entry::Entity::find().filter(diary_entry::Column::UserId.eq(user));
        if let Some(d) = f.from {
            q = q.filter(diary_entry::Column::Day.gte(d));
        }
        if let Some(d) = f.to {
            q = q.filter(diary_entry::Column::Day.lte(d));
        }
        if let Some(t) = tag {
            let ids: Vec<Uuid> = diary_entry_tag::Entity::find()
                .select_only()
                .column(diary_entry_tag::Column::EntryId)
                .filter(diary_entry_tag::Column::TagId.eq(t))
                .into_tuple()
                .all(db)
                .await?;
            q = q.filter(diary_entry::Column::Id.is_in(ids));
        }
        if let Some(p) = f.pattern() {
            q = q.filter(Expr::expr(Func::lower(Expr::col(diary_entry::Column::Body))).like(p));
        }
        let rows = q
            .order_by_desc(diary_entry::Column::Day)
            .limit(limit)
            .all(db)
            .await?;
        let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
        let mut tags = tags_of(db, user, LinkKind::Entry, &ids).await?;
        for e in rows {
            out.push(HistoryItem {
                id: e.id,
                kind: "entry".into(),
                day: e.day,
                title: e.mood.map_or_else(
                    || crate::i18n::t().diary.title.to_owned(),
                    |m| {
                        fill(
                            crate::i18n::t().diary.entry_with_mood,
                            &[("mood", &mood_label(m))],
                        )
                    },
                ),
                note: Some(e.body),
                minutes: None,
                tags: tags.remove(&e.id).unwrap_or_default(),
            });
        }
    }

    out.sort_by(|a, b| b.day.cmp(&a.day).then(a.kind.cmp(&b.kind)));
    out.truncate(HISTORY_LIMIT);
    Ok(out)
}

fn hhmm(min: u32) -> String {
    format!("{:02}:{:02}", min / 60, min % 60)
}

pub async fn time_settings(db: &DatabaseConnection, user: Uuid) -> Result<TimeSettings, AppError> {
    let rule = rule_for(db, user).await?;
    Ok(TimeSettings {
        timezone: rule.timezone().to_owned(),
        day_starts_at: hhmm(rule.boundary_min()),
        today: rule.day_of(now_ms()),
    })
}

pub async fn save_time_settings(
    db: &DatabaseConnection,
    user: Uuid,
    timezone: &str,
    day_starts_at: &str,
) -> Result<TimeSettings, AppError> {
    let t = &crate::i18n::t().diary;
    let mut errors = Vec::new();
    let timezone = timezone.trim();
    if !is_valid_timezone(timezone) {
        errors.push(crate::FieldError {
            field: "timezone".into(),
            message: t.err_timezone.into(),
        });
    }
    let boundary = chrono::NaiveTime::parse_from_str(day_starts_at.trim(), "%H:%M")
        .ok()
        .map(|t| {
            i32::try_from(
                t.signed_duration_since(chrono::NaiveTime::MIN)
                    .num_minutes(),
            )
            .unwrap_or(-1)
        })
        .filter(|m| (0..=MAX_BOUNDARY_MIN).contains(m));
    if boundary.is_none() {
        errors.push(crate::FieldError {
            field: "day_starts_at".into(),
            message: t.err_day_start.into(),
        });
    }
    let (Some(boundary), true) = (boundary, errors.is_empty()) else {
        return Err(AppError::Validation { fields: errors });
    };
    let mut u = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?
        .into_active_model();
    u.timezone = Set(timezone.to_owned());
    u.day_boundary_min = Set(boundary);
    u.updated_at = Set(Utc::now().fixed_offset());
    u.update(db).await?;
    time_settings(db, user).await
}
