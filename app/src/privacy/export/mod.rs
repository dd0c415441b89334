//! "Export my data": a ZIP archive of everything an account holds, built in the background.
//!
//! - [`request`] starts a build (or answers the one under way) and returns at once; the
//!   builder runs as a task of this process and records its progress on the
//!   `data_export` row, which [`status`] reads (the settings page polls it).
//! - The archive is written to the blob store as `<export id>.zip` and offered through
//!   `GET /account/export/{id}`, to its owner only, for [`EXPORT_KEPT_DAYS`] days; the
//!   retention job then deletes it.
//! - A build interrupted by a restart stops updating its row; after [`STALLED_AFTER_MS`] it is
//!   shown as failed and a new one may be requested.
//!
//! The archive holds every table that refers to the account (see the README written into
//! it, [`README`]), each as JSON and, where it is a list, also CSV. What is left out, and
//! why: the password (stored only as an argon2id hash), the hashes of session cookies and
//! email links (secrets, useless outside Ripen), and earlier exports.

mod account;
mod announcements;
mod archive;
mod billing;
mod breach;
mod checkins;
mod diary;
mod focus;
mod letters;
mod review;
mod wall;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ExprTrait,
    QueryFilter, QueryOrder, TransactionTrait,
    sea_query::{Query, SelectStatement},
};
use uuid::Uuid;

use self::archive::Archive;
use super::{ExportState, ExportView, entities::data_export};
use crate::clock::now_ms;
use crate::format::instant_in;
use crate::{
    AppError,
    account::ssr::{entities::user_account, require_user},
    i18n::{Lang, account::Account as AccountTexts},
    letters::{
        ssr::Letters,
        storage::{BlobStore, ByteStream, Spool},
    },
    notifications::Notice,
};

/// How long a finished archive can be downloaded.
pub const EXPORT_KEPT_DAYS: i64 = 7;
/// A build whose row has not moved for this long was interrupted (the process stopped).
pub const STALLED_AFTER_MS: i64 = 5 * 60 * 1000;
/// A new export may be asked for this long after the last one that was built.
pub const EXPORT_EVERY_MS: i64 = 10 * 60 * 1000;

/// The owner's view of an export row at `now`.
pub fn view(row: &data_export::Model, timezone: &str, now: i64) -> ExportView {
    let stalled = row.status == ExportState::Building && now - row.updated_ms > STALLED_AFTER_MS;
    let expired = row.expires_ms.is_some_and(|e| e <= now);
    let status = if stalled {
        ExportState::Failed
    } else if expired {
        ExportState::Expired
    } else {
        row.status
    };
    let fixed = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .unwrap_or_default()
            .fixed_offset()
    };
    ExportView {
        id: row.id.to_string(),
        status,
        progress: row.progress.clamp(0, 100) as u8,
        step: if stalled {
            crate::i18n::t().account.export_interrupted.to_owned()
        } else {
            row.step.clone()
        },
        bytes: row.bytes.and_then(|b| u64::try_from(b).ok()),
        requested: instant_in(fixed(row.created_ms), timezone),
        expires: row.expires_ms.map(|e| instant_in(fixed(e), timezone)),
        download: (status == ExportState::Ready).then(|| format!("/account/export/{}", row.id)),
    }
}

