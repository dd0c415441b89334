//! WeChat Pay API v3 as a [`PaymentProvider`].
//!
//! - Paying: Native on a computer (a `code_url` Ripen draws as a QR code on the order's
//!   page, to scan with WeChat) and H5 on a phone (WeChat Pay's page, then back to the
//!   order's page).
//! - Every request is signed (`WECHATPAY2-SHA256-RSA2048`) with the merchant key, and
//!   every answer's signature is checked with WeChat Pay's keys before it is read.
//! - Notifications: signature over the raw bytes (WeChat Pay public key by
//!   `PUB_KEY_ID_…`, or platform certificates by serial), refused when five minutes old
//!   or a `WECHATPAY/SIGNTEST/` probe, the resource decrypted with the APIv3 key
//!   (AEAD_AES_256_GCM), our `mchid` and `appid` checked; answered `204` when taken in.
//! - Questions (the reconciler): query by our order number, and close.
//!
//! `[billing.wechat]` in `ripen.toml`:
//!
//! ```toml
//! [billing.wechat]
//! mchid = "1900000001"
//! appid = "wx0000000000000000"
//! merchant_serial = "…"              # the merchant API certificate's serial
//! private_key = "-----BEGIN PRIVATE KEY-----…"   # apiclient_key.pem
//! apiv3_key = "…"                    # 32 characters
//! public_key_id = "PUB_KEY_ID_…"     # WeChat Pay public key mode, and/or
//! public_key = "-----BEGIN PUBLIC KEY-----…"
//! platform_certificates = ["-----BEGIN CERTIFICATE-----…"]
//! base_url = "https://api.mch.weixin.qq.com"
//! ```

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    PayAction, PayContext, PaymentProvider, ProviderEvent, RefundOutcome, Refusal,
    protocol::{
        ProtocolError,
        rsa::PrivateKey,
        wechat::{self, Notification, PlatformKeys, SignedHeaders, Transaction},
    },
    providers::EventKind,
};
use crate::{
    AppError,
    billing::{
        Provider,
        entities::{billing_order, billing_refund},
    },
    clock::now_ms,
};

/// `[billing.wechat]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WechatConfig {
    pub mchid: String,
    pub appid: String,
    /// The serial of the merchant API certificate (the key below is its private key).
    pub merchant_serial: String,
    pub private_key: SecretString,
    /// The APIv3 key (32 characters) that encrypts notification resources.
    pub apiv3_key: SecretString,
    /// WeChat Pay public key mode: the key's id (`PUB_KEY_ID_…`) and PEM.
    #[serde(default)]
    pub public_key_id: Option<String>,
    #[serde(default)]
    pub public_key: Option<String>,
    /// Platform certificate mode: the certificates' PEM.
    #[serde(default)]
    pub platform_certificates: Vec<String>,
    #[serde(default = "default_base")]
    pub base_url: String,
}

fn default_base() -> String {
    "https://api.mch.weixin.qq.com".to_owned()
}

impl std::fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatConfig")
            .field("mchid", &self.mchid)
            .field("appid", &self.appid)
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// The WeChat Pay provider.
pub struct WechatPay {
    mchid: String,
    appid: String,
    serial: String,
    key: PrivateKey,
    apiv3_key: SecretString,
    platform: PlatformKeys,
    base_url: String,
    http: reqwest::Client,
}

