//! `manifest.json`: what a backup holds, and the check that it still holds it.
//!
//! A backup directory is whole only when its manifest is there (it is written last, and
//! the directory renamed after), and sound only when every file the manifest lists has
//! the recorded size and SHA-256.

use std::{
    collections::BTreeMap,
    path::{Component, Path, PathBuf},
};

use anyhow::{Context, anyhow, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::copy;

/// The manifest's file name in a backup directory.
pub const MANIFEST: &str = "manifest.json";
/// The version of this layout; `ripen restore` refuses one it does not know.
pub const FORMAT: u32 = 1;
/// Where the blob store's files sit in a backup.
pub const UPLOADS: &str = "uploads";

/// Which engine made the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// Relative to the backup directory, `/`-separated.
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub created: DateTime<Utc>,
    pub engine: Engine,
    /// The latest migration applied to the database when it was copied.
    pub schema_version: String,
    /// The `ripen` that made the backup.
    pub ripen_version: String,
    /// The database file (`database.sqlite` or `database.pgdump`), also listed in `files`.
    pub database: String,
    /// Rows per table in the copied database.
    pub tables: BTreeMap<String, u64>,
    /// Every file of the backup but the manifest.
    pub files: Vec<FileEntry>,
}

impl Manifest {
    /// Reads `<dir>/manifest.json`; the error says which file and what is wrong.
    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let path = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                anyhow!(
                    "{} is missing: {} is not a whole Ripen backup",
                    path.display(),
                    dir.display()
                )
            } else {
                anyhow!("cannot read {}: {e}", path.display())
            }
        })?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| anyhow!("{} is damaged ({e})", path.display()))?;
        if manifest.format != FORMAT {
            bail!(
                "{} is of backup format {}; this ripen reads format {FORMAT}",
                path.display(),
                manifest.format
            );
        }
        if !manifest.files.iter().any(|f| f.path == manifest.database) {
            bail!(
                "{} does not list the database file {}",
                path.display(),
                manifest.database
            );
        }
        for f in &manifest.files {
            if !safe_relative(&f.path) {
                bail!(
                    "{} names a file outside the backup: {:?}",
                    path.display(),
                    f.path
                );
            }
        }
        Ok(manifest)
    }

    /// Writes `<dir>/manifest.json` (new file, flushed to disk).
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        let path = dir.join(MANIFEST);
        let json = serde_json::to_vec_pretty(self).context("cannot encode the manifest")?;
        copy::write_new(&path, &json).with_context(|| format!("cannot write {}", path.display()))
    }

    /// Checks every listed file in `dir` against its size and checksum, reading each
    /// (`checked` hears after each file). The error names the first file that differs.
    pub fn verify(&self, dir: &Path, mut checked: impl FnMut(usize, usize)) -> anyhow::Result<()> {
        for (i, f) in self.files.iter().enumerate() {
            check(dir, f)?;
            checked(i + 1, self.files.len());
        }
        Ok(())
    }

    /// The blob store's files: (key, entry).
    pub fn blobs(&self) -> impl Iterator<Item = (&str, &FileEntry)> {
        self.files.iter().filter_map(|f| {
            f.path
                .strip_prefix(UPLOADS)
                .and_then(|rest| rest.strip_prefix('/'))
                .map(|key| (key, f))
        })
    }
}

/// Whether the file `entry` names under `dir` has its recorded size and checksum.
pub fn check(dir: &Path, entry: &FileEntry) -> anyhow::Result<()> {
    let path = local_path(dir, &entry.path);
    let (size, sha256) = copy::hash_file(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            anyhow!("{} is missing: the backup is incomplete", path.display())
        } else {
            anyhow!("cannot read {}: {e}", path.display())
        }
    })?;
    if size != entry.size || sha256 != entry.sha256 {
        bail!(
            "{} is damaged: its checksum (or size) differs from the manifest's \
             ({size} bytes, SHA-256 {sha256}; recorded {} bytes, {})",
            path.display(),
            entry.size,
            entry.sha256
        );
    }
    Ok(())
}

/// `rel` (`/`-separated) under `dir`.
pub fn local_path(dir: &Path, rel: &str) -> PathBuf {
    rel.split('/')
        .fold(dir.to_path_buf(), |p, part| p.join(part))
}

/// Only plain names, no `..`, no root: a manifest cannot point outside its directory.
fn safe_relative(rel: &str) -> bool {
    !rel.is_empty()
        && Path::new(rel)
            .components()
            .all(|c| matches!(c, Component::Normal(_)))
        && rel.split('/').all(|part| !part.is_empty() && part != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_cannot_name_a_file_outside_its_backup() {
        for bad in ["", "/etc/passwd", "../x", "uploads/../../x", "a//b"] {
            assert!(!safe_relative(bad), "{bad}");
        }
        for good in ["database.sqlite", "uploads/0a1b-2c.png"] {
            assert!(safe_relative(good), "{good}");
        }
    }
}
