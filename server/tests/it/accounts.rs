//! Accounts: sign-up, sign-in, sessions, verification and reset, through the real server,
//! its database and (where email matters) a real SMTP server.

use app::{
    AppError,
    account::{
        ChangeEmail, ChangePassword, CurrentUser, Login, Logout, Register, RequestPasswordReset,
        ResendVerification, ResetPassword, UpdateProfile, UserView, VerifyEmail,
    },
};
use reqwest::{StatusCode, header};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::harness::{MailMode, TestApp, TestOptions};

pub const PASSWORD: &str = "plum orchard at dusk";

pub fn signup(username: &str, email: &str) -> Register {
    Register {
        username: username.into(),
        email: email.into(),
        phone: None,
        password: PASSWORD.into(),
        age: Some("on".into()),
        consent: Some("on".into()),
        timezone: None,
    }
}

pub(crate) fn login(identifier: &str, password: &str) -> Login {
    Login {
        identifier: identifier.into(),
        password: password.into(),
    }
}

pub(crate) async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

/// Confirms an address with the link's `token` and the account's password ([`PASSWORD`]).
pub fn confirm(token: String) -> VerifyEmail {
    VerifyEmail {
        token,
        password: Some(PASSWORD.into()),
        new_password: None,
    }
}

/// Signs up and confirms the address from the email, leaving `app.client` signed in.
pub async fn verified_user(app: &TestApp, username: &str, email: &str) {
    app.call(signup(username, email)).await.unwrap();
    let mail = app.emails_to(email, 1).await.pop().unwrap();
    app.call(confirm(mail.token("/verify-email")))
        .await
        .unwrap();
}

/// The same from another browser (`client`), which is left signed in to the new account.
pub(crate) async fn verified_user_in(
    app: &TestApp,
    client: &reqwest::Client,
    username: &str,
    email: &str,
) {
    let (status, _, body) = app.call_as(client, signup(username, email), &[]).await;
    assert!(status.is_success(), "{status} {body}");
    let mail = app.emails_to(email, 1).await.pop().unwrap();
    let (status, _, body) = app
        .call_as(client, confirm(mail.token("/verify-email")), &[])
        .await;
    assert!(status.is_success(), "{status} {body}");
}

fn session_cookie(headers: &header::HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.contains("ripen_session="))
        .map(str::to_owned)
}

fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

#[tokio::test]
async fn signup_stores_an_argon2id_hash_and_emails_a_link_over_smtp_that_signs_in_once() {
    let app = TestApp::spawn_with_smtp().await;
    let (status, headers, _) = app.call_raw(signup("Ada", "ada@example.com")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        session_cookie(&headers).is_none(),
        "sign-up alone does not sign in"
    );

    let hash: String = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT password_hash FROM user_account",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );

    let mail = app.emails_to("ada@example.com", 1).await.pop().unwrap();
    assert_eq!(mail.subject, "Confirm your email for Ripen");
    let link = mail.link("/verify-email");
    assert!(link.starts_with(&format!("{}/verify-email?token=", app.site_url)));
    assert!(mail.html.contains("Confirm my email"));
    assert!(!mail.raw.contains("$argon2id"), "no hash in email");

    // Opening the link shows a page; only its button (a POST) changes anything.
    let (status, _, _) = app.get_text(&link.replace(&app.site_url, "")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(app.call(CurrentUser {}).await.unwrap(), None);

    let token = mail.token("/verify-email");
    app.call(confirm(token.clone())).await.unwrap();
    let me = app.call(CurrentUser {}).await.unwrap().unwrap();
    assert_eq!(
        me,
        UserView {
            username: "Ada".into(),
            email: "ada@example.com".into(),
            email_verified: true,
            phone: None,
            provider_only: false,
        }
    );
    let again = app.call(confirm(token)).await.unwrap_err();
    assert!(again.field_message("token").is_some(), "{again:?}");
}

#[tokio::test]
async fn under_13_or_without_consent_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let mut form = signup("kid", "kid@example.com");
    form.age = None;
    form.consent = None;
    let err = app.call(form).await.unwrap_err();
    assert!(err.field_message("age").is_some(), "{err:?}");
    assert!(err.field_message("consent").is_some(), "{err:?}");
    let mut form = signup("kid", "kid@example.com");
    form.age = Some(String::new());
    assert!(
        app.call(form)
            .await
            .unwrap_err()
            .field_message("age")
            .is_some()
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_account").await, 0);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM account_token").await, 0);
}

