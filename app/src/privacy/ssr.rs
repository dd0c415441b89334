//! Server side of the devices list, account closing and the retention job.

use std::{sync::Arc, time::Duration as StdDuration};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::{DELETION_GRACE_DAYS, DeviceView, device_summary_in, entities::data_export};
use crate::{
    AppError,
    account::ssr::{
        entities::{account_token, auth_session, consent_record, security_event, user_account},
        require_user, security, session, verify_current_password,
    },
    clock::now_ms,
    letters::{
        LetterStatus, RecipientStatus,
        entities::{letter, letter_image, letter_recipient, letter_send},
        storage::BlobStore,
    },
    mail::templates,
    notifications::SecurityKind,
};

/// How often the retention job runs.
const RETENTION_EVERY: StdDuration = StdDuration::from_secs(3600);
/// Used or expired email links are kept this long (to answer "this link was already used"),
/// then deleted.
const SPENT_TOKENS_KEPT_DAYS: i64 = 7;
/// A stored file no row names is deleted once it is this old (a file is written just before
/// its row, so a younger one may be an upload or an export under way).
pub const ORPHANS_AFTER_DAYS: i64 = 1;
/// How long an email written to the outbox (a server without SMTP) is kept.
pub const OUTBOX_KEPT_DAYS: i64 = 7;

use crate::format::instant_in;

pub async fn devices() -> Result<Vec<DeviceView>, AppError> {
    let (current, user) = require_user().await?;
    let db = crate::request::db()?;
    let rows = auth_session::Entity::find()
        .filter(auth_session::Column::UserId.eq(user.id))
        .order_by_desc(auth_session::Column::LastSeenAt)
        .all(&db)
        .await?;
    let mut list: Vec<DeviceView> = rows
        .into_iter()
        .map(|s| DeviceView {
            current: s.id_hash == current.id_hash,
            summary: device_summary_in(crate::i18n::lang(), s.user_agent.as_deref()),
            ip: s.ip,
            signed_in: instant_in(s.created_at, &user.timezone),
            last_used: instant_in(s.last_seen_at, &user.timezone),
            id: s.id_hash,
        })
        .collect();
    list.sort_by_key(|d| !d.current);
    Ok(list)
}

pub async fn end_device(id: &str) -> Result<(), AppError> {
    let (current, user) = require_user().await?;
    let db = crate::request::db()?;
    let accounts = crate::account::ssr::accounts()?;
    if id == current.id_hash {
        return session::end_current(&db, &accounts).await;
    }
    // Scoped to the owner: another account's session id ends nothing and says so.
    let ended = auth_session::Entity::delete_many()
        .filter(auth_session::Column::IdHash.eq(id))
        .filter(auth_session::Column::UserId.eq(user.id))
        .exec(&db)
        .await?
        .rows_affected;
    if ended == 0 {
        return Err(AppError::NotFound);
    }
    accounts.live.end_session(id);
    Ok(())
}

pub async fn end_all_devices() -> Result<(), AppError> {
    let (_, user) = require_user().await?;
    let db = crate::request::db()?;
    let accounts = crate::account::ssr::accounts()?;
    session::end_current(&db, &accounts).await?;
    session::end_all(&db, &accounts, user.id, None).await?;
    Ok(())
}

pub async fn close_account(current_password: String, confirm: &str) -> Result<(), AppError> {
    let (_, user) = require_user().await?;
    if confirm.trim() != user.username {
        return Err(AppError::validation(
            "confirm",
            crate::i18n::t().account.close_confirm_mismatch,
        ));
    }
    verify_current_password(&user, current_password).await?;
    close_and_tell(&user).await
}

/// How long after signing in reopened an account it can be closed again in one step.
pub const CLOSE_AGAIN_MINS: i64 = 30;

/// Closes again, in one step, an account that signing in just reopened: the password was
/// given moments ago, and the person may have signed in only to look. Refused (with the
/// way to close it with the full form) once the moment has passed, or if this session
/// did not reopen it.
pub async fn close_again() -> Result<(), AppError> {
    let (session, user) = require_user().await?;
    let db = crate::request::db()?;
    let since = std::cmp::max(
        session.created_at.timestamp_millis(),
        now_ms() - CLOSE_AGAIN_MINS * 60 * 1000,
    ) - 5_000;
    let reopened = security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(user.id))
        .filter(security_event::Column::Kind.eq(SecurityKind::AccountRestored.as_str()))
        .filter(security_event::Column::CreatedMs.gte(since))
        .one(&db)
        .await?
        .is_some();
    if !reopened {
        return Err(AppError::validation(
            "close_again",
            crate::i18n::t().security.close_again_gone,
        ));
    }
    close_and_tell(&user).await
}

