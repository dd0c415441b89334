//! Issue 26: a focus session shorter than a minute (`app::focus::MIN_COUNTED_FOCUS_SECS`) is
//! kept as a record — the history lists it, marked, and the export holds it — but counts
//! nowhere: not in the statistics, the day, its roll-ups or a tag's total. The sessions
//! arrive through the offline sync, which records them exactly as the timer's own path does
//! (`focus::ssr::record_session`) and takes exact lengths, so no test waits on a clock.

use app::{
    diary::{DeleteSession, GetDiaryDay, GetStats, SearchHistory},
    focus::{AnnotateSession, CreateTag, MIN_COUNTED_FOCUS_SECS, RecentSessions},
    offline::{OfflineRecord, OfflineSession, Outcome},
};
use chrono::Utc;
use migrations::MigratorTrait;
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use crate::{
    accounts::verified_user,
    harness::TestApp,
    offline::sync,
    privacy::{finished_export, json_list, unzip},
};

/// A session that started `hours_ago` and held `focused_ms` of focus.
fn session(hours_ago: i64, focused_ms: i64, completed: bool) -> OfflineRecord {
    let started_at = Utc::now().timestamp_millis() - hours_ago * 3_600_000;
    OfflineRecord::Session(OfflineSession {
        id: Uuid::new_v4(),
        started_at,
        ended_at: started_at + focused_ms,
        focused_ms,
        completed,
        task_id: None,
    })
}

/// Stores 40 s and 59.999 s stopped early, exactly a minute stopped early, and 25 minutes
/// completed; answers their ids in that order.
async fn four_sessions(app: &TestApp) -> [Uuid; 4] {
    let records = vec![
        session(5, 40_000, false),
        session(4, 59_999, false),
        session(3, 60_000, false),
        session(2, 25 * 60_000, true),
    ];
    let ids = [0, 1, 2, 3].map(|i| records[i].id());
    let report = sync(app, None, records).await.unwrap();
    assert!(
        report.records.iter().all(|r| r.outcome == Outcome::Saved),
        "{report:?}"
    );
    ids
}

#[tokio::test]
async fn a_session_under_a_minute_is_kept_and_listed_but_counts_nowhere() {
    assert_eq!(MIN_COUNTED_FOCUS_SECS, 60, "the documented minimum");
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let [forty, almost, minute, long] = four_sessions(&app).await;

    // Every session is a record.
    let recent = app.call(RecentSessions {}).await.unwrap();
    assert_eq!(recent.len(), 4);
    let counts = |id: Uuid| recent.iter().find(|s| s.id == id).unwrap().counts();
    assert_eq!(
        [forty, almost, minute, long].map(counts),
        [false, false, true, true]
    );

    // The statistics count the minute and the 25 minutes: 2 sessions, 26 minutes.
    let stats = app.call(GetStats {}).await.unwrap();
    assert_eq!((stats.total_sessions, stats.total_focus_minutes), (2, 26));
    let heat: u32 = stats.focus_heatmap.iter().map(|d| d.value).sum();
    assert_eq!(heat, 26);
    let fortnight: f64 = stats.focus_by_day.iter().map(|b| b.value).sum();
    assert_eq!(fortnight, 26.0);

    // So does each day (summed over the sessions' days: a run just after midnight puts
    // them on two).
    let mut days: Vec<chrono::NaiveDate> = recent.iter().map(|s| s.day).collect();
    days.dedup();
    let (mut sessions, mut minutes) = (0, 0);
    for day in days {
        let v = app
            .call(GetDiaryDay {
                day: Some(day.to_string()),
            })
            .await
            .unwrap();
        sessions += v.focus_sessions;
        minutes += v.focus_minutes;
    }
    assert_eq!((sessions, minutes), (2, 26));

    // The history lists all four and marks the two that do not count.
    let history = app
        .call(SearchHistory {
            from: None,
            to: None,
            tag: None,
            habit: None,
            q: None,
            kind: Some("focus".into()),
        })
        .await
        .unwrap();
    assert_eq!(history.len(), 4);
    let listed = |id: Uuid| history.iter().find(|h| h.id == id).unwrap().counts;
    assert_eq!(
        [forty, almost, minute, long].map(listed),
        [false, false, true, true]
    );
    let (_, _, html) = app.get_text("/diary/history?kind=focus").await;
    assert_eq!(html.matches("Under a minute: not counted").count(), 2);

    // A tag on the short session does not give the tag any time.
    let tag = app
        .call(CreateTag {
            name: "Reading".into(),
            colour: "#336699".into(),
        })
        .await
        .unwrap();
    app.call(AnnotateSession {
        id: forty.to_string(),
        note: None,
        tag_ids: Some(tag.id.to_string()),
        task_id: None,
    })
    .await
    .unwrap();
    assert!(app.call(GetStats {}).await.unwrap().tag_totals.is_empty());

    // The export keeps the raw records; its day totals are the counted ones.
    let export = finished_export(&app, &app.client).await;
    let bytes = app
        .get(&export.download.unwrap())
        .await
        .bytes()
        .await
        .unwrap();
    let files = unzip(&bytes);
    assert_eq!(json_list(&files, "focus_sessions.json").len(), 4);
    let counted: i64 = json_list(&files, "focus_days.json")
        .iter()
        .map(|d| d["sessions"].as_i64().unwrap())
        .sum();
    assert_eq!(counted, 2);

    // Deleting the long one leaves the minute.
    app.call(DeleteSession {
        id: long.to_string(),
    })
    .await
    .unwrap();
    let stats = app.call(GetStats {}).await.unwrap();
    assert_eq!((stats.total_sessions, stats.total_focus_minutes), (1, 1));
}

/// `focus_day` rows of the test's user: (sessions, focus seconds), summed over days.
async fn roll_up(app: &TestApp) -> (i64, i64) {
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(sessions), 0) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(focus_seconds), 0) AS BIGINT) AS s FROM focus_day",
        ))
        .await
        .unwrap()
        .unwrap();
    (
        row.try_get::<i64>("", "n").unwrap(),
        row.try_get::<i64>("", "s").unwrap(),
    )
}

#[tokio::test]
async fn the_migration_recounts_the_roll_ups_without_short_sessions_and_back() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    four_sessions(&app).await;
    assert_eq!(roll_up(&app).await, (2, 60 + 1500));

    // Back to before m20261204_000030_short_focus: every session counted.
    let from_mine = migrations::Migrator::migrations()
        .iter()
        .filter(|m| m.name() >= "m20261204_000030_short_focus")
        .count();
    migrations::Migrator::down(&app.db, Some(u32::try_from(from_mine).unwrap()))
        .await
        .unwrap();
    assert_eq!(roll_up(&app).await, (4, 40 + 59 + 60 + 1500));

    migrations::Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(roll_up(&app).await, (2, 60 + 1500));
}
