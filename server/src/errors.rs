//! Gives server-function errors their real HTTP status.
//!
//! `server_fn` answers every `Err` with 500. This middleware reads the (small, JSON) error
//! body of such answers, decodes the [`AppError`] and sets the status it stands for
//! (422 for validation, 429 plus `Retry-After` when rate limited, …). Bodies that do not
//! decode are replaced by a generic internal error, so nothing unexpected leaks.

use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use http::{HeaderValue, StatusCode, header};
use server_fn::error::FromServerFnError as _;

use app::AppError;

const SERVER_FN_ERROR_HEADER: &str = "serverfnerror";
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    if !res.headers().contains_key(SERVER_FN_ERROR_HEADER) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let error = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => serde_json::from_slice::<AppError>(&bytes)
            .unwrap_or_else(|_| AppError::internal("undecodable server fn error body")),
        Err(e) => AppError::internal(format!("unreadable server fn error body: {e}")),
    };
    parts.status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let AppError::RateLimited { retry_after_secs } = &error {
        parts.headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(error.ser()))
}
