//! Two-step verification: a code from an authenticator app (TOTP, RFC 6238: HMAC-SHA1,
//! six digits, 30-second steps) after the password, or one of ten single-use recovery
//! codes.
//!
//! - The secret (160 bits) is sealed with the account's id as its place, shown once as a
//!   QR code drawn here (SVG) and as text, and takes effect only once a first code from it
//!   is given back.
//! - A code is accepted for the step before, the current step and the step after (clock
//!   drift), and only for a step later than the last one accepted: the same code, or an
//!   older one, never works twice (the step is moved on by one conditional `UPDATE`, so
//!   of two requests with the same code only one wins).
//! - Recovery codes are kept as SHA-256 (79 random bits each, so a stored digest does not
//!   give the code back); a used one is marked in the same conditional way.
//! - After the password, the browser holds a sign-in challenge (a random cookie whose
//!   SHA-256 is a row: five minutes, single use), not a session.
//!
//! HMAC-SHA1 comes from `ring`, which already seals Ripen's data, rather than from a TOTP
//! crate whose dependencies would put a second version of crates in the tree.

use chrono::Utc;
use ring::hmac;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, Set, TransactionTrait, sea_query::Expr,
};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::{
    AccountSettings,
    entities::{recovery_code, sign_in_challenge, two_step, user_account},
    session::{append_cookie, cookie_value, digest, random_token},
};
use crate::{
    AppError, ResultExt,
    clock::now_ms,
    seal::{Field, Keyring},
};

pub const DIGITS: u32 = 6;
pub const STEP_SECS: u64 = 30;
/// Steps accepted either side of the current one.
const SKEW: u64 = 1;
pub const RECOVERY_CODES: usize = 10;
/// How long the second step may wait after the password.
pub const CHALLENGE_SECS: i64 = 300;
pub const CHALLENGE_COOKIE: &str = "ripen_two_step";
pub const SECURE_CHALLENGE_COOKIE: &str = "__Host-ripen_two_step";
const ISSUER: &str = "Ripen";

/// The HOTP value (RFC 4226) of `secret` at `counter`, with `digits` digits.
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret);
    let tag = hmac::sign(&key, &counter.to_be_bytes());
    let mac = tag.as_ref();
    let offset = usize::from(mac[mac.len() - 1] & 0x0f);
    let binary = (u32::from(mac[offset]) & 0x7f) << 24
        | u32::from(mac[offset + 1]) << 16
        | u32::from(mac[offset + 2]) << 8
        | u32::from(mac[offset + 3]);
    binary % 10u32.pow(digits)
}

/// The TOTP code (RFC 6238) of `secret` at `unix_secs`, zero-padded.
pub fn totp(secret: &[u8], unix_secs: u64, digits: u32) -> String {
    format!(
        "{:0width$}",
        hotp(secret, unix_secs / STEP_SECS, digits),
        width = digits as usize
    )
}

