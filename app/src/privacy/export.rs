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

use std::{
    collections::HashMap,
    io::{Cursor, Write},
    sync::Arc,
};

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, ExprTrait, QueryFilter,
    QueryOrder,
    sea_query::{Query, SelectStatement},
};
use serde_json::{Value, json};
use uuid::Uuid;
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

use super::{ExportView, entities::data_export};
use crate::format::instant_in;
use crate::{
    AppError,
    account::ssr::{
        entities::{auth_session, consent_record, user_account},
        require_user,
    },
    diary::entities::{checkin, checkin_tag, diary_entry, diary_entry_tag, habit},
    focus::entities::{
        focus_day, focus_session, focus_session_tag, focus_tag_day, focus_timer, tag, task,
    },
    i18n::{Lang, account::Account as AccountTexts, fill},
    letters::{
        entities::{letter, letter_image, letter_recipient, letter_topic},
        storage::BlobStore,
    },
    notifications::{Kind, entities::notification},
    wall::entities::{letter_like, letter_moderation, letter_report},
};

/// How long a finished archive can be downloaded.
pub const EXPORT_KEPT_DAYS: i64 = 7;
/// A build whose row has not moved for this long was interrupted (the process stopped).
pub const STALLED_AFTER_MS: i64 = 5 * 60 * 1000;

use crate::clock::now_ms;

/// An instant (ms since the epoch) as RFC 3339 UTC, the archive's one time format.
fn at(ms: i64) -> Value {
    DateTime::<Utc>::from_timestamp_millis(ms).map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    })
}

fn at_opt(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, at)
}

fn stamp(t: DateTime<FixedOffset>) -> Value {
    at(t.timestamp_millis())
}

fn stamp_opt(t: Option<DateTime<FixedOffset>>) -> Value {
    t.map_or(Value::Null, stamp)
}

/// The owner's view of an export row at `now`.
pub fn view(row: &data_export::Model, timezone: &str, now: i64) -> ExportView {
    let stalled = row.status == "building" && now - row.updated_ms > STALLED_AFTER_MS;
    let expired = row.expires_ms.is_some_and(|e| e <= now);
    let status = if stalled {
        "failed"
    } else if expired {
        "expired"
    } else {
        row.status.as_str()
    };
    let fixed = |ms: i64| {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .unwrap_or_default()
            .fixed_offset()
    };
    ExportView {
        id: row.id.to_string(),
        status: status.to_owned(),
        progress: row.progress.clamp(0, 100) as u8,
        step: if stalled {
            crate::i18n::t().account.export_interrupted.to_owned()
        } else {
            row.step.clone()
        },
        bytes: row.bytes.and_then(|b| u64::try_from(b).ok()),
        requested: instant_in(fixed(row.created_ms), timezone),
        expires: row.expires_ms.map(|e| instant_in(fixed(e), timezone)),
        download: (status == "ready").then(|| format!("/account/export/{}", row.id)),
    }
}

