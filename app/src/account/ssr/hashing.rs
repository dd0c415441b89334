//! How many password hashes run at once. Each argon2id hash holds 19 MiB
//! ([`super::password::MEMORY_KIB`]) on a blocking thread for tens of milliseconds; without
//! a bound, a burst of logins starts one per request (up to the blocking pool's 512
//! threads, ~10 GiB). Every hash and every check first takes one of
//! `accounts.password_hashes_at_once` permits, waiting at most
//! `accounts.password_hash_wait_secs`; after that the request is answered
//! [`AppError::Busy`] (503, `Retry-After`), which costs the server nothing.
//!
//! The permit is an owned value moved into the blocking task, so it is given back when the
//! hash ends, even if the request that started it has gone.

use std::{sync::Arc, time::Duration};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::AppError;

/// The gate every password hash passes; one per process, held by the account service.
#[derive(Debug)]
pub struct HashGate {
    slots: Arc<Semaphore>,
    wait: Duration,
}

/// The right to run one hash, held until it ends.
#[derive(Debug)]
pub struct HashPermit {
    _slot: OwnedSemaphorePermit,
}

impl HashGate {
    /// `at_once` hashes at a time (at least one), each waited for at most `wait`.
    #[must_use]
    pub fn new(at_once: usize, wait: Duration) -> Self {
        Self {
            slots: Arc::new(Semaphore::new(at_once.clamp(1, Semaphore::MAX_PERMITS))),
            wait,
        }
    }

    /// Waits (at most the configured time, first come first served) for a hash slot.
    ///
    /// # Errors
    ///
    /// [`AppError::Busy`] when none came free in time.
    pub async fn enter(&self) -> Result<HashPermit, AppError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(HashPermit { _slot: slot }),
            _ => Err(AppError::Busy {
                retry_after_secs: self.wait.as_secs().clamp(1, 60),
            }),
        }
    }

    /// Hashes running or allowed to start now (tests and metrics).
    pub fn free(&self) -> usize {
        self.slots.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_beyond_the_bound_wait_then_are_answered_busy() {
        let gate = HashGate::new(2, Duration::from_millis(100));
        let a = gate.enter().await.unwrap();
        let _b = gate.enter().await.unwrap();
        assert_eq!(gate.free(), 0);
        let third = gate.enter().await.unwrap_err();
        assert_eq!(
            third,
            AppError::Busy {
                retry_after_secs: 1
            }
        );
        assert_eq!(third.status(), 503);
        // A permit given back lets the next one in.
        drop(a);
        gate.enter().await.unwrap();
    }

    #[tokio::test]
    async fn a_waiting_hash_gets_the_first_slot_given_back() {
        let gate = HashGate::new(1, Duration::from_secs(600));
        let held = gate.enter().await.unwrap();
        let waiting = gate.enter();
        let release = async move { drop(held) };
        let (got, ()) = tokio::join!(waiting, release);
        assert!(got.is_ok());
    }

    #[test]
    fn at_least_one_hash_runs() {
        assert_eq!(HashGate::new(0, Duration::ZERO).free(), 1);
    }
}
