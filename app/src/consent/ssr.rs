//! Consent: the first-visit dialog's answer and later changes in Settings.
//!
//! The browser keeps its answer in one essential cookie, `ripen_consent`
//! (`__Host-ripen_consent` over https): `<anon id>.<policy version>.<three 0/1 flags>`. It is
//! the record of the choice itself, so it needs no consent; it lives 13 months, after which
//! the dialog asks again. Every choice is also written to `consent_record` (with the account
//! when signed in), so a person's history of choices can be shown and proven.

use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

use super::{ASK_AGAIN_BEFORE, ConsentChoices, ConsentRecordView, ConsentState, POLICY_VERSION};
use crate::{
    AppError,
    account::ssr::{
        current_user,
        entities::{consent_record, user_account},
        limiter::{Key, Scope},
        require_user,
        session::{append_cookie, cookie_value},
    },
};

/// 13 months, in seconds.
pub const COOKIE_MAX_AGE_SECS: i64 = 395 * 86_400;
/// Anonymous records are deleted after the cookie they prove has expired.
pub const ANONYMOUS_RECORDS_KEPT_DAYS: i64 = 395;

/// The functional cookies: set only while "language and theme" is allowed, deleted when it
/// is withdrawn. Each is `(name over http, name over https)`.
pub const THEME_COOKIE: (&str, &str) = ("ripen_theme", "__Host-ripen_theme");
pub const LANG_COOKIE: (&str, &str) = ("ripen_lang", "__Host-ripen_lang");
const FUNCTIONAL_COOKIES: [(&str, &str); 2] = [THEME_COOKIE, LANG_COOKIE];

/// A cookie's name as this installation sets it (`__Host-` over https).
pub fn named(cookie: (&'static str, &'static str), secure: bool) -> &'static str {
    if secure { cookie.1 } else { cookie.0 }
}

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-ripen_consent"
    } else {
        "ripen_consent"
    }
}

/// What a consent cookie says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub anon_id: String,
    pub version: String,
    pub choices: ConsentChoices,
}

impl Stored {
    pub fn encode(&self) -> String {
        let bit = |b: bool| if b { '1' } else { '0' };
        format!(
            "{}.{}.{}{}{}",
            self.anon_id,
            self.version,
            bit(self.choices.functional),
            bit(self.choices.statistics),
            bit(self.choices.improvement)
        )
    }

    /// `None` for anything malformed (then the dialog simply asks again).
    pub fn decode(value: &str) -> Option<Self> {
        let mut parts = value.split('.');
        let (anon, version, flags) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let anon_id = Uuid::parse_str(anon).ok()?.to_string();
        let valid_version = version.len() <= 32
            && !version.is_empty()
            && version.chars().all(|c| c.is_ascii_digit() || c == '-');
        let flags: Vec<bool> = flags
            .chars()
            .map(|c| match c {
                '0' => Some(false),
                '1' => Some(true),
                _ => None,
            })
            .collect::<Option<_>>()?;
        let [functional, statistics, improvement] = flags[..] else {
            return None;
        };
        valid_version.then(|| Self {
            anon_id,
            version: version.to_owned(),
            choices: ConsentChoices {
                functional,
                statistics,
                improvement,
            },
        })
    }
}

impl From<&consent_record::Model> for ConsentChoices {
    fn from(r: &consent_record::Model) -> Self {
        Self {
            functional: r.functional,
            statistics: r.statistics,
            improvement: r.improvement,
        }
    }
}

fn presented() -> Option<Stored> {
    let accounts = crate::account::ssr::accounts().ok()?;
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let value = cookie_value(
        &parts.headers,
        cookie_name(accounts.settings.secure_cookies),
    )?;
    Stored::decode(&value)
}

fn state_of(version: &str, choices: ConsentChoices) -> ConsentState {
    let outdated = version < ASK_AGAIN_BEFORE;
    ConsentState {
        ask: outdated,
        renewal: outdated,
        choices,
    }
}

pub async fn state() -> Result<ConsentState, AppError> {
    if let Some(stored) = presented() {
        return Ok(state_of(&stored.version, stored.choices));
    }
    // A signed-in person on a new browser: their account's latest choice stands.
    if let Some(user) = current_user().await? {
        let db = crate::request::db()?;
        if let Some(r) = latest(&db, &user).await? {
            return Ok(state_of(&r.policy_version, ConsentChoices::from(&r)));
        }
    }
    Ok(ConsentState {
        ask: true,
        renewal: false,
        choices: ConsentChoices::default(),
    })
}

async fn latest(
    db: &sea_orm::DatabaseConnection,
    user: &user_account::Model,
) -> Result<Option<consent_record::Model>, AppError> {
    Ok(consent_record::Entity::find()
        .filter(consent_record::Column::UserId.eq(user.id))
        .order_by_desc(consent_record::Column::CreatedMs)
        .one(db)
        .await?)
}

