//! Issue 26's rough edges that the server decides: the timer page's heading, habits renamed
//! and reordered, a session's tags changed from the history (the consent that follows a
//! visitor into the account is in `privacy.rs`, beside the other consent tests).

use app::{
    diary::{ArchiveHabit, GetDiaryDay, MoveHabit, RenameHabit},
    prefs::SetLanguage,
};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::{
    accounts::verified_user,
    diary::habit,
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