#[tokio::test]
async fn bad_fields_are_named_and_common_passwords_refused() {
    let app = TestApp::spawn().await;
    let form = Register {
        username: "a".into(),
        email: "not-an-email".into(),
        phone: Some("12345".into()),
        password: "password1".into(),
        age: Some("on".into()),
        consent: Some("on".into()),
        timezone: None,
    };
    let (status, _, body) = app.call_raw(form).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err: AppError = serde_json::from_str(&body).unwrap();
    for field in ["username", "email", "phone", "password"] {
        assert!(err.field_message(field).is_some(), "{field}: {err:?}");
    }
    assert!(err.field_message("password").unwrap().contains("common"));
    let mut form = signup("ada", "ada@example.com");
    form.password = "short".into();
    assert!(
        app.call(form)
            .await
            .unwrap_err()
            .field_message("password")
            .is_some()
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_account").await, 0);
}

#[tokio::test]
async fn taken_email_or_username_answers_exactly_like_a_new_signup() {
    let app = TestApp::spawn_with_smtp().await;
    let fresh = app.call_raw(signup("ada", "ada@example.com")).await;
    let same_email = app.call_raw(signup("someone", "ADA@example.com")).await;
    let same_name = app.call_raw(signup("ADA", "other@example.com")).await;
    for answer in [&same_email, &same_name] {
        assert_eq!(answer.0, fresh.0);
        assert_eq!(answer.2, fresh.2);
        assert_eq!(
            answer.1.get(header::LOCATION),
            fresh.1.get(header::LOCATION)
        );
    }
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_account").await, 1);
    // The owners of the addresses learn what happened, by email.
    let to_ada = app.emails_to("ada@example.com", 2).await;
    assert!(
        to_ada
            .iter()
            .any(|m| m.subject == "You already have a Ripen account")
    );
    let to_other = app.emails_to("other@example.com", 1).await;
    assert_eq!(to_other[0].subject, "Choose another username for Ripen");
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_identical_answers() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    let wrong = app.call_raw(login("ada", "not the password")).await;
    let unknown = app.call_raw(login("nobody", "not the password")).await;
    let unknown_email = app.call_raw(login("nobody@example.com", "x")).await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    for other in [&unknown, &unknown_email] {
        assert_eq!(other.0, wrong.0);
        assert_eq!(other.2, wrong.2);
    }
    // Username or email, any case, both work with the right password.
    app.call(login("ADA", PASSWORD)).await.unwrap();
    app.call(login("Ada@Example.com", PASSWORD)).await.unwrap();
}

#[tokio::test]
async fn the_session_id_rotates_at_login_and_dies_at_logout() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();

    let (_, h1, _) = app.call_raw(login("ada", PASSWORD)).await;
    let first = session_cookie(&h1).expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(first.contains(attribute), "{attribute} missing: {first}");
    }
    assert!(!first.contains("Secure"), "plain http site: no Secure");
    let first = cookie_value(&first);
    assert_eq!(first.len(), 43, "256 bits, base64url");

    let (_, h2, _) = app.call_raw(login("ada", PASSWORD)).await;
    let second = cookie_value(&session_cookie(&h2).unwrap());
    assert_ne!(first, second, "a new id at login");

    // The pre-login cookie is worthless now.
    let stale = app.new_client();
    let (status, _, _) = app
        .call_as(
            &stale,
            ResendVerification {},
            &[("cookie", &format!("ripen_session={first}"))],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The current one works.
    assert!(app.call(CurrentUser {}).await.unwrap().is_some());

    let (_, h3, _) = app.call_raw(Logout {}).await;
    assert!(session_cookie(&h3).unwrap().contains("Max-Age=0"));
    let (status, _, _) = app
        .call_as(
            &stale,
            ResendVerification {},
            &[("cookie", &format!("ripen_session={second}"))],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "logout ends it on the server"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM auth_session").await, 0);
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_with_the_host_prefix() {
    let app = TestApp::spawn_with(TestOptions {
        site_url: Some("https://ripen.example".into()),
        ..TestOptions::default()
    })
    .await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    let (status, headers, _) = app.call_raw(login("ada", PASSWORD)).await;
    assert_eq!(status, StatusCode::OK);
    let cookie = session_cookie(&headers).unwrap();
    assert!(cookie.starts_with("__Host-ripen_session="), "{cookie}");
    assert!(
        cookie.contains("; Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
}

#[tokio::test]
async fn sessions_expire_when_idle_or_past_their_lifetime() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    app.call(login("ada", PASSWORD)).await.unwrap();
    assert!(app.call(CurrentUser {}).await.unwrap().is_some());
    // Idle for 15 days (the idle limit is 14).
    app.db
        .execute_unprepared(&format!(
            "UPDATE auth_session SET last_seen_at = '{}'",
            (chrono::Utc::now() - chrono::Duration::days(15))
                .fixed_offset()
                .to_rfc3339()
        ))
        .await
        .unwrap();
    assert_eq!(app.call(CurrentUser {}).await.unwrap(), None);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM auth_session").await, 0);

    app.call(login("ada", PASSWORD)).await.unwrap();
    app.db
        .execute_unprepared(&format!(
            "UPDATE auth_session SET expires_at = '{}'",
            (chrono::Utc::now() - chrono::Duration::minutes(1))
                .fixed_offset()
                .to_rfc3339()
        ))
        .await
        .unwrap();
    assert_eq!(app.call(CurrentUser {}).await.unwrap(), None);
}

#[tokio::test]
async fn the_11th_failed_login_gets_429_even_while_forwarded_for_rotates() {
    for trust_proxy in [false, true] {
        let app = TestApp::spawn_with(TestOptions {
            config: json!({ "trust_proxy": trust_proxy }),
            ..TestOptions::default()
        })
        .await;
        app.call(signup("ada", "ada@example.com")).await.unwrap();
        for i in 0..10 {
            let xff = format!("198.51.100.{i}");
            let (status, _, _) = app
                .call_as(
                    &app.client,
                    login("ada", "wrong"),
                    &[("x-forwarded-for", &xff)],
                )
                .await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
        }
        let (status, headers, body) = app
            .call_as(
                &app.client,
                login("ada", PASSWORD),
                &[("x-forwarded-for", "203.0.113.77")],
            )
            .await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "trust_proxy={trust_proxy}"
        );
        let retry: u64 = headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=900).contains(&retry), "{retry}");
        assert!(matches!(
            serde_json::from_str::<AppError>(&body).unwrap(),
            AppError::RateLimited { .. }
        ));
        // An unknown account is throttled the same way (no enumeration through 429s).
        for _ in 0..10 {
            app.call_raw(login("nobody", "wrong")).await;
        }
        assert_eq!(
            app.call_raw(login("nobody", "wrong")).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
}

#[tokio::test]
async fn failed_logins_are_also_limited_per_client_address() {
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "limits": { "login_failures_per_client": { "max": 5, "window_secs": 900 } } }),
        ..TestOptions::default()
    })
    .await;
    for i in 0..5 {
        let (status, _, _) = app.call_raw(login(&format!("user{i}"), "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Spoofed addresses are ignored when no proxy is trusted.
    let (status, _, _) = app
        .call_as(
            &app.client,
            login("user9", "wrong"),
            &[("x-forwarded-for", "192.0.2.1")],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn signups_and_reset_requests_are_rate_limited_too() {
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "limits": {
            "signups_per_client": { "max": 2, "window_secs": 3600 },
            "reset_requests_per_email": { "max": 2, "window_secs": 3600 },
        } }),
        ..TestOptions::default()
    })
    .await;
    app.call(signup("ann", "a1@example.com")).await.unwrap();
    app.call(signup("bea", "a2@example.com")).await.unwrap();
    assert!(matches!(
        app.call(signup("cat", "a3@example.com")).await,
        Err(AppError::RateLimited { .. })
    ));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM user_account").await, 2);
    let reset = || RequestPasswordReset {
        email: "a1@example.com".into(),
    };
    app.call(reset()).await.unwrap();
    app.call(reset()).await.unwrap();
    let (status, headers, _) = app.call_raw(reset()).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn reset_links_use_the_site_url_work_once_and_end_every_session() {
    let app = TestApp::spawn_with(TestOptions {
        mail: MailMode::Smtp,
        site_url: None,
        ..TestOptions::default()
    })
    .await;
    verified_user(&app, "ada", "ada@example.com").await;
    let other_device = app.new_client();
    app.call_as(&other_device, login("ada", PASSWORD), &[])
        .await;
    assert_eq!(
        app.call_as(&other_device, CurrentUser {}, &[]).await.0,
        StatusCode::OK
    );

    // A forged Host header does not change the link.
    let res = app
        .client
        .post(app.url("/api/account/forgot-password"))
        .header(header::ACCEPT, "application/json")
        .header(header::HOST, "evil.example")
        .form(&RequestPasswordReset {
            email: "ada@example.com".into(),
        })
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // (the verification, the alert about the other device's sign-in, the reset link)
    let mail = app
        .emails_to("ada@example.com", 3)
        .await
        .into_iter()
        .find(|m| m.subject == "Reset your Ripen password")
        .unwrap();
    let link = mail.link("/reset-password");
    assert!(
        link.starts_with(&format!("{}/reset-password?token=", app.site_url)),
        "{link}"
    );
    assert!(!mail.raw.contains("evil.example"));

    // The reset page tells the browser not to leak its URL (and token) as a referrer.
    let page = app.get(&link.replace(&app.site_url, "")).await;
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");

    let token = mail.token("/reset-password");
    app.call(ResetPassword {
        token: token.clone(),
        password: "a brand new secret".into(),
    })
    .await
    .unwrap();
    // Not signed in by the reset, and every earlier session is over.
    assert_eq!(app.call(CurrentUser {}).await.unwrap(), None);
    let (status, _, body) = app.call_as(&other_device, CurrentUser {}, &[]).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "null"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM auth_session").await, 0);

    // Reused: refused, and the password stays the new one.
    let err = app
        .call(ResetPassword {
            token,
            password: "yet another secret".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("token").is_some());
    assert!(app.call(login("ada", PASSWORD)).await.is_err());
    app.call(login("ada", "a brand new secret")).await.unwrap();
}

#[tokio::test]
async fn expired_foreign_and_wrong_purpose_tokens_are_refused() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    app.call(signup("bob", "bob@example.com")).await.unwrap();
    let verify_token = app.emails_to("ada@example.com", 1).await[0].token("/verify-email");

    // A verification token is not a reset token.
    let err = app
        .call(ResetPassword {
            token: verify_token,
            password: "a brand new secret".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("token").is_some());

    // Expired.
    app.call(RequestPasswordReset {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    let mails = app.emails_to("ada@example.com", 2).await;
    let ada_token = mails
        .iter()
        .find(|m| m.subject.contains("Reset"))
        .unwrap()
        .token("/reset-password");
    app.db
        .execute_unprepared(&format!(
            "UPDATE account_token SET expires_at = '{}'",
            (chrono::Utc::now() - chrono::Duration::seconds(1))
                .fixed_offset()
                .to_rfc3339()
        ))
        .await
        .unwrap();
    let err = app
        .call(ResetPassword {
            token: ada_token,
            password: "a brand new secret".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("token").is_some());

    // Bob's token changes Bob's password only.
    app.call(RequestPasswordReset {
        email: "bob@example.com".into(),
    })
    .await
    .unwrap();
    let bob_token = app
        .emails_to("bob@example.com", 2)
        .await
        .iter()
        .find(|m| m.subject.contains("Reset"))
        .unwrap()
        .token("/reset-password");
    app.call(ResetPassword {
        token: bob_token,
        password: "bobs new secret".into(),
    })
    .await
    .unwrap();
    app.call(login("ada", PASSWORD)).await.unwrap();
    app.call(login("bob", "bobs new secret")).await.unwrap();
    // Garbage is refused the same way.
    assert!(
        app.call(ResetPassword {
            token: "not-a-token".into(),
            password: "a brand new secret".into(),
        })
        .await
        .unwrap_err()
        .field_message("token")
        .is_some()
    );
}

#[tokio::test]
async fn reset_requests_answer_the_same_for_unknown_addresses() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    let known = app
        .call_raw(RequestPasswordReset {
            email: "ada@example.com".into(),
        })
        .await;
    let unknown = app
        .call_raw(RequestPasswordReset {
            email: "nobody@example.com".into(),
        })
        .await;
    assert_eq!(known.0, unknown.0);
    assert_eq!(known.2, unknown.2);
    app.emails_to("ada@example.com", 2).await;
    assert!(
        crate::mail::all_in(&app.mail_dir)
            .iter()
            .all(|m| m.to != "nobody@example.com")
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let other = app.new_client();
    app.call_as(&other, login("ada", PASSWORD), &[]).await;

    let err = app
        .call(ChangePassword {
            current_password: "wrong".into(),
            password: "a brand new secret".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("current_password").is_some());
    app.call(ChangePassword {
        current_password: PASSWORD.into(),
        password: "a brand new secret".into(),
    })
    .await
    .unwrap();
    assert!(
        app.call(CurrentUser {}).await.unwrap().is_some(),
        "this device stays"
    );
    let (_, _, body) = app.call_as(&other, CurrentUser {}, &[]).await;
    assert_eq!(body, "null", "the other device is signed out");
    let notice = app.emails_to("ada@example.com", 2).await;
    assert!(
        notice
            .iter()
            .any(|m| m.subject == "Your password was changed")
    );
}

#[tokio::test]
async fn changing_the_email_takes_effect_only_once_the_new_address_confirms() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    app.call(ChangeEmail {
        email: "ada@new.example".into(),
        current_password: PASSWORD.into(),
    })
    .await
    .unwrap();
    let me = app.call(CurrentUser {}).await.unwrap().unwrap();
    assert_eq!(me.email, "ada@example.com");
    let token = app.emails_to("ada@new.example", 1).await[0].token("/verify-email");
    app.call(confirm(token)).await.unwrap();
    let me = app.call(CurrentUser {}).await.unwrap().unwrap();
    assert_eq!(
        (me.email.as_str(), me.email_verified),
        ("ada@new.example", true)
    );
    app.call(login("ada@new.example", PASSWORD)).await.unwrap();

    let me = app
        .call(UpdateProfile {
            username: "AdaL".into(),
            phone: Some("+44 20 7946 0958".into()),
        })
        .await
        .unwrap();
    assert_eq!(me.phone.as_deref(), Some("+442079460958"));
    assert_eq!(me.username, "AdaL");
}

#[tokio::test]
async fn without_smtp_emails_land_in_the_outbox_as_eml_files() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    let mail = app.emails_to("ada@example.com", 1).await.pop().unwrap();
    assert!(mail.file.starts_with(app.mail_dir.as_path()));
    assert_eq!(mail.file.extension().unwrap(), "eml");
    assert!(mail.text.contains("/verify-email?token="));
}

#[tokio::test]
async fn the_account_api_never_sends_the_password_hash() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (_, _, body) = app.call_raw(CurrentUser {}).await;
    assert!(body.contains("\"username\":\"ada\""), "{body}");
    assert!(
        !body.contains("argon2") && !body.contains("password"),
        "{body}"
    );
}

/// The opening tag of the confirmation page's offer to choose a new password.
fn new_password_offer(page: &str) -> &str {
    let at = page.find("<details").expect("the page has the offer");
    page[at..].split('>').next().unwrap()
}

/// Issue 23, item 5: someone signs up with another person's address and a password of
/// their own, signs in, and waits for the owner to confirm the address.
#[tokio::test]
async fn a_squatter_is_signed_out_and_locked_out_when_the_owner_confirms_the_address() {
    let app = TestApp::spawn_with_smtp().await;
    let squatter = app.new_client();
    let squatters_password = "the squatter's own secret";
    let mut register = signup("owner", "owner@example.com");
    register.password = squatters_password.into();
    let (status, _, _) = app.call_as(&squatter, register, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app
        .call_as(&squatter, login("owner", squatters_password), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "an unconfirmed account can sign in");

    // The owner opens the link from their mailbox. The link alone is not enough: it
    // proves the address, not the password. The page asks for the password and offers
    // to choose a new one instead.
    let owner = app.new_client();
    let mail = app.emails_to("owner@example.com", 1).await.pop().unwrap();
    let (status, _, page) = app
        .get_text(&mail.link("/verify-email").replace(&app.site_url, ""))
        .await;
    assert_eq!(status, StatusCode::OK);
    let page = crate::harness::without_markers(&page);
    assert!(page.contains(r#"name="password""#), "{page}");
    assert!(page.contains(r#"name="new_password""#), "{page}");
    assert!(page.contains("Did not create this account"), "{page}");
    assert!(!new_password_offer(&page).contains(" hidden"), "{page}");
    let token = mail.token("/verify-email");
    let bare = VerifyEmail {
        token: token.clone(),
        password: None,
        new_password: None,
    };
    let (status, _, body) = app.call_as(&owner, bare, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err: AppError = serde_json::from_str(&body).unwrap();
    assert!(err.field_message("password").is_some(), "{err:?}");
    // A guess at the password is refused and leaves the link working.
    let guess = VerifyEmail {
        token: token.clone(),
        password: Some("a guess".into()),
        new_password: None,
    };
    let (status, _, _) = app.call_as(&owner, guess, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // The new password follows the usual rules, on its own field.
    let weak = VerifyEmail {
        token: token.clone(),
        password: None,
        new_password: Some("password1".into()),
    };
    let (status, _, body) = app.call_as(&owner, weak, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err: AppError = serde_json::from_str(&body).unwrap();
    assert!(err.field_message("new_password").is_some(), "{err:?}");

    // The owner chooses a password of their own.
    let owners_password = "the owner's chosen secret";
    let chosen = VerifyEmail {
        token,
        password: None,
        new_password: Some(owners_password.into()),
    };
    let (status, headers, body) = app.call_as(&owner, chosen, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(session_cookie(&headers).is_some(), "the owner is signed in");
    let (_, _, me) = app.call_as(&owner, CurrentUser {}, &[]).await;
    let me: Option<UserView> = serde_json::from_str(&me).unwrap();
    assert!(me.unwrap().email_verified);

    // The squatter's session is gone, and their password with it.
    let (_, _, body) = app.call_as(&squatter, CurrentUser {}, &[]).await;
    assert_eq!(body, "null", "the squatter is signed out");
    let (status, _, _) = app
        .call_as(&squatter, login("owner", squatters_password), &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = app
        .call_as(
            &squatter,
            login("owner@example.com", squatters_password),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM auth_session").await,
        1,
        "only the owner's session is left"
    );
    let other = app.new_client();
    let (status, _, _) = app
        .call_as(&other, login("owner", owners_password), &[])
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn confirming_with_the_password_signs_out_every_other_device() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    let laptop = app.new_client();
    app.call_as(&laptop, login("ada", PASSWORD), &[]).await;
    let token = app.emails_to("ada@example.com", 1).await[0].token("/verify-email");
    app.call(confirm(token)).await.unwrap();
    assert!(
        app.call(CurrentUser {})
            .await
            .unwrap()
            .unwrap()
            .email_verified
    );
    let (_, _, body) = app.call_as(&laptop, CurrentUser {}, &[]).await;
    assert_eq!(body, "null", "the other device is signed out");
    app.call_as(&laptop, login("ada", PASSWORD), &[]).await;
    let (_, _, body) = app.call_as(&laptop, CurrentUser {}, &[]).await;
    assert_ne!(
        body, "null",
        "the password still works: its owner confirmed it"
    );
}

#[tokio::test]
async fn a_new_address_is_confirmed_only_with_the_password_and_old_links_stop_working() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    // A reset link sent to the old address before the change.
    app.call(RequestPasswordReset {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    let reset = app
        .emails_to("ada@example.com", 2)
        .await
        .iter()
        .find(|m| m.subject.contains("Reset"))
        .unwrap()
        .token("/reset-password");
    app.call(ChangeEmail {
        email: "ada@new.example".into(),
        current_password: PASSWORD.into(),
    })
    .await
    .unwrap();
    let mail = app.emails_to("ada@new.example", 1).await.pop().unwrap();
    let (_, _, page) = app
        .get_text(&mail.link("/verify-email").replace(&app.site_url, ""))
        .await;
    assert!(
        new_password_offer(&page).contains(" hidden"),
        "the page offers only the password: {page}"
    );
    let token = mail.token("/verify-email");
    // Whoever reads the new mailbox cannot take the account by choosing a password.
    let stranger = app.new_client();
    let taking = VerifyEmail {
        token: token.clone(),
        password: None,
        new_password: Some("a stranger's new secret".into()),
    };
    let (status, _, body) = app.call_as(&stranger, taking, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let err: AppError = serde_json::from_str(&body).unwrap();
    assert!(err.field_message("new_password").is_some(), "{err:?}");
    app.call(confirm(token)).await.unwrap();
    assert_eq!(
        app.call(CurrentUser {}).await.unwrap().unwrap().email,
        "ada@new.example"
    );
    // The old address's reset link no longer works.
    let err = app
        .call(ResetPassword {
            token: reset,
            password: "someone else's secret".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("token").is_some(), "{err:?}");
}

#[tokio::test]
async fn sign_in_names_longer_than_any_account_name_are_refused_on_their_field() {
    let app = TestApp::spawn().await;
    app.call(signup("ada", "ada@example.com")).await.unwrap();
    for long in [255, 1024 * 1024] {
        let (status, _, body) = app
            .call_raw(login(&"a".repeat(long), "whatever it is"))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{long} bytes");
        let err: AppError = serde_json::from_str(&body).unwrap();
        assert!(err.field_message("identifier").is_some(), "{err:?}");
    }
    // None of them counted: the account's ten failures are all still there.
    for i in 0..10 {
        let (status, _, _) = app.call_raw(login("ada", "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let (status, _, _) = app.call_raw(login("ada", "wrong")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn behind_a_trusted_proxy_only_its_own_entry_of_forwarded_for_counts() {
    let app = TestApp::spawn_with(TestOptions {
        config: json!({
            "trust_proxy": 1,
            "limits": { "login_failures_per_client": { "max": 5, "window_secs": 900 } },
        }),
        ..TestOptions::default()
    })
    .await;
    // The client writes a new address at the left each time; the proxy appends the one
    // it saw, which stays the same.
    for i in 0..5 {
        let xff = format!("198.51.100.{i}, 203.0.113.5");
        let (status, _, _) = app
            .call_as(
                &app.client,
                login(&format!("user{i}"), "wrong"),
                &[("x-forwarded-for", &xff)],
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _, _) = app
        .call_as(
            &app.client,
            login("user9", "wrong"),
            &[("x-forwarded-for", "192.0.2.1, 203.0.113.5")],
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy is not affected.
    let (status, _, _) = app
        .call_as(
            &app.client,
            login("user9", "wrong"),
            &[("x-forwarded-for", "203.0.113.6")],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
