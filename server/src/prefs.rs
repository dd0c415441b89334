//! Decides each request's preferences (theme and language) before rendering or running a
//! server function, and hands them on through the request's extensions (see `app::prefs`).

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

/// Page loads, server functions (whose errors speak the person's language) and other
/// state-changing requests such as uploads; not the build's files, images or other static
/// files.
fn needs_prefs(req: &Request) -> bool {
    let path = req.uri().path();
    if path.starts_with("/api/") || !matches!(*req.method(), Method::GET | Method::HEAD) {
        return true;
    }
    !path.starts_with("/pkg/") && !path.contains("/images/") && !path.contains('.')
}

pub async fn resolve(State(state): State<PrefsState>, mut req: Request, next: Next) -> Response {
    if !needs_prefs(&req) {
        return next.run(req).await;
    }
    let p = prefs::ssr::resolve(&state.db, &state.accounts.settings, req.headers()).await;
    req.extensions_mut().insert(p);
    prefs::ssr::REQUEST_PREFS.scope(p, next.run(req)).await
}
