//! Pictures and exports in S3-compatible object storage (`[s3]` in `ripen.toml`), behind
//! the same [`BlobStore`] as the local directory. Ripen still serves every byte itself, with
//! the same access checks: the bucket stays private and the pages' CSP unchanged.
//!
//! - Objects are named `<prefix>/<key>` (the prefix is optional), with the keys the store
//!   gives out (`valid_key`); what lands in the bucket is sealed, as on disk.
//! - A large blob (an export) is written through a spool file in the local spool directory
//!   and sent in parts on commit; a spool dropped before its commit leaves nothing, and one
//!   left by a process that stopped is swept. Parts of an upload that failed half-way are
//!   aborted; a bucket lifecycle rule that aborts incomplete multipart uploads after a day
//!   covers a process that died in the middle (docs/operations.md).
//! - [`BlobStore::check`] lists a prefix that holds nothing: a bucket that is missing or
//!   refuses the credentials makes `/readyz` answer 503.

use std::{
    io::Write,
    path::{Path as FsPath, PathBuf},
    sync::Arc,
    time::{Duration, SystemTime},
};

use app::letters::storage::{BlobStore, ByteStream, Spool, SpoolFile, StoreError, valid_key};
use futures::{StreamExt, TryStreamExt};
use object_store::{
    ClientOptions, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig, WriteMultipart,
    aws::{AmazonS3, AmazonS3Builder},
    path::Path,
};
use secrecy::ExposeSecret;

use crate::config::S3Config;

/// Bytes read from a spool file and sent as one part (S3's smallest part but the last).
const PART: usize = 5 * 1024 * 1024;
/// Parts in flight at once while a spool is sent.
const PARTS_AT_ONCE: usize = 2;
/// What [`BlobStore::check`] lists: a prefix no stored object has (keys are `<uuid>.<ext>`).
const CHECK_PREFIX: &str = "ripen-readiness-check";

pub struct S3Store {
    store: Arc<AmazonS3>,
    prefix: Option<Path>,
    spool_dir: PathBuf,
}

fn remote(e: object_store::Error) -> StoreError {
    match e {
        object_store::Error::NotFound { .. } => StoreError::NotFound,
        e => StoreError::Remote(e.to_string()),
    }
}

impl S3Store {
    /// The store the configuration names; `spool_dir` holds large blobs while they are
    /// written (created if missing). Nothing is sent yet: [`BlobStore::check`] says whether
    /// the bucket answers.
    pub fn new(config: &S3Config, spool_dir: PathBuf) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&spool_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create the spool directory {}: {e}",
                spool_dir.display()
            )
        })?;
        // The client options first: `with_allow_http` is one of them, and setting them
        // afterwards would take it back.
        let store = AmazonS3Builder::new()
            .with_client_options(
                ClientOptions::new()
                    .with_connect_timeout(Duration::from_secs(5))
                    .with_timeout(Duration::from_secs(60)),
            )
            .with_allow_http(config.endpoint.starts_with("http://"))
            .with_endpoint(&config.endpoint)
            .with_virtual_hosted_style_request(config.virtual_hosted)
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(config.secret_access_key.expose_secret())
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(30),
                ..RetryConfig::default()
            })
            .build()
            .map_err(|e| anyhow::anyhow!("configuration: [s3]: {e}"))?;
        let prefix = config
            .prefix
            .as_deref()
            .map(|p| p.trim_matches('/'))
            .filter(|p| !p.is_empty())
            .map(Path::from);
        Ok(Self {
            store: Arc::new(store),
            prefix,
            spool_dir,
        })
    }

    fn path(&self, key: &str) -> Result<Path, StoreError> {
        if !valid_key(key) {
            return Err(StoreError::InvalidKey);
        }
        Ok(match &self.prefix {
            Some(prefix) => prefix.clone().join(key),
            None => Path::from(key),
        })
    }

    /// The key an object of the listing holds, if it is one the store gives out directly
    /// under the prefix.
    fn key_of(&self, location: &Path) -> Option<String> {
        let depth = self.prefix.as_ref().map_or(0, |p| p.parts().count());
        let parts: Vec<_> = location.parts().collect();
        let in_prefix = match &self.prefix {
            Some(prefix) => location.prefix_matches(prefix),
            None => true,
        };
        (in_prefix && parts.len() == depth + 1)
            .then(|| parts[depth].as_ref().to_owned())
            .filter(|k| valid_key(k))
    }
}

#[async_trait::async_trait]
impl BlobStore for S3Store {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        let path = self.path(key)?;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(remote)?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Vec<u8>, StoreError> {
        let path = self.path(key)?;
        let got = self.store.get(&path).await.map_err(remote)?;
        Ok(got.bytes().await.map_err(remote)?.to_vec())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        let path = self.path(key)?;
        match self.store.delete(&path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(remote(e)),
        }
    }