/// The step a six-digit `code` is right for at `unix_secs` (within the skew), if any. The
/// comparison takes the same time whichever step matches, or none.
pub fn matching_step(secret: &[u8], code: &str, unix_secs: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = unix_secs / STEP_SECS;
    let mut found = None;
    for step in now.saturating_sub(SKEW)..=now + SKEW {
        let expected = format!(
            "{:0width$}",
            hotp(secret, step, DIGITS),
            width = DIGITS as usize
        );
        if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding (what authenticator apps read).
pub fn base32(bytes: &[u8]) -> String {
    let mut out = String::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(BASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(BASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// The `otpauth://` address an authenticator app reads from the QR code.
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    let label: String = format!("{ISSUER}:{account}")
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!(
        "otpauth://totp/{label}?secret={}&issuer={ISSUER}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        base32(secret)
    )
}

/// The QR code of `data`, as an SVG image (drawn on the server: no script, no service).
pub fn qr_svg(data: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(data.as_bytes())
        .map_err(|e| AppError::internal_while("drawing a QR code", e))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// Recovery codes read `xxxx-xxxx-xxxx-xxxx`, in the 31 letters and digits that have no
/// look-alikes (no 0/o, 1/i/l): 79 random bits each.
const RECOVERY_ALPHABET: &[u8; 31] = b"23456789abcdefghjkmnpqrstuvwxyz";

fn new_recovery_code() -> Result<String, AppError> {
    let mut chars = Vec::with_capacity(16);
    while chars.len() < 16 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).or_internal("drawing a recovery code")?;
        // Only values below 31 are taken, so every character is as likely.
        chars.extend(
            bytes
                .iter()
                .map(|b| usize::from(b & 31))
                .filter(|&i| i < RECOVERY_ALPHABET.len())
                .map(|i| char::from(RECOVERY_ALPHABET[i])),
        );
    }
    chars.truncate(16);
    Ok(chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// A recovery code as typed (any case, spaces or dashes) in its stored form's input.
fn normalised_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

fn recovery_digest(code: &str) -> String {
    digest(&normalised_recovery(code))
}

/// Whether signing in to the account takes a second step.
pub async fn is_on(db: &DatabaseConnection, user: Uuid) -> Result<bool, AppError> {
    Ok(two_step::Entity::find_by_id(user)
        .filter(two_step::Column::ConfirmedMs.is_not_null())
        .one(db)
        .await?
        .is_some())
}

/// Where the account stands: on (with how many recovery codes are left) or off.
pub async fn status(db: &DatabaseConnection, user: Uuid) -> Result<Option<u64>, AppError> {
    if !is_on(db, user).await? {
        return Ok(None);
    }
    Ok(Some(
        recovery_code::Entity::find()
            .filter(recovery_code::Column::UserId.eq(user))
            .filter(recovery_code::Column::UsedMs.is_null())
            .count(db)
            .await?,
    ))
}

/// A new secret for the account, not yet in effect (any earlier unconfirmed one is
/// replaced). Refused while two-step verification is on: turn it off first.
pub async fn begin(
    db: &DatabaseConnection,
    keys: &Keyring,
    user: &user_account::Model,
) -> Result<(String, String), AppError> {
    if status(db, user.id).await?.is_some() {
        return Err(AppError::validation(
            "code",
            crate::i18n::t().security.two_step_already_on,
        ));
    }
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).or_internal("drawing a two-step secret")?;
    let text = base32(&secret);
    let sealed = keys.seal(Field::TwoStepSecret, user.id, &text);
    let txn = db.begin().await?;
    two_step::Entity::delete_by_id(user.id).exec(&txn).await?;
    two_step::Entity::insert(two_step::ActiveModel {
        user_id: Set(user.id),
        secret: Set(sealed),
        created_ms: Set(now_ms()),
        confirmed_ms: Set(None),
        last_step: Set(None),
    })
    .exec_without_returning(&txn)
    .await?;
    txn.commit().await?;
    Ok((text, otpauth_uri(&secret, &user.username)))
}

fn secret_of(keys: &Keyring, row: &two_step::Model) -> Result<Vec<u8>, AppError> {
    let text = keys
        .open(Field::TwoStepSecret, row.user_id, &row.secret)
        .or_internal("opening a two-step secret")?;
    decode_base32(&text).or_internal("reading a two-step secret")
}

/// The bytes of an RFC 4648 base32 text (without padding), or `None` if it is not one.
pub fn decode_base32(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        let v = BASE32.iter().position(|&b| b == c)? as u32;
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// Accepts a six-digit code for `user` if it is right now and for a later step than any
/// accepted before (`confirmed`: only for a secret already in effect, or only for one
/// waiting for its first code). Moves the step on when it does.
async fn accept_totp(
    db: &impl ConnectionTrait,
    keys: &Keyring,
    user: Uuid,
    code: &str,
    confirmed: bool,
) -> Result<bool, AppError> {
    let mut find = two_step::Entity::find_by_id(user);
    find = if confirmed {
        find.filter(two_step::Column::ConfirmedMs.is_not_null())
    } else {
        find.filter(two_step::Column::ConfirmedMs.is_null())
    };
    let Some(row) = find.one(db).await? else {
        return Ok(false);
    };
    let secret = secret_of(keys, &row)?;
    let now = u64::try_from(Utc::now().timestamp()).unwrap_or(0);
    let Some(step) = matching_step(&secret, code, now) else {
        return Ok(false);
    };
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let moved = two_step::Entity::update_many()
        .col_expr(two_step::Column::LastStep, Expr::value(step))
        .filter(two_step::Column::UserId.eq(user))
        .filter(
            Condition::any()
                .add(two_step::Column::LastStep.is_null())
                .add(two_step::Column::LastStep.lt(step)),
        )
        .exec(db)
        .await?
        .rows_affected;
    Ok(moved == 1)
}

/// Puts the waiting secret into effect with its first code, and answers the ten recovery
/// codes (shown once: only their digests are kept).
pub async fn confirm(
    db: &DatabaseConnection,
    keys: &Keyring,
    user: Uuid,
    code: &str,
) -> Result<Vec<String>, AppError> {
    let txn = db.begin().await?;
    if !accept_totp(&txn, keys, user, code, false).await? {
        return Err(AppError::validation(
            "code",
            crate::i18n::t().security.two_step_wrong_code,
        ));
    }
    two_step::Entity::update_many()
        .col_expr(two_step::Column::ConfirmedMs, Expr::value(now_ms()))
        .filter(two_step::Column::UserId.eq(user))
        .exec(&txn)
        .await?;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user))
        .exec(&txn)
        .await?;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    for _ in 0..RECOVERY_CODES {
        let code = new_recovery_code()?;
        recovery_code::Entity::insert(recovery_code::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user),
            code_hash: Set(recovery_digest(&code)),
            created_ms: Set(now_ms()),
            used_ms: Set(None),
        })
        .exec_without_returning(&txn)
        .await?;
        codes.push(code);
    }
    txn.commit().await?;
    Ok(codes)
}

/// Turns two-step verification off: the secret and the recovery codes go.
pub async fn disable(db: &DatabaseConnection, user: Uuid) -> Result<bool, AppError> {
    let txn = db.begin().await?;
    let gone = two_step::Entity::delete_by_id(user)
        .exec(&txn)
        .await?
        .rows_affected;
    recovery_code::Entity::delete_many()
        .filter(recovery_code::Column::UserId.eq(user))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(gone > 0)
}

/// Whether `code` (an authenticator code or an unused recovery code) completes the second
/// step for `user`; a recovery code is used up by it.
pub async fn accept(
    db: &DatabaseConnection,
    keys: &Keyring,
    user: Uuid,
    code: &str,
) -> Result<bool, AppError> {
    if code.trim().len() == DIGITS as usize {
        return accept_totp(db, keys, user, code, true).await;
    }
    let normalised = normalised_recovery(code);
    if normalised.is_empty() || normalised.len() > 32 {
        return Ok(false);
    }
    let used = recovery_code::Entity::update_many()
        .col_expr(recovery_code::Column::UsedMs, Expr::value(now_ms()))
        .filter(recovery_code::Column::UserId.eq(user))
        .filter(recovery_code::Column::CodeHash.eq(recovery_digest(code)))
        .filter(recovery_code::Column::UsedMs.is_null())
        .exec(db)
        .await?
        .rows_affected;
    Ok(used == 1)
}

fn challenge_cookie(settings: &AccountSettings) -> &'static str {
    if settings.secure_cookies {
        SECURE_CHALLENGE_COOKIE
    } else {
        CHALLENGE_COOKIE
    }
}

