//! Alipay (支付宝开放平台) as a [`PaymentProvider`]: RSA2 in public-key mode.
//!
//! - Paying: a signed GET link to the gateway, `alipay.trade.page.pay` on a computer and
//!   `alipay.trade.wap.pay` on a phone; Alipay brings the person back to the order's page
//!   and posts the outcome to `/billing/notify/alipay`.
//! - Notifications: the form's signature under Alipay's public key with the trade rule
//!   (`protocol::alipay`), then our `app_id` (and `seller_id`, when configured); answered
//!   with the bare word `success`.
//! - Questions (the reconciler): `alipay.trade.query` and `alipay.trade.close`, each
//!   answer's signature checked over its exact text before it is read.
//!
//! `[billing.alipay]` in `ripen.toml`:
//!
//! ```toml
//! [billing.alipay]
//! app_id = "2021000000000000"
//! private_key = "MIIEv…"            # the application's private key (PKCS#1 or PKCS#8)
//! alipay_public_key = "MIIBIj…"     # 支付宝公钥, as the open platform shows it
//! seller_id = "2088000000000000"    # optional: the merchant's partner id, checked too
//! gateway = "https://openapi.alipay.com/gateway.do"
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
        alipay::{self, GATEWAY, TRADE_NOTIFY_TYPE},
        rsa::{PrivateKey, PublicKey},
    },
    providers::EventKind,
};
use crate::{
    AppError,
    billing::{
        Product, Provider,
        entities::{billing_order, billing_refund},
    },
};

/// `[billing.alipay]`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlipayConfig {
    pub app_id: String,
    /// The application's private key: PKCS#1 or PKCS#8, PEM or bare base64.
    pub private_key: SecretString,
    /// Alipay's public key (bare base64 SPKI, or PEM).
    pub alipay_public_key: String,
    /// The merchant's partner id (`2088…`); when set, notifications must name it.
    #[serde(default)]
    pub seller_id: Option<String>,
    /// The gateway (Alipay's own unless testing).
    #[serde(default = "default_gateway")]
    pub gateway: String,
}

fn default_gateway() -> String {
    GATEWAY.to_owned()
}

impl std::fmt::Debug for AlipayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AlipayConfig")
            .field("app_id", &self.app_id)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

/// The Alipay provider.
pub struct Alipay {
    app_id: String,
    seller_id: Option<String>,
    key: PrivateKey,
    alipay_key: PublicKey,
    gateway: String,
    http: reqwest::Client,
}

impl Alipay {
    pub fn new(config: &AlipayConfig, http: reqwest::Client) -> Result<Self, String> {
        let key = PrivateKey::from_pem_or_base64(config.private_key.expose_secret())
            .map_err(|e| format!("[billing.alipay] private_key: {e}"))?;
        let alipay_key = PublicKey::from_spki_pem_or_base64(&config.alipay_public_key)
            .map_err(|e| format!("[billing.alipay] alipay_public_key: {e}"))?;
        if config.app_id.trim().is_empty() {
            return Err("[billing.alipay] app_id is empty".into());
        }
        Ok(Self {
            app_id: config.app_id.trim().to_owned(),
            seller_id: config.seller_id.clone(),
            key,
            alipay_key,
            gateway: config.gateway.clone(),
            http,
        })
    }

    /// A signed call to the gateway; answers the verified `<method>_response` object.
    async fn call(&self, method: &str, biz: &Value) -> Result<Value, AppError> {
        let params = alipay::request_params(
            &self.app_id,
            method,
            &biz.to_string(),
            &beijing(crate::clock::now_ms()),
            None,
            None,
        );
        let signed = alipay::sign_request(params, &self.key)
            .map_err(|e| AppError::internal_while("signing an Alipay request", e))?;
        let text = self
            .http
            .post(&self.gateway)
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded;charset=utf-8",
            )
            .body(alipay::form_encode(&signed))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| AppError::internal_while("calling Alipay", e))?
            .text()
            .await
            .map_err(|e| AppError::internal_while("reading Alipay's answer", e))?;
        let content = alipay::verify_response(&text, method, &self.alipay_key)
            .map_err(|e| AppError::internal_while("checking Alipay's answer", e))?;
        serde_json::from_str(content)
            .map_err(|e| AppError::internal_while("reading Alipay's answer", e))
    }
}

