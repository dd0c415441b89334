//! Ripen Plus through Alipay, against a fake gateway that speaks Alipay's protocol
//! (`fake_alipay`): the payment link is a signed gateway call, a notification signed by
//! Alipay pays the order once however often it comes, anything forged, altered or for
//! another merchant changes nothing, and the reconciler finds a payment whose
//! notification never came — through provider failures, without ever applying it twice.

use app::billing::{
    Checkout, CheckoutForm, MyPlan, Order, OrderStatus, PlanState, StaffOrder, StaffRefund,
    ssr::{Billing, BillingConfig, reconcile},
};
use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    accounts::{count, verified_user},
    fake_alipay::{APP_ID, FakeAlipay},
    harness::{TestApp, TestOptions},
};

async fn spawn(fake: &FakeAlipay) -> TestApp {
    TestApp::spawn_with(TestOptions {
        config: json!({ "billing": { "alipay": fake.config() } }),
        ..TestOptions::default()
    })
    .await
}

/// The same billing service the server runs, for calling the reconciler directly.
fn billing(app: &TestApp, fake: &FakeAlipay) -> Billing {
    let config: BillingConfig = serde_json::from_value(json!({ "alipay": fake.config() })).unwrap();
    Billing::new(
        config,
        &app::seal::Keyring::ephemeral().unwrap(),
        &app.site_url,
    )
    .unwrap()
}

/// Makes an Alipay order and follows its pay link; answers (id, order number, location).
async fn order_sent_to_pay(app: &TestApp) -> (String, String, String) {
    let id: String = app
        .call(Checkout {
            form: CheckoutForm {
                product: "plus_month".into(),
                provider: "alipay".into(),
            },
        })
        .await
        .unwrap();
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    let res = app.get(&view.pay_link.unwrap()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    (id, view.order.order_no, location)
}

#[tokio::test]
async fn an_alipay_payment_link_is_signed_and_alipays_notification_pays_the_order_once() {
    let fake = FakeAlipay::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let plans = app.call(app::billing::Plans {}).await.unwrap();
    assert_eq!(
        plans.providers,
        vec![app::billing::Provider::Alipay],
        "no sandbox beside a real provider"
    );

    let (id, order_no, location) = order_sent_to_pay(&app).await;
    // The link is a gateway call Alipay would accept: signed with the application key.
    assert!(
        location.starts_with(&format!("{}?", fake.gateway)),
        "{location}"
    );
    let query = location.split_once('?').unwrap().1;
    let params = app::billing::ssr::protocol::alipay::parse_form(query.as_bytes()).unwrap();
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("method"), "alipay.trade.page.pay");
    assert_eq!(get("app_id"), APP_ID);
    assert_eq!(get("notify_url"), app.url("/billing/notify/alipay"));
    assert_eq!(get("return_url"), app.url(&format!("/plus/orders/{id}")));
    let biz: serde_json::Value = serde_json::from_str(&get("biz_content")).unwrap();
    assert_eq!(biz["out_trade_no"], order_no.as_str());
    assert_eq!(biz["total_amount"], "12.00");
    let app_public = app::billing::ssr::protocol::rsa::PublicKey::from_spki_pem_or_base64(
        include_str!("../../../app/testdata/payments/test_rsa_2048_spki.pem"),
    )
    .unwrap();
    assert!(app_public.verify_base64(
        app::billing::ssr::protocol::alipay::sign_content(&params).as_bytes(),
        &get("sign")
    ));
    // On a phone, the phone page.
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    let res = app
        .client
        .get(app.url(&view.pay_link.unwrap()))
        .header(
            "user-agent",
            "Mozilla/5.0 (Linux; Android 14) Mobile Safari/537.36",
        )
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .contains("alipay.trade.wap.pay")
    );

    // Forged, altered, for another merchant, or still waiting: refused or no change.
    let forged: Vec<Vec<(String, String)>> = vec![
        fake.notification(&order_no, "TRADE_SUCCESS", "12.00", "n1", |p| {
            p.iter_mut().find(|(k, _)| k == "total_amount").unwrap().1 = "0.01".into();
        }),
        fake.notification(&order_no, "TRADE_SUCCESS", "0.01", "n2", |_| {}),
        fake.notification(&order_no, "TRADE_SUCCESS", "12.00", "n3", |p| {
            p.iter_mut().find(|(k, _)| k == "sign").unwrap().1 = "AAAA".into();
        }),
        fake.notification(&order_no, "TRADE_SUCCESS", "12.00", "n4", |p| {
            p.retain(|(k, _)| k != "sign");
        }),
    ];
    for (i, params) in forged.iter().enumerate() {
        assert_eq!(FakeAlipay::post(&app, params).await, "fail", "case {i}");
    }
    // Signed properly, but for another app.
    let other_app = {
        let mut p = fake.notification(&order_no, "TRADE_SUCCESS", "12.00", "n5", |_| {});
        p.retain(|(k, _)| k != "sign");
        p.iter_mut().find(|(k, _)| k == "app_id").unwrap().1 = "2021000000000999".into();
        let key = app::billing::ssr::protocol::rsa::PrivateKey::from_pem_or_base64(include_str!(
            "../fixtures/payments/provider_rsa_2048.pem"
        ))
        .unwrap();
        let content = app::billing::ssr::protocol::alipay::notify_content(
            &p,
            app::billing::ssr::protocol::alipay::NotifyRule::Trade,
        );
        p.push(("sign".into(), key.sign_base64(content.as_bytes()).unwrap()));
        p
    };
    assert_eq!(FakeAlipay::post(&app, &other_app).await, "fail");
    let waiting = fake.notification(&order_no, "WAIT_BUYER_PAY", "12.00", "n6", |_| {});
    assert_eq!(FakeAlipay::post(&app, &waiting).await, "success");
    assert_eq!(
        app.call(Order { id: id.clone() })
            .await
            .unwrap()
            .order
            .status,
        OrderStatus::Pending
    );
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Free);

    // The real one, five times at once and once more later: paid, extended once.
    let paid = fake.notification(&order_no, "TRADE_SUCCESS", "12.00", "n7", |_| {});
    let answers = futures::future::join_all((0..5).map(|_| FakeAlipay::post(&app, &paid))).await;
    assert!(answers.iter().all(|a| a == "success"), "{answers:?}");
    assert_eq!(FakeAlipay::post(&app, &paid).await, "success");
    let view = app.call(Order { id }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Paid);
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Active);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM billing_event WHERE kind = 'paid'"
        )
        .await,
        1
    );
    // Nothing of the payer is kept: no column anywhere holds the buyer's id or login.
    for needle in ["2088102534368455", "ann***"] {
        assert_eq!(
            crate::privacy::mentions(&app, needle).await,
            Vec::<String>::new(),
            "{needle}"
        );
    }
}

