//! The letter service: drafts, scheduling, editing and cancelling, images, the recipient's
//! reading page and the author's notifications.
//!
//! Editing and cancelling race with the scheduler only through the recipient rows: both
//! sides change a row only in the state they expect (`pending` → `sending` for the
//! scheduler, `pending` → deleted/`cancelled` for the author), inside one statement or
//! transaction, so a letter is either changed before its delivery begins or not at all.

use std::sync::Arc;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};
use serde::Deserialize;
use sha2::Sha256;
use tokio::sync::Notify;
use uuid::Uuid;

use super::{
    DeliveryPreview, ImageView, LetterStatus, LetterSummary, LetterView, LettersHome, ReadView,
    RecipientInput, RecipientView,
    entities::{letter, letter_image, letter_recipient},
    images::{ImageLimits, process},
    rules,
    sms::SmsProvider,
    storage::BlobStore,
};
use crate::{
    AppError, FieldErrors,
    account::ssr::{entities::user_account, session::digest},
    i18n::{DateStyle, Lang, date_in, fill, t},
    notifications::Kind,
    system::ssr::system_setting,
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
}

impl Default for LetterConfig {
    fn default() -> Self {
        Self {
            min_lead_secs: 3600,
            quota_bytes: 50 * 1024 * 1024,
            image_max_bytes: 10 * 1024 * 1024,
            deliver: true,
            poll_ms: 500,
            workers: 8,
            batch: 64,
            lease_secs: 120,
            unrecorded_max: 256,
            max_attempts: 8,
            backoff_base_secs: 60,
            backoff_max_secs: 6 * 3600,
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
    pub site_url: String,
    link_key: [u8; 32],
}

const LINK_KEY: &str = "letter_link_key";

impl Letters {
    /// Loads (or creates, once per installation) the key that derives letter links.
    pub async fn new(
        db: &DatabaseConnection,
        config: LetterConfig,
        store: Arc<dyn BlobStore>,
        sms: Arc<dyn SmsProvider>,
        site_url: &str,
    ) -> Result<Self, sea_orm::DbErr> {
        use base64::{Engine as _, engine::general_purpose::STANDARD};
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        let now = Utc::now().fixed_offset();
        system_setting::Entity::insert(system_setting::ActiveModel {
            key: Set(LINK_KEY.into()),
            value: Set(STANDARD.encode(fresh)),
            updated_at: Set(now),
        })
        .on_conflict_do_nothing_on([system_setting::Column::Key])
        .exec_without_returning(db)
        .await?;
        let stored = system_setting::Entity::find_by_id(LINK_KEY)
            .one(db)
            .await?
            .ok_or_else(|| sea_orm::DbErr::RecordNotFound(LINK_KEY.into()))?;
        let bytes = STANDARD
            .decode(stored.value.trim())
            .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?;
        let link_key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| sea_orm::DbErr::Custom("letter link key has the wrong size".into()))?;
        Ok(Self {
            config,
            store,
            sms,
            wake: Arc::new(Notify::new()),
            site_url: site_url.trim_end_matches('/').to_owned(),
            link_key,
        })
    }

    /// The recipient's link token: HMAC-SHA256 of the recipient id under the
    /// installation's key. Stable, so a re-sent email carries the same link; only its
    /// SHA-256 is stored.
    pub fn link_token(&self, recipient: Uuid) -> String {
        use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.link_key).expect("HMAC takes any key");
        mac.update(b"ripen-letter-link:");
        mac.update(recipient.as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
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
            ..ImageLimits::default()
        }
    }
}

/// The letters service the server provided for this request.
pub fn service() -> Result<Arc<Letters>, AppError> {
    crate::request::service()
}

pub use crate::clock::now_ms;