pub async fn save(choices: ConsentChoices, from_settings: bool) -> Result<ConsentState, AppError> {
    let db = crate::request::db()?;
    let accounts = crate::account::ssr::accounts()?;
    let user = current_user().await?;
    let anon_id = presented().map_or_else(|| Uuid::new_v4().to_string(), |s| s.anon_id);
    // Every answer is a row kept for 13 months: a client that keeps answering (a script;
    // each request without the cookie is a new visitor) is stopped before the table grows.
    let who = user.as_ref().map_or_else(
        || Key::client(crate::request::client_addr()),
        |u| Key::user(u.id),
    );
    accounts
        .limiter
        .take(
            Scope::Consent,
            &who,
            accounts.settings.limits.consent_records_per_client,
        )
        .await?;
    consent_record::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.as_ref().map(|u| u.id)),
        anon_id: Set(anon_id.clone()),
        policy_version: Set(POLICY_VERSION.to_owned()),
        functional: Set(choices.functional),
        statistics: Set(choices.statistics),
        improvement: Set(choices.improvement),
        source: Set(if from_settings { "settings" } else { "dialog" }.to_owned()),
        created_ms: Set(Utc::now().timestamp_millis()),
    }
    .insert(&db)
    .await?;
    let stored = Stored {
        anon_id,
        version: POLICY_VERSION.to_owned(),
        choices,
    };
    let settings = &accounts.settings;
    append_cookie(
        settings,
        cookie_name(settings.secure_cookies),
        &stored.encode(),
        COOKIE_MAX_AGE_SECS,
    );
    if !choices.functional {
        for cookie in FUNCTIONAL_COOKIES {
            append_cookie(settings, named(cookie, settings.secure_cookies), "", 0);
        }
    }
    Ok(state_of(POLICY_VERSION, choices))
}

/// The answers this browser gave as a visitor before the account existed become the
/// account's, keeping the time each was given: the person answered the dialog, then signed
/// up, and their choice follows them in. Only answers older than the account are taken, so
/// a later visitor's answer on a shared browser never becomes someone's record. Returns how
/// many were taken.
///
/// The sign-up itself cannot do this: `account` sits below `consent` and never reads its
/// cookie. Every sign-in lands on the account page, which reads the history first thing,
/// so this runs on the first page the new account sees in the browser that answered.
pub async fn adopt_visitor_answers(
    db: &sea_orm::DatabaseConnection,
    user: &user_account::Model,
) -> Result<u64, AppError> {
    let Some(stored) = presented() else {
        return Ok(0);
    };
    let adopted = consent_record::Entity::update_many()
        .col_expr(
            consent_record::Column::UserId,
            sea_orm::sea_query::Expr::value(user.id),
        )
        .filter(consent_record::Column::AnonId.eq(stored.anon_id))
        .filter(consent_record::Column::UserId.is_null())
        .filter(consent_record::Column::CreatedMs.lte(user.created_at.timestamp_millis()))
        .exec(db)
        .await?;
    Ok(adopted.rows_affected)
}

pub async fn history() -> Result<Vec<ConsentRecordView>, AppError> {
    let (_, user) = require_user().await?;
    let t = &crate::i18n::t().account;
    let db = crate::request::db()?;
    let find = || {
        consent_record::Entity::find()
            .filter(consent_record::Column::UserId.eq(user.id))
            .order_by_desc(consent_record::Column::CreatedMs)
            .all(&db)
    };
    let mut records = find().await?;
    // An account with no record yet may have answered as a visitor in this browser.
    if records.is_empty() && adopt_visitor_answers(&db, &user).await? > 0 {
        records = find().await?;
    }
    Ok(records
        .into_iter()
        .map(|r| ConsentRecordView {
            id: r.id.to_string(),
            when: crate::format::instant_in(
                chrono::DateTime::from_timestamp_millis(r.created_ms)
                    .unwrap_or_default()
                    .fixed_offset(),
                &user.timezone,
            ),
            choices: ConsentChoices::from(&r),
            policy_version: r.policy_version,
            source: if r.source == "settings" {
                t.source_settings
            } else {
                t.source_first_visit
            }
            .to_owned(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_round_trips_and_anything_else_is_ignored() {
        let s = Stored {
            anon_id: Uuid::new_v4().to_string(),
            version: POLICY_VERSION.to_owned(),
            choices: ConsentChoices {
                functional: false,
                statistics: true,
                improvement: false,
            },
        };
        assert_eq!(Stored::decode(&s.encode()), Some(s.clone()));
        assert!(s.encode().ends_with(".010"));
        for bad in [
            "",
            "x.2026-11-24.000",
            &format!("{}.2026-11-24.00", s.anon_id),
            &format!("{}.2026-11-24.0000", s.anon_id),
            &format!("{}.2026-11-24.012", s.anon_id),
            &format!("{}.<script>.000", s.anon_id),
            &format!("{}..000", s.anon_id),
            &format!("{}.2026-11-24.000.x", s.anon_id),
        ] {
            assert_eq!(Stored::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_choice_under_an_older_policy_is_asked_again() {
        assert!(!state_of(POLICY_VERSION, ConsentChoices::ALL).ask);
        let old = state_of("2026-01-01", ConsentChoices::ALL);
        assert!(old.ask && old.renewal);
        assert_eq!(old.choices, ConsentChoices::ALL);
    }
}