/// Closes the signed-in account, ends its sessions and streams, emails the closure (with
/// the date everything is erased) and records it in the security activity.
async fn close_and_tell(user: &user_account::Model) -> Result<(), AppError> {
    let db = crate::request::db()?;
    let accounts = crate::account::ssr::accounts()?;
    let mailer = crate::request::service::<crate::mail::Mailer>()?;
    let keys = crate::request::service::<std::sync::Arc<crate::seal::Keyring>>()?;
    let now = Utc::now();
    close(&db, user.id, now.timestamp_millis()).await?;
    session::end_current(&db, &accounts).await?;
    accounts.live.end_user(user.id, None);
    let erase_on = crate::i18n::date(
        &(now + Duration::days(DELETION_GRACE_DAYS)),
        crate::i18n::DateStyle::Long,
    );
    let login = format!("{}/login", accounts.settings.site_url);
    mailer.send_later(templates::account_closed(
        &user.username,
        &user.email,
        &erase_on,
        &login,
    ));
    // The email above is the alert: the activity row and the notice are for later, if the
    // person comes back.
    security::alerts_for_request(&db, &mailer, &keys, &accounts.settings)
        .raise(user, SecurityKind::AccountClosed, false)
        .await?;
    tracing::info!(user = %user.id, "account closed");
    Ok(())
}

