//! System status: whether the server and its database are well, shown at `/status`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod ssr;

/// What `/status` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// Ripen's version.
    pub version: String,
    /// `SQLite` or `PostgreSQL`.
    pub database: String,
    /// Name of the newest applied migration.
    pub schema_version: String,
    /// When this installation first started.
    pub installed_at: Option<DateTime<Utc>>,
    /// The server's clock, so a browser can measure its own offset.
    pub server_time: DateTime<Utc>,
}

/// Reads the status from the database (a real round-trip, so failures surface here).
#[server(prefix = "/api", endpoint = "system/status")]
pub async fn system_status() -> Result<StatusReport, AppError> {
    let db = crate::request::db()?;
    Ok(ssr::status(&db).await?)
}
