//! Server-side context shared by every server function: the one way to reach the database
//! and the current request. Compiled only with `ssr`.

use std::{net::IpAddr, sync::Arc};

use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use crate::{account::ssr::Accounts, error::AppError, mail::Mailer};

/// What the server puts into every request's reactive context.
#[derive(Clone)]
pub struct ServerContext {
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub accounts: Arc<Accounts>,
    pub focus: crate::focus::ssr::FocusHub,
    pub letters: Arc<crate::letters::ssr::Letters>,
}

/// The client's address as the server decided it (the peer address, or the left-most
/// `X-Forwarded-For` entry when configured to trust a proxy), in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address of the current request, if the server decided one.
pub fn client_addr() -> Option<IpAddr> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .map(|ip| ip.0)
}

/// The client address of the current request as text (`unknown` if the server set none).
pub fn client_ip() -> String {
    client_addr().map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
}

/// The CSP nonce minted by the server's security-headers middleware for this response,
/// carried in the request's extensions.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Called by the server for every rendered page and server function call: hands the
/// middleware's CSP nonce to Leptos, so the hydration scripts carry the same value as the
/// `Content-Security-Policy` header.
pub fn provide_request_context(ctx: ServerContext) {
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
    provide_context(ctx);
}

/// The server context, or an internal error if the server forgot to provide it.
pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| AppError::internal("ServerContext missing"))
}

/// The database connection for the current request.
pub fn db() -> Result<DatabaseConnection, AppError> {
    server_context().map(|c| c.db)
}

/// The `x-request-id` of the request being handled, if any.
pub fn request_id() -> Option<String> {
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

/// Whether an HTML checkbox field was ticked (`Some("on")`; API callers may send `true`).
pub fn ticked(flag: &Option<String>) -> bool {
    flag.as_deref()
        .is_some_and(|v| matches!(v.trim(), "on" | "true" | "yes" | "1"))
}