/// After the password: the browser gets a challenge for the second step.
pub async fn start_challenge(
    db: &DatabaseConnection,
    settings: &AccountSettings,
    user: Uuid,
) -> Result<(), AppError> {
    let token = random_token()?;
    let now = now_ms();
    sign_in_challenge::Entity::insert(sign_in_challenge::ActiveModel {
        id_hash: Set(digest(&token)),
        user_id: Set(user),
        created_ms: Set(now),
        expires_ms: Set(now + CHALLENGE_SECS * 1000),
    })
    .exec_without_returning(db)
    .await?;
    append_cookie(settings, challenge_cookie(settings), &token, CHALLENGE_SECS);
    Ok(())
}

/// The account whose second step this browser is at (a live challenge), and the
/// challenge's digest.
pub async fn challenged(
    db: &DatabaseConnection,
    settings: &AccountSettings,
) -> Result<Option<(String, user_account::Model)>, AppError> {
    let Some(token) = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| cookie_value(&p.headers, challenge_cookie(settings)))
        .filter(|t| t.len() <= 64)
    else {
        return Ok(None);
    };
    let hashed = digest(&token);
    let Some(row) = sign_in_challenge::Entity::find_by_id(hashed.clone())
        .filter(sign_in_challenge::Column::ExpiresMs.gt(now_ms()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(user_account::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .map(|u| (hashed, u)))
}

/// Ends a challenge (the second step was passed): single use.
pub async fn end_challenge(
    db: &DatabaseConnection,
    settings: &AccountSettings,
    id_hash: &str,
) -> Result<bool, AppError> {
    let gone = sign_in_challenge::Entity::delete_by_id(id_hash.to_owned())
        .exec(db)
        .await?
        .rows_affected;
    append_cookie(settings, challenge_cookie(settings), "", 0);
    Ok(gone == 1)
}

/// Deletes challenges that ended (the retention job).
pub async fn purge(db: &DatabaseConnection, now_ms: i64) -> Result<u64, AppError> {
    Ok(sign_in_challenge::Entity::delete_many()
        .filter(sign_in_challenge::Column::ExpiresMs.lt(now_ms))
        .exec(db)
        .await?
        .rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B (SHA-1, eight digits): the vectors of
    /// `../shared/fixtures/payments/wechatpay_v3.json` (`totp_rfc6238_sha1_8digits`),
    /// written out so the test needs nothing beside the repository.
    #[test]
    fn codes_match_the_rfc_6238_vectors() {
        let secret = b"12345678901234567890";
        for (at, expected) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp(secret, at, 8), expected, "t = {at}");
        }
    }

    #[test]
    fn a_code_is_right_one_step_either_side_and_no_further() {
        let secret = b"12345678901234567890";
        let at = 1_111_111_111;
        let now = totp(secret, at, DIGITS);
        assert_eq!(matching_step(secret, &now, at), Some(at / STEP_SECS));
        let before = totp(secret, at - STEP_SECS, DIGITS);
        assert_eq!(matching_step(secret, &before, at), Some(at / STEP_SECS - 1));
        let old = totp(secret, at - 3 * STEP_SECS, DIGITS);
        assert_eq!(matching_step(secret, &old, at), None);
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert_eq!(matching_step(secret, bad, at), None, "{bad:?}");
        }
    }

    #[test]
    fn secrets_round_trip_through_base32_and_the_uri_names_ripen() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        let secret = [7u8; 20];
        assert_eq!(decode_base32(&base32(&secret)).unwrap(), secret);
        let uri = otpauth_uri(&secret, "ada lovelace");
        assert!(
            uri.starts_with("otpauth://totp/Ripen:ada%20lovelace?secret="),
            "{uri}"
        );
        assert!(uri.ends_with("&issuer=Ripen&algorithm=SHA1&digits=6&period=30"));
        let svg = qr_svg(&uri).unwrap();
        assert!(
            svg.starts_with("<?xml") || svg.starts_with("<svg"),
            "{}",
            &svg[..40]
        );
    }

    #[test]
    fn recovery_codes_are_read_however_they_are_typed() {
        let code = new_recovery_code().unwrap();
        assert_eq!(code.len(), 19);
        assert_eq!(code.matches('-').count(), 3);
        assert_eq!(
            recovery_digest(&code),
            recovery_digest(&format!(" {} ", code.to_uppercase().replace('-', " ")))
        );
        assert_ne!(
            recovery_digest(&code),
            recovery_digest(&new_recovery_code().unwrap())
        );
    }
}