async fn latest(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Option<data_export::Model>, AppError> {
    Ok(data_export::Entity::find()
        .filter(data_export::Column::UserId.eq(user))
        .order_by_desc(data_export::Column::CreatedMs)
        .one(db)
        .await?)
}

/// The signed-in user's latest export, if any.
pub async fn status() -> Result<Option<ExportView>, AppError> {
    let (_, user) = require_user().await?;
    let db = crate::request::db()?;
    Ok(latest(&db, user.id)
        .await?
        .map(|row| view(&row, &user.timezone, now_ms())))
}

/// Starts an export for the signed-in user, unless one is being built (then answers that
/// one). A new export replaces the previous archive.
pub async fn request() -> Result<ExportView, AppError> {
    let (_, user) = require_user().await?;
    let db = crate::request::db()?;
    let letters = crate::letters::ssr::service()?;
    let now = now_ms();
    // Under the account's lock, so requests at once start one build, not one each.
    let txn = db.begin().await?;
    crate::account::ssr::lock_account(&txn, user.id).await?;
    if let Some(row) = latest(&txn, user.id).await? {
        if row.status == ExportState::Building && now - row.updated_ms <= STALLED_AFTER_MS {
            txn.commit().await?;
            return Ok(view(&row, &user.timezone, now));
        }
        // Each build reads every row the account has: at most one per EXPORT_EVERY_MS.
        let wait = row.created_ms + EXPORT_EVERY_MS - now;
        if row.status == ExportState::Ready && wait > 0 {
            txn.commit().await?;
            return Err(AppError::RateLimited {
                retry_after_secs: u64::try_from(wait / 1000 + 1).unwrap_or(1),
            });
        }
    }
    // The build runs after this request: its progress steps and the "ready" notification
    // speak the account's language, or else the one this request was made in.
    let texts = &user
        .language
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_else(crate::i18n::lang)
        .texts()
        .account;
    let id = Uuid::new_v4();
    let row = data_export::Model {
        id,
        user_id: user.id,
        status: ExportState::Building,
        progress: 0,
        step: texts.step_starting.into(),
        storage_key: None,
        bytes: None,
        created_ms: now,
        updated_ms: now,
        expires_ms: None,
    };
    // Every column of the new row, as it is written.
    data_export::Entity::insert(data_export::ActiveModel::from(row.clone()).reset_all())
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await?;
    // The previous exports go now (files first), outside the lock.
    remove(
        &db,
        letters.store.as_ref(),
        data_export::Entity::find()
            .filter(data_export::Column::UserId.eq(user.id))
            .filter(data_export::Column::Id.ne(id))
            .all(&db)
            .await?,
    )
    .await?;
    let db = db.clone();
    let owner = user.id;
    tokio::spawn(async move {
        if let Err(e) = run(&db, &letters, owner, id, texts).await {
            tracing::warn!(export = %id, error = %e, "data export failed");
            let _ = data_export::Entity::update_many()
                .col_expr(
                    data_export::Column::Status,
                    ExportState::Failed.as_str().into(),
                )
                .col_expr(data_export::Column::Step, texts.export_failed.into())
                .col_expr(data_export::Column::UpdatedMs, now_ms().into())
                .filter(data_export::Column::Id.eq(id))
                .exec(&db)
                .await;
        }
    });
    tracing::info!(export = %id, user = %user.id, "data export requested");
    Ok(view(&row, &user.timezone, now))
}

/// Deletes every export of `user`, files first.
pub async fn remove_all(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    user: Uuid,
) -> Result<u64, AppError> {
    let rows = data_export::Entity::find()
        .filter(data_export::Column::UserId.eq(user))
        .all(db)
        .await?;
    remove(db, store, rows).await
}

/// Deletes the archives whose link ended before `now`, and rows of builds that stalled a day
/// ago; answers how many exports went.
pub async fn remove_expired(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    now: i64,
) -> Result<u64, AppError> {
    let rows = data_export::Entity::find()
        .filter(
            data_export::Column::ExpiresMs
                .lte(now)
                .or(data_export::Column::Status
                    .ne(ExportState::Ready)
                    .and(data_export::Column::UpdatedMs.lte(now - 24 * 3600 * 1000))),
        )
        .all(db)
        .await?;
    remove(db, store, rows).await
}

async fn remove(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    rows: Vec<data_export::Model>,
) -> Result<u64, AppError> {
    let n = rows.len() as u64;
    for row in rows {
        if let Some(key) = &row.storage_key {
            store
                .delete(key)
                .await
                .map_err(|e| AppError::internal_while("deleting an export", e))?;
        }
        data_export::Entity::delete_by_id(row.id).exec(db).await?;
    }
    Ok(n)
}

/// An archive on its way to its owner: the name to save it under, its size, and its bytes
/// as they are read from the store.
pub struct Download {
    pub name: String,
    pub bytes: u64,
    pub body: ByteStream,
}

/// The archive for its owner. Someone else's export, or one not ready, is "not found"; one
/// past its link's end is `Gone`.
pub async fn download(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    user: &user_account::Model,
    id: Uuid,
    now: i64,
) -> Result<Download, AppError> {
    let row = data_export::Entity::find_by_id(id)
        .filter(data_export::Column::UserId.eq(user.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = match (row.status, &row.storage_key) {
        (ExportState::Ready, Some(key)) => key,
        _ => return Err(AppError::NotFound),
    };
    if row.expires_ms.is_none_or(|e| e <= now) {
        return Err(AppError::Gone);
    }
    let body = store.stream(key).await.map_err(|_| AppError::Gone)?;
    Ok(Download {
        name: file_name(&user.username, row.created_ms, &user.timezone),
        bytes: row.bytes.and_then(|b| u64::try_from(b).ok()).unwrap_or(0),
        body,
    })
}

/// The archive's file name: `ripen-export-<username>-<date>.zip`, dated the day it was
/// asked for in the owner's time zone — the date the settings page shows beside it, not
/// UTC's. Only ASCII goes into the header's file name; a username in another script is
/// left out.
pub fn file_name(username: &str, created_ms: i64, timezone: &str) -> String {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let day = DateTime::<Utc>::from_timestamp_millis(created_ms)
        .unwrap_or_default()
        .with_timezone(&tz)
        .format("%Y-%m-%d");
    let who: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect();
    if who.is_empty() {
        format!("ripen-export-{day}.zip")
    } else {
        format!("ripen-export-{who}-{day}.zip")
    }
}

/// Records the builder's progress on its row, in the owner's words.
struct Progress<'a> {
    db: &'a DatabaseConnection,
    id: Uuid,
    texts: &'static AccountTexts,
}

impl Progress<'_> {
    async fn step(&self, percent: i32, step: &str) -> Result<(), AppError> {
        data_export::Entity::update_many()
            .col_expr(data_export::Column::Progress, percent.into())
            .col_expr(data_export::Column::Step, step.into())
            .col_expr(data_export::Column::UpdatedMs, now_ms().into())
            .filter(data_export::Column::Id.eq(self.id))
            .exec(self.db)
            .await?;
        Ok(())
    }
}

async fn run(
    db: &DatabaseConnection,
    letters: &Letters,
    user: Uuid,
    id: Uuid,
    texts: &'static AccountTexts,
) -> Result<(), AppError> {
    let progress = Progress { db, id, texts };
    let key = format!("{id}.zip");
    // Written to the store's spool as it is built: however large, never whole in memory.
    let spool = letters
        .store
        .spool(&key)
        .await
        .map_err(|e| AppError::internal_while("starting an export file", e))?;
    let (spool, size) = build(db, letters, user, &progress, Archive::new(spool)).await?;
    progress.step(98, texts.step_saving).await?;
    spool
        .commit()
        .await
        .map_err(|e| AppError::internal_while("storing an export", e))?;
    let size = i64::try_from(size).unwrap_or(i64::MAX);
    // The notification first: once the row says "ready", the owner may look for it.
    let notice = Notice::ExportReady {
        days: u64::try_from(EXPORT_KEPT_DAYS).unwrap_or(0),
    };
    if let Err(e) = crate::notifications::ssr::notify(db, &letters.keys, user, &notice).await {
        tracing::warn!(export = %id, error = %e, "export notification failed");
    }
    let now = now_ms();
    data_export::Entity::update_many()
        .col_expr(
            data_export::Column::Status,
            ExportState::Ready.as_str().into(),
        )
        .col_expr(data_export::Column::Progress, 100.into())
        .col_expr(data_export::Column::Step, texts.step_ready.into())
        .col_expr(data_export::Column::StorageKey, key.into())
        .col_expr(data_export::Column::Bytes, size.into())
        .col_expr(data_export::Column::UpdatedMs, now.into())
        .col_expr(
            data_export::Column::ExpiresMs,
            (now + EXPORT_KEPT_DAYS * 24 * 3600 * 1000).into(),
        )
        .filter(data_export::Column::Id.eq(id))
        .exec(db)
        .await?;
    tracing::info!(export = %id, bytes = size, "data export ready");
    Ok(())
}

/// Builds the archive of `user`'s data, reporting progress as it goes.
async fn build(
    db: &DatabaseConnection,
    service: &Letters,
    user: Uuid,
    progress: &Progress<'_>,
    mut zip: Archive,
) -> Result<(Box<dyn Spool>, u64), AppError> {
    zip.file("README.txt", README.as_bytes(), true)?;

    // Profile, settings, privacy choices and devices.
    progress.step(5, progress.texts.step_profile).await?;
    account::write(db, user, &mut zip).await?;

    // Focus: tasks, tags, sessions and the daily totals.
    progress.step(15, progress.texts.step_tasks).await?;
    let tag_names = focus::write(db, user, &mut zip).await?;

    // Check-ins.
    progress.step(30, progress.texts.step_checkins).await?;
    checkins::write(db, user, &tag_names, &mut zip).await?;

    // Diary: one Markdown file per day, and the list.
    progress.step(45, progress.texts.step_diary).await?;
    diary::write(db, user, &tag_names, &mut zip).await?;

    // Letters, their recipients and pictures.
    progress.step(60, progress.texts.step_letters).await?;
    letters::write(db, service, user, progress, &mut zip).await?;

    // The wall, notifications, breach notices and announcements.
    progress.step(95, progress.texts.step_wall).await?;
    wall::write(db, &service.keys, user, &mut zip).await?;
    breach::write(db, user, &mut zip).await?;
    announcements::write(db, user, &mut zip).await?;
    billing::write(db, user, &mut zip).await?;
    review::write(db, user, &mut zip).await?;

    zip.finish()
}

/// `SELECT <id> FROM <its table> WHERE <user column> = user`: the ids of the rows `user` owns,
/// for the rows that hang off them (tags of sessions, recipients of letters, …).
fn owned<C: ColumnTrait>(id: C, user_column: C, user: Uuid) -> SelectStatement {
    Query::select()
        .column(id)
        .from(id.entity_name())
        .and_where(user_column.eq(user))
        .to_owned()
}

/// Groups link-table pairs by their owner.
fn links(pairs: impl Iterator<Item = (Uuid, Uuid)>) -> HashMap<Uuid, Vec<Uuid>> {
    let mut map: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (owner, tag) in pairs {
        map.entry(owner).or_default().push(tag);
    }
    map
}

/// The names of the tags `links` gives `owner`, in link order, leaving out any tag not in
/// `tag_names` (the owner's tags, by id).
fn names_of(
    tag_names: &HashMap<Uuid, String>,
    links: &HashMap<Uuid, Vec<Uuid>>,
    owner: Uuid,
) -> Vec<String> {
    links
        .get(&owner)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|id| tag_names.get(id).cloned())
        .collect()
}

