//! Administrators' side: checking what they wrote, publishing it (with its audit row),
//! withdrawing it, and the list of everything announced.

use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};
use uuid::Uuid;

use std::collections::HashMap;

use super::Announcements;
use crate::{
    AppError, FieldErrors,
    account::ssr::entities::user_account,
    announcements::{
        AnnouncementForm, AnnouncementSummary, Audience, BODY_MAX, DAYS_DEFAULT, DAYS_MAX, Source,
        TITLE_MAX,
        entities::{announcement, announcement_dismissal, announcement_email},
    },
    clock::now_ms,
    format::instant_in,
    i18n::{fill, t},
    mail::EmailState,
    staff::{
        AuditAction, StaffRole,
        ssr::{Object, at, record, require},
    },
};

const DAY_MS: i64 = 86_400_000;
/// Announcements listed, newest first.
const LISTED: u64 = 200;

/// A checked announcement, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Valid {
    pub title_en: String,
    pub body_en: String,
    pub title_zh: String,
    pub body_zh: String,
    pub audience: Audience,
    pub link: Option<String>,
    pub days: i64,
    pub email: bool,
}

/// Checks an administrator's form; every problem is named by its field.
pub fn validate(form: &AnnouncementForm) -> Result<Valid, AppError> {
    let tx = &t().announcements;
    let mut errors = FieldErrors::default();
    let mut text = |field: &str, value: &str, max: usize| -> String {
        // A title is one line (it becomes an email's subject).
        let one_line;
        let value = if field.starts_with("title") {
            one_line = value.split_whitespace().collect::<Vec<_>>().join(" ");
            one_line.as_str()
        } else {
            value.trim()
        };
        if value.is_empty() {
            errors.add(field, tx.required);
        } else if value.chars().count() > max {
            errors.add(field, fill(tx.too_long, &[("max", &max)]));
        }
        value.to_owned()
    };
    let title_en = text("title_en", &form.title_en, TITLE_MAX);
    let body_en = text("body_en", &form.body_en, BODY_MAX);
    let title_zh = text("title_zh", &form.title_zh, TITLE_MAX);
    let body_zh = text("body_zh", &form.body_zh, BODY_MAX);
    let audience = Audience::parse(&form.audience);
    if audience.is_none() {
        errors.add("audience", tx.audience_invalid);
    }
    let link = form.link.trim();
    let link_ok = link.is_empty()
        || (link.starts_with('/')
            && !link.starts_with("//")
            && link.len() <= 200
            && !link
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '\\'));
    if !link_ok {
        errors.add("link", tx.link_invalid);
    }
    let days = match form.days.trim() {
        "" => Some(DAYS_DEFAULT),
        d => d.parse::<i64>().ok().filter(|d| (1..=DAYS_MAX).contains(d)),
    };
    if days.is_none() {
        errors.add("days", fill(tx.days_invalid, &[("max", &DAYS_MAX)]));
    }
    errors.into_result()?;
    Ok(Valid {
        title_en,
        body_en,
        title_zh,
        body_zh,
        audience: audience.unwrap_or(Audience::Everyone),
        link: (!link.is_empty()).then(|| link.to_owned()),
        days: days.unwrap_or(DAYS_DEFAULT),
        email: crate::request::ticked(&form.email),
    })
}

/// Publishes what an administrator wrote, with its audit row; answers its id. The email
/// sender is woken if it is to be emailed.
pub async fn publish(
    db: &DatabaseConnection,
    service: &Announcements,
    user: Uuid,
    form: &AnnouncementForm,
) -> Result<String, AppError> {
    let role = require(db, user, StaffRole::Administrator).await?;
    let valid = validate(form)?;
    let now = now_ms();
    let id = Uuid::new_v4();
    let txn = db.begin().await?;
    announcement::Entity::insert(announcement::ActiveModel {
        id: Set(id),
        created_ms: Set(now),
        source: Set(Source::Staff),
        policy_version: Set(None),
        audience: Set(valid.audience),
        title_en: Set(valid.title_en),
        body_en: Set(valid.body_en),
        title_zh: Set(valid.title_zh),
        body_zh: Set(valid.body_zh),
        link: Set(valid.link),
        email: Set(valid.email),
        ends_ms: Set(now + valid.days * DAY_MS),
        withdrawn_ms: Set(None),
        emails_done_ms: Set((!valid.email).then_some(now)),
    })
    .exec_without_returning(&txn)
    .await?;
    let detail = if valid.email {
        format!("{}, email", valid.audience.as_str())
    } else {
        valid.audience.as_str().to_owned()
    };
    record(
        &txn,
        Some(user),
        Some(role),
        AuditAction::AnnouncementPublish,
        Object::Announcement(id),
        Some(&detail),
    )
    .await?;
    txn.commit().await?;
    if valid.email {
        service.wake_sender();
    }
    Ok(id.to_string())
}

