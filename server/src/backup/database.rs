//! The database half of a backup: a consistent copy taken while Ripen runs, the row
//! counts of that very copy, loading a copy into an empty database, and counting what was
//! loaded.
//!
//! - SQLite: `VACUUM INTO` writes a transactionally consistent copy of the live file
//!   (readers never block the server's writer in WAL mode); rows are counted in the copy.
//! - PostgreSQL: a read-only repeatable-read transaction exports its snapshot, counts the
//!   rows in it, and `pg_dump --format=custom --snapshot=…` dumps exactly that snapshot
//!   while the transaction stays open. Loading is `pg_restore --single-transaction`, so a
//!   failed restore leaves the database as empty as it was. The client tools must be on
//!   `PATH` (`pg_dump`/`pg_restore` of the server's major version or newer). The password
//!   reaches them in `PGPASSWORD`, never on a command line.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use anyhow::{Context, anyhow, bail};
use sea_orm::{
    AccessMode, ConnectionTrait, Database, DatabaseConnection, DbBackend, IsolationLevel,
    SqlxSqliteConnector, Statement, TransactionTrait,
    sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions},
};
use secrecy::{ExposeSecret, SecretString};

use super::{copy, manifest::Engine};
use crate::config::Config;

/// The configured database: where a backup is read from and a restore goes to.
pub enum Place {
    Sqlite(PathBuf),
    Postgres(SecretString),
}

/// What a database holds: its latest migration and its rows per table.
pub struct Contents {
    pub schema_version: String,
    pub tables: BTreeMap<String, u64>,
}

impl Place {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let url = config.database_url();
        let text = url.expose_secret();
        if let Some(rest) = text
            .strip_prefix("sqlite://")
            .or_else(|| text.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            if path.is_empty() || path.contains(":memory:") {
                bail!("database_url names no database file: an in-memory database has no backups");
            }
            return Ok(Self::Sqlite(PathBuf::from(path)));
        }
        Ok(Self::Postgres(url))
    }

    pub fn engine(&self) -> Engine {
        match self {
            Self::Sqlite(_) => Engine::Sqlite,
            Self::Postgres(_) => Engine::Postgres,
        }
    }

    /// The file name of this engine's copy in a backup.
    pub fn file_name(&self) -> &'static str {
        match self {
            Self::Sqlite(_) => "database.sqlite",
            Self::Postgres(_) => "database.pgdump",
        }
    }

    /// For messages: the file, or the database's name (never its credentials).
    pub fn describe(&self) -> String {
        match self {
            Self::Sqlite(path) => path.display().to_string(),
            Self::Postgres(url) => libpq(url).map_or_else(
                |_| "the configured PostgreSQL database".to_owned(),
                |(url, _)| {
                    let name = url.rsplit('/').next().unwrap_or_default();
                    let name = name.split('?').next().unwrap_or_default();
                    format!("the PostgreSQL database {name:?}")
                },
            ),
        }
    }
}

