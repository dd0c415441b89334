//! Backups with a tested restore (issue 25, item 1): `ripen backup` taken while the server
//! takes writes restores, with `ripen restore`, into an empty place row for row and file
//! for file; backups past `backup.keep_days` are deleted by the next backup; a damaged or
//! incomplete backup, or a place that is not empty, is refused before anything is written.

use std::{
    os::unix::fs::PermissionsExt,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::Duration,
};

use app::focus::{CreateTask, entities::task};
use chrono::Utc;
use reqwest::StatusCode;
use ripen_server::backup::manifest::Manifest;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, EntityTrait, QueryOrder, Statement};

use crate::{
    accounts::verified_user,
    harness::{Backend, TestApp, drop_pg_database, pg_admin_url, pg_url_for},
    letters::{letter, png, upload},
};

/// An empty place to restore into: a data directory without a database (SQLite), or a
/// new PostgreSQL database without tables, made the way the harness makes its own.
struct Place {
    database_url: String,
    data_dir: PathBuf,
    pg_database: Option<String>,
    _dir: tempfile::TempDir,
}

impl Place {
    async fn empty() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let (database_url, pg_database) = match Backend::current() {
            Backend::Sqlite => (
                format!("sqlite://{}?mode=rwc", data_dir.join("ripen.db").display()),
                None,
            ),
            Backend::Postgres => {
                let name = format!("ripen_t_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(pg_admin_url()).await.unwrap();
                admin
                    .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
                    .await
                    .unwrap();
                admin.close().await.ok();
                (pg_url_for(&name), Some(name))
            }
        };
        Self {
            database_url,
            data_dir,
            pg_database,
            _dir: dir,
        }
    }

    fn ripen(&self, args: &[&str]) -> Command {
        ripen(&self.database_url, &self.data_dir, args)
    }

    async fn db(&self) -> DatabaseConnection {
        Database::connect(&self.database_url).await.unwrap()
    }

    /// Whether nothing was written here: no database file (or no tables) and no files.
    async fn is_untouched(&self) -> bool {
        let no_files = std::fs::read_dir(self.data_dir.join("uploads"))
            .map_or(true, |mut d| d.next().is_none());
        let no_tables = match self.pg_database {
            None => !self.data_dir.join("ripen.db").exists(),
            Some(_) => {
                let db = self.db().await;
                let tables = table_names(&db).await;
                db.close().await.ok();
                tables.is_empty()
            }
        };
        no_files && no_tables
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Some(name) = self.pg_database.take() {
            let _ = std::thread::spawn(move || {
                if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    rt.block_on(drop_pg_database(&name));
                }
            })
            .join();
        }
    }
}

/// The `ripen` command with this database and data directory, nothing else configured.
fn ripen(database_url: &str, data_dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ripen"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RIPEN_DATABASE_URL", database_url)
        .env("RIPEN_DATA_DIR", data_dir)
        .env("RIPEN_LISTEN", "127.0.0.1:0");
    cmd
}

fn ripen_for(app: &TestApp, args: &[&str]) -> Command {
    app.ripen(args)
}

/// Runs a command on the blocking pool (the server under test keeps serving meanwhile).
/// A hang guard of five minutes, not a deadline: a hung `ripen` is killed and named.
async fn run(mut cmd: Command) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let child = cmd.spawn().expect("ripen runs");
    let pid = child.id();
    let waited = tokio::time::timeout(
        Duration::from_secs(300),
        tokio::task::spawn_blocking(move || child.wait_with_output()),
    )
    .await;
    match waited {
        Ok(out) => out.unwrap().expect("ripen's output"),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("ripen {:?} did not finish within 5 minutes", cmd.get_args());
        }
    }
}

fn text(out: &Output) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The backups in `dir`, oldest first.
fn backups_in(dir: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with("ripen-backup-"))
                })
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found
}

async fn backup(app: &TestApp, args: &[&str]) -> PathBuf {
    let dir = match args {
        ["--to", dir] => PathBuf::from(dir),
        _ => app.data_dir().join("backups"),
    };
    let before = backups_in(&dir);
    let out = run(ripen_for(app, &[&["backup"], args].concat())).await;
    assert!(out.status.success(), "{}", text(&out));
    let made: Vec<_> = backups_in(&dir)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    assert_eq!(made.len(), 1, "one new backup: {}", text(&out));
    made.into_iter().next().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn table_names(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_catalog.pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    };
    let mut names: Vec<String> = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    names.sort();
    names
}

