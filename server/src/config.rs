//! Layered configuration.
//!
//! Values come from, in increasing priority:
//! 1. built-in defaults ([`Config::default`]),
//! 2. an optional TOML file (`ripen.toml` in the working directory, or the path in
//!    `RIPEN_CONFIG`),
//! 3. environment variables prefixed `RIPEN_` (e.g. `RIPEN_LISTEN=0.0.0.0:8080`), plus the
//!    conventional `DATABASE_URL`, which wins over `RIPEN_DATABASE_URL`.
//!
//! Secrets are held in [`SecretString`], whose `Debug` output is redacted, so printing a
//! `Config` (as the server does at start-up) never shows them.

use std::{net::SocketAddr, path::PathBuf};

use app::{
    account::ssr::{AccountConfig, limiter::AuthLimits},
    letters::ssr::LetterConfig,
    mail::SmtpConfig,
};
use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::client_ip::TrustProxy;

/// The server's settings. See `docs/operations.md` for each key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server binds to. Port 0 picks a free port (tests do this).
    pub listen: SocketAddr,
    /// The public URL users reach Ripen at; used for origin checks, links in emails and
    /// to decide whether cookies are `Secure` and HSTS is sent.
    pub site_url: String,
    /// Directory for the embedded database and uploaded files; created on first run.
    pub data_dir: PathBuf,
    /// Database URL (`sqlite://…` or `postgres://…`). Defaults to `<data_dir>/ripen.db`.
    pub database_url: Option<SecretString>,
    /// Largest number of pooled database connections.
    pub database_max_connections: u32,
    /// Where the compiled site (`pkg/`, static files) lives.
    pub site_root: PathBuf,
    /// Whether the built JS/WASM/CSS carry content hashes in their names (cargo-leptos
    /// `hash-files`); enables year-long caching of `/pkg`.
    pub hash_files: bool,
    /// Logging: `pretty` for people, `json` for log collectors.
    pub log_format: LogFormat,
    /// A `tracing` filter, e.g. `info,ripen_server=debug`. `RUST_LOG` wins when set.
    pub log_filter: String,
    /// How many reverse proxies in front of Ripen append to `X-Forwarded-For`: `false`/0
    /// (the header is ignored), `true` (one) or a number. The client address is then the
    /// entry that many from the right; entries further left are the client's own words.
    pub trust_proxy: TrustProxy,
    /// The `From` of every email Ripen sends.
    pub mail_from: String,
    /// SMTP server for outgoing email. Unset (the default): emails are written as `.eml`
    /// files into `outbox_dir` instead.
    #[serde(default)]
    pub smtp: Option<SmtpConfig>,
    /// Where emails go when no SMTP server is configured. Defaults to `<data_dir>/outbox`.
    #[serde(default)]
    pub outbox_dir: Option<PathBuf>,
    /// Seconds between SIGTERM and closing the listener, during which `/readyz` answers
    /// 503 while requests are still served, so a load balancer moves traffic away first.
    /// Ctrl-C does not wait.
    #[serde(default = "default_drain_secs")]
    pub drain_secs: u64,
    /// Attempt limits of the authentication endpoints.
    #[serde(default)]
    pub limits: AuthLimits,
    /// Sign-in work at once (`[accounts]`): password hashes, live streams per account.
    #[serde(default)]
    pub accounts: AccountConfig,
    /// Services to sign in with (`[[sign_in.providers]]`): OpenID Connect, GitHub, WeChat.
    #[serde(default)]
    pub sign_in: app::identity::ssr::config::SignInConfig,
    /// Letters and their delivery (`[letters]`): minimum lead time, image quota, and the
    /// scheduler's workers, lease, retries.
    #[serde(default)]
    pub letters: LetterConfig,
    /// Ripen Plus (`[billing]`): prices, what each plan allows, payment providers.
    #[serde(default)]
    pub billing: app::billing::ssr::BillingConfig,
    /// Where uploaded images are stored. Defaults to `<data_dir>/uploads`.
    #[serde(default)]
    pub uploads_dir: Option<PathBuf>,
    /// S3-compatible object storage for pictures and exports (`[s3]`). Unset (the
    /// default): they are files in `uploads_dir`.
    #[serde(default)]
    pub s3: Option<S3Config>,
    /// The key file that seals letters, recipients, pictures and notifications, and makes
    /// letter links. Defaults to `<data_dir>/ripen.keys`; in production keep it out of the
    /// data directory and its backups (a secret mount, say).
    #[serde(default)]
    pub keys_file: Option<PathBuf>,
    /// The bearer token that shows `/status`'s details (version, engine, schema). Unset:
    /// nobody sees them. Secret: never printed.
    #[serde(default)]
    pub status_token: Option<SecretString>,
    /// How often the anonymous usage counts kept in memory are added to the database.
    #[serde(default = "default_stats_flush_secs")]
    pub stats_flush_secs: u64,
    /// `ripen backup` (`[backup]`): how long backups are kept.
    #[serde(default)]
    pub backup: BackupConfig,
}

