//! The short-focus migration rebuilds the day roll-ups from the sessions of a minute or more,
//! keeps every session row, and going down rebuilds them from all sessions again. (The
//! server's integration suite runs the same round trip on PostgreSQL:
//! `it::short_sessions::the_migration_recounts…`.)

use migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

const MINE: &str = "m20261204_000030_short_focus";

#[tokio::test]
async fn the_roll_ups_drop_sessions_under_a_minute_and_the_sessions_stay() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let before = Migrator::migrations()
        .iter()
        .filter(|m| m.name() < MINE)
        .count();
    Migrator::up(&db, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    let user = "X'00000000000000000000000000000001'";
    let tag = "X'000000000000000000000000000000A1'";
    let session = |n: u8, secs: i32, completed: bool| {
        format!(
            "(X'0000000000000000000000000000B0{n:02X}', {user}, {n}000, {n}999, {secs}, {completed}, \
             '2026-01-01T00:00:00Z', '2026-11-30')"
        )
    };
    for sql in [
        format!(
            "INSERT INTO user_account (id, username, username_canonical, email, email_canonical, \
             password_hash, age_confirmed_at, terms_version, terms_accepted_at, created_at, \
             updated_at) VALUES ({user}, 'Ann', 'ann', 'a@x.org', 'a@x.org', 'h', \
             '2026-01-01T00:00:00Z', '1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', \
             '2026-01-01T00:00:00Z')"
        ),
        format!(
            "INSERT INTO tag (id, user_id, name, name_canonical, colour, created_at) VALUES \
             ({tag}, {user}, 'Work', 'work', '#123456', '2026-01-01T00:00:00Z')"
        ),
        // 40 s stopped early, exactly a minute stopped early, 25 minutes completed; and a
        // day with only a 59-second session.
        format!(
            "INSERT INTO focus_session (id, user_id, started_at, ended_at, focused_seconds, \
             completed, created_at, day) VALUES {}, {}, {}, \
             (X'0000000000000000000000000000B004', {user}, 4000, 4999, 59, false, \
              '2026-01-01T00:00:00Z', '2026-11-29')",
            session(1, 40, false),
            session(2, 60, false),
            session(3, 1500, true)
        ),
        format!(
            "INSERT INTO focus_session_tag (session_id, tag_id) VALUES \
             (X'0000000000000000000000000000B001', {tag}), \
             (X'0000000000000000000000000000B003', {tag})"
        ),
        // The roll-ups as they were kept before: every session counted.
        format!(
            "INSERT INTO focus_day (user_id, day, focus_seconds, sessions, completed) VALUES \
             ({user}, '2026-11-30', 1600, 3, 1), ({user}, '2026-11-29', 59, 1, 0)"
        ),
        format!(
            "INSERT INTO focus_tag_day (user_id, day, tag_id, focus_seconds) VALUES \
             ({user}, '2026-11-30', {tag}, 1540)"
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }

    let rows = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await
                .unwrap()
        }
    };
    let days = || async {
        rows("SELECT day, focus_seconds, sessions, completed FROM focus_day ORDER BY day")
            .await
            .iter()
            .map(|r| {
                (
                    r.try_get::<String>("", "day").unwrap(),
                    r.try_get::<i64>("", "focus_seconds").unwrap(),
                    r.try_get::<i32>("", "sessions").unwrap(),
                    r.try_get::<i32>("", "completed").unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    let tag_seconds = || async {
        rows("SELECT focus_seconds FROM focus_tag_day")
            .await
            .iter()
            .map(|r| r.try_get::<i64>("", "focus_seconds").unwrap())
            .collect::<Vec<_>>()
    };
    let sessions = || async { rows("SELECT id FROM focus_session").await.len() };

    Migrator::up(&db, None).await.unwrap();
    assert_eq!(days().await, vec![("2026-11-30".to_owned(), 1560, 2, 1)]);
    assert_eq!(tag_seconds().await, vec![1500]);
    assert_eq!(sessions().await, 4, "no session is deleted");

    let after = Migrator::migrations()
        .iter()
        .filter(|m| m.name() >= MINE)
        .count();
    Migrator::down(&db, Some(u32::try_from(after).unwrap()))
        .await
        .unwrap();
    assert_eq!(
        days().await,
        vec![
            ("2026-11-29".to_owned(), 59, 1, 0),
            ("2026-11-30".to_owned(), 1600, 3, 1)
        ]
    );
    assert_eq!(tag_seconds().await, vec![1540]);
}
