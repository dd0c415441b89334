//! `ripen`: starts the server.
//!
//! `ripen admin grant <username>` / `ripen admin revoke <username>` give or take the
//! moderator role (the wall's moderation queue), using the same configuration.
//!
//! `ripen keys rotate` adds a newer key of each kind to the key file and seals every
//! letter, recipient, picture and notification with it (the old keys stay to open links
//! and anything written meanwhile by a running server).
//!
//! `ripen backup [--to DIR]` writes a consistent backup of the database and the stored
//! files while Ripen runs (default `<data_dir>/backups`) and deletes the backups there
//! older than `backup.keep_days`; `ripen restore <BACKUP_DIR>` checks a backup and restores
//! it into an empty database and uploads directory (`ripen_server::backup`).
//!
//! `ripen catalogue <en|zh-Hans>` prints every user-visible text of one language as JSON
//! (for translators, and for the end-to-end test that looks for untranslated text).

use ripen_server::{Application, config::Config, db, shutdown_signal, telemetry};

const USAGE: &str = "usage: ripen                          start the server\n       \
                     ripen admin grant <username>   make an account a moderator\n       \
                     ripen admin revoke <username>  take the role away\n       \
                     ripen keys rotate              seal with new keys from now on\n       \
                     ripen backup [--to DIR]        back up the database and stored files\n       \
                     ripen restore <BACKUP_DIR>     restore a backup into an empty place\n       \
                     ripen catalogue <en|zh-Hans>   print one language's texts as JSON";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // Every command may create the database: its files are private from the start.
    ripen_server::files::restrict_umask();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [cmd, lang] = args.as_slice()
        && cmd == "catalogue"
    {
        return catalogue(lang);
    }
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ripen: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        [] => {}
        ["admin", action @ ("grant" | "revoke"), username] => {
            return admin(&config, *action == "grant", username).await;
        }
        ["keys", "rotate"] => return rotate_keys(&config).await,
        ["backup"] => return backup(&config, None).await,
        ["backup", "--to", dir] => return backup(&config, Some(std::path::Path::new(dir))).await,
        ["restore", dir] => return restore(&config, std::path::Path::new(dir)).await,
        _ => {
            eprintln!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    }
    telemetry::init(&config);
    tracing::info!(?config, "starting Ripen");
    let app = match Application::build(config.clone()).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!("ripen could not start: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let addr = app.local_addr();
    tracing::info!(%addr, site_url = %config.site_origin(), "listening");
    eprintln!("\n  Ripen is running at http://{addr}\n  (press Ctrl-C to stop)\n");
    match app.run_until(shutdown_signal()).await {
        Ok(()) => {
            tracing::info!("stopped");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!("server error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

// The command's answer goes to standard output.
#[allow(clippy::print_stdout)]
fn catalogue(tag: &str) -> std::process::ExitCode {
    let Some(lang) = app::i18n::Lang::parse(tag) else {
        eprintln!("ripen: unknown language {tag:?} (en or zh-Hans)");
        return std::process::ExitCode::from(2);
    };
    match serde_json::to_string_pretty(lang.texts()) {
        Ok(json) => {
            println!("{json}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ripen: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

// The command's answer goes to standard output.
#[allow(clippy::print_stdout)]
async fn admin(config: &Config, grant: bool, username: &str) -> std::process::ExitCode {
    let db = match db::connect_and_migrate(config).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("ripen: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match app::wall::ssr::set_admin(&db, username, grant).await {
        Ok(()) => {
            println!(
                "{username} {} a moderator",
                if grant { "is now" } else { "is no longer" }
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!(
                "ripen: {}",
                e.field_message("username").unwrap_or("the change failed")
            );
            std::process::ExitCode::FAILURE
        }
    }
}

// The command's answer goes to standard output.
#[allow(clippy::print_stdout)]
async fn rotate_keys(config: &Config) -> std::process::ExitCode {
    match ripen_server::rotate_keys(config, |done| {
        println!(
            "  sealed anew: {} letters, {} recipients, {} pictures, {} notifications",
            done.letters, done.recipients, done.pictures, done.notifications
        );
    })
    .await
    {
        Ok(key) => {
            println!(
                "Letters are now sealed with key {key}, kept in {}. Older keys stay in the \
                 file to open links and anything a running server wrote meanwhile.",
                config.keys_file().display()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ripen: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

// The command's answer goes to standard output.
#[allow(clippy::print_stdout)]
async fn backup(config: &Config, to: Option<&std::path::Path>) -> std::process::ExitCode {
    let started = std::time::Instant::now();
    match ripen_server::backup::backup(config, to, |step| println!("  {step}")).await {
        Ok(made) => {
            println!(
                "Backup written to {} ({} files, {} bytes) in {:.1} s. The key file is not in \
                 it: back it up separately.",
                made.path.display(),
                made.files,
                made.bytes,
                started.elapsed().as_secs_f64()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ripen: the backup failed: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

// The command's answer goes to standard output.
#[allow(clippy::print_stdout)]
async fn restore(config: &Config, from: &std::path::Path) -> std::process::ExitCode {
    let started = std::time::Instant::now();
    match ripen_server::backup::restore(config, from, |step| println!("  {step}")).await {
        Ok(done) => {
            println!(
                "Restored {} and checked it: {} tables, {} rows, {} stored files, in {:.1} s. \
                 Put the installation's key file in place before starting Ripen.",
                from.display(),
                done.tables,
                done.rows,
                done.files,
                started.elapsed().as_secs_f64()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ripen: restore: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