/// What the compose form sends.
#[derive(Debug, Clone, Default)]
pub struct LetterForm {
    pub title: String,
    pub body: String,
    pub deliver_date: String,
    pub deliver_time: String,
    pub to_self: bool,
    pub recipients: Vec<RecipientInput>,
    pub send_sms: bool,
    pub public: bool,
    pub pen_name: String,
    /// Wall topics (comma-separated keys of [`super::topics::TOPICS`]).
    pub topics: String,
}

/// A letter's time zone (UTC if the stored name is unknown to this build).
pub(crate) fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// The instant a local date and time in `tz` names. A time skipped by a clock change is
/// an error; a repeated one means its first occurrence.
pub fn local_instant(tz: Tz, date: &str, time: &str) -> Result<i64, AppError> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("deliver_date", t().letters.pick_date))?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(time.trim(), "%H:%M"))
        .map_err(|_| AppError::validation("deliver_time", t().letters.pick_time))?;
    match tz.from_local_datetime(&d.and_time(t)) {
        LocalResult::Single(dt) => Ok(dt.timestamp_millis()),
        LocalResult::Ambiguous(first, _) => Ok(first.timestamp_millis()),
        LocalResult::None => Err(AppError::validation(
            "deliver_time",
            fill(
                crate::i18n::t().letters.time_skipped,
                &[("time", &time), ("zone", &tz)],
            ),
        )),
    }
}

/// Refuses instants sooner than the minimum lead or more than 50 years ahead.
pub fn check_window(at_ms: i64, now_ms: i64, min_lead_secs: i64) -> Result<(), AppError> {
    let earliest = now_ms + min_lead_secs * 1000;
    if at_ms < earliest {
        let msg = if at_ms <= now_ms {
            t().letters.time_passed.to_owned()
        } else {
            fill(
                t().letters.min_lead,
                &[("span", &rules::duration_words(min_lead_secs * 1000))],
            )
        };
        return Err(AppError::validation("deliver_date", msg));
    }
    let latest = DateTime::<Utc>::from_timestamp_millis(now_ms)
        .and_then(|n| n.checked_add_months(chrono::Months::new(12 * rules::MAX_YEARS_AHEAD)))
        .map_or(i64::MAX, |t| t.timestamp_millis());
    if at_ms > latest {
        return Err(AppError::validation(
            "deliver_date",
            fill(t().letters.max_ahead, &[("years", &rules::MAX_YEARS_AHEAD)]),
        ));
    }
    Ok(())
}

/// (local, UTC) descriptions of an instant; the local one in the current language
/// ("Friday 1 May 2026, 09:00 (Europe/London)").
pub fn describe(at_ms: i64, tz: Tz) -> (String, String) {
    let Some(utc) = DateTime::<Utc>::from_timestamp_millis(at_ms) else {
        return (String::new(), String::new());
    };
    let local = utc.with_timezone(&tz);
    let lang = crate::i18n::lang();
    (
        fill(
            lang.texts().letters.local_when,
            &[
                ("date", &date_in(lang, &local, DateStyle::Full)),
                ("time", &local.format("%H:%M")),
                ("zone", &tz),
            ],
        ),
        format!("{} UTC", utc.format("%Y-%m-%d %H:%M")),
    )
}

/// "1 May 2026" in `tz`, in the current language.
pub(crate) fn long_date(at_ms: i64, tz: Tz) -> String {
    long_date_in(crate::i18n::lang(), at_ms, tz)
}

/// "1 May 2026" in `tz`, in `lang`.
pub(crate) fn long_date_in(lang: Lang, at_ms: i64, tz: Tz) -> String {
    DateTime::<Utc>::from_timestamp_millis(at_ms)
        .map(|at| date_in(lang, &at.with_timezone(&tz), DateStyle::Long))
        .unwrap_or_default()
}

