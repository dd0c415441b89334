//! System status: whether the server and its database are well, shown at `/status`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub mod keys;
#[cfg(feature = "ssr")]
pub mod ssr;

/// What `/status` shows: to anyone, that the server answers with its database; the
/// details only to the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The server's clock, so a browser can measure its own offset.
    pub server_time: DateTime<Utc>,
    /// Only for a request with `Authorization: Bearer <status_token>` (the server's
    /// configuration): what software runs here is nobody else's business.
    pub details: Option<StatusDetails>,
}

/// What the operator sees at `/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetails {
    /// Ripen's version.
    pub version: String,
    /// `SQLite` or `PostgreSQL`.
    pub database: String,
    /// Name of the newest applied migration.
    pub schema_version: String,
    /// When this installation first started.
    pub installed_at: Option<DateTime<Utc>>,
}

/// Reads the status from the database (a real round-trip, so failures surface here, for
/// everyone); the details go only to the bearer of the status token.
#[server(prefix = "/api", endpoint = "system/status")]
pub async fn system_status() -> Result<StatusReport, AppError> {
    let db = crate::request::db()?;
    let details = ssr::details(&db).await?;
    let operator = leptos::prelude::use_context::<ssr::StatusToken>()
        .zip(leptos::prelude::use_context::<http::request::Parts>())
        .is_some_and(|(token, parts)| token.admits(&parts.headers));
    Ok(StatusReport {
        server_time: Utc::now(),
        details: operator.then_some(details),
    })
}
