//! Attempt throttling for the authentication endpoints and the wall's actions: fixed
//! windows counted in memory, keyed by what the attacker varies (the typed account name,
//! the client's network).
//!
//! - An attempt is counted when it starts ([`RateLimiter::reserve`]), before the work it
//!   guards (a password hash), so attempts sent together cannot all pass on the same count;
//!   a reservation is given back only when the attempt turned out not to count (a correct
//!   password, a server too busy to check it).
//! - Each key keeps its own window length, so sweeping expired keys never shortens an
//!   hour- or day-long window to the caller's.
//! - Keys are fixed-size digests ([`Key`]): what a client sends is never stored, however
//!   long. A client address counts by network: an IPv4 address, or an IPv6 /64 (one
//!   household or server usually gets a whole /64, so keying by address would let it
//!   change address at every attempt).
//! - The map is split into shards, each behind its own lock, and a shard sweeps only
//!   itself, only once it has doubled since its last sweep: no request ever scans the
//!   whole map, and sweeping costs a constant per insert on average.
//!
//! In memory means per server process: with several instances behind a load balancer each
//! counts on its own, so the effective limit is the per-instance limit times the instance
//! count (documented in docs/operations.md).

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

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
    /// Wrong second-step codes (authenticator or recovery) per account.
    pub two_step_failures_per_account: Limit,
    /// Passkey ceremonies (adding one, or signing in with one) started per client address.
    pub passkey_ceremonies_per_client: Limit,
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
            two_step_failures_per_account: Limit::new(5, 15 * 60),
            passkey_ceremonies_per_client: Limit::new(60, 15 * 60),
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
    TwoStep,
    PasskeyCeremony,
}

/// Who or what a window counts: 128 bits of a SHA-256 of the kind and the value, so the
/// map holds 16 bytes a key whatever the client sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 16]);

impl Key {
    fn of(kind: &str, value: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(kind.as_bytes());
        h.update([0]);
        h.update(value);
        let digest = h.finalize();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        Self(key)
    }

    /// A client's network: its IPv4 address, or the /64 of its IPv6 address (an
    /// IPv4-mapped IPv6 address counts as the IPv4 one). Requests whose address the
    /// server could not tell share one key.
    pub fn client(ip: Option<IpAddr>) -> Self {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Self::of("ipv4", &v4.octets()),
            Some(IpAddr::V6(v6)) => Self::of("ipv6/64", &v6.octets()[..8]),
            None => Self::of("ip", b"unknown"),
        }
    }

    /// A name typed into a form (an account name or an email address), compared in lower
    /// case. Callers bound its length first (`LoginName`, `Email`).
    pub fn name(name: &str) -> Self {
        Self::of("name", name.trim().to_lowercase().as_bytes())
    }

    /// A signed-in account.
    pub fn user(id: Uuid) -> Self {
        Self::of("user", id.as_bytes())
    }
}

#[derive(Debug)]
struct Window {
    started: Instant,
    /// This key's own window length (the limit it was counted under).
    length: Duration,
    count: u32,
}

impl Window {
    fn expired(&self, now: Instant) -> bool {
        now.duration_since(self.started) >= self.length
    }
}

struct Shard {
    windows: HashMap<(Scope, Key), Window>,
    /// The size at which this shard next sweeps its expired windows.
    sweep_at: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Self {
            windows: HashMap::new(),
            sweep_at: SWEEP_AT_PER_SHARD,
        }
    }
}

/// Number of independently locked parts of the map.
const SHARDS: usize = 32;
/// 10,000 tracked keys in all before the first sweep.
const SWEEP_AT_PER_SHARD: usize = 10_000 / SHARDS;

pub struct RateLimiter {
    shards: Vec<Mutex<Shard>>,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }
}

/// One counted attempt: kept when dropped, given back by [`Reservation::refund`].
#[must_use = "a reservation is kept when dropped; refund it if the attempt did not count"]
pub struct Reservation<'a> {
    limiter: &'a RateLimiter,
    scope: Scope,
    key: Key,
    started: Instant,
}

impl Reservation<'_> {
    /// Takes the attempt back (it did not count: a correct password, a server too busy
    /// to check one). A window that has started again since is left alone.
    pub fn refund(self) {
        let mut shard = self.limiter.shard(&self.key);
        if let Some(w) = shard.windows.get_mut(&(self.scope, self.key))
            && w.started == self.started
        {
            w.count = w.count.saturating_sub(1);
            if w.count == 0 {
                shard.windows.remove(&(self.scope, self.key));
            }
        }
    }
}

