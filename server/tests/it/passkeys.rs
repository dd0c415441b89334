//! Passkeys, with a software authenticator (`webauthn-authenticator-rs`'s `SoftPasskey`,
//! real P-256 keys and signatures) against the server's endpoints, on a site reached as
//! `localhost` (WebAuthn refuses IP addresses): add, name, list and remove; sign in with
//! no username and no two-step code; replayed, forged, unverified and removed passkeys
//! refused; another account can touch none of it; the last way in stays.

use app::{
    account::{
        BeginTwoStep, ConfirmTwoStep, CurrentUser, Logout, TwoStepStatus,
        ssr::two_step::{decode_base32, totp},
    },
    identity::{
        LinkedIdentities, UnlinkIdentity,
        passkeys::{
            Challenge, DisableTwoStepWithPasskey, FinishAddingPasskey, FinishPasskeySignIn,
            Passkeys, PasskeysView, RemovePasskey, RenamePasskey, StartAddingPasskey,
            StartPasskeyConfirmation, StartPasskeySignIn,
        },
    },
};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;
use webauthn_authenticator_rs::{
    WebauthnAuthenticator,
    prelude::{CreationChallengeResponse, PublicKeyCredential, RequestChallengeResponse, Url},
    softpasskey::SoftPasskey,
};
use webauthn_rs_proto::{AllowCredentials, UserVerificationPolicy};

use crate::{
    accounts::{count, verified_user},
    harness::{TestApp, TestOptions},
    security::events_of,
};

/// Ripen at `http://localhost:<port>`.
async fn spawn() -> TestApp {
    spawn_with(json!({})).await
}

async fn spawn_with(config: serde_json::Value) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    TestApp::spawn_with(TestOptions {
        listener: Some(listener),
        site_url: Some(format!("http://localhost:{port}")),
        config,
        ..TestOptions::default()
    })
    .await
}

/// A person's device: a software authenticator and the credential ids it made.
///
/// The software key cannot keep discoverable credentials, nor check a fingerprint: it is
/// told which key the browser's picker would offer (and answers the account's user handle,
/// as a discoverable passkey does), and it sets the "user verified" flag when asked to
/// verify (`SoftPasskey::new(true)`), as a phone does after its fingerprint check. One that
/// does not verify is one the request's verification is taken away from.
struct Device {
    key: SoftPasskey,
    verifies: bool,
    made: Vec<Vec<u8>>,
}

impl Device {
    fn new() -> Self {
        Self {
            key: SoftPasskey::new(true),
            verifies: true,
            made: Vec::new(),
        }
    }

    /// One that signs without verifying the person (no fingerprint, no PIN).
    fn unverified() -> Self {
        Self {
            verifies: false,
            ..Self::new()
        }
    }
}

fn origin(app: &TestApp) -> Url {
    Url::parse(&app.site_url).unwrap()
}

async fn call_ok<F>(app: &TestApp, client: &reqwest::Client, input: F) -> (StatusCode, String)
where
    F: server_fn::ServerFn + serde::Serialize,
    F::Protocol: crate::harness::InputEncoding,
{
    let (status, _, body) = app.call_as(client, input, &[]).await;
    (status, body)
}

