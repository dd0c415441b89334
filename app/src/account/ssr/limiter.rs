//! Attempt throttling for the authentication endpoints and the wall's actions: fixed
//! windows kept in the database (table `attempt_window`), keyed by what the attacker
//! varies (the typed account name, the client's network). Every instance on one database
//! counts against the same windows, and a restart forgets none of them.
//!
//! - An attempt is counted when it starts ([`RateLimiter::reserve`]), before the work it
//!   guards (a password hash), so attempts sent together cannot all pass on the same count:
//!   counting is one atomic upsert that adds the attempt only while the window has room.
//!   A reservation is given back only when the attempt turned out not to count (a correct
//!   password, a server too busy to check it).
//! - A window starts at the first attempt and lasts its limit's length; each key keeps its
//!   own length. Rows whose window has ended are swept by the retention job ([`sweep`]).
//! - Keys are fixed-size digests ([`Key`]): what a client sends is never stored, however
//!   long. A client address counts by network: an IPv4 address, or an IPv6 /64 (one
//!   household or server usually gets a whole /64, so keying by address would let it
//!   change address at every attempt).
//! - If the database cannot count an attempt, the attempt fails (a server error), never let
//!   through uncounted.

use std::{fmt::Write as _, net::IpAddr};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
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

impl Scope {
    /// The scope's name in stored bucket names (never changed once used: a renamed scope
    /// would start its windows over).
    const fn as_str(self) -> &'static str {
        match self {
            Self::LoginAccount => "login_account",
            Self::LoginClient => "login_client",
            Self::Signup => "signup",
            Self::ResetClient => "reset_client",
            Self::ResetEmail => "reset_email",
            Self::Resend => "resend",
            Self::Publish => "publish",
            Self::Like => "like",
            Self::Report => "report",
            Self::Consent => "consent",
            Self::TwoStep => "two_step",
            Self::PasskeyCeremony => "passkey_ceremony",
        }
    }
}

/// The stored name of one key's window under one scope: `scope:hex digest`.
fn bucket(scope: Scope, key: &Key) -> String {
    let mut name = String::with_capacity(16 + 33);
    name.push_str(scope.as_str());
    name.push(':');
    for b in key.0 {
        let _ = write!(name, "{b:02x}");
    }
    name
}

/// A statement written with `$1`-style parameters, for either engine (SQLite numbers
/// them `?1`).
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Counts one attempt if the window has room, starting a new window if the old one has
/// ended; answers the counted window's start, or no row when the window is full.
const RESERVE: &str = "INSERT INTO attempt_window (bucket, started_ms, ends_ms, hits) \
     VALUES ($1, $2, $3, 1) \
     ON CONFLICT (bucket) DO UPDATE SET \
       hits = CASE WHEN attempt_window.ends_ms <= $2 THEN 1 ELSE attempt_window.hits + 1 END, \
       started_ms = CASE WHEN attempt_window.ends_ms <= $2 THEN $2 ELSE attempt_window.started_ms END, \
       ends_ms = CASE WHEN attempt_window.ends_ms <= $2 THEN $3 ELSE attempt_window.ends_ms END \
     WHERE attempt_window.ends_ms <= $2 OR attempt_window.hits < $4 \
     RETURNING started_ms";

pub struct RateLimiter {
    db: DatabaseConnection,
}

/// One counted attempt: kept when dropped, given back by [`Reservation::refund`].
#[must_use = "a reservation is kept when dropped; refund it if the attempt did not count"]
pub struct Reservation<'a> {
    limiter: &'a RateLimiter,
    bucket: String,
    started_ms: i64,
}

impl Reservation<'_> {
    /// Takes the attempt back (it did not count: a correct password, a server too busy
    /// to check one). A window that has started again since is left alone. A refund the
    /// database could not record leaves the attempt counted (the safe side), with a warning.
    pub async fn refund(self) {
        let db = &self.limiter.db;
        let stmt = statement(
            db.get_database_backend(),
            "UPDATE attempt_window SET hits = hits - 1 \
             WHERE bucket = $1 AND started_ms = $2 AND hits > 0",
            vec![self.bucket.into(), self.started_ms.into()],
        );
        if let Err(e) = db.execute_raw(stmt).await {
            tracing::warn!(error = %e, "an attempt could not be given back; it stays counted");
        }
    }
}

