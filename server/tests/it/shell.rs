//! The app shell as a browser receives it: server-rendered pages and their headers.

use regex_lite::Regex;
use reqwest::{StatusCode, header};
use serde_json::json;

use crate::harness::{TestApp, TestOptions, without_markers};

#[tokio::test]
async fn landing_page_is_rendered_on_the_server() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = app.get_text("/").await;
    let body = without_markers(&body);
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    // The content itself, not an empty shell waiting for JavaScript.
    assert!(
        body.contains("<h1 id=\"hero-title\">Focus today. Write to who you’ll become.</h1>"),
        "{body}"
    );
    assert!(body.contains("Start a one-minute focus"));
    assert!(body.contains(">1:00<"), "the demo timer is rendered");
    for section in ["/timer", "/diary", "/letters", "/wall", "/account"] {
        assert!(
            body.contains(&format!("href=\"{section}\"")),
            "nav link to {section}"
        );
    }
    assert!(body.contains("<title>Ripen</title>"));
    // And the code that hydrates it.
    assert!(body.contains("mod.hydrate()"), "hydration script present");
    app.stop().await;
}

#[tokio::test]
async fn the_legal_pages_are_published_with_their_version() {
    let app = TestApp::spawn().await;
    for (path, title) in [("/privacy", "Privacy policy"), ("/terms", "Terms of use")] {
        let (status, _, body) = app.get_text(path).await;
        let body = without_markers(&body);
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(body.contains(&format!(">{title}</h1>")), "{path}: {body}");
        assert!(
            body.contains(&format!("Version {}", app::privacy::POLICY_VERSION)),
            "{path}"
        );
        assert!(!body.contains("Coming soon"), "{path}");
        assert!(
            body.contains(&format!("<title>{title} · Ripen</title>")),
            "{path}"
        );
    }
}

#[tokio::test]
async fn unknown_pages_get_a_404_page() {
    let app = TestApp::spawn().await;
    let (status, headers, body) = app.get_text("/this/does/not/exist").await;
    let body = without_markers(&body);
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(body.contains("This page has not ripened"));
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
}

#[tokio::test]
async fn csp_nonce_matches_every_inline_script_and_changes_per_response() {
    let app = TestApp::spawn().await;
    let nonce_re = Regex::new(r"'nonce-([A-Za-z0-9_-]{22})'").unwrap();
    let script_re = Regex::new(r"<script\b([^>]*)>").unwrap();
    let mut seen = Vec::new();
    for path in ["/", "/status", "/missing"] {
        let (_, headers, body) = app.get_text(path).await;
        let csp = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .to_owned();
        let nonce = nonce_re.captures(&csp).expect("CSP has a nonce")[1].to_owned();
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let scripts: Vec<_> = script_re.captures_iter(&body).collect();
        assert!(!scripts.is_empty(), "{path} has the hydration script");
        for s in scripts {
            let attrs = &s[1];
            if attrs.contains("src=") {
                continue;
            }
            assert!(
                attrs.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: inline script without the response's nonce: <script{attrs}>"
            );
        }
        seen.push(nonce);
    }
    seen.dedup();
    assert_eq!(seen.len(), 3, "a fresh nonce for every response");
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = TestApp::spawn().await;
    for path in ["/", "/healthz", "/missing", "/pkg/none.js"] {
        let (_, h, _) = app.get_text(path).await;
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h[header::REFERRER_POLICY], "same-origin", "{path}");
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            !h.contains_key(header::STRICT_TRANSPORT_SECURITY),
            "no HSTS over http"
        );
        assert!(h.contains_key("x-request-id"), "{path}");
    }
}

