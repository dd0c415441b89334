//! Statistics benchmark (measures, does not assert):
//!
//!     cargo run --release -p server --example stats_bench            # SQLite (temp file)
//!     BENCH_DB=postgres cargo run --release -p server --example stats_bench
//!
//! For 1 to 5 years of history, generates one user's data the size the diary issue names
//! (≈ 27 focus sessions a day, so ≈ 50,000 over five years, each tagged; 3 daily habits
//! checked in on most days; a diary entry on most days; two completed tasks a day), fills the
//! daily roll-ups the way the migration does, then times the statistics page's server
//! function (`diary::ssr::stats`) and the diary day (`diary::ssr::day_view`): median and p99
//! of 200 runs each, after 20 warm-up runs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use app::{
    diary::{
        entities::{checkin, diary_entry, habit},
        ssr,
    },
    focus::entities::{focus_session, focus_session_tag, tag, task},
};
use chrono::{Duration as Days, Utc};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
};
use secrecy::SecretString;
use uuid::Uuid;

const RUNS: usize = 200;
const SESSIONS_PER_DAY: i64 = 27;

/// A small deterministic generator (no dependency, same data every run).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

async fn insert_chunks<E, A>(db: &DatabaseConnection, rows: Vec<A>)
where
    E: EntityTrait,
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(500).collect();
        E::insert_many(chunk).exec(db).await.unwrap();
    }
}

async fn user(db: &DatabaseConnection, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    let now = Utc::now().fixed_offset();
    let mut account = app::account::ssr::entities::user_account::ActiveModel::verified_fixture(
        id,
        name,
        "example.com",
        now,
    );
    account.timezone = Set("Europe/Berlin".into());
    account.day_boundary_min = Set(240);
    account.insert(db).await.unwrap();
    id
}

