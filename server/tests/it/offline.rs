//! Offline sync over HTTP: records made without a network are stored once however often
//! they are sent, conflicts are settled per record, the browser's timer is adopted only when
//! the server's did not change meanwhile, and nobody's records land on another account.

use app::{
    AppError,
    diary::GetDiaryDay,
    focus::{
        GetTimer, RecentSessions, TimerCommand,
        engine::{Phase, Run, TimerState},
    },
    offline::{
        LocalTimer, MAX_BATCH, OfflineRecord, OfflineSession, Outcome, SyncOffline, SyncReport,
    },
};
use chrono::Utc;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    accounts::verified_user,
    diary::{habit, today},
    focus::second_user,
    harness::TestApp,
};

const MINUTE: i64 = 60_000;

fn now() -> i64 {
    Utc::now().timestamp_millis()
}

fn session(id: Uuid, started_at: i64, minutes: i64) -> OfflineRecord {
    OfflineRecord::Session(OfflineSession {
        id,
        started_at,
        ended_at: started_at + minutes * MINUTE,
        focused_ms: minutes * MINUTE,
        completed: true,
        task_id: None,
    })
}

async fn sync_as(
    app: &TestApp,
    client: &reqwest::Client,
    timer: Option<LocalTimer>,
    records: Vec<OfflineRecord>,
) -> Result<SyncReport, AppError> {
    let (status, body) = app
        .call_json_as(client, &SyncOffline { timer, records })
        .await;
    if status.is_success() {
        Ok(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
    } else {
        Err(serde_json::from_str(&body).unwrap_or_else(|e| panic!("{status} {e}: {body}")))
    }
}

pub(crate) async fn sync(
    app: &TestApp,
    timer: Option<LocalTimer>,
    records: Vec<OfflineRecord>,
) -> Result<SyncReport, AppError> {
    sync_as(app, &app.client, timer, records).await
}

fn outcomes(r: &SyncReport) -> Vec<Outcome> {
    r.records.iter().map(|r| r.outcome).collect()
}

#[tokio::test]
async fn an_offline_session_is_stored_once_however_often_it_is_sent() {
    let app = TestApp::spawn().await;
    let (status, _) = app
        .call_json_as(
            &app.client,
            &SyncOffline {
                timer: None,
                records: Vec::new(),
            },
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "signed out");

    verified_user(&app, "ada", "ada@example.com").await;
    let id = Uuid::new_v4();
    let started = now() - 40 * MINUTE;
    let first = sync(&app, None, vec![session(id, started, 25)])
        .await
        .unwrap();
    assert_eq!(outcomes(&first), [Outcome::Saved]);
    // The response was lost and the browser sends the same outbox again, twice.
    for _ in 0..2 {
        let again = sync(&app, None, vec![session(id, started, 25)])
            .await
            .unwrap();
        assert_eq!(outcomes(&again), [Outcome::AlreadySaved]);
    }
    let sessions = app.call(RecentSessions {}).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0].id, id, "stored under the browser's id");
    assert_eq!(sessions[0].focused_seconds, 25 * 60);
    // The day's roll-ups count it (the diary and statistics read those). Its own day, not
    // "today": forty minutes ago is yesterday just after midnight.
    let day = app
        .call(GetDiaryDay {
            day: Some(sessions[0].day.to_string()),
        })
        .await
        .unwrap();
    assert_eq!(day.focus_sessions, 1);
    assert_eq!(day.focus_minutes, 25);

    // Per-record conflicts in one batch: an overlap keeps the recorded session, impossible
    // times are dropped, and a good record beside them is still stored.
    let later = Uuid::new_v4();
    let report = sync(
        &app,
        None,
        vec![
            session(Uuid::new_v4(), started + 10 * MINUTE, 25),
            OfflineRecord::Session(OfflineSession {
                id: Uuid::new_v4(),
                started_at: now() - 5 * MINUTE,
                ended_at: now() - 6 * MINUTE,
                focused_ms: 0,
                completed: false,
                task_id: None,
            }),
            session(Uuid::new_v4(), now() + 60 * MINUTE, 25),
            session(later, now() - 10 * MINUTE, 5),
        ],
    )
    .await
    .unwrap();
    assert_eq!(
        outcomes(&report),
        [
            Outcome::Overlaps,
            Outcome::Invalid,
            Outcome::Invalid,
            Outcome::Saved
        ]
    );
    let ids: Vec<Uuid> = app
        .call(RecentSessions {})
        .await
        .unwrap()
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&id) && ids.contains(&later));

    // Another account sending the same id stores nothing, on either account.
    let bob = second_user(&app).await;
    let theirs = sync_as(&app, &bob, None, vec![session(id, started, 25)])
        .await
        .unwrap();
    assert_eq!(outcomes(&theirs), [Outcome::Invalid]);
    let (_, _, body) = app.call_as(&bob, RecentSessions {}, &[]).await;
    assert_eq!(body, "[]");
    assert_eq!(app.call(RecentSessions {}).await.unwrap().len(), 2);

    // Too many records in one call: a field error, nothing stored.
    let many = (0..=MAX_BATCH as i64)
        .map(|i| {
            session(
                Uuid::new_v4(),
                now() - 80 * 86_400_000 + i * 30 * MINUTE,
                25,
            )
        })
        .collect();
    match sync(&app, None, many).await {
        Err(AppError::Validation { fields }) => assert_eq!(fields[0].field, "records"),
        other => panic!("a validation error expected: {other:?}"),
    }
    assert_eq!(app.call(RecentSessions {}).await.unwrap().len(), 2);
}

