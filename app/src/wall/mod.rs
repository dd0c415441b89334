//! The public letter wall: letters their authors made public, after delivery, shown
//! without any link to the author's account; likes, reports and moderation.
//!
//! A letter is **on the wall** when it is delivered, public and not hidden by a moderator.
//! Everything here reads or writes only such letters, by their random `public_id`; a
//! letter that is not on the wall is "not found", whichever rule keeps it off.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

/// Letters per wall page.
pub const PAGE_SIZE: usize = 20;

pub use crate::letters::topics::{MAX_TOPICS, TOPICS, topic_label};
/// Why someone reports a letter; [`reason_label`] names them.
pub const REPORT_REASONS: &[&str] = &["personal", "hateful", "sexual", "spam", "other"];
pub const MAX_REPORT_NOTE: usize = 500;

/// A report reason's description in the current language, if `key` is a reason.
pub fn reason_label(key: &str) -> Option<&'static str> {
    let t = &crate::i18n::t().wall;
    Some(match key {
        "personal" => t.reason_personal,
        "hateful" => t.reason_hateful,
        "sexual" => t.reason_sexual,
        "spam" => t.reason_spam,
        "other" => t.reason_other,
        _ => return None,
    })
}

/// The address of a wall page: a topic, a search and a page cursor, each only if given.
/// Values are percent-encoded (a search is whatever someone typed).
pub fn wall_href(topic: Option<&str>, q: Option<&str>, after: Option<&str>) -> String {
    let params: Vec<String> = [("topic", topic), ("q", q), ("after", after)]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| format!("{name}={}", encode_component(v))))
        .collect();
    if params.is_empty() {
        "/wall".to_owned()
    } else {
        format!("/wall?{}", params.join("&"))
    }
}

/// `s` for a query string: every byte but ASCII letters, digits and `-._~` as `%XX`.
fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A keyset position on the wall: the last letter shown (delivery instant, public id).
/// Encoded as `<delivered_ms>-<public_id>` in `?after=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub delivered_ms: i64,
    pub public_id: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}-{}", self.delivered_ms, self.public_id)
    }

    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let bad = || AppError::validation("after", crate::i18n::t().wall.bad_cursor);
        let (ms, id) = raw.split_once('-').ok_or_else(bad)?;
        let delivered_ms = ms.parse::<i64>().map_err(|_| bad())?;
        if id.is_empty() || id.len() > 32 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(bad());
        }
        Ok(Self {
            delivered_ms,
            public_id: id.to_owned(),
        })
    }
}

/// A letter on the wall as a card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallCard {
    pub public_id: String,
    pub title: String,
    pub excerpt: String,
    /// The pen name, or "Anonymous".
    pub signed: String,
    pub written_on: String,
    pub delivered_on: String,
    /// "Written 3 years before it arrived".
    pub waited: String,
    pub topics: Vec<String>,
    pub likes: i64,
    pub liked: bool,
    pub images: usize,
}

/// One page of the wall.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallPage {
    pub cards: Vec<WallCard>,
    /// `?after=` of the next page, if there is one.
    pub next: Option<String>,
    pub topic: Option<String>,
    /// The search, as asked (trimmed), when it has words to look for; `None` shows the
    /// whole wall.
    pub q: Option<String>,
    pub signed_in: bool,
    /// The site's origin, for canonical and Open Graph URLs.
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallImage {
    pub url: String,
    pub width: i32,
    pub height: i32,
    pub alt: String,
}

/// One letter's public page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WallLetter {
    pub card: WallCard,
    /// Rendered Markdown (raw HTML escaped, links restricted).
    pub html: String,
    pub images: Vec<WallImage>,
    /// A plain-text summary for `<meta name="description">`.
    pub description: String,
    /// The site's origin, for canonical and Open Graph URLs.
    pub site: String,
    pub signed_in: bool,
    /// Whether the viewer has already reported it.
    pub reported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub reporter: String,
    pub reason: String,
    pub note: String,
    pub when: String,
}

