//! Signing in through another service, against a real OpenID provider (npm
//! `oidc-provider`, `server/tests/oidc/provider.mjs`, installed by `scripts/setup --test`)
//! started on loopback: sign up, sign in, link, unlink; replayed and forged answers refused
//! with nothing stored; only `(issuer, subject)` kept.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
};

use app::{
    account::{
        BeginTwoStep, ConfirmTwoStep, CurrentUser, LoginCode, Logout,
        ssr::two_step::{decode_base32, totp},
    },
    identity::{FinishProviderSignUp, LinkedIdentities, PendingSignUp, UnlinkIdentity},
};
use reqwest::{StatusCode, header};
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    accounts::{count, verified_user},
    harness::{TestApp, TestOptions},
    security::events_of,
};

/// A running test provider; killed on drop.
struct Provider {
    issuer: String,
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider for a Ripen at `site`, on a free port (retried if another
    /// process takes the port first), and waits until it says it is ready.
    fn start(site: &str) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the test OpenID provider is not installed: run scripts/setup --test"
        );
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new("node")
                .arg("provider.mjs")
                .current_dir(&dir)
                .env("OIDC_PORT", port.to_string())
                .env("OIDC_REDIRECT", format!("{site}/api/auth/callback"))
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("node runs the test provider");
            let stdout = child.stdout.take().expect("its output");
            let mut first = String::new();
            // It prints "ready <issuer>" once listening, or exits (port taken).
            let mut reader = BufReader::new(stdout);
            let _ = reader.read_line(&mut first);
            if first.starts_with("ready ") {
                // Whatever it prints later is read and dropped (a closed pipe would stop it).
                std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
                return Self {
                    issuer: first.trim()["ready ".len()..].to_owned(),
                    child,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("the test OpenID provider did not start on any of 5 ports");
    }
}

/// Ripen with the provider configured as `test`, on a port the provider knows.
async fn spawn() -> (TestApp, Provider) {
    spawn_with(json!({})).await
}

/// The same, with more configuration (`extra`'s keys).
async fn spawn_with(extra: serde_json::Value) -> (TestApp, Provider) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    let provider = Provider::start(&site);
    let mut config = json!({
        "sign_in": { "providers": [{
            "id": "test",
            "kind": "oidc",
            "name": "Test ID",
            "issuer": provider.issuer,
            "client_id": "ripen",
            "client_secret": "ripen-test-secret",
        }]}
    });
    if let (Some(map), Some(more)) = (config.as_object_mut(), extra.as_object()) {
        map.extend(more.clone());
    }
    let app = TestApp::spawn_with(TestOptions {
        listener: Some(listener),
        config,
        ..TestOptions::default()
    })
    .await;
    (app, provider)
}

/// A browser navigation: `Accept: text/html`, answered with a redirect.
pub(crate) async fn navigate(client: &reqwest::Client, url: &str) -> String {
    let res = client
        .get(url)
        .header(header::ACCEPT, "text/html")
        .send()
        .await
        .expect("request");
    assert!(
        res.status().is_redirection(),
        "{url} answered {} instead of a redirect",
        res.status()
    );
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("a Location")
        .to_owned()
}

/// Starts a sign-in (or a link) at the provider as the account `hint`, follows the
/// provider's pages, and answers the callback address it sends the browser back to (not
/// yet opened).
async fn through_provider(
    app: &TestApp,
    client: &reqwest::Client,
    hint: &str,
    link: bool,
) -> String {
    let start = if link {
        "/api/auth/start?provider=test&link=1"
    } else {
        "/api/auth/start?provider=test"
    };
    let authorize = navigate(client, &app.url(start)).await;
    let mut url = reqwest::Url::parse(&authorize).expect("the provider's address");
    url.query_pairs_mut().append_pair("login_hint", hint);
    // The provider's pages with a jar of their own: each sign-in there starts afresh (a
    // session of the previous account would answer for it).
    let at_provider = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut next = url.to_string();
    for _ in 0..10 {
        let location = navigate(&at_provider, &next).await;
        let resolved = reqwest::Url::parse(&next).unwrap().join(&location).unwrap();
        if resolved.as_str().starts_with(&app.base) {
            return resolved.to_string();
        }
        next = resolved.to_string();
    }
    panic!("the provider never sent the browser back");
}

