//! Issue 26's rough edges that the server decides: the timer page's heading, habits renamed
//! and reordered, a session's tags changed from the history (the consent that follows a
//! visitor into the account is in `privacy.rs`, beside the other consent tests).

use app::{
    diary::{ArchiveHabit, GetDiaryDay, GetStats, MoveHabit, RenameHabit},
    focus::{AnnotateSession, CreateTag, RecentSessions, SetSessionTags, TagView},
    prefs::SetLanguage,
};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::{
    accounts::verified_user,
    diary::{finished_session, habit},
    focus::second_user,
    harness::{TestApp, without_markers},
};

/// The names of the habits on today's page, in their order, and the archived ones.
async fn habit_names(app: &TestApp) -> (Vec<String>, Vec<String>) {
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    (
        day.habits.into_iter().map(|h| h.habit.name).collect(),
        day.archived.into_iter().map(|h| h.name).collect(),
    )
}

fn rename(id: &str, name: &str) -> RenameHabit {
    RenameHabit {
        id: id.into(),
        name: name.into(),
    }
}

fn shift(id: &str, direction: &str) -> MoveHabit {
    MoveHabit {
        id: id.into(),
        direction: direction.into(),
    }
}

#[tokio::test]
async fn the_timer_page_has_one_h1_in_both_languages() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    for (lang, heading) in [("en", "Focus timer"), ("zh-Hans", "专注计时器")] {
        // The account's language decides its pages.
        app.call(SetLanguage { lang: lang.into() }).await.unwrap();
        let (_, _, html) = app.get_text("/timer").await;
        let html = without_markers(&html);
        assert_eq!(html.matches("<h1").count(), 1, "{lang}: one h1");
        assert!(
            html.contains(&format!("<h1 class=\"visually-hidden\">{heading}</h1>")),
            "{lang}: the heading is {heading}"
        );
        // The page itself is the timer, not the visitor's sign-in prompt.
        assert!(html.contains("data-testid=\"timer-time\""), "{lang}");
    }
}