/// Adds a passkey made by `device` to the account `client` is signed in to.
async fn add(
    app: &TestApp,
    client: &reqwest::Client,
    device: &mut Device,
    label: &str,
) -> (StatusCode, String) {
    let (status, body) = call_ok(app, client, StartAddingPasskey {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let challenge: Challenge = serde_json::from_str(&body).unwrap();
    let options: serde_json::Value = serde_json::from_str(&challenge.options).unwrap();
    // What the browser is asked for: a discoverable credential, verified, no extensions.
    let selection = &options["publicKey"]["authenticatorSelection"];
    assert_eq!(selection["residentKey"], "required");
    assert_eq!(selection["userVerification"], "required");
    assert!(options["publicKey"].get("extensions").is_none());
    let mut ccr: CreationChallengeResponse = serde_json::from_str(&challenge.options).unwrap();
    if let Some(s) = ccr.public_key.authenticator_selection.as_mut() {
        s.require_resident_key = false;
        s.resident_key = None;
        if !device.verifies {
            s.user_verification = UserVerificationPolicy::Discouraged_DO_NOT_USE;
        }
    }
    let answer = device
        .key
        .do_registration(origin(app), ccr)
        .expect("the software key registers");
    device.made.push(answer.raw_id.clone());
    call_ok(
        app,
        client,
        FinishAddingPasskey {
            ceremony: challenge.ceremony,
            credential: serde_json::to_string(&answer).unwrap(),
            label: label.to_owned(),
        },
    )
    .await
}

/// A sign-in ceremony answered by `device` with its passkey number `which`, claiming to
/// be `user`'s (the user handle a discoverable passkey returns).
async fn answer_sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    device: &mut Device,
    which: usize,
    user: uuid::Uuid,
) -> (String, PublicKeyCredential) {
    let (status, body) = call_ok(app, client, StartPasskeySignIn {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let challenge: Challenge = serde_json::from_str(&body).unwrap();
    let mut rcr: RequestChallengeResponse = serde_json::from_str(&challenge.options).unwrap();
    assert!(
        rcr.public_key.allow_credentials.is_empty(),
        "the ceremony names no account: any passkey of this site may answer"
    );
    assert_eq!(
        rcr.public_key.user_verification,
        UserVerificationPolicy::Required
    );
    if !device.verifies {
        rcr.public_key.user_verification = UserVerificationPolicy::Discouraged_DO_NOT_USE;
    }
    rcr.public_key.allow_credentials = vec![AllowCredentials {
        type_: "public-key".into(),
        id: device.made[which].clone(),
        transports: None,
    }];
    let mut answer = device
        .key
        .do_authentication(origin(app), rcr)
        .expect("the software key signs");
    answer.response.user_handle = Some(user.as_bytes().to_vec());
    (challenge.ceremony, answer)
}

async fn finish(
    app: &TestApp,
    client: &reqwest::Client,
    ceremony: String,
    answer: &PublicKeyCredential,
) -> (StatusCode, String) {
    call_ok(
        app,
        client,
        FinishPasskeySignIn {
            ceremony,
            credential: serde_json::to_string(answer).unwrap(),
        },
    )
    .await
}

async fn card(app: &TestApp, client: &reqwest::Client) -> PasskeysView {
    let (status, body) = call_ok(app, client, Passkeys {}).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn signed_in_as(app: &TestApp, client: &reqwest::Client) -> Option<String> {
    let (_, body) = call_ok(app, client, CurrentUser {}).await;
    serde_json::from_str::<Option<app::account::UserView>>(&body)
        .unwrap()
        .map(|u| u.username)
}

#[tokio::test]
async fn a_passkey_is_added_named_and_signs_in_with_no_username_and_no_code() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let ada = app.user_id("ada").await;
    let mut phone = Device::new();

    assert!(card(&app, &app.client).await.passkeys.is_empty());
    let (status, body) = add(&app, &app.client, &mut phone, "  Ada's phone ").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let listed = card(&app, &app.client).await;
    assert!(listed.available);
    assert_eq!(listed.passkeys.len(), 1);
    assert_eq!(listed.passkeys[0].label, "Ada's phone", "trimmed");
    assert!(listed.passkeys[0].last_used.is_none());
    assert!(!listed.last_way, "Ada also has her password");

    // Only the public parts are kept: the credential id, its public key and counter.
    let stored: (String, String) = {
        let row = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT credential_id, credential FROM passkey",
            ))
            .await
            .unwrap()
            .unwrap();
        (
            row.try_get_by_index(0).unwrap(),
            row.try_get_by_index(1).unwrap(),
        )
    };
    assert!(!stored.0.is_empty());
    assert!(stored.1.contains("\"cred\""), "{}", stored.1);

    // The alert went out, once, and the activity list has it.
    let mails = app.emails_to("ada@example.com", 2).await;
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.subject.contains("passkey was added"))
            .count(),
        1,
        "{:?}",
        mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        events_of(&app, "ada")
            .await
            .contains(&"passkey_added".to_owned())
    );

    // Renamed.
    let id = listed.passkeys[0].id.clone();
    let (status, _) = call_ok(
        &app,
        &app.client,
        RenamePasskey {
            id: id.clone(),
            label: "Pixel".into(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call_ok(
        &app,
        &app.client,
        RenamePasskey {
            id: id.clone(),
            label: " ".into(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("\"label\""),
        "the error names the field: {body}"
    );
    assert_eq!(card(&app, &app.client).await.passkeys[0].label, "Pixel");

    // Two-step verification is on, and still a passkey is a whole sign-in.
    let setup = app.call(BeginTwoStep {}).await.unwrap();
    let secret = decode_base32(&setup.key).unwrap();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    app.call(ConfirmTwoStep {
        code: totp(&secret, now, 6),
    })
    .await
    .unwrap();
    app.call(Logout {}).await.unwrap();
    assert_eq!(signed_in_as(&app, &app.client).await, None);

    let browser = app.new_client();
    let (ceremony, answer) = answer_sign_in(&app, &browser, &mut phone, 0, ada).await;
    let (status, body) = finish(&app, &browser, ceremony.clone(), &answer).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, "\"/account\"");
    assert_eq!(
        signed_in_as(&app, &browser).await.as_deref(),
        Some("ada"),
        "signed in, with no username typed and no code asked"
    );
    let listed = card(&app, &browser).await;
    assert!(listed.passkeys[0].last_used.is_some());

    // The same answer again: the ceremony was used up.
    let other = app.new_client();
    let (status, body) = finish(&app, &other, ceremony, &answer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(signed_in_as(&app, &other).await, None);
}

#[tokio::test]
async fn forged_unverified_and_misdirected_answers_are_refused() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    verified_user(&app, "bob", "bob@example.com").await;
    let (ada, bob) = (app.user_id("ada").await, app.user_id("bob").await);
    let ada_client = app.new_client();
    call_ok(
        &app,
        &ada_client,
        crate::accounts::login("ada", crate::accounts::PASSWORD),
    )
    .await;
    assert_eq!(
        signed_in_as(&app, &ada_client).await.as_deref(),
        Some("ada")
    );
    let mut phone = Device::new();
    assert_eq!(
        add(&app, &ada_client, &mut phone, "Phone").await.0,
        StatusCode::OK
    );

    let visitor = app.new_client();
    // A signature over another challenge.
    let (ceremony, _) = answer_sign_in(&app, &visitor, &mut phone, 0, ada).await;
    let (_, earlier) = answer_sign_in(&app, &visitor, &mut phone, 0, ada).await;
    let (status, _) = finish(&app, &visitor, ceremony, &earlier).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A tampered signature.
    let (ceremony, mut forged) = answer_sign_in(&app, &visitor, &mut phone, 0, ada).await;
    let last = forged.response.signature.len() - 1;
    forged.response.signature[last] ^= 1;
    let (status, _) = finish(&app, &visitor, ceremony, &forged).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Ada's passkey claiming to be Bob's: no such passkey of Bob's.
    let (ceremony, misdirected) = answer_sign_in(&app, &visitor, &mut phone, 0, bob).await;
    let (status, body) = finish(&app, &visitor, ceremony, &misdirected).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("does not belong"), "{body}");
    // The right passkey, but the person was not verified (no fingerprint, no PIN) this time.
    phone.verifies = false;
    let (ceremony, unverified) = answer_sign_in(&app, &visitor, &mut phone, 0, ada).await;
    phone.verifies = true;
    let (status, _) = finish(&app, &visitor, ceremony, &unverified).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // An unknown ceremony token, and garbage for a credential.
    let (status, _) = call_ok(
        &app,
        &visitor,
        FinishPasskeySignIn {
            ceremony: "not-a-ceremony".into(),
            credential: "{}".into(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = call_ok(&app, &visitor, StartPasskeySignIn {}).await;
    assert_eq!(status, StatusCode::OK);
    let challenge: Challenge = serde_json::from_str(&body).unwrap();
    let (status, body) = call_ok(
        &app,
        &visitor,
        FinishPasskeySignIn {
            ceremony: challenge.ceremony,
            credential: "{\"id\":".into(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        !body.to_lowercase().contains("serde"),
        "no internals: {body}"
    );
    assert_eq!(
        signed_in_as(&app, &visitor).await,
        None,
        "none of these signed in"
    );

    // A key that did not verify the person (no fingerprint, no PIN) is not added.
    let mut loose = Device::unverified();
    let (status, body) = add(&app, &ada_client, &mut loose, "Loose").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("\"passkey\""), "{body}");
    assert_eq!(card(&app, &ada_client).await.passkeys.len(), 1);

    // A registration answer used for another account's ceremony is refused.
    let bob_client = app.new_client();
    call_ok(
        &app,
        &bob_client,
        crate::accounts::login("bob", crate::accounts::PASSWORD),
    )
    .await;
    assert_eq!(
        signed_in_as(&app, &bob_client).await.as_deref(),
        Some("bob")
    );
    let (_, body) = call_ok(&app, &ada_client, StartAddingPasskey {}).await;
    let adas: Challenge = serde_json::from_str(&body).unwrap();
    let ccr: CreationChallengeResponse = serde_json::from_str(&adas.options).unwrap();
    let mut ccr = ccr;
    if let Some(s) = ccr.public_key.authenticator_selection.as_mut() {
        s.require_resident_key = false;
    }
    let answer = Device::new()
        .key
        .do_registration(origin(&app), ccr)
        .unwrap();
    let (status, _) = call_ok(
        &app,
        &bob_client,
        FinishAddingPasskey {
            ceremony: adas.ceremony,
            credential: serde_json::to_string(&answer).unwrap(),
            label: "Bob's".into(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(card(&app, &bob_client).await.passkeys.is_empty());

    // Bob sees none of Ada's passkeys and can rename or remove none of them.
    let id = card(&app, &ada_client).await.passkeys[0].id.clone();
    let (status, _) = call_ok(
        &app,
        &bob_client,
        RenamePasskey {
            id: id.clone(),
            label: "Mine now".into(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call_ok(&app, &bob_client, RemovePasskey { id: id.clone() }).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(card(&app, &ada_client).await.passkeys[0].label, "Phone");
    // Visitors see nothing.
    let (status, _) = call_ok(&app, &visitor, Passkeys {}).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = call_ok(&app, &visitor, StartAddingPasskey {}).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_removed_passkey_no_longer_signs_in_and_the_last_way_in_stays() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let ada = app.user_id("ada").await;
    let mut phone = Device::new();
    let mut laptop = Device::new();
    assert_eq!(
        add(&app, &app.client, &mut phone, "Phone").await.0,
        StatusCode::OK
    );
    assert_eq!(
        add(&app, &app.client, &mut laptop, "").await.0,
        StatusCode::OK
    );
    let listed = card(&app, &app.client).await;
    assert_eq!(listed.passkeys.len(), 2);
    assert_eq!(
        listed.passkeys[1].label, "Passkey",
        "an unnamed passkey is named for the device (the test client names none)"
    );

    // An account that signs in only with passkeys (as one made through a provider that
    // later went away): no password, no linked service.
    app.db
        .execute_unprepared("UPDATE user_account SET has_password = false")
        .await
        .unwrap();
    let (status, _) = call_ok(
        &app,
        &app.client,
        RemovePasskey {
            id: listed.passkeys[0].id.clone(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK, "another passkey remains");
    assert!(
        events_of(&app, "ada")
            .await
            .contains(&"passkey_removed".to_owned())
    );
    let listed = card(&app, &app.client).await;
    assert!(listed.last_way);
    let (status, body) = call_ok(
        &app,
        &app.client,
        RemovePasskey {
            id: listed.passkeys[0].id.clone(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("only way to sign in"), "{body}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM passkey").await,
        1,
        "the last way in stays"
    );

    // The removed passkey no longer signs in; the remaining one does.
    let browser = app.new_client();
    let (ceremony, answer) = answer_sign_in(&app, &browser, &mut phone, 0, ada).await;
    let (status, body) = finish(&app, &browser, ceremony, &answer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("does not belong"), "{body}");
    assert_eq!(signed_in_as(&app, &browser).await, None);
    let (ceremony, answer) = answer_sign_in(&app, &browser, &mut laptop, 0, ada).await;
    assert_eq!(
        finish(&app, &browser, ceremony, &answer).await.0,
        StatusCode::OK
    );
    assert_eq!(signed_in_as(&app, &browser).await.as_deref(), Some("ada"));

    // A linked service counts as a way in beside a passkey: it can be removed while a
    // passkey remains.
    app.db
        .execute_unprepared(
            "INSERT INTO auth_identity (id, user_id, provider, issuer, subject, created_ms) \
             SELECT id, id, 'acme', 'https://id.acme.example', 'ada-at-acme', 0 \
             FROM user_account WHERE username = 'ada'",
        )
        .await
        .unwrap();
    let (_, body) = call_ok(&app, &browser, LinkedIdentities {}).await;
    let linked: app::identity::IdentitiesView = serde_json::from_str(&body).unwrap();
    assert!(!linked.last_way, "a passkey is another way in");
    let (status, body) = call_ok(
        &app,
        &browser,
        UnlinkIdentity {
            id: linked.linked[0].id.clone(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn failed_passkey_sign_ins_count_against_the_clients_login_limit() {
    let app = spawn_with(json!({
        "limits": { "login_failures_per_client": { "max": 2, "window_secs": 900 } }
    }))
    .await;
    verified_user(&app, "ada", "ada@example.com").await;
    let ada = app.user_id("ada").await;
    let mut phone = Device::new();
    assert_eq!(
        add(&app, &app.client, &mut phone, "Phone").await.0,
        StatusCode::OK
    );
    let visitor = app.new_client();
    for _ in 0..2 {
        let (ceremony, mut forged) = answer_sign_in(&app, &visitor, &mut phone, 0, ada).await;
        forged.response.signature[0] ^= 1;
        assert_eq!(
            finish(&app, &visitor, ceremony, &forged).await.0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let (ceremony, answer) = answer_sign_in(&app, &visitor, &mut phone, 0, ada).await;
    assert_eq!(
        finish(&app, &visitor, ceremony, &answer).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the third try from this client is refused before it is checked"
    );
}

#[tokio::test]
async fn passkeys_are_off_where_the_site_is_an_ip_address() {
    let app = TestApp::spawn().await;
    assert!(app.site_url.contains("127.0.0.1"));
    verified_user(&app, "ada", "ada@example.com").await;
    assert!(!card(&app, &app.client).await.available);
    let (status, body) = call_ok(&app, &app.client, StartAddingPasskey {}).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("not available"), "{body}");
    let (status, _) = call_ok(&app, &app.new_client(), StartPasskeySignIn {}).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn two_step_is_turned_off_with_a_passkey_instead_of_the_password() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let mut phone = Device::new();
    assert_eq!(
        add(&app, &app.client, &mut phone, "Phone").await.0,
        StatusCode::OK
    );
    let setup = app.call(BeginTwoStep {}).await.unwrap();
    let secret = decode_base32(&setup.key).unwrap();
    let now = u64::try_from(chrono::Utc::now().timestamp()).unwrap();
    app.call(ConfirmTwoStep {
        code: totp(&secret, now, 6),
    })
    .await
    .unwrap();
    assert!(app.call(TwoStepStatus {}).await.unwrap().on);

    let confirmation = |client: reqwest::Client| {
        let app = &app;
        async move {
            let (status, body) = call_ok(app, &client, StartPasskeyConfirmation {}).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let challenge: Challenge = serde_json::from_str(&body).unwrap();
            let rcr: RequestChallengeResponse = serde_json::from_str(&challenge.options).unwrap();
            (challenge.ceremony, rcr)
        }
    };
    let (ceremony, rcr) = confirmation(app.client.clone()).await;
    // Only Ada's own passkeys are offered.
    assert_eq!(rcr.public_key.allow_credentials.len(), 1);
    assert_eq!(rcr.public_key.allow_credentials[0].id, phone.made[0]);
    let answer = phone.key.do_authentication(origin(&app), rcr).unwrap();

    // Bob, signed in elsewhere, cannot use Ada's confirmation.
    let bob = app.new_client();
    crate::accounts::verified_user_in(&app, &bob, "bob", "bob@example.com").await;
    assert_eq!(signed_in_as(&app, &bob).await.as_deref(), Some("bob"));
    assert_eq!(
        signed_in_as(&app, &app.client).await.as_deref(),
        Some("ada")
    );
    let (status, _) = call_ok(
        &app,
        &bob,
        DisableTwoStepWithPasskey {
            ceremony: ceremony.clone(),
            credential: serde_json::to_string(&answer).unwrap(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.call(TwoStepStatus {}).await.unwrap().on, "still on");

    // A forged answer is refused.
    let (ceremony, rcr) = confirmation(app.client.clone()).await;
    let mut forged = phone.key.do_authentication(origin(&app), rcr).unwrap();
    forged.response.signature[0] ^= 1;
    let (status, _) = call_ok(
        &app,
        &app.client,
        DisableTwoStepWithPasskey {
            ceremony,
            credential: serde_json::to_string(&forged).unwrap(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.call(TwoStepStatus {}).await.unwrap().on, "still on");

    // Ada's passkey turns it off, once.
    let (ceremony, rcr) = confirmation(app.client.clone()).await;
    let answer = phone.key.do_authentication(origin(&app), rcr).unwrap();
    let (status, body) = call_ok(
        &app,
        &app.client,
        DisableTwoStepWithPasskey {
            ceremony: ceremony.clone(),
            credential: serde_json::to_string(&answer).unwrap(),
        },
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(!app.call(TwoStepStatus {}).await.unwrap().on);
    assert!(
        events_of(&app, "ada")
            .await
            .contains(&"two_step_off".to_owned())
    );
    let (status, _) = call_ok(
        &app,
        &app.client,
        DisableTwoStepWithPasskey {
            ceremony,
            credential: serde_json::to_string(&answer).unwrap(),
        },
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the ceremony was used up"
    );

    // An account with no passkey is told so.
    let (status, body) = call_ok(&app, &bob, StartPasskeyConfirmation {}).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("No passkeys"), "{body}");
}
