//! Work done without a network: what a browser recorded while offline, and the one server
//! function that takes it when the connection returns.
//!
//! The browser keeps its records in an IndexedDB outbox ([`outbox`]), each with an id it made
//! itself, so sending the same batch twice (a lost response, a retry, two tabs) never stores
//! anything twice: the server inserts by that id and answers "already saved" for a repeat.
//! Conflicts are settled per record, and the answer says how, for the page to show:
//! - a focus session that overlaps one already recorded (another device, or the server
//!   completing the same phase) is not added — the recorded one stays;
//! - a check-in for a habit and day that another device already checked in keeps that one;
//! - a check-in for a habit deleted meanwhile is dropped;
//! - the timer itself is adopted only if nobody changed it on the server since this browser
//!   went offline; otherwise the server's timer stays and the page says so.

pub mod outbox;
#[cfg(feature = "ssr")]
pub mod ssr;

use chrono::NaiveDate;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

use crate::{
    AppError,
    focus::{
        TimerSnapshot,
        engine::{FocusEnded, TimerState},
    },
};

/// The most records one call takes (the browser sends its outbox in batches of this size).
pub const MAX_BATCH: usize = 200;

/// The timer as a browser left it after running it offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalTimer {
    /// The server's version of the timer when this browser lost the connection.
    pub base_version: i64,
    pub state: TimerState,
    pub task_id: Option<Uuid>,
}

/// Something recorded offline, under the id the browser gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OfflineRecord {
    /// A focus phase that ended while offline.
    Session(OfflineSession),
    /// A habit checked in while offline.
    Checkin {
        id: Uuid,
        habit_id: Uuid,
        day: NaiveDate,
    },
}

/// A focus phase that ended while offline (instants in ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineSession {
    pub id: Uuid,
    pub started_at: i64,
    pub ended_at: i64,
    pub focused_ms: i64,
    pub completed: bool,
    pub task_id: Option<Uuid>,
}

impl OfflineSession {
    /// The record of a phase that ended here, under a new id.
    pub fn new(e: &FocusEnded, task_id: Option<Uuid>) -> Self {
        Self {
            id: Uuid::new_v4(),
            started_at: e.started_at,
            ended_at: e.ended_at,
            focused_ms: e.focused_ms,
            completed: e.completed,
            task_id,
        }
    }

    pub fn ended(&self) -> FocusEnded {
        FocusEnded {
            started_at: self.started_at,
            ended_at: self.ended_at,
            focused_ms: self.focused_ms,
            completed: self.completed,
        }
    }
}

impl OfflineRecord {
    pub fn id(&self) -> Uuid {
        match self {
            Self::Session(s) => s.id,
            Self::Checkin { id, .. } => *id,
        }
    }
}

/// How the server settled one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Saved,
    /// An earlier upload of the same record already stored it.
    AlreadySaved,
    /// Overlaps a focus session already recorded; that one was kept.
    Overlaps,
    /// The habit was already checked in for that day on another device; that one was kept.
    AlreadyCheckedIn,
    /// The habit no longer exists.
    HabitGone,
    /// Impossible values (an end before its start, a date far off, an id in use).
    Invalid,
}

impl Outcome {
    /// Whether the record was not stored as sent (a conflict the page shows).
    pub fn is_conflict(self) -> bool {
        !matches!(self, Self::Saved | Self::AlreadySaved)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    pub id: Uuid,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// One result per record sent, in order.
    pub records: Vec<RecordResult>,
    /// The timer now (the browser's, if it was adopted).
    pub timer: TimerSnapshot,
    /// The browser sent its timer but the server's had changed meanwhile and was kept.
    pub timer_kept_server: bool,
}

/// Takes what this browser recorded offline: its timer (if it ran offline) and up to
/// [`MAX_BATCH`] records. Safe to repeat: every record is stored at most once.
#[server(prefix = "/api", endpoint = "offline/sync", input = Json)]
pub async fn sync_offline(
    timer: Option<LocalTimer>,
    records: Vec<OfflineRecord>,
) -> Result<SyncReport, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::sync(&db, &crate::focus::ssr::hub()?, user, timer, records).await
}