#[tokio::test]
async fn habits_are_renamed_and_reordered_by_their_owner_and_keep_that_order() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let mut ids = Vec::new();
    for name in ["Walk", "Read", "Write"] {
        ids.push(app.call(habit(name, "daily")).await.unwrap().id.to_string());
    }
    let [walk, read, write] = [ids[0].clone(), ids[1].clone(), ids[2].clone()];
    // Habits kept from before they could be moved may share a position (one made after a
    // deletion took the count as its place): their order is still the creation order, and
    // the first move numbers them all.
    app.db
        .execute_unprepared("UPDATE habit SET position = 0")
        .await
        .unwrap();
    assert_eq!(habit_names(&app).await.0, ["Walk", "Read", "Write"]);

    app.call(shift(&write, "up")).await.unwrap();
    assert_eq!(habit_names(&app).await.0, ["Walk", "Write", "Read"]);
    app.call(shift(&walk, "down")).await.unwrap();
    assert_eq!(habit_names(&app).await.0, ["Write", "Walk", "Read"]);
    // The first cannot go up nor the last down: nothing changes, and that is no error.
    app.call(shift(&write, "up")).await.unwrap();
    app.call(shift(&read, "down")).await.unwrap();
    assert_eq!(habit_names(&app).await.0, ["Write", "Walk", "Read"]);
    let positions = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT name, position FROM habit ORDER BY position",
        ))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get::<String>("", "name").unwrap(),
                r.try_get::<i32>("", "position").unwrap(),
            )
        })
        .collect::<Vec<_>>();
    assert_eq!(
        positions,
        [
            ("Write".to_owned(), 0),
            ("Walk".to_owned(), 1),
            ("Read".to_owned(), 2)
        ]
    );
    // An archived habit is passed over: "Read" moves above "Write" once "Walk" is put away.
    app.call(ArchiveHabit {
        id: walk.clone(),
        archived: "true".into(),
    })
    .await
    .unwrap();
    app.call(shift(&read, "up")).await.unwrap();
    assert_eq!(
        habit_names(&app).await,
        (
            vec!["Read".to_owned(), "Write".to_owned()],
            vec!["Walk".to_owned()]
        )
    );
    let e = app.call(shift(&read, "sideways")).await.unwrap_err();
    assert!(e.field_message("direction").is_some(), "{e:?}");

    // Renamed (trimmed), in place; Chinese names count characters, not bytes.
    let renamed = app.call(rename(&read, "  Read a chapter ")).await.unwrap();
    assert_eq!(renamed.name, "Read a chapter");
    assert_eq!(habit_names(&app).await.0, ["Read a chapter", "Write"]);
    let sixty = "读".repeat(60);
    assert_eq!(app.call(rename(&write, &sixty)).await.unwrap().name, sixty);

    // Empty or too long: refused on the name field, in the page's language, and unchanged.
    let long = "x".repeat(61);
    for (lang, messages) in [
        (
            "en",
            [
                "Give the habit a name.",
                "Keep the name under 60 characters.",
            ],
        ),
        (
            "zh-Hans",
            ["请给习惯起个名字。", "名称请控制在 60 个字符以内。"],
        ),
    ] {
        app.call(SetLanguage { lang: lang.into() }).await.unwrap();
        for (bad, message) in ["   ", long.as_str()].into_iter().zip(messages) {
            let (status, _, body) = app.call_raw(rename(&read, bad)).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let e: app::AppError = serde_json::from_str(&body).unwrap();
            assert_eq!(e.field_message("name"), Some(message), "{lang}: {body}");
        }
    }
    assert_eq!(habit_names(&app).await.0[0], "Read a chapter");

    // Another account finds none of them: "not found", and nothing changes.
    let bob = second_user(&app).await;
    for (what, status) in [
        (
            "rename",
            app.call_as(&bob, rename(&read, "Mine now"), &[]).await.0,
        ),
        ("move", app.call_as(&bob, shift(&write, "up"), &[]).await.0),
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
    }
    assert_eq!(
        habit_names(&app).await.0,
        ["Read a chapter", sixty.as_str()]
    );
    // A visitor is asked to sign in.
    let (status, _, _) = app
        .call_as(&app.new_client(), rename(&read, "Anyone"), &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

async fn tag(app: &TestApp, name: &str) -> TagView {
    app.call(CreateTag {
        name: name.into(),
        colour: "#c2410c".into(),
    })
    .await
    .unwrap()
}

/// The statistics' minutes per tag name.
async fn minutes_by_tag(app: &TestApp) -> Vec<(String, i64)> {
    let mut totals: Vec<_> = app
        .call(GetStats {})
        .await
        .unwrap()
        .tag_totals
        .into_iter()
        .map(|t| (t.tag.name, t.minutes))
        .collect();
    totals.sort();
    totals
}

fn set_tags(id: &str, tags: &[&TagView]) -> SetSessionTags {
    SetSessionTags {
        id: id.into(),
        tag_ids: Some(
            tags.iter()
                .map(|t| t.id.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ),
    }
}

#[tokio::test]
async fn a_finished_sessions_tags_are_changed_from_the_history_by_its_owner_and_the_statistics_follow()
 {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let s = finished_session(&app).await;
    let id = s.id.to_string();
    let (writing, reading) = (tag(&app, "Writing").await, tag(&app, "Reading").await);
    app.call(AnnotateSession {
        id: id.clone(),
        note: Some("Chapter one".into()),
        tag_ids: Some(writing.id.to_string()),
        task_id: None,
    })
    .await
    .unwrap();
    assert_eq!(minutes_by_tag(&app).await, [("Writing".to_owned(), 25)]);

    // Changed to "Reading": its minutes move, and nothing else about the session changes.
    let changed = app.call(set_tags(&id, &[&reading])).await.unwrap();
    assert_eq!(changed.tags, std::slice::from_ref(&reading));
    assert_eq!(changed.note.as_deref(), Some("Chapter one"));
    assert_eq!(minutes_by_tag(&app).await, [("Reading".to_owned(), 25)]);
    // Both, then none.
    app.call(set_tags(&id, &[&reading, &writing]))
        .await
        .unwrap();
    assert_eq!(
        minutes_by_tag(&app).await,
        [("Reading".to_owned(), 25), ("Writing".to_owned(), 25)]
    );
    app.call(set_tags(&id, &[])).await.unwrap();
    assert!(minutes_by_tag(&app).await.is_empty());
    app.call(set_tags(&id, &[&writing])).await.unwrap();
    let listed = app.call(RecentSessions {}).await.unwrap();
    assert_eq!(listed[0].tags, std::slice::from_ref(&writing));

    // Another account can neither retag her session nor have its tags put on hers.
    let bob = second_user(&app).await;
    let (status, _, body) = app
        .call_as(
            &bob,
            CreateTag {
                name: "Bob's".into(),
                colour: "#336699".into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bobs: TagView = serde_json::from_str(&body).unwrap();
    let (status, _, _) = app.call_as(&bob, set_tags(&id, &[&bobs]), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app.call_as(&bob, set_tags(&id, &[]), &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = app.call_raw(set_tags(&id, &[&bobs])).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(minutes_by_tag(&app).await, [("Writing".to_owned(), 25)]);
    let (_, _, body) = app.call_as(&bob, GetStats {}, &[]).await;
    let theirs: app::diary::StatsView = serde_json::from_str(&body).unwrap();
    assert!(theirs.tag_totals.is_empty());
}
