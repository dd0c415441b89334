//! Attempt limits kept in the database (issue 24, item 3): one window per key for every
//! instance on the database, counted atomically, kept across restarts, swept when ended.

use std::sync::Arc;

use app::{
    AppError,
    account::ssr::limiter::{self, Key, Limit, RateLimiter, Scope},
};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::{
    accounts::{PASSWORD, login, verified_user},
    harness::{Backend, TestApp, TestOptions},
};

async fn windows(app: &TestApp) -> i64 {
    let row = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM attempt_window",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn a_window_counts_refunds_clears_and_is_the_same_for_every_instance() {
    let app = TestApp::spawn().await;
    let one = RateLimiter::new(app.db.clone());
    // Another instance (or this one after a restart): its own limiter, the same database.
    let other = RateLimiter::new(app.db.clone());
    let limit = Limit::new(3, 60);
    let ip = Key::client(Some("203.0.113.9".parse().unwrap()));

    one.take(Scope::Signup, &ip, limit).await.unwrap();
    other.take(Scope::Signup, &ip, limit).await.unwrap();
    one.take(Scope::Signup, &ip, limit).await.unwrap();
    match other.take(Scope::Signup, &ip, limit).await {
        Err(AppError::RateLimited { retry_after_secs }) => {
            assert!((1..=60).contains(&retry_after_secs), "{retry_after_secs}");
        }
        other => panic!("the fourth attempt is refused, got {other:?}"),
    }
    assert!(one.check(Scope::Signup, &ip, limit).await.is_err());
    // Other keys and scopes count on their own.
    let elsewhere = Key::client(Some("203.0.113.10".parse().unwrap()));
    one.take(Scope::Signup, &elsewhere, limit).await.unwrap();
    one.take(Scope::ResetClient, &ip, limit).await.unwrap();

    // A reservation given back makes room for exactly one more.
    let ada = Key::name("ada");
    let two = Limit::new(2, 60);
    let first = one.reserve(Scope::LoginAccount, &ada, two).await.unwrap();
    let _second = other.reserve(Scope::LoginAccount, &ada, two).await.unwrap();
    assert!(one.reserve(Scope::LoginAccount, &ada, two).await.is_err());
    first.refund().await;
    let _third = other.reserve(Scope::LoginAccount, &ada, two).await.unwrap();
    assert!(one.check(Scope::LoginAccount, &ada, two).await.is_err());
    // Clearing forgets the key on every instance.
    other.clear(Scope::LoginAccount, &ada).await.unwrap();
    assert!(one.check(Scope::LoginAccount, &ada, two).await.is_ok());

    // Nothing typed or sent is stored: only scope names and digests.
    let buckets = app
        .db
        .query_all_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT bucket FROM attempt_window",
        ))
        .await
        .unwrap();
    for row in buckets {
        let b: String = row.try_get("", "bucket").unwrap();
        assert!(!b.contains("203.0.113") && !b.contains("ada"), "{b}");
    }
}

#[tokio::test]
async fn an_ended_window_starts_again_and_ended_windows_are_swept() {
    let app = TestApp::spawn().await;
    let l = RateLimiter::new(app.db.clone());
    let second = Limit::new(1, 1);
    let hour = Limit::new(1, 3600);
    l.take(Scope::Like, &Key::name("short"), second)
        .await
        .unwrap();
    l.take(Scope::Publish, &Key::name("long"), hour)
        .await
        .unwrap();
    assert!(
        l.take(Scope::Like, &Key::name("short"), second)
            .await
            .is_err()
    );
    // However late this runs, the one-second window has ended after this sleep.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    l.take(Scope::Like, &Key::name("short"), second)
        .await
        .expect("a new window");
    assert!(
        l.take(Scope::Like, &Key::name("short"), second)
            .await
            .is_err()
    );

    assert_eq!(windows(&app).await, 2);
    // A minute on, the one-second window has ended and is swept; the hour-long one stays.
    let later = app::clock::now_ms() + 60_000;
    assert_eq!(limiter::sweep(&app.db, later).await.unwrap(), 1);
    assert_eq!(windows(&app).await, 1);
    assert!(
        l.check(Scope::Publish, &Key::name("long"), hour)
            .await
            .is_err()
    );
    // The retention job sweeps them too.
    let store = app::letters::storage::LocalDir::new(app.data_dir().join("uploads")).unwrap();
    let report = app::privacy::ssr::purge(
        &app.db,
        &store,
        None,
        chrono::Duration::days(30),
        chrono::Utc::now() + chrono::Duration::hours(2),
    )
    .await
    .unwrap();
    assert_eq!(report.attempt_windows_deleted, 1);
    assert_eq!(windows(&app).await, 0);
}

#[tokio::test]
async fn attempts_sent_at_once_pass_exactly_up_to_the_limit() {
    let app = TestApp::spawn().await;
    let limiter = Arc::new(RateLimiter::new(app.db.clone()));
    let limit = Limit::new(50, 3600);
    let key = Key::name("burst");
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                limiter
                    .take(Scope::LoginAccount, &key, limit)
                    .await
                    .map_err(|e| matches!(e, AppError::RateLimited { .. }))
            })
        })
        .collect();
    let (mut passed, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(()) => passed += 1,
            Err(true) => refused += 1,
            Err(false) => panic!("an attempt failed for another reason than the limit"),
        }
    }
    assert_eq!((passed, refused), (50, 150), "{:?}", app.backend);
}

/// The acceptance test: failed logins spread over two instances count against one limit
/// (PostgreSQL; on SQLite, one instance), and restarting every instance forgets nothing.
#[tokio::test]
async fn failed_logins_over_two_instances_count_once_and_survive_restarting_both() {
    let mut first = TestApp::spawn().await;
    verified_user(&first, "ada", "ada@example.com").await;
    let mut second = if first.backend == Backend::Postgres {
        Some(
            TestApp::spawn_with(TestOptions {
                config: json!({
                    "database_url": first.database_url,
                    "data_dir": first.data_dir(),
                }),
                ..TestOptions::default()
            })
            .await,
        )
    } else {
        None
    };
    let limit = app::account::ssr::limiter::AuthLimits::default().login_failures_per_account;
    assert_eq!(limit.max, 10);
    for i in 0..10 {
        let app = match (&second, i % 2) {
            (Some(second), 1) => second,
            _ => &first,
        };
        let (status, _, _) = app.call_raw(login("ada", "wrong")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {}", i + 1);
    }
    let (status, _, _) = first.call_raw(login("ada", PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the 11th, on the first"
    );
    if let Some(second) = &second {
        let (status, _, _) = second.call_raw(login("ada", PASSWORD)).await;
        assert_eq!(
            status,
            StatusCode::TOO_MANY_REQUESTS,
            "the 11th, on the second"
        );
    }

    first.restart().await;
    if let Some(second) = second.as_mut() {
        second.restart().await;
    }
    let (status, _, _) = first.call_raw(login("ada", PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "still limited after a restart"
    );
    if let Some(second) = &second {
        let (status, _, _) = second.call_raw(login("ada", PASSWORD)).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    }
}
