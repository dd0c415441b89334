//! Security headers on every response, with a fresh CSP nonce per response.
//!
//! The middleware mints the nonce, hands it to the page renderer through the request's
//! extensions ([`app::request::CspNonce`]; `app::request::provide_nonce` gives it to
//! Leptos), and writes the same value into `Content-Security-Policy`. So the hydration
//! script is the only inline script that runs, and nothing else inline can.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use http::{HeaderValue, header};

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

pub async fn security_headers(
    State(policy): State<SecurityPolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let referrer_policy = referrer_policy(req.uri().path());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
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
