//! Ripen's server: configuration, the HTTP router and its middleware, and start-up.
//!
//! [`Application::build`] does everything `main` does except waiting for a signal, so the
//! integration tests start the very same server on port 0.

pub mod backup;
pub mod billing;
pub mod blobs;
pub mod breach;
pub mod client_ip;
pub mod config;
pub mod csrf;
pub mod data_export;
pub mod db;
pub mod errors;
pub mod files;
pub mod focus_events;
pub mod health;
pub mod letter_files;
pub mod prefs;
pub mod pwa;
pub mod s3;
pub mod security;
pub mod telemetry;
pub mod usage;
pub mod wall;

use std::{
    future::Future,
    net::SocketAddr,
    sync::{Arc, OnceLock},
};

use app::{
    App,
    account::ssr::{AccountSettings, Accounts},
    announcements::ssr::Announcements,
    focus::ssr::FocusHub,
    letters::{
        delivery::Scheduler,
        sms::LogSms,
        ssr::Letters,
        storage::{LocalDir, SealedStore},
    },
    mail::Mailer,
    request::provide_nonce,
    shell,
};
use axum::{
    Router,
    extract::{DefaultBodyLimit, FromRef},
    middleware,
    routing::{get, post},
};
use http::{HeaderName, HeaderValue, Request, header};
use leptos::prelude::{LeptosOptions, provide_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer, Predicate,
        predicate::{DefaultPredicate, NotForContentType},
    },
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    set_header::SetResponseHeaderLayer,
    trace::{DefaultOnResponse, TraceLayer},
};
use tracing::Level;

use crate::{config::Config, security::SecurityPolicy};

/// The uploaded pictures and exports: files in `uploads_dir`, sealed with `keys`.
fn blob_store(
    config: &Config,
    keys: &Arc<app::seal::Keyring>,
) -> anyhow::Result<Arc<dyn app::letters::storage::BlobStore>> {
    Ok(Arc::new(SealedStore::new(raw_store(config)?, keys.clone())))
}

/// Where the stored files' (sealed) bytes live: the `[s3]` bucket, or the uploads
/// directory.
pub fn raw_store(config: &Config) -> anyhow::Result<Arc<dyn app::letters::storage::BlobStore>> {
    Ok(match &config.s3 {
        Some(s3) => Arc::new(s3::S3Store::new(s3, config.spool_dir())?),
        None => Arc::new(
            LocalDir::new(config.uploads_dir())
                .map_err(|e| anyhow::anyhow!("cannot create the uploads directory: {e}"))?,
        ),
    })
}

/// The mailer the configuration asks for: SMTP when `[smtp]` is set, else the outbox.
pub fn mailer(config: &Config) -> anyhow::Result<Mailer> {
    Ok(match &config.smtp {
        Some(smtp) => Mailer::smtp(smtp, &config.mail_from)?,
        None => {
            let dir = config.outbox_dir();
            tracing::info!(
                outbox = %dir.display(),
                "no SMTP server configured: emails are written to the outbox directory"
            );
            Mailer::outbox(dir, &config.mail_from)?
        }
    })
}

/// `ripen keys rotate`: adds a newer key of each kind to the key file, then seals every
/// letter, recipient, picture and notification with it (`progress` hears after each
/// page). Answers the new key's number.
pub async fn rotate_keys(
    config: &Config,
    progress: impl Fn(app::letters::ssr::Resealed),
) -> anyhow::Result<u32> {
    let db = db::connect_and_migrate(config).await?;
    let set = app::system::keys::rotate(&db, &config.keys_file()).await?;
    let keys = Arc::new(app::seal::Keyring::new(&set, Some(config.keys_file()))?);
    let letters = Letters::new(
        config.letters.clone(),
        blob_store(config, &keys)?,
        Arc::new(LogSms),
        keys.clone(),
        config.site_origin(),
    );
    app::letters::ssr::reseal(&db, &letters, progress)
        .await
        .map_err(|e| anyhow::anyhow!("sealing with the new key failed: {e}"))?;
    db.close().await.ok();
    Ok(keys.current())
}