/// Stops showing announcement `id`; emails not sent yet are not sent.
pub async fn withdraw(db: &DatabaseConnection, user: Uuid, id: Uuid) -> Result<(), AppError> {
    let role = require(db, user, StaffRole::Administrator).await?;
    let txn = db.begin().await?;
    let changed = announcement::Entity::update_many()
        .col_expr(announcement::Column::WithdrawnMs, now_ms().into())
        .filter(announcement::Column::Id.eq(id))
        .filter(announcement::Column::WithdrawnMs.is_null())
        .exec(&txn)
        .await?
        .rows_affected;
    if changed == 0 {
        txn.rollback().await?;
        // Withdrawn already (nothing to do), or no such announcement.
        return match super::find(db, id).await? {
            Some(_) => Ok(()),
            None => Err(AppError::NotFound),
        };
    }
    record(
        &txn,
        Some(user),
        Some(role),
        AuditAction::AnnouncementWithdraw,
        Object::Announcement(id),
        None,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Everything announced, newest first, for an administrator.
pub async fn list(
    db: &DatabaseConnection,
    user: Uuid,
) -> Result<Vec<AnnouncementSummary>, AppError> {
    require(db, user, StaffRole::Administrator).await?;
    let tz = user_account::Entity::find_by_id(user)
        .select_only()
        .column(user_account::Column::Timezone)
        .into_tuple::<String>()
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)?;
    let now = now_ms();
    let rows = announcement::Entity::find()
        .order_by_desc(announcement::Column::CreatedMs)
        .limit(LISTED)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|a| a.id).collect();
    let dismissed = counts(
        announcement_dismissal::Entity::find()
            .filter(announcement_dismissal::Column::AnnouncementId.is_in(ids.clone())),
        announcement_dismissal::Column::AnnouncementId,
        db,
    )
    .await?;
    let emailed = counts(
        announcement_email::Entity::find()
            .filter(announcement_email::Column::AnnouncementId.is_in(ids))
            .filter(announcement_email::Column::State.eq(EmailState::Sent)),
        announcement_email::Column::AnnouncementId,
        db,
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for a in rows {
        out.push(AnnouncementSummary {
            id: a.id.to_string(),
            published: instant_in(at(a.created_ms), &tz),
            ends: instant_in(at(a.ends_ms), &tz),
            source: a.source,
            audience: a.audience,
            live: a.withdrawn_ms.is_none() && a.ends_ms > now,
            withdrawn: a.withdrawn_ms.is_some(),
            email: a.email,
            emailed: emailed.get(&a.id).copied().unwrap_or(0),
            dismissed: dismissed.get(&a.id).copied().unwrap_or(0),
            title_en: a.title_en,
            title_zh: a.title_zh,
        });
    }
    Ok(out)
}

/// Rows of `select` per announcement (`column`), as a map.
async fn counts<E: EntityTrait>(
    select: sea_orm::Select<E>,
    column: E::Column,
    db: &DatabaseConnection,
) -> Result<HashMap<Uuid, u64>, AppError> {
    let rows: Vec<(Uuid, i64)> = select
        .select_only()
        .column(column)
        .column_as(column.count(), "n")
        .group_by(column)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, n)| (id, u64::try_from(n).unwrap_or(0)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AnnouncementForm {
        AnnouncementForm {
            title_en: " Planned maintenance ".into(),
            body_en: "Ripen is offline on Sunday from 02:00 to 03:00 UTC.".into(),
            title_zh: "计划维护".into(),
            body_zh: "Ripen 将于周日 UTC 02:00 至 03:00 暂停服务。".into(),
            audience: "everyone".into(),
            link: String::new(),
            days: String::new(),
            email: None,
        }
    }

    #[test]
    fn a_complete_form_is_trimmed_and_takes_the_defaults() {
        let v = validate(&form()).unwrap();
        assert_eq!(v.title_en, "Planned maintenance");
        assert_eq!(v.audience, Audience::Everyone);
        assert_eq!((v.days, v.email, v.link), (DAYS_DEFAULT, false, None));
        let v = validate(&AnnouncementForm {
            audience: "letter_writers".into(),
            link: "/letters".into(),
            days: "90".into(),
            email: Some("on".into()),
            ..form()
        })
        .unwrap();
        assert_eq!(v.audience, Audience::LetterWriters);
        assert_eq!(
            (v.days, v.email, v.link.as_deref()),
            (90, true, Some("/letters"))
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let e = validate(&AnnouncementForm {
            title_en: String::new(),
            body_en: "x".repeat(BODY_MAX + 1),
            title_zh: "  ".into(),
            body_zh: "好".repeat(BODY_MAX),
            audience: "martians".into(),
            link: "https://elsewhere.example/".into(),
            days: "91".into(),
            email: None,
        })
        .unwrap_err();
        for field in [
            "title_en", "body_en", "title_zh", "audience", "link", "days",
        ] {
            assert!(e.field_message(field).is_some(), "{field}: {e:?}");
        }
        // A thousand Chinese characters are a thousand characters, not 3,000 bytes.
        assert!(e.field_message("body_zh").is_none());
        for link in ["//evil.example", "/a b", "/a\\b", "javascript:alert(1)"] {
            let e = validate(&AnnouncementForm {
                link: link.into(),
                ..form()
            })
            .unwrap_err();
            assert!(e.field_message("link").is_some(), "{link}");
        }
        for days in ["0", "-1", "ten"] {
            let e = validate(&AnnouncementForm {
                days: days.into(),
                ..form()
            })
            .unwrap_err();
            assert!(e.field_message("days").is_some(), "{days}");
        }
    }
}
