//! Breach notices (`ripen notify-breach`, server only): telling the people a data breach
//! affected, promptly and once.
//!
//! The operator names the incident, says who was affected (a list of usernames or email
//! addresses, or everyone whose rows a time window touched, see [`touched_between`]) and
//! writes what happened in English and, optionally, Chinese. Each affected account that is
//! not closed gets:
//! - an in-app notification ([`Notice::Breach`]), worded in the reader's language;
//! - an email in its language to its address, if that address is verified (otherwise the
//!   in-app notice alone, and the report names the account).
//!
//! A `breach_notice` row per (incident, account) records who was told, when and how. It is
//! written with `INSERT … ON CONFLICT DO NOTHING` in the same transaction as the in-app
//! notification, so whoever inserts the row (one run of two started at once, say) is the
//! one who tells that person; everyone else finds them already told. The email goes after
//! the commit and its outcome is recorded on the row: an email that failed is sent again
//! by the next run for the same incident (claimed by a fenced update, so again by one run
//! only); one that was sent is never sent again.

use std::collections::{BTreeMap, BTreeSet};

use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
    prelude::DateTimeWithTimeZone,
    sea_query::{ExprTrait, OnConflict},
};
use uuid::Uuid;

use super::entities::{breach_notice, data_export};
use crate::{
    AppError, ResultExt,
    account::{
        fields::Email,
        ssr::entities::{account_token, auth_session, consent_record, user_account},
    },
    clock::now_ms,
    diary::entities::{checkin, diary_entry, habit},
    focus::entities::{focus_session, tag, task},
    i18n::Lang,
    letters::entities::letter,
    mail::{Mailer, templates},
    notifications::{Notice, entities::notification},
    seal::Keyring,
    wall::entities::{letter_like, letter_report},
};

pub use crate::mail::EmailState;

/// The longest incident reference.
pub const INCIDENT_MAX: usize = 64;

/// An incident's reference, as the operator gave it: 1 to [`INCIDENT_MAX`] characters of
/// `A–Z a–z 0–9 - _ .` (it is quoted in every notice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentId(String);

