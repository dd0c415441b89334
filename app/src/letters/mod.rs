//! Letters to the future: composed now, delivered by email (and optionally SMS) at a chosen
//! instant, read through an unguessable link.
//!
//! - [`rules`] holds the limits and checks shared by browser and server;
//! - `ssr` the letter service (drafts, scheduling, editing, cancelling, reading);
//! - `delivery` the scheduler that claims due deliveries with a lease and sends each once;
//! - `images` and `storage` the intake and storage of attached images.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use server_fn::codec::Json;
use uuid::Uuid;

use crate::AppError;

pub mod goals;
pub mod rules;
pub mod status;
pub mod topics;

#[cfg(feature = "hydrate")]
pub mod browser;

#[cfg(feature = "ssr")]
pub mod delivery;
#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod images;
#[cfg(feature = "ssr")]
pub mod public;
#[cfg(feature = "ssr")]
pub mod sms;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod storage;

pub use status::{LetterStatus, RecipientStatus, Visibility};

/// What the compose form sends: the letter as its author left it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LetterForm {
    pub title: String,
    pub body: String,
    /// `YYYY-MM-DD` in the author's time zone (may be empty in a draft).
    pub deliver_date: String,
    /// `HH:MM` or `HH:MM:SS` (may be empty in a draft).
    pub deliver_time: String,
    pub to_self: bool,
    pub recipients: Vec<RecipientInput>,
    pub send_sms: bool,
    pub public: bool,
    pub pen_name: String,
    /// Wall topics (keys of [`topics::TOPICS`]).
    pub topics: Vec<String>,
    /// A goal that opens the letter earlier than its date (letters to oneself alone).
    pub goal: Option<goals::GoalForm>,
}

/// A recipient as the compose form sends it (`phone` may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecipientView {
    pub id: Uuid,
    pub is_self: bool,
    pub name: Option<String>,
    pub email: String,
    pub phone: Option<String>,
    pub status: RecipientStatus,
    pub attempts: i32,
    pub sent_ms: Option<i64>,
    pub last_error: Option<String>,
    pub thanked: bool,
    pub thanks_note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageView {
    pub id: Uuid,
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
    pub bytes: i64,
}

/// A letter as its author sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// `body` rendered to inert HTML.
    pub html: String,
    pub status: LetterStatus,
    pub deliver_at_ms: Option<i64>,
    /// The delivery instant in the letter's time zone, `YYYY-MM-DD` and `HH:MM`.
    pub deliver_date: String,
    pub deliver_time: String,
    /// Spelled out for people: local time with zone, and the UTC instant.
    pub deliver_local: Option<String>,
    pub deliver_utc: Option<String>,
    pub timezone: String,
    pub to_self: bool,
    pub send_sms: bool,
    pub public: bool,
    pub pen_name: Option<String>,
    /// Wall topics (keys of [`topics::TOPICS`]).
    pub topics: Vec<String>,
    /// Where the letter is on the wall (delivered, public, not hidden), if it is.
    pub wall_url: Option<String>,
    /// Hidden from the wall by a moderator.
    pub hidden: bool,
    pub recipients: Vec<RecipientView>,
    pub images: Vec<ImageView>,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub delivered_ms: Option<i64>,
    /// What it waits for besides its date, and how far the author is.
    pub goal: Option<goals::GoalView>,
    /// Delivered to oneself: the figures it was sealed with, beside today's.
    pub then_now: Option<goals::ThenNow>,
}

/// One row of "my letters".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LetterSummary {
    pub id: Uuid,
    pub title: String,
    pub status: LetterStatus,
    pub deliver_at_ms: Option<i64>,
    pub deliver_local: Option<String>,
    pub recipients: usize,
    pub images: usize,
    pub updated_ms: i64,
    /// A scheduled letter's goal and how far the author is (never its text).
    pub goal: Option<goals::GoalView>,
}

/// The letters page: the caller's letters, unread notifications, and what composing needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LettersHome {
    pub letters: Vec<LetterSummary>,
    pub notifications: Vec<crate::notifications::NotificationView>,
    pub now_ms: i64,
    pub timezone: String,
    pub own_email: String,
    pub email_verified: bool,
    /// The earliest delivery, in seconds from now (one hour unless configured otherwise).
    pub min_lead_secs: i64,
    /// What a goal may be on: the author's tags and active habits.
    pub goal_tags: Vec<goals::Choice>,
    pub goal_habits: Vec<goals::Choice>,
}