impl RateLimiter {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }

    fn refused(ends_ms: i64, now_ms: i64) -> AppError {
        let left_ms = ends_ms.saturating_sub(now_ms).max(0);
        AppError::RateLimited {
            retry_after_secs: u64::try_from(left_ms).unwrap_or(0).div_ceil(1000).max(1),
        }
    }

    /// When the key's window ends, if it has used up `limit`.
    async fn full_until(
        &self,
        bucket: &str,
        limit: Limit,
        now_ms: i64,
    ) -> Result<Option<i64>, AppError> {
        let stmt = statement(
            self.db.get_database_backend(),
            "SELECT ends_ms FROM attempt_window WHERE bucket = $1 AND ends_ms > $2 AND hits >= $3",
            vec![bucket.into(), now_ms.into(), limit_max(limit).into()],
        );
        Ok(match self.db.query_one_raw(stmt).await? {
            Some(row) => Some(row.try_get::<i64>("", "ends_ms")?),
            None => None,
        })
    }

    /// `Err(RateLimited)` if the key has used up its window.
    pub async fn check(&self, scope: Scope, key: &Key, limit: Limit) -> Result<(), AppError> {
        let now = crate::clock::now_ms();
        match self.full_until(&bucket(scope, key), limit, now).await? {
            Some(ends) => Err(Self::refused(ends, now)),
            None => Ok(()),
        }
    }

    /// Counts one attempt for the key if its window has room, in one step (no attempt
    /// sent at the same time, to this instance or another, can pass on the same count),
    /// or refuses it.
    pub async fn reserve(
        &self,
        scope: Scope,
        key: &Key,
        limit: Limit,
    ) -> Result<Reservation<'_>, AppError> {
        let now = crate::clock::now_ms();
        let bucket = bucket(scope, key);
        let length_ms = i64::try_from(limit.window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        if limit.max == 0 {
            return Err(Self::refused(now.saturating_add(length_ms), now));
        }
        let stmt = statement(
            self.db.get_database_backend(),
            RESERVE,
            vec![
                bucket.clone().into(),
                now.into(),
                now.saturating_add(length_ms).into(),
                limit_max(limit).into(),
            ],
        );
        match self.db.query_one_raw(stmt).await? {
            Some(row) => Ok(Reservation {
                limiter: self,
                bucket,
                started_ms: row.try_get::<i64>("", "started_ms")?,
            }),
            None => {
                // Full: say how long is left (the window may have ended meanwhile: then
                // a second is as good an answer as any).
                let ends = self.full_until(&bucket, limit, now).await?;
                Err(Self::refused(ends.unwrap_or(now), now))
            }
        }
    }

    /// Counts one attempt, or refuses it: for actions limited on every attempt (sign-up,
    /// reset requests, likes).
    pub async fn take(&self, scope: Scope, key: &Key, limit: Limit) -> Result<(), AppError> {
        self.reserve(scope, key, limit).await.map(drop)
    }

    /// Forgets the key (a successful login clears the account's failures).
    pub async fn clear(&self, scope: Scope, key: &Key) -> Result<(), AppError> {
        let stmt = statement(
            self.db.get_database_backend(),
            "DELETE FROM attempt_window WHERE bucket = $1",
            vec![bucket(scope, key).into()],
        );
        self.db.execute_raw(stmt).await?;
        Ok(())
    }
}

/// The limit's count as stored (`hits` is a 32-bit integer on both engines).
fn limit_max(limit: Limit) -> i32 {
    i32::try_from(limit.max).unwrap_or(i32::MAX)
}

/// Deletes the windows that ended by `now_ms` (the retention job); answers how many.
pub async fn sweep(db: &impl ConnectionTrait, now_ms: i64) -> Result<u64, AppError> {
    let stmt = statement(
        db.get_database_backend(),
        "DELETE FROM attempt_window WHERE ends_ms <= $1",
        vec![now_ms.into()],
    );
    Ok(db.execute_raw(stmt).await?.rows_affected())
}

#[cfg(test)]
mod tests {
    //! Counting itself needs a database: `server/tests/it/limits.rs` runs it on both
    //! engines (windows, refunds, bursts, restarts, several instances).
    use super::*;

    fn ip(s: &str) -> Key {
        Key::client(Some(s.parse().unwrap()))
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

    #[test]
    fn a_bucket_names_its_scope_and_the_key_digest_only() {
        let b = bucket(Scope::PasskeyCeremony, &Key::name("ada@example.com"));
        assert!(b.starts_with("passkey_ceremony:"));
        assert_eq!(b.len(), "passkey_ceremony:".len() + 32, "{b}");
        assert!(b.len() <= 64, "fits the column");
        assert!(!b.contains("ada"), "what was typed is not stored");
        assert_ne!(
            b,
            bucket(Scope::LoginAccount, &Key::name("ada@example.com"))
        );
    }

    #[test]
    fn sqlite_statements_number_their_parameters() {
        let s = statement(
            DbBackend::Sqlite,
            "SELECT 1 WHERE $1 = $2",
            vec![1i64.into(), 1i64.into()],
        );
        assert_eq!(s.sql, "SELECT 1 WHERE ?1 = ?2");
        let p = statement(DbBackend::Postgres, "SELECT $1", vec![1i64.into()]);
        assert_eq!(p.sql, "SELECT $1");
    }
}
