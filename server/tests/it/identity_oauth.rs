//! GitHub's and WeChat's sign-in, against local servers that speak their protocols as
//! documented (GitHub: an OAuth app's authorize page, `POST /login/oauth/access_token`
//! answering 200 with an `error` for a bad code, PKCE S256, `GET /user` and
//! `/user/emails`; WeChat website login: `/connect/qrconnect`, then
//! `/sns/oauth2/access_token` answering 200 with `errcode` on error). Each code works once
//! and only with the right secret (and, for GitHub, the right PKCE verifier).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use app::{
    account::{CurrentUser, Logout},
    identity::{FinishProviderSignUp, LinkedIdentities},
};
use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::{
    accounts::{count, verified_user},
    harness::{TestApp, TestOptions},
    identity::{navigate, with_param},
};

const SECRET: &str = "fake-secret";

/// A code the fake issued: who it is for, and the PKCE challenge it was asked with.
#[derive(Clone)]
struct Issued {
    user: String,
    challenge: Option<String>,
}

#[derive(Clone, Default)]
struct Fake {
    codes: Arc<Mutex<HashMap<String, Issued>>>,
    tokens: Arc<Mutex<HashMap<String, String>>>,
}

impl Fake {
    fn issue(&self, user: &str, challenge: Option<String>) -> String {
        let code = uuid::Uuid::new_v4().simple().to_string();
        self.codes.lock().unwrap().insert(
            code.clone(),
            Issued {
                user: user.to_owned(),
                challenge,
            },
        );
        code
    }

    /// Uses up `code`; the token for its user.
    fn redeem(&self, code: &str) -> Option<(Issued, String)> {
        let issued = self.codes.lock().unwrap().remove(code)?;
        let token = uuid::Uuid::new_v4().simple().to_string();
        self.tokens
            .lock()
            .unwrap()
            .insert(token.clone(), issued.user.clone());
        Some((issued, token))
    }
}

fn s256(verifier: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    let bytes = digest.as_ref();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

fn back_to(redirect: &str, code: &str, state: &str) -> Response {
    let mut url = reqwest::Url::parse(redirect).unwrap();
    url.query_pairs_mut()
        .append_pair("code", code)
        .append_pair("state", state);
    Redirect::to(url.as_str()).into_response()
}

async fn github_authorize(
    State(f): State<Fake>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return (StatusCode::BAD_REQUEST, "PKCE S256 expected").into_response();
    }
    let user = q.get("login").cloned().unwrap_or_else(|| "octo".into());
    let code = f.issue(&user, q.get("code_challenge").cloned());
    back_to(&q["redirect_uri"], &code, &q["state"])
}

async fn github_token(
    State(f): State<Fake>,
    Form(form): Form<HashMap<String, String>>,
) -> Json<Value> {
    let refused = Json(json!({ "error": "bad_verification_code" }));
    if form.get("client_secret").map(String::as_str) != Some(SECRET) {
        return Json(json!({ "error": "incorrect_client_credentials" }));
    }
    let Some((issued, token)) = form.get("code").and_then(|c| f.redeem(c)) else {
        return refused;
    };
    let verifier = form
        .get("code_verifier")
        .map(String::as_str)
        .unwrap_or_default();
    if issued.challenge.as_deref() != Some(s256(verifier).as_str()) {
        return refused;
    }
    Json(json!({ "access_token": token, "token_type": "bearer", "scope": "user:email" }))
}

fn bearer(f: &Fake, headers: &HeaderMap) -> Option<String> {
    let token = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")?;
    f.tokens.lock().unwrap().get(token).cloned()
}

