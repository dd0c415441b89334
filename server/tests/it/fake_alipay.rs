//! A fake Alipay open platform gateway, started on loopback by the tests: a real HTTP
//! server that checks each request's RSA2 signature with the application's public key,
//! answers `alipay.trade.query` and `alipay.trade.close` from its own record of trades,
//! signs every answer with its "Alipay" key, and posts signed trade notifications to
//! Ripen's notify address. Knobs: fail the next calls with 502, or leave a payment
//! unannounced.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use app::billing::ssr::protocol::{
    alipay::{self, NotifyRule},
    rsa::{PrivateKey, PublicKey},
};
use axum::{Router, body::Bytes, extract::State, http::StatusCode, routing::post};
use serde_json::{Value, json};

use crate::harness::TestApp;

pub const APP_ID: &str = "2021000000000001";
pub const SELLER_ID: &str = "2088000000000001";

/// The application's key pair (Ripen's side).
const APP_KEY: &str = include_str!("../../../app/testdata/payments/test_rsa_2048_pkcs8.pem");
const APP_PUBLIC: &str = include_str!("../../../app/testdata/payments/test_rsa_2048_spki.pem");
/// The gateway's own key pair ("Alipay's").
const GATEWAY_KEY: &str = include_str!("../fixtures/payments/provider_rsa_2048.pem");
const GATEWAY_PUBLIC: &str = include_str!("../fixtures/payments/provider_rsa_2048_spki.pem");

/// A trade as the gateway knows it.
#[derive(Debug, Clone)]
pub struct Trade {
    pub status: String,
    pub total_amount: String,
    pub trade_no: String,
}

#[derive(Default)]
struct Books {
    trades: HashMap<String, Trade>,
    /// Refunds given, by `out_request_no`: (order number, fen).
    refunds: HashMap<String, (String, i64)>,
    /// Calls to answer with 502 before answering again.
    fail_next: u32,
    /// Every method called, in order (unsigned or badly signed calls as `refused`).
    calls: Vec<String>,
}

#[derive(Clone)]
pub struct FakeAlipay {
    pub gateway: String,
    books: Arc<Mutex<Books>>,
    key: Arc<PrivateKey>,
    _server: Arc<tokio::task::JoinHandle<()>>,
}

