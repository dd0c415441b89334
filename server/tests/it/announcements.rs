//! Announcements (issue 25, item 4): an administrator's announcement reaches signed-in
//! readers in their language as a banner, is emailed once to each confirmed address when
//! asked, and stays dismissed on every device; a group sees only its own; a new privacy
//! policy announces itself once and brings back the consent dialog.

use app::{
    announcements::{
        AnnouncementForm, AnnouncementSummary, CurrentAnnouncements, DismissAnnouncement,
        PublishAnnouncement, StaffAnnouncements, WithdrawAnnouncement,
        entities::{announcement, announcement_email},
        ssr::ANNOUNCED_SETTING,
    },
    consent::{ConsentState, GetConsent, SaveConsent},
    i18n::Lang,
    mail::EmailState,
    staff::{AuditEntry, AuditLog},
};
use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::{
    accounts::verified_user,
    breach::set_language,
    harness::TestApp,
    letters::letter as scheduled_letter,
    staff::{grant, signed_in},
};

fn maintenance(audience: &str, email: bool) -> PublishAnnouncement {
    PublishAnnouncement {
        form: AnnouncementForm {
            title_en: "Planned maintenance on Sunday".into(),
            body_en: "Ripen pauses for an hour.\n\nLetters due then arrive just after.".into(),
            title_zh: "周日计划维护".into(),
            body_zh: "Ripen 将暂停服务一小时。".into(),
            audience: audience.into(),
            link: "/status".into(),
            days: "7".into(),
            email: email.then(|| "on".into()),
        },
    }
}

/// Messages to `to`, less the alerts that signing in from each new test client sends
/// (`it::security` tests those).
fn mail_count(app: &TestApp, to: &str) -> usize {
    crate::mail::all_in(&app.mail_dir)
        .into_iter()
        .filter(|m| m.to.eq_ignore_ascii_case(to))
        .filter(|m| {
            app::i18n::Lang::ALL
                .iter()
                .all(|l| m.subject != l.texts().security.new_browser)
        })
        .count()
}