async fn latest(
    db: &DatabaseConnection,
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
    if let Some(row) = latest(&db, user.id).await?
        && row.status == "building"
        && now - row.updated_ms <= STALLED_AFTER_MS
    {
        return Ok(view(&row, &user.timezone, now));
    }
    remove_all(&db, letters.store.as_ref(), user.id).await?;
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
        status: "building".into(),
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
        .exec_without_returning(&db)
        .await?;
    let db = db.clone();
    let store = letters.store.clone();
    let owner = user.id;
    tokio::spawn(async move {
        if let Err(e) = run(&db, store, owner, id, texts).await {
            tracing::warn!(export = %id, error = %e, "data export failed");
            let _ = data_export::Entity::update_many()
                .col_expr(data_export::Column::Status, "failed".into())
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
                    .ne("ready")
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
                .map_err(|e| AppError::internal(format!("deleting an export: {e}")))?;
        }
        data_export::Entity::delete_by_id(row.id).exec(db).await?;
    }
    Ok(n)
}

/// The archive's bytes for its owner, with the name to save it under. Someone else's export,
/// or one not ready, is "not found"; one past its link's end is `Gone`.
pub async fn download(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    user: &user_account::Model,
    id: Uuid,
    now: i64,
) -> Result<(String, Vec<u8>), AppError> {
    let row = data_export::Entity::find_by_id(id)
        .filter(data_export::Column::UserId.eq(user.id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = match (&row.status[..], &row.storage_key) {
        ("ready", Some(key)) => key,
        _ => return Err(AppError::NotFound),
    };
    if row.expires_ms.is_none_or(|e| e <= now) {
        return Err(AppError::Gone);
    }
    let bytes = store.get(key).await.map_err(|_| AppError::Gone)?;
    let day = DateTime::<Utc>::from_timestamp_millis(row.created_ms)
        .unwrap_or_default()
        .format("%Y-%m-%d");
    // Only ASCII in the header's file name; a username in another script is left out.
    let who: String = user
        .username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect();
    let name = if who.is_empty() {
        format!("ripen-export-{day}.zip")
    } else {
        format!("ripen-export-{who}-{day}.zip")
    };
    Ok((name, bytes))
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
    store: Arc<dyn BlobStore>,
    user: Uuid,
    id: Uuid,
    texts: &'static AccountTexts,
) -> Result<(), AppError> {
    let progress = Progress { db, id, texts };
    let bytes = build(db, store.as_ref(), user, &progress).await?;
    progress.step(98, texts.step_saving).await?;
    let key = format!("{id}.zip");
    let size = bytes.len() as i64;
    store
        .put(&key, bytes)
        .await
        .map_err(|e| AppError::internal(format!("storing an export: {e}")))?;
    // The notification first: once the row says "ready", the owner may look for it.
    let body = fill(texts.export_ready_body, &[("days", &EXPORT_KEPT_DAYS)]);
    if let Err(e) = crate::notifications::ssr::notify(
        db,
        user,
        Kind::Export,
        texts.export_ready_title,
        &body,
        Some("/account#export-h"),
    )
    .await
    {
        tracing::warn!(export = %id, error = %e, "export notification failed");
    }
    let now = now_ms();
    data_export::Entity::update_many()
        .col_expr(data_export::Column::Status, "ready".into())
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

/// A ZIP being written in memory.
struct Archive {
    zip: ZipWriter<Cursor<Vec<u8>>>,
}

impl Archive {
    fn new() -> Self {
        Self {
            zip: ZipWriter::new(Cursor::new(Vec::new())),
        }
    }

    fn file(&mut self, name: &str, bytes: &[u8], compress: bool) -> Result<(), AppError> {
        let method = if compress {
            CompressionMethod::Deflated
        } else {
            // Pictures are compressed already.
            CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .unix_permissions(0o644);
        self.zip
            .start_file(name, options)
            .and_then(|()| self.zip.write_all(bytes).map_err(Into::into))
            .map_err(|e| AppError::internal(format!("writing the archive: {e}")))
    }

    fn json(&mut self, name: &str, value: &Value) -> Result<(), AppError> {
        let text = serde_json::to_vec_pretty(value)
            .map_err(|e| AppError::internal(format!("encoding {name}: {e}")))?;
        self.file(name, &text, true)
    }

    /// A list as `<stem>.json` and `<stem>.csv` (the CSV has `columns`, in that order).
    fn table(&mut self, stem: &str, columns: &[&str], rows: &[Value]) -> Result<(), AppError> {
        self.json(&format!("{stem}.json"), &Value::Array(rows.to_vec()))?;
        self.file(&format!("{stem}.csv"), csv(columns, rows).as_bytes(), true)
    }

    fn finish(self) -> Result<Vec<u8>, AppError> {
        self.zip
            .finish()
            .map(Cursor::into_inner)
            .map_err(|e| AppError::internal(format!("closing the archive: {e}")))
    }
}

/// One CSV cell: lists joined with "; ", text quoted when it must be, and a leading
/// `=`, `+`, `-` or `@` defused with an apostrophe so no spreadsheet runs it as a formula.
fn cell(value: Option<&Value>) -> String {
    let text = match value {
        None | Some(Value::Null) => return String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join("; "),
        Some(other) => return other.to_string(),
    };
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// A CSV document (RFC 4180, CRLF line ends) of `rows`' `columns`.
fn csv(columns: &[&str], rows: &[Value]) -> String {
    let mut out = columns.join(",");
    out.push_str("\r\n");
    for row in rows {
        let line: Vec<String> = columns.iter().map(|c| cell(row.get(*c))).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Builds the archive of `user`'s data, reporting progress as it goes.
async fn build(
    db: &DatabaseConnection,
    store: &dyn BlobStore,
    user: Uuid,
    progress: &Progress<'_>,
) -> Result<Vec<u8>, AppError> {
    let mut zip = Archive::new();
    zip.file("README.txt", README.as_bytes(), true)?;

    // Profile, settings, privacy choices and devices.
    progress.step(5, progress.texts.step_profile).await?;
    let account = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    zip.json(
        "profile.json",
        &json!({
            "username": account.username,
            "email": account.email,
            "email_confirmed_at": stamp_opt(account.email_verified_at),
            "phone": account.phone,
            "time_zone": account.timezone,
            "day_starts_at": format!("{:02}:{:02}", account.day_boundary_min / 60, account.day_boundary_min % 60),
            "created_at": stamp(account.created_at),
            "updated_at": stamp(account.updated_at),
            "age_confirmed_at": stamp(account.age_confirmed_at),
            "terms_version_accepted": account.terms_version,
            "terms_accepted_at": stamp(account.terms_accepted_at),
            "wall_moderator": account.is_admin,
        }),
    )?;
    let timer = focus_timer::Entity::find_by_id(user).one(db).await?;
    zip.json(
        "settings.json",
        &json!({
            "focus_timer": timer.map(|t| json!({
                "focus_minutes": t.focus_min,
                "short_break_minutes": t.short_break_min,
                "long_break_minutes": t.long_break_min,
                "long_break_every": t.long_break_every,
                "auto_start_breaks": t.auto_start_breaks,
                "auto_start_focus": t.auto_start_focus,
                "sound": t.sound,
                "volume": t.volume,
                "notifications": t.notify,
                "daily_goal": t.daily_goal,
            })),
        }),
    )?;
    let consent: Vec<Value> = consent_record::Entity::find()
        .filter(consent_record::Column::UserId.eq(user))
        .order_by_asc(consent_record::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "at": at(c.created_ms),
                "policy_version": c.policy_version,
                "language_and_theme": c.functional,
                "usage_statistics": c.statistics,
                "improve_features": c.improvement,
                "made_in": c.source,
                "browser_id": c.anon_id,
            })
        })
        .collect();
    zip.table(
        "consent",
        &[
            "at",
            "policy_version",
            "language_and_theme",
            "usage_statistics",
            "improve_features",
            "made_in",
            "browser_id",
        ],
        &consent,
    )?;
    let devices: Vec<Value> = auth_session::Entity::find()
        .filter(auth_session::Column::UserId.eq(user))
        .order_by_asc(auth_session::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "browser": super::device_summary(s.user_agent.as_deref()),
                "user_agent": s.user_agent,
                "ip_address": s.ip,
                "signed_in_at": stamp(s.created_at),
                "last_used_at": stamp(s.last_seen_at),
                "ends_at": stamp(s.expires_at),
            })
        })
        .collect();
    zip.table(
        "devices",
        &[
            "browser",
            "user_agent",
            "ip_address",
            "signed_in_at",
            "last_used_at",
            "ends_at",
        ],
        &devices,
    )?;

    // Focus: tasks, tags, sessions and the daily totals.
    progress.step(15, progress.texts.step_tasks).await?;
    let tags = tag::Entity::find()
        .filter(tag::Column::UserId.eq(user))
        .order_by_asc(tag::Column::CreatedAt)
        .all(db)
        .await?;
    let tag_names: HashMap<Uuid, String> = tags.iter().map(|t| (t.id, t.name.clone())).collect();
    let names = |ids: &[Uuid]| -> Vec<String> {
        ids.iter()
            .filter_map(|id| tag_names.get(id).cloned())
            .collect()
    };
    let tag_rows: Vec<Value> = tags
        .iter()
        .map(|t| json!({ "id": t.id, "name": t.name, "colour": t.colour, "created_at": stamp(t.created_at) }))
        .collect();
    zip.table("tags", &["id", "name", "colour", "created_at"], &tag_rows)?;
    let tasks = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .order_by_asc(task::Column::Position)
        .all(db)
        .await?;
    let task_titles: HashMap<Uuid, String> =
        tasks.iter().map(|t| (t.id, t.title.clone())).collect();
    let task_rows: Vec<Value> = tasks
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "title": t.title,
                "estimate_pomodoros": t.estimate,
                "position": t.position,
                "completed_at": stamp_opt(t.completed_at),
                "created_at": stamp(t.created_at),
                "updated_at": stamp(t.updated_at),
            })
        })
        .collect();
    zip.table(
        "tasks",
        &[
            "id",
            "title",
            "estimate_pomodoros",
            "position",
            "completed_at",
            "created_at",
            "updated_at",
        ],
        &task_rows,
    )?;
    let session_tags = links(
        focus_session_tag::Entity::find()
            .filter(focus_session_tag::Column::SessionId.in_subquery(owned(
                focus_session::Column::Id,
                focus_session::Column::UserId,
                user,
            )))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.session_id, l.tag_id)),
    );
    let sessions: Vec<Value> = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .order_by_asc(focus_session::Column::StartedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "day": s.day.to_string(),
                "started_at": at(s.started_at),
                "ended_at": at(s.ended_at),
                "focused_seconds": s.focused_seconds,
                "completed": s.completed,
                "task": s.task_id.and_then(|t| task_titles.get(&t).cloned()),
                "tags": names(session_tags.get(&s.id).map_or(&[][..], Vec::as_slice)),
                "note": s.note,
                "recorded_at": stamp(s.created_at),
            })
        })
        .collect();
    zip.table(
        "focus_sessions",
        &[
            "id",
            "day",
            "started_at",
            "ended_at",
            "focused_seconds",
            "completed",
            "task",
            "tags",
            "note",
            "recorded_at",
        ],
        &sessions,
    )?;
    let days: Vec<Value> = focus_day::Entity::find()
        .filter(focus_day::Column::UserId.eq(user))
        .order_by_asc(focus_day::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|d| {
            json!({
                "day": d.day.to_string(),
                "focus_seconds": d.focus_seconds,
                "sessions": d.sessions,
                "completed": d.completed,
            })
        })
        .collect();
    zip.table(
        "focus_days",
        &["day", "focus_seconds", "sessions", "completed"],
        &days,
    )?;
    let tag_days: Vec<Value> = focus_tag_day::Entity::find()
        .filter(focus_tag_day::Column::UserId.eq(user))
        .order_by_asc(focus_tag_day::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|d| {
            json!({
                "day": d.day.to_string(),
                "tag": tag_names.get(&d.tag_id),
                "focus_seconds": d.focus_seconds,
            })
        })
        .collect();
    zip.table(
        "focus_tag_days",
        &["day", "tag", "focus_seconds"],
        &tag_days,
    )?;

    // Check-ins.
    progress.step(30, progress.texts.step_checkins).await?;
    let habits = habit::Entity::find()
        .filter(habit::Column::UserId.eq(user))
        .order_by_asc(habit::Column::Position)
        .all(db)
        .await?;
    let habit_names: HashMap<Uuid, String> =
        habits.iter().map(|h| (h.id, h.name.clone())).collect();
    let habit_rows: Vec<Value> = habits
        .iter()
        .map(|h| {
            json!({
                "id": h.id,
                "name": h.name,
                "colour": h.colour,
                "schedule": h.schedule_kind,
                "schedule_value": h.schedule_value,
                "position": h.position,
                "starts_on": h.start_day.to_string(),
                "archived_at": stamp_opt(h.archived_at),
                "created_at": stamp(h.created_at),
            })
        })
        .collect();
    zip.table(
        "habits",
        &[
            "id",
            "name",
            "colour",
            "schedule",
            "schedule_value",
            "position",
            "starts_on",
            "archived_at",
            "created_at",
        ],
        &habit_rows,
    )?;
    let checkin_tags = links(
        checkin_tag::Entity::find()
            .filter(checkin_tag::Column::CheckinId.in_subquery(owned(
                checkin::Column::Id,
                checkin::Column::UserId,
                user,
            )))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.checkin_id, l.tag_id)),
    );
    let checkins: Vec<Value> = checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .order_by_asc(checkin::Column::Day)
        .all(db)
        .await?
        .into_iter()
        .map(|c| {
            json!({
                "id": c.id,
                "habit": habit_names.get(&c.habit_id),
                "day": c.day.to_string(),
                "note": c.note,
                "tags": names(checkin_tags.get(&c.id).map_or(&[][..], Vec::as_slice)),
                "created_at": stamp(c.created_at),
                "updated_at": stamp(c.updated_at),
            })
        })
        .collect();
    zip.table(
        "checkins",
        &[
            "id",
            "habit",
            "day",
            "note",
            "tags",
            "created_at",
            "updated_at",
        ],
        &checkins,
    )?;

    // Diary: one Markdown file per day, and the list.
    progress.step(45, progress.texts.step_diary).await?;
    let entry_tags = links(
        diary_entry_tag::Entity::find()
            .filter(diary_entry_tag::Column::EntryId.in_subquery(owned(
                diary_entry::Column::Id,
                diary_entry::Column::UserId,
                user,
            )))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.entry_id, l.tag_id)),
    );
    let mut entries = Vec::new();
    for e in diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .order_by_asc(diary_entry::Column::Day)
        .all(db)
        .await?
    {
        let tags = names(entry_tags.get(&e.id).map_or(&[][..], Vec::as_slice));
        let file = format!("diary/{}.md", e.day);
        let mut md = format!("# {}\n\n", e.day.format("%A %-d %B %Y"));
        if let Some(mood) = e.mood {
            md.push_str(&format!("Mood: {mood} of 5\n"));
        }
        if !tags.is_empty() {
            md.push_str(&format!("Tags: {}\n", tags.join(", ")));
        }
        md.push('\n');
        md.push_str(&e.body);
        md.push('\n');
        zip.file(&file, md.as_bytes(), true)?;
        entries.push(json!({
            "day": e.day.to_string(),
            "mood": e.mood,
            "tags": tags,
            "body": e.body,
            "file": file,
            "created_at": stamp(e.created_at),
            "updated_at": stamp(e.updated_at),
        }));
    }
    zip.table(
        "diary/entries",
        &[
            "day",
            "mood",
            "tags",
            "body",
            "file",
            "created_at",
            "updated_at",
        ],
        &entries,
    )?;

    // Letters, their recipients and pictures.
    progress.step(60, progress.texts.step_letters).await?;
    let letters = letter::Entity::find()
        .filter(letter::Column::UserId.eq(user))
        .order_by_asc(letter::Column::CreatedMs)
        .all(db)
        .await?;
    let mut recipients: HashMap<Uuid, Vec<letter_recipient::Model>> = HashMap::new();
    for r in letter_recipient::Entity::find()
        .filter(letter_recipient::Column::LetterId.in_subquery(owned(
            letter::Column::Id,
            letter::Column::UserId,
            user,
        )))
        .order_by_asc(letter_recipient::Column::Position)
        .all(db)
        .await?
    {
        recipients.entry(r.letter_id).or_default().push(r);
    }
    let mut topics: HashMap<Uuid, Vec<String>> = HashMap::new();
    for t in letter_topic::Entity::find()
        .filter(letter_topic::Column::LetterId.in_subquery(owned(
            letter::Column::Id,
            letter::Column::UserId,
            user,
        )))
        .all(db)
        .await?
    {
        topics.entry(t.letter_id).or_default().push(t.topic);
    }
    let images = letter_image::Entity::find()
        .filter(letter_image::Column::UserId.eq(user))
        .order_by_asc(letter_image::Column::Position)
        .all(db)
        .await?;
    let mut pictures: HashMap<Uuid, Vec<Value>> = HashMap::new();
    let total = images.len();
    for (n, image) in images.into_iter().enumerate() {
        let step = 60 + (35 * n / total.max(1)) as i32;
        let what = fill(
            progress.texts.step_pictures,
            &[("n", &(n + 1)), ("total", &total)],
        );
        progress.step(step, &what).await?;
        let ext = match image.mime.as_str() {
            "image/png" => "png",
            "image/webp" => "webp",
            _ => "jpg",
        };
        let file = format!(
            "letters/{}/picture-{}.{ext}",
            image.letter_id,
            image.position + 1
        );
        match store.get(&image.storage_key).await {
            Ok(bytes) => zip.file(&file, &bytes, false)?,
            // A missing file is reported in the index rather than failing the whole export.
            Err(e) => tracing::warn!(image = %image.id, error = %e, "export: picture unreadable"),
        }
        pictures.entry(image.letter_id).or_default().push(json!({
            "file": file,
            "description": image.alt,
            "width": image.width,
            "height": image.height,
            "type": image.mime,
            "added_at": at(image.created_ms),
        }));
    }
    let mut letter_rows = Vec::new();
    for l in &letters {
        let to: Vec<Value> = recipients
            .get(&l.id)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|r| {
                json!({
                    "myself": r.is_self,
                    "name": r.name,
                    "email": r.email,
                    "phone": r.phone,
                    "status": r.status,
                    "sent_at": at_opt(r.sent_ms),
                    "text_message_sent_at": at_opt(r.sms_sent_ms),
                    "thanked_at": at_opt(r.thanked_ms),
                    "thanks_note": r.thanks_note,
                })
            })
            .collect();
        let mut md = format!("# {}\n\n", l.title);
        if let Some(when) = l.deliver_at_ms {
            md.push_str(&format!(
                "Delivery: {} ({})\n\n",
                at(when).as_str().unwrap_or_default(),
                l.timezone
            ));
        }
        md.push_str(&l.body);
        md.push('\n');
        let file = format!("letters/{}/letter.md", l.id);
        zip.file(&file, md.as_bytes(), true)?;
        letter_rows.push(json!({
            "id": l.id,
            "title": l.title,
            "body": l.body,
            "file": file,
            "status": l.status,
            "deliver_at": at_opt(l.deliver_at_ms),
            "time_zone": l.timezone,
            "to_myself": l.to_self,
            "text_message": l.send_sms,
            "visibility": l.visibility,
            "pen_name": l.pen_name,
            "topics": topics.get(&l.id).cloned().unwrap_or_default(),
            "wall_address": (l.visibility == "public" && l.status == "delivered")
                .then(|| format!("/wall/{}", l.public_id)),
            "created_at": at(l.created_ms),
            "updated_at": at(l.updated_ms),
            "delivered_at": at_opt(l.delivered_ms),
            "hidden_by_moderator_at": at_opt(l.hidden_ms),
            "recipients": to,
            "pictures": pictures.remove(&l.id).unwrap_or_default(),
        }));
    }
    zip.json("letters/letters.json", &Value::Array(letter_rows.clone()))?;
    let flat: Vec<Value> = letter_rows
        .iter()
        .map(|l| {
            let mut l = l.clone();
            let to: Vec<String> = l["recipients"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .map(|r| match r["name"].as_str() {
                    Some(name) => format!("{name} <{}>", r["email"].as_str().unwrap_or_default()),
                    None => r["email"].as_str().unwrap_or_default().to_owned(),
                })
                .collect();
            l["recipients"] = json!(to);
            l["pictures"] = json!(l["pictures"].as_array().map_or(0, Vec::len));
            l
        })
        .collect();
    zip.file(
        "letters/letters.csv",
        csv(
            &[
                "id",
                "title",
                "status",
                "deliver_at",
                "time_zone",
                "visibility",
                "pen_name",
                "recipients",
                "pictures",
                "delivered_at",
                "file",
            ],
            &flat,
        )
        .as_bytes(),
        true,
    )?;

    // The wall, and notifications.
    progress.step(95, progress.texts.step_wall).await?;
    let likes: Vec<Value> = letter_like::Entity::find()
        .filter(letter_like::Column::UserId.eq(user))
        .order_by_asc(letter_like::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|l| json!({ "letter": l.letter_id, "liked_at": at(l.created_ms) }))
        .collect();
    zip.table("wall/likes", &["letter", "liked_at"], &likes)?;
    let reports: Vec<Value> = letter_report::Entity::find()
        .filter(letter_report::Column::UserId.eq(user))
        .order_by_asc(letter_report::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "letter": r.letter_id,
                "reason": r.reason,
                "note": r.note,
                "reported_at": at(r.created_ms),
                "resolved_at": at_opt(r.resolved_ms),
            })
        })
        .collect();
    zip.table(
        "wall/reports",
        &["letter", "reason", "note", "reported_at", "resolved_at"],
        &reports,
    )?;
    let moderation: Vec<Value> = letter_moderation::Entity::find()
        .filter(letter_moderation::Column::AdminId.eq(user))
        .order_by_asc(letter_moderation::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|m| json!({ "letter": m.letter_id, "action": m.action, "at": at(m.created_ms) }))
        .collect();
    zip.table("wall/moderation", &["letter", "action", "at"], &moderation)?;
    let notes: Vec<Value> = notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .order_by_asc(notification::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|n| {
            json!({
                "kind": n.kind,
                "title": n.title,
                "body": n.body,
                "link": n.link,
                "at": at(n.created_ms),
                "read_at": at_opt(n.read_ms),
            })
        })
        .collect();
    zip.table(
        "notifications",
        &["kind", "title", "body", "link", "at", "read_at"],
        &notes,
    )?;

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

