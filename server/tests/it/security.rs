//! Security alerts and activity (issue 23, item 4) and the account reopened by signing in
//! (issue 26): each event is recorded once, told once by email in the account's language
//! and once in the app, and listed in the owner's security activity — and no one else's.

use app::{
    account::{
        ChangeEmail, ChangePassword, CurrentUser, ReadNotifications, ReportEmailChange,
        ResetPassword, SecurityActivity,
    },
    notifications::{Group, SecurityKind},
    prefs::SetLanguage,
    privacy::{CloseAccount, CloseAccountAgain},
};
use reqwest::{StatusCode, header};

use crate::{
    accounts::{PASSWORD, confirm, count, login, verified_user},
    harness::TestApp,
};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

pub(crate) async fn events_of(app: &TestApp, username: &str) -> Vec<String> {
    use app::account::ssr::entities::security_event;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let id = app.user_id(username).await;
    security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(id))
        .order_by_asc(security_event::Column::CreatedMs)
        .order_by_asc(security_event::Column::Kind)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn with_subject<'a>(
    mails: &'a [crate::mail::Received],
    subject: &str,
) -> Vec<&'a crate::mail::Received> {
    mails.iter().filter(|m| m.subject == subject).collect()
}

#[tokio::test]
async fn a_sign_in_from_a_new_browser_is_told_once_and_listed_for_its_owner_only() {
    let app = TestApp::spawn().await;
    // The browser that confirmed the address is the account's first: nothing to warn of.
    verified_user(&app, "ada", "ada@example.com").await;
    assert_eq!(events_of(&app, "ada").await, Vec::<String>::new());

    let firefox = app.new_client();
    let (status, _, _) = app
        .call_as(&firefox, login("ada", PASSWORD), &[("user-agent", FIREFOX)])
        .await;
    assert_eq!(status, StatusCode::OK);
    // The same browser again, and the first browser again: both known now.
    app.call_as(&firefox, login("ada", PASSWORD), &[("user-agent", FIREFOX)])
        .await;
    app.call(login("ada", PASSWORD)).await.unwrap();
    assert_eq!(events_of(&app, "ada").await, ["new_browser"]);

    let mails = app.emails_to("ada@example.com", 2).await;
    let alerts = with_subject(&mails, "New sign-in to your account");
    assert_eq!(
        alerts.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(alerts[0].text.contains("Firefox"), "{}", alerts[0].text);
    assert!(
        alerts[0].text.contains("127.0.0.0/24"),
        "{}",
        alerts[0].text
    );
    assert!(alerts[0].text.contains("/account#security-h"));

    let page = app.call(SecurityActivity {}).await.unwrap();
    assert_eq!(page.events.len(), 1);
    assert_eq!(page.events[0].kind, SecurityKind::NewBrowser);
    assert_eq!(page.events[0].browser.as_deref(), Some("Firefox"));
    assert_eq!(page.events[0].network.as_deref(), Some("127.0.0.0/24"));
    assert_eq!(page.notices.len(), 1);
    assert_eq!(page.notices[0].title, "New sign-in to your account");
    app.call(ReadNotifications {
        group: Group::Security,
    })
    .await
    .unwrap();
    assert!(
        app.call(SecurityActivity {})
            .await
            .unwrap()
            .notices
            .is_empty()
    );

    // Another account sees none of it.
    let bob = app.new_client();
    app.call_as(&bob, crate::accounts::signup("bob", "bob@example.com"), &[])
        .await;
    let token = app.emails_to("bob@example.com", 1).await[0].token("/verify-email");
    app.call_as(&bob, confirm(token), &[]).await;
    let (status, _, body) = app.call_as(&bob, SecurityActivity {}, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains("Firefox") && !body.contains("new_browser"),
        "{body}"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM security_event").await,
        1,
        "bob's first browser is not new either"
    );
}

#[tokio::test]
async fn password_changes_are_told_in_the_accounts_language() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    app.call(SetLanguage {
        lang: "zh-Hans".into(),
    })
    .await
    .unwrap();
    app.call(ChangePassword {
        current_password: PASSWORD.into(),
        password: "a brand new secret".into(),
    })
    .await
    .unwrap();
    let mails = app.emails_to("ada@example.com", 2).await;
    let alert = with_subject(&mails, "你的密码已修改");
    assert_eq!(
        alert.len(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(alert[0].text.contains("其他所有设备均已退出登录"));
    // A reset by link is a password change too.
    app.call(app::account::RequestPasswordReset {
        email: "ada@example.com".into(),
    })
    .await
    .unwrap();
    let mails = app.emails_to("ada@example.com", 3).await;
    let reset = mails
        .iter()
        .find(|m| m.text.contains("/reset-password?token="))
        .unwrap();
    app.call(ResetPassword {
        token: reset.token("/reset-password"),
        password: "another new secret".into(),
    })
    .await
    .unwrap();
    let mails = app.emails_to("ada@example.com", 4).await;
    assert_eq!(with_subject(&mails, "你的密码已修改").len(), 2);
    assert_eq!(
        events_of(&app, "ada").await,
        ["password_changed", "password_changed"]
    );
}

#[tokio::test]
async fn an_address_change_is_told_to_both_addresses_and_the_old_one_can_take_the_account_back() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    app.call(ChangeEmail {
        email: "intruder@example.net".into(),
        current_password: PASSWORD.into(),
    })
    .await
    .unwrap();
    let token = app.emails_to("intruder@example.net", 1).await[0].token("/verify-email");
    app.call(confirm(token)).await.unwrap();
    let to_new = app.emails_to("intruder@example.net", 2).await;
    assert_eq!(
        with_subject(&to_new, "Your email address was changed").len(),
        1
    );
    let to_old = app.emails_to("ada@example.com", 2).await;
    let told = with_subject(&to_old, "Your email address was changed");
    assert_eq!(told.len(), 1);
    assert!(told[0].text.contains("intruder@example.net"));
    let report = told[0].token("/account/not-me");

    // Opening the link changes nothing; the button does.
    let (status, _, page) = app
        .get_text(&format!("/account/not-me?token={report}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Give me my account back"), "{page}");
    assert!(app.call(CurrentUser {}).await.unwrap().is_some());

    let owner = app.new_client();
    let (status, headers, body) = app
        .call_as(
            &owner,
            ReportEmailChange {
                token: report.clone(),
            },
            &[],
        )
        .await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/account/not-me?done=1"
    );
    // The account has its old address; whoever changed it is signed out and their
    // password no longer works; a reset link went to the old address.
    let (_, _, me) = app.call_as(&app.client, CurrentUser {}, &[]).await;
    assert_eq!(me, "null", "the intruder's session ended");
    let err = app.call(login("ada", PASSWORD)).await.unwrap_err();
    assert!(matches!(err, app::AppError::InvalidCredentials), "{err:?}");
    let to_old = app.emails_to("ada@example.com", 3).await;
    let reset = to_old
        .iter()
        .find(|m| m.text.contains("/reset-password?token="))
        .expect("a reset link to the old address");
    app.call_as(
        &owner,
        ResetPassword {
            token: reset.token("/reset-password"),
            password: "mine again at last".into(),
        },
        &[],
    )
    .await;
    app.call(login("ada@example.com", "mine again at last"))
        .await
        .unwrap();
    // The link works once.
    let (status, _, body) = app
        .call_as(&owner, ReportEmailChange { token: report }, &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        events_of(&app, "ada")
            .await
            .contains(&"email_changed".to_owned())
    );
}

