//! The account's time settings as the pages see them: its time zone and the hour its day
//! starts (Settings and the timer page show and change them).

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The user's time rules as shown in the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSettings {
    pub timezone: String,
    /// `HH:MM`.
    pub day_starts_at: String,
    pub today: NaiveDate,
}

#[server(prefix = "/api", endpoint = "diary/time-settings")]
pub async fn get_time_settings() -> Result<TimeSettings, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    super::ssr::time::time_settings(&db, user).await
}

/// Changes the time zone and the hour the day starts (`HH:MM`, 00:00–12:00). Records
/// already made keep their days.
#[server(prefix = "/api", endpoint = "diary/time-settings/save")]
pub async fn save_time_settings(
    timezone: String,
    day_starts_at: String,
) -> Result<TimeSettings, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    super::ssr::time::save_time_settings(&db, user, &timezone, &day_starts_at).await
}