#[tokio::test]
async fn the_reconciler_finds_a_payment_whose_notification_never_came_through_provider_failures() {
    let fake = FakeAlipay::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let billing = billing(&app, &fake);
    let (id, order_no, _) = order_sent_to_pay(&app).await;

    // Too soon to ask: the reconciler leaves a fresh order alone.
    let now = Utc::now().timestamp_millis();
    assert_eq!(
        reconcile::pass(&app.db, &billing, now)
            .await
            .unwrap()
            .queried,
        0
    );

    // Paid at Alipay; the notification is lost; Alipay fails the next two questions.
    fake.set_trade(&order_no, "TRADE_SUCCESS", "12.00");
    fake.fail_next(2);
    let later = now + 10 * 60_000;
    for _ in 0..2 {
        let r = reconcile::pass(&app.db, &billing, later).await.unwrap();
        assert_eq!((r.queried, r.failed, r.paid), (1, 1, 0));
        assert_eq!(
            app.call(Order { id: id.clone() })
                .await
                .unwrap()
                .order
                .status,
            OrderStatus::Pending
        );
    }
    let r = reconcile::pass(&app.db, &billing, later).await.unwrap();
    assert_eq!((r.queried, r.failed, r.paid), (1, 0, 1));
    assert_eq!(
        app.call(Order { id: id.clone() })
            .await
            .unwrap()
            .order
            .status,
        OrderStatus::Paid
    );
    let until = plus_until(&app).await;
    // Asked again, and the lost notification arriving after all: nothing more.
    let r = reconcile::pass(&app.db, &billing, later + 60_000)
        .await
        .unwrap();
    assert_eq!(r.queried, 0);
    let late = fake.notification(&order_no, "TRADE_SUCCESS", "12.00", "n-late", |_| {});
    assert_eq!(FakeAlipay::post(&app, &late).await, "success");
    let after = plus_until(&app).await;
    assert_eq!(after, until, "extended once");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM billing_event WHERE outcome = 'applied'"
        )
        .await,
        1
    );
    assert!(
        fake.calls().iter().all(|c| c != "refused"),
        "{:?}",
        fake.calls()
    );
}

