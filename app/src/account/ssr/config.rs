//! `[accounts]` in the server's configuration: how much sign-in work may run at once.

use serde::{Deserialize, Serialize};

/// How much sign-in work may run at once, per server process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountConfig {
    /// Password hashes (sign-in, sign-up, password changes) running at once. Each holds
    /// 19 MiB for tens of milliseconds and keeps a core busy, so more than the number of
    /// cores adds memory, not speed. The default, 4, holds at most 76 MiB.
    pub password_hashes_at_once: usize,
    /// How long a request waits for a free hash before it is answered 503 with
    /// `Retry-After`.
    pub password_hash_wait_secs: u64,
    /// Live timer streams (`/api/focus/events`) one account may hold open at once (a tab
    /// or device each); one more is answered 429.
    pub streams_per_account: usize,
}

impl Default for AccountConfig {
    fn default() -> Self {
        Self {
            password_hashes_at_once: 4,
            password_hash_wait_secs: 5,
            streams_per_account: 10,
        }
    }
}