/// An instant as Alipay writes times: Beijing time, `yyyy-MM-dd HH:mm:ss`.
fn beijing(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&chrono_tz::Asia::Shanghai)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// What the person sees at Alipay as the order's subject.
pub(crate) fn subject(product: Product) -> &'static str {
    match product {
        Product::PlusMonth => "Ripen Plus 一个月",
        Product::PlusYear => "Ripen Plus 一年",
    }
}

fn text<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.get(name).and_then(Value::as_str)
}

/// The change an Alipay trade status names (`None`: still waiting to be paid).
fn change(
    status: &str,
    trade_no: &str,
    total_amount: &str,
) -> Result<Option<EventKind>, ProtocolError> {
    Ok(match status {
        "TRADE_SUCCESS" | "TRADE_FINISHED" => Some(EventKind::Paid {
            trade_no: trade_no.to_owned(),
            amount_fen: alipay::yuan_to_fen(total_amount)?,
            currency: "CNY".to_owned(),
        }),
        "TRADE_CLOSED" => Some(EventKind::Closed),
        "WAIT_BUYER_PAY" => None,
        _ => return Err(ProtocolError::Malformed("trade_status")),
    })
}

#[async_trait]
impl PaymentProvider for Alipay {
    fn kind(&self) -> Provider {
        Provider::Alipay
    }

    async fn pay(
        &self,
        order: &billing_order::Model,
        at: &PayContext<'_>,
    ) -> Result<PayAction, AppError> {
        let (method, product_code) = if at.mobile {
            ("alipay.trade.wap.pay", "QUICK_WAP_WAY")
        } else {
            ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY")
        };
        let biz = json!({
            "out_trade_no": order.order_no,
            "total_amount": alipay::fen_to_yuan(order.amount_fen),
            "subject": subject(order.product),
            "product_code": product_code,
            "time_expire": beijing(order.expires_ms),
        });
        let notify = format!("{}/billing/notify/alipay", at.site_url);
        let back = format!("{}/plus/orders/{}", at.site_url, order.id);
        let params = alipay::request_params(
            &self.app_id,
            method,
            &biz.to_string(),
            &beijing(crate::clock::now_ms()),
            Some(&notify),
            Some(&back),
        );
        let signed = alipay::sign_request(params, &self.key)
            .map_err(|e| AppError::internal_while("signing an Alipay payment link", e))?;
        Ok(PayAction::Redirect(alipay::gateway_url(
            &self.gateway,
            &signed,
        )))
    }

    async fn query(&self, order: &billing_order::Model) -> Result<Option<ProviderEvent>, AppError> {
        let method = "alipay.trade.query";
        let answer = self
            .call(method, &json!({ "out_trade_no": order.order_no }))
            .await?;
        match text(&answer, "code") {
            Some("10000") => {}
            // Alipay has no such trade: the person never opened the payment page.
            Some("40004") if text(&answer, "sub_code") == Some("ACQ.TRADE_NOT_EXIST") => {
                return Ok(None);
            }
            _ => {
                return Err(AppError::internal_while(
                    "asking Alipay about an order",
                    text(&answer, "sub_code").unwrap_or("no code").to_owned(),
                ));
            }
        }
        let status = text(&answer, "trade_status").unwrap_or_default();
        let kind = change(
            status,
            text(&answer, "trade_no").unwrap_or_default(),
            text(&answer, "total_amount").unwrap_or_default(),
        )
        .map_err(|e| AppError::internal_while("reading Alipay's answer", e))?;
        Ok(kind.map(|kind| ProviderEvent {
            key: format!("query:{}:{status}", order.order_no),
            order_no: order.order_no.clone(),
            kind,
        }))
    }

    async fn close(&self, order: &billing_order::Model) -> Result<(), AppError> {
        let answer = self
            .call(
                "alipay.trade.close",
                &json!({ "out_trade_no": order.order_no }),
            )
            .await?;
        match (text(&answer, "code"), text(&answer, "sub_code")) {
            (Some("10000"), _) | (Some("40004"), Some("ACQ.TRADE_NOT_EXIST")) => Ok(()),
            (_, code) => Err(AppError::internal_while(
                "closing an order at Alipay",
                code.unwrap_or("no code").to_owned(),
            )),
        }
    }

