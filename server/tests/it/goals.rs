//! Letters that open on progress, and the figures a letter to oneself is sealed with: a
//! goal reached sends the letter once (whichever path recorded the last of it, and when two
//! devices record it at once); a check-in undone before the count sends nothing; the
//! latest date sends a letter whose goal is never reached; another person's records never
//! count; the sealed figures stay as they were while the records change.

use std::time::Duration;

use app::{
    AppError,
    diary::{CheckIn, GetDiaryDay, SaveEntry, UndoCheckIn},
    letters::{
        GetLetter, LetterForm, LetterStatus, LetterView, LettersOverview, RecipientInput,
        SaveLetter,
        goals::{GoalForm, GoalKind},
    },
    offline::{OfflineRecord, OfflineSession, Outcome, SyncOffline, SyncReport},
};
use chrono::{Duration as Days, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use crate::{
    accounts::{PASSWORD, verified_user},
    diary::habit,
    focus::second_user,
    harness::{TestApp, TestOptions},
};

const HOUR: i64 = 3_600_000;

/// A server whose letters may be due at any instant, whose scheduler polls often, and
/// whose goal watcher runs (`watch`) or is left to the test.
async fn spawn(watch: bool) -> TestApp {
    TestApp::spawn_with(TestOptions {
        config: json!({ "letters": {
            "min_lead_secs": 0, "poll_ms": 100, "workers": 2, "watch_goals": watch,
        } }),
        ..TestOptions::default()
    })
    .await
}

fn now() -> i64 {
    Utc::now().timestamp_millis()
}

/// A letter to oneself alone that arrives at `at` at the latest, or when `goal` is reached.
fn letter(at: chrono::DateTime<Utc>, goal: Option<GoalForm>) -> SaveLetter {
    SaveLetter {
        id: None,
        letter: LetterForm {
            title: "When I get there".into(),
            body: "You did it.".into(),
            deliver_date: at.format("%Y-%m-%d").to_string(),
            deliver_time: at.format("%H:%M:%S").to_string(),
            to_self: true,
            goal,
            ..LetterForm::default()
        },
        schedule: true,
    }
}

fn goal(kind: GoalKind, target: u32) -> GoalForm {
    GoalForm {
        kind,
        target,
        tag: None,
        habit: None,
    }
}

fn session(started_at: i64, ms: i64) -> OfflineRecord {
    OfflineRecord::Session(OfflineSession {
        id: Uuid::new_v4(),
        started_at,
        ended_at: started_at + ms,
        focused_ms: ms,
        completed: true,
        task_id: None,
    })
}

async fn sync_as(
    app: &TestApp,
    client: &reqwest::Client,
    records: Vec<OfflineRecord>,
) -> SyncReport {
    let (status, body) = app
        .call_json_as(
            client,
            &SyncOffline {
                timer: None,
                records,
            },
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    serde_json::from_str(&body).unwrap()
}

async fn view(app: &TestApp, id: Uuid) -> LetterView {
    app.call(GetLetter { id: id.to_string() }).await.unwrap()
}

/// Another browser signed in to `username`'s account.
async fn second_device(app: &TestApp, username: &str) -> reqwest::Client {
    let client = app.new_client();
    let (status, _, body) = app
        .call_as(
            &client,
            app::account::Login {
                identifier: username.into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert!(status.is_success(), "{status} {body}");
    client
}

async fn rows(app: &TestApp, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test]
async fn a_focus_hours_goal_sends_the_letter_once_when_the_third_hour_arrives_from_two_devices_at_once()
 {
    let app = spawn(true).await;
    verified_user(&app, "ada", "ada@example.com").await;
    // Ten years ahead is beyond the Free plan's five.
    crate::billing::plus(&app, "ada").await;
    let ten_years = Utc::now() + Days::days(3652);
    let l = app
        .call(letter(ten_years, Some(goal(GoalKind::FocusHours, 3))))
        .await
        .unwrap();
    assert_eq!(l.status, LetterStatus::Scheduled);
    let g = l.goal.expect("the letter keeps its goal");
    assert_eq!((g.kind, g.target, g.done), (GoalKind::FocusHours, 3, 0));
    assert_eq!(g.progress_text(), "0 of 3 focus hours");

    // Two hours, recorded offline and synced.
    let start = now() - 10 * HOUR;
    let report = sync_as(
        &app,
        &app.client,
        vec![session(start, HOUR), session(start + HOUR, HOUR)],
    )
    .await;
    assert!(report.records.iter().all(|r| r.outcome == Outcome::Saved));
    let l = view(&app, l.id).await;
    assert_eq!(l.goal.as_ref().map(|g| g.done), Some(2 * 3600));
    assert_eq!(l.status, LetterStatus::Scheduled, "two of three hours");
    // The overview shows the progress, not the letter.
    let overview = app.call(LettersOverview {}).await.unwrap();
    let row = overview.letters.iter().find(|r| r.id == l.id).unwrap();
    assert_eq!(
        row.goal.as_ref().map(|g| g.progress_text()).as_deref(),
        Some("2 of 3 focus hours")
    );

    // Somebody else's five hours count nothing toward it.
    let bob = second_user(&app).await;
    sync_as(&app, &bob, vec![session(start, 5 * HOUR)]).await;
    let l = view(&app, l.id).await;
    assert_eq!(l.goal.as_ref().map(|g| g.done), Some(2 * 3600));
    assert_eq!(l.status, LetterStatus::Scheduled);

    // The last hour from two devices at once: half an hour each.
    let phone = second_device(&app, "ada").await;
    let (a, b) = tokio::join!(
        sync_as(&app, &app.client, vec![session(start + 2 * HOUR, HOUR / 2)]),
        sync_as(&app, &phone, vec![session(start + 3 * HOUR, HOUR / 2)]),
    );
    assert_eq!(a.records[0].outcome, Outcome::Saved);
    assert_eq!(b.records[0].outcome, Outcome::Saved);
    app.wait_until_delivered(l.id).await;
    let l = view(&app, l.id).await;
    let g = l.goal.unwrap();
    assert!(g.reached_ms.is_some(), "the goal is recorded as reached");
    assert!(
        l.deliver_at_ms.unwrap() < ten_years.timestamp_millis(),
        "sent now, not in ten years"
    );
    let letters_mailed = || async {
        app.emails_to("ada@example.com", 1)
            .await
            .into_iter()
            .filter(|m| m.subject.contains("When I get there"))
            .count()
    };
    assert_eq!(letters_mailed().await, 1);
    // Once: one delivery, one attempt; and no check after this sends it again.
    let deliveries = app::letters::entities::letter_recipient::Entity::find()
        .filter(app::letters::entities::letter_recipient::Column::LetterId.eq(l.id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(
        (deliveries[0].status, deliveries[0].attempts),
        (app::letters::RecipientStatus::Sent, 1)
    );
    sync_as(&app, &phone, vec![session(start + 4 * HOUR, HOUR)]).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(letters_mailed().await, 1, "sent once");
}

#[tokio::test]
async fn the_latest_date_sends_a_letter_whose_goal_is_never_reached() {
    let app = spawn(true).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let soon = Utc::now() + Days::seconds(2);
    let l = app
        .call(letter(soon, Some(goal(GoalKind::FocusSessions, 40))))
        .await
        .unwrap();
    app.wait_until_delivered(l.id).await;
    let l = view(&app, l.id).await;
    let g = l.goal.unwrap();
    assert_eq!(g.reached_ms, None, "delivered by its date, not by the goal");
    assert_eq!(g.done, 0);
}

#[tokio::test]
async fn a_streak_goal_is_reached_by_the_streak_and_not_by_a_check_in_undone_before_the_count() {
    // The watcher is off: the test counts, so it decides what the count sees.
    let app = spawn(false).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let h = app.call(habit("Walk", "daily")).await.unwrap();
    let id = h.id.to_string();
    let today = app.call(GetDiaryDay { day: None }).await.unwrap().today;
    for d in [today - Days::days(2), today - Days::days(1)] {
        app.call(CheckIn {
            habit_id: id.clone(),
            day: d.to_string(),
            note: None,
            tag_ids: None,
        })
        .await
        .unwrap();
    }
    let later = Utc::now() + Days::days(365);
    let streak = |n| GoalForm {
        habit: Some(h.id),
        ..goal(GoalKind::HabitStreak, n)
    };
    // A streak already reached is no goal.
    let e = app.call(letter(later, Some(streak(2)))).await.unwrap_err();
    assert!(e.field_message("goal_target").is_some(), "{e:?}");
    let l = app.call(letter(later, Some(streak(3)))).await.unwrap();
    assert_eq!(l.goal.as_ref().map(|g| g.done), Some(2));

    let user = app.user_id("ada").await;
    let wake = tokio::sync::Notify::new();
    let count = || app::letters::ssr::goals::check_user(&app.server_db, &wake, user, now());
    app.call(CheckIn {
        habit_id: id.clone(),
        day: today.to_string(),
        note: None,
        tag_ids: None,
    })
    .await
    .unwrap();
    app.call(UndoCheckIn {
        habit_id: id.clone(),
        day: today.to_string(),
    })
    .await
    .unwrap();
    assert_eq!(
        count().await.unwrap(),
        0,
        "the check-in was undone before the count"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(view(&app, l.id).await.status, LetterStatus::Scheduled);

    app.call(CheckIn {
        habit_id: id.clone(),
        day: today.to_string(),
        note: None,
        tag_ids: None,
    })
    .await
    .unwrap();
    assert_eq!(count().await.unwrap(), 1, "three days in a row");
    assert_eq!(
        count().await.unwrap(),
        0,
        "a second count sends nothing more"
    );
    app.wait_until_delivered(l.id).await;
}

#[tokio::test]
async fn a_goal_is_only_for_a_letter_to_oneself_alone_on_ones_own_tags_and_habits() {
    let app = spawn(false).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let bob = second_user(&app).await;
    let (status, _, body) = app.call_as(&bob, habit("Bob's run", "daily"), &[]).await;
    assert!(status.is_success(), "{body}");
    let bobs: app::diary::HabitView = serde_json::from_str(&body).unwrap();
    let later = Utc::now() + Days::days(30);

    let mut to_others = letter(later, Some(goal(GoalKind::DiaryEntries, 5)));
    to_others.letter.recipients = vec![RecipientInput {
        name: "Grace".into(),
        email: "grace@example.com".into(),
        phone: String::new(),
    }];
    let e = app.call(to_others).await.unwrap_err();
    assert!(e.field_message("goal").is_some(), "{e:?}");

    let e = app
        .call(letter(
            later,
            Some(GoalForm {
                habit: Some(bobs.id),
                ..goal(GoalKind::HabitStreak, 5)
            }),
        ))
        .await
        .unwrap_err();
    assert!(e.field_message("goal_habit").is_some(), "{e:?}");
    let e = app
        .call(letter(
            later,
            Some(GoalForm {
                tag: Some(Uuid::new_v4()),
                ..goal(GoalKind::FocusSessions, 5)
            }),
        ))
        .await
        .unwrap_err();
    assert!(e.field_message("goal_tag").is_some(), "{e:?}");
    for target in [0, GoalKind::FocusHours.max_target() + 1] {
        let e = app
            .call(letter(later, Some(goal(GoalKind::FocusHours, target))))
            .await
            .unwrap_err();
        assert!(e.field_message("goal_target").is_some(), "{target}: {e:?}");
    }
    assert!(matches!(e, AppError::Validation { .. }));
    assert_eq!(
        rows(&app, "SELECT COUNT(*) FROM letter_goal").await,
        0,
        "nothing stored"
    );
}

#[tokio::test]
async fn the_sealed_figures_stay_as_they_were_and_the_delivered_letter_shows_then_and_now() {
    let app = spawn(true).await;
    verified_user(&app, "ada", "ada@example.com").await;
    let today = app.call(GetDiaryDay { day: None }).await.unwrap().today;
    let entry = |day: chrono::NaiveDate, body: &str| SaveEntry {
        day: day.to_string(),
        body: body.into(),
        mood: None,
        tag_ids: None,
    };
    app.call(entry(today - Days::days(1), "Yesterday."))
        .await
        .unwrap();
    sync_as(&app, &app.client, vec![session(now() - 5 * HOUR, HOUR)]).await;

    // It opens when two more diary entries are written (through the watcher), or in a year.
    let l = app
        .call(letter(
            Utc::now() + Days::days(365),
            Some(goal(GoalKind::DiaryEntries, 2)),
        ))
        .await
        .unwrap();
    let stored = app::letters::entities::letter_snapshot::Entity::find_by_id(l.id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("the figures are kept with the letter");
    assert!(
        stored.figures.0.starts_with("sealed:") && !stored.figures.0.contains("focus_minutes"),
        "the figures are sealed at rest: {}",
        stored.figures.0
    );
    app.call(entry(today, "Today.")).await.unwrap();
    sync_as(&app, &app.client, vec![session(now() - 3 * HOUR, HOUR)]).await;
    app.call(entry(today - Days::days(2), "The day before."))
        .await
        .unwrap();
    app.wait_until_delivered(l.id).await;

    let l = view(&app, l.id).await;
    let tn = l
        .then_now
        .expect("a delivered letter to oneself shows then and now");
    assert_eq!((tn.then.entries, tn.now.entries), (1, 3));
    assert_eq!((tn.then.sessions, tn.now.sessions), (1, 2));
    assert_eq!((tn.then.focus_minutes, tn.now.focus_minutes), (60, 120));
    // Later records change "now" and never "then".
    app.call(entry(today - Days::days(3), "Earlier still."))
        .await
        .unwrap();
    let tn = view(&app, l.id).await.then_now.unwrap();
    assert_eq!((tn.then.entries, tn.now.entries), (1, 4));
}
