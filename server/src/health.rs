//! Probes for orchestrators: `/healthz` (the process answers) and `/readyz` (it can reach
//! its database and its file storage, and is not draining). Neither says why something
//! failed: that goes to the log.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use sea_orm::DatabaseConnection;
use serde_json::json;

pub async fn healthz() -> impl IntoResponse {
    Json(json!({ "status": "ok" }))
}

/// Set when the process has been asked to stop: `/readyz` answers 503 from then on, while
/// requests are still served until the listener closes.
#[derive(Clone, Default)]
pub struct Draining(Arc<AtomicBool>);

impl Draining {
    pub fn start(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    pub fn is_on(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

pub async fn readyz(
    State(db): State<DatabaseConnection>,
    State(letters): State<Arc<app::letters::ssr::Letters>>,
    State(draining): State<Draining>,
) -> impl IntoResponse {
    if draining.is_on() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "draining" })),
        );
    }
    match tokio::time::timeout(Duration::from_secs(2), db.ping()).await {
        Ok(Ok(())) => {}
        outcome => {
            let reason = match outcome {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out after 2 s".to_owned(),
            };
            tracing::warn!(%reason, "readiness check failed: database unreachable");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unreachable" })),
            );
        }
    }
    match tokio::time::timeout(Duration::from_secs(5), letters.store.check()).await {
        Ok(Ok(())) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok", "storage": "ok" })),
        ),
        outcome => {
            let reason = match outcome {
                Ok(Err(e)) => e.to_string(),
                _ => "timed out after 5 s".to_owned(),
            };
            tracing::warn!(%reason, "readiness check failed: file storage unusable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "ok", "storage": "unusable" })),
            )
        }
    }
}
