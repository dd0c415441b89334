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

/// Every state-changing server function, with a body that would work from the site.
fn state_changing_calls() -> Vec<(&'static str, String)> {
    use app::account::*;
    use server_fn::ServerFn;
    let form = |v: &[(&str, &str)]| serde_urlencoded::to_string(v).unwrap();
    vec![
        (
            Register::PATH,
            form(&[
                ("username", "mallory"),
                ("email", "mallory@example.com"),
                ("password", crate::accounts::PASSWORD),
                ("age", "on"),
                ("consent", "on"),
            ]),
        ),
        (
            Login::PATH,
            form(&[
                ("identifier", "ada"),
                ("password", crate::accounts::PASSWORD),
            ]),
        ),
        (Logout::PATH, String::new()),
        (VerifyEmail::PATH, form(&[("token", "x")])),
        (ResendVerification::PATH, String::new()),
        (
            RequestPasswordReset::PATH,
            form(&[("email", "ada@example.com")]),
        ),
        (
            ResetPassword::PATH,
            form(&[("token", "x"), ("password", "a brand new secret")]),
        ),
        (UpdateProfile::PATH, form(&[("username", "pwned")])),
        (
            ChangeEmail::PATH,
            form(&[
                ("email", "mallory@example.com"),
                ("current_password", crate::accounts::PASSWORD),
            ]),
        ),
        (
            ChangePassword::PATH,
            form(&[
                ("current_password", crate::accounts::PASSWORD),
                ("password", "mallory was here"),
            ]),
        ),
    ]
}

#[tokio::test]
async fn cross_site_posts_to_every_account_function_are_refused_without_effect() {
    let app = TestApp::spawn().await;
    crate::accounts::verified_user(&app, "ada", "ada@example.com").await;
    let session = app
        .client
        .post(app.url("/api/account/me"))
        .send()
        .await
        .unwrap();
    assert!(session.text().await.unwrap().contains("ada"));
    let cookie = app_cookie(&app).await;
    // The throwaway client's sign-in was from a new browser: its alert is counted before.
    app.emails_to("ada@example.com", 2).await;
    let emails_before = crate::mail::all_in(&app.mail_dir).len();

    for (path, body) in state_changing_calls() {
        for content_type in ["application/x-www-form-urlencoded", "text/plain"] {
            for headers in [
                [
                    ("origin", "https://evil.example"),
                    ("sec-fetch-site", "cross-site"),
                ],
                [
                    ("origin", "https://evil.example"),
                    ("accept", "application/json"),
                ],
                [
                    ("origin", app.site_url.as_str()),
                    ("sec-fetch-site", "cross-site"),
                ],
            ] {
                // The signed-in user's own cookie jar: a real CSRF attempt rides on it.
                let mut req = reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap()
                    .post(app.url(path))
                    .header(header::CONTENT_TYPE, content_type)
                    .header(header::COOKIE, &cookie)
                    .body(body.clone());
                for (k, v) in headers {
                    req = req.header(k, v);
                }
                let res = req.send().await.unwrap();
                assert_eq!(
                    res.status(),
                    StatusCode::FORBIDDEN,
                    "{path} {content_type} {headers:?}"
                );
                assert!(res.headers().get(header::SET_COOKIE).is_none(), "{path}");
            }
        }
        // And never through GET.
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_ne!(res.status(), StatusCode::OK, "GET {path}");
    }

    // Nothing happened: same user, same sessions, no new account, no new email.
    let me = app
        .call(app::account::CurrentUser {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(me.username, "ada");
    assert_eq!(me.email, "ada@example.com");
    app.call(app::account::Login {
        identifier: "ada".into(),
        password: crate::accounts::PASSWORD.into(),
    })
    .await
    .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(crate::mail::all_in(&app.mail_dir).len(), emails_before);
    use sea_orm::{ConnectionTrait, Statement};
    let users = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) FROM user_account",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(users, 1);
}

/// The `Cookie` header the harness client would send (its session).
async fn app_cookie(app: &TestApp) -> String {
    use app::account::Login;
    // Log in through a throwaway client to learn a valid cookie for the same user.
    let client = app.new_client();
    let (_, headers, _) = app
        .call_as(
            &client,
            Login {
                identifier: "ada".into(),
                password: crate::accounts::PASSWORD.into(),
            },
            &[],
        )
        .await;
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| {
            c.split(';')
                .next()
                .filter(|p| p.starts_with("ripen_session="))
        })
        .unwrap()
        .to_owned()
}