/// The archive's guide to itself.
pub const README: &str = "\
Your Ripen data
===============

This archive holds everything your Ripen account keeps about you, as it was when you
asked for it. Lists come twice: as JSON (exact, for programs) and as CSV (for
spreadsheets; a cell that starts with = + - or @ gets a leading apostrophe so that no
spreadsheet runs it as a formula). Times are in UTC (RFC 3339); days are your own days,
as your time zone and day start decided when you recorded them.

profile.json              your account: username, email, phone, time zone, when you
                          joined, the version of the terms you accepted
settings.json             your focus timer settings
consent.json / .csv       every privacy choice you made, under which policy version,
                          where (first-visit dialog or settings) and from which browser
devices.json / .csv       the browsers signed in to your account, with the address each
                          was last used from
tasks.json / .csv         your tasks
tags.json / .csv          your tags
focus_sessions.json/.csv  every focus session: when, how long, task, tags, note
focus_days.json / .csv    daily focus totals (computed from your focus sessions)
focus_tag_days.json/.csv  daily focus time per tag (computed from your focus sessions)
habits.json / .csv        your check-in items and their schedules
checkins.json / .csv      every check-in, with its note and tags
diary/entries.json / .csv your diary, and diary/<day>.md, one Markdown file per day
letters/letters.json      your letters with their recipients, delivery status, thanks
letters/letters.csv       received, pictures and wall details; and for each letter
letters/<id>/letter.md    its text and letters/<id>/picture-<n>.<ext> its pictures
wall/likes.json / .csv    letters on the wall you liked
wall/reports.json / .csv  letters on the wall you reported
wall/moderation.json/.csv what you did as a wall moderator (if you are one)
notifications.json / .csv the notifications Ripen showed you

