//! The focus timer over HTTP: ownership, sign-in, settling, records and live events.

use std::time::{Duration, Instant};

use app::{
    AppError,
    focus::{
        AnnotateSession, CompleteTask, CreateTag, CreateTask, DeleteTag, DeleteTask, GetTimer,
        ListTags, ListTasks, MoveTask, RecentSessions, SaveSettings, SetCurrentTask, SettingsForm,
        TimerCommand, TimerSnapshot, UpdateTask,
        engine::{Phase, Run},
    },
};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;

use crate::{
    accounts::{PASSWORD, verified_user},
    harness::TestApp,
};

pub(crate) fn cmd(c: &str) -> TimerCommand {
    TimerCommand {
        command: c.into(),
        phase: None,
    }
}

fn settings(focus: &str) -> SaveSettings {
    SaveSettings {
        form: SettingsForm {
            focus_min: focus.into(),
            short_break_min: "5".into(),
            long_break_min: "15".into(),
            long_break_every: "4".into(),
            auto_start_breaks: None,
            auto_start_focus: None,
            sound: "bell".into(),
            volume: "60".into(),
            notify: None,
            daily_goal: "8".into(),
        },
    }
}

pub async fn second_user(app: &TestApp) -> reqwest::Client {
    let other = app.new_client();
    let (status, _, _) = app
        .call_as(
            &other,
            crate::accounts::signup("bob", "bob@example.com"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, _) = app
        .call_as(
            &other,
            app::account::Login {
                identifier: "bob".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    other
}

#[tokio::test]
async fn anonymous_callers_get_401_everywhere() {
    let app = TestApp::spawn().await;
    let id = uuid::Uuid::new_v4().to_string();
    let calls: Vec<(StatusCode, String)> = vec![
        (app.call_raw(GetTimer {}).await.0, "timer".into()),
        (app.call_raw(cmd("start")).await.0, "command".into()),
        (
            app.call_raw(SetCurrentTask { task_id: None }).await.0,
            "current".into(),
        ),
        (app.call_raw(settings("25")).await.0, "settings".into()),
        (app.call_raw(ListTasks {}).await.0, "tasks".into()),
        (
            app.call_raw(CreateTask {
                title: "x".into(),
                estimate: "1".into(),
            })
            .await
            .0,
            "create task".into(),
        ),
        (
            app.call_raw(UpdateTask {
                id: id.clone(),
                title: "x".into(),
                estimate: "1".into(),
            })
            .await
            .0,
            "update task".into(),
        ),
        (
            app.call_raw(CompleteTask {
                id: id.clone(),
                done: "true".into(),
            })
            .await
            .0,
            "complete".into(),
        ),
        (
            app.call_raw(DeleteTask { id: id.clone() }).await.0,
            "delete task".into(),
        ),
        (
            app.call_raw(MoveTask {
                id: id.clone(),
                direction: "up".into(),
            })
            .await
            .0,
            "move".into(),
        ),
        (app.call_raw(ListTags {}).await.0, "tags".into()),
        (
            app.call_raw(CreateTag {
                name: "x".into(),
                colour: "#000000".into(),
            })
            .await
            .0,
            "create tag".into(),
        ),
        (
            app.call_raw(DeleteTag { id: id.clone() }).await.0,
            "delete tag".into(),
        ),
        (app.call_raw(RecentSessions {}).await.0, "sessions".into()),
        (
            app.call_raw(AnnotateSession {
                id,
                note: None,
                tag_ids: None,
                task_id: None,
            })
            .await
            .0,
            "annotate".into(),
        ),
    ];
    for (status, what) in calls {
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}");
    }
    assert_eq!(
        app.get("/api/focus/events").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn another_users_ids_are_not_found_and_change_nothing() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let task = app
        .call(CreateTask {
            title: "Write chapter 3".into(),
            estimate: "4".into(),
        })
        .await
        .unwrap();
    let tag = app
        .call(CreateTag {
            name: "Deep work".into(),
            colour: "#2f6b4f".into(),
        })
        .await
        .unwrap();
    app.call(SetCurrentTask {
        task_id: Some(task.id.to_string()),
    })
    .await
    .unwrap();
    app.call(cmd("start")).await.unwrap();
    let ended = app.call(cmd("stop")).await.unwrap().ended;
    assert_eq!(ended.len(), 1, "a stopped focus session is recorded");
    let session = ended[0].to_string();

    let bob = second_user(&app).await;
    let (t, g, s) = (task.id.to_string(), tag.id.to_string(), session.clone());
    let attempts: Vec<(StatusCode, &str)> = vec![
        (
            app.call_as(
                &bob,
                SetCurrentTask {
                    task_id: Some(t.clone()),
                },
                &[],
            )
            .await
            .0,
            "current",
        ),
        (
            app.call_as(
                &bob,
                UpdateTask {
                    id: t.clone(),
                    title: "pwned".into(),
                    estimate: "1".into(),
                },
                &[],
            )
            .await
            .0,
            "update",
        ),
        (
            app.call_as(
                &bob,
                CompleteTask {
                    id: t.clone(),
                    done: "true".into(),
                },
                &[],
            )
            .await
            .0,
            "complete",
        ),
        (
            app.call_as(
                &bob,
                MoveTask {
                    id: t.clone(),
                    direction: "up".into(),
                },
                &[],
            )
            .await
            .0,
            "move",
        ),
        (
            app.call_as(&bob, DeleteTask { id: t.clone() }, &[]).await.0,
            "delete task",
        ),
        (
            app.call_as(&bob, DeleteTag { id: g.clone() }, &[]).await.0,
            "delete tag",
        ),
        (
            app.call_as(
                &bob,
                AnnotateSession {
                    id: s.clone(),
                    note: Some("pwned".into()),
                    tag_ids: None,
                    task_id: None,
                },
                &[],
            )
            .await
            .0,
            "annotate",
        ),
        (
            app.call_as(
                &bob,
                DeleteTask {
                    id: "not-a-uuid".into(),
                },
                &[],
            )
            .await
            .0,
            "garbage id",
        ),
    ];
    for (status, what) in attempts {
        assert_eq!(status, StatusCode::NOT_FOUND, "{what}");
    }
    // Bob cannot attach Ada's tag or task to his own session either.
    app.call_as(&bob, cmd("start"), &[]).await;
    let (_, _, body) = app.call_as(&bob, cmd("stop"), &[]).await;
    let bobs: TimerSnapshot = serde_json::from_str(&body).unwrap();
    let (status, _, _) = app
        .call_as(
            &bob,
            AnnotateSession {
                id: bobs.ended[0].to_string(),
                note: None,
                tag_ids: Some(g.clone()),
                task_id: Some(t.clone()),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Bob sees none of Ada's things.
    let (_, _, body) = app.call_as(&bob, ListTasks {}, &[]).await;
    assert_eq!(body, "[]");
    let (_, _, body) = app.call_as(&bob, ListTags {}, &[]).await;
    assert_eq!(body, "[]");

    // Ada's things are untouched.
    let tasks = app.call(ListTasks {}).await.unwrap();
    assert_eq!(tasks[0].title, "Write chapter 3");
    assert!(tasks[0].completed_at.is_none());
    assert_eq!(app.call(ListTags {}).await.unwrap().len(), 1);
    let sessions = app.call(RecentSessions {}).await.unwrap();
    assert_eq!(sessions[0].note, None);
    assert_eq!(sessions[0].task_title.as_deref(), Some("Write chapter 3"));
}

#[tokio::test]
async fn bad_input_names_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let err = app.call(settings("0")).await.unwrap_err();
    assert!(err.field_message("focus_min").is_some(), "{err:?}");
    let mut s = settings("181");
    s.form.volume = "101".into();
    s.form.sound = "airhorn".into();
    let err = app.call(s).await.unwrap_err();
    for f in ["focus_min", "volume", "sound"] {
        assert!(err.field_message(f).is_some(), "{f}: {err:?}");
    }
    assert_eq!(app.call(GetTimer {}).await.unwrap().settings.focus_min, 25);

    for name in ["", "   ", &"x".repeat(33)] {
        let err = app
            .call(CreateTag {
                name: name.into(),
                colour: "#123456".into(),
            })
            .await
            .unwrap_err();
        assert!(err.field_message("name").is_some(), "{name:?}");
    }
    let err = app
        .call(CreateTag {
            name: "ok".into(),
            colour: "red".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("colour").is_some());
    app.call(CreateTag {
        name: "Reading".into(),
        colour: "#123456".into(),
    })
    .await
    .unwrap();
    let err = app
        .call(CreateTag {
            name: " reading ".into(),
            colour: "#123456".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("name").unwrap().contains("already"));
    assert_eq!(app.call(ListTags {}).await.unwrap().len(), 1);

    let err = app
        .call(CreateTask {
            title: " ".into(),
            estimate: "100".into(),
        })
        .await
        .unwrap_err();
    assert!(err.field_message("title").is_some() && err.field_message("estimate").is_some());
    assert!(app.call(ListTasks {}).await.unwrap().is_empty());

    let err = app.call(cmd("pause")).await.unwrap_err();
    assert!(matches!(err, AppError::Validation { .. }));
}

#[tokio::test]
async fn a_phase_that_ended_unwatched_is_recorded_at_its_planned_end_on_the_next_read() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let task = app
        .call(CreateTask {
            title: "Essay".into(),
            estimate: "2".into(),
        })
        .await
        .unwrap();
    app.call(SetCurrentTask {
        task_id: Some(task.id.to_string()),
    })
    .await
    .unwrap();
    let started = app.call(cmd("start")).await.unwrap();
    let Run::Running {
        started_at,
        planned_end,
        ..
    } = started.state.run
    else {
        panic!("running expected: {started:?}");
    };
    assert_eq!(planned_end - started_at, 25 * 60_000);
    // Pretend it was started 40 minutes ago and nobody looked since.
    let shift = 40 * 60_000;
    app.db
        .execute_unprepared(&format!(
            "UPDATE focus_timer SET started_at = started_at - {shift}, planned_end = planned_end - {shift}"
        ))
        .await
        .unwrap();
    let now = app.call(GetTimer {}).await.unwrap();
    assert_eq!(
        (now.state.phase, now.state.run),
        (Phase::ShortBreak, Run::Idle)
    );
    assert_eq!(now.ended.len(), 1);
    let sessions = app.call(RecentSessions {}).await.unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        sessions[0].ended_at,
        planned_end - shift,
        "ends at the planned end"
    );
    assert_eq!(sessions[0].focused_seconds, 25 * 60);
    assert!(sessions[0].completed);
    assert_eq!(sessions[0].task_id, Some(task.id));
    // Counted as an actual pomodoro of the task; reading again records nothing more.
    assert_eq!(app.call(ListTasks {}).await.unwrap()[0].actual, 1);
    assert!(app.call(GetTimer {}).await.unwrap().ended.is_empty());
    assert_eq!(app.call(RecentSessions {}).await.unwrap().len(), 1);

    // Annotate: note, tag, task.
    let tag = app
        .call(CreateTag {
            name: "Writing".into(),
            colour: "#c2410c".into(),
        })
        .await
        .unwrap();
    let s = app
        .call(AnnotateSession {
            id: sessions[0].id.to_string(),
            note: Some("Finished the outline".into()),
            tag_ids: Some(format!("{},{}", tag.id, tag.id)),
            task_id: None,
        })
        .await
        .unwrap();
    assert_eq!(s.note.as_deref(), Some("Finished the outline"));
    assert_eq!(s.tags.len(), 1);
    assert_eq!(s.tags[0].name, "Writing");
}

#[tokio::test]
async fn tasks_reorder_complete_and_delete() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    for t in ["one", "two", "three"] {
        app.call(CreateTask {
            title: t.into(),
            estimate: "1".into(),
        })
        .await
        .unwrap();
    }
    let tasks = app.call(ListTasks {}).await.unwrap();
    let three = tasks[2].id.to_string();
    let tasks = app
        .call(MoveTask {
            id: three.clone(),
            direction: "up".into(),
        })
        .await
        .unwrap();
    let titles: Vec<_> = tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(titles, ["one", "three", "two"]);
    app.call(CompleteTask {
        id: tasks[0].id.to_string(),
        done: "true".into(),
    })
    .await
    .unwrap();
    let tasks = app.call(ListTasks {}).await.unwrap();
    let titles: Vec<_> = tasks.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(
        titles,
        ["three", "two", "one"],
        "completed tasks follow, kept as history"
    );
    assert!(tasks[2].completed_at.is_some());
    app.call(UpdateTask {
        id: three.clone(),
        title: "Three!".into(),
        estimate: "3".into(),
    })
    .await
    .unwrap();
    app.call(DeleteTask { id: three }).await.unwrap();
    assert_eq!(app.call(ListTasks {}).await.unwrap().len(), 2);
}

/// Reads Server-Sent Events until one `timer` event satisfies `want`, or the deadline.
pub(crate) async fn next_timer_event(
    res: &mut reqwest::Response,
    buf: &mut String,
    deadline: Instant,
    want: impl Fn(&TimerSnapshot) -> bool,
) -> Option<TimerSnapshot> {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.contains("event: timer") {
                let data: String = block
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                    .collect();
                let snap: TimerSnapshot = serde_json::from_str(&data).unwrap();
                if want(&snap) {
                    return Some(snap);
                }
            }
        }
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, res.chunk()).await {
            Ok(Ok(Some(bytes))) => buf.push_str(&String::from_utf8_lossy(&bytes)),
            _ => return None,
        }
    }
}

