//! Security headers on every response, with a fresh CSP nonce per response.
//!
//! The middleware mints the nonce, hands it to the page renderer through the request's
//! extensions ([`app::request::CspNonce`]; `app::request::provide_nonce` gives it to
//! Leptos), and writes the same value into `Content-Security-Policy`. So the hydration
//! script is the only inline script that runs, and nothing else inline can.
//!
//! Pages and server-function answers may show a signed-in user's data, so unless a route
//! set its own caching rules (hashed `/pkg` files, images, the wall's visitor pages) they
//! are sent with `Cache-Control: no-store`: no browser cache, back-forward cache copy or
//! shared proxy keeps them after the user signs out.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderMap, HeaderValue, header};

use app::request::CspNonce;

/// What the security headers depend on.
#[derive(Clone, Debug)]
pub struct SecurityPolicy {
    /// Send HSTS and `upgrade-insecure-requests` (the site is served over https).
    pub https: bool,
    /// Allow the cargo-leptos live-reload websocket (development only).
    pub allow_live_reload: bool,
}

/// A 128-bit random nonce, base64url without padding (Leptos's own generator).
pub fn new_nonce() -> String {
    leptos::nonce::Nonce::new().to_string()
}

/// The Content-Security-Policy for a response whose inline scripts carry `nonce`.
pub fn content_security_policy(policy: &SecurityPolicy, nonce: &str) -> String {
    let connect = if policy.allow_live_reload {
        "'self' ws://127.0.0.1:3001 ws://localhost:3001"
    } else {
        "'self'"
    };
    let mut csp = format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; \
         img-src 'self' data: blob:; \
         font-src 'self'; \
         connect-src {connect}; \
         manifest-src 'self'; \
         worker-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    );
    if policy.https {
        csp.push_str("; upgrade-insecure-requests");
    }
    csp
}

/// Pages whose URL carries a secret token (reset and verification links) send no referrer
/// at all, so the token cannot leak to any page they link to; the rest `same-origin`.
fn referrer_policy(path: &str) -> &'static str {
    if matches!(path, "/reset-password" | "/verify-email") {
        "no-referrer"
    } else {
        "same-origin"
    }
}

/// Whether an answer that set no caching rules of its own must not be stored: pages
/// (HTML) and server-function answers (`/api/…`), which may carry a user's data.
fn never_store(path: &str, headers: &HeaderMap) -> bool {
    !headers.contains_key(header::CACHE_CONTROL)
        && (path.starts_with("/api/")
            || headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.starts_with("text/html")))
}

pub async fn security_headers(
    State(policy): State<SecurityPolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let referrer_policy = referrer_policy(req.uri().path());
    let path = req.uri().path().to_owned();
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    if never_store(&path, h) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Ok(v) = HeaderValue::from_str(&content_security_policy(&policy, &nonce)) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(referrer_policy),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
        ),
    );
    if policy.https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_and_api_answers_are_not_stored_unless_they_say_otherwise() {
        let with = |pairs: &[(header::HeaderName, &'static str)]| {
            let mut h = HeaderMap::new();
            for (k, v) in pairs {
                h.insert(k, HeaderValue::from_static(v));
            }
            h
        };
        let html = with(&[(header::CONTENT_TYPE, "text/html; charset=utf-8")]);
        assert!(never_store("/timer", &html));
        assert!(never_store("/api/system/status", &with(&[])));
        let cached = with(&[
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ]);
        assert!(!never_store("/wall", &cached), "the wall keeps its own");
        let wasm = with(&[(header::CONTENT_TYPE, "application/wasm")]);
        assert!(!never_store("/pkg/ripen.wasm", &wasm));
    }

    #[test]
    fn nonces_are_fresh_and_128_bits() {
        let a = new_nonce();
        assert_eq!(a.len(), 22, "16 bytes in unpadded base64");
        assert_ne!(a, new_nonce());
    }

    #[test]
    fn policy_forbids_framing_plugins_and_foreign_scripts() {
        let p = SecurityPolicy {
            https: false,
            allow_live_reload: false,
        };
        let csp = content_security_policy(&p, "abc");
        assert!(csp.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval';"));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(csp.contains("object-src 'none'"));
        assert!(!csp.contains("unsafe-inline"));
        assert!(!csp.contains("upgrade-insecure-requests"));
        let https = content_security_policy(&SecurityPolicy { https: true, ..p }, "abc");
        assert!(https.ends_with("upgrade-insecure-requests"));
    }
}