#[tokio::test]
async fn signing_in_to_a_closed_account_says_so_emails_and_can_close_it_again_in_one_step() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    app.call(CloseAccount {
        current_password: PASSWORD.into(),
        confirm: "ann".into(),
    })
    .await
    .unwrap();
    let (status, headers, body) = app.call_raw(login("ann", PASSWORD)).await;
    assert!(status.is_success() || status.is_redirection(), "{body}");
    assert_eq!(
        headers.get(header::LOCATION).unwrap(),
        "/account?reopened=1"
    );
    let mails = app.emails_to("ann@example.com", 3).await;
    assert_eq!(with_subject(&mails, "Your account was reopened").len(), 1);
    // The closing email is the closure's alert: no second one.
    assert_eq!(
        with_subject(&mails, "Your Ripen account is closed").len(),
        1
    );
    assert_eq!(with_subject(&mails, "Your account was closed").len(), 0);
    assert_eq!(
        events_of(&app, "ann").await,
        ["account_closed", "account_restored"]
    );

    // The page says so, with the one-step button.
    let (_, _, page) = app.get_text("/account?reopened=1").await;
    assert!(page.contains("Your account was reopened"), "{page}");
    assert!(page.contains("Close it again"));

    app.call(CloseAccountAgain {}).await.unwrap();
    let closed = count(
        &app,
        "SELECT COUNT(*) FROM user_account WHERE username = 'ann' AND deleted_ms IS NOT NULL",
    )
    .await;
    assert_eq!(closed, 1);
    assert!(app.call(CurrentUser {}).await.unwrap().is_none());
}

#[tokio::test]
async fn closing_again_in_one_step_is_only_for_the_session_that_reopened_the_account() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    let err = app.call(CloseAccountAgain {}).await.unwrap_err();
    assert!(err.field_message("close_again").is_some(), "{err:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM user_account WHERE deleted_ms IS NOT NULL"
        )
        .await,
        0
    );
}

mod two_step {
    use app::account::{
        BeginTwoStep, ConfirmTwoStep, CurrentUser, DisableTwoStep, LoginCode,
        ssr::two_step::{decode_base32, totp},
    };
    use chrono::Utc;
    use reqwest::{StatusCode, header};

    use super::{events_of, login, with_subject};
    use crate::{
        accounts::{PASSWORD, verified_user},
        harness::TestApp,
    };

    fn now() -> u64 {
        u64::try_from(Utc::now().timestamp()).unwrap()
    }