/// The archive's guide to itself.
pub const README: &str = "\
Your Ripen data
===============

This archive holds everything your Ripen account keeps about you, as it was when you
asked for it. Lists come twice: as JSON (exact, for programs) and as CSV (for
spreadsheets; a cell that starts with = + - @, a tab or a carriage return gets a
leading apostrophe so that no spreadsheet runs it as a formula). Times are in UTC (RFC 3339); days are your own days,
as your time zone and day start decided when you recorded them.

profile.json              your account: username, email, phone, time zone, when you
                          joined, the version of the terms you accepted
settings.json             your focus timer settings
consent.json / .csv       every privacy choice you made, under which policy version,
                          where (first-visit dialog or settings) and from which browser
devices.json / .csv       the browsers signed in to your account, with the address each
                          was last used from
security_activity.json/.csv  sign-ins from new browsers and changes to how your account
                          is signed in to (a year of them): when, what, the browser
                          family and the network
sign_in_services.json/.csv  the services you linked to sign in with: which service, its
                          address and the number it uses for you (nothing else is kept)
passkeys.json / .csv      your passkeys: the name you gave each, its credential id, when
                          it was added and last used (Ripen keeps only its public key)
tasks.json / .csv         your tasks
tags.json / .csv          your tags
focus_sessions.json/.csv  every focus session: when, how long, task, tags, note
focus_days.json / .csv    daily focus totals (computed from your focus sessions of a
                          minute or more; shorter ones are listed but do not count)