/// Closes an account at `now_ms`: marks it, ends every session, voids its email links and
/// cancels its scheduled letters (a delivery already under way finishes).
pub async fn close(db: &DatabaseConnection, user: Uuid, now_ms: i64) -> Result<(), AppError> {
    let txn = db.begin().await?;
    user_account::Entity::update_many()
        .col_expr(user_account::Column::DeletedMs, Expr::value(now_ms))
        .filter(user_account::Column::Id.eq(user))
        .exec(&txn)
        .await?;
    auth_session::Entity::delete_many()
        .filter(auth_session::Column::UserId.eq(user))
        .exec(&txn)
        .await?;
    account_token::Entity::delete_many()
        .filter(account_token::Column::UserId.eq(user))
        .exec(&txn)
        .await?;
    let scheduled: Vec<Uuid> = letter::Entity::find()
        .select_only()
        .column(letter::Column::Id)
        .filter(letter::Column::UserId.eq(user))
        .filter(letter::Column::Status.eq(LetterStatus::Scheduled))
        .into_tuple()
        .all(&txn)
        .await?;
    if !scheduled.is_empty() {
        letter_recipient::Entity::update_many()
            .col_expr(
                letter_recipient::Column::Status,
                Expr::value(RecipientStatus::Cancelled.as_str()),
            )
            .filter(letter_recipient::Column::LetterId.is_in(scheduled.clone()))
            .filter(letter_recipient::Column::Status.eq(RecipientStatus::Pending))
            .exec(&txn)
            .await?;
        // A letter with a delivery under way keeps its status; the scheduler settles it.
        let in_flight: Vec<Uuid> = letter_recipient::Entity::find()
            .select_only()
            .column(letter_recipient::Column::LetterId)
            .filter(letter_recipient::Column::LetterId.is_in(scheduled.clone()))
            .filter(
                letter_recipient::Column::Status
                    .is_in([RecipientStatus::Sending, RecipientStatus::Sent]),
            )
            .into_tuple()
            .all(&txn)
            .await?;
        letter::Entity::update_many()
            .col_expr(
                letter::Column::Status,
                Expr::value(LetterStatus::Cancelled.as_str()),
            )
            .col_expr(letter::Column::UpdatedMs, Expr::value(now_ms))
            .filter(letter::Column::Id.is_in(scheduled))
            .filter(letter::Column::Id.is_not_in(in_flight))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// What one run of the retention job did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub accounts_erased: u64,
    pub files_deleted: u64,
    pub sessions_ended: u64,
    pub tokens_deleted: u64,
    pub consent_records_deleted: u64,
    pub exports_deleted: u64,
    pub send_counts_deleted: u64,
    pub outbox_emails_deleted: u64,
    pub orphan_files_deleted: u64,
    pub audit_rows_deleted: u64,
    pub security_rows_deleted: u64,
    pub attempt_windows_deleted: u64,
    pub orders_deleted: u64,
}

/// The retention job, at the instant `now` (injected, so tests can move time on):
/// - erases accounts closed more than [`DELETION_GRACE_DAYS`] ago: their image files, their
///   letters (except those on the wall, which lose their recipients and their link to the
///   account), and the account row, which takes every other personal row with it (each
///   table's foreign key to the account cascades);
/// - deletes sessions past their idle or absolute limit (and with them the address they
///   were last used from), email links spent or expired more than a week ago, and anonymous
///   consent records older than 13 months, data exports whose download link ended, and
///   the counts of letters sent to others once they no longer count (after a day), and
///   emails in the outbox (`outbox`, a server without SMTP) after [`OUTBOX_KEPT_DAYS`],
///   and rows of the staff audit log after `staff::ssr::AUDIT_KEPT_DAYS`, and security
///   activity (and browsers unused) after `account::ssr::security::KEPT_DAYS`, and
///   sign-ins that waited for their second step past its end, and attempt-limit windows
///   that have ended (they hold digests of addresses and typed names), and the orders of
///   erased accounts once the bookkeeping period has passed (`billing::ssr::retention`).
pub async fn purge(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    outbox: Option<&std::path::Path>,
    session_idle: Duration,
    now: DateTime<Utc>,
) -> Result<PurgeReport, AppError> {
    let mut report = PurgeReport::default();
    let cutoff = (now - Duration::days(DELETION_GRACE_DAYS)).timestamp_millis();
    let closed: Vec<Uuid> = user_account::Entity::find()
        .select_only()
        .column(user_account::Column::Id)
        .filter(user_account::Column::DeletedMs.lte(cutoff))
        .into_tuple()
        .all(db)
        .await?;
    for user in closed {
        match erase(db, store, user).await {
            Ok(files) => {
                report.accounts_erased += 1;
                report.files_deleted += files;
            }
            // One account's trouble (say, a file that cannot be deleted yet) does not stop
            // the others; it is tried again on the next run.
            Err(e) => tracing::warn!(%user, error = %e, "erasing a closed account failed"),
        }
    }
    let now_fixed = now.fixed_offset();
    report.sessions_ended = auth_session::Entity::delete_many()
        .filter(
            auth_session::Column::ExpiresAt
                .lte(now_fixed)
                .or(auth_session::Column::LastSeenAt.lte((now - session_idle).fixed_offset())),
        )
        .exec(db)
        .await?
        .rows_affected;
    let spent = (now - Duration::days(SPENT_TOKENS_KEPT_DAYS)).fixed_offset();
    report.tokens_deleted = account_token::Entity::delete_many()
        .filter(
            account_token::Column::ExpiresAt
                .lte(spent)
                .or(account_token::Column::UsedAt.lte(spent)),
        )
        .exec(db)
        .await?
        .rows_affected;
    // An account's consent records go with it; anonymous ones outlive their cookie by nothing.
    let kept_from =
        (now - Duration::days(crate::consent::ssr::ANONYMOUS_RECORDS_KEPT_DAYS)).timestamp_millis();
    report.consent_records_deleted = consent_record::Entity::delete_many()
        .filter(consent_record::Column::UserId.is_null())
        .filter(consent_record::Column::CreatedMs.lt(kept_from))
        .exec(db)
        .await?
        .rows_affected;
    report.exports_deleted =
        super::export::remove_expired(db, store, now.timestamp_millis()).await?;
    let counted_from = now.timestamp_millis() - crate::letters::ssr::RECIPIENTS_WINDOW_MS;
    report.send_counts_deleted = letter_send::Entity::delete_many()
        .filter(letter_send::Column::SentMs.lte(counted_from))
        .exec(db)
        .await?
        .rows_affected;
    let written_before = std::time::SystemTime::from(now - Duration::days(ORPHANS_AFTER_DAYS));
    report.orphan_files_deleted = sweep_orphans(db, store, written_before).await?;
    report.audit_rows_deleted = crate::staff::ssr::purge_log(db, now).await?;
    report.security_rows_deleted = security::purge(db, now.timestamp_millis()).await?
        + crate::account::ssr::two_step::purge(db, now.timestamp_millis()).await?;
    report.attempt_windows_deleted =
        crate::account::ssr::limiter::sweep(db, now.timestamp_millis()).await?;
    report.orders_deleted =
        crate::billing::ssr::retention::purge(db, now.timestamp_millis()).await?;
    if let Some(dir) = outbox {
        let before = std::time::SystemTime::from(now - Duration::days(OUTBOX_KEPT_DAYS));
        report.outbox_emails_deleted = crate::mail::purge_outbox(dir, before)
            .map_err(|e| AppError::internal_while("deleting old emails from the outbox", e))?;
    }
    Ok(report)
}

/// Deletes the stored files written before `before` that no picture or data export names
/// (left by a process that died between writing a file and its row, or failed to delete
/// one), and files left half written (a process that stopped during a write or an export's
/// spool); answers how many.
async fn sweep_orphans(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    before: std::time::SystemTime,
) -> Result<u64, AppError> {
    let candidates = store
        .written_before(before)
        .await
        .map_err(|e| AppError::internal_while("listing stored files", e))?;
    let mut deleted = 0;
    for chunk in candidates.chunks(500) {
        let mut named: std::collections::HashSet<String> = letter_image::Entity::find()
            .select_only()
            .column(letter_image::Column::StorageKey)
            .filter(letter_image::Column::StorageKey.is_in(chunk.iter().cloned()))
            .into_tuple::<String>()
            .all(db)
            .await?
            .into_iter()
            .collect();
        named.extend(
            data_export::Entity::find()
                .select_only()
                .column(data_export::Column::StorageKey)
                .filter(data_export::Column::StorageKey.is_in(chunk.iter().cloned()))
                .into_tuple::<Option<String>>()
                .all(db)
                .await?
                .into_iter()
                .flatten(),
        );
        for key in chunk.iter().filter(|k| !named.contains(*k)) {
            store
                .delete(key)
                .await
                .map_err(|e| AppError::internal_while("deleting an orphaned file", e))?;
            tracing::info!(%key, "deleted a stored file no row names");
            deleted += 1;
        }
    }
    // And what a process left half written when it stopped.
    deleted += store
        .sweep_unfinished(before)
        .await
        .map_err(|e| AppError::internal_while("deleting half-written files", e))?;
    Ok(deleted)
}

/// Erases one closed account; answers how many files it deleted.
async fn erase(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    user: Uuid,
) -> Result<u64, AppError> {
    let letters = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .all(db)
        .await?;
    // Only what the wall shows outlives its author: a letter a moderator hid is not on
    // the wall, so it goes like a private one.
    let (wall, private): (Vec<_>, Vec<_>) = letters.into_iter().partition(|l| {
        l.visibility.is_public() && l.status == LetterStatus::Delivered && l.hidden_ms.is_none()
    });
    let private: Vec<Uuid> = private.into_iter().map(|l| l.id).collect();
    let wall: Vec<Uuid> = wall.into_iter().map(|l| l.id).collect();
    // Files first: if one cannot be deleted, the rows that name it stay, and the next run
    // tries again. Pictures of wall letters stay with their letter.
    let keys: Vec<String> = letter_image::Entity::find()
        .select_only()
        .column(letter_image::Column::StorageKey)
        .filter(letter_image::Column::LetterId.is_in(private.clone()))
        .into_tuple()
        .all(db)
        .await?;
    for key in &keys {
        store
            .delete(key)
            .await
            .map_err(|e| AppError::internal_while("deleting an image file", e))?;
    }
    super::export::remove_all(db, store, user).await?;
    let txn = db.begin().await?;
    // Recipients are other people's names and addresses: gone, wall letter or not.
    letter_recipient::Entity::delete_many()
        .filter(letter_recipient::Column::LetterId.is_in(wall.iter().chain(&private).copied()))
        .exec(&txn)
        .await?;
    letter::Entity::delete_many()
        .filter(letter::Column::Id.is_in(private))
        .exec(&txn)
        .await?;
    // The rest goes with the account row: sessions, tokens, timer, tasks, tags, focus
    // sessions, habits, check-ins, diary, notifications, breach notices, likes and
    // reports cascade;
    // wall letters and their pictures keep existing with no author (SET NULL).
    user_account::Entity::delete_by_id(user).exec(&txn).await?;
    txn.commit().await?;
    tracing::info!(%user, files = keys.len(), "closed account erased");
    Ok(keys.len() as u64)
}

/// Runs [`purge`] now and then every hour until the process ends.
pub fn spawn_retention(
    db: DatabaseConnection,
    store: Arc<dyn BlobStore>,
    outbox: Option<std::path::PathBuf>,
    session_idle: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(RETENTION_EVERY);
        loop {
            tick.tick().await;
            let outbox = outbox.as_deref();
            match purge(&db, store.as_ref(), outbox, session_idle, Utc::now()).await {
                Ok(r) if r != PurgeReport::default() => tracing::info!(?r, "retention job ran"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "retention job failed"),
            }
        }
    })
}