impl RateLimiter {
    fn shard(&self, key: &Key) -> std::sync::MutexGuard<'_, Shard> {
        self.shards[usize::from(key.0[0]) % SHARDS]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn refused(w: &Window, now: Instant) -> AppError {
        let left = w.length.saturating_sub(now.duration_since(w.started));
        AppError::RateLimited {
            retry_after_secs: left.as_secs().max(1),
        }
    }

    /// `Err(RateLimited)` if the key has used up its window.
    pub fn check(&self, scope: Scope, key: &Key, limit: Limit) -> Result<(), AppError> {
        let now = Instant::now();
        let shard = self.shard(key);
        match shard.windows.get(&(scope, *key)) {
            Some(w) if !w.expired(now) && w.count >= limit.max => Err(Self::refused(w, now)),
            _ => Ok(()),
        }
    }

    /// Counts one attempt for the key if its window has room, in one step (no attempt
    /// sent at the same time can pass on the same count), or refuses it.
    pub fn reserve(
        &self,
        scope: Scope,
        key: &Key,
        limit: Limit,
    ) -> Result<Reservation<'_>, AppError> {
        let now = Instant::now();
        let length = Duration::from_secs(limit.window_secs);
        let mut shard = self.shard(key);
        if !shard.windows.contains_key(&(scope, *key)) && shard.windows.len() >= shard.sweep_at {
            shard.sweep(now);
        }
        let w = shard.windows.entry((scope, *key)).or_insert(Window {
            started: now,
            length,
            count: 0,
        });
        if w.expired(now) {
            *w = Window {
                started: now,
                length,
                count: 0,
            };
        }
        if w.count >= limit.max {
            return Err(Self::refused(w, now));
        }
        w.count = w.count.saturating_add(1);
        Ok(Reservation {
            limiter: self,
            scope,
            key: *key,
            started: w.started,
        })
    }

    /// Counts one attempt, or refuses it: for actions limited on every attempt (sign-up,
    /// reset requests, likes).
    pub fn take(&self, scope: Scope, key: &Key, limit: Limit) -> Result<(), AppError> {
        self.reserve(scope, key, limit).map(drop)
    }

    /// Forgets the key (a successful login clears the account's failures).
    pub fn clear(&self, scope: Scope, key: &Key) {
        self.shard(key).windows.remove(&(scope, *key));
    }

    /// Keys tracked now, in all shards (tests and metrics).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(|p| p.into_inner()).windows.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Shard {
    /// Drops the windows that have ended, each by its own length, and sets the next
    /// sweep at twice what is left (so a shard full of live keys is not rescanned on
    /// every insert).
    fn sweep(&mut self, now: Instant) {
        self.windows.retain(|_, w| !w.expired(now));
        self.sweep_at = (self.windows.len() * 2).max(SWEEP_AT_PER_SHARD);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Key {
        Key::client(Some(s.parse().unwrap()))
    }

    #[test]
    fn the_event_after_the_limit_is_refused_with_the_time_left() {
        let l = RateLimiter::default();
        let limit = Limit::new(3, 60);
        for _ in 0..3 {
            l.take(Scope::Signup, &ip("1.2.3.4"), limit).unwrap();
        }
        match l.take(Scope::Signup, &ip("1.2.3.4"), limit) {
            Err(AppError::RateLimited { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs));
            }
            other => panic!("expected a 429, got {other:?}"),
        }
        // Other keys and scopes are unaffected.
        l.take(Scope::Signup, &ip("5.6.7.8"), limit).unwrap();
        l.take(Scope::ResetClient, &ip("1.2.3.4"), limit).unwrap();
    }

    #[test]
    fn a_window_that_has_passed_starts_again() {
        let l = RateLimiter::default();
        let limit = Limit::new(1, 0);
        l.take(Scope::Signup, &Key::name("k"), limit).unwrap();
        l.take(Scope::Signup, &Key::name("k"), limit).unwrap();
    }

    #[test]
    fn clearing_forgets_failures() {
        let l = RateLimiter::default();
        let limit = Limit::new(1, 60);
        let ada = Key::name("ada");
        l.take(Scope::LoginAccount, &ada, limit).unwrap();
        assert!(l.check(Scope::LoginAccount, &ada, limit).is_err());
        l.clear(Scope::LoginAccount, &ada);
        assert!(l.check(Scope::LoginAccount, &ada, limit).is_ok());
    }

    #[test]
    fn reservations_count_at_once_and_a_refund_gives_one_back() {
        let l = RateLimiter::default();
        let limit = Limit::new(2, 60);
        let ada = Key::name("ada");
        let first = l.reserve(Scope::LoginAccount, &ada, limit).unwrap();
        let second = l.reserve(Scope::LoginAccount, &ada, limit).unwrap();
        // Both still in flight: a third is refused before any work is done.
        assert!(l.reserve(Scope::LoginAccount, &ada, limit).is_err());
        first.refund();
        let third = l.reserve(Scope::LoginAccount, &ada, limit).unwrap();
        drop(second); // kept: it counted
        drop(third);
        assert!(l.check(Scope::LoginAccount, &ada, limit).is_err());
    }

    #[test]
    fn a_refund_after_the_window_started_again_changes_nothing() {
        let l = RateLimiter::default();
        let ada = Key::name("ada");
        let old = l
            .reserve(Scope::LoginAccount, &ada, Limit::new(1, 0))
            .unwrap();
        // The zero-length window has passed: this starts a new one.
        let _new = l
            .reserve(Scope::LoginAccount, &ada, Limit::new(1, 60))
            .unwrap();
        old.refund();
        assert!(
            l.check(Scope::LoginAccount, &ada, Limit::new(1, 60))
                .is_err()
        );
    }

    #[test]
    fn each_key_keeps_its_own_window_through_a_sweep() {
        let l = RateLimiter::default();
        let day = Limit::new(1, 24 * 60 * 60);
        let hour = Limit::new(1, 60 * 60);
        l.take(Scope::Publish, &Key::name("day"), day).unwrap();
        l.take(Scope::Like, &Key::name("hour"), hour).unwrap();
        // 20,000 keys counted under windows that have already ended: every shard fills
        // past its sweep size, more than once, with short-window callers.
        let gone = Limit::new(5, 0);
        for i in 0..20_000u32 {
            l.take(Scope::Signup, &Key::name(&format!("k{i}")), gone)
                .unwrap();
        }
        assert!(l.len() < 20_000, "sweeps ran: {} keys left", l.len());
        assert!(
            l.check(Scope::Publish, &Key::name("day"), day).is_err(),
            "the day-long window survived the sweeps"
        );
        assert!(
            l.check(Scope::Like, &Key::name("hour"), hour).is_err(),
            "the hour-long window survived the sweeps"
        );
    }

    #[test]
    fn a_shard_full_of_live_keys_is_not_rescanned_on_every_insert() {
        let l = RateLimiter::default();
        let live = Limit::new(5, 3600);
        for i in 0..50_000u32 {
            l.take(Scope::Signup, &Key::name(&format!("k{i}")), live)
                .unwrap();
        }
        assert_eq!(l.len(), 50_000, "live keys are kept");
        for shard in &l.shards {
            let shard = shard.lock().unwrap();
            assert!(
                shard.sweep_at > shard.windows.len(),
                "the next sweep waits for growth"
            );
        }
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_ipv4_by_address() {
        assert_eq!(
            ip("2001:db8:1:2::1"),
            ip("2001:db8:1:2:ffff:ffff:ffff:ffff")
        );
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1"));
        assert_ne!(ip("203.0.113.1"), ip("203.0.113.2"));
        assert_eq!(ip("::ffff:203.0.113.1"), ip("203.0.113.1"));
        assert_eq!(Key::client(None), Key::client(None));
        // A client that changes address within its /64 is still refused.
        let l = RateLimiter::default();
        let limit = Limit::new(3, 60);
        for i in 1..=3 {
            l.take(
                Scope::LoginClient,
                &ip(&format!("2001:db8:0:7::{i}")),
                limit,
            )
            .unwrap();
        }
        assert!(
            l.take(Scope::LoginClient, &ip("2001:db8:0:7:abcd::9"), limit)
                .is_err()
        );
    }

    #[test]
    fn keys_are_sixteen_bytes_however_long_the_name() {
        let long = "a".repeat(2 * 1024 * 1024);
        let key = Key::name(&long);
        assert_eq!(std::mem::size_of_val(&key), 16);
        assert_ne!(key, Key::name(&long[1..]));
        assert_eq!(
            Key::name("Ada "),
            Key::name("ada"),
            "compared in lower case"
        );
        assert_ne!(
            Key::name("00000000-0000-0000-0000-000000000000"),
            Key::user(Uuid::nil()),
            "kinds never share a key"
        );
    }
}