focus_tag_days.json/.csv  daily focus time per tag (the same sessions)
habits.json / .csv        your check-in items and their schedules
checkins.json / .csv      every check-in, with its note and tags
diary/entries.json / .csv your diary, and diary/<day>.md, one Markdown file per day
letters/letters.json      your letters with their recipients, delivery status, thanks
letters/letters.csv       received, pictures and wall details; and for each letter
letters/<id>/letter.md    its text and letters/<id>/picture-<n>.<ext> its pictures
wall/likes.json / .csv    letters on the wall you liked
wall/reports.json / .csv  letters on the wall you reported
staff/roles.json / .csv   your staff roles at Ripen (if you have any)
staff/actions.json / .csv what you did as staff, from the audit log (if anything)
notifications.json / .csv the notifications Ripen showed you
breach_notices.json/.csv  the security incidents Ripen told you about: when you were
                          told in Ripen, and whether and when the email went out
announcements/dismissed.json / .csv  the announcements you dismissed, and when
announcements/emailed.json / .csv    the announcements emailed to you, and when
billing/orders.json / .csv     your Ripen Plus orders: number, what and how much, the
                          payment provider and its transaction number, what became of it,
                          and the span of Plus it bought (never your payment account)
billing/refunds.json / .csv    money given back on your orders
billing/subscription.json/.csv until when you have Plus
shared_years.json / .csv  the years in review you share, and their addresses

