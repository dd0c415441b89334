//! Ripen's two languages, English and Simplified Chinese, as one typed catalogue.
//!
//! Every user-visible string lives in a struct field, one struct per area of the app
//! (`shell`, `timer`, `letters`, …). Each area file defines its struct and both languages'
//! values side by side, so a key missing from one language is a compile error (E0063), not
//! a runtime blank. `tests` then checks what the compiler cannot: that no Chinese value is
//! an untranslated copy of the English one, and that both use the same `{placeholders}`.
//! A text that names a count is a [`Plural`] in its language's forms (`plural.rs`), asked
//! for the count's text: `t().diary.records.count(n)`.
//!
//! Which language a request gets, first found wins (see `prefs::ssr::resolve`):
//! 1. the signed-in account's setting (`user_account.language`);
//! 2. this browser's cookie `ripen_lang` (a year when "language and theme" is allowed,
//!    otherwise only until the browser closes: a choice the person just made is not tracking);
//! 3. the browser's `Accept-Language`;
//! 4. English.
//!
//! The document carries it as `<html lang>`; the browser reads it from there, so the
//! hydrated app speaks the language the server rendered. Changing language reloads the page.

use chrono::{Datelike, Weekday};
use serde::{Deserialize, Serialize};

pub use plural::{Count, Plural};

pub mod account;
pub mod announcements;
pub mod auth;
pub mod billing;
pub mod breach;
pub mod diary;
pub mod errors;
pub mod landing;
pub mod letters;
pub mod mail;
pub mod offline;
pub mod passkeys;
pub mod plural;
pub mod policy;
pub mod progress;
pub mod security;
pub mod shell;
pub mod sign_in;
pub mod staff;
pub mod timer;
pub mod wall;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-Hans")]
    ZhHans,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhHans];

    /// The BCP 47 tag (`<html lang>`, the cookie, the account column).
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHans => "zh-Hans",
        }
    }

    /// The language's name in itself, as a language menu shows it.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhHans => "简体中文",
        }
    }

    /// Reads a tag leniently: `en`, `en-GB`, `zh`, `zh-Hans`, `zh-CN`, `zh-SG` (case-insensitive).
    /// Traditional Chinese (`zh-Hant`, `zh-TW`, `zh-HK`) is not offered, so it is `None`.
    pub fn parse(tag: &str) -> Option<Self> {
        let tag = tag.trim().to_ascii_lowercase();
        let mut parts = tag.split(['-', '_']);
        match parts.next()? {
            "en" => Some(Lang::En),
            "zh" => match parts.next() {
                None | Some("hans" | "cn" | "sg" | "my") => Some(Lang::ZhHans),
                Some(_) => None,
            },
            _ => None,
        }
    }

    /// The best of ours for an `Accept-Language` header, by its q-values (RFC 9110 §12.5.4).
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(f32, usize, Lang)> = None;
        for (i, item) in accept_language.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::parse) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            // Higher q wins; on a tie, the earlier item.
            if best.is_none_or(|(bq, bi, _)| q > bq || (q == bq && i < bi)) {
                best = Some((q, i, lang));
            }
        }
        best.map(|(_, _, l)| l)
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::ZhHans => &ZH,
        }
    }

    /// The other language (the switcher offers it).
    pub fn other(self) -> Self {
        match self {
            Lang::En => Lang::ZhHans,
            Lang::ZhHans => Lang::En,
        }
    }
}

/// The whole catalogue of one language.
#[derive(Debug, Serialize)]
pub struct Texts {
    pub shell: shell::Shell,
    pub errors: errors::Errors,
    pub auth: auth::Auth,
    pub account: account::Account,
    pub timer: timer::Timer,
    pub diary: diary::Diary,
    pub letters: letters::Letters,
    pub wall: wall::Wall,
    pub staff: staff::Staff,
    pub landing: landing::Landing,
    pub policy: policy::Policy,
    pub mail: mail::Mail,
    pub breach: breach::Breach,
    pub announcements: announcements::Announcements,
    pub offline: offline::Offline,
    pub security: security::Security,
    pub sign_in: sign_in::SignIn,
    pub passkeys: passkeys::Passkeys,
    pub billing: billing::Billing,
    pub progress: progress::Progress,
}

pub static EN: Texts = Texts {
    shell: shell::EN,
    errors: errors::EN,
    auth: auth::EN,
    account: account::EN,
    timer: timer::EN,
    diary: diary::EN,
    letters: letters::EN,
    wall: wall::EN,
    staff: staff::EN,
    landing: landing::EN,
    policy: policy::EN,
    mail: mail::EN,
    breach: breach::EN,
    announcements: announcements::EN,
    offline: offline::EN,
    security: security::EN,
    sign_in: sign_in::EN,
    passkeys: passkeys::EN,
    billing: billing::EN,
    progress: progress::EN,
};

