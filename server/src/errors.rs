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
    // A plain (no-JS) form post that failed is answered with a redirect back to the form,
    // the error encoded in the URL: leave it a redirect.
    if !res.headers().contains_key(SERVER_FN_ERROR_HEADER) || res.status().is_redirection() {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let error = match axum::body::to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => serde_json::from_slice::<AppError>(&bytes).unwrap_or_else(|_| {
            AppError::internal_while("answering a server function", "undecodable error body")
        }),
        Err(e) => AppError::internal_while(
            "answering a server function",
            format!("unreadable error body: {e}"),
        ),
    };
    parts.status =
        StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(retry_after_secs) = error.retry_after_secs() {
        parts
            .headers
            .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(error.ser()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{Router, routing::post};
    use tower::ServiceExt as _;

    /// A route that fails like a server function does: status 500, the marker header and
    /// the encoded error as body.
    fn failing(error: AppError) -> Router {
        Router::new()
            .route(
                "/api/x",
                post(move || {
                    let error = error.clone();
                    async move {
                        Response::builder()
                            .status(StatusCode::INTERNAL_SERVER_ERROR)
                            .header(SERVER_FN_ERROR_HEADER, "/api/x")
                            .body(Body::from(error.ser()))
                            .unwrap()
                    }
                }),
            )
            .layer(axum::middleware::from_fn(server_fn_status))
    }

    async fn call(router: Router) -> (StatusCode, http::HeaderMap, AppError) {
        let res = router
            .oneshot(Request::post("/api/x").body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = res.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap();
        (
            parts.status,
            parts.headers,
            serde_json::from_slice(&bytes).unwrap(),
        )
    }

    #[tokio::test]
    async fn each_error_gets_its_status() {
        for (error, status) in [
            (
                AppError::validation("email", "Enter an email address."),
                422,
            ),
            (AppError::Unauthorized, 401),
            (AppError::Forbidden, 403),
            (AppError::NotFound, 404),
            (
                AppError::Internal {
                    reference: "r".into(),
                },
                500,
            ),
        ] {
            let (got, _, body) = call(failing(error.clone())).await;
            assert_eq!(got.as_u16(), status, "{error:?}");
            assert_eq!(body, error, "the body is kept");
        }
    }

    #[tokio::test]
    async fn rate_limits_say_when_to_retry() {
        let (status, headers, _) = call(failing(AppError::RateLimited {
            retry_after_secs: 42,
        }))
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "42");
    }

    #[tokio::test]
    async fn a_busy_server_says_when_to_retry() {
        let (status, headers, _) = call(failing(AppError::Busy {
            retry_after_secs: 5,
        }))
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(headers[header::RETRY_AFTER], "5");
    }

    #[tokio::test]
    async fn foreign_error_bodies_are_replaced_by_a_generic_one() {
        let router = Router::new()
            .route(
                "/api/x",
                post(|| async {
                    Response::builder()
                        .status(StatusCode::INTERNAL_SERVER_ERROR)
                        .header(SERVER_FN_ERROR_HEADER, "/api/x")
                        .body(Body::from(
                            "error returned from database: no such table: secrets",
                        ))
                        .unwrap()
                }),
            )
            .layer(axum::middleware::from_fn(server_fn_status));
        let (status, _, body) = call(router).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(matches!(body, AppError::Internal { .. }));
    }

    #[tokio::test]
    async fn successful_answers_pass_untouched() {
        let router = Router::new()
            .route("/api/x", post(|| async { "fine" }))
            .layer(axum::middleware::from_fn(server_fn_status));
        let res = router
            .oneshot(Request::post("/api/x").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
}