    async fn refund(
        &self,
        order: &billing_order::Model,
        refund: &billing_refund::Model,
        _site_url: &str,
    ) -> Result<RefundOutcome, AppError> {
        let answer = self
            .call(
                "alipay.trade.refund",
                &json!({
                    "out_trade_no": order.order_no,
                    "refund_amount": alipay::fen_to_yuan(refund.amount_fen),
                    "out_request_no": refund.refund_no,
                }),
            )
            .await?;
        match text(&answer, "code") {
            // `fund_change` is "N" when this refund number was already given back: asking
            // again is answered as the first time was.
            Some("10000") => Ok(RefundOutcome::Succeeded(
                text(&answer, "trade_no").map(str::to_owned),
            )),
            // A business refusal (the trade is closed, the amount too large…): no money
            // moved. A system error (20000) or anything else: ask again later.
            Some("40004") => Ok(RefundOutcome::Failed),
            _ => Err(AppError::internal_while(
                "asking Alipay for a refund",
                text(&answer, "sub_code").unwrap_or("no code").to_owned(),
            )),
        }
    }

    fn verify(
        &self,
        _headers: &http::HeaderMap,
        body: &[u8],
        _now_ms: i64,
    ) -> Result<ProviderEvent, Refusal> {
        let params = alipay::parse_form(body).map_err(|_| Refusal::Malformed("form"))?;
        alipay::verify_notification(&params, &self.alipay_key).map_err(|e| match e {
            ProtocolError::BadSignature => Refusal::Signature,
            _ => Refusal::Malformed("signature"),
        })?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        if get("app_id") != Some(self.app_id.as_str()) {
            return Err(Refusal::Merchant);
        }
        if let Some(seller) = &self.seller_id
            && get("seller_id") != Some(seller.as_str())
        {
            return Err(Refusal::Merchant);
        }
        if get("notify_type") != Some(TRADE_NOTIFY_TYPE) {
            return Err(Refusal::Malformed("notify_type"));
        }
        let order_no = get("out_trade_no").ok_or(Refusal::Malformed("out_trade_no"))?;
        let notify_id = get("notify_id").ok_or(Refusal::Malformed("notify_id"))?;
        let status = get("trade_status").ok_or(Refusal::Malformed("trade_status"))?;
        let kind = change(
            status,
            get("trade_no").unwrap_or_default(),
            get("total_amount").unwrap_or_default(),
        )
        .map_err(|_| Refusal::Malformed("trade_status or total_amount"))?
        .unwrap_or(EventKind::Waiting);
        Ok(ProviderEvent {
            key: format!("{notify_id}:{status}"),
            order_no: order_no.to_owned(),
            kind,
        })
    }

    fn ack(&self) -> (http::StatusCode, &'static str) {
        (http::StatusCode::OK, alipay::NOTIFY_ACK)
    }

    fn nack(&self) -> (http::StatusCode, &'static str) {
        (http::StatusCode::OK, "fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_in_beijing_time() {
        // 2025-12-05 00:00:00 UTC is 08:00 in Beijing.
        assert_eq!(beijing(1_764_892_800_000), "2025-12-05 08:00:00");
    }

    #[test]
    fn trade_statuses_map_to_changes() {
        assert!(matches!(
            change("TRADE_SUCCESS", "T1", "12.00"),
            Ok(Some(EventKind::Paid {
                amount_fen: 1200,
                ..
            }))
        ));
        assert!(matches!(
            change("TRADE_FINISHED", "T1", "98.00"),
            Ok(Some(EventKind::Paid {
                amount_fen: 9800,
                ..
            }))
        ));
        assert_eq!(change("TRADE_CLOSED", "", ""), Ok(Some(EventKind::Closed)));
        assert_eq!(change("WAIT_BUYER_PAY", "", ""), Ok(None));
        assert!(change("TRADE_SUCCESS", "T1", "12.001").is_err());
        assert!(change("SOMETHING_ELSE", "", "").is_err());
    }
}
