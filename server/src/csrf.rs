//! Cross-site request forgery protection for every state-changing request.
//!
//! Browsers say where a request comes from. A request with an unsafe method (anything but
//! GET, HEAD, OPTIONS) is accepted only when
//! - `Sec-Fetch-Site` is `same-origin` (or `none`: typed by the user), or
//! - the browser sent no `Sec-Fetch-Site` and `Origin` is exactly the configured site.
//!
//! Everything else — another site, a sibling subdomain, or no provenance at all — is answered
//! 403 before any handler runs. This covers server functions, forms and uploads alike, and
//! needs no token. GET requests never change state in Ripen, so they pass — with one
//! exception by the nature of the protocol: a sign-in provider sends the browser back
//! with a GET (`/api/auth/callback`), which is bound to the browser that started the
//! sign-in by a single-use flow and its `state` instead (`app::identity`).

use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{Method, StatusCode, header};
use server_fn::error::FromServerFnError as _;

use app::AppError;

/// The origin (`scheme://host[:port]`) requests must come from.
#[derive(Clone, Debug)]
pub struct SiteOrigin(pub String);

/// Whether a request with these headers may change state.
pub fn is_allowed(
    method: &Method,
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    site: &str,
) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    match sec_fetch_site {
        Some(v) => matches!(v, "same-origin" | "none"),
        None => origin.is_some_and(|o| o == site),
    }
}

pub async fn verify_origin(State(site): State<SiteOrigin>, req: Request, next: Next) -> Response {
    let (fetch_site, origin) = (
        header_string(&req, "sec-fetch-site"),
        header_string(&req, header::ORIGIN.as_str()),
    );
    if is_allowed(
        req.method(),
        fetch_site.as_deref(),
        origin.as_deref(),
        &site.0,
    ) {
        return next.run(req).await;
    }
    tracing::warn!(
        method = %req.method(),
        sec_fetch_site = ?fetch_site,
        origin = ?origin,
        "refused a cross-site state-changing request"
    );
    Response::builder()
        .status(StatusCode::FORBIDDEN)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(AppError::Forbidden.ser()))
        .expect("static response parts are valid")
}

fn header_string(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "https://ripen.example";

    #[test]
    fn safe_methods_always_pass() {
        for m in [Method::GET, Method::HEAD, Method::OPTIONS] {
            assert!(is_allowed(
                &m,
                Some("cross-site"),
                Some("https://evil.example"),
                SITE
            ));
        }
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let post = Method::POST;
        assert!(is_allowed(&post, Some("same-origin"), None, SITE));
        assert!(is_allowed(&post, Some("none"), None, SITE));
        assert!(
            !is_allowed(&post, Some("cross-site"), Some(SITE), SITE),
            "a forged Origin does not help"
        );
        assert!(
            !is_allowed(&post, Some("same-site"), Some(SITE), SITE),
            "sibling subdomains are other sites"
        );
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_be_the_site() {
        for m in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            assert!(is_allowed(&m, None, Some(SITE), SITE));
            assert!(!is_allowed(&m, None, Some("https://evil.example"), SITE));
            assert!(!is_allowed(
                &m,
                None,
                Some("https://ripen.example.evil.example"),
                SITE
            ));
            assert!(!is_allowed(&m, None, Some("null"), SITE));
            assert!(
                !is_allowed(&m, None, None, SITE),
                "no provenance, no state change"
            );
        }
    }
}
