//! The letter service: drafts, scheduling, editing and cancelling, images, the recipient's
//! reading page and the author's notifications.
//!
//! Editing and cancelling race with the scheduler only through the recipient rows: both
//! sides change a row only in the state they expect (`pending` → `sending` for the
//! scheduler, `pending` → deleted/`cancelled` for the author), inside one statement or
//! transaction, so a letter is either changed before its delivery begins or not at all.

mod attachments;
mod compose;
mod gates;
pub mod goals;
pub mod notices;
mod reading;
mod sealing;
pub mod search;
mod view;
mod when;
pub use attachments::*;
pub use compose::*;
pub use gates::*;
pub use reading::*;
pub use sealing::*;
pub use view::*;
pub use when::*;

use std::{collections::HashSet, sync::Arc};

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Deserialize;
use tokio::sync::Notify;
use uuid::Uuid;

use super::{
    DeliveryPreview, ImageView, LetterForm, LetterStatus, LetterSummary, LetterView, LettersHome,
    ReadView, RecipientStatus, RecipientView, Visibility,
    entities::{
        letter, letter_image,
        letter_recipient::{self, NewDelivery},
        letter_send,
    },
    images::{DEFAULT_MAX_DECODED_BYTES, ImageLimits, decode_inspected, inspect},
    rules,
    sms::SmsProvider,
    storage::BlobStore,
};
use crate::{
    AppError, FieldErrors, ResultExt,
    account::ssr::{entities::user_account, session::digest},
    i18n::{DateStyle, Lang, date_in, fill, t},
    notifications::Notice,
    seal::{Field, Keyring, SealError},
};

/// Settings of letters and their delivery (`[letters]` in `ripen.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LetterConfig {
    /// The earliest delivery, in seconds from now. One hour; tests shorten it.
    pub min_lead_secs: i64,
    /// Stored image bytes per user.
    pub quota_bytes: u64,
    /// Largest accepted upload.
    pub image_max_bytes: usize,
    /// Largest accepted picture once decoded (width × height × bytes per pixel, read from
    /// its header before decoding).
    pub image_decode_max_bytes: u64,
    /// Pictures read (header, decode, re-encode) at the same time; more wait.
    pub uploads_at_once: usize,
    /// Memory all pictures being decoded may hold together; each takes its peak
    /// (twice its decoded size) until it is re-encoded, the others wait.
    pub image_decode_memory_bytes: u64,
    /// The longest an upload waits for its turn before it is answered "busy" (503).
    pub image_wait_secs: u64,
    /// People (other than oneself) an account may schedule letters to in any 24 hours.
    pub recipients_per_day: u32,
    /// Whether this process runs the delivery scheduler.
    pub deliver: bool,
    /// How often an idle scheduler looks for due letters (it is also woken when a letter
    /// is scheduled), in milliseconds.
    pub poll_ms: u64,
    /// Concurrent senders.
    pub workers: usize,
    /// Deliveries claimed per query.
    pub batch: u64,
    /// How long a claimed delivery is reserved for its sender. Longer than the SMTP
    /// timeout (30 s): an expired lease means the sender died, and another takes over.
    pub lease_secs: i64,
    /// Most deliveries one process may have sent but not yet recorded as sent. The
    /// recorder writes them in groups (fewer statements per letter); a process that dies
    /// abruptly repeats at most this many (with their Message-IDs) after its leases expire.
    pub unrecorded_max: usize,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i32,
    /// The first retry waits this long; each next one twice as long (capped).
    pub backoff_base_secs: i64,
    pub backoff_max_secs: i64,
    /// Whether this process counts the goals of letters that open on progress when their
    /// authors' records change (and sweeps them every ten minutes). Tests that count them
    /// by hand turn it off.
    pub watch_goals: bool,
}

impl Default for LetterConfig {
    fn default() -> Self {
        Self {
            min_lead_secs: 3600,
            quota_bytes: 50 * 1024 * 1024,
            image_max_bytes: 10 * 1024 * 1024,
            image_decode_max_bytes: DEFAULT_MAX_DECODED_BYTES,
            uploads_at_once: 8,
            image_decode_memory_bytes: 512 * 1024 * 1024,
            image_wait_secs: 20,
            recipients_per_day: 50,
            deliver: true,
            poll_ms: 500,
            workers: 8,
            batch: 64,
            lease_secs: 120,
            unrecorded_max: 256,
            max_attempts: 8,
            backoff_base_secs: 60,
            backoff_max_secs: 6 * 3600,
            watch_goals: true,
        }
    }
}