    /// Turns two-step verification on for the signed-in `app.client`; answers the secret
    /// and the recovery codes.
    async fn turn_on(app: &TestApp) -> (Vec<u8>, Vec<String>, u64) {
        let setup = app.call(BeginTwoStep {}).await.unwrap();
        assert!(
            setup.qr_svg.contains("<svg"),
            "the QR code is drawn by the server"
        );
        let secret = decode_base32(&setup.key).unwrap();
        assert_eq!(secret.len(), 20, "160 bits");
        let at = now();
        let codes = app
            .call(ConfirmTwoStep {
                code: totp(&secret, at, 6),
            })
            .await
            .unwrap();
        (secret, codes, at)
    }

    /// Signs in with the password from a new browser: it is asked for the code.
    async fn password_step(app: &TestApp) -> reqwest::Client {
        let browser = app.new_client();
        let (status, headers, body) = app.call_as(&browser, login("ada", PASSWORD), &[]).await;
        assert!(status.is_success() || status.is_redirection(), "{body}");
        assert_eq!(headers.get(header::LOCATION).unwrap(), "/login/code");
        let (_, _, me) = app.call_as(&browser, CurrentUser {}, &[]).await;
        assert_eq!(me, "null", "no session before the second step");
        browser
    }

    async fn code_step(app: &TestApp, browser: &reqwest::Client, code: &str) -> StatusCode {
        app.call_as(
            browser,
            LoginCode {
                code: code.to_owned(),
            },
            &[],
        )
        .await
        .0
    }

    #[tokio::test]
    async fn a_sign_in_needs_a_fresh_code_or_a_recovery_code_and_none_works_twice() {
        let app = TestApp::spawn().await;
        verified_user(&app, "ada", "ada@example.com").await;
        let wrong = app
            .call(ConfirmTwoStep {
                code: "12345x".into(),
            })
            .await
            .unwrap_err();
        assert!(
            wrong.field_message("code").is_some(),
            "nothing to confirm yet"
        );
        let (secret, codes, at) = turn_on(&app).await;
        assert_eq!(codes.len(), 10);
        let mails = app.emails_to("ada@example.com", 2).await;
        assert_eq!(
            with_subject(&mails, "Two-step verification was turned on").len(),
            1
        );

        // The code that turned it on does not sign in: its step is used.
        let browser = password_step(&app).await;
        assert_eq!(
            code_step(&app, &browser, &totp(&secret, at, 6)).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // The next step's code does, once.
        let next = totp(&secret, at + 30, 6);
        let status = code_step(&app, &browser, &next).await;
        assert!(status.is_success() || status.is_redirection(), "{status}");
        let (_, _, me) = app.call_as(&browser, CurrentUser {}, &[]).await;
        assert!(me.contains("\"ada\""), "{me}");
        let again = password_step(&app).await;
        assert_eq!(
            code_step(&app, &again, &next).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // A recovery code works once, however it is typed.
        let typed = codes[0].to_uppercase().replace('-', " ");
        let status = code_step(&app, &again, &typed).await;
        assert!(status.is_success() || status.is_redirection(), "{status}");
        let third = password_step(&app).await;
        assert_eq!(
            code_step(&app, &third, &codes[0]).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let status = code_step(&app, &third, &codes[1]).await;
        assert!(status.is_success() || status.is_redirection(), "{status}");

        // A code without the password step is nothing.
        let stranger = app.new_client();
        assert_eq!(
            code_step(&app, &stranger, &codes[2]).await,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Turning it off needs the password; then the password alone signs in.
        let err = app
            .call(DisableTwoStep {
                current_password: "not it".into(),
            })
            .await
            .unwrap_err();
        assert!(err.field_message("current_password").is_some());
        app.call(DisableTwoStep {
            current_password: PASSWORD.into(),
        })
        .await
        .unwrap();
        let browser = app.new_client();
        let (_, headers, _) = app.call_as(&browser, login("ada", PASSWORD), &[]).await;
        assert_eq!(headers.get(header::LOCATION).unwrap(), "/account");
        let mails = app.emails_to("ada@example.com", 3).await;
        assert_eq!(
            with_subject(&mails, "Two-step verification was turned off").len(),
            1
        );
        let events = events_of(&app, "ada").await;
        assert!(events.contains(&"two_step_on".to_owned()), "{events:?}");
        assert!(events.contains(&"two_step_off".to_owned()), "{events:?}");
    }

    #[tokio::test]
    async fn the_sixth_wrong_code_is_refused_with_429_even_when_right() {
        let app = TestApp::spawn().await;
        verified_user(&app, "ada", "ada@example.com").await;
        let (secret, _, at) = turn_on(&app).await;
        let browser = password_step(&app).await;
        for wrong in ["00000a", "zzzz-zzzz-zzzz-zzzz", "12345x", "", "abcdef"] {
            assert_eq!(
                code_step(&app, &browser, wrong).await,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{wrong:?}"
            );
        }
        let (status, headers, _) = app
            .call_as(
                &browser,
                LoginCode {
                    code: totp(&secret, at + 30, 6),
                },
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert!(headers.get(header::RETRY_AFTER).is_some());
        let (_, _, me) = app.call_as(&browser, CurrentUser {}, &[]).await;
        assert_eq!(me, "null");
    }
}