#[tokio::test]
async fn hsts_when_the_site_is_served_over_https() {
    let app = TestApp::spawn_with(TestOptions {
        site_url: Some("https://ripen.example".into()),
        ..Default::default()
    })
    .await;
    let (_, h, _) = app.get_text("/").await;
    assert_eq!(
        h[header::STRICT_TRANSPORT_SECURITY],
        "max-age=63072000; includeSubDomains"
    );
    assert!(
        h[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap()
            .contains("upgrade-insecure-requests")
    );
}

#[tokio::test]
async fn every_request_gets_its_own_id() {
    let app = TestApp::spawn().await;
    let a = app.get("/healthz").await.headers()["x-request-id"].clone();
    let b = app.get("/healthz").await.headers()["x-request-id"].clone();
    assert_ne!(a, b);
    assert_eq!(a.len(), 36, "a UUID");
}

#[tokio::test]
async fn hashed_assets_are_cached_for_a_year_and_compressed() {
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "hash_files": true }),
        ..Default::default()
    })
    .await;
    let js = "export function hydrate() {}\n".repeat(200);
    std::fs::write(app.site_root.join("pkg/ripen.abc123.js"), &js).unwrap();

    // A client that shows the encoding instead of undoing it.
    let raw = reqwest::Client::builder()
        .no_gzip()
        .no_brotli()
        .build()
        .unwrap();
    for encoding in ["br", "gzip"] {
        let res = raw
            .get(app.url("/pkg/ripen.abc123.js"))
            .header(header::ACCEPT_ENCODING, encoding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(
            res.headers()[header::CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert_eq!(res.headers()[header::CONTENT_ENCODING], encoding);
        let compressed = res.bytes().await.unwrap();
        assert!(
            compressed.len() < js.len() / 10,
            "{encoding}: {} bytes",
            compressed.len()
        );
    }
    // The decoding client gets the file back intact.
    assert_eq!(
        app.get("/pkg/ripen.abc123.js").await.text().await.unwrap(),
        js
    );

    let missing = app.get("/pkg/ripen.nothere.js").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unhashed_assets_are_revalidated() {
    let app = TestApp::spawn().await; // hash_files = false
    std::fs::write(app.site_root.join("pkg/ripen.js"), "x").unwrap();
    let res = app.get("/pkg/ripen.js").await;
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-cache");
}

#[tokio::test]
async fn pages_still_render_when_the_hash_file_is_missing() {
    // Hashed names configured, but no hash.txt beside the (test) executable: Leptos would
    // panic on every page; the server falls back to plain names and logs a warning.
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "hash_files": true }),
        ..Default::default()
    })
    .await;
    let (status, _, body) = app.get_text("/").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(without_markers(&body).contains("Focus today"));
}

/// Issue 26: ids are unique on every page (`/account` had three `field-current_password`
/// inputs, so labels and error messages pointed at the wrong field) — for a visitor and a
/// signed-in person, in English and in Chinese.
#[tokio::test]
async fn ids_are_unique_on_every_page_in_both_languages_signed_in_and_out() {
    let app = TestApp::spawn().await;
    let visitor = app.new_client();
    crate::accounts::verified_user(&app, "ann", "ann@example.com").await;
    let pages = [
        "/",
        "/timer",
        "/diary",
        "/diary/stats",
        "/diary/history",
        "/letters",
        "/wall",
        "/account",
        "/login",
        "/signup",
        "/forgot-password",
        "/privacy",
        "/terms",
        "/status",
        "/admin/moderation",
        "/admin/audit",
        "/admin/accounts",
    ];
    let id = Regex::new(r#"\sid="([^"]+)""#).unwrap();
    let mut problems = Vec::new();
    for (who, client) in [("visitor", &visitor), ("ann", &app.client)] {
        for lang in ["en", "zh-CN"] {
            for path in pages {
                let html = client
                    .get(app.url(path))
                    .header("accept-language", lang)
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let html = without_markers(&html);
                let mut seen = std::collections::HashMap::<&str, usize>::new();
                for c in id.captures_iter(&html) {
                    *seen.entry(c.get(1).unwrap().as_str()).or_default() += 1;
                }
                assert!(seen.len() > 3, "{who} {lang} {path}: a page with ids");
                let mut twice: Vec<_> = seen.into_iter().filter(|(_, n)| *n > 1).collect();
                twice.sort();
                if !twice.is_empty() {
                    problems.push(format!("{who} {lang} {path}: {twice:?}"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "ids used twice:\n{}",
        problems.join("\n")
    );
}
