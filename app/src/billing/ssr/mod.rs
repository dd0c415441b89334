//! Billing on the server, one file per job: `config` (`[billing]`), `providers` (the
//! [`PaymentProvider`] trait and what a verified notification says), `protocol` (the
//! signatures and encodings of Alipay and WeChat Pay, pinned by published vectors),
//! `sandbox` (the built-in provider), `orders` (making and showing orders), `notify`
//! (taking in a provider's notification: verify, check, apply once), `limits` (the one
//! check every limit asks) and `retention` (how long order records are kept).

pub mod alipay;
pub mod config;
pub mod emails;
pub mod limits;
pub mod notify;
pub mod orders;
pub mod protocol;
pub mod providers;
pub mod reconcile;
pub mod refunds;
pub mod retention;
pub mod sandbox;
pub mod wechat;

pub use config::BillingConfig;
pub use limits::{limits, limits_of, my_plan, plan_state};
pub use orders::{create_order, order_view};
pub use providers::{
    PayAction, PayContext, PaymentProvider, ProviderEvent, RefundOutcome, Refusal,
};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{PlansView, Prices, Provider};
use crate::{
    AppError,
    account::ssr::entities::user_account,
    i18n::{DateStyle, date},
};

/// The billing service: the configuration and the providers one can pay with.
pub struct Billing {
    pub config: BillingConfig,
    /// The site's address (`https://ripen.example`), for the providers' notify and return
    /// addresses.
    pub site_url: String,
    providers: Vec<Arc<dyn PaymentProvider>>,
    /// The sandbox, where it runs (it signs the outcomes its checkout page decides).
    sandbox: Option<Arc<sandbox::Sandbox>>,
    /// Sends receipts, refund notes and reminders (`emails`); none: no emails.
    pub mailer: Option<crate::mail::Mailer>,
}

impl std::fmt::Debug for Billing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Billing")
            .field(
                "providers",
                &self.providers.iter().map(|p| p.kind()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Billing {
    /// The service with the providers `config` sets up, for the site at `site_url`. `keys`
    /// derives the sandbox's signing key; on an https site the sandbox runs only when
    /// `[billing] sandbox = true` says so.
    pub fn new(
        config: BillingConfig,
        keys: &crate::seal::Keyring,
        site_url: &str,
    ) -> Result<Self, String> {
        config.check()?;
        let https = site_url.starts_with("https://");
        let mut providers: Vec<Arc<dyn PaymentProvider>> = Vec::new();
        let mut sandbox = None;
        let http = http_client().map_err(|e| format!("the payment providers' HTTP client: {e}"))?;
        if let Some(c) = &config.wechat {
            providers.push(Arc::new(wechat::WechatPay::new(c, http.clone())?));
        }
        if let Some(c) = &config.alipay {
            providers.push(Arc::new(alipay::Alipay::new(c, http.clone())?));
        }
        if config.sandbox_enabled(https) {
            let s = Arc::new(sandbox::Sandbox::new(keys).map_err(|e| e.to_string())?);
            providers.push(s.clone());
            sandbox = Some(s);
        }
        Ok(Self {
            config,
            site_url: site_url.trim_end_matches('/').to_owned(),
            providers,
            sandbox,
            mailer: None,
        })
    }

    /// A service with `providers` instead of those the configuration names (tests).
    pub fn with_providers(
        config: BillingConfig,
        site_url: &str,
        providers: Vec<Arc<dyn PaymentProvider>>,
    ) -> Self {
        Self {
            config,
            site_url: site_url.to_owned(),
            providers,
            sandbox: None,
            mailer: None,
        }
    }

    /// The same service, emailing through `mailer`.
    pub fn with_mailer(mut self, mailer: crate::mail::Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The sandbox, where it runs.
    pub fn sandbox(&self) -> Option<&Arc<sandbox::Sandbox>> {
        self.sandbox.as_ref()
    }

    /// The provider `kind`, if one can pay with it here.
    pub fn provider(&self, kind: Provider) -> Option<&Arc<dyn PaymentProvider>> {
        self.providers.iter().find(|p| p.kind() == kind)
    }

    /// The pricing page's facts.
    pub fn plans_view(&self) -> PlansView {
        // Real providers first: the sandbox is offered last, where it is offered at all.
        let mut providers: Vec<Provider> = self.providers.iter().map(|p| p.kind()).collect();
        providers.sort_by_key(|p| *p == Provider::Sandbox);
        PlansView {
            free: self.config.free,
            plus: self.config.plus,
            prices: Prices {
                month_fen: self.config.price_month_fen,
                year_fen: self.config.price_year_fen,
            },
            providers,
        }
    }
}

/// The HTTP client for provider calls: no redirects, no cookies, short timeouts (the
/// reconciler asks again on its next pass).
fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(10))
        .build()
}

/// The billing service of this request.
pub fn service() -> Result<Arc<Billing>, AppError> {
    crate::request::service::<Arc<Billing>>()
}

/// The account's time zone (UTC if unknown).
async fn zone_of(db: &impl ConnectionTrait, user: Uuid) -> Result<Tz, AppError> {
    use sea_orm::EntityTrait;
    let account = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    Ok(account.timezone.parse().unwrap_or(Tz::UTC))
}

/// The day of `ms` in `tz`, in the current language.
fn day(ms: i64, tz: Tz) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|t| date(&t.with_timezone(&tz).date_naive(), DateStyle::Long))
        .unwrap_or_default()
}

/// A random order or refund number: `prefix` and 20 characters of Crockford base 32
/// (100 bits): unique, unguessable, and inside both providers' alphabets and lengths
/// (WeChat Pay: 6–32 of `[0-9A-Za-z_-|*]`; Alipay: up to 64).
fn number(prefix: &str) -> Result<String, AppError> {
    use ring::rand::{SecureRandom, SystemRandom};
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 20];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| AppError::internal_while("making an order number", "no randomness"))?;
    let mut out = String::with_capacity(prefix.len() + 20);
    out.push_str(prefix);
    out.extend(
        bytes
            .iter()
            .map(|b| char::from(ALPHABET[usize::from(b & 31)])),
    );
    Ok(out)
}