/// Through the provider and back: where Ripen sends the browser.
async fn sign_in_as(app: &TestApp, client: &reqwest::Client, hint: &str, link: bool) -> String {
    let callback = through_provider(app, client, hint, link).await;
    navigate(client, &callback).await
}

/// `url` with its query parameter `key` set to `value` (as a forger would).
pub(crate) fn with_param(url: &str, key: &str, value: &str) -> String {
    let mut url = reqwest::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == key {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs);
    url.into()
}

fn finish(username: &str) -> FinishProviderSignUp {
    FinishProviderSignUp {
        username: username.into(),
        age: Some("on".into()),
        consent: Some("on".into()),
        timezone: Some("Europe/Berlin".into()),
    }
}

async fn identities(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM auth_identity").await
}

#[tokio::test]
async fn a_provider_signs_up_and_in_and_only_its_issuer_and_subject_are_kept() {
    let (app, provider) = spawn().await;
    let callback = through_provider(&app, &app.client, "alice", false).await;
    assert!(callback.contains("code=") && callback.contains("state="));
    assert_eq!(navigate(&app.client, &callback).await, "/signup/provider");
    // Nothing is stored before the person finishes the form.
    assert_eq!(identities(&app).await, 0);
    let pending = app
        .call(PendingSignUp {})
        .await
        .unwrap()
        .expect("a sign-up waits");
    assert_eq!(pending.provider, "Test ID");
    assert_eq!(pending.email, "alice@example.test");

    // The same statements as the password sign-up, each named.
    let mut missing = finish("alice");
    missing.consent = None;
    match app.call(missing).await {
        Err(app::AppError::Validation { fields }) => assert_eq!(fields[0].field, "consent"),
        other => panic!("a consent error expected: {other:?}"),
    }
    let (status, headers, body) = app.call_as(&app.client, finish("alice"), &[]).await;
    assert!(status.is_success(), "{status} {body}");
    assert_eq!(headers[header::LOCATION], "/account");
    let me = app.call(CurrentUser {}).await.unwrap().expect("signed in");
    assert_eq!(me.email, "alice@example.test");
    assert!(me.email_verified, "the provider confirmed it");
    assert!(me.provider_only);

    // The row holds the identity triple and times, nothing from the provider's profile.
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT * FROM auth_identity",
        ))
        .await
        .unwrap()
        .unwrap();
    let mut columns = row.column_names();
    columns.sort();
    assert_eq!(
        columns,
        [
            "created_ms",
            "id",
            "issuer",
            "last_used_ms",
            "provider",
            "subject",
            "user_id"
        ]
    );
    assert_eq!(
        row.try_get::<String>("", "issuer").unwrap(),
        provider.issuer
    );
    assert_eq!(row.try_get::<String>("", "subject").unwrap(), "alice");
    // The flow is gone once used.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM auth_flow").await, 0);

    // The sign-up cannot be finished twice.
    assert!(app.call(finish("alice2")).await.is_err());

    // Signed out, the provider signs the same account in.
    app.call(Logout {}).await.unwrap();
    assert_eq!(
        sign_in_as(&app, &app.client, "alice", false).await,
        "/account"
    );
    let me = app.call(CurrentUser {}).await.unwrap().expect("signed in");
    assert_eq!(me.username, "alice");
    assert_eq!(identities(&app).await, 1);

    // Its only way in cannot be removed.
    let card = app.call(LinkedIdentities {}).await.unwrap();
    assert!(card.last_way);
    match app
        .call(UnlinkIdentity {
            id: card.linked[0].id.clone(),
        })
        .await
    {
        Err(app::AppError::Validation { fields }) => assert_eq!(fields[0].field, "identity"),
        other => panic!("the last way in must stay: {other:?}"),
    }
    assert_eq!(identities(&app).await, 1);
}