Not included: your password (Ripen keeps only an argon2id hash of it, which is of no
use to you), and the hashes of your session cookies and email links (secrets that only
work inside Ripen).

This download link works for 7 days, and only for you while signed in. To have
everything erased, close your account in Settings: after 30 days nothing of it is left.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_formulas_defused() {
        let rows = vec![
            json!({ "a": "plain", "b": "with, comma", "c": null }),
            json!({ "a": "say \"hi\"\nthere", "b": ["x", "y"], "c": 3 }),
            json!({ "a": "=HYPERLINK(\"http://evil\")", "b": "-1", "c": true }),
        ];
        let text = csv(&["a", "b", "c"], &rows);
        assert_eq!(
            text,
            "a,b,c\r\n\
             plain,\"with, comma\",\r\n\
             \"say \"\"hi\"\"\nthere\",x; y,3\r\n\
             \"'=HYPERLINK(\"\"http://evil\"\")\",'-1,true\r\n"
        );
    }

    #[test]
    fn a_stalled_or_expired_export_is_not_offered() {
        let row = data_export::Model {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            status: "building".into(),
            progress: 40,
            step: "Diary".into(),
            storage_key: None,
            bytes: None,
            created_ms: 0,
            updated_ms: 1_000,
            expires_ms: None,
        };
        let v = view(&row, "UTC", 1_000 + STALLED_AFTER_MS);
        assert_eq!((v.status.as_str(), v.progress), ("building", 40));
        assert!(v.download.is_none());
        let v = view(&row, "UTC", 1_001 + STALLED_AFTER_MS);
        assert_eq!(v.status, "failed");
        let ready = data_export::Model {
            status: "ready".into(),
            storage_key: Some("x.zip".into()),
            expires_ms: Some(10_000),
            ..row
        };
        assert_eq!(
            view(&ready, "UTC", 9_999).download.as_deref(),
            Some("/account/export/00000000-0000-0000-0000-000000000000")
        );
        let v = view(&ready, "UTC", 10_000);
        assert_eq!(v.status, "expired");
        assert!(v.download.is_none());
    }
}