/// Shared state of the router; handlers take the parts they need with `State<T>`.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: DatabaseConnection,
    pub mailer: Mailer,
    pub accounts: Arc<Accounts>,
    pub identities: Arc<app::identity::ssr::Identities>,
    pub focus: FocusHub,
    /// News of records changed, for the letters waiting on goals.
    pub news: app::progress::RecordNews,
    pub letters: Arc<Letters>,
    pub announcements: Arc<Announcements>,
    pub billing: Arc<app::billing::ssr::Billing>,
    pub config: Arc<Config>,
    pub security: SecurityPolicy,
    pub usage: usage::Usage,
    pub draining: health::Draining,
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A built, bound, not yet serving Ripen.
pub struct Application {
    listener: TcpListener,
    router: Router,
    db: DatabaseConnection,
    scheduler: Option<Scheduler>,
    retention: Retention,
    announcements: AnnouncementSender,
    accounts: Arc<Accounts>,
    usage: usage::Usage,
    stats_flush: std::time::Duration,
    draining: health::Draining,
    drain: std::time::Duration,
    /// Held while this process serves a SQLite file.
    _sqlite: db::SqliteClaim,
    focus: FocusHub,
    billing: Arc<app::billing::ssr::Billing>,
    /// Letters waiting on goals, and the news of records that may reach them.
    goals: Option<(
        Arc<Letters>,
        tokio::sync::mpsc::UnboundedReceiver<uuid::Uuid>,
    )>,
}

/// What the announcement email sender (`app::announcements::ssr::spawn_sender`) needs.
struct AnnouncementSender {
    mailer: Mailer,
    site_url: String,
    service: Arc<Announcements>,
}

/// Turns the notifications stored as text (before notices had parameters) into
/// parameters, each area its own; whatever none could read stays, and is said.
async fn upgrade_notifications(db: &DatabaseConnection, letters: &Letters) -> anyhow::Result<()> {
    if app::notifications::ssr::left_as_text(db).await? == 0 {
        return Ok(());
    }
    let from_letters = app::letters::ssr::notices::upgrade_stored_text(db, letters)
        .await
        .map_err(|e| anyhow::anyhow!("rewriting letter notifications failed: {e}"))?;
    let from_privacy = app::privacy::notices::upgrade_stored_text(db, &letters.keys)
        .await
        .map_err(|e| anyhow::anyhow!("rewriting export and breach notifications failed: {e}"))?;
    let left = app::notifications::ssr::left_as_text(db).await?;
    tracing::info!(
        converted = from_letters.converted + from_privacy,
        dropped = from_letters.dropped,
        left,
        "notifications stored as text now have parameters"
    );
    if left > 0 {
        tracing::warn!(
            left,
            "some notifications stored as text have a kind no area reads"
        );
    }
    Ok(())
}

/// What the retention job (`app::privacy::ssr::purge`) needs.
struct Retention {
    store: Arc<dyn app::letters::storage::BlobStore>,
    /// The outbox of a server without SMTP, whose old emails the job deletes.
    outbox: Option<std::path::PathBuf>,
    session_idle: chrono::Duration,
}

