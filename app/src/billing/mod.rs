//! Ripen Plus: the plans, what each allows, orders and their payment through a provider
//! (WeChat Pay, Alipay, or the built-in sandbox), refunds, and the one check every limit
//! asks (`ssr::limits`).
//!
//! A subscription is a run of prepaid periods: each paid order extends the account's Plus
//! by its product's months, exactly once (`ssr::apply`); when the last period ends, Plus's
//! limits hold for a grace period, then the Free plan's. Nothing already scheduled is ever
//! stopped by a lapse, and exporting, deleting and privacy choices are never limited.
//!
//! What Ripen keeps of a payment: our order number, the amount and currency, the provider
//! and its transaction number, and the times — never a payer's account, open id, login
//! name or card.
//!
//! | status               | meaning                                              |
//! |----------------------|------------------------------------------------------|
//! | `created`            | made, the person has not been sent to pay yet        |
//! | `pending`            | sent to the provider, no answer yet                  |
//! | `paid`               | the provider said it was paid; Plus was extended     |
//! | `closed`             | not paid, and closed (expired or failed)             |
//! | `refunding`          | a refund was asked for, no final answer yet          |
//! | `refunded`           | all of it was given back                             |
//! | `partially_refunded` | part of it was given back                            |

#[cfg(feature = "ssr")]
pub mod entities;
pub mod plans;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use plans::{Limits, PlanState};

use crate::AppError;
use crate::stored::stored_enum;

stored_enum! {
    /// What an order buys.
    pub enum Product {
        /// A month of Plus.
        PlusMonth = "plus_month",
        /// A year of Plus.
        PlusYear = "plus_year",
    }
}

impl Product {
    pub const ALL: [Self; 2] = [Self::PlusMonth, Self::PlusYear];

    /// The product named `word` (its stored word).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == word.trim())
    }
}

stored_enum! {
    /// Who takes the payment.
    pub enum Provider {
        /// Ripen's own checkout page, for trying Ripen out: no money moves.
        Sandbox = "sandbox",
        Alipay = "alipay",
        Wechat = "wechat",
    }
}

impl Provider {
    pub const ALL: [Self; 3] = [Self::Sandbox, Self::Alipay, Self::Wechat];

    /// The provider named `word` (its stored word, also the notify path's last segment).
    pub fn parse(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == word.trim())
    }
}

stored_enum! {
    /// Where an order stands (the table in the module's documentation).
    pub enum OrderStatus {
        Created = "created",
        Pending = "pending",
        Paid = "paid",
        Closed = "closed",
        Refunding = "refunding",
        Refunded = "refunded",
        PartiallyRefunded = "partially_refunded",
    }
}

impl OrderStatus {
    /// Not paid yet, and still payable.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Created | Self::Pending)
    }
}

stored_enum! {
    /// Where a refund stands.
    pub enum RefundStatus {
        /// Asked of the provider, no final answer yet.
        Pending = "pending",
        Succeeded = "succeeded",
        Failed = "failed",
    }
}

stored_enum! {
    /// Who asked for a refund.
    pub enum RefundReason {
        /// The account holder, for the unused part of a period.
        Customer = "customer",
        /// An administrator.
        Staff = "staff",
    }
}

/// The prices of Plus, in fen (1/100 yuan).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prices {
    pub month_fen: i64,
    pub year_fen: i64,
}

impl Prices {
    pub fn of(self, product: Product) -> i64 {
        match product {
            Product::PlusMonth => self.month_fen,
            Product::PlusYear => self.year_fen,
        }
    }
}

/// The pricing page: both plans, their prices, and how one can pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlansView {
    pub free: Limits,
    pub plus: Limits,
    pub prices: Prices,
    /// The providers one can pay with here, in the order offered.
    pub providers: Vec<Provider>,
}

/// The signed-in person's plan, what it allows and what they use of it, and their orders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPlan {
    pub state: PlanState,
    /// The last day of paid Plus, in the person's zone.
    pub plus_until: Option<String>,
    /// The last day of the grace period (while in it).
    pub grace_until: Option<String>,
    /// The limits that apply now.
    pub limits: Limits,
    pub orders: Vec<OrderSummary>,
}

/// One order as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderSummary {
    pub id: String,
    pub order_no: String,
    pub product: Product,
    pub provider: Provider,
    pub amount_fen: i64,
    pub currency: String,
    pub status: OrderStatus,
    /// When it was made, in the person's zone.
    pub created: String,
    pub paid: Option<String>,
    /// The span of Plus it bought, in the person's zone ("1 Jan 2027 – 31 Jan 2027").
    pub period: Option<String>,
    pub refunded_fen: i64,
}

/// One order's page: its summary, and what can be done with it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub order: OrderSummary,
    /// Where to go to pay it (a GET link: see `ssr::checkout`), while it can be paid.
    pub pay_link: Option<String>,
    /// The code to scan with the provider's app (WeChat Pay Native), as an SVG drawn by
    /// the server, while the order waits to be paid.
    pub qr_svg: Option<String>,
    pub refunds: Vec<RefundSummary>,
    /// What its owner may ask back now (the unused part, within the refund window).
    pub refundable_fen: i64,
    /// The refund window, in days after paying.
    pub refund_days: i64,
}