#[tokio::test]
async fn an_unpaid_order_past_its_time_is_closed_at_alipay_first_and_then_here() {
    let fake = FakeAlipay::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let billing = billing(&app, &fake);
    let (id, order_no, _) = order_sent_to_pay(&app).await;
    fake.set_trade(&order_no, "WAIT_BUYER_PAY", "12.00");
    let past_expiry = Utc::now().timestamp_millis() + 31 * 60_000;

    // Alipay is down: the order stays open (it might still be paid there).
    fake.fail_next(1);
    let r = reconcile::pass(&app.db, &billing, past_expiry)
        .await
        .unwrap();
    assert_eq!((r.failed, r.closed), (1, 0));
    assert_eq!(
        app.call(Order { id: id.clone() })
            .await
            .unwrap()
            .order
            .status,
        OrderStatus::Pending
    );

    let r = reconcile::pass(&app.db, &billing, past_expiry)
        .await
        .unwrap();
    assert_eq!((r.queried, r.closed), (1, 1), "{r:?}");
    assert_eq!(fake.trade(&order_no).unwrap().status, "TRADE_CLOSED");
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Closed);
    assert!(view.pay_link.is_none());
    let calls = fake.calls();
    assert_eq!(
        calls.last().map(String::as_str),
        Some("alipay.trade.close"),
        "{calls:?}"
    );

    // An order never sent to pay is closed here only.
    let id2: String = app
        .call(Checkout {
            form: CheckoutForm {
                product: "plus_year".into(),
                provider: "alipay".into(),
            },
        })
        .await
        .unwrap();
    let before = fake.calls().len();
    reconcile::pass(&app.db, &billing, past_expiry + 31 * 60_000)
        .await
        .unwrap();
    assert_eq!(
        app.call(Order { id: id2 }).await.unwrap().order.status,
        OrderStatus::Closed
    );
    assert_eq!(fake.calls().len(), before);
}

/// Pays `order_no` through Alipay's notification.
async fn paid_by_alipay(app: &TestApp, fake: &FakeAlipay, order_no: &str) {
    fake.set_trade(order_no, "TRADE_SUCCESS", "12.00");
    let paid = fake.notification(order_no, "TRADE_SUCCESS", "12.00", order_no, |_| {});
    assert_eq!(FakeAlipay::post(app, &paid).await, "success");
}

async fn plus_until(app: &TestApp) -> i64 {
    value(app, "SELECT plus_until_ms AS v FROM subscription").await
}

/// The one number `sql` selects (as `v`).
async fn value(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "v")
        .unwrap()
}

#[tokio::test]
async fn an_administrator_refunds_part_of_an_alipay_order_once_and_plus_is_shortened_by_as_much() {
    let fake = FakeAlipay::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let billing = billing(&app, &fake);
    let (id, order_no, _) = order_sent_to_pay(&app).await;
    paid_by_alipay(&app, &fake, &order_no).await;
    let before = plus_until(&app).await;
    let start = value(&app, "SELECT period_start_ms AS v FROM billing_order").await;

    // Ada is no administrator.
    let (status, _, _) = app
        .call_raw(StaffRefund {
            order_no: order_no.clone(),
            amount: "6.00".into(),
        })
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let root = app.new_client();
    crate::accounts::verified_user_in(&app, &root, "root", "root@example.com").await;
    app.db
        .execute_unprepared(
            "INSERT INTO staff_role (user_id, role, granted_ms) \
             SELECT id, 'administrator', 0 FROM user_account WHERE username = 'root'",
        )
        .await
        .unwrap();
    let (status, _, body) = app
        .call_as(
            &root,
            StaffOrder {
                order_no: order_no.clone(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: app::billing::OrderForStaff = serde_json::from_str(&body).unwrap();
    assert_eq!(found.refundable_fen, 1200);
    assert!(found.has_account && found.provider_trade_no.is_some());

    // Bad amounts name their field.
    for bad in ["six", "0", "6.001", "-1"] {
        let (status, _, body) = app
            .call_as(
                &root,
                StaffRefund {
                    order_no: order_no.clone(),
                    amount: bad.into(),
                },
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {body}");
        assert!(body.contains("amount"), "{body}");
    }

    // Half back: Alipay gives it, Plus loses half the month.
    let (status, _, body) = app
        .call_as(
            &root,
            StaffRefund {
                order_no: order_no.clone(),
                amount: "6.00".into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(fake.refunded(&order_no), 600);
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::PartiallyRefunded);
    assert_eq!(view.order.refunded_fen, 600);
    assert_eq!(plus_until(&app).await, before - (before - start) / 2);
    // More than is left is refused; nothing moves.
    let (status, _, _) = app
        .call_as(
            &root,
            StaffRefund {
                order_no: order_no.clone(),
                amount: "7.00".into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fake.refunded(&order_no), 600);

    // Alipay is down for the rest: pending, then the reconciler asks again, once.
    fake.fail_next(1);
    let (status, _, _) = app
        .call_as(
            &root,
            StaffRefund {
                order_no: order_no.clone(),
                amount: "6.00".into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.call(Order { id: id.clone() })
            .await
            .unwrap()
            .order
            .status,
        OrderStatus::Refunding
    );
    let later = Utc::now().timestamp_millis() + 10 * 60_000;
    let r = reconcile::pass(&app.db, &billing, later).await.unwrap();
    assert_eq!(r.refunds_asked, 1);
    let r = reconcile::pass(&app.db, &billing, later).await.unwrap();
    assert_eq!(r.refunds_asked, 0);
    assert_eq!(fake.refunded(&order_no), 1200);
    let view = app.call(Order { id }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Refunded);
    assert_eq!(view.order.refunded_fen, 1200);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'payment.refund'"
        )
        .await,
        2
    );
}
