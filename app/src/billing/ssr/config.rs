//! `[billing]` in `ripen.toml`: prices, what each plan allows, and the payment providers.

use serde::Deserialize;

use crate::billing::Limits;

/// Settings of Ripen Plus.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BillingConfig {
    /// A month of Plus, in fen (¥12.00).
    pub price_month_fen: i64,
    /// A year of Plus, in fen (¥98.00).
    pub price_year_fen: i64,
    /// The currency of the prices (the providers take CNY).
    pub currency: String,
    /// What the Free plan allows (`[billing.free]`).
    pub free: Limits,
    /// What Plus allows (`[billing.plus]`).
    pub plus: Limits,
    /// Days Plus's limits still hold after its last period ends.
    pub grace_days: i64,
    /// Minutes an order may wait to be paid before it is closed.
    pub order_minutes: i64,
    /// An order sent to its provider is asked about after this many seconds without news.
    pub query_after_secs: i64,
    /// Seconds between the reconciler's passes.
    pub reconcile_secs: u64,
    /// Days after paying within which the account holder may ask for the unused part of a
    /// period back.
    pub refund_days: i64,
    /// The built-in sandbox provider: unset, it runs when no real provider is configured
    /// and the site is not served over https; `true` runs it anyway, `false` never.
    pub sandbox: Option<bool>,
    /// Alipay (`[billing.alipay]`); unset: not offered.
    pub alipay: Option<super::alipay::AlipayConfig>,
    /// WeChat Pay (`[billing.wechat]`); unset: not offered.
    pub wechat: Option<super::wechat::WechatConfig>,
}

impl Default for BillingConfig {
    fn default() -> Self {
        Self {
            price_month_fen: 1200,
            price_year_fen: 9800,
            currency: "CNY".to_owned(),
            free: Limits::FREE,
            plus: Limits::PLUS,
            grace_days: 7,
            order_minutes: 30,
            refund_days: 14,
            query_after_secs: 180,
            reconcile_secs: 60,
            sandbox: None,
            alipay: None,
            wechat: None,
        }
    }
}

impl BillingConfig {
    /// Refuses settings that make no sense, naming the setting.
    pub fn check(&self) -> Result<(), String> {
        if self.price_month_fen <= 0 || self.price_year_fen <= 0 {
            return Err("[billing] prices must be more than 0 fen".into());
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err("[billing] currency must be a three-letter code such as CNY".into());
        }
        if !(0..=90).contains(&self.grace_days) {
            return Err("[billing] grace_days must be between 0 and 90".into());
        }
        if !(5..=24 * 60).contains(&self.order_minutes) {
            return Err("[billing] order_minutes must be between 5 and 1440".into());
        }
        if !(10..=3600).contains(&self.query_after_secs) {
            return Err("[billing] query_after_secs must be between 10 and 3600".into());
        }
        if !(0..=365).contains(&self.refund_days) {
            return Err("[billing] refund_days must be between 0 and 365".into());
        }
        Ok(())
    }

    /// Whether the sandbox provider runs: as configured, or else where no real provider
    /// is set up and the site is not served over https.
    pub fn sandbox_enabled(&self, https: bool) -> bool {
        self.sandbox
            .unwrap_or(!https && self.alipay.is_none() && self.wechat.is_none())
    }

    /// The grace period, in milliseconds.
    pub fn grace_ms(&self) -> i64 {
        self.grace_days * 86_400_000
    }
}
