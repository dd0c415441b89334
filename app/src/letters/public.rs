//! Public letters as the wall sees them change: a counter the wall's page cache keys on,
//! and the limit on how often an account publishes. Letters publish; the wall only reads.

use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;

use crate::{
    AppError,
    account::ssr::limiter::{Key, Limit, Scope},
};

/// Bumped on every change that alters what the wall shows (a public letter delivered,
/// hidden, shown, unpublished, liked, or its author's account deleted): the server's
/// page cache keys on it.
static GENERATION: AtomicU64 = AtomicU64::new(1);

pub fn generation() -> u64 {
    GENERATION.load(Ordering::Relaxed)
}

pub fn changed() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Counts one publication (a public letter scheduled, or a letter shared on the wall).
pub fn take_publish(user: Uuid) -> Result<(), AppError> {
    let accounts = crate::account::ssr::accounts()?;
    let limit: Limit = accounts.settings.limits.publishes_per_account;
    accounts
        .limiter
        .take(Scope::Publish, &Key::user(user), limit)
}
