//! Staff roles and the audit log (issue 25, item 3): each role reaches exactly its pages
//! and actions, every staff action leaves one audit row, and no role can open a private
//! letter.

use app::{
    account::Login,
    announcements::{
        AnnouncementForm, PublishAnnouncement, StaffAnnouncements, WithdrawAnnouncement,
    },
    letters::GetLetter,
    staff::{AuditLog, LookUpAccount, MyRoles, StaffRole},
    wall::{Moderate, ModerationQueue},
};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    accounts::{PASSWORD, verified_user},
    harness::TestApp,
    wall::{Seed, seed},
};
use app::staff::ssr::entities::audit_log;

/// `ripen admin <args>` against the test server.
fn admin(app: &TestApp, args: &[&str]) -> std::process::Output {
    let mut all = vec!["admin"];
    all.extend_from_slice(args);
    app.ripen(&all).output().unwrap()
}

pub(crate) fn grant(app: &TestApp, role: &str, username: &str) {
    let out = admin(app, &["grant", "--role", role, username]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A browser of its own, signed in as `username`.
pub(crate) async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    let client = app.new_client();
    let login = Login {
        identifier: username.into(),
        password: PASSWORD.into(),
    };
    let (status, _, body) = app.call_as(&client, login, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    client
}

async fn audit_rows(app: &TestApp) -> u64 {
    audit_log::Entity::find().count(&app.db).await.unwrap()
}

#[tokio::test]
async fn each_role_reaches_exactly_its_pages_and_every_staff_action_is_logged() {
    let app = TestApp::spawn().await;
    for (name, email) in [
        ("ann", "ann@example.com"),
        ("pat", "pat@example.com"),
        ("sue", "sue@example.com"),
        ("moe", "moe@example.com"),
        ("ada", "ada@example.com"),
    ] {
        verified_user(&app, name, email).await;
    }
    // Ann: a letter on the wall, and a private one delivered to herself.
    let ann = app.user_id("ann").await;
    let (_, walled) = seed(
        &app,
        ann,
        Seed {
            title: "A letter for everyone",
            ..Seed::default()
        },
    )
    .await;
    let (private, _) = seed(
        &app,
        ann,
        Seed {
            title: "Only for me",
            body: "The secret of the plum tree.",
            public: false,
            ..Seed::default()
        },
    )
    .await;
    assert_eq!(audit_rows(&app).await, 0);
    grant(&app, "support", "sue");
    grant(&app, "moderator", "moe");
    grant(&app, "administrator", "ada");
    // A role granted twice is one role, and one log row.
    let out = admin(&app, &["grant", "--role", "moderator", "moe"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("moe was already a moderator"));
    let out = admin(&app, &["grant", "--role", "janitor", "moe"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("administrator, moderator and support"));
    assert_eq!(audit_rows(&app).await, 3, "one row per grant");

    let visitor = app.new_client();
    let pat = signed_in(&app, "pat").await;
    let sue = signed_in(&app, "sue").await;
    let mo = signed_in(&app, "moe").await;
    let ada = signed_in(&app, "ada").await;
    let actors: [(&str, &reqwest::Client); 5] = [
        ("visitor", &visitor),
        ("pat", &pat),
        ("sue", &sue),
        ("moe", &mo),
        ("ada", &ada),
    ];

    // Every staff server function, and who may call it.
    let mut announced = String::new();
    for (who, client) in actors {
        let allowed = |roles: &[&str]| roles.contains(&who);
        let expect = |ok: bool| match (who, ok) {
            (_, true) => StatusCode::OK,
            ("visitor", false) => StatusCode::UNAUTHORIZED,
            (_, false) => StatusCode::FORBIDDEN,
        };
        let before = audit_rows(&app).await;
        let (status, _, body) = app.call_as(client, ModerationQueue {}, &[]).await;
        assert_eq!(
            status,
            expect(allowed(&["moe", "ada"])),
            "{who}: queue: {body}"
        );
        let (status, _, body) = app
            .call_as(
                client,
                Moderate {
                    id: walled.clone(),
                    hide: true,
                },
                &[],
            )
            .await;
        assert_eq!(
            status,
            expect(allowed(&["moe", "ada"])),
            "{who}: moderate: {body}"
        );
        let (status, _, body) = app.call_as(client, AuditLog { before: None }, &[]).await;
        assert_eq!(
            status,
            expect(allowed(&["ada"])),
            "{who}: audit log: {body}"
        );
        let (status, _, body) = app
            .call_as(
                client,
                LookUpAccount {
                    query: "ann".into(),
                },
                &[],
            )
            .await;
        assert_eq!(
            status,
            expect(allowed(&["sue", "ada"])),
            "{who}: lookup: {body}"
        );
        if status == StatusCode::OK {
            assert!(body.contains("\"username\":\"ann\""), "{body}");
            assert!(
                !body.contains("plum") && !body.contains("Only for me"),
                "facts only: {body}"
            );
        }
        let (status, _, body) = app.call_as(client, StaffAnnouncements {}, &[]).await;
        assert_eq!(
            status,
            expect(allowed(&["ada"])),
            "{who}: announcements: {body}"
        );
        let publish = PublishAnnouncement {
            form: AnnouncementForm {
                title_en: format!("From {who}"),
                body_en: "Hello.".into(),
                title_zh: format!("来自 {who}"),
                body_zh: "你好。".into(),
                audience: "staff".into(),
                ..AnnouncementForm::default()
            },
        };
        let (status, _, body) = app.call_as(client, publish, &[]).await;
        assert_eq!(status, expect(allowed(&["ada"])), "{who}: publish: {body}");
        if status == StatusCode::OK {
            let id: String = serde_json::from_str(&body).unwrap();
            announced.clone_from(&id);
            let (status, _, body) = app.call_as(client, WithdrawAnnouncement { id }, &[]).await;
            assert_eq!(status, StatusCode::OK, "{who}: withdraw: {body}");
        }
        // One row per action taken: a hide, a lookup, a publication and its withdrawal;
        // reading takes none.
        let actions = u64::from(allowed(&["moe", "ada"]))
            + u64::from(allowed(&["sue", "ada"]))
            + 2 * u64::from(allowed(&["ada"]));
        assert_eq!(audit_rows(&app).await, before + actions, "{who}");

        // The pages show their data only to those roles.
        for (path, marker, roles) in [
            ("/admin/moderation", "moderation-list", &["moe", "ada"][..]),
            ("/admin/audit", "data-staff=\"audit\"", &["ada"][..]),
            (
                "/admin/announcements",
                "data-staff=\"announcements\"",
                &["ada"][..],
            ),
            (
                "/admin/accounts?q=ann",
                "data-account=\"ann\"",
                &["sue", "ada"][..],
            ),
        ] {
            let html = client
                .get(app.url(path))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert_eq!(html.contains(marker), allowed(roles), "{who} on {path}");
        }

        // The account page links to exactly the staff pages the roles reach.
        if who != "visitor" {
            let html = client
                .get(app.url("/account"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            for (href, roles) in [
                ("href=\"/admin/moderation\"", &["moe", "ada"][..]),
                ("href=\"/admin/accounts\"", &["sue", "ada"][..]),
                ("href=\"/admin/audit\"", &["ada"][..]),
                ("href=\"/admin/announcements\"", &["ada"][..]),
            ] {
                assert_eq!(
                    html.contains(href),
                    allowed(roles),
                    "{who}: {href} on /account"
                );
            }
        }

        // Staff roles open no private letter.
        let (status, _, _) = app
            .call_as(
                client,
                GetLetter {
                    id: private.to_string(),
                },
                &[],
            )
            .await;
        assert!(
            [StatusCode::NOT_FOUND, StatusCode::UNAUTHORIZED].contains(&status),
            "{who} opened ann's private letter: {status}"
        );
    }

    // The log, as the administrator reads it: who did what to which object.
    let log = app.call_as(&ada, AuditLog { before: None }, &[]).await.2;
    let log: Vec<app::staff::AuditEntry> = serde_json::from_str(&log).unwrap();
    let line = |e: &app::staff::AuditEntry| {
        format!(
            "{} {} {} {}",
            e.actor,
            e.role.map_or("-", StaffRole::as_str),
            e.action.as_str(),
            e.object.clone().unwrap_or_default()
        )
    };
    // Newest first; rows written in the same millisecond have no order between them, so
    // the lines are compared as sets (each line once per action).
    let mut lines: Vec<String> = log.iter().map(line).collect();
    lines.sort();
    let mut expected = vec![
        "Server command - role.grant sue".to_owned(),
        "Server command - role.grant moe".to_owned(),
        "Server command - role.grant ada".to_owned(),
        // Each lookup is logged, through the server function and the page alike.
        "sue support account.lookup ann".to_owned(),
        "sue support account.lookup ann".to_owned(),
        format!("moe moderator wall.hide {walled}"),
        format!("ada administrator wall.hide {walled}"),
        "ada administrator account.lookup ann".to_owned(),
        "ada administrator account.lookup ann".to_owned(),
        format!("ada administrator announcement.publish {announced}"),
        format!("ada administrator announcement.withdraw {announced}"),
    ];
    expected.sort();
    assert_eq!(lines, expected);
    assert!(
        log.windows(2).all(|w| w[0].at_ms >= w[1].at_ms),
        "newest first"
    );
    // The moderation queue names the last moderator from the log.
    let queue = app.call_as(&mo, ModerationQueue {}, &[]).await.2;
    assert!(queue.contains("ada"), "{queue}");

    // Roles: the signed-in person's own, none for a visitor.
    let (_, _, body) = app.call_as(&ada, MyRoles {}, &[]).await;
    assert_eq!(body, "[\"administrator\"]");
    let (_, _, body) = app.call_as(&visitor, MyRoles {}, &[]).await;
    assert_eq!(body, "[]");

    // Revoked, the role reaches nothing, and the revocation is logged.
    let out = admin(&app, &["revoke", "--role", "moderator", "moe"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("moe is no longer a moderator"));
    let (status, _, _) = app.call_as(&mo, ModerationQueue {}, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(audit_rows(&app).await, 12);
}

#[tokio::test]
async fn the_audit_log_keeps_two_years_and_forgets_an_erased_staff_members_name() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ann", "ann@example.com").await;
    verified_user(&app, "moe", "moe@example.com").await;
    grant(&app, "moderator", "moe");
    let ann = app.user_id("ann").await;
    let mo = app.user_id("moe").await;
    let (_, walled) = seed(&app, ann, Seed::default()).await;
    let mo_client = signed_in(&app, "moe").await;
    let (status, _, body) = app
        .call_as(
            &mo_client,
            Moderate {
                id: walled,
                hide: true,
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(audit_rows(&app).await, 2);

    // Mo's account is erased: the rows stay, naming no one.
    app::privacy::ssr::close(&app.db, mo, chrono::Utc::now().timestamp_millis())
        .await
        .unwrap();
    let store = app::letters::storage::LocalDir::new(app.data_dir().join("uploads")).unwrap();
    let purge = |days: i64| {
        app::privacy::ssr::purge(
            &app.db,
            &store,
            None,
            chrono::Duration::days(14),
            chrono::Utc::now() + chrono::Duration::days(days),
        )
    };
    let r = purge(31).await.unwrap();
    assert_eq!(r.accounts_erased, 1);
    assert_eq!(r.audit_rows_deleted, 0);
    let rows = audit_log::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.actor_id.is_none()), "{rows:?}");
    // Two years on, the retention job deletes them.
    let r = purge(731).await.unwrap();
    assert_eq!(r.audit_rows_deleted, 2);
    assert_eq!(audit_rows(&app).await, 0);
}

#[tokio::test]
async fn the_audit_log_pages_through_rows_of_one_millisecond_without_losing_or_repeating_any() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    grant(&app, "administrator", "ada");
    // 450 rows in three milliseconds: every page break falls inside one of them. An hour
    // ago, not in 1970: the retention job, which runs at start and deletes rows older than
    // two years, could otherwise delete some while they are inserted.
    let base = chrono::Utc::now().timestamp_millis() - 3_600_000;
    for i in 0..450u32 {
        audit_log::Entity::insert(audit_log::ActiveModel {
            id: sea_orm::Set(uuid::Uuid::new_v4()),
            at_ms: sea_orm::Set(base + i64::from(i / 150)),
            actor_id: sea_orm::Set(None),
            role: sea_orm::Set(None),
            action: sea_orm::Set(app::staff::AuditAction::RoleGrant),
            object_kind: sea_orm::Set("wall_letter".into()),
            object_id: sea_orm::Set(Some(format!("row-{i}"))),
            detail: sea_orm::Set(None),
        })
        .exec_without_returning(&app.db)
        .await
        .unwrap();
    }
    let ada = signed_in(&app, "ada").await;
    let mut seen = std::collections::HashSet::new();
    let mut before = None;
    let mut pages = 0;
    loop {
        let (status, _, body) = app
            .call_as(
                &ada,
                AuditLog {
                    before: before.clone(),
                },
                &[],
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let rows: Vec<app::staff::AuditEntry> = serde_json::from_str(&body).unwrap();
        let Some(last) = rows.last() else { break };
        before = Some(last.cursor.clone());
        pages += 1;
        for r in rows {
            let key = r.object.unwrap_or_else(|| r.cursor.clone());
            assert!(seen.insert(key.clone()), "{key} shown twice");
        }
    }
    // The 450 rows and the grant itself, over three pages of 200 (and none after).
    assert_eq!(seen.len(), 451);
    assert_eq!(pages, 3);

    // A cursor that names no row is a field error, not a server error.
    let (status, _, body) = app
        .call_as(
            &ada,
            AuditLog {
                before: Some("yesterday".into()),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("before"), "{body}");
}
