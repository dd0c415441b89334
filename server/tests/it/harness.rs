//! The test harness every integration test uses.
//!
//! `TestApp::spawn().await` starts the real server ([`Application`]) on `127.0.0.1:0`
//! against a fresh database built from the real migrations:
//! - **SQLite**: a new file in a temporary directory;
//! - **PostgreSQL**: a new database `ripen_t_<uuid>` on `TEST_PG_URL`
//!   (default `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the test ends.
//!
//! It offers typed HTTP helpers over a client with a cookie jar that sends the site's
//! `Origin`, like a browser on the site would.

#![allow(dead_code)] // Not every test binary module uses every helper.

use std::{net::SocketAddr, path::PathBuf, sync::Once};

use app::AppError;
use reqwest::{StatusCode, header};
use ripen_server::{Application, config::Config, telemetry};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};
use server_fn::ServerFn;
use tokio::{sync::oneshot, task::JoinHandle};

/// Which database engine this test run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn current() -> Self {
        match std::env::var("TEST_DB").as_deref() {
            Ok("postgres") | Ok("postgresql") | Ok("pg") => Self::Postgres,
            Ok("sqlite") | Err(_) => Self::Sqlite,
            Ok(other) => panic!("TEST_DB must be sqlite or postgres, not {other:?}"),
        }
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// `postgres://…/postgres` with the database name replaced.
pub fn pg_url_for(database: &str) -> String {
    let admin = pg_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{database}")
}

/// Where the server under test sends email.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum MailMode {
    /// No SMTP configured: `.eml` files in the outbox directory (the product default).
    #[default]
    Outbox,
    /// A real SMTP server process (aiosmtpd) on loopback.
    Smtp,
}

/// Options for [`TestApp::spawn_with`].
#[derive(Default)]
pub struct TestOptions {
    /// Extra configuration keys (same names as `ripen.toml`).
    pub config: Value,
    /// Public URL to configure instead of `http://127.0.0.1:<port>`.
    pub site_url: Option<String>,
    pub mail: MailMode,
    /// A listener bound beforehand (when something must know the server's port before it
    /// starts, like the OpenID provider its redirect address).
    pub listener: Option<tokio::net::TcpListener>,
}