impl FakeAlipay {
    pub async fn start() -> Self {
        let books = Arc::new(Mutex::new(Books::default()));
        let state = (
            books.clone(),
            Arc::new(PrivateKey::from_pem_or_base64(GATEWAY_KEY).unwrap()),
            Arc::new(PublicKey::from_spki_pem_or_base64(APP_PUBLIC).unwrap()),
        );
        let router = Router::new()
            .route("/gateway.do", post(gateway))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            gateway: format!("http://{addr}/gateway.do"),
            books,
            key: state.1,
            _server: Arc::new(server),
        }
    }

    /// `[billing.alipay]` for a Ripen that talks to this gateway.
    pub fn config(&self) -> Value {
        json!({
            "app_id": APP_ID,
            "private_key": APP_KEY,
            "alipay_public_key": GATEWAY_PUBLIC,
            "seller_id": SELLER_ID,
            "gateway": self.gateway,
        })
    }

    /// Records that `order_no` now stands at `status` for `total_amount` yuan.
    pub fn set_trade(&self, order_no: &str, status: &str, total_amount: &str) {
        self.books.lock().unwrap().trades.insert(
            order_no.to_owned(),
            Trade {
                status: status.to_owned(),
                total_amount: total_amount.to_owned(),
                trade_no: format!("2026120522001{}", &order_no[order_no.len() - 8..]),
            },
        );
    }

    pub fn trade(&self, order_no: &str) -> Option<Trade> {
        self.books.lock().unwrap().trades.get(order_no).cloned()
    }

    /// Answers the next `n` calls with 502.
    pub fn fail_next(&self, n: u32) {
        self.books.lock().unwrap().fail_next = n;
    }

    pub fn calls(&self) -> Vec<String> {
        self.books.lock().unwrap().calls.clone()
    }

    /// Fen given back on `order_no`, over every refund.
    pub fn refunded(&self, order_no: &str) -> i64 {
        self.books
            .lock()
            .unwrap()
            .refunds
            .values()
            .filter(|(no, _)| no == order_no)
            .map(|(_, fen)| fen)
            .sum()
    }

    /// A trade notification's fields as Alipay sends them, signed with the gateway's key
    /// under the trade rule; `change` may alter them after signing.
    pub fn notification(
        &self,
        order_no: &str,
        status: &str,
        total_amount: &str,
        notify_id: &str,
        change: impl FnOnce(&mut Vec<(String, String)>),
    ) -> Vec<(String, String)> {
        let trade_no = format!("2026120522001{}", &order_no[order_no.len() - 8..]);
        let mut params: Vec<(String, String)> = [
            ("gmt_create", "2026-12-05 15:56:22"),
            ("charset", "utf-8"),
            ("seller_email", "shop@example.com"),
            ("subject", "Ripen Plus 一个月"),
            ("buyer_id", "2088102534368455"),
            ("buyer_logon_id", "ann***@example.com"),
            ("invoice_amount", total_amount),
            ("notify_id", notify_id),
            (
                "fund_bill_list",
                r#"[{"amount":"12.00","fundChannel":"ALIPAYACCOUNT"}]"#,
            ),
            ("notify_type", "trade_status_sync"),
            ("trade_status", status),
            ("receipt_amount", total_amount),
            ("app_id", APP_ID),
            ("seller_id", SELLER_ID),
            ("notify_time", "2026-12-05 15:56:25"),
            ("version", "1.0"),
            ("out_trade_no", order_no),
            ("total_amount", total_amount),
            ("trade_no", &trade_no),
            ("auth_app_id", APP_ID),
            ("sign_type", "RSA2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let sign = self
            .key
            .sign_base64(alipay::notify_content(&params, NotifyRule::Trade).as_bytes())
            .unwrap();
        params.push(("sign".to_owned(), sign));
        change(&mut params);
        params
    }

    /// Posts notification fields to Ripen as Alipay's servers do; answers Ripen's reply.
    pub async fn post(app: &TestApp, params: &[(String, String)]) -> String {
        reqwest::Client::new()
            .post(app.url("/billing/notify/alipay"))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(alipay::form_encode(params))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

type GatewayState = (Arc<Mutex<Books>>, Arc<PrivateKey>, Arc<PublicKey>);

async fn gateway(
    State((books, key, app_key)): State<GatewayState>,
    body: Bytes,
) -> (StatusCode, String) {
    let params = alipay::parse_form(&body).unwrap_or_default();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let signed = app_key.verify_base64(alipay::sign_content(&params).as_bytes(), &get("sign"));
    let method = get("method");
    let mut books = books.lock().unwrap();
    books.calls.push(if signed {
        method.clone()
    } else {
        "refused".into()
    });
    if books.fail_next > 0 {
        books.fail_next -= 1;
        return (StatusCode::BAD_GATEWAY, "upstream unavailable".into());
    }
    let name = format!("{}_response", method.replace('.', "_"));
    let biz: Value = serde_json::from_str(&get("biz_content")).unwrap_or(Value::Null);
    let order_no = biz["out_trade_no"].as_str().unwrap_or_default().to_owned();
    let content = if !signed || get("app_id") != APP_ID {
        json!({ "code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature" })
    } else {
        match (method.as_str(), books.trades.get_mut(&order_no)) {
            ("alipay.trade.query", Some(t)) => json!({
                "code": "10000", "msg": "Success", "out_trade_no": order_no,
                "trade_no": t.trade_no, "trade_status": t.status, "total_amount": t.total_amount,
                "buyer_logon_id": "ann***@example.com",
            }),
            ("alipay.trade.refund", Some(t)) if t.status == "TRADE_SUCCESS" => {
                let request = biz["out_request_no"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let fen = alipay::yuan_to_fen(biz["refund_amount"].as_str().unwrap_or("x"));
                let total = alipay::yuan_to_fen(&t.total_amount).unwrap_or(0);
                let trade_no = t.trade_no.clone();
                let given: i64 = books
                    .refunds
                    .values()
                    .filter(|(no, _)| *no == order_no)
                    .map(|(_, f)| f)
                    .sum();
                match fen {
                    // The same request again: answered as before, nothing moves.
                    _ if books.refunds.contains_key(&request) => json!({
                        "code": "10000", "msg": "Success", "trade_no": trade_no,
                        "out_trade_no": order_no, "fund_change": "N",
                    }),
                    Ok(fen) if fen > 0 && given + fen <= total => {
                        books.refunds.insert(request, (order_no.clone(), fen));
                        json!({
                            "code": "10000", "msg": "Success", "trade_no": trade_no,
                            "out_trade_no": order_no, "fund_change": "Y",
                            "refund_fee": alipay::fen_to_yuan(given + fen),
                        })
                    }
                    _ => json!({
                        "code": "40004", "msg": "Business Failed",
                        "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL",
                    }),
                }
            }
            ("alipay.trade.close", Some(t)) if t.status == "WAIT_BUYER_PAY" => {
                t.status = "TRADE_CLOSED".into();
                json!({ "code": "10000", "msg": "Success", "out_trade_no": order_no })
            }
            ("alipay.trade.close", Some(_)) => json!({
                "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR",
            }),
            (_, None) => json!({
                "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST",
            }),
            _ => json!({ "code": "40004", "msg": "Business Failed", "sub_code": "ACQ.UNKNOWN" }),
        }
    };
    let content = content.to_string();
    let sign = key.sign_base64(content.as_bytes()).unwrap();
    (
        StatusCode::OK,
        format!(r#"{{"{name}":{content},"sign":"{sign}"}}"#),
    )
}