/// Copies the database into `to` (a new file) and answers what the copy holds.
pub async fn dump(place: &Place, to: &Path) -> anyhow::Result<Contents> {
    match place {
        Place::Sqlite(path) => {
            if !path.exists() {
                bail!("there is no database at {} to back up", path.display());
            }
            let target = to
                .to_str()
                .ok_or_else(|| anyhow!("the backup path {} is not UTF-8", to.display()))?;
            let db = sqlite(path, false).await?;
            let copied = db
                .execute_unprepared(&format!("VACUUM INTO '{}'", target.replace('\'', "''")))
                .await
                .map_err(|e| anyhow!("copying the database {} failed: {e}", path.display()));
            db.close().await.ok();
            copied?;
            let db = sqlite(to, true).await?;
            let contents = contents_of(&db).await;
            db.close().await.ok();
            contents
        }
        Place::Postgres(url) => {
            let db = postgres(url).await?;
            let txn = db
                .begin_with_config(
                    Some(IsolationLevel::RepeatableRead),
                    Some(AccessMode::ReadOnly),
                )
                .await
                .context("cannot start the snapshot transaction")?;
            let snapshot: String = txn
                .query_one_raw(Statement::from_string(
                    DbBackend::Postgres,
                    "SELECT pg_export_snapshot() AS id",
                ))
                .await?
                .ok_or_else(|| anyhow!("PostgreSQL exported no snapshot"))?
                .try_get("", "id")?;
            let contents = contents_of(&txn).await?;
            let (conn, password) = libpq(url)?;
            let file = to.to_path_buf();
            // The transaction stays open (holding the snapshot) until pg_dump is done.
            tokio::task::spawn_blocking(move || {
                let mut cmd = Command::new("pg_dump");
                cmd.arg("--format=custom")
                    .arg(format!("--snapshot={snapshot}"))
                    .arg("--file")
                    .arg(&file)
                    .arg("--dbname")
                    .arg(conn);
                run("pg_dump", cmd, password)
            })
            .await
            .context("pg_dump did not finish")??;
            txn.commit().await.ok();
            db.close().await.ok();
            Ok(contents)
        }
    }
}

/// Refuses (with the reason) unless the configured database is empty: no SQLite file (or
/// one without tables), or a PostgreSQL database without tables.
pub async fn ensure_empty(place: &Place) -> anyhow::Result<()> {
    let tables = match place {
        Place::Sqlite(path) => {
            let Ok(meta) = std::fs::metadata(path) else {
                return Ok(());
            };
            if meta.len() == 0 {
                return Ok(());
            }
            let db = sqlite(path, true).await?;
            let tables = table_names(&db).await;
            db.close().await.ok();
            tables?
        }
        Place::Postgres(url) => {
            let db = postgres(url).await?;
            let tables = table_names(&db).await;
            db.close().await.ok();
            tables?
        }
    };
    if !tables.is_empty() {
        bail!(
            "{} already holds {} tables: ripen restore writes only into an empty database \
             and overwrites nothing. Point database_url at a new database (or move this one \
             away) and run it again",
            place.describe(),
            tables.len()
        );
    }
    Ok(())
}

/// Loads the copy `file` into the (empty) configured database.
pub async fn load(place: &Place, file: &Path) -> anyhow::Result<()> {
    match place {
        Place::Sqlite(path) => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::files::private_dir(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            let mut partial = path.as_os_str().to_owned();
            partial.push(".restoring");
            let partial = PathBuf::from(partial);
            let _ = std::fs::remove_file(&partial);
            copy::copy_hashed(file, &partial)
                .with_context(|| format!("cannot write {}", partial.display()))?;
            // Left by an empty database, they would be read as part of the new one.
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let _ = std::fs::remove_file(PathBuf::from(side));
            }
            std::fs::rename(&partial, path)
                .with_context(|| format!("cannot move the database into {}", path.display()))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                copy::sync_dir(dir).ok();
            }
            Ok(())
        }
        Place::Postgres(url) => {
            let (conn, password) = libpq(url)?;
            let file = file.to_path_buf();
            tokio::task::spawn_blocking(move || {
                let mut cmd = Command::new("pg_restore");
                cmd.args([
                    "--single-transaction",
                    "--exit-on-error",
                    "--no-owner",
                    "--no-privileges",
                ])
                .arg("--dbname")
                .arg(conn)
                .arg(&file);
                run("pg_restore", cmd, password)
            })
            .await
            .context("pg_restore did not finish")?
        }
    }
}

/// What the configured database holds now.
pub async fn contents(place: &Place) -> anyhow::Result<Contents> {
    let db = match place {
        Place::Sqlite(path) => sqlite(path, true).await?,
        Place::Postgres(url) => postgres(url).await?,
    };
    let contents = contents_of(&db).await;
    db.close().await.ok();
    contents
}

