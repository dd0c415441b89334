//! Backup and restore timing (measures, does not assert):
//!
//!     cargo run -p server --example backup_bench                    # SQLite (temp file)
//!     BENCH_DB=postgres cargo run -p server --example backup_bench  # TEST_PG_URL or local
//!
//! Fills a database with 50 accounts and 5,000 tasks and the uploads directory with 40
//! stored files of 256 KiB (10 MiB, random like sealed pictures), then times
//! `ripen_server::backup::backup` and `ripen_server::backup::restore` (into a new empty
//! place) three times each and prints every run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use app::focus::entities::task;
use chrono::Utc;
use migrations::{Migrator, MigratorTrait};
use ripen_server::config::Config;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, Database, EntityTrait};
use uuid::Uuid;

const USERS: usize = 50;
const TASKS_PER_USER: usize = 100;
const FILES: usize = 40;
const FILE_BYTES: usize = 256 * 1024;

fn pg_admin() -> String {
    std::env::var("TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A new empty place: a data directory and a database URL (a new PostgreSQL database
/// when `BENCH_DB=postgres`, whose name is added to `made`).
async fn place(root: &std::path::Path, name: &str, made: &mut Vec<String>) -> Config {
    let data_dir = root.join(name);
    std::fs::create_dir_all(&data_dir).unwrap();
    let url = if std::env::var("BENCH_DB").is_ok_and(|v| v.starts_with("postgres")) {
        let db = format!("ripen_bench_{}", Uuid::new_v4().simple());
        let admin = Database::connect(pg_admin()).await.unwrap();
        admin
            .execute_unprepared(&format!(r#"CREATE DATABASE "{db}""#))
            .await
            .unwrap();
        admin.close().await.ok();
        made.push(db.clone());
        let base = pg_admin();
        format!("{}/{db}", base.rsplit_once('/').unwrap().0)
    } else {
        format!("sqlite://{}?mode=rwc", data_dir.join("ripen.db").display())
    };
    Config::defaults_with(serde_json::json!({ "data_dir": data_dir, "database_url": url })).unwrap()
}

#[tokio::main]
async fn main() {
    ripen_server::files::restrict_umask();
    let root = tempfile::tempdir().unwrap();
    let mut databases = Vec::new();
    let source = place(root.path(), "source", &mut databases).await;
    let db = ripen_server::db::connect_and_migrate(&source)
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let now = Utc::now().fixed_offset();
    for u in 0..USERS {
        let id = Uuid::new_v4();
        app::account::ssr::entities::user_account::ActiveModel::verified_fixture(
            id,
            &format!("user{u}"),
            "example.com",
            now,
        )
        .insert(&db)
        .await
        .unwrap();
        let tasks: Vec<_> = (0..TASKS_PER_USER)
            .map(|n| task::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(id),
                title: Set(format!("Task number {n} of a busy person")),
                estimate: Set(2),
                position: Set(i32::try_from(n).unwrap()),
                completed_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .collect();
        task::Entity::insert_many(tasks).exec(&db).await.unwrap();
    }
    db.close().await.ok();
    let uploads = source.uploads_dir();
    std::fs::create_dir_all(&uploads).unwrap();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..FILES {
        let bytes: Vec<u8> = (0..FILE_BYTES)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        std::fs::write(uploads.join(format!("{}.png", Uuid::new_v4())), bytes).unwrap();
    }

    for run in 1..=3 {
        let started = Instant::now();
        let made = ripen_server::backup::backup(&source, None, |_| {})
            .await
            .unwrap();
        let backup = started.elapsed();
        let target = place(root.path(), &format!("restored{run}"), &mut databases).await;
        let started = Instant::now();
        let done = ripen_server::backup::restore(&target, &made.path, |_| {})
            .await
            .unwrap();
        let restore = started.elapsed();
        println!(
            "run {run}: backup {:.0} ms ({} files, {:.1} MiB), restore + verify {:.0} ms \
             ({} tables, {} rows)",
            backup.as_secs_f64() * 1000.0,
            made.files,
            made.bytes as f64 / 1024.0 / 1024.0,
            restore.as_secs_f64() * 1000.0,
            done.tables,
            done.rows
        );
    }
    if !databases.is_empty() {
        let admin = Database::connect(pg_admin()).await.unwrap();
        for db in databases {
            admin
                .execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{db}" WITH (FORCE)"#))
                .await
                .ok();
        }
    }
}