impl WechatPay {
    pub fn new(config: &WechatConfig, http: reqwest::Client) -> Result<Self, String> {
        let key = PrivateKey::from_pem_or_base64(config.private_key.expose_secret())
            .map_err(|e| format!("[billing.wechat] private_key: {e}"))?;
        if config.apiv3_key.expose_secret().len() != 32 {
            return Err("[billing.wechat] apiv3_key must be 32 characters".into());
        }
        let mut platform = PlatformKeys::new();
        match (&config.public_key_id, &config.public_key) {
            (Some(id), Some(pem)) => platform
                .insert_public_key(id, pem)
                .map_err(|e| format!("[billing.wechat] public_key: {e}"))?,
            (None, None) => {}
            _ => return Err("[billing.wechat] public_key_id and public_key go together".into()),
        }
        for pem in &config.platform_certificates {
            platform
                .insert_certificate_pem(pem)
                .map_err(|e| format!("[billing.wechat] platform_certificates: {e}"))?;
        }
        if platform.is_empty() {
            return Err(
                "[billing.wechat] needs WeChat Pay's public key (public_key_id and public_key) \
                 or its platform certificates"
                    .into(),
            );
        }
        Ok(Self {
            mchid: config.mchid.clone(),
            appid: config.appid.clone(),
            serial: config.merchant_serial.clone(),
            key,
            apiv3_key: config.apiv3_key.clone(),
            platform,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// A signed call; answers the status and the body, whose signature has been checked
    /// when the call succeeded.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(u16, Vec<u8>), AppError> {
        let text = body.map(Value::to_string).unwrap_or_default();
        let nonce = wechat::generate_nonce()
            .map_err(|e| AppError::internal_while("signing a WeChat Pay request", e))?;
        let now = now_ms() / 1000;
        let auth = wechat::authorization(
            &self.mchid,
            &self.serial,
            &self.key,
            method.as_str(),
            path,
            &text,
            now,
            &nonce,
        )
        .map_err(|e| AppError::internal_while("signing a WeChat Pay request", e))?;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .header(http::header::AUTHORIZATION, auth)
            .header(http::header::ACCEPT, "application/json")
            .header(http::header::USER_AGENT, "Ripen");
        if body.is_some() {
            req = req
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(text);
        }
        let res = req
            .send()
            .await
            .map_err(|e| AppError::internal_while("calling WeChat Pay", e))?;
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| AppError::internal_while("reading WeChat Pay's answer", e))?
            .to_vec();
        if (200..300).contains(&status) {
            let signed = SignedHeaders::from_headers(|n| header(&headers, n))
                .and_then(|h| wechat::verify(&h, &bytes, &self.platform, now_ms() / 1000));
            if let Err(e) = signed {
                return Err(AppError::internal_while("checking WeChat Pay's answer", e));
            }
        }
        Ok((status, bytes))
    }

    fn our_merchant(&self, t: &Transaction) -> bool {
        t.mchid == self.mchid && t.appid == self.appid
    }
}

fn header(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// An instant as WeChat Pay writes times: RFC 3339 in Beijing time.
fn rfc3339_beijing(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%dT%H:%M:%S+08:00")
                .to_string()
        })
        .unwrap_or_default()
}

/// The change a transaction's `trade_state` names (`None`: still waiting).
fn change(t: &Transaction) -> Result<Option<EventKind>, ProtocolError> {
    Ok(match t.trade_state.as_str() {
        "SUCCESS" => Some(EventKind::Paid {
            trade_no: t
                .transaction_id
                .clone()
                .ok_or(ProtocolError::Malformed("transaction_id"))?,
            amount_fen: t.amount.total,
            currency: t
                .amount
                .currency
                .clone()
                .unwrap_or_else(|| "CNY".to_owned()),
        }),
        "CLOSED" | "REVOKED" | "PAYERROR" => Some(EventKind::Closed),
        "NOTPAY" | "USERPAYING" => None,
        // A refund, reported on the transaction: the payment itself stands.
        "REFUND" => None,
        _ => return Err(ProtocolError::Malformed("trade_state")),
    })
}

fn read<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &'static str) -> Result<T, AppError> {
    serde_json::from_slice(bytes).map_err(|e| AppError::internal_while(what, e))
}

#[async_trait]
impl PaymentProvider for WechatPay {
    fn kind(&self) -> Provider {
        Provider::Wechat
    }