/// Waits (up to 10 s) for a message to `to` whose subject contains `needle`.
async fn mail_with(app: &TestApp, to: &str, needle: &str) -> crate::mail::Received {
    for _ in 0..200 {
        if let Some(m) = crate::mail::all_in(&app.mail_dir)
            .into_iter()
            .find(|m| m.to.eq_ignore_ascii_case(to) && m.subject.contains(needle))
        {
            return m;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no message to {to} about {needle:?}");
}

async fn page(app: &TestApp, client: &reqwest::Client) -> String {
    let res = client.get(app.url("/timer")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.unwrap()
}

async fn banners(app: &TestApp, client: &reqwest::Client) -> Vec<app::announcements::Banner> {
    let (status, _, body) = app.call_as(client, CurrentAnnouncements {}, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_str(&body).unwrap()
}

/// Emails of announcement `id` in each state.
async fn email_rows(app: &TestApp, id: uuid::Uuid, state: EmailState) -> u64 {
    announcement_email::Entity::find()
        .filter(announcement_email::Column::AnnouncementId.eq(id))
        .filter(announcement_email::Column::State.eq(state))
        .count(&app.db)
        .await
        .unwrap()
}

/// Waits (up to a minute) for the sender to mark announcement `id`'s emails all sent.
async fn wait_until_emails_done(app: &TestApp, id: uuid::Uuid) {
    for _ in 0..600 {
        let row = announcement::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        if row.emails_done_ms.is_some() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the announcement's emails were not all sent within a minute");
}

#[tokio::test]
async fn an_announcement_reaches_readers_in_their_language_is_emailed_once_and_stays_dismissed_everywhere()
 {
    let mut app = TestApp::spawn_with_smtp().await;
    for (name, email) in [
        ("ada", "ada@example.com"),
        ("ann", "ann@example.com"),
        ("lin", "lin@example.com"),
    ] {
        verified_user(&app, name, email).await;
    }
    set_language(&app, "lin", Lang::ZhHans).await;
    // Unconfirmed: sees the banner, gets no email.
    app.call(crate::accounts::signup("uma", "uma@example.com"))
        .await
        .unwrap();
    grant(&app, "administrator", "ada");
    let ada = signed_in(&app, "ada").await;
    let ann = signed_in(&app, "ann").await;
    let ann_phone = signed_in(&app, "ann").await;
    let li = signed_in(&app, "lin").await;
    let uma = signed_in(&app, "uma").await;
    let visitor = app.new_client();

    // Only administrators publish; every field that is wrong is named.
    for client in [&ann, &visitor] {
        let (status, _, _) = app
            .call_as(client, maintenance("everyone", true), &[])
            .await;
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::UNAUTHORIZED].contains(&status),
            "{status}"
        );
    }
    let mut bad = maintenance("everyone", false);
    bad.form.title_zh = " ".into();
    bad.form.link = "https://elsewhere.example".into();
    let (status, _, body) = app.call_as(&ada, bad, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("title_zh") && body.contains("link"), "{body}");
    assert_eq!(
        announcement::Entity::find().count(&app.db).await.unwrap(),
        0
    );

    let (status, _, body) = app.call_as(&ada, maintenance("everyone", true), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let id: uuid::Uuid = serde_json::from_str::<String>(&body)
        .unwrap()
        .parse()
        .unwrap();

    // Each reader sees it in their language, on the page the server renders.
    let html = page(&app, &ann).await;
    assert!(html.contains("Planned maintenance on Sunday"), "ann's page");
    assert!(html.contains("Letters due then arrive just after."));
    assert!(html.contains("href=\"/status\""));
    assert!(!html.contains("周日计划维护"));
    let html = page(&app, &li).await;
    assert!(html.contains("周日计划维护"), "li's page");
    assert!(!html.contains("Planned maintenance"));
    assert_eq!(banners(&app, &uma).await.len(), 1);
    // A visitor sees none, and the page asked for none.
    let html = page(&app, &visitor).await;
    assert!(!html.contains("data-announcement"), "visitor's page");
    assert!(banners(&app, &visitor).await.is_empty());

    // Emailed once to each confirmed address, in its language, through the real SMTP server.
    let en = mail_with(&app, "ann@example.com", "Planned maintenance").await;
    assert_eq!(en.subject, "Ripen: Planned maintenance on Sunday");
    assert!(en.text.contains("Letters due then arrive just after."));
    assert!(en.text.contains(&format!("{}/status", app.site_url)));
    let zh = mail_with(&app, "lin@example.com", "周日计划维护").await;
    assert_eq!(zh.subject, "Ripen 公告：周日计划维护");
    assert!(zh.html.contains("lang=\"zh-Hans\""));
    mail_with(&app, "ada@example.com", "Planned maintenance").await;
    wait_until_emails_done(&app, id).await;
    // A sender that stopped before it marked the announcement done (so the next start
    // goes through every account again) still emails no one twice, the unconfirmed none.
    announcement::Entity::update_many()
        .col_expr(
            announcement::Column::EmailsDoneMs,
            sea_orm::sea_query::Expr::value(Option::<i64>::None),
        )
        .filter(announcement::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .unwrap();
    app.restart().await;
    wait_until_emails_done(&app, id).await;
    let ann = signed_in(&app, "ann").await;
    assert_eq!(email_rows(&app, id, EmailState::Sent).await, 3);
    // (signup + verification + the announcement)
    assert_eq!(mail_count(&app, "ann@example.com"), 2);
    assert_eq!(mail_count(&app, "lin@example.com"), 2);
    assert_eq!(
        mail_count(&app, "uma@example.com"),
        1,
        "the signup email only"
    );

    // Dismissed on one device, it is gone on the other too; others still see it.
    assert_eq!(banners(&app, &ann_phone).await.len(), 1);
    let (status, _, body) = app
        .call_as(&ann, DismissAnnouncement { id: id.to_string() }, &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(banners(&app, &ann_phone).await.is_empty());
    assert!(!page(&app, &ann_phone).await.contains("Planned maintenance"));
    assert_eq!(banners(&app, &li).await.len(), 1);
    // Dismissing twice is fine; a made-up id is not found.
    let (status, _, _) = app
        .call_as(&ann, DismissAnnouncement { id: id.to_string() }, &[])
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app
        .call_as(
            &ann,
            DismissAnnouncement {
                id: uuid::Uuid::new_v4().to_string(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The administrators' list shows its reach; the audit log, who published it.
    let (status, _, body) = app.call_as(&ada, StaffAnnouncements {}, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let list: Vec<AnnouncementSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0].emailed, list[0].dismissed, list[0].live),
        (3, 1, true)
    );
    let (status, _, _) = app.call_as(&ann, StaffAnnouncements {}, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let html = ada
        .get(app.url("/admin/announcements"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-staff=\"announcements\""));
    assert!(html.contains("Planned maintenance on Sunday"));

    // Withdrawn, no one sees it; the withdrawal is logged too.
    let (status, _, _) = app
        .call_as(&ann, WithdrawAnnouncement { id: id.to_string() }, &[])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = app
        .call_as(&ada, WithdrawAnnouncement { id: id.to_string() }, &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(banners(&app, &li).await.is_empty());
    let log: Vec<AuditEntry> =
        serde_json::from_str(&app.call_as(&ada, AuditLog { before: None }, &[]).await.2).unwrap();
    let actions: Vec<(&str, &str, Option<&str>)> = log
        .iter()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.detail.as_deref()))
        .collect();
    assert_eq!(
        actions[..2],
        [
            ("ada", "announcement.withdraw", None),
            ("ada", "announcement.publish", Some("everyone, email")),
        ]
    );
    assert!(log[0].object.as_deref() == Some(id.to_string().as_str()));
}

#[tokio::test]
async fn a_group_announcement_reaches_only_the_group() {
    let app = TestApp::spawn().await;
    for (name, email) in [
        ("ada", "ada@example.com"),
        ("ann", "ann@example.com"),
        ("bob", "bob@example.com"),
    ] {
        verified_user(&app, name, email).await;
    }
    grant(&app, "administrator", "ada");
    let ada = signed_in(&app, "ada").await;
    let ann = signed_in(&app, "ann").await;
    let bob = signed_in(&app, "bob").await;
    // Ann has a letter waiting; Bob has none.
    let (status, _, body) = app
        .call_as(
            &ann,
            scheduled_letter("To me, later", Utc::now() + Duration::days(30)),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, _, body) = app
        .call_as(&ada, maintenance("letter_writers", false), &[])
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(banners(&app, &ann).await.len(), 1);
    assert!(banners(&app, &bob).await.is_empty());
    assert!(banners(&app, &ada).await.is_empty(), "no letter waiting");

    let (status, _, body) = app.call_as(&ada, maintenance("staff", false), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(banners(&app, &ada).await.len(), 1);
    assert_eq!(
        banners(&app, &ann).await.len(),
        1,
        "the letter writers' one"
    );
    assert!(banners(&app, &bob).await.is_empty());
}

#[tokio::test]
async fn a_new_policy_version_is_announced_once_emailed_and_brings_back_the_consent_dialog() {
    let mut app = TestApp::spawn_with_smtp().await;
    verified_user(&app, "ann", "ann@example.com").await;
    verified_user(&app, "lin", "lin@example.com").await;
    set_language(&app, "lin", Lang::ZhHans).await;
    let ann = signed_in(&app, "ann").await;
    let li = signed_in(&app, "lin").await;
    // A new installation announces nothing: it starts at the version in force.
    let announced = app::system::ssr::setting(&app.db, ANNOUNCED_SETTING)
        .await
        .unwrap();
    assert_eq!(announced.as_deref(), Some(app::policy::POLICY_VERSION));
    assert!(banners(&app, &ann).await.is_empty());
    let (status, _, body) = app
        .call_as(
            &ann,
            SaveConsent {
                choice: "all".into(),
                functional: None,
                statistics: None,
                improvement: None,
                source: None,
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // This installation last ran under an older policy, and Ann answered under it; the
    // release with the current policy starts.
    let old = "2026-01-01";
    assert!(old < app::policy::ASK_AGAIN_BEFORE);
    app::system::ssr::set_setting(&app.db, ANNOUNCED_SETTING, old)
        .await
        .unwrap();
    {
        use app::account::ssr::entities::consent_record;
        use sea_orm::sea_query::Expr;
        consent_record::Entity::update_many()
            .col_expr(consent_record::Column::PolicyVersion, Expr::value(old))
            .exec(&app.db)
            .await
            .unwrap();
    }
    app.restart().await;
    let ann = signed_in(&app, "ann").await;

    let rows = announcement::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].policy_version.as_deref(),
        Some(app::policy::POLICY_VERSION)
    );
    let en = banners(&app, &ann).await;
    assert_eq!(en.len(), 1);
    assert!(
        en[0].title.starts_with("Our privacy policy changes on"),
        "{en:?}"
    );
    assert_eq!(en[0].link.as_deref(), Some("/privacy"));
    let zh = banners(&app, &li).await;
    assert!(zh[0].title.starts_with("我们的隐私政策"), "{zh:?}");
    // A material change: emailed to each, in their language.
    let mail = mail_with(&app, "ann@example.com", "Our privacy policy changes").await;
    assert!(
        mail.subject.contains("Our privacy policy changes"),
        "{}",
        mail.subject
    );
    assert!(mail.text.contains(&format!("{}/privacy", app.site_url)));
    let mail = mail_with(&app, "lin@example.com", "隐私政策").await;
    assert!(mail.subject.contains("隐私政策"), "{}", mail.subject);
    // And the consent dialog is back for Ann, saying the policy changed.
    let state: ConsentState =
        serde_json::from_str(&app.call_as(&ann, GetConsent {}, &[]).await.2).unwrap();
    assert!(state.ask && state.renewal, "{state:?}");

    // Starting again announces nothing more and emails no one again.
    let id = rows[0].id;
    wait_until_emails_done(&app, id).await;
    app.restart().await;
    assert_eq!(
        announcement::Entity::find().count(&app.db).await.unwrap(),
        1
    );
    assert_eq!(email_rows(&app, id, EmailState::Sent).await, 2);
    assert_eq!(mail_count(&app, "ann@example.com"), 2);
    assert_eq!(mail_count(&app, "lin@example.com"), 2);
}
