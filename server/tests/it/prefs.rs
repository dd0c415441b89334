//! The colour theme over HTTP: decided by the server before rendering (no flash), and
//! remembered only where the person allows it — in the browser with "language and theme"
//! allowed, on the account when signed in.

use app::{
    account::Login,
    prefs::{SetTheme, ThemeSaved},
    privacy::SaveConsent,
};
use reqwest::StatusCode;

use crate::{
    accounts::{PASSWORD, verified_user},
    harness::TestApp,
};

/// The theme a page was rendered with: `<html data-theme>` and the declared colour scheme.
async fn rendered(app: &TestApp, client: &reqwest::Client, path: &str) -> (String, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let body = res.text().await.unwrap();
    let attr = |start: &str| {
        let from = body
            .find(start)
            .unwrap_or_else(|| panic!("{start} in {path}"))
            + start.len();
        body[from..].split('"').next().unwrap().to_owned()
    };
    (
        attr("<html lang=\"en\" data-theme=\""),
        attr("<meta name=\"color-scheme\" content=\""),
    )
}

async fn set_theme(
    app: &TestApp,
    client: &reqwest::Client,
    theme: &str,
) -> (ThemeSaved, Option<String>) {
    let (status, headers, body) = app
        .call_as(
            client,
            SetTheme {
                theme: theme.into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("ripen_theme="))
        .map(str::to_owned);
    (serde_json::from_str(&body).unwrap(), cookie)
}

fn consent(functional: bool) -> SaveConsent {
    SaveConsent {
        choice: "custom".into(),
        functional: functional.then(|| "on".into()),
        statistics: None,
        improvement: None,
        source: Some("settings".into()),
    }
}

#[tokio::test]
async fn the_theme_is_rendered_by_the_server_and_remembered_only_where_allowed() {
    let app = TestApp::spawn().await;
    let c = &app.client;
    assert_eq!(
        rendered(&app, c, "/").await,
        ("system".into(), "light dark".into())
    );

    // Bad input names the field.
    let (status, _, body) = app
        .call_as(
            c,
            SetTheme {
                theme: "purple".into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("\"field\":\"theme\""), "{body}");

    // A visitor who has not allowed "language and theme": shown, not remembered.
    let (saved, cookie) = set_theme(&app, c, "dark").await;
    assert!(!saved.remembered);
    assert_eq!(cookie, None);
    assert_eq!(rendered(&app, c, "/").await.0, "system");

    // Allowed: remembered in this browser, and the server renders it (pages and the cached wall).
    let (status, _, _) = app.call_as(c, consent(true), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (saved, cookie) = set_theme(&app, c, "dark").await;
    assert!(saved.remembered);
    let cookie = cookie.expect("a theme cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(rendered(&app, c, "/").await, ("dark".into(), "dark".into()));
    assert_eq!(rendered(&app, c, "/wall").await.0, "dark");
    let stranger = app.new_client();
    assert_eq!(rendered(&app, &stranger, "/wall").await.0, "system");
    assert_eq!(rendered(&app, c, "/wall").await.0, "dark");

    // Signing up keeps it on the account; another browser of the account renders it too.
    verified_user(&app, "ann", "ann@example.com").await;
    let laptop = app.new_client();
    let (status, _, body) = app
        .call_as(
            &laptop,
            Login {
                identifier: "ann".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(rendered(&app, &laptop, "/timer").await.0, "dark");

    // Changed on the laptop (no theme cookie there): the account remembers it.
    let (saved, cookie) = set_theme(&app, &laptop, "light").await;
    assert!(saved.remembered);
    assert_eq!(
        cookie, None,
        "the laptop's privacy choices allow no theme cookie"
    );
    assert_eq!(rendered(&app, &laptop, "/account").await.0, "light");
    // This browser's own cookie still says dark, and wins here...
    assert_eq!(rendered(&app, c, "/").await.0, "dark");
    // ...until "language and theme" is withdrawn: the cookie is deleted, the account's stands.
    let (_, headers, _) = app.call_as(c, consent(false), &[]).await;
    let cleared = headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|c| c.starts_with("ripen_theme=;") && c.contains("Max-Age=0"));
    assert!(cleared, "{headers:?}");
    assert_eq!(rendered(&app, c, "/").await.0, "light");
}