/// `[s3]`: a bucket of S3-compatible object storage (AWS S3, SeaweedFS, MinIO, Ceph…).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    /// The service's URL, e.g. `https://s3.eu-central-1.amazonaws.com`; `http://` only
    /// for a service on a private network.
    pub endpoint: String,
    pub bucket: String,
    #[serde(default = "default_s3_region")]
    pub region: String,
    pub access_key_id: String,
    /// Secret: never printed.
    pub secret_access_key: SecretString,
    /// The bucket in the host name (`https://<bucket>.<endpoint host>`) rather than in the
    /// path (the default, which every S3-compatible service understands).
    #[serde(default)]
    pub virtual_hosted: bool,
    /// A folder inside the bucket for Ripen's objects (so the bucket can be shared).
    #[serde(default)]
    pub prefix: Option<String>,
}

fn default_s3_region() -> String {
    "us-east-1".into()
}

/// `[backup]`: what `ripen backup` keeps.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Backups older than this many days are deleted by the next `ripen backup` in the
    /// same directory. At most [`BackupConfig::MAX_KEEP_DAYS`]: the privacy policy promises
    /// that an erased account is gone within 30 days, backups included.
    pub keep_days: u32,
}

impl BackupConfig {
    /// The longest `keep_days` allowed (an erased account leaves every backup within it).
    pub const MAX_KEEP_DAYS: u32 = 29;
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self { keep_days: 14 }
    }
}

