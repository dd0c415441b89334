//! Notifications are stored as a kind and parameters and worded when read, in the
//! reader's language (issue 26); those stored as text before are turned into parameters
//! when the server starts.

use app::{
    letters::{LettersOverview, SaveLetter},
    notifications::{Kind, Notice, ssr as notices},
    prefs::SetLanguage,
    seal::Field,
};
use chrono::Utc;
use sea_orm::EntityTrait;
use uuid::Uuid;

use crate::{accounts::verified_user, harness::TestApp};

/// Writes a notification the way Ripen stored them before parameters: its words, sealed.
async fn stored_as_text(
    app: &TestApp,
    user: Uuid,
    kind: Kind,
    title: &str,
    body: &str,
    link: Option<&str>,
) -> Uuid {
    let keys = app.keys();
    let id = Uuid::new_v4();
    notices::notification_text::Entity::insert(notices::notification_text::ActiveModel {
        id: sea_orm::Set(id),
        user_id: sea_orm::Set(user),
        kind: sea_orm::Set(kind.as_str().to_owned()),
        title: sea_orm::Set(keys.seal(Field::NotificationTitle, id, title)),
        body: sea_orm::Set(keys.seal(Field::NotificationBody, id, body)),
        link: sea_orm::Set(link.map(str::to_owned)),
        created_ms: sea_orm::Set(Utc::now().timestamp_millis()),
        read_ms: sea_orm::Set(None),
    })
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    id
}

async fn notice(app: &TestApp, id: Uuid) -> Option<Notice> {
    notices::notification::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .map(|n| notices::open(&app.keys(), &n).unwrap())
}

#[tokio::test]
async fn notifications_stored_as_text_get_parameters_at_start_and_read_in_the_readers_language() {
    let mut app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let ada = app.user_id("ada").await;
    let mut draft: SaveLetter =
        crate::letters::letter("To the orchard", Utc::now() + chrono::Duration::days(30));
    draft.schedule = false;
    let letter = app.call(draft).await.unwrap().id;

    let delivered = stored_as_text(
        &app,
        ada,
        Kind::LetterDelivered,
        "Delivered: To the orchard",
        "Your letter reached its recipient.",
        Some(&format!("/letters/{letter}")),
    )
    .await;
    let gone = stored_as_text(
        &app,
        ada,
        Kind::LetterDelivered,
        "Delivered: a deleted letter",
        "Your letter reached its recipient.",
        Some(&format!("/letters/{}", Uuid::new_v4())),
    )
    .await;
    let export = stored_as_text(
        &app,
        ada,
        Kind::Export,
        "Your data export is ready",
        "Download it from your account settings within 7 days.",
        Some("/account#export-h"),
    )
    .await;
    let advice = app::i18n::Lang::ZhHans.texts().breach.notice_advice;
    let breach = stored_as_text(
        &app,
        ada,
        Kind::Security,
        "一起安全事件影响了你的账户",
        &format!("我们的一份备份被泄露了。 {advice}"),
        Some("/account#password-h"),
    )
    .await;
    // Ada reads Ripen in Chinese: her breach notice was written in Chinese.
    {
        use app::account::ssr::entities::user_account;
        use sea_orm::{ColumnTrait, QueryFilter};
        user_account::Entity::update_many()
            .col_expr(user_account::Column::Language, "zh-Hans".into())
            .filter(user_account::Column::Id.eq(ada))
            .exec(&app.db)
            .await
            .unwrap();
    }

    app.restart().await;

    assert_eq!(notices::left_as_text(&app.db).await.unwrap(), 0);
    assert_eq!(
        notice(&app, delivered).await,
        Some(Notice::LetterDelivered {
            letter,
            title: "To the orchard".into(),
            sent: 0,
            failed: 0,
        }),
        "read off the letter (a draft: no recipient reached yet)"
    );
    assert_eq!(
        notice(&app, gone).await,
        None,
        "its letter is gone: dropped"
    );
    assert_eq!(
        notice(&app, export).await,
        Some(Notice::ExportReady { days: 7 })
    );
    assert_eq!(
        notice(&app, breach).await,
        Some(Notice::Breach {
            en: "我们的一份备份被泄露了。".into(),
            zh: Some("我们的一份备份被泄露了。".into()),
        })
    );

    // The letters page words its news in the page's language, whichever it was written in.
    app.call(SetLanguage { lang: "en".into() }).await.unwrap();
    let en = app.call(LettersOverview {}).await.unwrap();
    assert_eq!(en.notifications.len(), 1, "only news about letters");
    assert_eq!(en.notifications[0].title, "Not delivered: To the orchard");
    app.call(SetLanguage {
        lang: "zh-Hans".into(),
    })
    .await
    .unwrap();
    let zh = app.call(LettersOverview {}).await.unwrap();
    assert!(!zh.notifications[0].title.contains("Not delivered"));
    assert!(zh.notifications[0].title.contains("To the orchard"));
}
