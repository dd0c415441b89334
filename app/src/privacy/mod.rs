//! Privacy: the signed-in devices of an account, and closing (deleting) the account.
//!
//! The rules live in [`ssr`]; the server functions here only check the request shape.
//! - **Devices**: every session is a row (see `account::ssr::session`); its owner sees a
//!   summary of the browser, when it signed in, when it was last used and from which
//!   address, and can end any of them or all at once.
//! - **Closing the account**: the password is asked again; every session ends at once,
//!   undelivered letters are cancelled and the account disappears from every page. For
//!   [`DELETION_GRACE_DAYS`] a login restores it; after that the retention job
//!   ([`ssr::purge`]) erases the account and every personal row and file. Letters the
//!   author shared on the wall stay there, signed with their pen name, linked to nobody.

#[cfg(feature = "ssr")]
pub mod breach;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod notices;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

pub use crate::policy::{POLICY_DATE, POLICY_VERSION};

/// Days between closing an account and erasing it, during which a login restores it.
pub const DELETION_GRACE_DAYS: i64 = 30;

crate::stored::stored_enum! {
    /// Where a data export is. `Building`, `Ready` and `Failed` are stored; `Expired` is
    /// how the owner sees a ready archive whose download time is over.
    pub enum ExportState {
        Building = "building",
        Ready = "ready",
        Failed = "failed",
        Expired = "expired",
    }
}

/// A data export ("Export my data"), as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportView {
    pub id: String,
    pub status: ExportState,
    /// 0..=100 while building.
    pub progress: u8,
    /// What is being gathered, in words ("Diary", "Pictures (3 of 12)").
    pub step: String,
    /// The archive's size once ready.
    pub bytes: Option<u64>,
    /// In the owner's time zone.
    pub requested: String,
    /// When the download link ends, in the owner's time zone.
    pub expires: Option<String>,
    /// The owner-only download address, while it works.
    pub download: Option<String>,
}

/// Starts building a ZIP of everything the account holds (or answers the build under way).
#[server(prefix = "/api", endpoint = "privacy/export")]
pub async fn request_export() -> Result<ExportView, AppError> {
    export::request().await
}

/// The latest export of the signed-in user, with its progress.
#[server(prefix = "/api", endpoint = "privacy/export/status")]
pub async fn export_status() -> Result<Option<ExportView>, AppError> {
    export::status().await
}

/// One signed-in browser, as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceView {
    /// Opaque handle for ending the session (the SHA-256 of its cookie, never the cookie).
    pub id: String,
    /// E.g. "Firefox on Linux".
    pub summary: String,
    /// The address it was last used from.
    pub ip: Option<String>,
    /// In the owner's time zone, e.g. "24 Nov 2026, 09:14".
    pub signed_in: String,
    pub last_used: String,
    /// The browser making this request.
    pub current: bool,
}

/// The account's signed-in devices, this one first, then the most recently used.
#[server(prefix = "/api", endpoint = "privacy/devices")]
pub async fn list_devices() -> Result<Vec<DeviceView>, AppError> {
    ssr::devices().await
}

/// Ends one session of the account (this one included: then this browser is signed out).
#[server(prefix = "/api", endpoint = "privacy/devices/end")]
pub async fn end_device(id: String) -> Result<(), AppError> {
    ssr::end_device(&id).await
}

/// Ends every session of the account, this one included.
#[server(prefix = "/api", endpoint = "privacy/devices/end-all")]
pub async fn end_all_devices() -> Result<(), AppError> {
    ssr::end_all_devices().await
}

/// Closes again, in one step, the account that signing in just reopened.
#[server(prefix = "/api", endpoint = "privacy/close-again")]
pub async fn close_account_again() -> Result<(), AppError> {
    ssr::close_again().await?;
    leptos_axum::redirect("/login?closed=1");
    Ok(())
}

/// Closes the account (see the module docs). `confirm` must be the account's username.
#[server(prefix = "/api", endpoint = "privacy/close-account")]
pub async fn close_account(current_password: String, confirm: String) -> Result<(), AppError> {
    ssr::close_account(current_password, &confirm).await
}

/// A short, human description of a browser from its `User-Agent`, e.g. "Chrome on Android".
/// Only the family names are kept: no versions, no device models.
pub fn device_summary(user_agent: Option<&str>) -> String {
    device_summary_in(crate::i18n::Lang::En, user_agent)
}

/// [`device_summary`] in `lang` (the browser and system names stay as they are).
pub fn device_summary_in(lang: crate::i18n::Lang, user_agent: Option<&str>) -> String {
    let t = &lang.texts().account;
    let Some(ua) = user_agent.filter(|u| !u.trim().is_empty()) else {
        return t.device_unknown.to_owned();
    };
    let browser = crate::account::agent::browser_family(ua).unwrap_or(t.device_a_browser);
    let os = crate::account::agent::system(ua);
    match os {
        Some(os) => crate::i18n::fill(t.device_on, &[("browser", &browser), ("os", &os)]),
        None => browser.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_summarised_by_family_and_system_only() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            ("curl/8.5.0", "curl"),
        ];
        for (ua, want) in cases {
            assert_eq!(device_summary(Some(ua)), want, "{ua}");
        }
        assert_eq!(device_summary(None), "Unknown browser");
        assert_eq!(device_summary(Some("  ")), "Unknown browser");
        // No version numbers or device models leak into the summary.
        let pixel = device_summary(Some(cases[3].0));
        assert!(!pixel.contains("Pixel") && !pixel.contains("131"));
    }
}