fn default_stats_flush_secs() -> u64 {
    60
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

fn default_drain_secs() -> u64 {
    5
}

/// Defaults as a serialisable shape (secrets excluded), fed to figment as the lowest layer.
#[derive(Serialize)]
struct Defaults {
    listen: SocketAddr,
    site_url: String,
    data_dir: PathBuf,
    database_max_connections: u32,
    site_root: PathBuf,
    hash_files: bool,
    log_format: LogFormat,
    log_filter: String,
    trust_proxy: bool,
    mail_from: String,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 3000)),
            site_url: "http://localhost:3000".into(),
            data_dir: PathBuf::from("data"),
            database_max_connections: 10,
            site_root: PathBuf::from("target/site"),
            hash_files: true,
            log_format: LogFormat::Pretty,
            log_filter: "info,tower_http=info,sqlx=warn,sea_orm=warn".into(),
            trust_proxy: false,
            mail_from: "Ripen <no-reply@ripen.localhost>".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads defaults, then the config file, then the environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("RIPEN_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("ripen.toml"));
        Self::from_figment(
            Figment::from(Serialized::defaults(Defaults::default()))
                .merge(Toml::file(file))
                .merge(Env::prefixed("RIPEN_").ignore(&["config"]).split("__"))
                .merge(Env::raw().only(&["database_url"])),
        )
    }

    /// Only built-in defaults plus the given overrides; no file, no environment.
    /// Tests use this so the developer's environment cannot leak in.
    pub fn defaults_with(overrides: impl Serialize) -> Result<Self, ConfigError> {
        Self::from_figment(
            Figment::from(Serialized::defaults(Defaults::default()))
                .merge(Serialized::defaults(overrides)),
        )
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Config = figment
            .extract()
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let url = self.site_url.trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::Invalid(format!(
                "site_url must start with http:// or https:// (got {url:?})"
            )));
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::Invalid(
                "database_max_connections must be at least 1".into(),
            ));
        }
        if self
            .status_token
            .as_ref()
            .is_some_and(|t| t.expose_secret().trim().len() < 16)
        {
            return Err(ConfigError::Invalid(
                "status_token must be at least 16 characters".into(),
            ));
        }
        if self.accounts.password_hashes_at_once == 0 {
            return Err(ConfigError::Invalid(
                "accounts.password_hashes_at_once must be at least 1".into(),
            ));
        }
        if self.accounts.streams_per_account == 0 {
            return Err(ConfigError::Invalid(
                "accounts.streams_per_account must be at least 1".into(),
            ));
        }
        if self.backup.keep_days > BackupConfig::MAX_KEEP_DAYS {
            return Err(ConfigError::Invalid(format!(
                "backup.keep_days must be at most {} (an erased account must leave every \
                 backup within 30 days; got {})",
                BackupConfig::MAX_KEEP_DAYS,
                self.backup.keep_days
            )));
        }
        if let Some(problem) = self.sign_in.problem() {
            return Err(ConfigError::Invalid(problem));
        }
        if let Some(db) = &self.database_url {
            let db = db.expose_secret();
            if !(db.starts_with("sqlite:")
                || db.starts_with("postgres://")
                || db.starts_with("postgresql://"))
            {
                return Err(ConfigError::Invalid(
                    "database_url must be a sqlite: or postgres:// URL".into(),
                ));
            }
        }
        Ok(())
    }

    /// The site's origin (`scheme://host[:port]`) without a trailing slash.
    pub fn site_origin(&self) -> &str {
        self.site_url.trim_end_matches('/')
    }

    /// Whether users reach the site over TLS (enables HSTS and `Secure` cookies).
    pub fn is_https(&self) -> bool {
        self.site_url.starts_with("https://")
    }

    /// Where emails are written when no SMTP server is configured.
    pub fn outbox_dir(&self) -> PathBuf {
        self.outbox_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("outbox"))
    }

    /// Where large files (exports) are written before they go to the `[s3]` bucket.
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("spool")
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.uploads_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("uploads"))
    }

    pub fn keys_file(&self) -> PathBuf {
        self.keys_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("ripen.keys"))
    }

    /// The database URL to use: the configured one, or the SQLite file in `data_dir`.
    pub fn database_url(&self) -> SecretString {
        match &self.database_url {
            Some(url) => url.clone(),
            None => SecretString::from(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("ripen.db").display()
            )),
        }
    }
}

