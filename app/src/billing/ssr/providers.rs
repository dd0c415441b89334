//! What every payment provider does for Ripen, whatever its protocol: send a person to pay
//! an order, and turn a notification into a [`ProviderEvent`] once its signature, its age
//! and its merchant have been checked over the exact bytes received.

use async_trait::async_trait;

use super::super::{
    Provider,
    entities::{billing_order, billing_refund},
};
use crate::AppError;

/// Where a person goes to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayAction {
    /// A page to send the browser to (a GET: see `checkout`).
    Redirect(String),
    /// A code to show as a QR for the provider's app to scan (WeChat Pay Native).
    Qr(String),
}

/// What a provider needs to know to send someone to pay.
#[derive(Debug, Clone, Copy)]
pub struct PayContext<'a> {
    /// The site's own address (`https://ripen.example`): where the provider sends its
    /// notifications and the person back.
    pub site_url: &'a str,
    /// The person is on a phone (a provider's mobile page, not its QR code).
    pub mobile: bool,
    /// The person's address, which WeChat Pay's H5 payments ask for.
    pub client_ip: Option<std::net::IpAddr>,
}

/// What a verified notification says happened to an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's own key for this notification: the same key again is the same
    /// notification (WeChat Pay's `id`; Alipay's `notify_id` with the trade status).
    pub key: String,
    /// Our order number.
    pub order_no: String,
    pub kind: EventKind,
}

/// The change a notification reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// Paid in full: the provider's transaction number, the amount paid and its currency
    /// (checked against the order before anything changes).
    Paid {
        trade_no: String,
        amount_fen: i64,
        currency: String,
    },
    /// The provider closed the order unpaid (or the payment failed).
    Closed,
    /// Still waiting to be paid (a status some providers report along the way): taken in,
    /// changes nothing.
    Waiting,
    /// How a refund we asked for ended (our refund number).
    Refund {
        refund_no: String,
        outcome: RefundOutcome,
    },
}

/// What a provider said of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The money went back (the provider's refund number, where it gives one).
    Succeeded(Option<String>),
    /// Accepted, not finished: a notification (or the next question) will say.
    Pending(Option<String>),
    /// Refused or closed: no money moved.
    Failed,
}

impl EventKind {
    /// The word stored in `billing_event.kind`.
    pub fn word(&self) -> &'static str {
        match self {
            Self::Paid { .. } => "paid",
            Self::Closed => "closed",
            Self::Waiting => "waiting",
            Self::Refund { .. } => "refund",
        }
    }
}

/// Why a notification was refused. Each is logged as a security event; none changes
/// anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the signature does not verify")]
    Signature,
    #[error("a signature probe (WECHATPAY/SIGNTEST), which must fail")]
    Probe,
    #[error("the notification is too old or from the future")]
    Stale,
    #[error("the notification is for another merchant or app")]
    Merchant,
    #[error("the notification cannot be read: {0}")]
    Malformed(&'static str),
    #[error("no such order")]
    UnknownOrder,
    #[error("the order was made with another provider")]
    WrongProvider,
    #[error("the amount or currency differs from the order's")]
    Amount,
    #[error("this provider is not set up here")]
    NotConfigured,
}

/// A payment provider: WeChat Pay, Alipay, or the sandbox.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Which one it is.
    fn kind(&self) -> Provider;

    /// Where to send the owner of `order` to pay it.
    async fn pay(
        &self,
        order: &billing_order::Model,
        at: &PayContext<'_>,
    ) -> Result<PayAction, AppError>;

    /// Asks the provider where `order` stands (the reconciler, for an order whose
    /// notification has not come): paid, closed, or still waiting (`None`). The event's
    /// key is made from the answer, so asking again applies nothing twice.
    async fn query(&self, order: &billing_order::Model) -> Result<Option<ProviderEvent>, AppError>;

    /// Closes an unpaid `order` at the provider, so it can no longer be paid there.
    async fn close(&self, order: &billing_order::Model) -> Result<(), AppError>;

    /// Gives back `refund.amount_fen` of a paid `order`. The refund number is the
    /// provider's idempotency key: asking again with it never refunds twice. An error
    /// means "ask again later" (the reconciler does).
    async fn refund(
        &self,
        order: &billing_order::Model,
        refund: &billing_refund::Model,
        site_url: &str,
    ) -> Result<RefundOutcome, AppError>;

    /// Checks a notification — the signature over the raw `body`, its age at `now_ms`,
    /// its merchant — and reads what it says.
    fn verify(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now_ms: i64,
    ) -> Result<ProviderEvent, Refusal>;

    /// The answer that tells the provider a notification was taken in (it stops
    /// sending it): status and body.
    fn ack(&self) -> (http::StatusCode, &'static str);

    /// The answer that asks the provider to send it again later.
    fn nack(&self) -> (http::StatusCode, &'static str);
}