pub static ZH: Texts = Texts {
    shell: shell::ZH,
    errors: errors::ZH,
    auth: auth::ZH,
    account: account::ZH,
    timer: timer::ZH,
    diary: diary::ZH,
    letters: letters::ZH,
    wall: wall::ZH,
    staff: staff::ZH,
    landing: landing::ZH,
    policy: policy::ZH,
    mail: mail::ZH,
    breach: breach::ZH,
    announcements: announcements::ZH,
    offline: offline::ZH,
    security: security::ZH,
    sign_in: sign_in::ZH,
    passkeys: passkeys::ZH,
    billing: billing::ZH,
    progress: progress::ZH,
};

/// The language of the current request (server) or document (browser).
///
/// The catalogue does not decide it: on the server, the middleware that resolves a
/// request's preferences (`server/src/prefs.rs`, by `prefs::ssr::resolve`) puts the
/// [`Lang`] into the request's extensions and, for plain axum handlers, into
/// [`REQUEST_LANG`]; outside a request (background work) it is English unless a caller
/// names one (`Lang::texts`). In the browser it is `<html lang>`, read once.
pub fn lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::with_context;
        with_context::<http::request::Parts, _>(|parts| parts.extensions.get::<Lang>().copied())
            .flatten()
            .or_else(|| REQUEST_LANG.try_with(|l| *l).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        document_lang()
    }
}

#[cfg(feature = "ssr")]
tokio::task_local! {
    /// The language of the request being handled, for handlers outside Leptos (uploads,
    /// downloads), whose errors speak it too.
    pub static REQUEST_LANG: Lang;
}

/// `<html lang>`: the language the page was rendered in (a switch reloads the page).
#[cfg(not(feature = "ssr"))]
fn document_lang() -> Lang {
    use std::cell::OnceCell;
    thread_local! {
        static LANG: OnceCell<Lang> = const { OnceCell::new() };
    }
    LANG.with(|l| {
        *l.get_or_init(|| {
            leptos::prelude::document()
                .document_element()
                .and_then(|root| root.get_attribute("lang"))
                .and_then(|t| Lang::parse(&t))
                .unwrap_or_default()
        })
    })
}

/// The current language's catalogue: `t().timer.start`.
pub fn t() -> &'static Texts {
    lang().texts()
}

/// Fills `{name}` placeholders: `fill(t().diary.streak, &[("n", &days)])`.
/// An unknown placeholder is left as it is, so a mistake shows instead of vanishing.
pub fn fill(template: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(&v.to_string()),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// How much of a date to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// "Tuesday 24 November 2026" · "2026年11月24日 星期二"
    Full,
    /// "Tue 24 Nov 2026" · "2026年11月24日 周二"
    Medium,
    /// "24 November 2026" · "2026年11月24日"
    Long,
    /// "24 Nov" · "11月24日"
    DayMonth,
    /// "Nov 26" · "26年11月"
    MonthYear,
}

const WEEKDAYS_ZH: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

/// A weekday's name: "Mon"/"Monday" or "周一"/"星期一".
pub fn weekday(lang: Lang, day: Weekday, short: bool) -> String {
    match (lang, short) {
        (Lang::En, true) => format!("{day}"),
        (Lang::En, false) => english_weekday(day).to_owned(),
        (Lang::ZhHans, true) => format!("周{}", WEEKDAYS_ZH[day.num_days_from_monday() as usize]),
        (Lang::ZhHans, false) => {
            format!("星期{}", WEEKDAYS_ZH[day.num_days_from_monday() as usize])
        }
    }
}

fn english_weekday(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date in `lang`'s conventions.
pub fn date_in(lang: Lang, d: &impl Datelike, style: DateStyle) -> String {
    let (y, m, day) = (d.year(), d.month(), d.day());
    let month = MONTHS_EN[(m as usize).saturating_sub(1) % 12];
    let short_month = &month[..3];
    match lang {
        Lang::En => match style {
            DateStyle::Full => format!("{} {day} {month} {y}", weekday(lang, d.weekday(), false)),
            DateStyle::Medium => {
                format!(
                    "{} {day} {short_month} {y}",
                    weekday(lang, d.weekday(), true)
                )
            }
            DateStyle::Long => format!("{day} {month} {y}"),
            DateStyle::DayMonth => format!("{day} {short_month}"),
            DateStyle::MonthYear => format!("{short_month} {:02}", y.rem_euclid(100)),
        },
        Lang::ZhHans => match style {
            DateStyle::Full => format!("{y}年{m}月{day}日 {}", weekday(lang, d.weekday(), false)),
            DateStyle::Medium => format!("{y}年{m}月{day}日 {}", weekday(lang, d.weekday(), true)),
            DateStyle::Long => format!("{y}年{m}月{day}日"),
            DateStyle::DayMonth => format!("{m}月{day}日"),
            DateStyle::MonthYear => format!("{:02}年{m}月", y.rem_euclid(100)),
        },
    }
}

/// A date in the current language.
pub fn date(d: &impl Datelike, style: DateStyle) -> String {
    date_in(lang(), d, style)
}

#[cfg(test)]
mod tests;
