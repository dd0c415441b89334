//! Password hashing: argon2id with m = 19 MiB, t = 2, p = 1 (OWASP's minimum), run on the
//! blocking pool so a burst of logins cannot stall the async executor, and only as many at
//! once as the [`HashGate`] lets through, so a burst cannot exhaust memory either.

use std::{collections::HashSet, sync::LazyLock};

use argon2::{
    Algorithm, Argon2, Params, Version,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
};

use super::hashing::HashGate;
use crate::{AppError, ResultExt, account::fields::NewPassword};

pub const MEMORY_KIB: u32 = 19_456;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    #[allow(clippy::expect_used)] // constant, valid parameters
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// An argon2id PHC string. Not `Serialize`, and its `Debug` hides the value, so it can
/// neither reach the browser nor a log line.
#[derive(Clone)]
pub struct PasswordDigest(String);

impl PasswordDigest {
    /// Wraps a hash read from the database.
    pub fn from_stored(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for storing.
    pub fn into_stored(self) -> String {
        self.0
    }
}

impl std::fmt::Debug for PasswordDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordDigest([REDACTED])")
    }
}

static COMMON: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../../../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

/// Refuses passwords from the shipped list of common passwords (compared in lower case).
pub fn reject_common(password: &NewPassword) -> Result<(), AppError> {
    let lowered = password.expose().trim().to_lowercase();
    if COMMON.contains(lowered.as_str()) {
        return Err(AppError::validation(
            NewPassword::FIELD,
            crate::i18n::t().auth.password_common,
        ));
    }
    Ok(())
}

fn random_salt() -> Result<SaltString, AppError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).or_internal("drawing a password salt")?;
    SaltString::encode_b64(&bytes).map_err(|e| AppError::internal_while("encoding a salt", e))
}

/// Hashes a new password (on the blocking pool, once `gate` lets it).
pub async fn hash(gate: &HashGate, password: &NewPassword) -> Result<PasswordDigest, AppError> {
    let permit = gate.enter().await?;
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let salt = random_salt()?;
        argon2()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| PasswordDigest(h.to_string()))
            .map_err(|e| AppError::internal_while("hashing a password", e))
    })
    .await
    .or_internal("hashing a password")?
}

/// A hash of a random password with the same parameters, verified against when the
/// account does not exist so that both answers take the same time.
static DUMMY: LazyLock<Result<String, String>> = LazyLock::new(|| {
    let salt = random_salt().map_err(|e| e.to_string())?;
    let mut pw = [0u8; 24];
    getrandom::fill(&mut pw).map_err(|e| e.to_string())?;
    argon2()
        .hash_password(&pw, &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
});

/// Checks `password` against `stored`; with `None` (no such account) it checks against a
/// dummy hash and returns `false`, costing the same time (on the blocking pool, once
/// `gate` lets it).
pub async fn verify(
    gate: &HashGate,
    password: String,
    stored: Option<PasswordDigest>,
) -> Result<bool, AppError> {
    let permit = gate.enter().await?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let (phc, real) = match &stored {
            Some(d) => (d.0.as_str(), true),
            None => (
                DUMMY
                    .as_deref()
                    .map_err(|e| AppError::internal_while("making the dummy hash", e))?,
                false,
            ),
        };
        let parsed = PasswordHash::new(phc)
            .map_err(|e| AppError::internal_while("reading a stored password hash", e))?;
        let ok = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && real)
    })
    .await
    .or_internal("checking a password")?
}

/// Warms the dummy hash so the first unknown-user login is not slower than the rest.
pub fn warm_up() {
    LazyLock::force(&DUMMY);
    LazyLock::force(&COMMON);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_phc_strings_with_the_minimum_parameters() {
        let gate = &HashGate::new(1, std::time::Duration::from_secs(60));
        let pw = NewPassword::parse("correct horse battery").unwrap();
        let digest = hash(gate, &pw).await.unwrap().into_stored();
        assert!(
            digest.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{digest}"
        );
        let stored = PasswordDigest::from_stored(digest);
        assert!(
            verify(gate, "correct horse battery".into(), Some(stored.clone()))
                .await
                .unwrap()
        );
        assert!(
            !verify(gate, "wrong horse".into(), Some(stored))
                .await
                .unwrap()
        );
        assert!(!verify(gate, "anything".into(), None).await.unwrap());
        assert_eq!(gate.free(), 1, "every permit was given back");
    }

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for pw in ["password1", "PASSWORD1", "qwertyuiop", "iloveyou"] {
            let err = reject_common(&NewPassword::parse(pw).unwrap()).unwrap_err();
            assert!(err.field_message("password").is_some(), "{pw}");
        }
        assert!(reject_common(&NewPassword::parse("plum orchard at dusk").unwrap()).is_ok());
        assert!(COMMON.len() > 19_000);
    }

    #[test]
    fn the_digest_never_prints_its_value() {
        let d = PasswordDigest::from_stored("$argon2id$secret".into());
        assert_eq!(format!("{d:?}"), "PasswordDigest([REDACTED])");
    }
}
