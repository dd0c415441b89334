//! `ripen backup` and `ripen restore` (docs/operations.md, "Backups").
//!
//! A backup is a directory `ripen-backup-<UTC time>/` holding a consistent copy of the
//! database (`database.sqlite` or `database.pgdump`, see [`database`]), the blob store's
//! files as they are stored (`uploads/`, sealed), and `manifest.json` (format, time,
//! engine, schema version, rows per table, and each file's size and SHA-256). It is built
//! under a hidden temporary name and renamed when complete, so a half-written backup is
//! never taken for a whole one. The key file is not in it, by design: a backup alone opens
//! no letter.
//!
//! The database is copied first, then the files: a picture uploaded meanwhile is in the
//! backup without a row (the retention job sweeps such files after a restore), and only
//! a file deleted in between (its row already gone, or going) can be missing.
//!
//! `ripen restore` checks every file against the manifest before writing anything,
//! writes only into an empty database and an empty uploads directory, and afterwards
//! checks the rows per table and every restored file against the manifest.

mod copy;
mod database;
pub mod manifest;
mod retention;

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use chrono::Utc;
use migrations::{Migrator, MigratorTrait};

use self::{
    database::Place,
    manifest::{FORMAT, FileEntry, Manifest, UPLOADS},
};
use crate::{config::Config, files::private_dir};

/// Every backup directory's name starts so; the UTC time of the backup follows.
pub const PREFIX: &str = "ripen-backup-";
/// The time in a backup's name (`20261204T152624.123Z`).
pub const STAMP: &str = "%Y%m%dT%H%M%S%.3fZ";

/// How far a backup or restore has got (the command prints each).
#[derive(Debug)]
pub enum Progress<'a> {
    /// The database was copied (backup) or loaded (restore).
    Database { tables: usize, rows: u64 },
    /// Stored files copied so far.
    Files { done: usize, total: usize },
    /// Backup files checked against the manifest so far (restore).
    Checked { done: usize, total: usize },
    /// The restored database and files match the manifest (restore).
    Verified {
        tables: usize,
        rows: u64,
        files: usize,
    },
    /// Stored files live in the `[s3]` bucket: the backup holds the database only.
    FilesInBucket(&'a str),
    /// An expired backup deleted.
    Removed(&'a Path),
    /// An expired backup that could not be deleted.
    NotRemoved(&'a Path, &'a str),
}

impl std::fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Database { tables, rows } => write!(f, "database: {tables} tables, {rows} rows"),
            Self::Files { done, total } => write!(f, "files copied: {done}/{total}"),
            Self::Checked { done, total } => write!(f, "files checked: {done}/{total}"),
            Self::Verified {
                tables,
                rows,
                files,
            } => write!(
                f,
                "restored as recorded: {tables} tables, {rows} rows, {files} stored files"
            ),
            Self::FilesInBucket(bucket) => write!(
                f,
                "stored files are in the bucket {bucket:?} and not in this backup: keep them with \
                 the storage's own versioning or replication"
            ),
            Self::Removed(path) => write!(f, "deleted expired backup {}", path.display()),
            Self::NotRemoved(path, why) => {
                write!(
                    f,
                    "could not delete expired backup {}: {why}",
                    path.display()
                )
            }
        }
    }
}

