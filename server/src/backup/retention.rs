//! Which backups go: those in the backup directory older than `backup.keep_days`, so an
//! erased account leaves the last backup that held it within that many days (under the
//! privacy policy's 30). And half-written backups a crashed run left, after a day.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{PREFIX, STAMP, manifest::Manifest};

/// A half-written backup is `.<name>.partial`.
pub const PARTIAL: &str = ".partial";

#[derive(Debug, Default)]
pub struct Swept {
    pub removed: Vec<PathBuf>,
    /// Backups that should have gone but could not be removed, with the reason.
    pub failed: Vec<(PathBuf, String)>,
}

/// Deletes, in `dir`, every backup created more than `keep_days` before `now` (its
/// manifest's time, else the time in its name), except `keep` (the one just made), and
/// half-written ones older than a day. Anything not named like a backup stays.
pub fn sweep(dir: &Path, keep_days: u32, now: DateTime<Utc>, keep: &Path) -> Swept {
    let mut swept = Swept::default();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return swept;
    };
    let keep_for = chrono::Duration::days(i64::from(keep_days));
    for entry in entries.flatten() {
        let path = entry.path();
        if path == keep || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let expired = if let Some(stamp) = name.strip_prefix(PREFIX) {
            let created = Manifest::read(&path)
                .map(|m| m.created)
                .ok()
                .or_else(|| parse_stamp(stamp));
            created.is_some_and(|c| now - c > keep_for)
        } else if let Some(stamp) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_prefix(PREFIX))
            .and_then(|n| n.strip_suffix(PARTIAL))
        {
            parse_stamp(stamp).is_some_and(|c| now - c > chrono::Duration::days(1))
        } else {
            false
        };
        if expired {
            match std::fs::remove_dir_all(&path) {
                Ok(()) => swept.removed.push(path),
                Err(e) => swept.failed.push((path, e.to_string())),
            }
        }
    }
    swept.removed.sort();
    swept
}

fn parse_stamp(stamp: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_backups_past_their_days_go() {
        let tmp = tempfile::tempdir().unwrap();
        let now = Utc::now();
        let name = |days: i64| {
            format!(
                "{PREFIX}{}",
                (now - chrono::Duration::days(days)).format(STAMP)
            )
        };
        for dir in [name(15), name(13), name(40), "photos".into()] {
            std::fs::create_dir(tmp.path().join(dir)).unwrap();
        }
        let partial = format!(".{}{PARTIAL}", name(2));
        std::fs::create_dir(tmp.path().join(&partial)).unwrap();
        let fresh = tmp.path().join(name(40)); // the one just made is never removed
        let swept = sweep(tmp.path(), 14, now, &fresh);
        assert!(swept.failed.is_empty());
        assert_eq!(
            swept.removed,
            vec![tmp.path().join(&partial), tmp.path().join(name(15))]
        );
        assert!(tmp.path().join(name(13)).exists());
        assert!(tmp.path().join("photos").exists());
        assert!(fresh.exists());
    }
}
