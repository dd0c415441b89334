//! Who may send letters to other people, and how many (issue 28, item 3): a verified
//! address first, and at most `letters.recipients_per_day` (50) recipients in any 24 hours,
//! which parallel requests cannot get past.

use app::{
    AppError,
    account::Login,
    letters::{LetterView, RecipientInput, SaveLetter, storage::LocalDir},
    privacy::ssr::purge,
};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::{
    accounts::{PASSWORD, signup},
    harness::{TestApp, TestOptions},
    letters::letter,
};

/// The default daily cap.
const PER_DAY: usize = 50;

/// A browser signed in as a new account `name` (`<name>@example.com`), verified or not.
async fn account(app: &TestApp, name: &str, verified: bool) -> reqwest::Client {
    account_in(app, name, verified, "en").await
}

/// The same, for an account made in the language `lang` (which it then reads Ripen in).
async fn account_in(app: &TestApp, name: &str, verified: bool, lang: &str) -> reqwest::Client {
    let client = app.new_client();
    let email = format!("{name}@example.com");
    let (status, _, body) = app
        .call_as(&client, signup(name, &email), &[("accept-language", lang)])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let login = Login {
        identifier: name.into(),
        password: PASSWORD.into(),
    };
    let (status, _, body) = app.call_as(&client, login, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    if verified {
        verify(app, &client, &email).await;
    }
    client
}

async fn verify(app: &TestApp, client: &reqwest::Client, email: &str) {
    let mail = app.emails_to(email, 1).await.pop().unwrap();
    let token = mail.token("/verify-email");
    let (status, _, body) = app
        .call_as(client, crate::accounts::confirm(token), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A letter due in two days to `count` other people (`<tag>.<i>@elsewhere.example`),
/// and to the author too when `to_self`.
fn to_others(tag: &str, count: usize, to_self: bool) -> SaveLetter {
    let mut l = letter(
        &format!("To {count} people"),
        Utc::now() + chrono::Duration::days(2),
    );
    l.letter.to_self = to_self;
    l.letter.recipients = (0..count)
        .map(|i| RecipientInput {
            name: format!("Reader {i}"),
            email: format!("{tag}.{i}@elsewhere.example"),
            phone: String::new(),
        })
        .collect();
    l
}

async fn save(
    app: &TestApp,
    client: &reqwest::Client,
    letter: &SaveLetter,
    headers: &[(&str, &str)],
) -> Result<LetterView, AppError> {
    let (status, _, body) = app.call_as(client, letter.clone(), headers).await;
    if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap())
    } else {
        Err(serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("undecodable error ({e}), status {status}: {body}")))
    }
}

fn recipients_error(result: Result<LetterView, AppError>) -> String {
    match result {
        Ok(v) => panic!("expected a refusal naming recipients, got {v:?}"),
        Err(e) => e
            .field_message("recipients")
            .unwrap_or_else(|| panic!("no error for recipients: {e:?}"))
            .to_owned(),
    }
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn an_unverified_account_cannot_send_to_others_until_it_verifies() {
    let app = TestApp::spawn().await;
    let ann = account(&app, "ann", false).await;

    // Refused, in the page's language, with the field named; nothing is stored.
    let message = recipients_error(save(&app, &ann, &to_others("ann", 3, false), &[]).await);
    assert!(message.contains("Verify your email address"), "{message}");
    let mei = account_in(&app, "mei", false, "zh-CN").await;
    let chinese = recipients_error(save(&app, &mei, &to_others("mei", 3, false), &[]).await);
    assert_eq!(chinese, "请先验证你的邮箱地址，然后才能给别人寄信。");
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM letter").await, 0);
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM letter_recipient").await,
        0
    );

    // A draft to others is only kept, never sent: that is allowed.
    let mut draft = to_others("ann", 3, false);
    draft.schedule = false;
    let kept = save(&app, &ann, &draft, &[]).await.unwrap();
    assert_eq!(kept.recipients.len(), 3);

    // Verified, the same letter goes.
    verify(&app, &ann, "ann@example.com").await;
    let mut scheduled = to_others("ann", 3, false);
    scheduled.id = Some(kept.id.to_string());
    let sent = save(&app, &ann, &scheduled, &[]).await.unwrap();
    assert_eq!(sent.recipients.len(), 3);
}