/// A letter in the moderation queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModerationItem {
    pub public_id: String,
    pub title: String,
    pub excerpt: String,
    pub hidden: bool,
    pub open_reports: usize,
    pub reports: Vec<ReportView>,
    /// Who last hid or showed it, and when.
    pub last_action: Option<String>,
}

/// One page of the wall, newest delivered first; `topic` filters, `q` searches titles
/// and bodies (all of its words; see `crate::search`), `after` continues.
#[server(prefix = "/api", endpoint = "wall/page")]
pub async fn get_wall_page(
    #[server(default)] topic: Option<String>,
    #[server(default)] after: Option<String>,
    #[server(default)] q: Option<String>,
) -> Result<WallPage, AppError> {
    let db = crate::request::db()?;
    let viewer = ssr::viewer().await;
    ssr::page(
        &db,
        viewer,
        ssr::Filter {
            topic: topic.as_deref(),
            q: q.as_deref(),
        },
        after.as_deref(),
    )
    .await
}

/// One letter on the wall, by its public id.
#[server(prefix = "/api", endpoint = "wall/letter")]
pub async fn get_wall_letter(id: String) -> Result<WallLetter, AppError> {
    let db = crate::request::db()?;
    let viewer = ssr::viewer().await;
    ssr::letter(&db, viewer, &id).await
}

/// Likes or un-likes a letter ("this touched me"); answers (liked, count).
#[server(prefix = "/api", endpoint = "wall/like")]
pub async fn toggle_like(id: String) -> Result<(bool, i64), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::toggle_like(&db, user, &id).await
}

/// Reports a letter to the moderators; a second report by the same person replaces the
/// first (it counts once).
#[server(prefix = "/api", endpoint = "wall/report")]
pub async fn report_letter(
    id: String,
    reason: String,
    #[server(default)] note: Option<String>,
) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::report(&db, user, &id, &reason, note.as_deref().unwrap_or("")).await
}

/// The moderation queue (admins only): reported or hidden letters.
#[server(prefix = "/api", endpoint = "wall/moderation")]
pub async fn moderation_queue() -> Result<Vec<ModerationItem>, AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::queue(&db, user).await
}

/// Hides a letter from the wall (or shows it again); admins only.
#[server(prefix = "/api", endpoint = "wall/moderate")]
pub async fn moderate(id: String, hide: bool) -> Result<(), AppError> {
    let (db, user) = crate::account::ssr::caller().await?;
    ssr::moderate(&db, user, &id, hide).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_addresses_keep_topic_search_and_cursor_encoded() {
        assert_eq!(wall_href(None, None, None), "/wall");
        assert_eq!(wall_href(Some("joy"), None, None), "/wall?topic=joy");
        assert_eq!(
            wall_href(Some("joy"), Some("plum tree"), Some("12-ab")),
            "/wall?topic=joy&q=plum%20tree&after=12-ab"
        );
        assert_eq!(
            wall_href(None, Some("\" OR 1=1 -- *&after=x#"), None),
            "/wall?q=%22%20OR%201%3D1%20--%20%2A%26after%3Dx%23"
        );
        assert_eq!(
            wall_href(None, Some("樱花"), None),
            "/wall?q=%E6%A8%B1%E8%8A%B1"
        );
    }

    #[test]
    fn cursors_round_trip_and_refuse_junk() {
        let c = Cursor {
            delivered_ms: 1_790_000_000_000,
            public_id: "a1B2c3D4e5F6g7H8".into(),
        };
        assert_eq!(Cursor::parse(&c.encode()).unwrap(), c);
        for bad in ["", "x", "12", "12-", "ab-cd", "12-a'b", "12-../x"] {
            let e = Cursor::parse(bad).unwrap_err();
            assert!(e.field_message("after").is_some(), "{bad}");
        }
    }
}