/// A delivery instant spelled out before saving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryPreview {
    pub local: String,
    pub utc: String,
    pub in_words: String,
}

/// A delivered letter as its recipient reads it through the link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadView {
    pub title: String,
    pub html: String,
    pub images: Vec<ImageView>,
    pub from: String,
    pub written_on: String,
    pub delivered_on: String,
    pub is_self: bool,
    pub thanked: bool,
}

/// The caller's letters, notifications and compose settings.
#[server(prefix = "/api", endpoint = "letters/overview")]
pub async fn letters_overview() -> Result<LettersHome, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::overview(&db, user).await
}

/// How many of the caller's letters wait to be delivered (what the plan's
/// `letters_waiting` counts).
#[server(prefix = "/api", endpoint = "letters/waiting")]
pub async fn letters_waiting() -> Result<u64, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::waiting(&db, user).await
}

#[server(prefix = "/api", endpoint = "letters/get")]
pub async fn get_letter(id: String) -> Result<LetterView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::letter_view(&db, user, crate::request::parse_id(&id)?).await
}

/// Saves a letter: a draft (autosave) or, with `schedule`, scheduled for delivery (every
/// rule is checked and nothing is stored unless all pass). No `id` creates the letter.
/// Only the editor calls it (there is no plain-HTML form for it), so it takes JSON.
#[server(prefix = "/api", endpoint = "letters/save", input = Json)]
pub async fn save_letter(
    #[server(default)] id: Option<String>,
    letter: LetterForm,
    #[server(default)] schedule: bool,
) -> Result<LetterView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let id = match id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(crate::request::parse_id(raw)?),
    };
    ssr::save(&db, user, id, letter, schedule).await
}

/// Spells out a delivery date and time in the caller's time zone, with its UTC instant; or
/// refuses it, on the field, as scheduling would (in the past, too soon, too far ahead).
#[server(prefix = "/api", endpoint = "letters/preview-time")]
pub async fn preview_delivery(
    deliver_date: String,
    deliver_time: String,
) -> Result<DeliveryPreview, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    let min_lead_secs = ssr::service()?.config.min_lead_secs;
    ssr::preview(&db, user, &deliver_date, &deliver_time, min_lead_secs).await
}

/// Cancels a scheduled letter (refused once its delivery has begun). It stays, as
/// "cancelled", and can be edited and scheduled again.
#[server(prefix = "/api", endpoint = "letters/cancel")]
pub async fn cancel_letter(id: String) -> Result<LetterView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::cancel(&db, user, crate::request::parse_id(&id)?).await
}

/// Shares one of my letters on the wall (`public` = `true`) or takes it down.
#[server(prefix = "/api", endpoint = "letters/visibility")]
pub async fn set_letter_public(id: String, public: bool) -> Result<LetterView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::set_public(&db, user, crate::request::parse_id(&id)?, public).await
}

/// Deletes a letter with its images (refused while it is being delivered).
#[server(prefix = "/api", endpoint = "letters/delete")]
pub async fn delete_letter(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete(&db, user, crate::request::parse_id(&id)?).await
}

/// Removes one image from a letter that can still be edited.
#[server(prefix = "/api", endpoint = "letters/image/delete")]
pub async fn delete_image(id: String) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::delete_image(&db, user, crate::request::parse_id(&id)?).await
}

/// A delivered letter, for whoever holds its link.
#[server(prefix = "/api", endpoint = "letters/read")]
pub async fn read_letter(token: String) -> Result<ReadView, AppError> {
    let db = crate::request::db()?;
    ssr::read(&db, &token).await
}

/// The recipient's "thank you" (once; `note` optional, up to 500 characters).
#[server(prefix = "/api", endpoint = "letters/thank")]
pub async fn thank_letter(
    token: String,
    #[server(default)] note: Option<String>,
) -> Result<(), AppError> {
    let db = crate::request::db()?;
    ssr::thank(&db, &token, note.as_deref().unwrap_or("")).await
}
