//! The error policy, end to end: what the browser sees when the server fails.

use app::{AppError, system::SystemStatus};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::harness::{Backend, TestApp, TestOptions};

#[tokio::test]
async fn server_fn_reads_the_database() {
    let token = "the-operator-s-status-token";
    let app = TestApp::spawn_with(TestOptions {
        config: serde_json::json!({ "status_token": token }),
        ..TestOptions::default()
    })
    .await;
    let (code, _, body) = app
        .call_as(
            &app.client,
            SystemStatus {},
            &[("authorization", &format!("Bearer {token}"))],
        )
        .await;
    assert_eq!(code, StatusCode::OK, "{body}");
    let status: app::system::StatusReport = serde_json::from_str(&body).unwrap();
    let status = status.details.expect("the operator sees the details");
    assert_eq!(
        status.database,
        match app.backend {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    );
    use migrations::MigratorTrait as _;
    let newest = migrations::Migrator::migrations()
        .last()
        .map(|m| m.name().to_owned())
        .unwrap();
    assert_eq!(status.schema_version, newest);
    assert!(status.installed_at.is_some(), "first start recorded");
}

#[tokio::test]
async fn a_database_error_reaches_the_browser_as_a_generic_message() {
    let app = TestApp::spawn().await;
    app.db
        .execute_unprepared("DROP TABLE system_setting")
        .await
        .unwrap();

    let (status, headers, body) = app.call_raw(SystemStatus {}).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    for leak in [
        "system_setting",
        "SELECT",
        "select",
        "table",
        "relation",
        "sqlite",
        "postgres",
        "/tmp",
        "DbErr",
        "Query",
    ] {
        assert!(!body.contains(leak), "the body leaks {leak:?}: {body}");
    }
    let error: AppError = serde_json::from_str(&body).expect("an AppError");
    let request_id = headers["x-request-id"].to_str().unwrap();
    assert_eq!(
        error,
        AppError::Internal {
            reference: request_id.to_owned()
        },
        "the reference is the request id, which is also in the log"
    );
    assert!(error.to_string().contains(request_id));

    // The status page shows the same generic message.
    let (_, _, page) = app.get_text("/status").await;
    let page = crate::harness::without_markers(&page);
    assert!(page.contains("Something went wrong on our side"), "{page}");
    assert!(!page.contains("system_setting"));
}

#[tokio::test]
async fn malformed_server_fn_calls_are_refused_without_details() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/api/no/such/fn"))
        .body("x=1")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let body = res.text().await.unwrap();
    assert!(
        !body.contains("register_explicit"),
        "no framework internals: {body}"
    );
}
