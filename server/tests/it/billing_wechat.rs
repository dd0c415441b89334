//! Ripen Plus through WeChat Pay, against a fake API v3 server that speaks the real
//! protocol (`fake_wechat`): a Native order's code is drawn on the order page, WeChat Pay's
//! encrypted and signed notification pays it once however often it comes, probes, stale,
//! tampered and foreign notifications change nothing, and the reconciler finds a payment
//! whose notification never came, through server errors.

use app::billing::{
    AskRefund, Checkout, CheckoutForm, MyPlan, Order, OrderStatus, PlanState,
    ssr::{Billing, BillingConfig, reconcile},
};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    accounts::{count, verified_user},
    fake_wechat::FakeWechat,
    harness::{TestApp, TestOptions},
};

async fn spawn(fake: &FakeWechat) -> TestApp {
    TestApp::spawn_with(TestOptions {
        config: json!({ "billing": { "wechat": fake.config() } }),
        ..TestOptions::default()
    })
    .await
}

/// Makes a WeChat Pay order and follows its pay link; answers (id, order number).
async fn native_order(app: &TestApp) -> (String, String) {
    let id: String = app
        .call(Checkout {
            form: CheckoutForm {
                product: "plus_month".into(),
                provider: "wechat".into(),
            },
        })
        .await
        .unwrap();
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert!(
        view.qr_svg.is_none(),
        "no code before the order is sent to WeChat Pay"
    );
    let res = app.get(&view.pay_link.unwrap()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/plus/orders/{id}")
    );
    (id, view.order.order_no)
}

fn now_secs() -> i64 {
    Utc::now().timestamp()
}

#[tokio::test]
async fn a_wechat_pay_code_is_drawn_and_the_signed_encrypted_notification_pays_the_order_once() {
    let fake = FakeWechat::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (id, order_no) = native_order(&app).await;
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Pending);
    let svg = view.qr_svg.expect("the code to scan");
    assert!(svg.starts_with("<?xml") || svg.contains("<svg"), "{svg}");
    assert!(
        fake.calls()
            .contains(&"POST /v3/pay/transactions/native".to_owned())
    );

    // On a phone: WeChat Pay's H5 page, coming back to the order.
    let res = app
        .client
        .get(app.url(&format!("/plus/orders/{id}/pay")))
        .header(
            "user-agent",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148",
        )
        .send()
        .await
        .unwrap();
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("https://wx.tenpay.com/"), "{location}");
    assert!(
        location.contains("&redirect_url=http%3A%2F%2F127.0.0.1"),
        "{location}"
    );

    // Refused, each changing nothing: a probe, a stale one, a changed body, another
    // merchant, an unknown key, a wrong amount.
    let (body, mut h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs(), |_| {});
    h[3].1 = "WECHATPAY/SIGNTEST/abcdef".into();
    assert!(
        !FakeWechat::post(&app, &body, &h).await.is_success(),
        "probe"
    );
    let (body, h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs() - 301, |_| {});
    assert!(
        !FakeWechat::post(&app, &body, &h).await.is_success(),
        "stale"
    );
    let (body, h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs(), |_| {});
    let changed = String::from_utf8(body)
        .unwrap()
        .replace("TRANSACTION.SUCCESS", "TRANSACTION.SUCCESS ");
    assert!(
        !FakeWechat::post(&app, changed.as_bytes(), &h)
            .await
            .is_success(),
        "changed"
    );
    let (body, h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs(), |t| {
        t["mchid"] = json!("1900000999");
    });
    assert!(
        !FakeWechat::post(&app, &body, &h).await.is_success(),
        "another merchant"
    );
    let (body, mut h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs(), |_| {});
    h[2].1 = "PUB_KEY_ID_0000".into();
    assert!(
        !FakeWechat::post(&app, &body, &h).await.is_success(),
        "unknown key"
    );
    let (body, h) = fake.notification(&order_no, "SUCCESS", 1, now_secs(), |_| {});
    assert!(
        !FakeWechat::post(&app, &body, &h).await.is_success(),
        "one fen"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_event").await,
        0
    );
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Free);

    // The real one, five times at once, and once more: paid, extended once; answered 204.
    let (body, h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs(), |_| {});
    let answers =
        futures::future::join_all((0..5).map(|_| FakeWechat::post(&app, &body, &h))).await;
    assert!(
        answers.iter().all(|s| *s == StatusCode::NO_CONTENT),
        "{answers:?}"
    );
    assert_eq!(
        FakeWechat::post(&app, &body, &h).await,
        StatusCode::NO_CONTENT
    );
    let view = app.call(Order { id }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Paid);
    assert!(view.qr_svg.is_none() && view.pay_link.is_none());
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Active);
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM billing_event").await,
        1
    );
    assert_eq!(
        crate::privacy::mentions(&app, "oUpF8uMuAJO").await,
        Vec::<String>::new(),
        "the payer's openid is kept nowhere"
    );
    assert!(
        fake.calls().iter().all(|c| c != "refused"),
        "{:?}",
        fake.calls()
    );
}

