//! The sandbox: a payment provider built into Ripen, for trying Plus without moving money.
//!
//! Its "checkout" is Ripen's own page (`/plus/sandbox/{order}`), where the order's owner
//! pays or fails the order. The outcome is written as a provider would write it — a JSON
//! notification signed with Ed25519 under a key derived from the installation's key file
//! (the same in every instance) — and handed to the notification path every provider's
//! notifications take ([`super::notify::receive`]), so verification, the checks against the
//! order and the once-only update are all exercised. It is not a way around them: a
//! notification with a wrong signature, amount or age is refused like any other.
//!
//! It runs by default only where no real provider is set up and the site is not served
//! over https (`[billing] sandbox`).

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    PayAction, PayContext, PaymentProvider, ProviderEvent, RefundOutcome, Refusal,
    notify::{self, Received},
    providers::EventKind,
};
use crate::{
    AppError,
    billing::{
        OrderStatus, OrderSummary, Provider,
        entities::{billing_order, billing_refund},
    },
    clock::now_ms,
};

/// The header carrying the notification's time, in seconds since the epoch.
pub const TIMESTAMP_HEADER: &str = "ripen-sandbox-timestamp";
/// The header carrying the Ed25519 signature (standard base64) of `timestamp\nbody\n`.
pub const SIGNATURE_HEADER: &str = "ripen-sandbox-signature";
/// How far a notification's time may be from ours, as WeChat Pay allows.
pub const MAX_SKEW_SECS: i64 = 300;

/// The sandbox's notification body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notification {
    /// Unique per notification.
    pub id: String,
    pub order_no: String,
    /// `paid` or `failed`.
    pub outcome: String,
    pub amount_fen: i64,
    pub currency: String,
    /// The sandbox's transaction number.
    pub trade_no: String,
}

/// The sandbox provider.
pub struct Sandbox {
    key: Ed25519KeyPair,
}

impl Sandbox {
    /// The sandbox with the installation's derived signing key.
    pub fn new(keys: &crate::seal::Keyring) -> Result<Self, AppError> {
        let seed = keys
            .derive("billing-sandbox-ed25519")
            .ok_or_else(|| AppError::internal_while("starting the sandbox", "no link key"))?;
        let key = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| AppError::internal_while("starting the sandbox", "bad seed"))?;
        Ok(Self { key })
    }

    /// The signature headers of `body` at `timestamp_secs`.
    pub fn sign(&self, body: &[u8], timestamp_secs: i64) -> Vec<(&'static str, String)> {
        let signature = self.key.sign(&message(timestamp_secs, body));
        vec![
            (TIMESTAMP_HEADER, timestamp_secs.to_string()),
            (SIGNATURE_HEADER, STANDARD.encode(signature.as_ref())),
        ]
    }
}

fn message(timestamp_secs: i64, body: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(body.len() + 24);
    m.extend_from_slice(timestamp_secs.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(body);
    m.push(b'\n');
    m
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[async_trait]
impl PaymentProvider for Sandbox {
    fn kind(&self) -> Provider {
        Provider::Sandbox
    }

    async fn pay(
        &self,
        order: &billing_order::Model,
        _at: &PayContext<'_>,
    ) -> Result<PayAction, AppError> {
        Ok(PayAction::Redirect(format!("/plus/sandbox/{}", order.id)))
    }

    /// The sandbox has no record of its own: what its page decided is already applied.
    async fn query(
        &self,
        _order: &billing_order::Model,
    ) -> Result<Option<ProviderEvent>, AppError> {
        Ok(None)
    }

    async fn close(&self, _order: &billing_order::Model) -> Result<(), AppError> {
        Ok(())
    }

    /// The sandbox gives back at once.
    async fn refund(
        &self,
        _order: &billing_order::Model,
        refund: &billing_refund::Model,
        _site_url: &str,
    ) -> Result<RefundOutcome, AppError> {
        Ok(RefundOutcome::Succeeded(Some(format!(
            "SBX{}",
            refund.refund_no
        ))))
    }

    fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now_ms: i64,
    ) -> Result<ProviderEvent, Refusal> {
        let timestamp: i64 = header(headers, TIMESTAMP_HEADER)
            .and_then(|t| t.parse().ok())
            .ok_or(Refusal::Malformed("timestamp"))?;
        let signature = header(headers, SIGNATURE_HEADER)
            .and_then(|s| STANDARD.decode(s).ok())
            .ok_or(Refusal::Malformed("signature"))?;
        UnparsedPublicKey::new(&ED25519, self.key.public_key().as_ref())
            .verify(&message(timestamp, body), &signature)
            .map_err(|_| Refusal::Signature)?;
        if (now_ms / 1000 - timestamp).abs() >= MAX_SKEW_SECS {
            return Err(Refusal::Stale);
        }
        let n: Notification =
            serde_json::from_slice(body).map_err(|_| Refusal::Malformed("body"))?;
        let kind = match n.outcome.as_str() {
            "paid" => EventKind::Paid {
                trade_no: n.trade_no,
                amount_fen: n.amount_fen,
                currency: n.currency,
            },
            "failed" => EventKind::Closed,
            _ => return Err(Refusal::Malformed("outcome")),
        };
        Ok(ProviderEvent {
            key: n.id,
            order_no: n.order_no,
            kind,
        })
    }

    fn ack(&self) -> (http::StatusCode, &'static str) {
        (http::StatusCode::OK, "success")
    }

    fn nack(&self) -> (http::StatusCode, &'static str) {
        (http::StatusCode::INTERNAL_SERVER_ERROR, "fail")
    }
}

/// The caller's order, if it is a sandbox order that can still be paid.
async fn open_order(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
) -> Result<billing_order::Model, AppError> {
    let order = billing_order::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|o| o.user_id == Some(user) && o.provider == Provider::Sandbox)
        .ok_or(AppError::NotFound)?;
    Ok(order)
}

/// The sandbox checkout page's order.
pub async fn order(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
) -> Result<OrderSummary, AppError> {
    let order = open_order(db, user, id).await?;
    let tz = super::zone_of(db, user).await?;
    Ok(super::orders::summary(&order, tz))
}

/// Pays (`pay`) or fails the caller's sandbox order, through the signed notification path.
pub async fn finish(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
    pay: bool,
) -> Result<(), AppError> {
    let billing = super::service()?;
    let order = open_order(db, user, id).await?;
    if !matches!(order.status, OrderStatus::Created | OrderStatus::Pending) {
        return Ok(());
    }
    let Some(sandbox) = billing.sandbox() else {
        return Err(AppError::NotFound);
    };
    let body = serde_json::to_vec(&Notification {
        id: Uuid::new_v4().to_string(),
        order_no: order.order_no.clone(),
        outcome: if pay { "paid" } else { "failed" }.to_owned(),
        amount_fen: order.amount_fen,
        currency: order.currency.clone(),
        trade_no: format!("SBX{}", order.order_no),
    })
    .map_err(|e| AppError::internal_while("writing a sandbox notification", e))?;
    let mut headers = http::HeaderMap::new();
    for (name, value) in sandbox.sign(&body, now_ms() / 1000) {
        let value = http::HeaderValue::from_str(&value)
            .map_err(|e| AppError::internal_while("signing a sandbox notification", e))?;
        headers.insert(name, value);
    }
    match notify::receive(db, &billing, sandbox.as_ref(), &headers, &body, now_ms()).await {
        Received::Applied | Received::Duplicate | Received::Ignored => Ok(()),
        Received::Refused(r) => Err(AppError::internal_while(
            "a sandbox notification was refused",
            r,
        )),
        Received::Failed(e) => Err(e),
    }
}