impl Application {
    /// Connects to the database, migrates it, binds the listener and builds the router.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        Self::build_with_listener(config, listener).await
    }

    /// Like [`Application::build`], on a listener the caller already bound (tests bind port 0
    /// first so they know the site URL before the server starts).
    pub async fn build_with_listener(
        config: Config,
        listener: TcpListener,
    ) -> anyhow::Result<Self> {
        // Before the first file is made: the database, emails and uploads are private.
        files::restrict_umask();
        for dir in [
            config
                .database_url
                .is_none()
                .then(|| config.data_dir.clone()),
            config.smtp.is_none().then(|| config.outbox_dir()),
            Some(config.uploads_dir()),
        ]
        .into_iter()
        .flatten()
        {
            files::private_dir(&dir)
                .map_err(|e| anyhow::anyhow!("cannot create directory {}: {e}", dir.display()))?;
        }
        let sqlite = db::claim_sqlite(&config)?;
        let db = db::connect_and_migrate(&config).await?;
        app::announcements::ssr::announce_policy(&db, app::policy::CURRENT)
            .await
            .map_err(|e| anyhow::anyhow!("announcing the new privacy policy failed: {e}"))?;
        let mailer = mailer(&config)?;
        let accounts = Arc::new(Accounts::new(
            AccountSettings::new(config.site_origin(), config.limits),
            config.accounts,
            db.clone(),
        ));
        let keys = app::system::keys::load(&db, &config.keys_file()).await?;
        let keys = Arc::new(app::seal::Keyring::new(&keys, Some(config.keys_file()))?);
        let identities = Arc::new(
            app::identity::ssr::Identities::new(&config.sign_in, config.site_origin())
                .map_err(|e| anyhow::anyhow!("configuration: {e}"))?,
        );
        let store = blob_store(&config, &keys)?;
        // A bucket that refuses Ripen is said at once, and `/readyz` stays 503 until it
        // answers; the server starts all the same (the database side works).
        if let Err(e) = store.check().await {
            tracing::error!(
                error = %e,
                "the object storage in [s3] cannot be used (check endpoint, bucket and keys): \
                 pictures and exports fail and /readyz answers 503 until it can"
            );
        }
        let retention = Retention {
            store: store.clone(),
            outbox: mailer.outbox_dir().map(ToOwned::to_owned),
            session_idle: accounts.settings.session_idle,
        };
        let letters = Arc::new(Letters::new(
            config.letters.clone(),
            store,
            Arc::new(LogSms),
            keys,
            config.site_origin(),
        ));
        upgrade_notifications(&db, &letters).await?;
        app::letters::ssr::reseal_if_keys_changed(&db, &letters)
            .await
            .map_err(|e| anyhow::anyhow!("sealing letters with the newest key failed: {e}"))?;
        // Wall letters without search words (delivered before the index existed, or whose
        // indexing failed): found by search from now on.
        match app::letters::ssr::search::index_wall(&db, &letters).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(letters = n, "wall letters indexed for search"),
            Err(e) => tracing::warn!(
                error = %e,
                "indexing wall letters for search failed: search misses them until the next start"
            ),
        }
        let billing = Arc::new(
            app::billing::ssr::Billing::new(
                config.billing.clone(),
                &letters.keys,
                config.site_origin(),
            )
            .map_err(|e| anyhow::anyhow!("configuration: {e}"))?
            .with_mailer(mailer.clone()),
        );
        let scheduler = if config.letters.deliver {
            let pool = db::scheduler_pool(&config, &db, config.letters.workers).await?;
            Some(Scheduler::new(pool, mailer.clone(), letters.clone()))
        } else {
            None
        };
        let announcements = AnnouncementSender {
            mailer: mailer.clone(),
            site_url: config.site_origin().to_owned(),
            service: Arc::new(Announcements::default()),
        };
        let news = app::progress::RecordNews::default();
        let goals = config
            .letters
            .watch_goals
            .then(|| (letters.clone(), news.subscribe()));
        let state = AppState {
            leptos_options: leptos_options(&config),
            db: db.clone(),
            mailer,
            announcements: announcements.service.clone(),
            billing,
            accounts,
            identities,
            focus: FocusHub::with_news(news.clone()),
            news,
            letters,
            security: SecurityPolicy {
                https: config.is_https(),
                allow_live_reload: std::env::var_os("LEPTOS_WATCH").is_some(),
            },
            usage: usage::Usage::default(),
            draining: health::Draining::default(),
            config: Arc::new(config),
        };
        let usage = state.usage.clone();
        let accounts = state.accounts.clone();
        let stats_flush = std::time::Duration::from_secs(state.config.stats_flush_secs.max(1));
        let draining = state.draining.clone();
        let focus = state.focus.clone();
        let billing = state.billing.clone();
        let drain = std::time::Duration::from_secs(state.config.drain_secs);
        Ok(Self {
            listener,
            router: router(state),
            db,
            scheduler,
            retention,
            announcements,
            accounts,
            usage,
            stats_flush,
            draining,
            drain,
            _sqlite: sqlite,
            focus,
            billing,
            goals,
        })
    }

    /// Serves until `signal` (from [`shutdown_signal`]) says to stop. At SIGTERM `/readyz` answers 503 for `drain_secs`
    /// while requests are still served (a load balancer moves traffic away), then the
    /// listener closes and in-flight requests finish; Ctrl-C, or a second signal, skips the
    /// wait.
    pub async fn run_until_signalled(
        self,
        signal: impl Future<Output = Stop> + Send + 'static,
    ) -> std::io::Result<()> {
        let (draining, drain) = (self.draining.clone(), self.drain);
        self.run_until(async move {
            let stop = signal.await;
            draining.start();
            if stop == Stop::Terminate && !drain.is_zero() {
                tracing::info!(
                    secs = drain.as_secs(),
                    "draining: /readyz answers 503 while requests are still served"
                );
                // A second signal ends the wait.
                tokio::select! {
                    () = tokio::time::sleep(drain) => {}
                    _ = shutdown_signal() => {}
                }
            }
            tracing::info!("finishing in-flight requests");
        })
        .await
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The database connection the server uses.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and closes the
    /// database pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut workers = self.scheduler.map(|s| s.spawn(stopped));
        let flusher = self.usage.spawn_flusher(self.db.clone(), self.stats_flush);
        let retention = app::privacy::ssr::spawn_retention(
            self.db.clone(),
            self.retention.store,
            self.retention.outbox,
            self.retention.session_idle,
        );
        let sender = app::announcements::ssr::spawn_sender(
            self.db.clone(),
            self.announcements.mailer,
            self.announcements.site_url,
            self.announcements.service,
        );
        // Orders whose provider has not said how they ended.
        let reconciler = app::billing::ssr::reconcile::spawn(self.db.clone(), self.billing);
        // Letters that open when their author reaches a goal.
        let goal_watch = self.goals.map(|(letters, news)| {
            app::letters::ssr::goals::spawn_watcher(self.db.clone(), letters, news)
        });
        // Live streams whose session ended where this process did not hear of it.
        let streams = app::account::ssr::live::spawn_recheck(self.db.clone(), self.accounts);
        // Changes made by other instances (PostgreSQL): timers, and the wall.
        let fanout = app::broadcast::spawn_listener(
            self.db.clone(),
            vec![
                Arc::new(app::focus::ssr::FanOut::new(self.db.clone(), self.focus)),
                Arc::new(app::letters::public::WallChanges),
            ],
        );
        let served = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        // Senders finish the message in hand; anything they claimed but did not reach is
        // taken over when its lease expires.
        let _ = stop.send(true);
        if let Some(workers) = workers.as_mut()
            && tokio::time::timeout(std::time::Duration::from_secs(5), async {
                while workers.join_next().await.is_some() {}
            })
            .await
            .is_err()
        {
            workers.abort_all();
        }
        retention.abort();
        sender.abort();
        reconciler.abort();
        if let Some(w) = goal_watch {
            w.abort();
        }
        streams.abort();
        if let Some(f) = fanout {
            f.abort();
        }
        flusher.abort();
        if let Err(e) = self.usage.flush(&self.db).await {
            tracing::warn!(error = %e, "saving usage statistics at shutdown failed");
        }
        served?;
        if let Err(e) = self.db.close_by_ref().await {
            tracing::warn!(error = %e, "closing the database pool failed");
        }
        Ok(())
    }
}