async fn rows(db: &DatabaseConnection, table: &str) -> u64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM \"{table}\""),
        ))
        .await
        .unwrap()
        .unwrap();
    u64::try_from(row.try_get::<i64>("", "n").unwrap()).unwrap()
}

/// A signed-in author with a draft letter holding `pictures` pictures.
async fn author_with_pictures(app: &TestApp, pictures: u32) {
    verified_user(app, "ada", "ada@example.com").await;
    crate::billing::plus(app, "ada").await;
    let mut draft = letter("Kept safe", Utc::now() + chrono::Duration::days(2));
    draft.schedule = false;
    let id = app.call(draft).await.unwrap().id.to_string();
    for n in 0..pictures {
        let (status, answer) =
            upload(app, &app.client, &id, "garden.png", png(160 + n * 16, 120)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn a_backup_taken_during_writes_restores_every_row_and_file_into_an_empty_place() {
    let app = TestApp::spawn().await;
    author_with_pictures(&app, 3).await;

    // 200 writes through the API, one after another; the backup starts once 20 are in
    // and runs alongside the rest.
    let (started, go) = tokio::sync::oneshot::channel::<()>();
    let writes = async {
        let mut started = Some(started);
        for i in 0..200 {
            app.call(CreateTask {
                title: format!("task {i:03}"),
                estimate: "2".into(),
            })
            .await
            .unwrap();
            if i == 19
                && let Some(tx) = started.take()
            {
                let _ = tx.send(());
            }
        }
    };
    let taken = async {
        go.await.unwrap();
        backup(&app, &[]).await
    };
    let ((), made) = tokio::join!(writes, taken);

    // Whole, private, and as the manifest says.
    let manifest = Manifest::read(&made).unwrap();
    manifest.verify(&made, |_, _| {}).unwrap();
    assert_eq!(mode(&made), 0o700);
    assert_eq!(mode(&made.join("manifest.json")), 0o600);
    assert_eq!(mode(&made.join(&manifest.database)), 0o600);
    assert_eq!(mode(&made.join("uploads")), 0o700);
    let in_backup = manifest.tables["task"];
    eprintln!("the backup holds {in_backup} of the 200 tasks");
    assert!(
        (20..=200).contains(&in_backup),
        "the backup began after the 20th write: {in_backup} tasks"
    );
    assert_eq!(manifest.tables["letter_image"], 3);
    assert_eq!(manifest.blobs().count(), 3, "{:?}", manifest.files);
    assert!(!manifest.schema_version.is_empty());
    assert!(
        !made.parent().unwrap().join("ripen.keys").exists() && !made.join("ripen.keys").exists(),
        "the key file is never part of a backup"
    );

    // Restore into an empty place.
    let place = Place::empty().await;
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    assert!(out.status.success(), "{}", text(&out));

    // Every table, and only those, with the rows the backup recorded.
    let restored = place.db().await;
    let tables = table_names(&restored).await;
    assert_eq!(
        tables,
        manifest.tables.keys().cloned().collect::<Vec<_>>(),
        "the same tables"
    );
    for (table, count) in &manifest.tables {
        assert_eq!(rows(&restored, table).await, *count, "rows of {table}");
    }
    // Row for row: the restored tasks are exactly the first ones written, unchanged.
    let source = task::Entity::find()
        .order_by_asc(task::Column::Title)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(source.len(), 200);
    let back = task::Entity::find()
        .order_by_asc(task::Column::Title)
        .all(&restored)
        .await
        .unwrap();
    assert_eq!(
        back.as_slice(),
        &source[..back.len()],
        "the restored tasks are a consistent prefix of those written"
    );
    restored.close().await.ok();

    // Every stored file, byte for byte.
    for (key, entry) in manifest.blobs() {
        let bytes = std::fs::read(place.data_dir.join("uploads").join(key)).unwrap();
        assert_eq!(sha256(&bytes), entry.sha256, "{key}");
        assert_eq!(
            bytes,
            std::fs::read(app.data_dir().join("uploads").join(key)).unwrap(),
            "{key} as the server stored it"
        );
        assert_eq!(mode(&place.data_dir.join("uploads").join(key)), 0o600);
    }
}

#[tokio::test]
async fn backups_older_than_keep_days_are_deleted_by_the_next_backup() {
    let app = TestApp::spawn().await;
    verified_user(&app, "ada", "ada@example.com").await;
    let elsewhere = tempfile::tempdir().unwrap();
    let to = elsewhere.path().join("backups");
    let to_arg = to.to_str().unwrap();

    let expired = backup(&app, &["--to", to_arg]).await;
    let recent = backup(&app, &["--to", to_arg]).await;
    let age = |dir: &Path, days: i64| {
        let path = dir.join("manifest.json");
        let mut manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        manifest["created"] = (Utc::now() - chrono::Duration::days(days))
            .to_rfc3339()
            .into();
        std::fs::write(&path, manifest.to_string()).unwrap();
    };
    age(&expired, 15);
    age(&recent, 13);

    // Default keep_days = 14.
    let fresh = backup(&app, &["--to", to_arg]).await;
    assert_eq!(backups_in(&to), vec![recent.clone(), fresh.clone()]);

    // keep_days = 0: everything but the backup just made goes.
    let mut cmd = ripen_for(&app, &["backup", "--to", to_arg]);
    cmd.env("RIPEN_BACKUP__KEEP_DAYS", "0");
    let out = run(cmd).await;
    assert!(out.status.success(), "{}", text(&out));
    let left = backups_in(&to);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(!left.contains(&recent) && !left.contains(&fresh));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("deleted expired backup"),
        "{}",
        text(&out)
    );

    // More than the policy's 30 days is refused.
    let mut cmd = ripen_for(&app, &["backup", "--to", to_arg]);
    cmd.env("RIPEN_BACKUP__KEEP_DAYS", "30");
    let out = run(cmd).await;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("backup.keep_days"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn a_damaged_or_incomplete_backup_is_refused_naming_the_file_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    author_with_pictures(&app, 1).await;
    let made = backup(&app, &[]).await;
    let manifest = Manifest::read(&made).unwrap();
    let (key, _) = manifest.blobs().next().unwrap();
    let picture = made.join("uploads").join(key);
    let database = made.join(&manifest.database);
    let place = Place::empty().await;

    let refused = |out: &Output, names: &Path| {
        assert!(!out.status.success(), "{}", text(out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&names.display().to_string()),
            "the message names {}: {}",
            names.display(),
            text(out)
        );
    };
    let flip = |path: &Path| {
        let mut bytes = std::fs::read(path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x01;
        std::fs::write(path, bytes).unwrap();
    };

    // A flipped byte in a stored file.
    flip(&picture);
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    refused(&out, &picture);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("damaged"),
        "{}",
        text(&out)
    );
    assert!(place.is_untouched().await);
    flip(&picture);

    // A flipped byte in the database copy.
    flip(&database);
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    refused(&out, &database);
    assert!(place.is_untouched().await);
    flip(&database);

    // A file missing, and the manifest missing.
    let kept = std::fs::read(&picture).unwrap();
    std::fs::remove_file(&picture).unwrap();
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    refused(&out, &picture);
    assert!(place.is_untouched().await);
    std::fs::write(&picture, kept).unwrap();
    let manifest_path = made.join("manifest.json");
    std::fs::rename(&manifest_path, made.join("elsewhere.json")).unwrap();
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    refused(&out, &manifest_path);
    assert!(place.is_untouched().await);
    std::fs::rename(made.join("elsewhere.json"), &manifest_path).unwrap();

    // Made whole again, it restores: the refusals were the damage's doing.
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    assert!(out.status.success(), "{}", text(&out));
}

#[tokio::test]
async fn restore_refuses_a_place_that_is_not_empty() {
    let app = TestApp::spawn().await;
    author_with_pictures(&app, 1).await;
    let made = backup(&app, &[]).await;
    let users = rows(&app.db, "user_account").await;
    let letters = rows(&app.db, "letter").await;

    // The running server's own database and files.
    let out = run(ripen_for(&app, &["restore", made.to_str().unwrap()])).await;
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("already holds") && stderr.contains("overwrites nothing"),
        "{}",
        text(&out)
    );
    assert_eq!(rows(&app.db, "user_account").await, users);
    assert_eq!(rows(&app.db, "letter").await, letters);

    // An empty database, but files in the uploads directory.
    let place = Place::empty().await;
    let uploads = place.data_dir.join("uploads");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::write(uploads.join("left-behind.png"), b"not ours").unwrap();
    let out = run(place.ripen(&["restore", made.to_str().unwrap()])).await;
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&uploads.display().to_string()) && stderr.contains("not empty"),
        "{}",
        text(&out)
    );
    std::fs::remove_file(uploads.join("left-behind.png")).unwrap();
    assert!(place.is_untouched().await, "the database was not written");
}
