//! What the benchmarks share: their settings from the environment, and a fresh database
//! per run.

use std::path::Path;

use migrations::MigratorTrait;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use uuid::Uuid;

/// A `BENCH_*` setting, or its default.
pub fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The engines to measure (`BENCH_ENGINES`, default both), each with its PostgreSQL admin
/// URL (`BENCH_PG_URL`) where it has one: `("SQLite", None)`, `("PostgreSQL", Some(url))`.
pub fn engines() -> Vec<(&'static str, Option<String>)> {
    let list = std::env::var("BENCH_ENGINES").unwrap_or_else(|_| "sqlite,postgres".into());
    list.split(',')
        .map(|engine| match engine {
            "sqlite" => ("SQLite", None),
            "postgres" => (
                "PostgreSQL",
                Some(
                    std::env::var("BENCH_PG_URL")
                        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
                ),
            ),
            other => panic!("unknown engine {other}"),
        })
        .collect()
}

/// A fresh, migrated database: a SQLite file in `dir`, or a new PostgreSQL database.
pub async fn fresh_db(dir: &Path, pg_admin: Option<&str>) -> (String, DatabaseConnection) {
    let url = match pg_admin {
        None => format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        Some(admin_url) => {
            let name = format!("ripen_bench_{}", Uuid::new_v4().simple());
            let admin = Database::connect(admin_url).await.unwrap();
            admin
                .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
                .await
                .unwrap();
            admin.close().await.ok();
            let base = admin_url.rsplit_once('/').map_or(admin_url, |(b, _)| b);
            format!("{base}/{name}")
        }
    };
    let db = Database::connect(&url).await.unwrap();
    migrations::Migrator::up(&db, None).await.unwrap();
    (url, db)
}

/// Drops a PostgreSQL database made by [`fresh_db`] (nothing for SQLite: its file goes
/// with the temporary directory).
pub async fn drop_db(pg_admin: Option<&str>, url: &str) {
    let (Some(admin_url), Some((_, name))) = (pg_admin, url.rsplit_once('/')) else {
        return;
    };
    if let Ok(admin) = Database::connect(admin_url).await {
        let _ = admin
            .execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
            .await;
    }
}