#[tokio::test]
async fn the_offline_timer_is_adopted_only_if_the_server_timer_did_not_change_meanwhile() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let before = app.call(GetTimer {}).await.unwrap();
    let t = now();
    let running = TimerState {
        phase: Phase::Focus,
        run: Run::Running {
            started_at: t - MINUTE,
            planned_end: t + 24 * MINUTE,
            paused_total: 0,
        },
        focus_done_in_cycle: 0,
    };
    let local = LocalTimer {
        base_version: before.version,
        state: running,
        task_id: None,
    };
    let report = sync(&app, Some(local), Vec::new()).await.unwrap();
    assert!(!report.timer_kept_server);
    assert_eq!(
        report.timer.state, running,
        "the browser's timer is adopted"
    );
    assert_eq!(report.timer.version, before.version + 1);
    // Sent again (a lost response): nothing changes and it is not a conflict.
    let again = sync(&app, Some(local), Vec::new()).await.unwrap();
    assert!(!again.timer_kept_server);
    assert_eq!(again.timer.version, before.version + 1);

    // Another device pauses it; a browser that went offline before that keeps the server's.
    let paused = app
        .call(TimerCommand {
            command: "pause".into(),
            phase: None,
        })
        .await
        .unwrap();
    let stale = LocalTimer {
        base_version: before.version + 1,
        state: TimerState::default(),
        task_id: None,
    };
    let report = sync(&app, Some(stale), Vec::new()).await.unwrap();
    assert!(report.timer_kept_server);
    assert_eq!(report.timer.state, paused.state);
    assert_eq!(report.timer.version, paused.version);

    // A timer with instants no browser could produce is never adopted.
    let absurd = LocalTimer {
        base_version: paused.version,
        state: TimerState {
            run: Run::Running {
                started_at: 0,
                planned_end: 1,
                paused_total: 0,
            },
            ..TimerState::default()
        },
        task_id: None,
    };
    let report = sync(&app, Some(absurd), Vec::new()).await.unwrap();
    assert!(report.timer_kept_server);
    assert_eq!(report.timer.state, paused.state);
}

#[tokio::test]
async fn offline_check_ins_are_stored_once_and_never_on_another_account() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let read = app.call(habit("Read", "daily")).await.unwrap();
    let day = today(&app).await;
    let id = Uuid::new_v4();
    let record = OfflineRecord::Checkin {
        id,
        habit_id: read.id,
        day,
    };
    let first = sync(&app, None, vec![record.clone()]).await.unwrap();
    assert_eq!(outcomes(&first), [Outcome::Saved]);
    let again = sync(&app, None, vec![record.clone()]).await.unwrap();
    assert_eq!(outcomes(&again), [Outcome::AlreadySaved]);
    let view = app
        .call(GetDiaryDay {
            day: Some(day.to_string()),
        })
        .await
        .unwrap();
    assert_eq!(view.habits[0].checkin.as_ref().map(|c| c.id), Some(id));

    // Checked in on a second offline device too: the first check-in stays.
    let twin = OfflineRecord::Checkin {
        id: Uuid::new_v4(),
        habit_id: read.id,
        day,
    };
    let gone = OfflineRecord::Checkin {
        id: Uuid::new_v4(),
        habit_id: Uuid::new_v4(),
        day,
    };
    let report = sync(&app, None, vec![twin, gone]).await.unwrap();
    assert_eq!(
        outcomes(&report),
        [Outcome::AlreadyCheckedIn, Outcome::HabitGone]
    );

    // Bob cannot check in Ada's habit, nor claim her record's id.
    let bob = second_user(&app).await;
    let report = sync_as(
        &app,
        &bob,
        None,
        vec![
            OfflineRecord::Checkin {
                id: Uuid::new_v4(),
                habit_id: read.id,
                day,
            },
            record,
        ],
    )
    .await
    .unwrap();
    assert_eq!(outcomes(&report), [Outcome::HabitGone, Outcome::Invalid]);
    let view = app
        .call(GetDiaryDay {
            day: Some(day.to_string()),
        })
        .await
        .unwrap();
    assert_eq!(view.habits[0].checkin.as_ref().map(|c| c.id), Some(id));
}

#[tokio::test]
async fn pages_of_a_signed_in_user_name_their_viewer_for_the_service_worker() {
    let app = TestApp::spawn().await;
    let (_, headers, _) = app.get_text("/timer").await;
    assert!(headers.get("ripen-viewer").is_none(), "a visitor's page");
    verified_user(&app, "ada", "ada@example.com").await;
    let (status, headers, _) = app.get_text("/timer").await;
    assert_eq!(status, StatusCode::OK);
    let viewer = headers
        .get("ripen-viewer")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("the viewer header");
    let timer = app.call(GetTimer {}).await.unwrap();
    assert_eq!(
        timer.viewer, viewer,
        "the page and its data file under one key"
    );
    let day = app.call(GetDiaryDay { day: None }).await.unwrap();
    assert_eq!(day.viewer, viewer);
    // Only pages carry it (never data), and it differs per account.
    let (_, headers, _) = app.call_raw(GetTimer {}).await;
    assert!(headers.get("ripen-viewer").is_none());
    let bob = second_user(&app).await;
    let (_, _, body) = app.call_as(&bob, GetTimer {}, &[]).await;
    let theirs: app::focus::TimerSnapshot = serde_json::from_str(&body).unwrap();
    assert_ne!(theirs.viewer, viewer);
    assert!(!viewer.contains(&theirs.viewer));
}
