//! The account's time rules: its IANA time zone and the hour its day starts, which decide
//! the day every record belongs to (see `crate::time`).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set,
};
use uuid::Uuid;

use super::entities::user_account;
use crate::{
    AppError, FieldErrors, ResultExt,
    account::TimeSettings,
    clock::now_ms,
    time::{DayRule, MAX_BOUNDARY_MIN, is_valid_timezone},
};

/// The user's time rules (UTC at midnight if the stored ones are somehow invalid).
pub async fn rule_for(db: &impl ConnectionTrait, user: Uuid) -> Result<DayRule, AppError> {
    let u = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(DayRule::new(&u.timezone, u.day_boundary_min).unwrap_or_else(|_| DayRule::utc()))
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
    let mut errors = FieldErrors::default();
    let timezone = timezone.trim();
    if !is_valid_timezone(timezone) {
        errors.add("timezone", t.err_timezone);
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
        errors.add("day_starts_at", t.err_day_start);
    }
    errors.into_result()?;
    let boundary = boundary.or_internal("reading the checked day start")?;
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