/// Leptos's options, derived from Ripen's configuration rather than from cargo-leptos's
/// environment, so the binary runs the same however it is started.
///
/// With `hash_files` on, Leptos reads `hash.txt` beside the executable on every render and
/// panics if it is missing; then pages fall back to plain asset names and a warning says so.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let hash_file = hash_file();
    let hash_files = config.hash_files && hash_file.as_ref().is_some_and(|f| f.is_file());
    if config.hash_files && !hash_files {
        tracing::warn!(
            expected = ?hash_file,
            "hash_files is on but hash.txt is not beside the executable; \
             serving plain asset names (deploy hash.txt next to `ripen`)"
        );
    }
    LeptosOptions::builder()
        .output_name("ripen")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .hash_files(hash_files)
        .build()
}

/// Where Leptos looks for the bundle's hashes: `hash.txt` beside the executable.
pub fn hash_file() -> Option<std::path::PathBuf> {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
}

/// The app's route list, generated once per process.
///
/// Generating it renders the app with a *process-global* flag set (Leptos's
/// `SuppressResourceLoad`) that parks every resource first polled meanwhile, in any render
/// of any app in the process, forever (leptos-rs/leptos#4773). Generating it once, before
/// any router exists, means no render can ever overlap it, even with many servers in one
/// process (the integration tests).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP surface of Ripen.
pub fn router(state: AppState) -> Router {
    let routes = route_list();
    // Each service is its own context value; an area asks for its own
    // (`app::request::service`), so nothing in the app names every area's service.
    let services = state.clone();
    let status_token = app::system::ssr::StatusToken::new(state.config.status_token.clone());
    let context = move || {
        provide_nonce();
        provide_context(services.db.clone());
        provide_context(services.mailer.clone());
        provide_context(services.accounts.clone());
        provide_context(services.identities.clone());
        provide_context(services.focus.clone());
        provide_context(services.news.clone());
        provide_context(services.letters.clone());
        provide_context(services.letters.keys.clone());
        provide_context(services.announcements.clone());
        provide_context(services.billing.clone());
        provide_context(status_token.clone());
    };
    let pkg_cache = if state.config.hash_files {
        // File names change with their content: cache for a year.
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    };
    let pkg_dir = state.config.site_root.join("pkg");

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/api/focus/events", get(focus_events::stream))
        .route(
            "/api/letters/{id}/images",
            post(letter_files::upload).layer(DefaultBodyLimit::max(
                state.letters.config.image_max_bytes + 64 * 1024,
            )),
        )
        .route("/api/letters/images/{id}", get(letter_files::for_author))
        .route("/l/{token}/images/{id}", get(letter_files::for_link))
        .route("/wall/{public_id}/images/{id}", get(letter_files::for_wall))
        .route("/account/export/{id}", get(data_export::download))
        .route("/plus/orders/{id}/pay", get(billing::pay))
        .route(
            "/sw.js",
            get(pwa::script).with_state(pwa::ServiceWorker::new(&state.leptos_options)),
        )
        .route("/sitemap.xml", get(wall::sitemap))
        .route("/robots.txt", get(wall::robots))
        .nest_service(
            "/pkg",
            ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    pkg_cache,
                ))
                .service(
                    ServeDir::new(pkg_dir)
                        .precompressed_br()
                        .precompressed_gzip(),
                ),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, shell))
        .layer(middleware::from_fn_with_state(
            wall::PageCache::default(),
            wall::page_cache,
        ))
        .layer(middleware::from_fn_with_state(
            prefs::PrefsState {
                db: state.db.clone(),
                accounts: state.accounts.clone(),
            },
            prefs::resolve,
        ))
        .layer(middleware::from_fn_with_state(
            usage::UsageState {
                usage: state.usage.clone(),
                secure_cookies: state.config.is_https(),
            },
            usage::count,
        ))
        .layer(middleware::from_fn(errors::server_fn_status))
        .layer(middleware::from_fn_with_state(
            csrf::SiteOrigin(state.config.site_origin().to_owned()),
            csrf::verify_origin,
        ))
        // Added after the origin check, so it does not apply: providers' servers post
        // here, and their signature is what is checked.
        .route("/billing/notify/{provider}", post(billing::notification))
        .layer(middleware::from_fn_with_state(
            state.config.trust_proxy,
            client_ip::resolve,
        ))
        .layer(middleware::from_fn_with_state(
            state.security.clone(),
            security::security_headers,
        ))
        .layer(
            ServiceBuilder::new()
                // A client's id only if it is plainly one (it goes into every log line).
                .layer(tower::util::MapRequestLayer::new(
                    telemetry::screen_request_id_header,
                ))
                .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request<_>| {
                            let id = req
                                .headers()
                                .get(REQUEST_ID)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("-");
                            // The path only: query strings may carry tokens.
                            tracing::info_span!(
                                "request",
                                request_id = %id,
                                method = %req.method(),
                                path = %loggable_path(req.uri().path()),
                            )
                        })
                        .on_response(DefaultOnResponse::new().level(Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::new(REQUEST_ID))
                .layer(CatchPanicLayer::custom(panic_response))
                // Not ZIP files (data exports): compressed already, and large.
                .layer(CompressionLayer::new().compress_when(
                    DefaultPredicate::new().and(NotForContentType::const_new("application/zip")),
                )),
        )
        .with_state(state)
}