#[tokio::test]
async fn the_51st_recipient_of_a_day_is_refused_and_edits_are_not_counted_twice() {
    let app = TestApp::spawn().await;
    let bea = account(&app, "bea", true).await;
    crate::billing::plus(&app, "bea").await;
    let mut last = None;
    for i in 0..PER_DAY / 10 {
        last = Some(
            save(&app, &bea, &to_others(&format!("l{i}"), 10, false), &[])
                .await
                .unwrap(),
        );
    }
    // Changing a scheduled letter without changing who it goes to costs nothing.
    let last = last.unwrap();
    let mut edit = to_others(&format!("l{}", PER_DAY / 10 - 1), 10, false);
    edit.id = Some(last.id.to_string());
    edit.letter.title = "Changed my mind about the title".into();
    save(&app, &bea, &edit, &[]).await.unwrap();

    // The 51st person is refused, and says how many a day are allowed.
    let message = recipients_error(save(&app, &bea, &to_others("extra", 1, false), &[]).await);
    assert!(message.contains(&PER_DAY.to_string()), "{message}");
    // So is adding a new person to a letter already scheduled.
    let mut grown = to_others(&format!("l{}", PER_DAY / 10 - 1), 10, false);
    grown.id = Some(last.id.to_string());
    grown.letter.recipients[9].email = "someone.new@elsewhere.example".into();
    recipients_error(save(&app, &bea, &grown, &[]).await);
    // Letters to oneself are not limited.
    let mut own = letter("Just for me", Utc::now() + chrono::Duration::days(2));
    own.letter.to_self = true;
    save(&app, &bea, &own, &[]).await.unwrap();
    // Another account has its own allowance.
    let cal = account(&app, "cal", true).await;
    crate::billing::plus(&app, "cal").await;
    save(&app, &cal, &to_others("cal", 10, false), &[])
        .await
        .unwrap();

    // One count per scheduling that added people (refusals and unchanged recipients add
    // none). The retention job drops them once they no longer count: run as if a day had
    // passed, bea's allowance is whole again.
    assert_eq!(scalar(&app, "SELECT COUNT(*) FROM letter_send").await, 6);
    let store = LocalDir::new(app.data_dir().join("uploads")).unwrap();
    let a_day_later = Utc::now() + chrono::Duration::hours(24) + chrono::Duration::minutes(1);
    let report = purge(
        &app.db,
        &store,
        None,
        chrono::Duration::days(14),
        a_day_later,
    )
    .await
    .unwrap();
    assert_eq!(report.send_counts_deleted, 6);
    save(&app, &bea, &to_others("tomorrow", 10, false), &[])
        .await
        .unwrap();
}

#[tokio::test]
async fn parallel_letters_cannot_send_past_the_daily_cap() {
    // A smaller cap, configured: 12 a day.
    let per_day = 12;
    let app = TestApp::spawn_with(TestOptions {
        config: json!({ "letters": { "recipients_per_day": per_day } }),
        ..TestOptions::default()
    })
    .await;
    for round in 0..3 {
        let client = account(&app, &format!("dee{round}"), true).await;
        crate::billing::plus(&app, &format!("dee{round}")).await;
        save(
            &app,
            &client,
            &to_others(&format!("r{round}"), 2, false),
            &[],
        )
        .await
        .unwrap();
        // Ten left; two letters of ten each at once: exactly one goes.
        let (a, b) = (
            to_others(&format!("r{round}a"), 10, false),
            to_others(&format!("r{round}b"), 10, false),
        );
        let (a, b) = tokio::join!(save(&app, &client, &a, &[]), save(&app, &client, &b, &[]));
        let refused = match (a, b) {
            (Ok(_), Err(e)) | (Err(e), Ok(_)) => e,
            (a, b) => panic!("round {round}: exactly one may go: {a:?} / {b:?}"),
        };
        assert!(
            refused.field_message("recipients").is_some(),
            "round {round}: {refused:?}"
        );
    }
    let scheduled = scalar(
        &app,
        "SELECT COUNT(*) FROM letter_recipient WHERE is_self = false AND status = 'pending'",
    )
    .await;
    assert_eq!(scheduled, 3 * per_day);
}