impl IncidentId {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let s = raw.trim();
        if s.is_empty()
            || s.len() > INCIDENT_MAX
            || !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(AppError::validation(
                "incident",
                format!("1 to {INCIDENT_MAX} characters of A-Z a-z 0-9 - _ ."),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who the incident affected.
#[derive(Debug, Clone)]
pub enum Affected {
    /// Usernames or email addresses (any case), as the operator listed them.
    Accounts(Vec<String>),
    /// Every account with activity in `[from_ms, to_ms)`: see [`touched_between`].
    TouchedBetween { from_ms: i64, to_ms: i64 },
}

/// The notice's variable parts.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: IncidentId,
    /// What happened, in English.
    pub summary_en: String,
    /// What happened, in Chinese, if the operator wrote it; else Chinese readers get
    /// the English one, introduced as such.
    pub summary_zh: Option<String>,
    /// Where to write with questions (an address or a web page).
    pub contact: String,
    /// The site's origin, for the link to the settings page.
    pub site_url: String,
}

/// What a run did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct BreachReport {
    /// Accounts the list or the window named (closed ones included).
    pub matched: usize,
    /// Told by this run (in-app, and by email where there is a verified address).
    pub notified_now: usize,
    /// Told by an earlier (or a simultaneous) run for this incident.
    pub already_notified: usize,
    /// Closed accounts (awaiting erasure): not told.
    pub skipped_closed: usize,
    /// Emails the mail server accepted in this run (including ones an earlier run failed to send).
    pub emails_sent: usize,
    /// Accounts told in-app only, for want of a verified address (usernames).
    pub in_app_only: Vec<String>,
    /// Emails that failed in this run (usernames); running again retries them.
    pub emails_failed: Vec<String>,
    /// Listed names that match no account (as listed).
    pub not_found: Vec<String>,
}

/// Tells every account `affected` names about `incident`, each once; see the module docs.
pub async fn notify_breach(
    db: &DatabaseConnection,
    mailer: &Mailer,
    keys: &Keyring,
    incident: &Incident,
    affected: &Affected,
) -> Result<BreachReport, AppError> {
    let mut report = BreachReport::default();
    let accounts = match affected {
        Affected::Accounts(names) => {
            let (found, not_found) = find_listed(db, names).await?;
            report.not_found = not_found;
            found
        }
        Affected::TouchedBetween { from_ms, to_ms } => {
            let ids = touched_between(db, *from_ms, *to_ms).await?;
            load(db, ids).await?
        }
    };
    report.matched = accounts.len();
    for account in accounts {
        if account.deleted_ms.is_some() {
            report.skipped_closed += 1;
            continue;
        }
        match tell(db, keys, incident, &account).await? {
            Told::Now(notice) => {
                report.notified_now += 1;
                if notice.email == EmailState::NoAddress {
                    report.in_app_only.push(account.username.clone());
                } else {
                    email(db, mailer, incident, &account, notice.id, &mut report).await?;
                }
            }
            Told::Before(notice) => {
                report.already_notified += 1;
                // An email an earlier run could not send is tried again, by one run only.
                if notice.email == EmailState::Failed && claim_failed(db, notice.id).await? {
                    email(db, mailer, incident, &account, notice.id, &mut report).await?;
                }
            }
        }
    }
    tracing::info!(
        incident = incident.id.as_str(),
        matched = report.matched,
        notified_now = report.notified_now,
        already_notified = report.already_notified,
        emails_sent = report.emails_sent,
        emails_failed = report.emails_failed.len(),
        "breach notices sent"
    );
    Ok(report)
}

enum Told {
    Now(breach_notice::Model),
    Before(breach_notice::Model),
}

/// Records the notice and leaves the in-app notification, together; or finds the notice
/// an earlier run recorded.
async fn tell(
    db: &DatabaseConnection,
    keys: &Keyring,
    incident: &Incident,
    account: &user_account::Model,
) -> Result<Told, AppError> {
    let now = now_ms();
    let row = breach_notice::Model {
        id: Uuid::new_v4(),
        incident: incident.id.as_str().to_owned(),
        user_id: account.id,
        notified_ms: now,
        email: if account.email_verified_at.is_some() {
            EmailState::Sending
        } else {
            EmailState::NoAddress
        },
        emailed_ms: None,
    };
    let txn = db.begin().await?;
    // The first statement writes, so on SQLite the transaction takes the write lock at
    // once (waiting its turn) instead of failing to upgrade a read.
    let inserted = breach_notice::Entity::insert(breach_notice::ActiveModel {
        id: Set(row.id),
        incident: Set(row.incident.clone()),
        user_id: Set(row.user_id),
        notified_ms: Set(row.notified_ms),
        email: Set(row.email),
        emailed_ms: Set(row.emailed_ms),
    })
    .on_conflict(
        OnConflict::columns([
            breach_notice::Column::Incident,
            breach_notice::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        let earlier = breach_notice::Entity::find()
            .filter(breach_notice::Column::Incident.eq(incident.id.as_str()))
            .filter(breach_notice::Column::UserId.eq(account.id))
            .one(db)
            .await?
            .or_internal("finding the notice an earlier run recorded")?;
        return Ok(Told::Before(earlier));
    }
    let notice = Notice::Breach {
        en: incident.summary_en.clone(),
        zh: incident.summary_zh.clone(),
    };
    crate::notifications::ssr::notify(&txn, keys, account.id, &notice).await?;
    txn.commit().await?;
    Ok(Told::Now(row))
}

/// Sends the notice's email and records what became of it.
async fn email(
    db: &DatabaseConnection,
    mailer: &Mailer,
    incident: &Incident,
    account: &user_account::Model,
    notice: Uuid,
    report: &mut BreachReport,
) -> Result<(), AppError> {
    let lang = account.lang();
    let (summary, summary_in_english) = summary_for(incident, lang);
    let settings = format!("{}/account", incident.site_url.trim_end_matches('/'));
    let message = templates::breach_notice(
        lang,
        &templates::BreachNotice {
            username: &account.username,
            to: &account.email,
            incident: incident.id.as_str(),
            summary,
            summary_in_english,
            contact: &incident.contact,
            settings_link: &settings,
        },
    );
    let (state, emailed) = match mailer.send(message).await {
        Ok(()) => {
            report.emails_sent += 1;
            (EmailState::Sent, Some(now_ms()))
        }
        Err(e) => {
            // The error names the server's answer, never the message.
            tracing::warn!(%notice, user = %account.id, error = %e, "a breach notice email failed");
            report.emails_failed.push(account.username.clone());
            (EmailState::Failed, None)
        }
    };
    breach_notice::Entity::update_many()
        .col_expr(breach_notice::Column::Email, state.as_str().into())
        .col_expr(breach_notice::Column::EmailedMs, emailed.into())
        .filter(breach_notice::Column::Id.eq(notice))
        .exec(db)
        .await?;
    Ok(())
}

/// Takes a failed email back for sending; false if another run took it first.
async fn claim_failed(db: &DatabaseConnection, notice: Uuid) -> Result<bool, AppError> {
    let claimed = breach_notice::Entity::update_many()
        .col_expr(
            breach_notice::Column::Email,
            EmailState::Sending.as_str().into(),
        )
        .filter(breach_notice::Column::Id.eq(notice))
        .filter(breach_notice::Column::Email.eq(EmailState::Failed))
        .exec(db)
        .await?
        .rows_affected;
    Ok(claimed == 1)
}

/// The operator's account in `lang` if they wrote one, else the English one (and whether
/// that is what it is).
fn summary_for(incident: &Incident, lang: Lang) -> (&str, bool) {
    match (lang, &incident.summary_zh) {
        (Lang::ZhHans, Some(zh)) => (zh, false),
        (Lang::ZhHans, None) => (&incident.summary_en, true),
        (Lang::En, _) => (&incident.summary_en, false),
    }
}

/// The accounts the operator listed, by username or email address (any case), in list
/// order without repeats; and the names that matched none.
async fn find_listed(
    db: &DatabaseConnection,
    names: &[String],
) -> Result<(Vec<user_account::Model>, Vec<String>), AppError> {
    let mut found: Vec<user_account::Model> = Vec::new();
    let mut not_found = Vec::new();
    for name in names {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let column_value = if name.contains('@') {
            match Email::parse(name) {
                Ok(email) => Some((user_account::Column::EmailCanonical, email.canonical())),
                Err(_) => None,
            }
        } else {
            Some((user_account::Column::UsernameCanonical, name.to_lowercase()))
        };
        let account = match column_value {
            Some((column, value)) => {
                user_account::Entity::find()
                    .filter(column.eq(value))
                    .one(db)
                    .await?
            }
            None => None,
        };
        match account {
            Some(a) if found.iter().any(|f| f.id == a.id) => {}
            Some(a) => found.push(a),
            None => not_found.push(name.to_owned()),
        }
    }
    Ok((found, not_found))
}

/// The accounts with these ids, in id order.
async fn load(
    db: &DatabaseConnection,
    ids: BTreeSet<Uuid>,
) -> Result<Vec<user_account::Model>, AppError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mut out = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for a in user_account::Entity::find()
            .filter(user_account::Column::Id.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            out.insert(a.id, a);
        }
    }
    Ok(out.into_values().collect())
}

/// The accounts with activity in `[from_ms, to_ms)`: a row of theirs was created or
/// changed then. What counts, table by table (each a time column the row keeps):
/// - the account itself: created, profile changed (`user_account.created_at`, `updated_at`);
/// - signing in and using Ripen: a session begun or used (`auth_session.created_at`,
///   `last_seen_at`), an email link made or used (`account_token`), a privacy choice
///   (`consent_record`);
/// - focus: tasks made, changed or completed, tags made, focus sessions recorded or ended
///   (`task`, `tag`, `focus_session.created_at`, `ended_at`);
/// - diary: habits made or archived, check-ins and entries written or changed (`habit`,
///   `checkin`, `diary_entry`);
/// - letters: written, changed or delivered (`letter.created_ms`, `updated_ms`,
///   `delivered_ms`; a recipient row changes with its letter);
/// - the wall: likes and reports (`letter_like`, `letter_report`);
/// - notifications left or read, data exports built (`notification`, `data_export`).
///
/// Not counted: the timer's running state (`focus_timer`, changed by every tick of a
/// session that is then recorded in `focus_session`) and the per-day roll-ups computed from
/// sessions.
pub async fn touched_between(
    db: &DatabaseConnection,
    from_ms: i64,
    to_ms: i64,
) -> Result<BTreeSet<Uuid>, AppError> {
    let from_at = at(from_ms)?;
    let to_at = at(to_ms)?;
    let mut users = BTreeSet::new();
    macro_rules! collect {
        ($entity:ident, $user:ident, ms: [$($ms:ident),*], at: [$($at:ident),*]) => {{
            let mut window = Condition::any();
            $(
                window = window.add(
                    $entity::Column::$ms.gte(from_ms).and($entity::Column::$ms.lt(to_ms)),
                );
            )*
            $(
                window = window.add(
                    $entity::Column::$at.gte(from_at).and($entity::Column::$at.lt(to_at)),
                );
            )*
            let found: Vec<Option<Uuid>> = $entity::Entity::find()
                .select_only()
                .column($entity::Column::$user)
                .distinct()
                .filter(window)
                .into_tuple()
                .all(db)
                .await?;
            users.extend(found.into_iter().flatten());
        }};
    }
    collect!(user_account, Id, ms: [], at: [CreatedAt, UpdatedAt]);
    collect!(auth_session, UserId, ms: [], at: [CreatedAt, LastSeenAt]);
    collect!(account_token, UserId, ms: [], at: [CreatedAt, UsedAt]);
    collect!(consent_record, UserId, ms: [CreatedMs], at: []);
    collect!(task, UserId, ms: [], at: [CreatedAt, UpdatedAt, CompletedAt]);
    collect!(tag, UserId, ms: [], at: [CreatedAt]);
    collect!(focus_session, UserId, ms: [EndedAt], at: [CreatedAt]);
    collect!(habit, UserId, ms: [], at: [CreatedAt, ArchivedAt]);
    collect!(checkin, UserId, ms: [], at: [CreatedAt, UpdatedAt]);
    collect!(diary_entry, UserId, ms: [], at: [CreatedAt, UpdatedAt]);
    collect!(letter, UserId, ms: [CreatedMs, UpdatedMs, DeliveredMs], at: []);
    collect!(letter_like, UserId, ms: [CreatedMs], at: []);
    collect!(letter_report, UserId, ms: [CreatedMs], at: []);
    collect!(notification, UserId, ms: [CreatedMs, ReadMs], at: []);
    collect!(data_export, UserId, ms: [CreatedMs, UpdatedMs], at: []);
    Ok(users)
}

/// An epoch-ms instant as the time-zone-aware columns store it (UTC).
fn at(ms: i64) -> Result<DateTimeWithTimeZone, AppError> {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms)
        .map(|t| t.fixed_offset())
        .ok_or_else(|| AppError::validation("touched", "a time out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_references_are_plain_ids() {
        assert_eq!(
            IncidentId::parse(" INC-2026.01_a ").unwrap().as_str(),
            "INC-2026.01_a"
        );
        for bad in ["", "a b", "inc/1", "<x>", &"x".repeat(65)] {
            let e = IncidentId::parse(bad).unwrap_err();
            assert!(e.field_message("incident").is_some(), "{bad:?}");
        }
    }

    #[test]
    fn chinese_readers_get_the_english_summary_only_when_there_is_no_chinese_one() {
        let mut incident = Incident {
            id: IncidentId::parse("INC-1").unwrap(),
            summary_en: "en".into(),
            summary_zh: None,
            contact: "x".into(),
            site_url: "https://ripen.example".into(),
        };
        assert_eq!(summary_for(&incident, Lang::ZhHans), ("en", true));
        assert_eq!(summary_for(&incident, Lang::En), ("en", false));
        incident.summary_zh = Some("中文".into());
        assert_eq!(summary_for(&incident, Lang::ZhHans), ("中文", false));
        assert_eq!(summary_for(&incident, Lang::En), ("en", false));
    }
}