/// What sending the outbox did.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// The records sent, and the server's answer for each.
    pub records: Vec<OfflineRecord>,
    pub results: Vec<RecordResult>,
    pub kept_server: bool,
    /// The timer after the last batch.
    pub timer: Option<TimerSnapshot>,
}

/// Sends everything the outbox holds for `viewer`, in batches, forgetting each batch once
/// the server has answered for it. `timer`: the timer to send (if it ran offline here);
/// `None` sends the one kept in the outbox, if any. `Err(AppError::Network)`: still offline,
/// and what was not answered for stays queued.
pub async fn send_outbox(viewer: &str, timer: Option<LocalTimer>) -> Result<Sent, AppError> {
    let saved = outbox::load(viewer).await;
    let mut timer = timer.or(saved.timer.map(|t| t.timer));
    let send_timer = timer.is_some();
    let mut sent = Sent {
        records: saved.records.clone(),
        ..Sent::default()
    };
    if saved.records.is_empty() && !send_timer {
        return Ok(sent);
    }
    let mut batches: Vec<&[OfflineRecord]> = saved.records.chunks(MAX_BATCH).collect();
    if batches.is_empty() {
        batches.push(&[]);
    }
    for batch in batches {
        let report = sync_offline(timer.take(), batch.to_vec()).await?;
        let ids: Vec<Uuid> = report.records.iter().map(|r| r.id).collect();
        if let Err(e) = outbox::settle(viewer, send_timer, &ids).await {
            leptos::logging::warn!("could not clear the outbox: {e}");
        }
        sent.kept_server |= report.timer_kept_server;
        sent.results.extend(report.records);
        sent.timer = Some(report.timer);
    }
    Ok(sent)
}

impl Sent {
    /// What the page says: how much was saved, and each conflict.
    pub fn report(&self) -> Vec<String> {
        let t = &crate::i18n::t().offline;
        let saved = self
            .results
            .iter()
            .filter(|r| !r.outcome.is_conflict())
            .count() as i64;
        let mut lines = Vec::new();
        if saved > 0 {
            lines.push(t.saved.count(saved));
        }
        let day = |d: NaiveDate| crate::i18n::date(&d, crate::i18n::DateStyle::DayMonth);
        for r in self.results.iter().filter(|r| r.outcome.is_conflict()) {
            let record = self.records.iter().find(|s| s.id() == r.id);
            lines.push(match (r.outcome, record) {
                (Outcome::Overlaps, Some(OfflineRecord::Session(s))) => crate::i18n::fill(
                    t.overlaps,
                    &[("time", &crate::format::clock_time(s.started_at))],
                ),
                (Outcome::AlreadyCheckedIn, Some(OfflineRecord::Checkin { day: d, .. })) => {
                    crate::i18n::fill(t.already_checked_in, &[("day", &day(*d))])
                }
                (Outcome::HabitGone, Some(OfflineRecord::Checkin { day: d, .. })) => {
                    crate::i18n::fill(t.habit_gone, &[("day", &day(*d))])
                }
                _ => t.invalid.to_owned(),
            });
        }
        if self.kept_server {
            lines.push(t.timer_kept_server.to_owned());
        }
        lines
    }
}

/// What the last upload of the outbox said (see [`Sent::report`]), until dismissed.
#[component]
pub fn SyncNotice(report: RwSignal<Vec<String>>) -> impl IntoView {
    let t = &crate::i18n::t().offline;
    view! {
        <Show when=move || report.with(|r| !r.is_empty())>
            <div class="notice">
                <ul class="sync-report">
                    {move || report.get().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
                <button type="button" class="link-button" on:click=move |_| report.set(Vec::new())>
                    {t.dismiss}
                </button>
            </div>
        </Show>
    }
}

/// Whether the browser believes it has a network (`navigator.onLine`; always on the server).
pub fn online() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window().is_none_or(|w| w.navigator().on_line())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        true
    }
}