async fn github_user(State(f): State<Fake>, headers: HeaderMap) -> Response {
    match bearer(&f, &headers).as_deref() {
        Some("octo") => Json(json!({ "id": 583231, "login": "octo" })).into_response(),
        Some("hubot") => Json(json!({ "id": 42, "login": "hubot" })).into_response(),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn github_emails(State(f): State<Fake>, headers: HeaderMap) -> Response {
    match bearer(&f, &headers).as_deref() {
        Some("octo") => Json(json!([
            { "email": "old@example.test", "primary": false, "verified": true, "visibility": null },
            { "email": "octo@example.test", "primary": true, "verified": true, "visibility": "public" },
        ]))
        .into_response(),
        // hubot's primary address is not verified.
        Some("hubot") => Json(json!([
            { "email": "hubot@example.test", "primary": true, "verified": false, "visibility": null },
        ]))
        .into_response(),
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn wechat_authorize(
    State(f): State<Fake>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("scope").map(String::as_str) != Some("snsapi_login") || !q.contains_key("appid") {
        return (StatusCode::BAD_REQUEST, "scope and appid expected").into_response();
    }
    let code = f.issue("wx-person", None);
    back_to(&q["redirect_uri"], &code, &q["state"])
}

async fn wechat_token(
    State(f): State<Fake>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    if q.get("secret").map(String::as_str) != Some(SECRET)
        || q.get("grant_type").map(String::as_str) != Some("authorization_code")
    {
        return Json(json!({ "errcode": 40125, "errmsg": "invalid appsecret" }));
    }
    match q.get("code").and_then(|c| f.redeem(c)) {
        Some((_, token)) => Json(json!({
            "access_token": token, "expires_in": 7200, "refresh_token": "r",
            "openid": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M", "scope": "snsapi_login",
            "unionid": "o6_bmasdasdsad6_2sgVt7hMZOPfL",
        })),
        None => Json(json!({ "errcode": 40029, "errmsg": "invalid code" })),
    }
}

/// Ripen with GitHub and WeChat both pointed at one local fake.
async fn spawn() -> TestApp {
    let fake = Fake::default();
    let router = Router::new()
        .route("/login/oauth/authorize", get(github_authorize))
        .route("/login/oauth/access_token", post(github_token))
        .route("/user", get(github_user))
        .route("/user/emails", get(github_emails))
        .route("/connect/qrconnect", get(wechat_authorize))
        .route("/sns/oauth2/access_token", get(wechat_token))
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    TestApp::spawn_with(TestOptions {
        config: json!({
            "sign_in": { "providers": [
                { "id": "github", "kind": "github", "name": "GitHub", "issuer": base,
                  "api_url": base, "client_id": "gh-client", "client_secret": SECRET },
                { "id": "wechat", "kind": "wechat", "name": "微信", "issuer": base,
                  "api_url": base, "client_id": "wx-app", "client_secret": SECRET },
            ]}
        }),
        ..TestOptions::default()
    })
    .await
}

/// Starts at `provider` (as `login`, for GitHub), through the fake, to the callback
/// address (not yet opened).
async fn through(app: &TestApp, provider: &str, login: Option<&str>, link: bool) -> String {
    let mut start = format!("/api/auth/start?provider={provider}");
    if link {
        start.push_str("&link=1");
    }
    let mut authorize = navigate(&app.client, &app.url(&start)).await;
    if let Some(login) = login {
        authorize = authorize.replace('#', &format!("&login={login}#"));
        if !authorize.contains("login=") {
            authorize.push_str(&format!("&login={login}"));
        }
    }
    // WeChat's address ends in a fragment the browser keeps to itself.
    let authorize = authorize.split('#').next().unwrap().to_owned();
    navigate(&app.client, &authorize).await
}

#[tokio::test]
async fn github_signs_up_by_its_numeric_id_and_a_code_works_once() {
    let app = spawn().await;
    let callback = through(&app, "github", Some("octo"), false).await;
    assert_eq!(navigate(&app.client, &callback).await, "/signup/provider");
    let pending = app
        .call(app::identity::PendingSignUp {})
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        pending.email, "octo@example.test",
        "the primary, verified address"
    );
    app.call(FinishProviderSignUp {
        username: "octo".into(),
        age: Some("on".into()),
        consent: Some("on".into()),
        timezone: None,
    })
    .await
    .unwrap();
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM auth_identity WHERE subject = '583231'"
        )
        .await,
        1,
        "keyed on the numeric id, not the login name"
    );

    // Signed out, GitHub signs in again; replaying the callback (its code is used) does not.
    app.call(Logout {}).await.unwrap();
    let callback = through(&app, "github", Some("octo"), false).await;
    assert_eq!(navigate(&app.client, &callback).await, "/account");
    app.call(Logout {}).await.unwrap();
    assert_eq!(
        navigate(&app.client, &callback).await,
        "/login?provider_error=expired"
    );

    // An unverified primary address is no address: no sign-up.
    assert_eq!(
        navigate(
            &app.client,
            &through(&app, "github", Some("hubot"), false).await
        )
        .await,
        "/login?provider_error=no_email"
    );
    assert!(app.call(CurrentUser {}).await.unwrap().is_none());
}

#[tokio::test]
async fn wechat_shares_no_address_so_it_is_linked_to_an_account_and_then_signs_in() {
    let app = spawn().await;
    // No address from WeChat: sign up with a password first.
    let callback = through(&app, "wechat", None, false).await;
    assert!(callback.contains("code=") && callback.contains("state="));
    assert_eq!(
        navigate(&app.client, &callback).await,
        "/login?provider_error=no_email"
    );

    verified_user(&app, "mei", "mei@example.com").await;
    let callback = through(&app, "wechat", None, true).await;
    assert_eq!(
        navigate(&app.client, &callback).await,
        "/account?linked=1#sign-in-h"
    );
    let card = app.call(LinkedIdentities {}).await.unwrap();
    assert_eq!(card.linked[0].provider, "微信");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM auth_identity WHERE subject = 'union:o6_bmasdasdsad6_2sgVt7hMZOPfL'"
        )
        .await,
        1,
        "keyed on the unionid"
    );

    app.call(Logout {}).await.unwrap();
    let callback = through(&app, "wechat", None, false).await;
    assert_eq!(navigate(&app.client, &callback).await, "/account");
    assert_eq!(
        app.call(CurrentUser {}).await.unwrap().unwrap().username,
        "mei"
    );

    // A code WeChat does not know (errcode 40029 with HTTP 200) is refused.
    app.call(Logout {}).await.unwrap();
    let callback = through(&app, "wechat", None, false).await;
    let url = with_param(&callback, "code", "forged");
    assert_eq!(
        navigate(&app.client, &url).await,
        "/login?provider_error=failed"
    );
    assert!(app.call(CurrentUser {}).await.unwrap().is_none());
}