/// An order as an administrator looks it up (`/admin/payments`): no account name, only
/// whether the order still belongs to an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderForStaff {
    pub order: OrderSummary,
    pub provider_trade_no: Option<String>,
    /// False once the account that made it was erased.
    pub has_account: bool,
    /// What may still be given back.
    pub refundable_fen: i64,
    pub refunds: Vec<RefundSummary>,
}

/// One refund as the order's owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundSummary {
    pub refund_no: String,
    pub amount_fen: i64,
    pub status: RefundStatus,
    pub created: String,
}

/// The checkout form: what to buy, and with whom to pay.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutForm {
    /// A [`Product`]'s word.
    pub product: String,
    /// A [`Provider`]'s word.
    pub provider: String,
}

/// "¥12.00": an amount in fen, as the pages and emails show it.
pub fn money(amount_fen: i64, currency: &str) -> String {
    let sign = if amount_fen < 0 { "-" } else { "" };
    let fen = amount_fen.unsigned_abs();
    let symbol = if currency == "CNY" { "¥" } else { currency };
    format!("{sign}{symbol}{}.{:02}", fen / 100, fen % 100)
}

/// Both plans and their prices (anyone may look).
#[server(prefix = "/api", endpoint = "billing/plans")]
pub async fn plans() -> Result<PlansView, AppError> {
    Ok(ssr::service()?.plans_view())
}

/// The caller's plan, usage and orders.
#[server(prefix = "/api", endpoint = "billing/mine")]
pub async fn my_plan() -> Result<AccountPlan, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::my_plan(&db, user).await
}

/// Starts buying Plus: makes an order and goes to its page, where a link leads on to the
/// provider. (A form post cannot lead to another site under Ripen's CSP, `form-action
/// 'self'`; the link can.)
#[server(prefix = "/api", endpoint = "billing/checkout")]
pub async fn checkout(#[server(flatten)] form: CheckoutForm) -> Result<String, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let id = ssr::create_order(&db, user, &form).await?;
    leptos_axum::redirect(&format!("/plus/orders/{id}"));
    Ok(id.to_string())
}

/// One of the caller's orders (another account's is "not found").
#[server(prefix = "/api", endpoint = "billing/order")]
pub async fn order(id: String) -> Result<OrderView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::order_view(&db, user, crate::request::parse_id(&id)?).await
}

/// The caller asks for the unused part of their order back (within the refund window).
#[server(prefix = "/api", endpoint = "billing/refund")]
pub async fn ask_refund(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let billing = ssr::service()?;
    ssr::refunds::customer_refund(&db, &billing, user, crate::request::parse_id(&id)?).await
}

/// An order by its number (administrators).
#[server(prefix = "/api", endpoint = "staff/payments/order")]
pub async fn staff_order(order_no: String) -> Result<OrderForStaff, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::orders::staff_view(&db, user, &order_no).await
}

/// Gives back `amount` yuan (`12.00`) of an order (administrators); logged.
#[server(prefix = "/api", endpoint = "staff/payments/refund")]
pub async fn staff_refund(order_no: String, amount: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let billing = ssr::service()?;
    let fen = ssr::protocol::alipay::yuan_to_fen(amount.trim())
        .ok()
        .filter(|f| *f > 0)
        .ok_or_else(|| AppError::validation("amount", crate::i18n::t().billing.amount_format))?;
    ssr::refunds::staff_refund(&db, &billing, user, &order_no, fen).await
}

/// The sandbox's checkout page: the caller's open order, as the sandbox shows it.
#[server(prefix = "/api", endpoint = "billing/sandbox/order")]
pub async fn sandbox_order(id: String) -> Result<OrderSummary, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::sandbox::order(&db, user, crate::request::parse_id(&id)?).await
}

/// The sandbox pays (`pay`) or fails the caller's order: it signs the outcome as a
/// provider would and hands it to the same notification path a provider's reaches.
#[server(prefix = "/api", endpoint = "billing/sandbox/finish")]
pub async fn sandbox_finish(id: String, pay: bool) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let id = crate::request::parse_id(&id)?;
    ssr::sandbox::finish(&db, user, id, pay).await?;
    leptos_axum::redirect(&format!("/plus/orders/{id}"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_in_yuan_with_two_decimals() {
        assert_eq!(money(1200, "CNY"), "¥12.00");
        assert_eq!(money(5, "CNY"), "¥0.05");
        assert_eq!(money(-150, "CNY"), "-¥1.50");
        assert_eq!(money(9800, "USD"), "USD98.00");
    }

    #[test]
    fn words_name_products_and_providers() {
        for p in Product::ALL {
            assert_eq!(Product::parse(p.as_str()), Some(p));
        }
        for p in Provider::ALL {
            assert_eq!(Provider::parse(p.as_str()), Some(p));
        }
        assert_eq!(Provider::parse("paypal"), None);
    }
}
