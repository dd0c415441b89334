//! Attempt throttling for the authentication endpoints and the wall's actions: fixed
//! windows counted in memory,
//! keyed by what the attacker varies (the typed account name, the client address).
//!
//! In memory means per server process: with several instances behind a load balancer each
//! counts on its own, so the effective limit is the per-instance limit times the instance
//! count (documented in docs/operations.md).

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};

use crate::AppError;

/// At most `max` events per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub max: u32,
    pub window_secs: u64,
}

impl Limit {
    pub const fn new(max: u32, window_secs: u64) -> Self {
        Self { max, window_secs }
    }
}

/// The limits Ripen applies; each can be changed in the configuration (`[limits]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthLimits {
    /// Failed logins per account name (whatever address they come from).
    pub login_failures_per_account: Limit,
    /// Failed logins per client address (whatever account they aim at).
    pub login_failures_per_client: Limit,
    /// Sign-ups per client address.
    pub signups_per_client: Limit,
    /// Password-reset requests per client address.
    pub reset_requests_per_client: Limit,
    /// Password-reset requests per email address.
    pub reset_requests_per_email: Limit,
    /// Verification emails re-sent per account.
    pub verification_resends_per_account: Limit,
    /// Letters made public (on scheduling or afterwards) per account.
    pub publishes_per_account: Limit,
    /// Likes and un-likes on the wall per account.
    pub likes_per_account: Limit,
    /// Reports of wall letters per account.
    pub reports_per_account: Limit,
    /// Privacy choices recorded (rows of `consent_record`) per client address, or per
    /// account when signed in.
    pub consent_records_per_client: Limit,
}

impl Default for AuthLimits {
    fn default() -> Self {
        Self {
            login_failures_per_account: Limit::new(10, 15 * 60),
            login_failures_per_client: Limit::new(30, 15 * 60),
            signups_per_client: Limit::new(10, 60 * 60),
            reset_requests_per_client: Limit::new(10, 60 * 60),
            reset_requests_per_email: Limit::new(3, 60 * 60),
            verification_resends_per_account: Limit::new(5, 60 * 60),
            publishes_per_account: Limit::new(10, 24 * 60 * 60),
            likes_per_account: Limit::new(60, 60 * 60),
            reports_per_account: Limit::new(10, 60 * 60),
            consent_records_per_client: Limit::new(300, 60 * 60),
        }
    }
}

/// What a key counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    LoginAccount,
    LoginClient,
    Signup,
    ResetClient,
    ResetEmail,
    Resend,
    Publish,
    Like,
    Report,
    Consent,
}

struct Window {
    started: Instant,
    count: u32,
}

#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<(Scope, String), Window>>,
}

/// Beyond this many tracked keys, expired windows are swept on the next write.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    /// `Err(RateLimited)` if the key has used up its window.
    pub fn check(&self, scope: Scope, key: &str, limit: Limit) -> Result<(), AppError> {
        let now = Instant::now();
        let window = Duration::from_secs(limit.window_secs);
        let map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(&(scope, key.to_owned())) {
            Some(w) if now.duration_since(w.started) < window && w.count >= limit.max => {
                let left = window.saturating_sub(now.duration_since(w.started));
                Err(AppError::RateLimited {
                    retry_after_secs: left.as_secs().max(1),
                })
            }
            _ => Ok(()),
        }
    }

    /// Counts one event for the key.
    pub fn hit(&self, scope: Scope, key: &str, limit: Limit) {
        let now = Instant::now();
        let window = Duration::from_secs(limit.window_secs);
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= SWEEP_AT {
            map.retain(|_, w| now.duration_since(w.started) < window);
        }
        let w = map.entry((scope, key.to_owned())).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(w.started) >= window {
            *w = Window {
                started: now,
                count: 0,
            };
        }
        w.count = w.count.saturating_add(1);
    }

    /// Checks, then counts: for actions limited on every attempt (sign-up, reset requests).
    pub fn take(&self, scope: Scope, key: &str, limit: Limit) -> Result<(), AppError> {
        self.check(scope, key, limit)?;
        self.hit(scope, key, limit);
        Ok(())
    }

    /// Forgets the key (a successful login clears the account's failures).
    pub fn clear(&self, scope: Scope, key: &str) {
        let mut map = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        map.remove(&(scope, key.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_after_the_limit_is_refused_with_the_time_left() {
        let l = RateLimiter::default();
        let limit = Limit::new(3, 60);
        for _ in 0..3 {
            l.take(Scope::Signup, "1.2.3.4", limit).unwrap();
        }
        match l.take(Scope::Signup, "1.2.3.4", limit) {
            Err(AppError::RateLimited { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs));
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        // Other keys and scopes are unaffected.
        l.take(Scope::Signup, "5.6.7.8", limit).unwrap();
        l.take(Scope::ResetClient, "1.2.3.4", limit).unwrap();
    }

    #[test]
    fn a_window_that_has_passed_starts_again() {
        let l = RateLimiter::default();
        let limit = Limit::new(1, 0);
        l.take(Scope::Signup, "k", limit).unwrap();
        l.take(Scope::Signup, "k", limit).unwrap();
    }

    #[test]
    fn clearing_forgets_failures() {
        let l = RateLimiter::default();
        let limit = Limit::new(1, 60);
        l.hit(Scope::LoginAccount, "ada", limit);
        assert!(l.check(Scope::LoginAccount, "ada", limit).is_err());
        l.clear(Scope::LoginAccount, "ada");
        assert!(l.check(Scope::LoginAccount, "ada", limit).is_ok());
    }
}
