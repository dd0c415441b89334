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
