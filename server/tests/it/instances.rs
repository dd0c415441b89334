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
    process::Ripen,
    wall::{Seed, ripen_admin, seed},
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
    assert_eq!(
        cut_listeners(&first).await,
        2,
        "one listening connection per instance"
    );
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

/// A letter hidden through one instance leaves another instance's visitor cache at once
/// (PostgreSQL): the second instance is a `ripen` process of its own, since two servers
/// in one test process would share the cache's counter and prove nothing.
#[tokio::test]
async fn a_letter_hidden_through_one_instance_is_gone_from_the_others_cached_wall() {
    let first = TestApp::spawn().await;
    if first.backend == Backend::Sqlite {
        // One instance by design: nothing listens, and telling others is a no-op.
        assert!(app::broadcast::spawn_listener(first.db.clone(), Vec::new()).is_none());
        app::broadcast::notify(&first.db, app::broadcast::Channel::Wall, "")
            .await
            .unwrap();
        return;
    }
    verified_user(&first, "ann", "ann@example.com").await;
    let ann = first.user_id("ann").await;
    let (_, id) = seed(
        &first,
        ann,
        Seed {
            title: "Plum blossom news",
            ..Seed::default()
        },
    )
    .await;
    let out = ripen_admin(&first, "ann");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let dir = tempfile::tempdir().unwrap();
    let data_dir = first.data_dir();
    let (mut second, url) = Ripen::start(
        dir.path(),
        &[
            ("RIPEN_LISTEN", "127.0.0.1:0"),
            ("RIPEN_DATABASE_URL", &first.database_url),
            ("RIPEN_DATA_DIR", data_dir.to_str().unwrap()),
        ],
    );
    assert!(
        second.wait_for_line(
            "listening for other instances' changes",
            Duration::from_secs(30)
        ),
        "the second instance listens"
    );

    // A visitor's wall on the second instance: rendered once, then served from its cache.
    let visitor = reqwest::Client::new();
    let wall = || async {
        let res = visitor.get(format!("{url}/wall")).send().await.unwrap();
        let etag = res.headers()[reqwest::header::ETAG].clone();
        (etag, res.text().await.unwrap())
    };
    let cached_at = Instant::now();
    let (etag, html) = wall().await;
    assert!(html.contains("Plum blossom news"));
    let (again, _) = wall().await;
    assert_eq!(etag, again, "the second view is the cached page");

    // Hidden through the first instance.
    let sent = Instant::now();
    first
        .call(app::wall::Moderate { id, hide: true })
        .await
        .unwrap();
    // The cache would forget the page by itself once its time to live has passed; the
    // letter must be gone before that.
    let gone = loop {
        let (_, html) = wall().await;
        if !html.contains("Plum blossom news") {
            break sent.elapsed();
        }
        assert!(
            cached_at.elapsed() < ripen_server::wall::TTL,
            "still on the second instance's wall when its cache would have expired anyway"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!("hidden letter gone from the other instance's wall after {gone:?}");
    let (exit, logs) = second.stop();
    assert!(exit.success(), "{exit} {logs:?}");
}

/// Ends every listening connection on the test's database (a database restart, a proxy
/// timeout); answers how many there were.
pub(crate) async fn cut_listeners(app: &TestApp) -> usize {
    app.db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND query LIKE 'LISTEN%'",
        ))
        .await
        .unwrap()
        .len()
}