async fn contents_of(db: &impl ConnectionTrait) -> anyhow::Result<Contents> {
    let backend = db.get_database_backend();
    let mut tables = BTreeMap::new();
    for name in table_names(db).await? {
        let sql = format!(
            "SELECT COUNT(*) AS n FROM \"{}\"",
            name.replace('"', "\"\"")
        );
        let n: i64 = db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .with_context(|| format!("cannot count the rows of {name}"))?
            .ok_or_else(|| anyhow!("no count for {name}"))?
            .try_get("", "n")?;
        tables.insert(name, u64::try_from(n).unwrap_or_default());
    }
    let schema_version = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await
        .context("the database has no migration record: is it Ripen's?")?
        .map(|row| row.try_get::<String>("", "version"))
        .transpose()?
        .unwrap_or_default();
    Ok(Contents {
        schema_version,
        tables,
    })
}

async fn table_names(db: &impl ConnectionTrait) -> anyhow::Result<Vec<String>> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_catalog.pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY tablename"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
    };
    db.query_all_raw(Statement::from_string(backend, sql))
        .await
        .context("cannot list the database's tables")?
        .iter()
        .map(|row| row.try_get::<String>("", "name").map_err(Into::into))
        .collect()
}

// The pools below live for one step of a command and have no idle timeout and no maximum
// lifetime, so sqlx starts no maintenance task for them: in sqlx 0.9.0 that task races with
// `close()` (its idle count can wrap below zero while it loops over idle connections) and
// then spins forever, which hung `ripen restore` at exit in one test run of about twenty.

/// A connection of its own to a SQLite file that must exist (never created here), without
/// changing its journal mode.
async fn sqlite(path: &Path, read_only: bool) -> anyhow::Result<DatabaseConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(options)
        .await
        .map_err(|e| anyhow!("cannot open the database {}: {e}", path.display()))?;
    Ok(SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

async fn postgres(url: &SecretString) -> anyhow::Result<DatabaseConnection> {
    let mut options = crate::db::connect_options(url, 1);
    options.idle_timeout(None).max_lifetime(None);
    Database::connect(options)
        .await
        .map_err(|e| anyhow!("cannot connect to the database: {e}"))
}

/// The URL for libpq's tools without its password, and the password apart.
fn libpq(url: &SecretString) -> anyhow::Result<(String, Option<SecretString>)> {
    let mut parsed = url::Url::parse(url.expose_secret())
        .map_err(|e| anyhow!("database_url is not a valid URL ({e})"))?;
    let password = parsed
        .password()
        .map(|p| SecretString::from(percent_decode(p)));
    parsed
        .set_password(None)
        .map_err(|()| anyhow!("database_url has no host"))?;
    Ok((parsed.to_string(), password))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b, hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs a PostgreSQL client tool; its error output names what went wrong.
fn run(tool: &str, mut cmd: Command, password: Option<SecretString>) -> anyhow::Result<()> {
    if let Some(password) = password {
        cmd.env("PGPASSWORD", password.expose_secret());
    }
    let out = cmd.output().map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow!(
                "{tool} was not found on PATH: PostgreSQL backups need the PostgreSQL client \
                 tools (pg_dump and pg_restore of the server's major version or newer)"
            )
        } else {
            anyhow!("cannot run {tool}: {e}")
        }
    })?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        bail!("{tool} failed ({}): {}", out.status, stderr.trim());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url_for_the_environment() {
        let url = SecretString::from("postgres://ripen:p%40ss%3Aw@db:5433/ripen?sslmode=require");
        let (conn, password) = libpq(&url).unwrap();
        assert_eq!(conn, "postgres://ripen@db:5433/ripen?sslmode=require");
        assert_eq!(password.unwrap().expose_secret(), "p@ss:w");
        let place = Place::Postgres(url);
        assert_eq!(place.describe(), "the PostgreSQL database \"ripen\"");
    }
}
