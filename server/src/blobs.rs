//! `ripen blobs migrate`: copies the stored files of the uploads directory into the `[s3]`
//! bucket and checks every one. The bytes are copied as stored (sealed): nothing is opened,
//! so the key file is not needed and nothing plain ever leaves the machine. Each object is
//! read back from the bucket and compared with its file (SHA-256); any difference fails
//! the command. Running it again copies again (a file changed meanwhile is copied anew),
//! so it can be repeated until the switch.

use sha2::{Digest, Sha256};

use app::letters::storage::{BlobStore, LocalDir};

use crate::config::Config;

/// Where a migration stands, after each file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migrated {
    pub done: usize,
    pub total: usize,
    pub bytes: u64,
}

/// Copies every stored file into the bucket and verifies it; `progress` hears after each.
pub async fn migrate(
    config: &Config,
    mut progress: impl FnMut(Migrated),
) -> anyhow::Result<Migrated> {
    let Some(s3) = &config.s3 else {
        anyhow::bail!(
            "no [s3] bucket is configured: set [s3] in ripen.toml (or RIPEN_S3__…) first"
        );
    };
    let uploads = config.uploads_dir();
    let local = LocalDir::new(uploads.clone()).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the uploads directory {}: {e}",
            uploads.display()
        )
    })?;
    let bucket = crate::s3::S3Store::new(s3, config.spool_dir())?;
    bucket
        .check()
        .await
        .map_err(|e| anyhow::anyhow!("the bucket {:?} cannot be used: {e}", s3.bucket))?;
    // Every file the store gave out, however new.
    let far = std::time::SystemTime::now() + std::time::Duration::from_secs(365 * 86_400);
    let mut keys = local.written_before(far).await?;
    keys.sort();
    let mut state = Migrated {
        done: 0,
        total: keys.len(),
        bytes: 0,
    };
    for key in keys {
        let bytes = local.get(&key).await?;
        let digest = Sha256::digest(&bytes);
        let len = bytes.len() as u64;
        bucket
            .put(&key, bytes)
            .await
            .map_err(|e| anyhow::anyhow!("copying {key}: {e}"))?;
        let back = bucket
            .get(&key)
            .await
            .map_err(|e| anyhow::anyhow!("reading {key} back from the bucket: {e}"))?;
        if Sha256::digest(&back) != digest {
            anyhow::bail!(
                "{key} differs in the bucket from its file: nothing is switched; run it again"
            );
        }
        state.done += 1;
        state.bytes += len;
        progress(state);
    }
    Ok(state)
}
