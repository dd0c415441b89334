//! The current request, as server functions see it: the database, the services the server
//! put into the request's context, the client's address, and small parsing helpers for
//! what browsers send. A leaf: it knows no area. Compiled only with `ssr`.
//!
//! The server (`server/src/lib.rs`) provides each service as its own context value
//! (the database connection, the mailer, each area's service); an area reaches its own
//! through [`service`], so no struct here has to name every area.

use std::net::IpAddr;

use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::error::AppError;
pub use crate::error::request_id;

/// The client's address as the server decided it (the peer address, or the address the
/// configured number of trusted proxies reported in `X-Forwarded-For`), in the request's
/// extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// The client address of the current request, if the server decided one.
pub fn client_addr() -> Option<IpAddr> {
    use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<ClientIp>().copied())
        .map(|ip| ip.0)
}

/// The CSP nonce minted by the server's security-headers middleware for this response,
/// carried in the request's extensions.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// Called by the server for every rendered page and server function call: hands the
/// middleware's CSP nonce to Leptos, so the hydration scripts carry the same value as the
/// `Content-Security-Policy` header.
pub fn provide_nonce() {
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
    {
        provide_context(leptos::nonce::Nonce::from_value(nonce.0));
    }
}

/// A service the server provided for this request (`Mailer`, `Arc<Letters>`, …), or an
/// internal error naming the type if the server forgot it.
pub fn service<T: Clone + Send + Sync + 'static>() -> Result<T, AppError> {
    use_context::<T>().ok_or_else(|| {
        AppError::internal_while(
            "finding a service for this request",
            format!("the server provided no {}", std::any::type_name::<T>()),
        )
    })
}

/// The database connection for the current request.
pub fn db() -> Result<DatabaseConnection, AppError> {
    service::<DatabaseConnection>()
}

/// Whether an HTML checkbox field was ticked (`Some("on")`; API callers may send `true`).
pub fn ticked(flag: &Option<String>) -> bool {
    flag.as_deref()
        .is_some_and(|v| matches!(v.trim(), "on" | "true" | "yes" | "1"))
}

/// Ids are opaque to clients: anything that is not a well-formed id of the caller's is
/// "not found", exactly like an id of someone else's.
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}