Not included: your password (Ripen keeps only an argon2id hash of it, which is of no
use to you), the hashes of your session cookies, browser cookies and email links,
your two-step verification key and the hashes of your recovery codes (secrets that only
work inside Ripen), and the count of people you sent letters to in the last day (kept
for a day to enforce the daily limit; your letters above name every recipient).

This download link works for 7 days, and only for you while signed in. To have
everything erased, close your account in Settings: after 30 days nothing of it is left.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stalled_or_expired_export_is_not_offered() {
        let row = data_export::Model {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            status: ExportState::Building,
            progress: 40,
            step: "Diary".into(),
            storage_key: None,
            bytes: None,
            created_ms: 0,
            updated_ms: 1_000,
            expires_ms: None,
        };
        let v = view(&row, "UTC", 1_000 + STALLED_AFTER_MS);
        assert_eq!((v.status, v.progress), (ExportState::Building, 40));
        assert!(v.download.is_none());
        let v = view(&row, "UTC", 1_001 + STALLED_AFTER_MS);
        assert_eq!(v.status, ExportState::Failed);
        let ready = data_export::Model {
            status: ExportState::Ready,
            storage_key: Some("x.zip".into()),
            expires_ms: Some(10_000),
            ..row
        };
        assert_eq!(
            view(&ready, "UTC", 9_999).download.as_deref(),
            Some("/account/export/00000000-0000-0000-0000-000000000000")
        );
        let v = view(&ready, "UTC", 10_000);
        assert_eq!(v.status, ExportState::Expired);
        assert!(v.download.is_none());
    }

    #[test]
    fn the_file_is_named_with_the_owners_local_date() {
        // 30 Nov 2026, 20:30 UTC: already 1 December in Shanghai, still 30 November in
        // New York; 1 Dec 2026, 03:00 UTC: 30 November in New York.
        let evening = DateTime::parse_from_rfc3339("2026-11-30T20:30:00Z")
            .unwrap()
            .timestamp_millis();
        let night = DateTime::parse_from_rfc3339("2026-12-01T03:00:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            file_name("ann", evening, "Asia/Shanghai"),
            "ripen-export-ann-2026-12-01.zip"
        );
        assert_eq!(
            file_name("ann", evening, "UTC"),
            "ripen-export-ann-2026-11-30.zip"
        );
        assert_eq!(
            file_name("ann", night, "America/New_York"),
            "ripen-export-ann-2026-11-30.zip"
        );
        // The page shows the same day.
        let shown = view(
            &data_export::Model {
                id: Uuid::nil(),
                user_id: Uuid::nil(),
                status: ExportState::Ready,
                progress: 100,
                step: String::new(),
                storage_key: None,
                bytes: None,
                created_ms: evening,
                updated_ms: evening,
                expires_ms: None,
            },
            "Asia/Shanghai",
            evening,
        );
        assert_eq!(shown.requested, "1 Dec 2026, 04:30");
        // A zone this build does not know is UTC, as on the page; a name in another
        // script is left out of the header.
        assert_eq!(
            file_name("ann", evening, "Mars/Olympus"),
            "ripen-export-ann-2026-11-30.zip"
        );
        assert_eq!(
            file_name("小明", evening, "Asia/Shanghai"),
            "ripen-export-2026-12-01.zip"
        );
    }
}