async fn generate(db: &DatabaseConnection, years: i64) -> (Uuid, usize) {
    let u = user(
        db,
        &format!("b{years}{}", &Uuid::new_v4().simple().to_string()[..12]),
    )
    .await;
    let mut rng = Lcg(years as u64 * 7919);
    let now = Utc::now();
    let today = now.date_naive();
    let first = today - Days::days(365 * years);
    let created = now.fixed_offset();

    let tags: Vec<Uuid> = (0..4).map(|_| Uuid::new_v4()).collect();
    insert_chunks(
        db,
        tags.iter()
            .enumerate()
            .map(|(i, id)| tag::ActiveModel {
                id: Set(*id),
                user_id: Set(u),
                name: Set(format!("Tag {i}")),
                name_canonical: Set(format!("tag {i}")),
                colour: Set("#2f6b4f".into()),
                created_at: Set(created),
            })
            .collect(),
    )
    .await;
    let habits: Vec<Uuid> = (0..3).map(|_| Uuid::new_v4()).collect();
    insert_chunks(
        db,
        habits
            .iter()
            .enumerate()
            .map(|(i, id)| habit::ActiveModel {
                id: Set(*id),
                user_id: Set(u),
                name: Set(format!("Habit {i}")),
                colour: Set("#336699".into()),
                schedule_kind: Set("daily".into()),
                schedule_value: Set(0),
                position: Set(i as i32),
                start_day: Set(first),
                archived_at: Set(None),
                created_at: Set(created),
            })
            .collect(),
    )
    .await;

    let (mut sessions, mut links, mut checkins, mut entries, mut tasks) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut day = first;
    while day <= today {
        let start = day
            .and_hms_opt(6, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        for i in 0..SESSIONS_PER_DAY {
            let id = Uuid::new_v4();
            let started = start + i * 30 * 60_000;
            sessions.push(focus_session::ActiveModel {
                id: Set(id),
                user_id: Set(u),
                task_id: Set(None),
                started_at: Set(started),
                ended_at: Set(started + 25 * 60_000),
                focused_seconds: Set(1500),
                completed: Set(rng.chance(90)),
                note: Set(rng.chance(10).then(|| "Good flow".to_owned())),
                created_at: Set(created),
                day: Set(day),
            });
            links.push(focus_session_tag::ActiveModel {
                session_id: Set(id),
                tag_id: Set(tags[(rng.next() % 4) as usize]),
            });
        }
        for h in &habits {
            if rng.chance(80) {
                checkins.push(checkin::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    user_id: Set(u),
                    habit_id: Set(*h),
                    day: Set(day),
                    note: Set(None),
                    created_at: Set(created),
                    updated_at: Set(created),
                });
            }
        }
        if rng.chance(85) {
            entries.push(diary_entry::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(u),
                day: Set(day),
                body: Set("Worked on the essay, walked by the river, read before bed. ".repeat(5)),
                mood: Set(Some((rng.next() % 5 + 1) as i32)),
                created_at: Set(created),
                updated_at: Set(created),
            });
        }
        for _ in 0..2 {
            let at = chrono::DateTime::from_timestamp_millis(start + 3_600_000)
                .unwrap()
                .fixed_offset();
            tasks.push(task::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(u),
                title: Set("A task".into()),
                estimate: Set(2),
                position: Set(0),
                completed_at: Set(Some(at)),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        day = day.succ_opt().unwrap();
    }
    let n = sessions.len();
    insert_chunks(db, sessions).await;
    insert_chunks(db, links).await;
    insert_chunks(db, checkins).await;
    insert_chunks(db, entries).await;
    insert_chunks(db, tasks).await;
    // The roll-ups, as the migration builds them (the server keeps them current after that).
    db.execute_unprepared(&format!(
        "INSERT INTO focus_day (user_id, day, focus_seconds, sessions, completed) \
         SELECT user_id, day, SUM(focused_seconds), COUNT(*), SUM(CASE WHEN completed THEN 1 ELSE 0 END) \
         FROM focus_session WHERE user_id = '{u}' GROUP BY user_id, day"
    ))
    .await
    .unwrap();
    db.execute_unprepared(&format!(
        "INSERT INTO focus_tag_day (user_id, day, tag_id, focus_seconds) \
         SELECT s.user_id, s.day, t.tag_id, SUM(s.focused_seconds) \
         FROM focus_session s JOIN focus_session_tag t ON t.session_id = s.id \
         WHERE s.user_id = '{u}' GROUP BY s.user_id, s.day, t.tag_id"
    ))
    .await
    .unwrap();
    (u, n)
}

async fn time<F, Fut, T>(mut f: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    for _ in 0..20 {
        f().await;
    }
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        f().await;
        samples.push(t.elapsed());
    }
    samples.sort();
    (pct(&samples, 0.5), pct(&samples, 0.99))
}

#[tokio::main]
async fn main() {
    let backend = std::env::var("BENCH_DB").unwrap_or_else(|_| "sqlite".into());
    let dir = tempfile::tempdir().unwrap();
    let (url, pg_name) = if backend == "postgres" {
        let admin = std::env::var("TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("ripen_bench_{}", Uuid::new_v4().simple());
        let a = Database::connect(&admin).await.unwrap();
        a.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        (
            admin.rsplit_once('/').unwrap().0.to_owned() + "/" + &name,
            Some((a, name)),
        )
    } else {
        (
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("bench.db").display()
            ),
            None,
        )
    };
    let db = Database::connect(ripen_server::db::connect_options(
        &SecretString::from(url),
        4,
    ))
    .await
    .unwrap();
    Migrator::up(&db, None).await.unwrap();

    println!("backend: {backend}; {RUNS} runs each after 20 warm-up runs; times in ms\n");
    println!("| years | focus sessions | stats median | stats p99 | day median | day p99 |");
    println!("|---|---|---|---|---|---|");
    for years in 1..=5 {
        let t = Instant::now();
        let (u, n) = generate(&db, years).await;
        let generated = t.elapsed();
        let (s50, s99) = time(|| ssr::stats(&db, u)).await;
        let (d50, d99) = time(|| ssr::day_view(&db, u, None)).await;
        println!(
            "| {years} | {n} | {s50:.2} | {s99:.2} | {d50:.2} | {d99:.2} |   (generated in {:.1} s)",
            generated.as_secs_f64()
        );
    }
    drop(db);
    if let Some((admin, name)) = pg_name {
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
            .await;
    }
}