pub struct TestApp {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:<port>`
    pub base: String,
    /// The site URL the server was configured with (its `Origin`).
    pub site_url: String,
    /// A client with a cookie jar, no automatic redirects and the site's `Origin` header.
    pub client: reqwest::Client,
    /// A connection of the test's own to the same database, for arranging and asserting.
    pub db: DatabaseConnection,
    /// The database the server uses (for running `ripen` commands against it).
    pub database_url: String,
    /// The server's own connection pool (to simulate its database going away).
    pub server_db: DatabaseConnection,
    pub backend: Backend,
    /// The directory served as the site root (`pkg/` lives here).
    pub site_root: PathBuf,
    /// Where sent email can be read: the SMTP server's Maildir, or the outbox.
    pub mail_dir: PathBuf,
    /// The configuration it was started with (for [`TestApp::restart`]).
    config: Value,
    smtp: Option<crate::mail::SmtpServer>,
    pg_database: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
    _dir: tempfile::TempDir,
}

static LOGS: Once = Once::new();

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(TestOptions::default()).await
    }

    pub async fn spawn_with(options: TestOptions) -> Self {
        Self::try_spawn_with(options)
            .await
            .unwrap_or_else(|e| panic!("the server starts: {e}"))
    }

    /// Starts a server, or answers why it would not start.
    pub async fn try_spawn_with(options: TestOptions) -> Result<Self, String> {
        let backend = Backend::current();
        let dir = tempfile::tempdir().expect("temporary directory");
        let site_root = dir.path().join("site");
        std::fs::create_dir_all(site_root.join("pkg")).expect("site root");

        let listener = match options.listener {
            Some(l) => l,
            None => tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind a free port"),
        };
        let addr = listener.local_addr().expect("bound address");
        let base = format!("http://{addr}");
        let site_url = options.site_url.clone().unwrap_or_else(|| base.clone());

        let (database_url, pg_database) = match backend {
            Backend::Sqlite => (
                format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join("ripen.db").display()
                ),
                None,
            ),
            Backend::Postgres => {
                let name = format!("ripen_t_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(pg_admin_url()).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is unreachable at {} ({e}). The PostgreSQL test run needs it; \
                         start it or set TEST_PG_URL.",
                        pg_admin_url()
                    )
                });
                admin
                    .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                (pg_url_for(&name), Some(name))
            }
        };

        let smtp =
            (options.mail == MailMode::Smtp).then(|| crate::mail::SmtpServer::start(dir.path()));
        let mail_dir = smtp
            .as_ref()
            .map_or_else(|| dir.path().join("data/outbox"), |s| s.dir().to_owned());

        let mut config = json!({
            "listen": addr.to_string(),
            "site_url": site_url,
            "data_dir": dir.path().join("data"),
            "database_url": database_url,
            "database_max_connections": 5,
            "site_root": site_root,
            "hash_files": false,
        });
        if let Some(smtp) = &smtp {
            config["smtp"] = json!({ "host": "127.0.0.1", "port": smtp.port, "tls": "none" });
        }
        if let (Some(extra), Some(map)) = (options.config.as_object(), config.as_object_mut()) {
            for (k, v) in extra {
                map.insert(k.clone(), v.clone());
            }
        }
        let config_json = config.clone();
        let config = Config::defaults_with(config).expect("test configuration is valid");
        LOGS.call_once(|| {
            if std::env::var_os("TEST_LOG").is_some() {
                telemetry::init(&config);
            }
        });

        let app = Application::build_with_listener(config, listener)
            .await
            .map_err(|e| format!("{e:#}"))?;
        let server_db = app.db().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));

        let db = Database::connect(&database_url)
            .await
            .expect("test connection to the database");

        let client = client_for(&site_url);

        Ok(Self {
            addr,
            base,
            site_url,
            client,
            db,
            database_url,
            server_db,
            backend,
            site_root,
            mail_dir,
            config: config_json,
            smtp,
            pg_database,
            shutdown: Some(tx),
            server: Some(server),
            _dir: dir,
        })
    }

    /// Starts a server whose email goes to a real SMTP server.
    pub async fn spawn_with_smtp() -> Self {
        Self::spawn_with(TestOptions {
            mail: MailMode::Smtp,
            ..TestOptions::default()
        })
        .await
    }

    /// A second browser: its own cookie jar, same `Origin`.
    pub fn new_client(&self) -> reqwest::Client {
        client_for(&self.site_url)
    }

    /// Waits for `count` emails to `to` and returns them, oldest first.
    /// The `ripen` binary with `args`, against this server's database, data directory (key
    /// file) and, if it has one, its SMTP server.
    pub fn ripen(&self, args: &[&str]) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ripen"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RIPEN_DATABASE_URL", &self.database_url)
            .env("RIPEN_DATA_DIR", self.data_dir())
            .env("RIPEN_SITE_URL", &self.site_url)
            .env("RIPEN_LISTEN", "127.0.0.1:0");
        if let Some(port) = self.smtp_port() {
            cmd.env("RIPEN_SMTP__HOST", "127.0.0.1")
                .env("RIPEN_SMTP__PORT", port.to_string())
                .env("RIPEN_SMTP__TLS", "none");
        }
        cmd
    }

    /// The id of the account `username`.
    pub async fn user_id(&self, username: &str) -> uuid::Uuid {
        use app::account::ssr::entities::user_account;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        user_account::Entity::find()
            .filter(user_account::Column::UsernameCanonical.eq(username.to_lowercase()))
            .one(&self.db)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no account {username}"))
            .id
    }

    /// Waits until the signed-in author's letter `id` is recorded as delivered (its links
    /// open only then). A hang guard of a minute, not a deadline.
    pub async fn wait_until_delivered(&self, id: impl std::fmt::Display) {
        let id = id.to_string();
        for _ in 0..600 {
            let view = self
                .call(app::letters::GetLetter { id: id.clone() })
                .await
                .unwrap();
            if view.status == app::letters::LetterStatus::Delivered {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("letter {id} was not recorded as delivered within a minute");
    }

    pub async fn emails_to(&self, to: &str, count: usize) -> Vec<crate::mail::Received> {
        crate::mail::wait_for(&self.mail_dir, to, count).await
    }

    /// The port of the real SMTP server, for a `ripen` command that sends through it.
    pub fn smtp_port(&self) -> Option<u16> {
        self.smtp.as_ref().map(|s| s.port)
    }

    /// The server's data directory (database file, outbox, uploads).
    pub fn data_dir(&self) -> PathBuf {
        self._dir.path().join("data")
    }

    /// The server's keys, read from its key file (for a second scheduler or service
    /// made by a test).
    pub fn keys(&self) -> std::sync::Arc<app::seal::Keyring> {
        let path = self.data_dir().join("ripen.keys");
        let text = std::fs::read_to_string(&path).expect("the server wrote its key file");
        let set = app::seal::KeySet::parse(&text, &path).expect("a valid key file");
        std::sync::Arc::new(app::seal::Keyring::new(&set, Some(path)).expect("usable keys"))
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("GET request")
    }

    /// GET and return status, headers and body text.
    pub async fn get_text(&self, path: &str) -> (StatusCode, header::HeaderMap, String) {
        let res = self.get(path).await;
        let status = res.status();
        let headers = res.headers().clone();
        (status, headers, res.text().await.expect("body"))
    }

    pub async fn post_form(&self, path: &str, form: &impl Serialize) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST request")
    }

    /// Calls a server function the way the browser does (a POST to its path, URL-encoded or
    /// JSON as the function declares) and decodes the answer.
    pub async fn call<F>(&self, input: F) -> Result<F::Output, AppError>
    where
        F: ServerFn<Error = AppError> + Serialize,
        F::Protocol: InputEncoding,
        F::Output: DeserializeOwned,
    {
        let (status, _, body) = self.call_raw(input).await;
        if status.is_success() {
            Ok(serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("undecodable answer ({e}): {body}")))
        } else {
            Err(serde_json::from_str(&body)
                .unwrap_or_else(|e| panic!("undecodable error ({e}), status {status}: {body}")))
        }
    }

    /// Calls a server function whose input travels as JSON (`input = Json`) from `client`,
    /// and returns the raw status and body.
    pub async fn call_json_as<F>(&self, client: &reqwest::Client, input: &F) -> (StatusCode, String)
    where
        F: ServerFn + Serialize,
    {
        let res = client
            .post(self.url(F::PATH))
            .header(header::ACCEPT, "application/json")
            .json(input)
            .send()
            .await
            .expect("server function request");
        (res.status(), res.text().await.expect("body"))
    }

    /// Calls a server function and returns the raw status, headers and body.
    pub async fn call_raw<F>(&self, input: F) -> (StatusCode, header::HeaderMap, String)
    where
        F: ServerFn + Serialize,
        F::Protocol: InputEncoding,
    {
        self.call_as(&self.client, input, &[]).await
    }

    /// Calls a server function from `client` (another browser), with extra headers.
    pub async fn call_as<F>(
        &self,
        client: &reqwest::Client,
        input: F,
        headers: &[(&str, &str)],
    ) -> (StatusCode, header::HeaderMap, String)
    where
        F: ServerFn + Serialize,
        F::Protocol: InputEncoding,
    {
        let req = client
            .post(self.url(F::PATH))
            .header(header::ACCEPT, "application/json");
        let mut req = if <F::Protocol as InputEncoding>::JSON {
            req.json(&input)
        } else {
            req.form(&input)
        };
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.expect("server function request");
        let status = res.status();
        let headers = res.headers().clone();
        (status, headers, res.text().await.expect("body"))
    }

    /// Takes the database away from the running server: PostgreSQL drops the database
    /// (terminating its connections); SQLite closes the server's pool.
    pub async fn make_database_unreachable(&mut self) {
        match (&self.backend, &self.pg_database) {
            (Backend::Postgres, Some(name)) => {
                self.db.clone().close().await.ok();
                drop_pg_database(name).await;
                self.pg_database = None;
            }
            _ => {
                self.server_db.close_by_ref().await.expect("close the pool");
            }
        }
    }

    /// Stops the server and starts it again on the same address, database and data
    /// directory, as a new release would start; clients keep their cookies.
    pub async fn restart(&mut self) {
        self.stop_server().await;
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .expect("bind the same address again");
        let config =
            Config::defaults_with(self.config.clone()).expect("test configuration is valid");
        let app = Application::build_with_listener(config, listener)
            .await
            .expect("the server starts again");
        self.server_db = app.db().clone();
        let (tx, rx) = oneshot::channel::<()>();
        self.server = Some(tokio::spawn(app.run_until(async {
            let _ = rx.await;
        })));
        self.shutdown = Some(tx);
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        self.stop_server().await;
    }

    /// Stops the in-process server, keeping its data (for a test that starts the binary on
    /// it: on SQLite only one process may serve the file).
    pub async fn stop_server(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            // Graceful shutdown waits for open connections; never let a test hang on it.
            if tokio::time::timeout(std::time::Duration::from_secs(10), server)
                .await
                .is_err()
            {
                panic!("the server did not shut down within 10 s");
            }
        }
    }
}

/// A client like a browser on the site: cookie jar, the site's `Origin`, no redirects
/// followed (tests look at them).
fn client_for(site_url: &str) -> reqwest::Client {
    let mut headers = header::HeaderMap::new();
    headers.insert(
        header::ORIGIN,
        header::HeaderValue::from_str(site_url).expect("origin header"),
    );
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(headers)
        // A request that never completes fails its own test instead of the whole run.
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("http client")
}

pub async fn drop_pg_database(name: &str) {
    if let Ok(admin) = Database::connect(pg_admin_url()).await {
        let _ = admin
            .execute_unprepared(&format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#))
            .await;
        admin.close().await.ok();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(name) = self.pg_database.take() {
            // Drop runs outside async; do the clean-up on a thread with its own runtime.
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

/// The HTML without Leptos's hydration markers (`<!>`, `<!--…-->`), which sit between
/// dynamic text and differ between build flavours; tests assert on what users see.
pub fn without_markers(html: &str) -> String {
    regex_lite::Regex::new(r"<!(?:--.*?--)?>")
        .expect("valid regex")
        .replace_all(html, "")
        .into_owned()
}

/// How a server function's arguments travel: URL-encoded (the default, what plain HTML
/// forms send) or JSON (`#[server(input = Json)]`, for functions only Rust calls).
pub trait InputEncoding {
    const JSON: bool;
}

impl<O> InputEncoding for server_fn::Http<server_fn::codec::PostUrl, O> {
    const JSON: bool = false;
}

impl<O> InputEncoding for server_fn::Http<server_fn::codec::Json, O> {
    const JSON: bool = true;
}
