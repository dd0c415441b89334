//! Habits: their schedules (daily, N a week, chosen weekdays), creation, archiving, deletion.

use super::*;

pub(super) fn colour_or_default(raw: Option<&str>) -> Result<String, AppError> {
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
pub fn schedule_of(h: &habit::Model) -> Schedule {
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
pub(super) fn store_schedule(s: Schedule) -> (&'static str, i32) {
    match s {
        Schedule::Daily => ("daily", 0),
        Schedule::TimesPerWeek { times } => ("times_per_week", times.into()),
        Schedule::Weekdays { mask } => ("weekdays", mask.into()),
    }
}
pub(super) fn habit_view(h: &habit::Model) -> HabitView {
    HabitView {
        id: h.id,
        name: h.name.clone(),
        colour: h.colour.clone(),
        schedule: schedule_of(h),
        start_day: h.start_day,
        archived: h.archived_at.is_some(),
    }
}
pub(super) async fn own_habit(
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
/// A habit's name, trimmed: 1–60 characters, else an error on the `name` field.
fn habit_name(name: &str) -> Result<&str, AppError> {
    let t = &crate::i18n::t().diary;
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::validation("name", t.err_name_empty));
    }
    if name.chars().count() > 60 {
        return Err(AppError::validation("name", t.err_name_long));
    }
    Ok(name)
}
pub async fn create_habit(
    db: &DatabaseConnection,
    user: Uuid,
    name: &str,
    colour: Option<&str>,
    schedule: Schedule,
) -> Result<HabitView, AppError> {
    let name = habit_name(name)?;
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
pub async fn rename_habit(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    name: &str,
) -> Result<HabitView, AppError> {
    let h = own_habit(db, user, id).await?;
    let name = habit_name(name)?;
    let mut h = h.into_active_model();
    h.name = Set(name.to_owned());
    Ok(habit_view(&h.update(db).await?))
}
/// Moves a habit one place `up` or `down` among the habits shown with it (the active ones,
/// or the archived ones), then numbers all the account's habits 0, 1, 2… in that order:
/// habits made before ordering existed, or left with gaps by deletions, get a clean order.
pub async fn move_habit(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    direction: &str,
) -> Result<(), AppError> {
    let up = match direction {
        "up" => true,
        "down" => false,
        _ => {
            return Err(AppError::validation(
                "direction",
                crate::i18n::t().diary.err_direction,
            ));
        }
    };
    let moving = own_habit(db, user, id).await?;
    let txn = db.begin().await?;
    let mut all = habits_of(&txn, user).await?;
    let Some(at) = all.iter().position(|h| h.id == moving.id) else {
        // Deleted meanwhile.
        return Err(AppError::NotFound);
    };
    let shelf = all[at].archived_at.is_some();
    let same_shelf = |h: &habit::Model| h.archived_at.is_some() == shelf;
    let neighbour = if up {
        all[..at].iter().rposition(same_shelf)
    } else {
        all[at + 1..]
            .iter()
            .position(same_shelf)
            .map(|i| at + 1 + i)
    };
    if let Some(other) = neighbour {
        all.swap(at, other);
    }
    for (position, h) in all.into_iter().enumerate() {
        let position = i32::try_from(position).unwrap_or(i32::MAX);
        if h.position != position {
            let mut h = h.into_active_model();
            h.position = Set(position);
            h.update(&txn).await?;
        }
    }
    txn.commit().await?;
    Ok(())
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
pub(super) async fn habits_of(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<habit::Model>, AppError> {
    Ok(habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .order_by_asc(habit::Column::Position)
        .order_by_asc(habit::Column::CreatedAt)
        .all(db)
        .await?)
}