/// Shared by every request and the scheduler.
pub struct Letters {
    pub config: LetterConfig,
    pub store: Arc<dyn BlobStore>,
    pub sms: Arc<dyn SmsProvider>,
    /// Woken when a letter is scheduled, so an early delivery is not left to the poll.
    pub wake: Arc<Notify>,
    /// How many pictures are read at once, and how much memory they may take.
    pub gates: ImageGates,
    pub site_url: String,
    /// Seals letters and recipients, and makes letter links.
    pub keys: Arc<Keyring>,
}

impl Letters {
    pub fn new(
        config: LetterConfig,
        store: Arc<dyn BlobStore>,
        sms: Arc<dyn SmsProvider>,
        keys: Arc<Keyring>,
        site_url: &str,
    ) -> Self {
        let gates = ImageGates::new(
            config.uploads_at_once,
            config.image_decode_memory_bytes,
            std::time::Duration::from_secs(config.image_wait_secs),
        );
        Self {
            config,
            store,
            sms,
            wake: Arc::new(Notify::new()),
            gates,
            site_url: site_url.trim_end_matches('/').to_owned(),
            keys,
        }
    }

    /// The recipient's link token: HMAC-SHA256 of the recipient id under the newest link
    /// key. Stable, so a re-sent email carries the same link; only its SHA-256 is stored.
    pub fn link_token(&self, recipient: Uuid) -> String {
        self.keys.link_token(recipient)
    }

    /// The link of a recipient whose token digest is `token_hash`: made with the link key
    /// that made it (so an email sent again carries the same link after a key rotation),
    /// or with the newest key if none matches.
    pub fn link_for(&self, recipient: Uuid, token_hash: Option<&str>) -> String {
        let token = token_hash
            .and_then(|h| self.keys.link_token_matching(recipient, h, digest))
            .unwrap_or_else(|| self.link_token(recipient));
        format!("{}/l/{token}", self.site_url)
    }

    pub fn link(&self, recipient: Uuid) -> String {
        format!("{}/l/{}", self.site_url, self.link_token(recipient))
    }

    /// The host part of Message-IDs.
    pub fn mail_domain(&self) -> String {
        self.site_url
            .split("://")
            .nth(1)
            .unwrap_or("ripen.localhost")
            .split(['/', ':'])
            .next()
            .unwrap_or("ripen.localhost")
            .to_owned()
    }

    pub fn image_limits(&self) -> ImageLimits {
        ImageLimits {
            max_bytes: self.config.image_max_bytes,
            max_decoded_bytes: self.config.image_decode_max_bytes,
            ..ImageLimits::default()
        }
    }
}

/// The letters service the server provided for this request.
pub fn service() -> Result<Arc<Letters>, AppError> {
    crate::request::service()
}

pub use crate::clock::now_ms;

/// The language an account reads Ripen in (for notifications and emails sent without a
/// request).
pub(crate) fn account_lang(account: &user_account::Model) -> Lang {
    account.lang()
}

async fn user_row(db: &impl ConnectionTrait, user: Uuid) -> Result<user_account::Model, AppError> {
    user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)
}