#[tokio::test]
async fn replayed_forged_and_misbehaving_answers_are_refused_and_store_nothing() {
    let (app, _provider) = spawn().await;
    let failed = "/login?provider_error=failed";

    // The same callback twice: the flow was used by the first.
    let callback = through_provider(&app, &app.client, "bob", false).await;
    assert_eq!(navigate(&app.client, &callback).await, "/signup/provider");
    assert_eq!(
        navigate(&app.client, &callback).await,
        "/login?provider_error=expired"
    );

    // A callback in a browser that did not start the sign-in.
    let other = app.new_client();
    let callback = through_provider(&app, &app.client, "bob", false).await;
    assert_eq!(
        navigate(&other, &callback).await,
        "/login?provider_error=expired"
    );

    // A changed state.
    let callback = through_provider(&app, &app.client, "bob", false).await;
    let forged = callback.replace("state=", "state=x");
    assert_eq!(navigate(&app.client, &forged).await, failed);

    // Another browser's code with this browser's flow (code injection): the code is bound
    // to the other flow's PKCE verifier and nonce.
    let theirs = through_provider(&app, &other, "bob", false).await;
    let mine = through_provider(&app, &app.client, "bob", false).await;
    let code = |u: &str| {
        reqwest::Url::parse(u)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    };
    let injected = mine.replace(&code(&mine), &code(&theirs));
    assert_eq!(navigate(&app.client, &injected).await, failed);

    // Another issuer named in the callback (RFC 9207).
    let callback = through_provider(&app, &app.client, "bob", false).await;
    let url = with_param(&callback, "iss", "http://127.0.0.1:1");
    assert_eq!(navigate(&app.client, &url).await, failed);

    // Id tokens for another audience, from another issuer, with another nonce, expired,
    // or signed with a key the provider never published.
    for hint in [
        "wrong-aud",
        "wrong-iss",
        "wrong-nonce",
        "expired",
        "bad-signature",
    ] {
        assert_eq!(
            sign_in_as(&app, &app.client, hint, false).await,
            failed,
            "{hint}"
        );
    }

    // The person cancelled at the provider.
    let callback = through_provider(&app, &app.client, "bob", false).await;
    let state = reqwest::Url::parse(&callback)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .unwrap()
        .1
        .into_owned();
    let cancelled = app.url(&format!(
        "/api/auth/callback?error=access_denied&state={state}"
    ));
    assert_eq!(
        navigate(&app.client, &cancelled).await,
        "/login?provider_error=denied"
    );

    assert_eq!(identities(&app).await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_account").await, 0);
}

#[tokio::test]
async fn an_address_is_never_a_way_into_the_account_that_has_it() {
    let (app, _provider) = spawn().await;
    verified_user(&app, "alice", "alice@example.test").await;
    app.call(Logout {}).await.unwrap();

    // Mallory's provider account claims Alice's address, unconfirmed: no sign-up at all.
    assert_eq!(
        sign_in_as(&app, &app.client, "mallory", false).await,
        "/login?provider_error=no_email"
    );
    // Alice's provider account, with the address confirmed, still does not join her
    // Ripen account by it: she is told to sign in and link.
    assert_eq!(
        sign_in_as(&app, &app.client, "alice", false).await,
        "/signup/provider"
    );
    match app.call(finish("alice-too")).await {
        Err(app::AppError::Validation { fields }) => assert_eq!(fields[0].field, "email"),
        other => panic!("the address has an account: {other:?}"),
    }
    assert_eq!(identities(&app).await, 0);
    assert!(app.call(CurrentUser {}).await.unwrap().is_none());
}

#[tokio::test]
async fn a_service_is_linked_from_settings_and_removed_there() {
    let (app, _provider) = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    // Linking needs the account signed in.
    let visitor = app.new_client();
    assert_eq!(
        navigate(&visitor, &app.url("/api/auth/start?provider=test&link=1")).await,
        "/account?provider_error=expired#sign-in-h"
    );

    assert_eq!(
        sign_in_as(&app, &app.client, "bob", true).await,
        "/account?linked=1#sign-in-h"
    );
    let card = app.call(LinkedIdentities {}).await.unwrap();
    assert_eq!(card.linked.len(), 1);
    assert_eq!(card.linked[0].provider, "Test ID");
    assert!(!card.last_way, "the password is still a way in");
    assert!(card.available.is_empty());

    // Ada is told, once, by email and in the activity list.
    let mails = app.emails_to("ada@example.com", 2).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject == "A sign-in service was linked")
            .count(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        events_of(&app, "ada")
            .await
            .contains(&"provider_linked".to_owned())
    );

    // The identity now signs Ada in.
    app.call(Logout {}).await.unwrap();
    assert_eq!(
        sign_in_as(&app, &app.client, "bob", false).await,
        "/account"
    );
    assert_eq!(
        app.call(CurrentUser {}).await.unwrap().unwrap().username,
        "ada"
    );

    // With two-step verification on, the provider is a first step like the password.
    let setup = app.call(BeginTwoStep {}).await.unwrap();
    let secret = decode_base32(&setup.key).unwrap();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    let recovery = app
        .call(ConfirmTwoStep {
            code: totp(&secret, now, 6),
        })
        .await
        .unwrap();
    app.call(Logout {}).await.unwrap();
    assert_eq!(
        sign_in_as(&app, &app.client, "bob", false).await,
        "/login/code"
    );
    assert!(app.call(CurrentUser {}).await.unwrap().is_none(), "not yet");
    app.call(LoginCode {
        code: recovery[0].clone(),
    })
    .await
    .unwrap();
    assert_eq!(
        app.call(CurrentUser {}).await.unwrap().unwrap().username,
        "ada"
    );

    // Another account cannot link the same identity.
    let eve = app.new_client();
    crate::accounts::verified_user_in(&app, &eve, "eve", "eve@example.com").await;
    assert_eq!(
        sign_in_as(&app, &eve, "bob", true).await,
        "/account?provider_error=taken#sign-in-h"
    );
    let (_, _, body) = app.call_as(&eve, LinkedIdentities {}, &[]).await;
    assert!(body.contains("\"linked\":[]"), "{body}");
    // Nor remove Ada's.
    let (status, _, _) = app
        .call_as(
            &eve,
            UnlinkIdentity {
                id: card.linked[0].id.clone(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Ada removes it: the identity no longer signs in to her account.
    app.call(UnlinkIdentity {
        id: card.linked[0].id.clone(),
    })
    .await
    .unwrap();
    assert_eq!(identities(&app).await, 0);
    assert!(
        events_of(&app, "ada")
            .await
            .contains(&"provider_unlinked".to_owned())
    );
    app.call(Logout {}).await.unwrap();
    assert_eq!(
        sign_in_as(&app, &app.client, "bob", false).await,
        "/signup/provider"
    );
}

#[tokio::test]
async fn provider_sign_ups_count_against_the_clients_sign_up_limit() {
    let (app, _provider) = spawn_with(json!({
        "limits": { "signups_per_client": { "max": 1, "window_secs": 3600 } }
    }))
    .await;
    assert_eq!(
        sign_in_as(&app, &app.client, "alice", false).await,
        "/signup/provider"
    );
    app.call(finish("alice")).await.unwrap();
    app.call(Logout {}).await.unwrap();

    assert_eq!(
        sign_in_as(&app, &app.client, "bob", false).await,
        "/signup/provider"
    );
    match app.call(finish("bob")).await {
        Err(app::AppError::RateLimited { retry_after_secs }) => assert!(retry_after_secs > 0),
        other => panic!("the second sign-up from this address is over the limit: {other:?}"),
    }
    assert_eq!(identities(&app).await, 1);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_account").await, 1);
}