/// A finished backup.
#[derive(Debug)]
pub struct Made {
    pub path: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

/// A finished, verified restore.
#[derive(Debug)]
pub struct Restored {
    pub tables: usize,
    pub rows: u64,
    pub files: usize,
}

/// `ripen backup [--to DIR]`: a new backup in `to` (default `<data_dir>/backups`), then
/// the backups there older than `backup.keep_days` deleted.
pub async fn backup(
    config: &Config,
    to: Option<&Path>,
    mut progress: impl FnMut(Progress<'_>),
) -> anyhow::Result<Made> {
    let place = Place::from_config(config)?;
    let dir = to.map_or_else(|| config.data_dir.join("backups"), Path::to_path_buf);
    private_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let created = Utc::now();
    let name = format!("{PREFIX}{}", created.format(STAMP));
    let partial = Partial::create(dir.join(format!(".{name}{}", retention::PARTIAL)))?;

    let db_file = place.file_name();
    let contents = database::dump(&place, &partial.0.join(db_file)).await?;
    progress(Progress::Database {
        tables: contents.tables.len(),
        rows: contents.tables.values().sum(),
    });
    let mut files = vec![entry_for(&partial.0, db_file)?];

    let uploads = config.uploads_dir();
    let keys = match &config.s3 {
        Some(s3) => {
            progress(Progress::FilesInBucket(&s3.bucket));
            Vec::new()
        }
        None => stored_keys(&uploads)?,
    };
    let copies = partial.0.join(UPLOADS);
    private_dir(&copies).with_context(|| format!("cannot create {}", copies.display()))?;
    let report = Throttle::new(keys.len());
    for (i, key) in keys.iter().enumerate() {
        let from = uploads.join(key);
        match copy::copy_hashed(&from, &copies.join(key)) {
            Ok((size, sha256)) => files.push(FileEntry {
                path: format!("{UPLOADS}/{key}"),
                size,
                sha256,
            }),
            // Deleted since it was listed (its row went first, or it was never named).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!("cannot copy {}: {e}", from.display()),
        }
        if report.due(i + 1) {
            progress(Progress::Files {
                done: i + 1,
                total: keys.len(),
            });
        }
    }

    let manifest = Manifest {
        format: FORMAT,
        created,
        engine: place.engine(),
        schema_version: contents.schema_version,
        ripen_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: db_file.to_owned(),
        tables: contents.tables,
        files,
    };
    manifest.write(&partial.0)?;
    copy::sync_dir(&copies).ok();
    copy::sync_dir(&partial.0).ok();
    let path = dir.join(&name);
    std::fs::rename(&partial.0, &path)
        .with_context(|| format!("cannot rename the finished backup to {}", path.display()))?;
    partial.keep();
    copy::sync_dir(&dir).ok();

    let swept = retention::sweep(&dir, config.backup.keep_days, Utc::now(), &path);
    for removed in &swept.removed {
        progress(Progress::Removed(removed));
    }
    for (path, why) in &swept.failed {
        progress(Progress::NotRemoved(path, why));
    }
    Ok(Made {
        path,
        files: manifest.files.len(),
        bytes: manifest.files.iter().map(|f| f.size).sum(),
    })
}

/// `ripen restore <BACKUP_DIR>` into the configured (empty) database and uploads
/// directory. Nothing is written unless the whole backup checks out first.
pub async fn restore(
    config: &Config,
    from: &Path,
    mut progress: impl FnMut(Progress<'_>),
) -> anyhow::Result<Restored> {
    let manifest = Manifest::read(from)?;
    let report = Throttle::new(manifest.files.len());
    manifest.verify(from, |done, total| {
        if report.due(done) {
            progress(Progress::Checked { done, total });
        }
    })?;
    for (key, _) in manifest.blobs() {
        if !app::letters::storage::valid_key(key) {
            bail!(
                "{} names a stored file {key:?} that Ripen would never have made",
                from.join(manifest::MANIFEST).display()
            );
        }
    }
    let place = Place::from_config(config)?;
    if manifest.engine != place.engine() {
        bail!(
            "{} is a backup of a {} database, but the configured database is {}",
            from.display(),
            manifest.engine.name(),
            place.engine().name()
        );
    }
    let known = Migrator::migrations()
        .iter()
        .any(|m| m.name() == manifest.schema_version);
    if !known {
        bail!(
            "{} was made by a newer Ripen (schema {}): restore it with that version",
            from.display(),
            manifest.schema_version
        );
    }
    database::ensure_empty(&place).await?;
    let uploads = config.uploads_dir();
    ensure_empty_dir(&uploads)?;

    database::load(&place, &manifest::local_path(from, &manifest.database)).await?;
    progress(Progress::Database {
        tables: manifest.tables.len(),
        rows: manifest.tables.values().sum(),
    });
    private_dir(&uploads).with_context(|| format!("cannot create {}", uploads.display()))?;
    let blobs: Vec<_> = manifest.blobs().collect();
    let report = Throttle::new(blobs.len());
    for (i, (key, entry)) in blobs.iter().enumerate() {
        let to = uploads.join(key);
        copy::copy_hashed(&manifest::local_path(from, &entry.path), &to)
            .with_context(|| format!("cannot write {}", to.display()))?;
        if report.due(i + 1) {
            progress(Progress::Files {
                done: i + 1,
                total: blobs.len(),
            });
        }
    }
    copy::sync_dir(&uploads).ok();

    // What is there now must be what the backup recorded.
    let restored = database::contents(&place).await?;
    for (table, rows) in &manifest.tables {
        let now = restored.tables.get(table);
        if now != Some(rows) {
            bail!(
                "the restored table {table} holds {} rows where the backup recorded {rows}",
                now.map_or_else(|| "no".to_owned(), u64::to_string)
            );
        }
    }
    if let Some(extra) = restored
        .tables
        .keys()
        .find(|t| !manifest.tables.contains_key(*t))
    {
        bail!("the restored database has a table {extra} the backup did not record");
    }
    for (key, entry) in &blobs {
        let restored = FileEntry {
            path: (*key).to_owned(),
            ..(*entry).clone()
        };
        manifest::check(&uploads, &restored)?;
    }
    let rows = manifest.tables.values().sum();
    progress(Progress::Verified {
        tables: manifest.tables.len(),
        rows,
        files: blobs.len(),
    });
    Ok(Restored {
        tables: manifest.tables.len(),
        rows,
        files: blobs.len(),
    })
}

/// The entry of `rel`, a file just written into the backup at `dir`.
fn entry_for(dir: &Path, rel: &str) -> anyhow::Result<FileEntry> {
    let path = manifest::local_path(dir, rel);
    let (size, sha256) =
        copy::hash_file(&path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(FileEntry {
        path: rel.to_owned(),
        size,
        sha256,
    })
}

/// The blob store's files (server-made names; spools of exports being written, which are
/// hidden, are not blobs yet), sorted.
fn stored_keys(uploads: &Path) -> anyhow::Result<Vec<String>> {
    let entries = match std::fs::read_dir(uploads) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => bail!("cannot read {}: {e}", uploads.display()),
    };
    let mut keys = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read {}", uploads.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type().is_ok_and(|t| t.is_file()) && app::letters::storage::valid_key(&name) {
            keys.push(name);
        }
    }
    keys.sort();
    Ok(keys)
}

/// Refuses unless `dir` is missing or empty.
fn ensure_empty_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "{} is not empty: ripen restore writes the stored files only into an \
                     empty uploads directory and overwrites nothing",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow!("cannot read {}: {e}", dir.display())),
    }
}

/// The directory a backup is written into; removed if the backup does not finish.
struct Partial(PathBuf);

impl Partial {
    fn create(path: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir(&path).with_context(|| format!("cannot create {}", path.display()))?;
        private_dir(&path).with_context(|| format!("cannot protect {}", path.display()))?;
        Ok(Self(path))
    }

    /// The backup is complete (and renamed): nothing to remove.
    fn keep(mut self) {
        self.0 = PathBuf::new();
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.0.as_os_str().is_empty() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Says yes about twenty times over `total` steps, and at the last.
struct Throttle {
    step: usize,
    total: usize,
}

impl Throttle {
    fn new(total: usize) -> Self {
        Self {
            step: (total / 20).max(1),
            total,
        }
    }

    fn due(&self, done: usize) -> bool {
        done == self.total || done.is_multiple_of(self.step)
    }
}