#[cfg(test)]
// figment's Jail returns its own (large) error type; that is its API, not ours.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn defaults_point_at_a_sqlite_file_in_the_data_dir() {
        let c = Config::defaults_with(serde_json::json!({})).unwrap();
        assert_eq!(c.listen.port(), 3000);
        assert_eq!(
            c.database_url().expose_secret(),
            "sqlite://data/ripen.db?mode=rwc"
        );
        assert!(!c.is_https());
    }

    #[test]
    fn file_then_environment_override_defaults() {
        Jail::expect_with(|jail| {
            jail.clear_env(); // only what the test sets
            jail.create_file(
                "ripen.toml",
                r#"
                    listen = "0.0.0.0:8080"
                    site_url = "https://ripen.example"
                    log_format = "json"
                "#,
            )?;
            jail.set_env("RIPEN_LISTEN", "127.0.0.1:9000");
            jail.set_env("DATABASE_URL", "postgres://ripen:hunter2@db/ripen");
            let c = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(c.listen.port(), 9000, "environment wins over the file");
            assert_eq!(
                c.site_url, "https://ripen.example",
                "file wins over defaults"
            );
            assert_eq!(c.log_format, LogFormat::Json);
            assert!(c.is_https());
            assert_eq!(
                c.database_url().expose_secret(),
                "postgres://ripen:hunter2@db/ripen"
            );
            Ok(())
        });
    }

    #[test]
    fn secrets_never_print() {
        Jail::expect_with(|jail| {
            jail.clear_env(); // only what the test sets
            jail.set_env("RIPEN_DATABASE_URL", "postgres://ripen:hunter2@db/ripen");
            jail.set_env("RIPEN_STATUS_TOKEN", "status-swordfish-0123");
            jail.create_file(
                "ripen.toml",
                r#"
                [[sign_in.providers]]
                id = "acme"
                kind = "oidc"
                name = "Acme ID"
                issuer = "https://id.acme.example"
                client_id = "ripen"
                client_secret = "oidc-swordfish"
                "#,
            )?;
            let c = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(
                c.sign_in.providers[0].client_secret.expose(),
                "oidc-swordfish"
            );
            let printed = format!("{c:?}");
            assert!(!printed.contains("hunter2"), "{printed}");
            assert!(!printed.contains("swordfish"), "{printed}");
            assert!(printed.contains("REDACTED"), "{printed}");
            Ok(())
        });
    }

    #[test]
    fn a_sign_in_provider_needs_a_usable_id_once_and_an_issuer_for_openid() {
        let provider = |id: &str, kind: &str, issuer: &str| {
            serde_json::json!({ "id": id, "kind": kind, "name": "X", "issuer": issuer,
                "client_id": "c", "client_secret": "s" })
        };
        let with = |list: Vec<serde_json::Value>| {
            Config::defaults_with(serde_json::json!({ "sign_in": { "providers": list } }))
                .map(|c| c.sign_in.providers.len())
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            with(vec![provider("acme", "oidc", "https://id.acme.example")]),
            Ok(1)
        );
        assert_eq!(with(vec![provider("github", "github", "")]), Ok(1));
        for (bad, says) in [
            (
                vec![provider("Acme ID", "oidc", "https://id.acme.example")],
                "lower-case",
            ),
            (vec![provider("acme", "oidc", "")], "issuer"),
            (
                vec![provider("gh", "github", ""), provider("gh", "wechat", "")],
                "used twice",
            ),
        ] {
            let err = with(bad).unwrap_err();
            assert!(err.contains(says), "{err}");
        }
        assert!(
            with(vec![provider("x", "facebook", "")])
                .unwrap_err()
                .contains("facebook")
        );
    }

    #[test]
    fn backups_are_kept_14_days_and_never_30_or_more() {
        let c = Config::defaults_with(serde_json::json!({})).unwrap();
        assert_eq!(c.backup.keep_days, 14);
        let c =
            Config::defaults_with(serde_json::json!({ "backup": { "keep_days": 29 } })).unwrap();
        assert_eq!(c.backup.keep_days, 29);
        let err = Config::defaults_with(serde_json::json!({ "backup": { "keep_days": 30 } }))
            .unwrap_err()
            .to_string();
        assert!(err.contains("backup.keep_days"), "{err}");
    }

    #[test]
    fn trust_proxy_is_a_flag_or_a_number_of_hops_in_the_file_and_the_environment() {
        Jail::expect_with(|jail| {
            jail.clear_env(); // only what the test sets
            let c = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(c.trust_proxy, TrustProxy(0));
            jail.create_file("ripen.toml", "trust_proxy = true")?;
            let c = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(c.trust_proxy, TrustProxy(1));
            jail.set_env("RIPEN_TRUST_PROXY", "2");
            let c = Config::load().map_err(|e| e.to_string())?;
            assert_eq!(c.trust_proxy, TrustProxy(2));
            jail.set_env("RIPEN_TRUST_PROXY", "lots");
            let err = Config::load().unwrap_err().to_string();
            assert!(err.contains("proxy hops"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn sign_in_work_has_bounds_by_default_and_refuses_zero() {
        let c = Config::defaults_with(serde_json::json!({})).unwrap();
        assert_eq!(c.accounts.password_hashes_at_once, 4);
        assert_eq!(c.accounts.password_hash_wait_secs, 5);
        assert_eq!(c.accounts.streams_per_account, 10);
        let err = Config::defaults_with(
            serde_json::json!({ "accounts": { "password_hashes_at_once": 0 } }),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("accounts.password_hashes_at_once"), "{err}");
    }

    #[test]
    fn invalid_values_name_the_key() {
        Jail::expect_with(|jail| {
            jail.clear_env(); // only what the test sets
            jail.set_env("RIPEN_SITE_URL", "ripen.example");
            let err = Config::load().unwrap_err().to_string();
            assert!(err.contains("site_url"), "{err}");
            jail.set_env("RIPEN_SITE_URL", "http://ok");
            jail.set_env("RIPEN_LISTEN", "not an address");
            let err = Config::load().unwrap_err().to_string();
            assert!(err.contains("LISTEN") && err.contains("RIPEN_"), "{err}");
            Ok(())
        });
    }
}