#[tokio::test]
async fn a_second_device_sees_changes_within_a_second_and_other_users_see_nothing() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let device2 = app.new_client();
    app.call_as(
        &device2,
        app::account::Login {
            identifier: "ada".into(),
            password: PASSWORD.into(),
        },
        &[],
    )
    .await;
    let bob = second_user(&app).await;

    let mut ada_stream = device2
        .get(app.url("/api/focus/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(ada_stream.status(), StatusCode::OK);
    assert_eq!(
        ada_stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    let mut bob_stream = bob.get(app.url("/api/focus/events")).send().await.unwrap();
    let (mut abuf, mut bbuf) = (String::new(), String::new());
    // Both first get their current state (the resync on every (re)connect).
    let first = next_timer_event(
        &mut ada_stream,
        &mut abuf,
        Instant::now() + Duration::from_secs(5),
        |_| true,
    )
    .await
    .unwrap();
    assert_eq!(first.state.run, Run::Idle);
    let bob_first = next_timer_event(
        &mut bob_stream,
        &mut bbuf,
        Instant::now() + Duration::from_secs(5),
        |_| true,
    )
    .await
    .unwrap();

    for (command, is) in [
        (
            "start",
            (|r: &Run| matches!(r, Run::Running { .. })) as fn(&Run) -> bool,
        ),
        ("pause", |r| matches!(r, Run::Paused { .. })),
        ("resume", |r| matches!(r, Run::Running { .. })),
        ("skip", |r| matches!(r, Run::Idle)),
    ] {
        let sent = Instant::now();
        app.call(cmd(command)).await.unwrap();
        let got = next_timer_event(
            &mut ada_stream,
            &mut abuf,
            // Typically milliseconds (benches: `examples/focus_fanout.rs`); the bound is
            // only there so a lost event fails the test instead of hanging it.
            sent + Duration::from_secs(10),
            |s| is(&s.state.run),
        )
        .await;
        assert!(
            got.is_some(),
            "{command} not seen by the other device within 10 s"
        );
    }
    // Bob's stream carried nothing of Ada's.
    let leaked = next_timer_event(
        &mut bob_stream,
        &mut bbuf,
        Instant::now() + Duration::from_millis(300),
        |s| s.version != bob_first.version,
    )
    .await;
    assert!(leaked.is_none(), "another user's event leaked: {leaked:?}");
}

#[tokio::test]
async fn the_timer_page_renders_on_the_server_for_members_and_invites_visitors() {
    let app = TestApp::spawn().await;
    let (status, _, body) = app.get_text("/timer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("Log in to keep your focus sessions"),
        "{body}"
    );
    verified_user(&app, "ada", "ada@example.com").await;
    app.call(settings("50")).await.unwrap();
    let (_, _, body) = app.get_text("/timer").await;
    let body = crate::harness::without_markers(&body);
    assert!(
        body.contains(">50:00<"),
        "the countdown is in the HTML: {body}"
    );
}

/// A signed-in browser of `ada` (already signed up), and its open event stream with the
/// first event read.
async fn ada_streaming(app: &TestApp) -> (reqwest::Client, reqwest::Response) {
    let device = app.new_client();
    let (status, _, _) = app
        .call_as(
            &device,
            app::account::Login {
                identifier: "ada".into(),
                password: PASSWORD.into(),
            },
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut stream = device
        .get(app.url("/api/focus/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buf = String::new();
    next_timer_event(
        &mut stream,
        &mut buf,
        Instant::now() + Duration::from_secs(10),
        |_| true,
    )
    .await
    .expect("the stream starts with the timer's state");
    (device, stream)
}

/// How long after now the stream ends (its body is complete), or `None` if it is still
/// open after `within` (a hang guard: the stream is expected to end at once).
async fn ends_within(stream: &mut reqwest::Response, within: Duration) -> Option<Duration> {
    let started = Instant::now();
    let deadline = started + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.chunk()).await {
            Ok(Ok(Some(_))) => continue, // an event or a keep-alive
            Ok(Ok(None)) | Ok(Err(_)) => return Some(started.elapsed()),
            Err(_) => return None,
        }
    }
}

/// Issue 23, item 5: the stream belongs to its session.
#[tokio::test]
async fn an_event_stream_ends_when_its_session_logs_out() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (device, mut stream) = ada_streaming(&app).await;
    let (_, mut other_stream) = ada_streaming(&app).await;
    let (status, _, _) = app.call_as(&device, app::account::Logout {}, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let took = ends_within(&mut stream, Duration::from_secs(10))
        .await
        .expect("the logged-out session's stream ended");
    eprintln!(
        "event stream closed {:.1} ms after the logout answered",
        took.as_secs_f64() * 1000.0
    );
    // The same account's other session keeps its stream.
    assert!(
        ends_within(&mut other_stream, Duration::from_millis(300))
            .await
            .is_none(),
        "another session's stream stays open"
    );
}

#[tokio::test]
async fn event_streams_of_other_sessions_end_with_a_password_change_and_all_with_closing() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (_, mut other) = ada_streaming(&app).await;
    // This browser's own stream (app.client's session) stays through the change.
    let mut own = app
        .client
        .get(app.url("/api/focus/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    app.call(app::account::ChangePassword {
        current_password: PASSWORD.into(),
        password: "a brand new secret".into(),
    })
    .await
    .unwrap();
    assert!(
        ends_within(&mut other, Duration::from_secs(10))
            .await
            .is_some(),
        "the other session's stream ended with its session"
    );
    let mut buf = String::new();
    // Read past the first event, then the stream is idle but open.
    next_timer_event(
        &mut own,
        &mut buf,
        Instant::now() + Duration::from_secs(10),
        |_| true,
    )
    .await
    .unwrap();
    assert!(
        ends_within(&mut own, Duration::from_millis(300))
            .await
            .is_none(),
        "this session's stream stays"
    );
    app.call(app::privacy::CloseAccount {
        current_password: "a brand new secret".into(),
        confirm: "ada".into(),
    })
    .await
    .unwrap();
    assert!(
        ends_within(&mut own, Duration::from_secs(10))
            .await
            .is_some(),
        "closing the account ends its last stream"
    );
}

#[tokio::test]
async fn an_account_holds_only_so_many_event_streams() {
    let app = TestApp::spawn_with(crate::harness::TestOptions {
        config: serde_json::json!({ "accounts": { "streams_per_account": 2 } }),
        ..crate::harness::TestOptions::default()
    })
    .await;
    verified_user(&app, "ada", "ada@example.com").await;
    let _first = ada_streaming(&app).await;
    let _second = ada_streaming(&app).await;
    let third = app
        .client
        .get(app.url("/api/focus/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(third.headers().contains_key("retry-after"));
    // Another account is not affected.
    let bob = second_user(&app).await;
    let bobs = bob.get(app.url("/api/focus/events")).send().await.unwrap();
    assert_eq!(bobs.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_event_stream_ends_when_its_session_is_deleted_behind_the_servers_back() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let (_, mut stream) = ada_streaming(&app).await;
    // As another server process, the retention job or `DELETE FROM auth_session` would.
    app.db
        .execute_unprepared("DELETE FROM auth_session")
        .await
        .unwrap();
    // The streams' sessions are looked up every 30 s; the bound is a hang guard.
    let took = ends_within(&mut stream, Duration::from_secs(90))
        .await
        .expect("the stream of a deleted session ended");
    eprintln!(
        "event stream of a session deleted in the database closed after {:.1} s",
        took.as_secs_f64()
    );
}
