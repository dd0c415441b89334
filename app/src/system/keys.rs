//! Where the keyring comes from, and how a start-up with the wrong keys is refused.
//!
//! The keys live in a file outside the database (`keys_file`, by default
//! `<data_dir>/ripen.keys`, mode 0600). The database records only each key's public
//! fingerprint, so a start-up whose key file is missing or different says so plainly
//! instead of failing on the first letter it cannot open. A new installation creates its
//! file at first start; `ripen keys rotate` adds a newer key of each kind.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::Path;

use sea_orm::{DatabaseConnection, DbErr};

use super::ssr::{insert_setting_if_absent, remove_setting, set_setting, setting};
use crate::seal::{KeyKind, KeySet, SealError};

/// The fingerprints of the keys this database's data was sealed with.
const FINGERPRINTS: &str = "key_fingerprints";
/// The letter-link key as versions before the key file kept it (in the database).
const OLD_LINK_KEY: &str = "letter_link_key";

#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error(
        "the key file {path} is missing, but this database was set up with its keys ({keys}). Put the file back (or point `keys_file` / RIPEN_KEYS_FILE at it): it is kept \
         out of the database on purpose, and without it sealed letters cannot be read"
    )]
    Missing { path: String, keys: String },
    #[error(
        "the key file {path} does not hold the {key} key this database was sealed with \
         (fingerprint {expected}{found}): it is the wrong file, or an old copy"
    )]
    Mismatch {
        path: String,
        key: String,
        expected: String,
        found: String,
    },
    #[error(transparent)]
    Seal(#[from] SealError),
    #[error("the key file {path}: {error}")]
    Io { path: String, error: std::io::Error },
    #[error("the database: {0}")]
    Db(#[from] DbErr),
}

fn name((kind, n): (KeyKind, u32)) -> String {
    format!("{} {n}", kind.as_str())
}

fn fingerprints_text(set: &KeySet) -> String {
    set.fingerprints()
        .into_iter()
        .map(|(id, f)| format!("{} {f}\n", name(id)))
        .collect()
}

fn parse_fingerprints(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| {
            let (id, f) = l.trim().rsplit_once(' ')?;
            Some((id.to_owned(), f.to_owned()))
        })
        .collect()
}

/// Writes the key file: a temporary file of mode 0600, synced, then renamed over the old.
pub fn write_file(path: &Path, set: &KeySet) -> Result<(), KeysError> {
    let io = |error| KeysError::Io {
        path: path.display().to_string(),
        error,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp).map_err(io)?;
    file.write_all(set.to_text().as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

fn read_file(path: &Path) -> Result<Option<KeySet>, KeysError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(KeySet::parse(&text, path)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(KeysError::Io {
            path: path.display().to_string(),
            error,
        }),
    }
}

/// The link key versions before the key file kept in the database, if it is still there.
async fn old_link_key(db: &DatabaseConnection) -> Result<Option<[u8; 32]>, KeysError> {
    use base64::{Engine as _, engine::general_purpose::STANDARD};
    Ok(setting(db, OLD_LINK_KEY)
        .await?
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|b| b.try_into().ok()))
}

/// The keys of this installation: read from `path` and checked against the fingerprints
/// the database recorded, or made (and recorded) at the first start. A link key from
/// before the key file moves into the file, and out of the database. Instances starting
/// together for the first time with one shared key file agree on one set of keys; with
/// different files, all but the first are refused.
pub async fn load(db: &DatabaseConnection, path: &Path) -> Result<KeySet, KeysError> {
    let mut set = match read_file(path)? {
        Some(set) => set,
        None => {
            if let Some(rec) = setting(db, FINGERPRINTS).await? {
                return Err(KeysError::Missing {
                    path: path.display().to_string(),
                    keys: parse_fingerprints(&rec)
                        .iter()
                        .map(|(k, f)| format!("{k}: {f}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            }
            create_file(path, &KeySet::generate(None)?)?
        }
    };
    // The first start records its fingerprints; every start compares with what is recorded.
    insert_setting_if_absent(db, FINGERPRINTS, &fingerprints_text(&set)).await?;
    let recorded = parse_fingerprints(&setting(db, FINGERPRINTS).await?.unwrap_or_default());
    let have: BTreeMap<String, String> = set
        .fingerprints()
        .into_iter()
        .map(|(id, f)| (name(id), f))
        .collect();
    for (key, expected) in &recorded {
        if have.get(key) != Some(expected) {
            return Err(KeysError::Mismatch {
                path: path.display().to_string(),
                key: key.clone(),
                expected: expected.clone(),
                found: have.get(key).map_or_else(
                    || ", which the file lacks".into(),
                    |f| format!(", found {f}"),
                ),
            });
        }
    }
    let old_link = old_link_key(db).await?;
    if let Some(old) = old_link {
        set = set.with_old_link_key(old);
        write_file(path, &set)?;
    }
    if have.len() != recorded.len() || old_link.is_some() {
        set_setting(db, FINGERPRINTS, &fingerprints_text(&set)).await?;
    }
    if old_link.is_some() {
        remove_setting(db, OLD_LINK_KEY).await?;
    }
    Ok(set)
}

/// Creates the key file with `set`, unless another process created it first: then its
/// keys are the ones to use.
fn create_file(path: &Path, set: &KeySet) -> Result<KeySet, KeysError> {
    let io = |error| KeysError::Io {
        path: path.display().to_string(),
        error,
    };
    let tmp = path.with_extension(format!("new-{}", uuid::Uuid::new_v4().simple()));
    write_file(&tmp, set)?;
    // A hard link fails if the name exists: the first process to link wins.
    let linked = std::fs::hard_link(&tmp, path);
    std::fs::remove_file(&tmp).map_err(io)?;
    match linked {
        Ok(()) => {
            tracing::info!(
                keys_file = %path.display(),
                "created the key file that seals letters: keep it secret, and back it up apart from the database"
            );
            Ok(set.clone())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_file(path)?.ok_or_else(|| io(e))
        }
        Err(e) => Err(io(e)),
    }
}

/// Adds a newer key of each kind to the key file (and its fingerprint to the database):
/// new letters and links use it from now on; the older keys stay to open what they made.
pub async fn rotate(db: &DatabaseConnection, path: &Path) -> Result<KeySet, KeysError> {
    let set = load(db, path).await?.rotated()?;
    write_file(path, &set)?;
    set_setting(db, FINGERPRINTS, &fingerprints_text(&set)).await?;
    Ok(set)
}
