//! State-changing requests from other sites are refused before any handler runs.

use app::{AppError, system::SystemStatus};
use reqwest::{StatusCode, header};

use crate::harness::TestApp;

async fn post_status(app: &TestApp, headers: &[(&str, &str)]) -> (StatusCode, String) {
    // A client without the harness's default Origin header.
    let client = reqwest::Client::new();
    let mut req = client.post(app.url(<SystemStatus as server_fn::ServerFn>::PATH));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn same_origin_requests_pass() {
    let app = TestApp::spawn().await;
    let site = app.site_url.clone();
    assert_eq!(
        post_status(&app, &[("sec-fetch-site", "same-origin")])
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        post_status(&app, &[("origin", &site)]).await.0,
        StatusCode::OK
    );
    assert!(
        app.call(SystemStatus {}).await.is_ok(),
        "the harness behaves like the site"
    );
}

#[tokio::test]
async fn cross_site_and_unattributed_requests_are_refused() {
    let app = TestApp::spawn().await;
    let site = app.site_url.clone();
    for headers in [
        vec![
            ("sec-fetch-site", "cross-site"),
            ("origin", "https://evil.example"),
        ],
        vec![("sec-fetch-site", "cross-site"), ("origin", site.as_str())],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "https://evil.example")],
        vec![("origin", "null")],
        vec![],
    ] {
        let (status, body) = post_status(&app, &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(
            serde_json::from_str::<AppError>(&body).unwrap(),
            AppError::Forbidden
        );
    }
    // Pages are still readable from anywhere.
    let res = reqwest::Client::new()
        .get(app.url("/"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}