/// The request path as logged: a letter link's token (`/l/<token>…`) is a credential and
/// is replaced by `…`.
pub fn loggable_path(path: &str) -> std::borrow::Cow<'_, str> {
    match path.strip_prefix("/l/") {
        Some(rest) => {
            let tail = rest.find('/').map_or("", |i| &rest[i..]);
            std::borrow::Cow::Owned(format!("/l/…{tail}"))
        }
        None => std::borrow::Cow::Borrowed(path),
    }
}

/// A panic becomes a plain 500 with no details; the panic itself is logged.
fn panic_response(
    err: Box<dyn std::any::Any + Send + 'static>,
) -> http::Response<axum::body::Body> {
    let detail = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = %detail, "request handler panicked");
    http::Response::builder()
        .status(http::StatusCode::INTERNAL_SERVER_ERROR)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(axum::body::Body::from("Something went wrong on our side."))
        .expect("static response parts are valid")
}

/// Resolves on Ctrl-C or SIGTERM.
/// How the process was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Ctrl-C: a person at a terminal, who wants it to stop now.
    Interrupt,
    /// SIGTERM: an orchestrator or a rolling restart, which drains first.
    Terminate,
}

/// Waits for Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the answer is first awaited: call it before saying the server is running, so a signal
/// sent as soon as it says so is not lost (nor kills it ungracefully).
pub fn shutdown_signal() -> impl Future<Output = Stop> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt()).ok();
        let terminate = signal(SignalKind::terminate()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            let stop = tokio::select! {
                () = wait(interrupt) => Stop::Interrupt,
                () = wait(terminate) => Stop::Terminate,
            };
            tracing::info!(?stop, "shutdown signal received");
            stop
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutdown signal received");
        Stop::Interrupt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt as _;

    #[test]
    fn letter_link_tokens_never_reach_the_log() {
        assert_eq!(loggable_path("/l/SeCrEtToKeN"), "/l/…");
        assert_eq!(
            loggable_path("/l/SeCrEtToKeN/images/0b6c2f1e"),
            "/l/…/images/0b6c2f1e"
        );
        assert_eq!(loggable_path("/letters/new"), "/letters/new");
    }

    #[tokio::test]
    async fn a_panicking_handler_yields_a_generic_500() {
        let router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    let path = "/var/lib/ripen/secret.db";
                    panic!("cannot open {path}: SELECT * FROM users");
                    #[allow(unreachable_code)]
                    ""
                }),
            )
            .layer(CatchPanicLayer::custom(panic_response));
        let res = router
            .oneshot(http::Request::get("/boom").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), http::StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(res.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"Something went wrong on our side.");
    }
}
