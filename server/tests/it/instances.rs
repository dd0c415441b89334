//! Several instances on one database. On PostgreSQL they share it and reach each other's
//! users: a timer changed through one instance reaches a device whose stream is on
//! another, also after the listening connection was cut. SQLite has one writer and keeps
//! per-process state, so a second instance on the same file is refused.

use std::time::{Duration, Instant};

use app::focus::engine::Run;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    accounts::verified_user,
    focus::{cmd, next_timer_event},
    harness::{Backend, TestApp, TestOptions},
};

#[tokio::test]
async fn a_second_instance_shares_postgresql_and_its_streams_see_the_first_ones_changes() {
    let first = TestApp::spawn().await;
    let second = TestOptions {
        config: json!({
            "database_url": first.database_url,
            // The same key file: the instances seal and open each other's data.
            "data_dir": first.data_dir(),
        }),
        ..TestOptions::default()
    };
    if first.backend == Backend::Sqlite {
        let refused = TestApp::try_spawn_with(second).await;
        let why = refused
            .err()
            .expect("a second instance on the SQLite file is refused");
        assert!(why.contains("another ripen is already serving"), "{why}");
        return;
    }
    let second = TestApp::spawn_with(second).await;
    verified_user(&first, "ada", "ada@example.com").await;

    // Ada's phone streams from the second instance (the session lives in the database).
    let mut stream = first
        .client
        .get(second.url("/api/focus/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), reqwest::StatusCode::OK);
    let mut buf = String::new();
    let now = next_timer_event(
        &mut stream,
        &mut buf,
        Instant::now() + Duration::from_secs(10),
        |_| true,
    )
    .await
    .expect("the current state first");
    assert_eq!(now.state.run, Run::Idle);

    // Her laptop starts a session through the first.
    let sent = Instant::now();
    first.call(cmd("start")).await.unwrap();
    let seen = next_timer_event(&mut stream, &mut buf, sent + Duration::from_secs(10), |s| {
        matches!(s.state.run, Run::Running { .. })
    })
    .await;
    assert!(seen.is_some(), "the second instance's stream saw the start");
    eprintln!("timer change across instances: {:?}", sent.elapsed());

    // The listening connections are cut (a database restart, a proxy timeout); a change
    // made meanwhile still reaches the stream, once the listener is back.
    let cut = first
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            first.db.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .unwrap();
    assert_eq!(cut.len(), 2, "one listening connection per instance");
    let sent = Instant::now();
    first.call(cmd("pause")).await.unwrap();
    let seen = next_timer_event(&mut stream, &mut buf, sent + Duration::from_secs(20), |s| {
        matches!(s.state.run, Run::Paused { .. })
    })
    .await;
    assert!(
        seen.is_some(),
        "the stream resynced after the listener came back"
    );
    eprintln!("timer change across a lost listener: {:?}", sent.elapsed());
}
