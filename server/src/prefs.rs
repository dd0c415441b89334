//! Decides each page request's preferences (theme) before rendering, and hands them to the
//! renderer through the request's extensions (see `app::prefs`).

use app::{account::ssr::Accounts, prefs};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::Method;
use sea_orm::DatabaseConnection;
use std::sync::Arc;

#[derive(Clone)]
pub struct PrefsState {
    pub db: DatabaseConnection,
    pub accounts: Arc<Accounts>,
}

/// Only page loads need it: not server functions, files or images.
fn is_page(req: &Request) -> bool {
    let path = req.uri().path();
    matches!(*req.method(), Method::GET | Method::HEAD)
        && !path.starts_with("/api/")
        && !path.starts_with("/pkg/")
        && !path.contains("/images/")
        && !path.contains('.')
}

pub async fn resolve(State(state): State<PrefsState>, mut req: Request, next: Next) -> Response {
    if is_page(&req) {
        let p = prefs::ssr::resolve(&state.db, &state.accounts.settings, req.headers()).await;
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}
