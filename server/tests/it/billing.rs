//! Ripen Plus (issue 22): the Free plan's limits, buying Plus through the sandbox (which
//! signs its outcome and hands it to the same notification path as any provider), a
//! notification applied exactly once however often and however concurrently it arrives,
//! every forged or altered notification refused with nothing changed, payments of one
//! account extending its Plus one after the other, and orders private to their owner.

use app::{
    billing::{
        AccountPlan, AskRefund, Checkout, CheckoutForm, MyPlan, Order, OrderStatus, PlanState,
        Plans, SandboxFinish,
        ssr::sandbox::{Notification, Sandbox},
    },
    letters::RecipientInput,
};
use chrono::{Months, Utc};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use uuid::Uuid;

use crate::{
    accounts::{count, verified_user, verified_user_in},
    harness::{TestApp, TestOptions},
    letters::{letter, png, upload},
};

async fn spawn() -> TestApp {
    TestApp::spawn_with(TestOptions {
        config: json!({ "letters": { "min_lead_secs": 0 } }),
        ..TestOptions::default()
    })
    .await
}

/// Makes an order of `product` to pay through the sandbox; answers its id.
pub(crate) async fn order(app: &TestApp, client: &reqwest::Client, product: &str) -> String {
    let (status, _, body) = app
        .call_as(
            client,
            Checkout {
                form: CheckoutForm {
                    product: product.into(),
                    provider: "sandbox".into(),
                },
            },
            &[],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    serde_json::from_str(&body).unwrap()
}

/// Buys `product` through the sandbox as `client`'s account; answers the order's id.
pub(crate) async fn buy(app: &TestApp, client: &reqwest::Client, product: &str) -> String {
    let id = order(app, client, product).await;
    let (status, _, body) = app
        .call_as(
            client,
            SandboxFinish {
                id: id.clone(),
                pay: true,
            },
            &[],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    id
}

/// Gives `username` a year of Plus, as a paid order would (for tests of what Plus allows,
/// whose subject is not paying).
pub(crate) async fn plus(app: &TestApp, username: &str) {
    use app::billing::entities::subscription;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let now = Utc::now();
    subscription::Entity::insert(subscription::ActiveModel {
        user_id: Set(app.user_id(username).await),
        plus_until_ms: Set((now + Months::new(12)).timestamp_millis()),
        reminded_ms: Set(None),
        cut_ms: Set(None),
        updated_ms: Set(now.timestamp_millis()),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
}

/// A single value of the test database.
async fn scalar<T: sea_orm::TryGetable>(app: &TestApp, sql: &str) -> T {
    app.db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<T>("", "v")
        .unwrap()
}

/// `id` as the database holds it (SQLite keeps UUIDs as 16-byte blobs).
fn uuid_sql(app: &TestApp, column: &str, id: &str) -> String {
    match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("{column} = '{id}'"),
        _ => format!("hex({column}) = '{}'", id.replace('-', "").to_uppercase()),
    }
}

async fn order_row(app: &TestApp, id: &str) -> (String, String, i64) {
    let w = uuid_sql(app, "id", id);
    (
        scalar(
            app,
            &format!("SELECT status AS v FROM billing_order WHERE {w}"),
        )
        .await,
        scalar(
            app,
            &format!("SELECT order_no AS v FROM billing_order WHERE {w}"),
        )
        .await,
        scalar(
            app,
            &format!("SELECT amount_fen AS v FROM billing_order WHERE {w}"),
        )
        .await,
    )
}

/// A notification's signature headers.
type Headers = Vec<(&'static str, String)>;

/// A sandbox notification for `order_no`, signed at `at_secs` with `sandbox`.
fn signed(
    sandbox: &Sandbox,
    order_no: &str,
    outcome: &str,
    amount_fen: i64,
    at_secs: i64,
) -> (Vec<u8>, Headers) {
    let body = serde_json::to_vec(&Notification {
        id: Uuid::new_v4().to_string(),
        order_no: order_no.into(),
        outcome: outcome.into(),
        amount_fen,
        currency: "CNY".into(),
        trade_no: format!("T{order_no}"),
    })
    .unwrap();
    let headers = sandbox.sign(&body, at_secs);
    (body, headers)
}

/// Posts a notification as a provider's server would: no cookies, no origin.
async fn notify(
    app: &TestApp,
    body: &[u8],
    headers: &[(&'static str, String)],
) -> (StatusCode, String) {
    let mut req = reqwest::Client::new()
        .post(app.url("/billing/notify/sandbox"))
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

fn now_secs() -> i64 {
    Utc::now().timestamp()
}

#[tokio::test]
async fn the_free_plan_limits_letters_and_plus_bought_through_the_sandbox_lifts_them() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let plans = app.call(Plans {}).await.unwrap();
    assert_eq!(plans.providers, vec![app::billing::Provider::Sandbox]);
    let mine: AccountPlan = app.call(MyPlan {}).await.unwrap();
    assert_eq!(mine.state, PlanState::Free);
    assert_eq!(mine.limits, plans.free);

    // Free: five years ahead at most, one picture a letter, three people, no texts.
    let far = Utc::now() + Months::new(12 * 10);
    let e = app.call(letter("Ten years on", far)).await.unwrap_err();
    assert_eq!(
        e.field_message("deliver_date"),
        Some("The Free plan delivers up to 5 years ahead; Plus, much further.")
    );
    let mut many = letter("To friends", Utc::now() + chrono::Duration::days(3));
    many.letter.recipients = (0..4)
        .map(|i| RecipientInput {
            name: format!("Friend {i}"),
            email: format!("friend{i}@example.com"),
            phone: "+8613800000000".into(),
        })
        .collect();
    many.letter.send_sms = true;
    let e = app.call(many.clone()).await.unwrap_err();
    assert!(e.field_message("recipients").is_some(), "{e:?}");
    assert!(e.field_message("send_sms").is_some(), "{e:?}");
    let mut draft = letter("With pictures", Utc::now() + chrono::Duration::days(3));
    draft.schedule = false;
    let id = app.call(draft).await.unwrap().id.to_string();
    let (status, body) = upload(&app, &app.client, &id, "a.png", png(8, 8)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = upload(&app, &app.client, &id, "b.png", png(8, 8)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("1 picture a letter"), "{body}");

    // Buy a month: the order page links on to the sandbox, which pays it.
    let id_order = order(&app, &app.client, "plus_month").await;
    assert_eq!(order_row(&app, &id_order).await.0, "created");
    let view = app
        .call(Order {
            id: id_order.clone(),
        })
        .await
        .unwrap();
    let link = view.pay_link.expect("an open order can be paid");
    let res = app.get(&link).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/plus/sandbox/{id_order}")
    );
    assert_eq!(order_row(&app, &id_order).await.0, "pending");
    app.call(SandboxFinish {
        id: id_order.clone(),
        pay: true,
    })
    .await
    .unwrap();
    let view = app
        .call(Order {
            id: id_order.clone(),
        })
        .await
        .unwrap();
    assert_eq!(view.order.status, OrderStatus::Paid);
    assert_eq!(view.order.amount_fen, 1200);
    assert!(view.pay_link.is_none() && view.order.period.is_some());
    let mine = app.call(MyPlan {}).await.unwrap();
    assert_eq!(mine.state, PlanState::Active);
    assert_eq!(mine.limits, plans.plus);
    assert!(mine.plus_until.is_some());

    // A receipt, by email.
    let mail = app.emails_to("ada@example.com", 2).await;
    let receipt = mail
        .iter()
        .find(|m| m.subject == "Your Ripen Plus receipt")
        .expect("a receipt");
    assert!(
        receipt.text.contains(&view.order.order_no)
            && receipt.text.contains("¥12.00")
            && receipt.text.contains(&format!("/plus/orders/{id_order}")),
        "{}",
        receipt.text
    );

    // Plus: the same letters go through.
    app.call(letter("Ten years on", far)).await.unwrap();
    app.call(many).await.unwrap();
    let (status, body) = upload(&app, &app.client, &id, "b.png", png(8, 8)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_event").await,
        1
    );
}

#[tokio::test]
async fn a_notification_applies_once_however_often_and_however_concurrently_it_arrives() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let id = order(&app, &app.client, "plus_month").await;
    let (_, order_no, amount) = order_row(&app, &id).await;
    let sandbox = Sandbox::new(&app.keys()).unwrap();
    let (body, headers) = signed(&sandbox, &order_no, "paid", amount, now_secs());
    let answers = futures::future::join_all((0..5).map(|_| notify(&app, &body, &headers))).await;
    for (status, text) in &answers {
        assert_eq!((*status, text.as_str()), (StatusCode::OK, "success"));
    }
    // And again, later: still acknowledged, still nothing more.
    assert_eq!(notify(&app, &body, &headers).await.1, "success");
    assert_eq!(order_row(&app, &id).await.0, "paid");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_event").await,
        1
    );
    let w = uuid_sql(&app, "id", &id);
    let paid: i64 = scalar(
        &app,
        &format!("SELECT paid_ms AS v FROM billing_order WHERE {w}"),
    )
    .await;
    let until: i64 = scalar(&app, "SELECT plus_until_ms AS v FROM subscription").await;
    let month = chrono::DateTime::from_timestamp_millis(paid).unwrap() + Months::new(1);
    assert_eq!(
        until,
        month.timestamp_millis(),
        "extended by one month, once"
    );
}

#[tokio::test]
async fn forged_altered_stale_or_misdirected_notifications_are_refused_and_change_nothing() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let id = order(&app, &app.client, "plus_year").await;
    let (_, order_no, amount) = order_row(&app, &id).await;
    let sandbox = Sandbox::new(&app.keys()).unwrap();
    let stranger = Sandbox::new(&app::seal::Keyring::ephemeral().unwrap()).unwrap();

    let mut cases: Vec<(&str, Vec<u8>, Headers)> = Vec::new();
    let (b, h) = signed(&stranger, &order_no, "paid", amount, now_secs());
    cases.push(("another key", b, h));
    let (b, h) = signed(&sandbox, &order_no, "paid", amount - 1, now_secs());
    cases.push(("a lower amount", b, h));
    let (b, h) = signed(&sandbox, &order_no, "paid", amount, now_secs() - 600);
    cases.push(("ten minutes old", b, h));
    let (b, h) = signed(
        &sandbox,
        "RPNOSUCHORDER0000000000",
        "paid",
        amount,
        now_secs(),
    );
    cases.push(("an unknown order", b, h));
    let (b, h) = signed(&sandbox, &order_no, "paid", amount, now_secs());
    let b = String::from_utf8(b)
        .unwrap()
        .replace(r#""trade_no":"T"#, r#""trade_no":"X"#)
        .into_bytes();
    cases.push(("a body changed after signing", b, h));
    let (b, mut h) = signed(&sandbox, &order_no, "paid", amount, now_secs());
    h.retain(|(k, _)| *k != "ripen-sandbox-signature");
    cases.push(("no signature", b, h));
    let (b, mut h) = signed(&sandbox, &order_no, "paid", amount, now_secs());
    h[0].1 = (now_secs() - 1).to_string();
    cases.push(("a timestamp changed after signing", b, h));

    for (what, body, headers) in cases {
        let (status, text) = notify(&app, &body, &headers).await;
        assert!(!status.is_success(), "{what}: {status} {text}");
        assert_eq!(text, "fail", "{what}");
    }
    assert_eq!(order_row(&app, &id).await.0, "created");
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_event").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM subscription").await,
        0
    );
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Free);

    // A provider that is not set up here has no endpoint.
    let (status, _) = {
        let res = reqwest::Client::new()
            .post(app.url("/billing/notify/alipay"))
            .body("x")
            .send()
            .await
            .unwrap();
        (res.status(), ())
    };
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn payments_of_one_account_extend_plus_one_after_the_other_and_a_late_close_undoes_nothing() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let sandbox = Sandbox::new(&app.keys()).unwrap();
    let (a, b) = (
        order(&app, &app.client, "plus_month").await,
        order(&app, &app.client, "plus_year").await,
    );
    let (_, no_a, amount_a) = order_row(&app, &a).await;
    let (_, no_b, amount_b) = order_row(&app, &b).await;
    let (body_a, h_a) = signed(&sandbox, &no_a, "paid", amount_a, now_secs());
    let (body_b, h_b) = signed(&sandbox, &no_b, "paid", amount_b, now_secs());
    let (ra, rb) = tokio::join!(notify(&app, &body_a, &h_a), notify(&app, &body_b, &h_b));
    assert_eq!((ra.1.as_str(), rb.1.as_str()), ("success", "success"));

    // The two periods follow each other, whichever was applied first, and Plus lasts
    // until the end of the second.
    let periods: Vec<(i64, i64)> = {
        let rows = app
            .db
            .query_all_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT period_start_ms, period_end_ms FROM billing_order ORDER BY period_start_ms",
            ))
            .await
            .unwrap();
        rows.iter()
            .map(|r| {
                (
                    r.try_get::<i64>("", "period_start_ms").unwrap(),
                    r.try_get::<i64>("", "period_end_ms").unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(periods.len(), 2);
    assert_eq!(
        periods[0].1, periods[1].0,
        "the second starts where the first ends"
    );
    let until: i64 = scalar(&app, "SELECT plus_until_ms AS v FROM subscription").await;
    assert_eq!(until, periods[1].1);

    // A "failed" for an order already paid arrives late: recorded, ignored.
    let (body, h) = signed(&sandbox, &no_a, "failed", amount_a, now_secs());
    assert_eq!(notify(&app, &body, &h).await.1, "success");
    assert_eq!(order_row(&app, &a).await.0, "paid");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM billing_event WHERE outcome = 'ignored'"
        )
        .await,
        1
    );
    let still: i64 = scalar(&app, "SELECT plus_until_ms AS v FROM subscription").await;
    assert_eq!(still, until);
}

#[tokio::test]
async fn orders_are_their_owners_alone_checkout_is_origin_checked_and_notifications_need_no_session()
 {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let id = order(&app, &app.client, "plus_month").await;
    let bob = app.new_client();
    verified_user_in(&app, &bob, "bob", "bob@example.com").await;

    let (status, _, _) = app.call_as(&bob, Order { id: id.clone() }, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app
        .call_as(
            &bob,
            SandboxFinish {
                id: id.clone(),
                pay: true,
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let res = bob
        .get(app.url(&format!("/plus/orders/{id}/pay")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(order_row(&app, &id).await.0, "created");

    // Another site cannot make an order in ada's name.
    let (status, _, _) = app
        .call_as(
            &app.client,
            Checkout {
                form: CheckoutForm {
                    product: "plus_month".into(),
                    provider: "sandbox".into(),
                },
            },
            &[
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_order").await,
        1
    );

    // Bad input names its field.
    let e = app
        .call(Checkout {
            form: CheckoutForm {
                product: "plus_forever".into(),
                provider: "paypal".into(),
            },
        })
        .await
        .unwrap_err();
    assert!(
        e.field_message("product").is_some() && e.field_message("provider").is_some(),
        "{e:?}"
    );
    let e = app
        .call(Checkout {
            form: CheckoutForm {
                product: "plus_month".into(),
                provider: "alipay".into(),
            },
        })
        .await
        .unwrap_err();
    assert!(e.field_message("provider").is_some(), "{e:?}");
    // A visitor has no plan to show.
    let visitor = app.new_client();
    let (status, _, _) = app.call_as(&visitor, MyPlan {}, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_lapse_keeps_plus_through_the_grace_period_and_never_stops_a_scheduled_letter() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let id = order(&app, &app.client, "plus_month").await;
    app.call(SandboxFinish { id, pay: true }).await.unwrap();
    let far = app
        .call(letter("Ten years on", Utc::now() + Months::new(120)))
        .await
        .unwrap();

    // Plus ended yesterday: the grace period keeps its limits.
    let day = 86_400_000i64;
    let now = Utc::now().timestamp_millis();
    app.db
        .execute_unprepared(&format!(
            "UPDATE subscription SET plus_until_ms = {}",
            now - day
        ))
        .await
        .unwrap();
    let mine = app.call(MyPlan {}).await.unwrap();
    assert_eq!(mine.state, PlanState::Grace);
    assert!(mine.grace_until.is_some());
    app.call(letter("Nine years on", Utc::now() + Months::new(108)))
        .await
        .unwrap();

    // Eight days later it is the Free plan; the letters stay scheduled, far ones too.
    app.db
        .execute_unprepared(&format!(
            "UPDATE subscription SET plus_until_ms = {}",
            now - 8 * day
        ))
        .await
        .unwrap();
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Free);
    let e = app
        .call(letter("Eight years on", Utc::now() + Months::new(96)))
        .await
        .unwrap_err();
    assert!(e.field_message("deliver_date").is_some(), "{e:?}");
    let w = uuid_sql(&app, "id", &far.id.to_string());
    let status: String = scalar(&app, &format!("SELECT status AS v FROM letter WHERE {w}")).await;
    assert_eq!(status, "scheduled");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM letter WHERE status = 'scheduled'"
        )
        .await,
        2
    );
}

#[tokio::test]
async fn the_free_plan_keeps_ten_letters_waiting_and_a_waiting_letter_can_still_be_changed() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let soon = Utc::now() + chrono::Duration::days(30);
    let mut first = None;
    for i in 0..10 {
        let v = app
            .call(letter(&format!("Letter {i}"), soon))
            .await
            .unwrap();
        first.get_or_insert(v.id);
    }
    assert_eq!(app.call(app::letters::LettersWaiting {}).await.unwrap(), 10);
    let e = app.call(letter("One more", soon)).await.unwrap_err();
    assert_eq!(
        e.field_message("letter"),
        Some(
            "The Free plan keeps 10 letters waiting at a time. Wait for one to arrive, or get Plus."
        )
    );
    // Rescheduling one already waiting is not one more.
    let mut again = letter("Letter 0, changed", soon + chrono::Duration::days(1));
    again.id = first.map(|id| id.to_string());
    app.call(again).await.unwrap();
}

#[tokio::test]
async fn the_sandbox_is_off_on_an_https_site_unless_configured() {
    let app = TestApp::spawn_with(TestOptions {
        site_url: Some("https://ripen.example".into()),
        ..TestOptions::default()
    })
    .await;
    let (status, _, body) = app
        .call_as(
            &app.client,
            Plans {},
            &[("origin", "https://ripen.example")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let plans: app::billing::PlansView = serde_json::from_str(&body).unwrap();
    assert!(plans.providers.is_empty());
    let res = reqwest::Client::new()
        .post(app.url("/billing/notify/sandbox"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let app = TestApp::spawn_with(TestOptions {
        site_url: Some("https://ripen.example".into()),
        config: json!({ "billing": { "sandbox": true } }),
        ..TestOptions::default()
    })
    .await;
    let (_, _, body) = app
        .call_as(
            &app.client,
            Plans {},
            &[("origin", "https://ripen.example")],
        )
        .await;
    let plans: app::billing::PlansView = serde_json::from_str(&body).unwrap();
    assert_eq!(plans.providers, vec![app::billing::Provider::Sandbox]);
}

#[tokio::test]
async fn a_refund_asked_on_the_day_of_paying_gives_it_all_back_and_the_free_limits_return() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let id = buy(&app, &app.client, "plus_month").await;
    let far = Utc::now() + Months::new(12 * 10);
    app.call(letter("Ten years on", far)).await.unwrap();
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert_eq!((view.refundable_fen, view.refund_days), (1200, 14));

    // Another account cannot ask for it.
    let bob = app.new_client();
    verified_user_in(&app, &bob, "bob", "bob@example.com").await;
    let (status, _, _) = app.call_as(&bob, AskRefund { id: id.clone() }, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.call(AskRefund { id: id.clone() }).await.unwrap();
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Refunded);
    assert_eq!(view.order.refunded_fen, 1200);
    assert_eq!(view.refunds.len(), 1);
    assert_eq!(
        view.refunds[0].status,
        app::billing::RefundStatus::Succeeded
    );
    assert_eq!(view.refundable_fen, 0);
    // Plus ends at once (no grace period for time given back), and its limit with it; the
    // letter already scheduled stays.
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Free);
    let e = app
        .call(letter("Nine years on", Utc::now() + Months::new(108)))
        .await
        .unwrap_err();
    assert!(e.field_message("deliver_date").is_some(), "{e:?}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM letter WHERE status = 'scheduled'"
        )
        .await,
        1
    );
    // Once is all.
    let e = app.call(AskRefund { id }).await.unwrap_err();
    assert!(e.field_message("order").is_some(), "{e:?}");
    let mail = app.emails_to("ada@example.com", 3).await;
    assert!(
        mail.iter()
            .any(|m| m.subject == "Your Ripen Plus refund" && m.text.contains("¥12.00")),
        "{:?}",
        mail.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_week_before_plus_ends_the_account_is_reminded_once_in_its_language() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    buy(&app, &app.client, "plus_month").await;
    app.db
        .execute_unprepared("UPDATE user_account SET language = 'zh-Hans' WHERE username = 'ada'")
        .await
        .unwrap();
    let billing = app::billing::ssr::Billing::new(
        app::billing::ssr::BillingConfig::default(),
        &app.keys(),
        &app.site_url,
    )
    .unwrap()
    .with_mailer(
        app::mail::Mailer::outbox(app.mail_dir.clone(), "Ripen <ripen@localhost>").unwrap(),
    );
    let now = Utc::now().timestamp_millis();
    // Three weeks left: not yet.
    let r = app::billing::ssr::reconcile::pass(&app.db, &billing, now + 7 * 86_400_000)
        .await
        .unwrap();
    assert_eq!(r.reminded, 0);
    // Five days left: reminded, once, however many passes (and instances) look.
    let five_days_before_the_end = {
        let until: i64 = scalar(&app, "SELECT plus_until_ms AS v FROM subscription").await;
        until - 5 * 86_400_000
    };
    let passes =
        futures::future::join_all((0..3).map(|_| {
            app::billing::ssr::reconcile::pass(&app.db, &billing, five_days_before_the_end)
        }))
        .await;
    let reminded: u64 = passes.into_iter().map(|r| r.unwrap().reminded).sum();
    assert_eq!(reminded, 1);
    let mail = app.emails_to("ada@example.com", 3).await;
    let reminders: Vec<_> = mail.iter().filter(|m| m.subject.contains("到期")).collect();
    assert_eq!(
        reminders.len(),
        1,
        "{:?}",
        mail.iter().map(|m| &m.subject).collect::<Vec<_>>()
    );
    assert!(
        reminders[0].subject.starts_with("你的 Ripen 会员将于"),
        "{}",
        reminders[0].subject
    );
    // Paying again starts a new period, which will have its own reminder.
    buy(&app, &app.client, "plus_month").await;
    let reminded: Option<i64> = {
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT reminded_ms FROM subscription",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "reminded_ms").unwrap()
    };
    assert_eq!(reminded, None);
}

#[tokio::test]
async fn no_refund_is_offered_after_the_window_or_for_an_unpaid_order() {
    let app = spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let id = buy(&app, &app.client, "plus_year").await;
    let fifteen_days_ago = Utc::now().timestamp_millis() - 15 * 86_400_000;
    let w = uuid_sql(&app, "id", &id);
    app.db
        .execute_unprepared(&format!(
            "UPDATE billing_order SET paid_ms = {fifteen_days_ago} WHERE {w}"
        ))
        .await
        .unwrap();
    assert_eq!(
        app.call(Order { id: id.clone() })
            .await
            .unwrap()
            .refundable_fen,
        0
    );
    let e = app.call(AskRefund { id }).await.unwrap_err();
    assert!(e.field_message("order").is_some(), "{e:?}");
    let open = order(&app, &app.client, "plus_month").await;
    assert!(app.call(AskRefund { id: open }).await.is_err());
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_refund").await,
        0
    );
}