#[tokio::test]
async fn the_reconciler_finds_a_wechat_payment_through_server_errors_and_closes_expired_orders() {
    let fake = FakeWechat::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let config: BillingConfig = serde_json::from_value(json!({ "wechat": fake.config() })).unwrap();
    let billing = Billing::new(
        config,
        &app::seal::Keyring::ephemeral().unwrap(),
        &app.site_url,
    )
    .unwrap();
    let (paid_id, paid_no) = native_order(&app).await;
    let (open_id, open_no) = native_order(&app).await;

    fake.set_trade(&paid_no, "SUCCESS", 1200);
    fake.fail_next(2);
    let later = Utc::now().timestamp_millis() + 10 * 60_000;
    let r = reconcile::pass(&app.db, &billing, later).await.unwrap();
    assert_eq!((r.queried, r.failed, r.paid), (2, 2, 0), "{r:?}");
    let r = reconcile::pass(&app.db, &billing, later).await.unwrap();
    assert_eq!((r.queried, r.failed, r.paid), (2, 0, 1), "{r:?}");
    assert_eq!(
        app.call(Order {
            id: paid_id.clone()
        })
        .await
        .unwrap()
        .order
        .status,
        OrderStatus::Paid
    );
    // The lost notification after all: nothing more.
    let (body, h) = fake.notification(&paid_no, "SUCCESS", 1200, now_secs(), |_| {});
    assert_eq!(
        FakeWechat::post(&app, &body, &h).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM billing_event WHERE outcome = 'applied'"
        )
        .await,
        1
    );

    // The other is still unpaid when its time is up: closed at WeChat Pay, then here.
    let r = reconcile::pass(&app.db, &billing, later + 31 * 60_000)
        .await
        .unwrap();
    assert_eq!(r.closed, 1, "{r:?}");
    assert_eq!(fake.trade(&open_no).unwrap().state, "CLOSED");
    assert_eq!(
        app.call(Order { id: open_id }).await.unwrap().order.status,
        OrderStatus::Closed
    );
    assert!(
        fake.calls().iter().any(|c| c.ends_with("/close")),
        "{:?}",
        fake.calls()
    );
}

#[tokio::test]
async fn a_wechat_refund_in_progress_is_settled_once_by_its_notification() {
    let fake = FakeWechat::start().await;
    let app = spawn(&fake).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (id, order_no) = native_order(&app).await;
    fake.set_trade(&order_no, "SUCCESS", 1200);
    let (body, h) = fake.notification(&order_no, "SUCCESS", 1200, now_secs(), |_| {});
    assert_eq!(
        FakeWechat::post(&app, &body, &h).await,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Active);

    // WeChat Pay takes the refund and says it is in progress.
    app.call(AskRefund { id: id.clone() }).await.unwrap();
    let view = app.call(Order { id: id.clone() }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Refunding);
    let refunds = fake.refunds();
    assert_eq!(refunds.len(), 1);
    let (refund_no, _, fen) = refunds[0].clone();
    assert_eq!(fen, 1200);
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Active);

    // Its notification, three times: settled once.
    let (body, h) = fake.refund_notification(&order_no, &refund_no, "SUCCESS", 1200, 1200);
    for _ in 0..3 {
        assert_eq!(
            FakeWechat::post(&app, &body, &h).await,
            StatusCode::NO_CONTENT
        );
    }
    let view = app.call(Order { id }).await.unwrap();
    assert_eq!(view.order.status, OrderStatus::Refunded);
    assert_eq!(view.order.refunded_fen, 1200);
    assert_eq!(app.call(MyPlan {}).await.unwrap().state, PlanState::Free);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM billing_event WHERE kind = 'refund'"
        )
        .await,
        1
    );
    assert_eq!(
        crate::privacy::mentions(&app, "招商银行").await,
        Vec::<String>::new(),
        "the account the money went back to is kept nowhere"
    );
}
