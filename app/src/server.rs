//! Server-side context shared by every server function: the one way to reach the database
//! and the current request. Compiled only with `ssr`.

use leptos::prelude::*;
use sea_orm::DatabaseConnection;

use crate::error::AppError;

/// What the server puts into every request's reactive context.
#[derive(Clone)]
pub struct ServerContext {
    pub db: DatabaseConnection,
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
