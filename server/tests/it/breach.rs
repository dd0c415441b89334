//! Breach notices (issue 25, item 5): `ripen notify-breach` tells the accounts a breach
//! affected, by email in their own language (through a real SMTP server) and by an in-app
//! notification, once per incident however often (or however many at once) it runs; the
//! affected are given as a list or as everyone with activity in a time window; an account
//! without a verified address is told in-app only.

use std::process::Output;

use app::{
    account::ssr::entities::user_account,
    i18n::Lang,
    letters::entities::letter,
    notifications::entities::notification,
    privacy::{breach::EmailState, entities::breach_notice},
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr,
};
use uuid::Uuid;

use crate::{
    accounts::{signup, verified_user},
    harness::TestApp,
    mail::all_in,
};

const SUMMARY_EN: &str = "On 1 December a copy of our database backup could be downloaded by \
                          anyone who had its link, for six hours.\n\nIt held usernames, email \
                          addresses and diary entries. We removed it and changed every key.";
const SUMMARY_ZH: &str = "12月1日，我们的一份数据库备份在六个小时内可以被任何拿到链接的人下载。\n\n\
                          其中包括用户名、邮箱地址和日记内容。我们已删除该备份，并更换了所有密钥。";
const CONTACT: &str = "privacy@ripen.example";

/// Files the operator writes: the list of accounts and the two summaries.
struct Files {
    dir: tempfile::TempDir,
}

impl Files {
    fn new() -> Self {
        let files = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        files.write("en.txt", SUMMARY_EN);
        files.write("zh.txt", SUMMARY_ZH);
        files
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }
}

/// Runs `ripen notify-breach` for `incident` with `who` (the flags that say who was
/// affected); answers its output, having checked it succeeded.
async fn notify(app: &TestApp, files: &Files, incident: &str, who: &[&str]) -> String {
    let out = run(app, files, incident, who).await;
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    said
}