/// The language an account reads Ripen in (for notifications and emails sent without a
/// request): its setting, else English.
pub(crate) fn account_lang(account: &user_account::Model) -> Lang {
    account
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default()
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

/// Refuses changes (reported on `field`) to a letter that has been delivered or failed.
fn ensure_editable(l: &letter::Model, field: &str) -> Result<(), AppError> {
    if LetterStatus::parse(&l.status).editable() {
        Ok(())
    } else {
        Err(AppError::validation(field, t().letters.not_editable))
    }
}

fn public_id() -> Result<String, AppError> {
    // 16 random bytes, base32-like: non-sequential and unguessable, URL-safe.
    let mut b = [0u8; 10];
    getrandom::fill(&mut b).map_err(AppError::internal)?;
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

const IN_FLIGHT: [&str; 2] = ["sending", "sent"];

/// Saves a draft, or schedules (`schedule`), the letter `id` (or a new one).
pub async fn save(
    db: &DatabaseConnection,
    user: Uuid,
    id: Option<Uuid>,
    form: LetterForm,
    schedule: bool,
) -> Result<LetterView, AppError> {
    let letters = service()?;
    let account = user_row(db, user).await?;
    let existing = match id {
        Some(id) => Some(own_letter(db, user, id).await?),
        None => None,
    };
    let tz_name = existing
        .as_ref()
        .map_or_else(|| account.timezone.clone(), |l| l.timezone.clone());
    let tz = zone(&tz_name);
    if let Some(l) = &existing {
        ensure_editable(l, "letter")?;
        if LetterStatus::parse(&l.status) == LetterStatus::Scheduled && !schedule {
            return Err(AppError::validation(
                "letter",
                t().letters.scheduled_save_first,
            ));
        }
    }

    // Every check first; nothing is written unless all pass.
    let mut problems = FieldErrors::default();
    let title = problems.take(rules::title(&form.title, schedule));
    let body = problems.take(rules::body(&form.body, schedule));
    let pen_name = problems.take(rules::pen_name(&form.pen_name));
    let recipients = problems.take(rules::recipients(&form.recipients, schedule));
    let topics = problems.take(super::topics::parse_topics(&form.topics));
    let now = now_ms();
    // A draft may have a time but no date yet (the form suggests 09:00).
    let has_date = !form.deliver_date.trim().is_empty();
    let deliver_at = if schedule || has_date {
        problems
            .take(local_instant(tz, &form.deliver_date, &form.deliver_time))
            .and_then(|at| {
                if schedule {
                    problems.take(check_window(at, now, letters.config.min_lead_secs))?;
                }
                Some(at)
            })
    } else {
        None
    };
    if schedule {
        let others = recipients.as_ref().map_or(0, Vec::len);
        if !form.to_self && others == 0 {
            problems.add("recipients", t().letters.choose_recipients);
        }
        if form.to_self && account.email_verified_at.is_none() {
            problems.add("to_self", t().letters.verify_email_first);
        }
        if form.send_sms
            && !recipients
                .as_ref()
                .is_some_and(|r| r.iter().any(|r| r.phone.is_some()))
        {
            problems.add("send_sms", t().letters.sms_needs_phone);
        }
    }
    problems.into_result()?;
    let (Some(title), Some(body), Some(pen_name), Some(recipients), Some(topics)) =
        (title, body, pen_name, recipients, topics)
    else {
        return Err(AppError::internal("validated letter fields missing"));
    };
    // Scheduling a public letter publishes it (on delivery): limited per account.
    let was_public = existing.as_ref().is_some_and(|l| {
        l.visibility == "public" && LetterStatus::parse(&l.status) == LetterStatus::Scheduled
    });
    if schedule && form.public && !was_public {
        super::public::take_publish(user)?;
    }

    let txn = db.begin().await?;
    let letter_id = match &existing {
        Some(l) => l.id,
        None => Uuid::new_v4(),
    };
    let status = if schedule {
        LetterStatus::Scheduled
    } else {
        existing
            .as_ref()
            .map_or(LetterStatus::Draft, |l| LetterStatus::parse(&l.status))
    };
    let mut row = match &existing {
        Some(l) => letter::ActiveModel::from(l.clone()),
        None => letter::ActiveModel {
            id: Set(letter_id),
            user_id: Set(Some(user)),
            public_id: Set(public_id()?),
            timezone: Set(tz_name.clone()),
            created_ms: Set(now),
            delivered_ms: Set(None),
            ..Default::default()
        },
    };
    row.title = Set(title);
    row.body = Set(body);
    row.status = Set(status.as_str().to_owned());
    row.deliver_at_ms = Set(deliver_at);
    row.to_self = Set(form.to_self);
    row.send_sms = Set(form.send_sms);
    row.visibility = Set(if form.public { "public" } else { "private" }.to_owned());
    row.pen_name = Set(pen_name);
    row.updated_ms = Set(now);
    if existing.is_some() {
        row.update(&txn).await?;
    } else {
        row.insert(&txn).await?;
    }
    super::topics::set_topics(&txn, letter_id, &topics).await?;

    // Replace the recipients that have not started delivery; if any has, the letter is
    // already on its way and stays as it is.
    letter_recipient::Entity::delete_many()
        .filter(letter_recipient::Column::LetterId.eq(letter_id))
        .filter(letter_recipient::Column::Status.is_not_in(IN_FLIGHT))
        .exec(&txn)
        .await?;
    let started = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(letter_id))
        .count(&txn)
        .await?;
    if started > 0 {
        txn.rollback().await?;
        return Err(AppError::validation(
            "letter",
            t().letters.delivery_begun_change,
        ));
    }
    let domain = letters.mail_domain();
    let recipient_status = if schedule { "pending" } else { "draft" };
    let mut rows = Vec::new();
    if form.to_self {
        rows.push((true, None, account.email.clone(), None));
    }
    for r in recipients {
        rows.push((false, r.name, r.email, r.phone));
    }
    for (position, (is_self, name, email, phone)) in rows.into_iter().enumerate() {
        let rid = Uuid::new_v4();
        letter_recipient::ActiveModel {
            id: Set(rid),
            letter_id: Set(letter_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            is_self: Set(is_self),
            name: Set(name),
            email: Set(email),
            phone: Set(phone),
            status: Set(recipient_status.into()),
            next_attempt_ms: Set(deliver_at),
            attempts: Set(0),
            lease_owner: Set(None),
            lease_until_ms: Set(None),
            message_id: Set(format!(
                "<letter.{}.{}@{domain}>",
                letter_id.simple(),
                rid.simple()
            )),
            token_hash: Set(schedule.then(|| digest(&letters.link_token(rid)))),
            sent_ms: Set(None),
            sms_sent_ms: Set(None),
            last_error: Set(None),
            thanked_ms: Set(None),
            thanks_note: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    if schedule {
        letters.wake.notify_waiters();
        tracing::info!(letter = %letter_id, "letter scheduled");
    }
    letter_view(db, user, letter_id).await
}

fn recipient_view(r: letter_recipient::Model) -> RecipientView {
    RecipientView {
        id: r.id,
        is_self: r.is_self,
        name: r.name,
        email: r.email,
        phone: r.phone,
        status: r.status,
        attempts: r.attempts,
        sent_ms: r.sent_ms,
        last_error: r.last_error,
        thanked: r.thanked_ms.is_some(),
        thanks_note: r.thanks_note,
    }
}

fn image_view(i: letter_image::Model, url: String) -> ImageView {
    ImageView {
        id: i.id,
        url,
        width: i.width,
        height: i.height,
        alt: i.alt,
        bytes: i.bytes,
    }
}

async fn images_of(
    db: &impl ConnectionTrait,
    letter: Uuid,
) -> Result<Vec<letter_image::Model>, AppError> {
    Ok(letter_image::Entity::find()
        .filter(letter_image::Column::LetterId.eq(letter))
        .order_by_asc(letter_image::Column::Position)
        .order_by_asc(letter_image::Column::CreatedMs)
        .all(db)
        .await?)
}

/// The author's view of one of their letters.
pub async fn letter_view(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
) -> Result<LetterView, AppError> {
    let l = own_letter(db, user, id).await?;
    let recipients = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(l.id))
        .order_by_asc(letter_recipient::Column::Position)
        .all(db)
        .await?;
    let images = images_of(db, l.id).await?;
    let topics = super::topics::topics_of(db, l.id).await?;
    let on_wall = l.visibility == "public"
        && l.status == LetterStatus::Delivered.as_str()
        && l.hidden_ms.is_none();
    let tz = zone(&l.timezone);
    let (deliver_local, deliver_utc, deliver_date, deliver_time) = match l.deliver_at_ms {
        Some(at) => {
            let (local, utc) = describe(at, tz);
            let dt = DateTime::<Utc>::from_timestamp_millis(at)
                .unwrap_or_default()
                .with_timezone(&tz);
            (
                Some(local),
                Some(utc),
                dt.format("%Y-%m-%d").to_string(),
                dt.format("%H:%M").to_string(),
            )
        }
        None => (None, None, String::new(), String::new()),
    };
    Ok(LetterView {
        id: l.id,
        html: crate::markdown::render(&l.body),
        title: l.title,
        body: l.body,
        status: LetterStatus::parse(&l.status),
        deliver_at_ms: l.deliver_at_ms,
        deliver_date,
        deliver_time,
        deliver_local,
        deliver_utc,
        timezone: l.timezone,
        to_self: l.to_self,
        send_sms: l.send_sms,
        public: l.visibility == "public",
        pen_name: l.pen_name,
        topics,
        wall_url: on_wall.then(|| format!("/wall/{}", l.public_id)),
        hidden: l.hidden_ms.is_some(),
        recipients: recipients.into_iter().map(recipient_view).collect(),
        images: images
            .into_iter()
            .map(|i| {
                let url = format!("/api/letters/images/{}", i.id);
                image_view(i, url)
            })
            .collect(),
        created_ms: l.created_ms,
        updated_ms: l.updated_ms,
        delivered_ms: l.delivered_ms,
    })
}

/// The caller's letters (newest change first), unread notifications and compose settings.
pub async fn overview(db: &DatabaseConnection, user: Uuid) -> Result<LettersHome, AppError> {
    let letters_cfg = service()?;
    let account = user_row(db, user).await?;
    let rows = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .order_by_desc(letter::Column::UpdatedMs)
        .limit(500)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|l| l.id).collect();
    let mut recipient_counts = std::collections::HashMap::<Uuid, usize>::new();
    for (letter_id,) in letter_recipient::Entity::find()
        .select_only()
        .column(letter_recipient::Column::LetterId)
        .filter(letter_recipient::Column::LetterId.is_in(ids.clone()))
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *recipient_counts.entry(letter_id).or_default() += 1;
    }
    let mut image_counts = std::collections::HashMap::<Uuid, usize>::new();
    for (letter_id,) in letter_image::Entity::find()
        .select_only()
        .column(letter_image::Column::LetterId)
        .filter(letter_image::Column::LetterId.is_in(ids))
        .into_tuple::<(Uuid,)>()
        .all(db)
        .await?
    {
        *image_counts.entry(letter_id).or_default() += 1;
    }
    let letters = rows
        .into_iter()
        .map(|l| LetterSummary {
            id: l.id,
            title: l.title,
            status: LetterStatus::parse(&l.status),
            deliver_at_ms: l.deliver_at_ms,
            deliver_local: l.deliver_at_ms.map(|at| describe(at, zone(&l.timezone)).0),
            recipients: recipient_counts.get(&l.id).copied().unwrap_or(0),
            images: image_counts.get(&l.id).copied().unwrap_or(0),
            updated_ms: l.updated_ms,
        })
        .collect();
    let notifications = crate::notifications::ssr::unread(db, user).await?;
    Ok(LettersHome {
        letters,
        notifications,
        now_ms: now_ms(),
        timezone: account.timezone,
        own_email: account.email,
        email_verified: account.email_verified_at.is_some(),
        min_lead_secs: letters_cfg.config.min_lead_secs,
    })
}

/// Spells out a date and time in the caller's zone.
pub async fn preview(
    db: &DatabaseConnection,
    user: Uuid,
    date: &str,
    time: &str,
) -> Result<DeliveryPreview, AppError> {
    let account = user_row(db, user).await?;
    let tz = zone(&account.timezone);
    let at = local_instant(tz, date, time)?;
    let (local, utc) = describe(at, tz);
    let delta = at - now_ms();
    let in_words = if delta <= 0 {
        t().letters.in_past.to_owned()
    } else {
        fill(
            t().letters.in_span,
            &[("span", &rules::duration_words(delta))],
        )
    };
    Ok(DeliveryPreview {
        local,
        utc,
        in_words,
    })
}

/// Cancels a scheduled letter whose delivery has not begun.
pub async fn cancel(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<LetterView, AppError> {
    let l = own_letter(db, user, id).await?;
    if LetterStatus::parse(&l.status) != LetterStatus::Scheduled {
        return Err(AppError::validation(
            "letter",
            t().letters.only_scheduled_cancel,
        ));
    }
    let txn = db.begin().await?;
    letter_recipient::Entity::update_many()
        .col_expr(letter_recipient::Column::Status, "cancelled".into())
        .filter(letter_recipient::Column::LetterId.eq(id))
        .filter(letter_recipient::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    let started = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(id))
        .filter(letter_recipient::Column::Status.is_in(IN_FLIGHT))
        .count(&txn)
        .await?;
    if started > 0 {
        txn.rollback().await?;
        return Err(AppError::validation(
            "letter",
            t().letters.delivery_begun_cancel,
        ));
    }
    letter::Entity::update_many()
        .col_expr(letter::Column::Status, "cancelled".into())
        .col_expr(letter::Column::UpdatedMs, now_ms().into())
        .filter(letter::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    letter_view(db, user, id).await
}

/// Deletes a letter, its recipients and its images (not while a delivery is in flight).
pub async fn delete(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<(), AppError> {
    let letters = service()?;
    own_letter(db, user, id).await?;
    let images = images_of(db, id).await?;
    let txn = db.begin().await?;
    letter_recipient::Entity::delete_many()
        .filter(letter_recipient::Column::LetterId.eq(id))
        .filter(letter_recipient::Column::Status.ne("sending"))
        .exec(&txn)
        .await?;
    let sending = letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.eq(id))
        .count(&txn)
        .await?;
    if sending > 0 {
        txn.rollback().await?;
        return Err(AppError::validation("letter", t().letters.being_delivered));
    }
    letter::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    for image in images {
        if let Err(e) = letters.store.delete(&image.storage_key).await {
            tracing::warn!(error = %e, "deleting an image file failed; the retention job retries");
        }
    }
    Ok(())
}

/// Refuses file names that try to name a path: the name is only shown to the author (as
/// the default alt text); the stored file gets a name of the server's own.
/// Shares a letter on the wall or takes it down, at any time; sharing is limited per
/// account (taking down never is). A delivered letter appears on (or leaves) the wall at
/// once; a scheduled one when it is delivered.
pub async fn set_public(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
    public: bool,
) -> Result<LetterView, AppError> {
    let l = own_letter(db, user, id).await?;
    if public && l.visibility != "public" {
        super::public::take_publish(user)?;
    }
    letter::Entity::update_many()
        .col_expr(
            letter::Column::Visibility,
            if public { "public" } else { "private" }.into(),
        )
        .filter(letter::Column::Id.eq(l.id))
        .exec(db)
        .await?;
    super::public::changed();
    letter_view(db, user, id).await
}

pub fn check_file_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.contains('/')
        || n.contains('\\')
        || n.contains("..")
        || n.chars().any(char::is_control)
        || n.chars().count() > 200
    {
        return Err(AppError::validation("image", t().letters.bad_file_name));
    }
    Ok(n.to_owned())
}

/// Adds an uploaded image to one of the caller's editable letters.
pub async fn add_image(
    db: &DatabaseConnection,
    letters: &Letters,
    user: Uuid,
    letter_id: Uuid,
    file_name: &str,
    bytes: Vec<u8>,
) -> Result<ImageView, AppError> {
    let alt = check_file_name(file_name)?;
    let l = own_letter(db, user, letter_id).await?;
    ensure_editable(&l, "image")?;
    let count = letter_image::Entity::find()
        .filter(letter_image::Column::LetterId.eq(letter_id))
        .count(db)
        .await?;
    if count >= rules::MAX_IMAGES as u64 {
        return Err(AppError::validation(
            "image",
            fill(t().letters.too_many_images, &[("max", &rules::MAX_IMAGES)]),
        ));
    }
    let limits = letters.image_limits();
    let processed = tokio::task::spawn_blocking(move || process(&bytes, &limits))
        .await
        .map_err(AppError::internal)?
        .map_err(|e| AppError::validation("image", e.to_string()))?;
    // Summed here rather than with SUM(), whose type differs between engines (NUMERIC on
    // PostgreSQL); a user has at most a few hundred images.
    let used: i64 = letter_image::Entity::find()
        .select_only()
        .column(letter_image::Column::Bytes)
        .filter(letter_image::Column::UserId.eq(user))
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .sum();
    let size = i64::try_from(processed.bytes.len()).unwrap_or(i64::MAX);
    let quota = i64::try_from(letters.config.quota_bytes).unwrap_or(i64::MAX);
    if used + size > quota {
        return Err(AppError::validation(
            "image",
            fill(
                t().letters.quota,
                &[("mb", &(letters.config.quota_bytes / (1024 * 1024)))],
            ),
        ));
    }
    let id = Uuid::new_v4();
    let key = format!("{}.{}", id.simple(), processed.kind.extension());
    letters
        .store
        .put(&key, processed.bytes)
        .await
        .map_err(AppError::internal)?;
    let model = letter_image::ActiveModel {
        id: Set(id),
        letter_id: Set(letter_id),
        user_id: Set(Some(user)),
        position: Set(i32::try_from(count).unwrap_or(0)),
        storage_key: Set(key.clone()),
        mime: Set(processed.kind.mime().to_owned()),
        bytes: Set(size),
        width: Set(i32::try_from(processed.width).unwrap_or(i32::MAX)),
        height: Set(i32::try_from(processed.height).unwrap_or(i32::MAX)),
        alt: Set(alt.chars().take(200).collect()),
        created_ms: Set(now_ms()),
    };
    match model.insert(db).await {
        Ok(m) => Ok(image_view(m, format!("/api/letters/images/{id}"))),
        Err(e) => {
            letters.store.delete(&key).await.ok();
            Err(e.into())
        }
    }
}

/// An image's bytes and type, for the letter's author.
pub async fn image_for_author(
    db: &DatabaseConnection,
    letters: &Letters,
    user: Uuid,
    image: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    let (img, _) = own_image(db, user, image).await?;
    blob(letters, img).await
}

/// An image's bytes and type, for the holder of a delivered letter's link.
pub async fn image_for_token(
    db: &DatabaseConnection,
    letters: &Letters,
    token: &str,
    image: Uuid,
) -> Result<(String, Vec<u8>), AppError> {
    let recipient = delivered_recipient(db, token).await?;
    let img = letter_image::Entity::find_by_id(image)
        .filter(letter_image::Column::LetterId.eq(recipient.letter_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    blob(letters, img).await
}

pub async fn blob(
    letters: &Letters,
    img: letter_image::Model,
) -> Result<(String, Vec<u8>), AppError> {
    let bytes = letters
        .store
        .get(&img.storage_key)
        .await
        .map_err(|e| match e {
            super::storage::StoreError::NotFound => AppError::NotFound,
            e => AppError::internal(e),
        })?;
    Ok((img.mime, bytes))
}

pub async fn delete_image(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<(), AppError> {
    let letters = service()?;
    let (img, l) = own_image(db, user, id).await?;
    ensure_editable(&l, "image")?;
    letter_image::Entity::delete_by_id(id).exec(db).await?;
    if let Err(e) = letters.store.delete(&img.storage_key).await {
        tracing::warn!(error = %e, "deleting an image file failed");
    }
    Ok(())
}

/// The recipient row a link token opens, if its letter reached that recipient.
async fn delivered_recipient(
    db: &impl ConnectionTrait,
    token: &str,
) -> Result<letter_recipient::Model, AppError> {
    let token = token.trim();
    if token.is_empty() || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    letter_recipient::Entity::find()
        .filter(letter_recipient::Column::TokenHash.eq(digest(token)))
        .filter(letter_recipient::Column::Status.eq("sent"))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// A delivered letter as its recipient reads it.
pub async fn read(db: &DatabaseConnection, token: &str) -> Result<ReadView, AppError> {
    let r = delivered_recipient(db, token).await?;
    let l = letter::Entity::find_by_id(r.letter_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let author = author_of(db, &l).await?;
    let tz = zone(&l.timezone);
    let from = if r.is_self {
        t().letters.from_past_self.to_owned()
    } else {
        author.map_or_else(|| t().letters.from_someone.to_owned(), |a| a.username)
    };
    let images = images_of(db, l.id)
        .await?
        .into_iter()
        .map(|i| {
            let url = format!("/l/{}/images/{}", token.trim(), i.id);
            image_view(i, url)
        })
        .collect();
    Ok(ReadView {
        html: crate::markdown::render(&l.body),
        title: l.title,
        images,
        from,
        written_on: long_date(l.created_ms, tz),
        delivered_on: long_date(r.sent_ms.unwrap_or(l.created_ms), tz),
        is_self: r.is_self,
        thanked: r.thanked_ms.is_some(),
    })
}

/// Records the recipient's thanks (once) and tells the author.
pub async fn thank(db: &DatabaseConnection, token: &str, note: &str) -> Result<(), AppError> {
    let note = rules::thanks_note(note)?;
    let r = delivered_recipient(db, token).await?;
    if r.is_self {
        return Err(AppError::validation("note", t().letters.thank_self));
    }
    let done = letter_recipient::Entity::update_many()
        .col_expr(letter_recipient::Column::ThankedMs, now_ms().into())
        .col_expr(letter_recipient::Column::ThanksNote, note.clone().into())
        .filter(letter_recipient::Column::Id.eq(r.id))
        .filter(letter_recipient::Column::ThankedMs.is_null())
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Ok(());
    }
    let l = letter::Entity::find_by_id(r.letter_id).one(db).await?;
    if let Some(l) = l
        && let Some(author) = author_of(db, &l).await?
    {
        // Stored for the author to read later: in the author's language.
        let t = &account_lang(&author).texts().letters;
        let who = r.name.clone().unwrap_or_else(|| t.a_recipient.into());
        let body = match &note {
            Some(n) => fill(
                t.thanks_body_note,
                &[("who", &who), ("title", &l.title), ("note", n)],
            ),
            None => fill(t.thanks_body, &[("who", &who), ("title", &l.title)]),
        };
        crate::notifications::ssr::notify(
            db,
            author.id,
            Kind::LetterThanks,
            t.thanks_title,
            &body,
            Some(&format!("/letters/{}", l.id)),
        )
        .await?;
    }
    Ok(())
}

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
}
