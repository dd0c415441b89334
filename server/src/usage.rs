//! Anonymous usage statistics, only for visitors who allowed them.
//!
//! A page view is counted when the browser's consent cookie says "statistics: yes", the
//! request is a `GET` for an HTML page, and the answer is `200`. What is kept is a number per
//! UTC day and page *pattern* (`/wall/:id`, never the id): no IP address, no cookie value,
//! no account, no identifier of any kind, and no third-party script. Counts are summed in
//! memory and added to `page_view_day` every `stats_flush_secs`, so counting costs a request
//! one hash-map update; rows older than [`KEEP_DAYS`] are deleted at each flush.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use app::consent::ssr::{Stored, cookie_name};
use axum::{
    extract::{Request, State},
    http::{Method, StatusCode, header},
    middleware::Next,
    response::Response,
};
use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};

/// Aggregated counts are kept this long.
pub const KEEP_DAYS: i64 = 730;

/// Path segments kept as they are; any other segment is an id and becomes `:id`.
const WORDS: &[&str] = &[
    "timer",
    "diary",
    "history",
    "stats",
    "letters",
    "new",
    "wall",
    "account",
    "login",
    "signup",
    "privacy",
    "terms",
    "status",
    "admin",
    "moderation",
    "forgot-password",
    "reset-password",
    "verify-email",
    "check-email",
    "l",
];

/// The page pattern a path is counted under: `/wall/3f…` → `/wall/:id`.
pub fn page_pattern(path: &str) -> String {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .take(3)
        .map(|s| if WORDS.contains(&s) { s } else { ":id" })
        .collect();
    format!("/{}", segments.join("/"))
}

#[derive(Clone, Default)]
pub struct Usage {
    counts: Arc<Mutex<HashMap<(String, String), i64>>>,
}

impl Usage {
    fn add(&self, page: String) {
        let day = Utc::now().format("%Y-%m-%d").to_string();
        let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        *counts.entry((day, page)).or_insert(0) += 1;
    }

    /// Adds the counts gathered so far to the database, and forgets old days.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<(), sea_orm::DbErr> {
        let pending: Vec<((String, String), i64)> = {
            let mut counts = self.counts.lock().unwrap_or_else(|p| p.into_inner());
            counts.drain().collect()
        };
        let backend = db.get_database_backend();
        let p = |n: usize| {
            if backend == sea_orm::DbBackend::Postgres {
                format!("${n}")
            } else {
                "?".to_owned()
            }
        };
        for ((day, page), views) in pending {
            let sql = format!(
                "INSERT INTO page_view_day (day, page, views) VALUES ({}, {}, {}) \
                 ON CONFLICT (day, page) DO UPDATE SET views = page_view_day.views + excluded.views",
                p(1),
                p(2),
                p(3)
            );
            let values: [Value; 3] = [day.into(), page.into(), views.into()];
            db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        let oldest = (Utc::now() - chrono::Duration::days(KEEP_DAYS))
            .format("%Y-%m-%d")
            .to_string();
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            format!("DELETE FROM page_view_day WHERE day < {}", p(1)),
            [oldest.into()],
        ))
        .await?;
        Ok(())
    }

    /// Flushes every `every` until the process ends.
    pub fn spawn_flusher(
        &self,
        db: DatabaseConnection,
        every: Duration,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = me.flush(&db).await {
                    tracing::warn!(error = %e, "saving usage statistics failed");
                }
            }
        })
    }
}

/// Whether the request's consent cookie allows statistics.
fn allowed(req: &Request, secure: bool) -> bool {
    app::account::ssr::session::cookie_value(req.headers(), cookie_name(secure))
        .and_then(|v| Stored::decode(&v))
        .is_some_and(|s| s.choices.statistics)
}

#[derive(Clone)]
pub struct UsageState {
    pub usage: Usage,
    pub secure_cookies: bool,
}

pub async fn count(State(state): State<UsageState>, req: Request, next: Next) -> Response {
    let counted = req.method() == Method::GET
        && !req.uri().path().starts_with("/api/")
        && !req.uri().path().starts_with("/pkg/")
        && allowed(&req, state.secure_cookies);
    let page = counted.then(|| page_pattern(req.uri().path()));
    let res = next.run(req).await;
    if let Some(page) = page {
        let html = res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"));
        if html && res.status() == StatusCode::OK {
            state.usage.add(page);
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_tokens_never_reach_the_counted_pattern() {
        assert_eq!(page_pattern("/"), "/");
        assert_eq!(page_pattern("/wall"), "/wall");
        assert_eq!(page_pattern("/wall/3f9c2a7b1d0e4f55"), "/wall/:id");
        assert_eq!(page_pattern("/l/SeCrEtToKeN"), "/l/:id");
        assert_eq!(
            page_pattern("/letters/0b6c2f1e-aaaa-bbbb-cccc-000000000000"),
            "/letters/:id"
        );
        assert_eq!(page_pattern("/diary/history"), "/diary/history");
        assert_eq!(page_pattern("/a/b/c/d/e"), "/:id/:id/:id");
    }
}
