//! Database connection and start-up migrations.

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use secrecy::{ExposeSecret, SecretString};

use crate::config::Config;

/// Options shared by every connection Ripen opens.
pub fn connect_options(url: &SecretString, max_connections: u32) -> ConnectOptions {
    let mut opt = ConnectOptions::new(url.expose_secret().to_owned());
    opt.max_connections(max_connections)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(5))
        });
    opt
}

/// The letter scheduler's own connections. On PostgreSQL they commit without waiting for
/// the WAL flush (`synchronous_commit = off`): a scheduler write is a claim or an outcome,
/// and if PostgreSQL itself crashes, the last few hundred milliseconds of them may be lost —
/// which means those messages are sent again, with the same Message-ID, never that one is
/// lost. It is the trade SQLite (WAL, `synchronous = NORMAL`) makes for every write, and it
/// takes an fsync off the path of each delivered letter. Web requests keep the pool with
/// full durability. SQLite shares the one pool (one writer anyway).
pub async fn scheduler_pool(
    config: &Config,
    shared: &DatabaseConnection,
    workers: usize,
) -> anyhow::Result<DatabaseConnection> {
    if shared.get_database_backend() != sea_orm::DbBackend::Postgres {
        return Ok(shared.clone());
    }
    let max = u32::try_from(workers + 2).unwrap_or(u32::MAX);
    let mut opt = connect_options(&config.database_url(), max);
    opt.map_sqlx_postgres_opts(|o| o.options([("synchronous_commit", "off")]));
    Database::connect(opt)
        .await
        .map_err(|e| anyhow::anyhow!("cannot connect the letter scheduler to the database: {e}"))
}

/// The file of a SQLite database URL (`sqlite://data/ripen.db?mode=rwc`), if it names one
/// (not `sqlite::memory:`).
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && !path.starts_with(":memory:")).then(|| path.into())
}

/// Held by the one process that serves a SQLite database: SQLite has one writer, and
/// Ripen keeps per-process state (attempt limits, live streams, the wall cache) that a
/// second process on the same file would not share. Released when the process ends,
/// however it ends (an OS file lock).
pub struct SqliteClaim {
    _lock: Option<std::fs::File>,
}

/// Claims the SQLite file `config` names for this process (nothing for PostgreSQL), or
/// says which other process has it.
pub fn claim_sqlite(config: &Config) -> anyhow::Result<SqliteClaim> {
    let url = config.database_url();
    let Some(file) = sqlite_file(url.expose_secret()) else {
        return Ok(SqliteClaim { _lock: None });
    };
    let lock = std::path::PathBuf::from(format!("{}.lock", file.display()));
    let handle = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(|e| anyhow::anyhow!("cannot open {}: {e}", lock.display()))?;
    match handle.try_lock() {
        Ok(()) => Ok(SqliteClaim {
            _lock: Some(handle),
        }),
        Err(std::fs::TryLockError::WouldBlock) => Err(anyhow::anyhow!(
            "another ripen is already serving {} (SQLite has one writer: to run several \
             instances, use PostgreSQL)",
            file.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(anyhow::anyhow!("cannot lock {}: {e}", lock.display()))
        }
    }
}

/// Connects (creating the SQLite file and its directory on first run) and applies every
/// pending migration.
pub async fn connect_and_migrate(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if config.database_url.is_none() {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                config.data_dir.display()
            )
        })?;
    }
    let db = Database::connect(connect_options(
        &config.database_url(),
        config.database_max_connections,
    ))
    .await
    .map_err(|e| anyhow::anyhow!("cannot connect to the database: {e}"))?;
    Migrator::up(&db, None)
        .await
        .map_err(|e| anyhow::anyhow!("database migration failed: {e}"))?;
    app::system::ssr::record_first_start(&db)
        .await
        .map_err(|e| anyhow::anyhow!("cannot record the first start: {e}"))?;
    Ok(db)
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;

    #[test]
    fn the_sqlite_file_of_a_url() {
        assert_eq!(
            sqlite_file("sqlite://data/ripen.db?mode=rwc"),
            Some("data/ripen.db".into())
        );
        assert_eq!(sqlite_file("sqlite:///tmp/x.db"), Some("/tmp/x.db".into()));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://postgres@127.0.0.1/ripen"), None);
    }
}
