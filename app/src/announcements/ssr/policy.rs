//! A new privacy policy announces itself: on the first start of a Ripen whose
//! [`crate::policy::CURRENT`] is newer than the version this installation last announced,
//! one announcement is published to everyone (emailed when the change is material). The
//! same list of versions decides when the consent dialog comes back
//! ([`crate::policy::ASK_AGAIN_BEFORE`]).
//!
//! A new installation announces nothing: its setting starts at the version in force. The
//! announcement row is unique per version, so instances starting together publish one.

use sea_orm::{DatabaseConnection, EntityTrait, Set, sea_query::OnConflict};
use uuid::Uuid;

use crate::{
    AppError,
    announcements::{Audience, Source, entities::announcement},
    clock::now_ms,
    i18n::{DateStyle, Lang, date_in, fill},
    policy::PolicyVersion,
    system::ssr::{insert_setting_if_absent, set_setting, setting},
};

/// The `system_setting` that holds the policy version last announced.
pub const ANNOUNCED_SETTING: &str = "policy_announced";
/// How long a policy change is shown, in days.
pub const POLICY_SHOWN_DAYS: i64 = 30;

/// Announces `current` if this installation has not yet; answers the announcement's id
/// when this call published it.
pub async fn announce_policy(
    db: &DatabaseConnection,
    current: PolicyVersion,
) -> Result<Option<Uuid>, AppError> {
    let Some(announced) = setting(db, ANNOUNCED_SETTING).await? else {
        // A new installation (or one from before announcements): nothing changed for
        // anyone here.
        insert_setting_if_absent(db, ANNOUNCED_SETTING, current.version).await?;
        return Ok(None);
    };
    if announced.as_str() >= current.version {
        return Ok(None);
    }
    let now = now_ms();
    let id = Uuid::new_v4();
    let [(title_en, body_en), (title_zh, body_zh)] =
        [Lang::En, Lang::ZhHans].map(|lang| texts(lang, current));
    let inserted = announcement::Entity::insert(announcement::ActiveModel {
        id: Set(id),
        created_ms: Set(now),
        source: Set(Source::Policy),
        policy_version: Set(Some(current.version.to_owned())),
        audience: Set(Audience::Everyone),
        title_en: Set(title_en),
        body_en: Set(body_en),
        title_zh: Set(title_zh),
        body_zh: Set(body_zh),
        link: Set(Some("/privacy".to_owned())),
        email: Set(current.material),
        ends_ms: Set(now + POLICY_SHOWN_DAYS * 86_400_000),
        withdrawn_ms: Set(None),
        emails_done_ms: Set((!current.material).then_some(now)),
    })
    .on_conflict(
        OnConflict::column(announcement::Column::PolicyVersion)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    set_setting(db, ANNOUNCED_SETTING, current.version).await?;
    if inserted == 1 {
        tracing::info!(
            version = current.version,
            material = current.material,
            "announced the new privacy policy"
        );
        Ok(Some(id))
    } else {
        Ok(None)
    }
}

/// The announcement's title and text in `lang`.
fn texts(lang: Lang, v: PolicyVersion) -> (String, String) {
    let t = &lang.texts().announcements;
    let date = chrono::NaiveDate::parse_from_str(v.version, "%Y-%m-%d")
        .map(|d| date_in(lang, &d, DateStyle::Long))
        .unwrap_or_else(|_| v.version.to_owned());
    (
        fill(t.policy_title, &[("date", &date)]),
        if v.material {
            t.policy_material
        } else {
            t.policy_minor
        }
        .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_announcement_is_written_in_each_language_with_its_date() {
        let v = PolicyVersion {
            version: "2027-03-01",
            material: true,
        };
        let (title, body) = texts(Lang::En, v);
        assert_eq!(title, "Our privacy policy changes on 1 March 2027");
        assert!(
            body.contains("ask for your privacy choices again"),
            "{body}"
        );
        let (title, body) = texts(Lang::ZhHans, v);
        assert_eq!(title, "我们的隐私政策自 2027年3月1日 起更新");
        assert!(body.contains("再次询问"), "{body}");
        let (_, minor) = texts(
            Lang::En,
            PolicyVersion {
                material: false,
                ..v
            },
        );
        assert!(minor.contains("Nothing changes"), "{minor}");
    }
}
