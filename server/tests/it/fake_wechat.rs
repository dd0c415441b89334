//! A fake WeChat Pay API v3, started on loopback by the tests: a real HTTP server that
//! checks each request's `WECHATPAY2-SHA256-RSA2048` signature with the merchant's public
//! key, makes Native and H5 orders, answers queries and closes from its own record, signs
//! every answer with its WeChat Pay public key (`PUB_KEY_ID_…`), and posts encrypted,
//! signed notifications to Ripen. Knobs: fail the next calls with 500; send probes.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use app::billing::ssr::protocol::{
    rsa::{PrivateKey, PublicKey},
    wechat,
};
use axum::{
    Router,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::harness::TestApp;

pub const MCHID: &str = "1900000001";
pub const APPID: &str = "wx8888888888888888";
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A72";
pub const PUBLIC_KEY_ID: &str = "PUB_KEY_ID_0119000000012025120500000000000001";
pub const APIV3_KEY: &str = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";

const MERCHANT_KEY: &str = include_str!("../../../app/testdata/payments/test_rsa_2048_pkcs8.pem");
const MERCHANT_PUBLIC: &str = include_str!("../../../app/testdata/payments/test_rsa_2048_spki.pem");
const PLATFORM_KEY: &str = include_str!("../fixtures/payments/provider_rsa_2048.pem");
const PLATFORM_PUBLIC: &str = include_str!("../fixtures/payments/provider_rsa_2048_spki.pem");

#[derive(Debug, Clone)]
pub struct Trade {
    pub state: String,
    pub total: i64,
    pub transaction_id: String,
}

#[derive(Default)]
struct Books {
    trades: HashMap<String, Trade>,
    /// Refunds asked for, by `out_refund_no`: (order number, fen).
    refunds: HashMap<String, (String, i64)>,
    fail_next: u32,
    /// `METHOD path` of every call, or `refused` for one whose signature did not verify.
    calls: Vec<String>,
}

type Shared = (Arc<Mutex<Books>>, Arc<PrivateKey>, Arc<PublicKey>);

#[derive(Clone)]
pub struct FakeWechat {
    pub base: String,
    books: Arc<Mutex<Books>>,
    key: Arc<PrivateKey>,
    _server: Arc<tokio::task::JoinHandle<()>>,
}

impl FakeWechat {
    pub async fn start() -> Self {
        let books = Arc::new(Mutex::new(Books::default()));
        let key = Arc::new(PrivateKey::from_pem_or_base64(PLATFORM_KEY).unwrap());
        let state: Shared = (
            books.clone(),
            key.clone(),
            Arc::new(PublicKey::from_spki_pem_or_base64(MERCHANT_PUBLIC).unwrap()),
        );
        let router = Router::new()
            .route("/v3/pay/transactions/native", post(create))
            .route("/v3/pay/transactions/h5", post(create))
            .route("/v3/pay/transactions/out-trade-no/{no}", get(query))
            .route("/v3/pay/transactions/out-trade-no/{no}/close", post(close))
            .route("/v3/refund/domestic/refunds", post(refund))
            .with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            base: format!("http://{addr}"),
            books,
            key,
            _server: Arc::new(server),
        }
    }

    /// `[billing.wechat]` for a Ripen that talks to this server.
    pub fn config(&self) -> Value {
        json!({
            "mchid": MCHID,
            "appid": APPID,
            "merchant_serial": MERCHANT_SERIAL,
            "private_key": MERCHANT_KEY,
            "apiv3_key": APIV3_KEY,
            "public_key_id": PUBLIC_KEY_ID,
            "public_key": PLATFORM_PUBLIC,
            "base_url": self.base,
        })
    }

    pub fn set_trade(&self, order_no: &str, state: &str, total: i64) {
        let mut books = self.books.lock().unwrap();
        let t = books.trades.entry(order_no.to_owned()).or_insert(Trade {
            state: String::new(),
            total,
            transaction_id: format!("42000{}", &order_no[order_no.len() - 8..]),
        });
        t.state = state.to_owned();
        t.total = total;
    }

    pub fn trade(&self, order_no: &str) -> Option<Trade> {
        self.books.lock().unwrap().trades.get(order_no).cloned()
    }

    pub fn fail_next(&self, n: u32) {
        self.books.lock().unwrap().fail_next = n;
    }

    pub fn calls(&self) -> Vec<String> {
        self.books.lock().unwrap().calls.clone()
    }

    /// The refunds asked for: (our refund number, order number, fen).
    pub fn refunds(&self) -> Vec<(String, String, i64)> {
        self.books
            .lock()
            .unwrap()
            .refunds
            .iter()
            .map(|(k, (o, f))| (k.clone(), o.clone(), *f))
            .collect()
    }

    /// A `REFUND.SUCCESS` (or other `status`) notification for refund `refund_no` of
    /// `order_no`, encrypted and signed as WeChat Pay sends it.
    pub fn refund_notification(
        &self,
        order_no: &str,
        refund_no: &str,
        status: &str,
        refund: i64,
        total: i64,
    ) -> (Vec<u8>, Vec<(&'static str, String)>) {
        let resource = json!({
            "mchid": MCHID, "out_trade_no": order_no,
            "transaction_id": format!("42000{}", &order_no[order_no.len() - 8..]),
            "out_refund_no": refund_no, "refund_id": format!("50000{}", &refund_no[refund_no.len() - 8..]),
            "refund_status": status, "success_time": "2026-12-05T16:00:00+08:00",
            "user_received_account": "招商银行信用卡0403",
            "amount": { "total": total, "refund": refund, "payer_total": total, "payer_refund": refund },
        });
        let nonce = "refundnonce1";
        let ciphertext = wechat::encrypt_resource(
            APIV3_KEY.as_bytes(),
            nonce,
            "refund",
            resource.to_string().as_bytes(),
        )
        .unwrap();
        let body = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "create_time": "2026-12-05T16:00:01+08:00",
            "resource_type": "encrypt-resource",
            "event_type": format!("REFUND.{status}"),
            "summary": "退款状态变更",
            "resource": {
                "original_type": "refund", "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext, "associated_data": "refund", "nonce": nonce,
            },
        })
        .to_string()
        .into_bytes();
        let headers = sign(&self.key, &body, chrono::Utc::now().timestamp());
        (body, headers)
    }

    /// A `TRANSACTION.SUCCESS`-style notification for `order_no` as WeChat Pay sends it:
    /// the transaction encrypted with the APIv3 key, the body signed with the platform
    /// key at `at_secs`. `resource` may change the transaction before it is encrypted.
    pub fn notification(
        &self,
        order_no: &str,
        trade_state: &str,
        total: i64,
        at_secs: i64,
        resource: impl FnOnce(&mut Value),
    ) -> (Vec<u8>, Vec<(&'static str, String)>) {
        let mut transaction = json!({
            "mchid": MCHID, "appid": APPID, "out_trade_no": order_no,
            "transaction_id": format!("42000{}", &order_no[order_no.len() - 8..]),
            "trade_type": "NATIVE", "trade_state": trade_state, "trade_state_desc": "支付成功",
            "bank_type": "OTHERS", "success_time": "2026-12-05T15:56:24+08:00",
            "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
            "amount": { "total": total, "payer_total": total, "currency": "CNY", "payer_currency": "CNY" },
        });
        resource(&mut transaction);
        let nonce = "fdasflkja484";
        let ciphertext = wechat::encrypt_resource(
            APIV3_KEY.as_bytes(),
            nonce,
            "transaction",
            transaction.to_string().as_bytes(),
        )
        .unwrap();
        let body = json!({
            "id": uuid::Uuid::new_v4().to_string(),
            "create_time": "2026-12-05T15:56:25+08:00",
            "resource_type": "encrypt-resource",
            "event_type": "TRANSACTION.SUCCESS",
            "summary": "支付成功",
            "resource": {
                "original_type": "transaction", "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": ciphertext, "associated_data": "transaction", "nonce": nonce,
            },
        })
        .to_string()
        .into_bytes();
        let headers = sign(&self.key, &body, at_secs);
        (body, headers)
    }

    /// Posts a notification to Ripen as WeChat Pay's servers do; answers the status.
    pub async fn post(
        app: &TestApp,
        body: &[u8],
        headers: &[(&'static str, String)],
    ) -> StatusCode {
        let mut req = reqwest::Client::new()
            .post(app.url("/billing/notify/wechat"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        req.send().await.unwrap().status()
    }
}

/// The `Wechatpay-*` headers of `body` signed at `at_secs`.
pub fn sign(key: &PrivateKey, body: &[u8], at_secs: i64) -> Vec<(&'static str, String)> {
    let nonce = wechat::generate_nonce().unwrap();
    let mut message = format!("{at_secs}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    vec![
        ("Wechatpay-Timestamp", at_secs.to_string()),
        ("Wechatpay-Nonce", nonce),
        ("Wechatpay-Serial", PUBLIC_KEY_ID.to_owned()),
        ("Wechatpay-Signature", key.sign_base64(&message).unwrap()),
    ]
}

/// Checks a request's `Authorization` against the merchant key; records the call.
fn admit(
    books: &mut Books,
    merchant: &PublicKey,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> bool {
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let field = |name: &str| {
        auth.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned()
    };
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or_default();
    let message = wechat::request_message(
        method.as_str(),
        path,
        field("timestamp").parse().unwrap_or(0),
        &field("nonce_str"),
        std::str::from_utf8(body).unwrap_or_default(),
    );
    let ok = auth.starts_with(wechat::AUTH_SCHEMA)
        && field("mchid") == MCHID
        && field("serial_no") == MERCHANT_SERIAL
        && merchant.verify_base64(message.as_bytes(), &field("signature"));
    books.calls.push(if ok {
        format!("{method} {}", uri.path())
    } else {
        "refused".into()
    });
    ok
}

/// [`admit`], then the failure knob: the answer to give instead of serving the call, if any.
fn gate(
    books: &mut Books,
    merchant: &PublicKey,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    if !admit(books, merchant, method, uri, headers, body) {
        return Some(refused());
    }
    if books.fail_next > 0 {
        books.fail_next -= 1;
        return Some(
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                r#"{"code":"SYSTEM_ERROR","message":"系统错误"}"#,
            )
                .into_response(),
        );
    }
    None
}

fn signed(key: &PrivateKey, status: StatusCode, body: String) -> Response {
    let now = chrono::Utc::now().timestamp();
    let mut res = (status, body.clone()).into_response();
    for (k, v) in sign(key, body.as_bytes(), now) {
        res.headers_mut().insert(k, v.parse().unwrap());
    }
    res
}

fn refused() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        r#"{"code":"SIGN_ERROR","message":"签名错误"}"#,
    )
        .into_response()
}

async fn create(
    State((books, key, merchant)): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut b = books.lock().unwrap();
    if let Some(answer) = gate(&mut b, &merchant, &method, &uri, &headers, &body) {
        return answer;
    }
    let order: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let no = order["out_trade_no"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let total = order["amount"]["total"].as_i64().unwrap_or(0);
    if order["mchid"] != MCHID || order["appid"] != APPID || no.is_empty() {
        return (
            StatusCode::BAD_REQUEST,
            r#"{"code":"PARAM_ERROR","message":"参数错误"}"#,
        )
            .into_response();
    }
    b.trades.entry(no.clone()).or_insert(Trade {
        state: "NOTPAY".into(),
        total,
        transaction_id: format!("42000{}", &no[no.len() - 8..]),
    });
    let answer = if uri.path().ends_with("/h5") {
        json!({ "h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=wx{no}&package=1") })
    } else {
        json!({ "code_url": format!("weixin://wxpay/bizpayurl?pr={}", &no[no.len() - 8..]) })
    };
    signed(&key, StatusCode::OK, answer.to_string())
}

async fn query(
    State((books, key, merchant)): State<Shared>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let mut b = books.lock().unwrap();
    if let Some(answer) = gate(&mut b, &merchant, &method, &uri, &headers, b"") {
        return answer;
    }
    match b.trades.get(&no) {
        None => (
            StatusCode::NOT_FOUND,
            r#"{"code":"ORDER_NOT_EXIST","message":"订单不存在"}"#,
        )
            .into_response(),
        Some(t) => {
            let mut answer = json!({
                "mchid": MCHID, "appid": APPID, "out_trade_no": no, "trade_state": t.state,
                "trade_state_desc": "", "amount": { "total": t.total, "currency": "CNY" },
                "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
            });
            if t.state == "SUCCESS" {
                answer["transaction_id"] = json!(t.transaction_id);
            }
            signed(&key, StatusCode::OK, answer.to_string())
        }
    }
}

async fn close(
    State((books, key, merchant)): State<Shared>,
    Path(no): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut b = books.lock().unwrap();
    if let Some(answer) = gate(&mut b, &merchant, &method, &uri, &headers, &body) {
        return answer;
    }
    match b.trades.get_mut(&no) {
        Some(t) if t.state == "SUCCESS" => (
            StatusCode::BAD_REQUEST,
            r#"{"code":"ORDERPAID","message":"订单已支付"}"#,
        )
            .into_response(),
        Some(t) => {
            t.state = "CLOSED".into();
            signed(&key, StatusCode::NO_CONTENT, String::new())
        }
        None => signed(&key, StatusCode::NO_CONTENT, String::new()),
    }
}

async fn refund(
    State((books, key, merchant)): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut b = books.lock().unwrap();
    if !admit(&mut b, &merchant, &method, &uri, &headers, &body) {
        return refused();
    }
    let asked: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let no = asked["out_trade_no"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let refund_no = asked["out_refund_no"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let fen = asked["amount"]["refund"].as_i64().unwrap_or(0);
    let paid = b
        .trades
        .get(&no)
        .filter(|t| t.state == "SUCCESS")
        .map(|t| t.total);
    let given: i64 = b
        .refunds
        .iter()
        .filter(|(k, (o, _))| *o == no && **k != refund_no)
        .map(|(_, (_, f))| f)
        .sum();
    match paid {
        Some(total) if fen > 0 && given + fen <= total => {
            b.refunds.insert(refund_no.clone(), (no.clone(), fen));
            let answer = json!({
                "refund_id": format!("50000{}", &refund_no[refund_no.len() - 8..]),
                "out_refund_no": refund_no, "out_trade_no": no, "status": "PROCESSING",
                "amount": { "total": total, "refund": fen, "currency": "CNY" },
            });
            signed(&key, StatusCode::OK, answer.to_string())
        }
        _ => (
            StatusCode::BAD_REQUEST,
            r#"{"code":"INVALID_REQUEST","message":"退款金额超过可退金额"}"#,
        )
            .into_response(),
    }
}