    async fn pay(
        &self,
        order: &billing_order::Model,
        at: &PayContext<'_>,
    ) -> Result<PayAction, AppError> {
        let mut body = json!({
            "appid": self.appid,
            "mchid": self.mchid,
            "description": super::alipay::subject(order.product),
            "out_trade_no": order.order_no,
            "time_expire": rfc3339_beijing(order.expires_ms),
            "notify_url": format!("{}/billing/notify/wechat", at.site_url),
            "amount": { "total": order.amount_fen, "currency": order.currency },
        });
        let path = if at.mobile {
            body["scene_info"] = json!({
                "payer_client_ip": at.client_ip.map(|ip| ip.to_string()).unwrap_or_default(),
                "h5_info": { "type": "Wap" },
            });
            "/v3/pay/transactions/h5"
        } else {
            "/v3/pay/transactions/native"
        };
        let (status, bytes) = self.call(reqwest::Method::POST, path, Some(&body)).await?;
        if status != 200 {
            return Err(AppError::internal_while(
                "making a WeChat Pay order",
                format!("status {status}"),
            ));
        }
        let answer: Value = read(&bytes, "reading WeChat Pay's order")?;
        if at.mobile {
            let url = answer["h5_url"].as_str().unwrap_or_default();
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(AppError::internal_while(
                    "making a WeChat Pay order",
                    "no h5_url",
                ));
            }
            let back = format!("{}/plus/orders/{}", at.site_url, order.id);
            let back: String = url_encode(&back);
            Ok(PayAction::Redirect(format!("{url}&redirect_url={back}")))
        } else {
            let code = answer["code_url"].as_str().unwrap_or_default();
            if code.is_empty() {
                return Err(AppError::internal_while(
                    "making a WeChat Pay order",
                    "no code_url",
                ));
            }
            Ok(PayAction::Qr(code.to_owned()))
        }
    }

    async fn query(&self, order: &billing_order::Model) -> Result<Option<ProviderEvent>, AppError> {
        let path = format!(
            "/v3/pay/transactions/out-trade-no/{}?mchid={}",
            order.order_no, self.mchid
        );
        let (status, bytes) = self.call(reqwest::Method::GET, &path, None).await?;
        if status == 404 {
            // WeChat Pay has no such order: the person never got as far as paying.
            return Ok(None);
        }
        if status != 200 {
            return Err(AppError::internal_while(
                "asking WeChat Pay about an order",
                format!("status {status}"),
            ));
        }
        let t: Transaction = read(&bytes, "reading WeChat Pay's answer")?;
        if !self.our_merchant(&t) || t.out_trade_no != order.order_no {
            return Err(AppError::internal_while(
                "asking WeChat Pay about an order",
                "the answer is for another merchant or order",
            ));
        }
        let kind =
            change(&t).map_err(|e| AppError::internal_while("reading WeChat Pay's answer", e))?;
        Ok(kind.map(|kind| ProviderEvent {
            key: format!("query:{}:{}", order.order_no, t.trade_state),
            order_no: order.order_no.clone(),
            kind,
        }))
    }

    async fn close(&self, order: &billing_order::Model) -> Result<(), AppError> {
        let path = format!("/v3/pay/transactions/out-trade-no/{}/close", order.order_no);
        let body = json!({ "mchid": self.mchid });
        let (status, _) = self.call(reqwest::Method::POST, &path, Some(&body)).await?;
        match status {
            204 | 200 => Ok(()),
            other => Err(AppError::internal_while(
                "closing an order at WeChat Pay",
                format!("status {other}"),
            )),
        }
    }

    async fn refund(
        &self,
        order: &billing_order::Model,
        refund: &billing_refund::Model,
        site_url: &str,
    ) -> Result<RefundOutcome, AppError> {
        let body = json!({
            "out_trade_no": order.order_no,
            "out_refund_no": refund.refund_no,
            "notify_url": format!("{site_url}/billing/notify/wechat"),
            "amount": {
                "refund": refund.amount_fen,
                "total": order.amount_fen,
                "currency": order.currency,
            },
        });
        let (status, bytes) = self
            .call(
                reqwest::Method::POST,
                "/v3/refund/domestic/refunds",
                Some(&body),
            )
            .await?;
        match status {
            200 => {}
            // A refusal of this refund (the order cannot be refunded, the amount is
            // wrong…): no money moved.
            400 | 403 | 404 => return Ok(RefundOutcome::Failed),
            other => {
                return Err(AppError::internal_while(
                    "asking WeChat Pay for a refund",
                    format!("status {other}"),
                ));
            }
        }
        let answer: Value = read(&bytes, "reading WeChat Pay's refund")?;
        let id = answer["refund_id"].as_str().map(str::to_owned);
        Ok(refund_outcome(
            answer["status"].as_str().unwrap_or_default(),
            id,
        ))
    }

    fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now_ms: i64,
    ) -> Result<ProviderEvent, Refusal> {
        let signed = SignedHeaders::from_headers(|n| header(headers, n))
            .map_err(|_| Refusal::Malformed("signature headers"))?;
        wechat::verify(&signed, body, &self.platform, now_ms / 1000).map_err(|e| match e {
            ProtocolError::Probe => Refusal::Probe,
            ProtocolError::Stale => Refusal::Stale,
            ProtocolError::Malformed(m) => Refusal::Malformed(m),
            _ => Refusal::Signature,
        })?;
        let n = Notification::parse(body).map_err(|_| Refusal::Malformed("body"))?;
        let key = self.apiv3_key.expose_secret().as_bytes();
        if n.event_type.starts_with("TRANSACTION.") {
            let t: Transaction = n
                .decrypt_json(key)
                .map_err(|_| Refusal::Malformed("resource"))?;
            if !self.our_merchant(&t) {
                return Err(Refusal::Merchant);
            }
            let kind = change(&t)
                .map_err(|_| Refusal::Malformed("trade_state"))?
                .unwrap_or(EventKind::Waiting);
            return Ok(ProviderEvent {
                key: n.id,
                order_no: t.out_trade_no,
                kind,
            });
        }
        if n.event_type.starts_with("REFUND.") {
            let r: wechat::RefundNotification = n
                .decrypt_json(key)
                .map_err(|_| Refusal::Malformed("resource"))?;
            if r.mchid != self.mchid {
                return Err(Refusal::Merchant);
            }
            return Ok(ProviderEvent {
                key: n.id,
                order_no: r.out_trade_no,
                kind: EventKind::Refund {
                    refund_no: r.out_refund_no,
                    outcome: refund_outcome(&r.refund_status, Some(r.refund_id)),
                },
            });
        }
        Err(Refusal::Malformed("event_type"))
    }

    fn ack(&self) -> (http::StatusCode, &'static str) {
        (http::StatusCode::NO_CONTENT, "")
    }

    fn nack(&self) -> (http::StatusCode, &'static str) {
        (
            http::StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"code":"FAIL","message":"not taken in"}"#,
        )
    }
}