async fn own_letter(
    db: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
) -> Result<letter::Model, AppError> {
    letter::Entity::find_by_id(id)
        .filter(letter::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The letter's author, if the account still exists.
pub(crate) async fn author_of(
    db: &impl ConnectionTrait,
    l: &letter::Model,
) -> Result<Option<user_account::Model>, AppError> {
    Ok(match l.user_id {
        Some(u) => user_account::Entity::find_by_id(u).one(db).await?,
        None => None,
    })
}

/// An image of one of the caller's letters, with that letter.
async fn own_image(
    db: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
) -> Result<(letter_image::Model, letter::Model), AppError> {
    let img = letter_image::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let l = own_letter(db, user, img.letter_id).await?;
    Ok((img, l))
}

/// A letter's body as safe HTML: all of it, up to the longest body a letter may have.
pub fn letter_html(body: &str) -> String {
    crate::markdown::render(body, rules::MAX_BODY_CHARS)
}

/// Refuses changes (reported on `field`) to a letter that has been delivered or failed.
fn ensure_editable(l: &letter::Model, field: &str) -> Result<(), AppError> {
    if l.status.editable() {
        Ok(())
    } else {
        Err(AppError::validation(field, t().letters.not_editable))
    }
}

fn public_id() -> Result<String, AppError> {
    // 10 random bytes (80 bits) as 16 base32-like characters: non-sequential,
    // unguessable and URL-safe.
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).or_internal("drawing a public id")?;
    const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut out = String::with_capacity(16);
    let mut acc: u128 = 0;
    for byte in b {
        acc = (acc << 8) | u128::from(byte);
    }
    for _ in 0..16 {
        out.push(ALPHABET[(acc & 31) as usize] as char);
        acc >>= 5;
    }
    Ok(out)
}

const IN_FLIGHT: [RecipientStatus; 2] = [RecipientStatus::Sending, RecipientStatus::Sent];

#[cfg(test)]
mod tests {
    use super::*;

    const LONDON: Tz = chrono_tz::Europe::London;

    #[test]
    fn local_times_become_instants_with_clock_changes_handled() {
        // 2027-03-28 01:30 does not exist in London (01:00 → 02:00).
        let e = local_instant(LONDON, "2027-03-28", "01:30").unwrap_err();
        assert!(
            e.field_message("deliver_time")
                .unwrap()
                .contains("clocks go forward")
        );
        // 2027-10-31 01:30 happens twice; the first (BST, UTC+1) is meant.
        let at = local_instant(LONDON, "2027-10-31", "01:30").unwrap();
        assert_eq!(describe(at, LONDON).1, "2027-10-31 00:30 UTC");
        assert!(
            local_instant(LONDON, "31/12/2027", "09:00")
                .unwrap_err()
                .field_message("deliver_date")
                .is_some()
        );
        assert!(
            local_instant(LONDON, "2027-12-31", "9am")
                .unwrap_err()
                .field_message("deliver_time")
                .is_some()
        );
        assert_eq!(
            local_instant(LONDON, "2027-01-01", "09:00:30").unwrap() % 60_000,
            30_000
        );
    }

    #[test]
    fn the_delivery_window_is_one_hour_to_fifty_years() {
        let now = 1_800_000_000_000;
        assert!(
            check_window(now - 1, now, 3600)
                .unwrap_err()
                .field_message("deliver_date")
                .unwrap()
                .contains("passed")
        );
        assert!(
            check_window(now + 59 * 60_000, now, 3600)
                .unwrap_err()
                .field_message("deliver_date")
                .unwrap()
                .contains("1 hour")
        );
        assert!(check_window(now + 3_600_000, now, 3600).is_ok());
        let fifty = DateTime::<Utc>::from_timestamp_millis(now)
            .unwrap()
            .checked_add_months(chrono::Months::new(600))
            .unwrap()
            .timestamp_millis();
        assert!(check_window(fifty, now, 3600).is_ok());
        assert!(
            check_window(fifty + 1, now, 3600)
                .unwrap_err()
                .field_message("deliver_date")
                .unwrap()
                .contains("50 years")
        );
    }

    #[test]
    fn file_names_cannot_name_paths() {
        assert!(check_file_name("../../etc/passwd.png").is_err());
        assert!(check_file_name("a\\b.png").is_err());
        assert!(check_file_name("x\u{0}.png").is_err());
        assert_eq!(check_file_name(" holiday.jpg ").unwrap(), "holiday.jpg");
    }

    #[test]
    fn public_ids_are_random_and_url_safe() {
        let a = public_id().unwrap();
        let b = public_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 16);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
    }

    #[test]
    fn a_letter_of_45000_characters_is_rendered_whole() {
        let body = format!("{}\n\nThe last words.", "é".repeat(45_000));
        let html = letter_html(&body);
        assert_eq!(html.matches('é').count(), 45_000);
        assert!(html.contains("The last words."), "the end is cut off");
    }
}
