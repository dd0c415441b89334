//! `/healthz` and `/readyz`.

use reqwest::StatusCode;
use serde_json::Value;

use crate::harness::TestApp;

#[tokio::test]
async fn ready_while_the_database_answers_and_not_after() {
    let mut app = TestApp::spawn().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<Value>().await.unwrap()["database"], "ok");

    app.make_database_unreachable().await;

    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = not_ready.text().await.unwrap();
    assert_eq!(
        body, r#"{"database":"unreachable","status":"unavailable"}"#,
        "no error details leak"
    );

    let alive = app.get("/healthz").await;
    assert_eq!(
        alive.status(),
        StatusCode::OK,
        "the process itself is still alive"
    );
}
