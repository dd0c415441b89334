//! A year in review: a person's focus, habits, diary and letters over one calendar year
//! (`/diary/year/2026`), shared as a public page only if they choose (`/y/<token>`), and
//! offered as the seed of a letter to next year's self. It reads every area below it and
//! writes only its own table (`year_share`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::{
    AppError,
    diary::{Bar, StreakFigure},
};

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

/// A tag and how many records carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagUse {
    pub tag: String,
    pub uses: i64,
}

/// Something recorded on today's date in that year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnThisDay {
    /// The date, in the reader's language.
    pub day: String,
    pub focus_minutes: i64,
    pub checked_in: Vec<String>,
    /// A plain-text excerpt of the diary entry (only on its owner's page).
    pub entry: Option<String>,
}

/// One year of a person's records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct YearView {
    pub year: i32,
    /// Whose year this is, on a shared page (their username); `None` on one's own.
    pub owner: Option<String>,
    /// The years with records, newest first (one's own page only).
    pub years: Vec<i32>,
    /// The shared page's address, if its owner shares it (one's own page only).
    pub shared_path: Option<String>,
    pub focus_minutes: i64,
    pub sessions: i64,
    pub checkins: i64,
    pub entries: i64,
    /// Focus minutes in each month, January to December.
    pub by_month: Vec<Bar>,
    /// Focus minutes per tag, most first (up to eight).
    pub by_tag: Vec<Bar>,
    /// Each habit's best streak within the year, longest first.
    pub best_streaks: Vec<StreakFigure>,
    /// Tags on the most records (sessions, check-ins, entries), up to five.
    pub top_tags: Vec<TagUse>,
    /// The day with the most focus, in the reader's language, and its minutes.
    pub busiest_day: Option<(String, i64)>,
    /// The hour of the day (0–23, the person's zone) with the most focus, and its minutes.
    pub busiest_hour: Option<(u32, i64)>,
    pub letters_written: i64,
    pub letters_received: i64,
    pub on_this_day: Option<OnThisDay>,
}

impl YearView {
    /// Whether anything was recorded in the year.
    pub fn is_empty(&self) -> bool {
        self.focus_minutes == 0
            && self.sessions == 0
            && self.checkins == 0
            && self.entries == 0
            && self.letters_written == 0
            && self.letters_received == 0
    }
}

/// The hour range "14:00–15:00" of a busiest hour.
pub fn hour_range(hour: u32) -> String {
    crate::i18n::fill(
        crate::i18n::t().progress.hour_range,
        &[
            ("from", &format!("{hour:02}:00")),
            ("to", &format!("{:02}:00", (hour + 1) % 24)),
        ],
    )
}

/// The caller's year `year` (0: this year); empty if nothing was recorded in it.
#[server(prefix = "/api", endpoint = "review/year")]
pub async fn year_review(year: i32) -> Result<YearView, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::own_year(&db, user, year).await
}

/// A year its owner shares, for anyone with its link (404 otherwise).
#[server(prefix = "/api", endpoint = "review/shared")]
pub async fn shared_year(token: String) -> Result<YearView, AppError> {
    let db = crate::request::db()?;
    ssr::shared_year(&db, &token).await
}

/// Shares the caller's year `year` (`share`), or stops sharing it (the old link then
/// answers 404 for good). Answers the page's address while it is shared.
#[server(prefix = "/api", endpoint = "review/share")]
pub async fn share_year(year: i32, share: bool) -> Result<Option<String>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::share(&db, user, year, share).await
}

/// A letter to next year's self, seeded with the year's figures (title, body, and 1
/// January of the next year at 09:00 as its date).
#[server(prefix = "/api", endpoint = "review/seed")]
pub async fn year_letter_seed(year: i32) -> Result<crate::letters::LetterForm, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::seed(&db, user, year).await
}
