//! Decides each request's preferences (theme and language) before rendering or running a
//! server function, and hands them on through the request's extensions (see `app::prefs`).

use app::{account::ssr::Accounts, prefs};
use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderValue, Method, header};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use uuid::Uuid;

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
    let (p, user) = prefs::ssr::resolve(&state.db, &state.accounts.settings, req.headers()).await;
    // Views, server functions and the catalogue (`app::i18n::lang`) read them from the
    // request; plain axum handlers from the task-locals.
    req.extensions_mut().insert(p);
    req.extensions_mut().insert(p.lang);
    req.extensions_mut()
        .insert(app::account::ssr::ChosenTheme(p.theme.as_str()));
    let run = app::i18n::REQUEST_LANG.scope(p.lang, next.run(req));
    let mut res = prefs::ssr::REQUEST_PREFS.scope(p, run).await;
    mark_viewer(&mut res, user);
    res
}

/// Tells the service worker whose page this is: `Ripen-Viewer` on every HTML page of a
/// signed-in user, with the opaque key their offline data is filed under. A page without it
/// was rendered for a visitor, and the worker forgets every page it kept (see `pwa/sw.js`).
fn mark_viewer(res: &mut Response, user: Option<Uuid>) {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if let (true, Some(user)) = (html, user)
        && let Ok(v) = HeaderValue::from_str(&app::account::ssr::viewer::viewer_key(user))
    {
        res.headers_mut().insert(VIEWER_HEADER, v);
    }
}

pub const VIEWER_HEADER: &str = "ripen-viewer";