    async fn written_before(&self, before: SystemTime) -> Result<Vec<String>, StoreError> {
        let before: chrono::DateTime<chrono::Utc> = before.into();
        let mut listing = self.store.list(self.prefix.as_ref());
        let mut keys = Vec::new();
        while let Some(meta) = listing.try_next().await.map_err(remote)? {
            if meta.last_modified < before
                && let Some(key) = self.key_of(&meta.location)
            {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    async fn sweep_unfinished(&self, before: SystemTime) -> Result<u64, StoreError> {
        sweep_spools(&self.spool_dir, before).await
    }

    async fn spool(&self, key: &str) -> Result<Box<dyn Spool>, StoreError> {
        let path = self.path(key)?;
        Ok(Box::new(S3Spool {
            file: SpoolFile::create(&self.spool_dir, key)?,
            path,
            store: self.store.clone(),
        }))
    }

    async fn stream(&self, key: &str) -> Result<ByteStream, StoreError> {
        let path = self.path(key)?;
        let got = self.store.get(&path).await.map_err(remote)?;
        Ok(got
            .into_stream()
            .map(|piece| piece.map(|b| b.to_vec()).map_err(remote))
            .boxed())
    }

    async fn check(&self) -> Result<(), StoreError> {
        let probe = match &self.prefix {
            Some(prefix) => prefix.clone().join(CHECK_PREFIX),
            None => Path::from(CHECK_PREFIX),
        };
        // A missing bucket is "not found" too: here that is an error, not an empty list.
        match self.store.list(Some(&probe)).next().await {
            None | Some(Ok(_)) => Ok(()),
            Some(Err(e)) => Err(StoreError::Remote(e.to_string())),
        }
    }
}

/// Deletes the spool files (`.<key>.spool`) last written before `before`: left by a
/// process that stopped while writing or sending one.
async fn sweep_spools(dir: &FsPath, before: SystemTime) -> Result<u64, StoreError> {
    let mut removed = 0;
    let mut entries = tokio::fs::read_dir(dir).await?;
    while let Some(entry) = entries.next_entry().await? {
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let spool = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".spool"))
            .is_some_and(valid_key);
        if spool && entry.metadata().await?.modified()? < before {
            match tokio::fs::remove_file(entry.path()).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(removed)
}

/// A blob written to a local file, sent to the bucket in parts on commit; the file goes
/// either way.
struct S3Spool {
    file: SpoolFile,
    path: Path,
    store: Arc<AmazonS3>,
}

impl S3Spool {
    async fn send(store: &AmazonS3, path: &Path, from: &FsPath) -> Result<(), StoreError> {
        use tokio::io::AsyncReadExt;
        let upload = store.put_multipart(path).await.map_err(remote)?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut file = tokio::fs::File::open(from).await?;
        let mut piece = vec![0u8; 256 * 1024];
        loop {
            let n = match file.read(&mut piece).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(e.into());
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(PARTS_AT_ONCE).await {
                let _ = writer.abort().await;
                return Err(remote(e));
            }
            writer.write(&piece[..n]);
        }
        writer.finish().await.map_err(remote)?;
        Ok(())
    }
}

impl Write for S3Spool {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.file.write(data)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[async_trait::async_trait]
impl Spool for S3Spool {
    async fn commit(self: Box<Self>) -> Result<(), StoreError> {
        let Self { file, path, store } = *self;
        let tmp = file.finish()?;
        let sent = Self::send(&store, &path, &tmp).await;
        let _ = tokio::fs::remove_file(&tmp).await;
        sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(prefix: Option<&str>) -> S3Store {
        let dir = std::env::temp_dir().join("ripen-s3-unit");
        S3Store::new(
            &S3Config {
                endpoint: "http://127.0.0.1:9".into(),
                bucket: "b".into(),
                region: "us-east-1".into(),
                access_key_id: "k".into(),
                secret_access_key: "s".to_owned().into(),
                virtual_hosted: false,
                prefix: prefix.map(str::to_owned),
            },
            dir,
        )
        .unwrap()
    }

    #[test]
    fn objects_are_named_by_prefix_and_key_and_only_given_keys_are_listed() {
        let s = store(Some("/ripen/pictures/"));
        let p = s.path("0b6c2f1e-8a2d-4c57-9d55-1f3f0f2f9d10.jpg").unwrap();
        assert_eq!(
            p.as_ref(),
            "ripen/pictures/0b6c2f1e-8a2d-4c57-9d55-1f3f0f2f9d10.jpg"
        );
        assert!(matches!(s.path("../x.jpg"), Err(StoreError::InvalidKey)));
        assert_eq!(
            s.key_of(&p).as_deref(),
            Some("0b6c2f1e-8a2d-4c57-9d55-1f3f0f2f9d10.jpg")
        );
        // Deeper, elsewhere, or not a key the store gives: not its objects.
        assert_eq!(s.key_of(&Path::from("ripen/pictures/x/a.jpg")), None);
        assert_eq!(s.key_of(&Path::from("other/a.jpg")), None);
        let bare = store(None);
        assert_eq!(bare.path("a.png").unwrap().as_ref(), "a.png");
        assert_eq!(bare.key_of(&Path::from("a.png")).as_deref(), Some("a.png"));
        assert_eq!(bare.key_of(&Path::from("p/a.png")), None);
    }
}