/// A refund's `status` / `refund_status` as an outcome.
fn refund_outcome(status: &str, id: Option<String>) -> RefundOutcome {
    match status {
        "SUCCESS" => RefundOutcome::Succeeded(id),
        "CLOSED" | "ABNORMAL" => RefundOutcome::Failed,
        _ => RefundOutcome::Pending(id),
    }
}

/// Percent-encodes a URL for use as a query value.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transaction(state: &str) -> Transaction {
        serde_json::from_value(json!({
            "mchid": "1900000001", "appid": "wx1", "out_trade_no": "RP1",
            "transaction_id": "4200000001", "trade_state": state,
            "amount": { "total": 1200, "currency": "CNY" },
        }))
        .unwrap()
    }

    #[test]
    fn trade_states_map_to_changes() {
        assert!(matches!(
            change(&transaction("SUCCESS")),
            Ok(Some(EventKind::Paid {
                amount_fen: 1200,
                ..
            }))
        ));
        for closed in ["CLOSED", "REVOKED", "PAYERROR"] {
            assert_eq!(change(&transaction(closed)), Ok(Some(EventKind::Closed)));
        }
        for waiting in ["NOTPAY", "USERPAYING", "REFUND"] {
            assert_eq!(change(&transaction(waiting)), Ok(None));
        }
        assert!(change(&transaction("SOMETHING")).is_err());
    }

    #[test]
    fn times_are_rfc3339_in_beijing_time() {
        assert_eq!(
            rfc3339_beijing(1_764_892_800_000),
            "2025-12-05T08:00:00+08:00"
        );
    }

    #[test]
    fn the_way_back_is_percent_encoded() {
        assert_eq!(
            url_encode("https://ripen.example/plus/orders/1?a=b"),
            "https%3A%2F%2Fripen.example%2Fplus%2Forders%2F1%3Fa%3Db"
        );
    }
}