async fn run(app: &TestApp, files: &Files, incident: &str, who: &[&str]) -> Output {
    let en = files.path("en.txt");
    let zh = files.path("zh.txt");
    let mut args = vec![
        "notify-breach",
        "--incident",
        incident,
        "--contact",
        CONTACT,
        "--summary-file",
        &en,
        "--summary-file-zh",
        &zh,
    ];
    args.extend_from_slice(who);
    let mut cmd = app.ripen(&args);
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

/// The count the command's report gives on the line that starts with `label`.
fn reported(said: &str, label: &str) -> usize {
    said.lines()
        .find_map(|l| l.trim().strip_prefix(label))
        .and_then(|rest| {
            rest.split_once(':')?
                .1
                .split_whitespace()
                .next()?
                .trim_end_matches(':')
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no {label:?} in:\n{said}"))
}

async fn id_of(app: &TestApp, username: &str) -> Uuid {
    user_account::Entity::find()
        .filter(user_account::Column::UsernameCanonical.eq(username))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The security notifications `user` has, worded in the account's language.
async fn notices(app: &TestApp, user: Uuid) -> Vec<(String, String)> {
    let keys = app.keys();
    let lang = app::account::ssr::entities::user_account::Entity::find_by_id(user)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .lang();
    notification::Entity::find()
        .filter(notification::Column::UserId.eq(user))
        .filter(notification::Column::Kind.eq("security"))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|n| {
            let shown = app::notifications::ssr::open(&keys, n)
                .unwrap()
                .render(lang);
            (shown.title, shown.body)
        })
        .collect()
}

/// Every message the SMTP server holds for `to`.
pub(crate) fn mail_count(app: &TestApp, to: &str) -> usize {
    all_in(&app.mail_dir)
        .into_iter()
        .filter(|m| m.to.eq_ignore_ascii_case(to))
        .count()
}

pub(crate) async fn set_language(app: &TestApp, username: &str, lang: Lang) {
    user_account::Entity::update_many()
        .col_expr(user_account::Column::Language, Expr::value(lang.tag()))
        .filter(user_account::Column::UsernameCanonical.eq(username))
        .exec(&app.db)
        .await
        .unwrap();
}

/// Three verified accounts, `bea` reading Chinese; a list naming ann (by username) and bea
/// (by email address, in another case).
async fn three_accounts(app: &TestApp, files: &Files) -> String {
    verified_user(app, "ann", "ann@example.com").await;
    verified_user(app, "bea", "bea@example.com").await;
    verified_user(app, "cyd", "cyd@example.com").await;
    set_language(app, "bea", Lang::ZhHans).await;
    files.write(
        "affected.txt",
        "# from the access log\nann\nBEA@Example.com\n",
    )
}

#[tokio::test]
async fn the_listed_accounts_get_one_email_each_in_their_language_and_a_notice_and_no_one_else_anything()
 {
    let app = TestApp::spawn_with_smtp().await;
    let files = Files::new();
    let list = three_accounts(&app, &files).await;

    let said = notify(&app, &files, "INC-2026-01", &["--accounts", &list]).await;
    assert_eq!(reported(&said, "accounts matched"), 2, "{said}");
    assert_eq!(reported(&said, "notified now"), 2, "{said}");
    assert_eq!(reported(&said, "already notified before"), 0, "{said}");
    assert_eq!(reported(&said, "emails sent"), 2, "{said}");
    assert_eq!(reported(&said, "in-app only"), 0, "{said}");

    // Ann reads English: her verification email, then the notice.
    let ann = app.emails_to("ann@example.com", 2).await;
    assert_eq!(ann.len(), 2);
    let en = &ann[1];
    let t = &Lang::En.texts().breach;
    assert_eq!(en.subject, t.subject);
    assert!(en.text.starts_with("Hello ann,"), "{}", en.text);
    assert!(en.text.contains("could be downloaded by"), "{}", en.text);
    assert!(en.text.contains("It held usernames"), "{}", en.text);
    assert!(en.text.contains(t.what_you_can_do), "{}", en.text);
    assert!(en.text.contains(CONTACT) && en.text.contains("INC-2026-01"));
    assert!(en.text.contains(&format!("{}/account", app.site_url)));
    assert!(!en.text.contains("数据库备份"), "not the Chinese summary");

    // Bea reads Chinese, and gets the Chinese summary.
    let bea = app.emails_to("bea@example.com", 2).await;
    assert_eq!(bea.len(), 2);
    let zh = &bea[1];
    let t = &Lang::ZhHans.texts().breach;
    assert_eq!(zh.subject, t.subject);
    assert!(zh.text.starts_with("bea，你好："), "{}", zh.text);
    assert!(zh.text.contains("数据库备份在六个小时内"), "{}", zh.text);
    assert!(zh.text.contains(t.what_you_can_do), "{}", zh.text);
    assert!(zh.html.contains("lang=\"zh-Hans\""));
    assert!(
        !zh.text.contains("could be downloaded"),
        "not the English summary"
    );

    // Cyd was not affected: only the verification email, no notice.
    assert_eq!(mail_count(&app, "cyd@example.com"), 1);
    assert!(notices(&app, id_of(&app, "cyd").await).await.is_empty());

    // One in-app notice each, in their language.
    let ann_notices = notices(&app, id_of(&app, "ann").await).await;
    assert_eq!(ann_notices.len(), 1);
    assert_eq!(ann_notices[0].0, Lang::En.texts().breach.notice_title);
    assert!(ann_notices[0].1.contains("could be downloaded by"));
    let bea_notices = notices(&app, id_of(&app, "bea").await).await;
    assert_eq!(bea_notices.len(), 1);
    assert_eq!(bea_notices[0].0, t.notice_title);
    assert!(
        bea_notices[0].1.contains("数据库备份"),
        "{}",
        bea_notices[0].1
    );
    assert!(bea_notices[0].1.ends_with(t.notice_advice));

    // Recorded: who, when, how.
    let rows = breach_notice::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        assert_eq!(row.incident, "INC-2026-01");
        assert_eq!(row.email, EmailState::Sent);
        assert!(row.emailed_ms.is_some_and(|e| e >= row.notified_ms));
    }
}

#[tokio::test]
async fn a_second_run_for_the_incident_tells_no_one_again_even_at_once_and_another_incident_does() {
    let app = TestApp::spawn_with_smtp().await;
    let files = Files::new();
    let list = three_accounts(&app, &files).await;
    let ann = id_of(&app, "ann").await;
    let bea = id_of(&app, "bea").await;
    notify(&app, &files, "INC-1", &["--accounts", &list]).await;
    app.emails_to("ann@example.com", 2).await;
    app.emails_to("bea@example.com", 2).await;

    // The same incident again: no one is told twice, and the report says so.
    let said = notify(&app, &files, "INC-1", &["--accounts", &list]).await;
    assert_eq!(reported(&said, "accounts matched"), 2, "{said}");
    assert_eq!(reported(&said, "notified now"), 0, "{said}");
    assert_eq!(reported(&said, "already notified before"), 2, "{said}");
    assert_eq!(reported(&said, "emails sent"), 0, "{said}");
    assert_eq!(mail_count(&app, "ann@example.com"), 2);
    assert_eq!(mail_count(&app, "bea@example.com"), 2);
    assert_eq!(notices(&app, ann).await.len(), 1);
    assert_eq!(notices(&app, bea).await.len(), 1);

    // Another incident tells them again.
    let said = notify(&app, &files, "INC-2", &["--accounts", &list]).await;
    assert_eq!(reported(&said, "notified now"), 2, "{said}");
    assert_eq!(reported(&said, "emails sent"), 2, "{said}");
    let ann_mail = app.emails_to("ann@example.com", 3).await;
    assert!(ann_mail[2].text.contains("INC-2"));
    app.emails_to("bea@example.com", 3).await;
    assert_eq!(notices(&app, ann).await.len(), 2);
    assert_eq!(notices(&app, bea).await.len(), 2);

    // Two runs for a new incident at the same moment: between them, each person is told once.
    let who = ["--accounts", list.as_str()];
    let (first, second) = tokio::join!(
        run(&app, &files, "INC-3", &who),
        run(&app, &files, "INC-3", &who),
    );
    let mut told = 0;
    for out in [&first, &second] {
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        told += reported(&said, "notified now");
        assert_eq!(
            reported(&said, "notified now") + reported(&said, "already notified before"),
            2,
            "{said}"
        );
    }
    assert_eq!(told, 2);
    app.emails_to("ann@example.com", 4).await;
    app.emails_to("bea@example.com", 4).await;
    assert_eq!(mail_count(&app, "ann@example.com"), 4);
    assert_eq!(mail_count(&app, "bea@example.com"), 4);
    assert_eq!(notices(&app, ann).await.len(), 3);
    assert_eq!(notices(&app, bea).await.len(), 3);
    assert_eq!(
        mail_count(&app, "cyd@example.com"),
        1,
        "cyd never hears of it"
    );
    let rows = breach_notice::Entity::find()
        .filter(breach_notice::Column::Incident.eq("INC-3"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn the_time_window_selects_exactly_the_accounts_with_activity_in_it() {
    let app = TestApp::spawn().await;
    let files = Files::new();
    for name in ["early", "writer", "late", "before", "quiet", "closed"] {
        app.call(signup(name, &format!("{name}@example.com")))
            .await
            .unwrap();
    }
    let from: DateTime<Utc> = "2025-06-01T00:00:00Z".parse().unwrap();
    let to = from + Duration::days(1);
    let ms = |t: DateTime<Utc>| t.timestamp_millis();
    let set_account = |name: &'static str, column: user_account::Column, at: DateTime<Utc>| {
        let db = app.db.clone();
        async move {
            user_account::Entity::update_many()
                .col_expr(column, Expr::value(at.fixed_offset()))
                .filter(user_account::Column::UsernameCanonical.eq(name))
                .exec(&db)
                .await
                .unwrap();
        }
    };
    // Joined at the very start of the window (it is inclusive there).
    set_account("early", user_account::Column::CreatedAt, from).await;
    // Joined long before, and changed their profile one millisecond before it opened.
    set_account(
        "before",
        user_account::Column::CreatedAt,
        from - Duration::days(90),
    )
    .await;
    set_account(
        "before",
        user_account::Column::UpdatedAt,
        from - Duration::milliseconds(1),
    )
    .await;
    // A letter written before the window and changed inside it.
    let letter_of = |user: Uuid, created: i64, updated: i64| {
        let id = Uuid::new_v4();
        let mut l = letter::ActiveModel::new_draft(
            id,
            user,
            id.simple().to_string()[..16].to_owned(),
            "UTC",
            created,
        );
        l.updated_ms = Set(updated);
        l
    };
    let writer = id_of(&app, "writer").await;
    letter::Entity::insert(letter_of(
        writer,
        ms(from) - 3_600_000,
        ms(from) + 3_600_000,
    ))
    .exec_without_returning(&app.db)
    .await
    .unwrap();
    // A letter written the moment the window closed (it is exclusive there).
    let late = id_of(&app, "late").await;
    letter::Entity::insert(letter_of(late, ms(to), ms(to)))
        .exec_without_returning(&app.db)
        .await
        .unwrap();
    // A closed account that was active in the window is not told.
    set_account(
        "closed",
        user_account::Column::UpdatedAt,
        from + Duration::hours(2),
    )
    .await;
    user_account::Entity::update_many()
        .col_expr(user_account::Column::DeletedMs, Expr::value(ms(to)))
        .filter(user_account::Column::UsernameCanonical.eq("closed"))
        .exec(&app.db)
        .await
        .unwrap();

    let said = notify(
        &app,
        &files,
        "INC-W",
        &[
            "--touched-from",
            "2025-06-01T00:00:00Z",
            "--touched-to",
            "2025-06-02T00:00:00Z",
        ],
    )
    .await;
    assert_eq!(reported(&said, "accounts matched"), 3, "{said}");
    assert_eq!(reported(&said, "notified now"), 2, "{said}");
    assert_eq!(reported(&said, "closed accounts skipped"), 1, "{said}");
    for (name, told) in [
        ("early", true),
        ("writer", true),
        ("late", false),
        ("before", false),
        ("quiet", false),
        ("closed", false),
    ] {
        let user = id_of(&app, name).await;
        assert_eq!(notices(&app, user).await.len(), usize::from(told), "{name}");
        let rows = breach_notice::Entity::find()
            .filter(breach_notice::Column::UserId.eq(user))
            .count(&app.db)
            .await
            .unwrap();
        assert_eq!(rows, u64::from(told), "{name}");
    }
}

#[tokio::test]
async fn an_account_without_a_verified_address_gets_the_in_app_notice_only() {
    let app = TestApp::spawn_with_smtp().await;
    let files = Files::new();
    verified_user(&app, "ann", "ann@example.com").await;
    app.call(signup("dee", "dee@example.com")).await.unwrap();
    app.emails_to("dee@example.com", 1).await;
    let list = files.write("affected.txt", "ann\ndee\nnobody@example.com\n");

    let said = notify(&app, &files, "INC-U", &["--accounts", &list]).await;
    assert_eq!(reported(&said, "accounts matched"), 2, "{said}");
    assert_eq!(reported(&said, "notified now"), 2, "{said}");
    assert_eq!(reported(&said, "emails sent"), 1, "{said}");
    assert!(
        said.contains("in-app only (no verified email address): 1: dee"),
        "{said}"
    );
    assert!(
        said.contains("not found:                1: nobody@example.com"),
        "{said}"
    );

    app.emails_to("ann@example.com", 2).await;
    assert_eq!(
        mail_count(&app, "dee@example.com"),
        1,
        "only the verification email"
    );
    let dee = id_of(&app, "dee").await;
    assert_eq!(notices(&app, dee).await.len(), 1);
    let row = breach_notice::Entity::find()
        .filter(breach_notice::Column::UserId.eq(dee))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.email, EmailState::NoAddress);
    assert_eq!(row.emailed_ms, None);
}

#[tokio::test]
async fn a_mistake_in_the_flags_is_named_and_tells_no_one() {
    let app = TestApp::spawn().await;
    app.call(signup("ann", "ann@example.com")).await.unwrap();
    let files = Files::new();
    let out = run(
        &app,
        &files,
        "INC 1",
        &["--accounts", &files.write("l", "ann\n")],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--incident"), "{err}");
    assert!(err.contains("usage: ripen notify-breach"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let out = run(&app, &files, "INC-1", &["--touched-from", "last tuesday"]).await;
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--touched"), "{err}");
    assert_eq!(
        breach_notice::Entity::find().count(&app.db).await.unwrap(),
        0
    );
}
