//! The colour theme and the language over HTTP: decided by the server before rendering (no
//! flash, no English first), and remembered only where the person allows it — in the
//! browser with "language and theme" allowed, on the account when signed in.

use app::{
    account::Login,
    consent::SaveConsent,
    prefs::{LanguageSaved, SetLanguage, SetTheme, ThemeSaved},
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
    let cookie = set_cookies(&headers, "ripen_theme").into_iter().next();
    (serde_json::from_str(&body).unwrap(), cookie)
}

/// The `Set-Cookie` values of a response that set the cookie `name`.
fn set_cookies(headers: &reqwest::header::HeaderMap, name: &str) -> Vec<String> {
    let prefix = format!("{name}=");
    headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|c| c.starts_with(&prefix))
        .map(str::to_owned)
        .collect()
}

/// A new browser, logged in as `username`.
async fn logged_in_browser(app: &TestApp, username: &str) -> reqwest::Client {
    let browser = app.new_client();
    let (status, _, body) = app
        .call_as(
            &browser,
            Login {
                identifier: username.into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    browser
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
    let laptop = logged_in_browser(&app, "ann").await;
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
    let cleared = set_cookies(&headers, "ripen_theme")
        .iter()
        .any(|c| c.starts_with("ripen_theme=;") && c.contains("Max-Age=0"));
    assert!(cleared, "{headers:?}");
    assert_eq!(rendered(&app, c, "/").await.0, "light");
}

/// A page's `<html lang>` and body, fetched with an optional `Accept-Language`.
async fn page_lang(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    accept: Option<&str>,
) -> (String, String) {
    let mut req = client.get(app.url(path));
    if let Some(a) = accept {
        req = req.header("accept-language", a);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let body = res.text().await.unwrap();
    let from = body.find("<html lang=\"").expect("<html lang>") + "<html lang=\"".len();
    (body[from..].split('"').next().unwrap().to_owned(), body)
}

async fn set_language(
    app: &TestApp,
    client: &reqwest::Client,
    lang: &str,
) -> (LanguageSaved, Option<String>) {
    let (status, headers, body) = app
        .call_as(client, SetLanguage { lang: lang.into() }, &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cookie = set_cookies(&headers, "ripen_lang").into_iter().next();
    (serde_json::from_str(&body).unwrap(), cookie)
}

#[tokio::test]
async fn the_language_follows_the_account_then_the_browser_then_accept_language() {
    let app = TestApp::spawn().await;
    let c = &app.client;

    // Nothing chosen: English, or what the browser asks for.
    let (lang, body) = page_lang(&app, c, "/timer", None).await;
    assert_eq!(lang, "en");
    assert!(body.contains(">Timer<"), "English navigation");
    let (lang, body) = page_lang(&app, c, "/timer", Some("zh-CN,zh;q=0.9,en;q=0.8")).await;
    assert_eq!(lang, "zh-Hans");
    assert!(body.contains(">计时<") && !body.contains(">Timer<"));
    let (lang, _) = page_lang(&app, c, "/", Some("fr-FR, en;q=0.5, zh;q=0.4")).await;
    assert_eq!(lang, "en");

    // Server functions answer in the same language: a field error, in Chinese.
    let (status, _, body) = app
        .call_as(
            c,
            SetTheme {
                theme: "purple".into(),
            },
            &[("accept-language", "zh-CN")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("\"field\":\"theme\"") && body.contains("请选择"),
        "{body}"
    );

    // A bad language names its field.
    let (status, _, body) = app
        .call_as(c, SetLanguage { lang: "tlh".into() }, &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("\"field\":\"lang\""), "{body}");

    // A visitor without "language and theme" allowed: kept for this browser session only.
    let (saved, cookie) = set_language(&app, c, "zh-Hans").await;
    assert!(!saved.remembered);
    let cookie = cookie.expect("a language cookie");
    assert!(
        cookie.starts_with("ripen_lang=zh-Hans;") && !cookie.contains("Max-Age"),
        "a session cookie: {cookie}"
    );
    assert_eq!(page_lang(&app, c, "/", Some("en")).await.0, "zh-Hans");

    // Allowed: remembered for a year.
    let (status, _, _) = app.call_as(c, consent(true), &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (saved, cookie) = set_language(&app, c, "zh-Hans").await;
    assert!(saved.remembered);
    assert!(cookie.unwrap().contains("Max-Age=31536000"));
    // The wall's visitor page cache keeps the languages apart.
    assert_eq!(page_lang(&app, c, "/wall", None).await.0, "zh-Hans");
    let stranger = app.new_client();
    assert_eq!(page_lang(&app, &stranger, "/wall", None).await.0, "en");

    // Signing up keeps it on the account: another browser, asking for English, gets Chinese.
    verified_user(&app, "mei", "mei@example.com").await;
    let laptop = logged_in_browser(&app, "mei").await;
    let (lang, body) = page_lang(&app, &laptop, "/account", Some("en-US")).await;
    assert_eq!(lang, "zh-Hans");
    assert!(body.contains("账户"));

    // Switched to English on the laptop: the account's setting wins over the first
    // browser's own cookie, which still says Chinese.
    let (saved, _) = set_language(&app, &laptop, "en").await;
    assert!(saved.remembered && saved.lang == app::i18n::Lang::En);
    assert_eq!(page_lang(&app, &laptop, "/timer", None).await.0, "en");
    assert_eq!(page_lang(&app, c, "/timer", Some("zh")).await.0, "en");

    // Withdrawing "language and theme" deletes the cookie.
    let (_, headers, _) = app.call_as(c, consent(false), &[]).await;
    assert!(
        set_cookies(&headers, "ripen_lang")
            .iter()
            .any(|c| c.starts_with("ripen_lang=;") && c.contains("Max-Age=0")),
        "{headers:?}"
    );
}
