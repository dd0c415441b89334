//! `ripen`: starts the server.
//!
//! `ripen admin grant --role <role> <username>` / `ripen admin revoke --role <role> <username>`
//! give or take a staff role (administrator, moderator, support), using the same
//! configuration; each change is written to the audit log.
//!
//! `ripen keys rotate` adds a newer key of each kind to the key file and seals every
//! letter, recipient, picture and notification with it (the old keys stay to open links
//! and anything written meanwhile by a running server).
//!
//! `ripen notify-breach --incident <ID> …` tells the accounts a data breach affected, by
//! email and in-app notice, each once per incident (`ripen notify-breach` alone prints its
//! usage; docs/operations.md, "Breach notices").
//!
//! `ripen backup [--to DIR]` writes a consistent backup of the database and the stored
//! files while Ripen runs (default `<data_dir>/backups`) and deletes the backups there
//! older than `backup.keep_days`; `ripen restore <BACKUP_DIR>` checks a backup and restores
//! it into an empty database and uploads directory (`ripen_server::backup`).
//!
//! `ripen blobs migrate` copies the stored files of the uploads directory into the `[s3]`
//! bucket and checks each one (`ripen_server::blobs`).
//!
//! `ripen catalogue <en|zh-Hans>` prints every user-visible text of one language as JSON
//! (for translators, and for the end-to-end test that looks for untranslated text).

use ripen_server::{Application, config::Config, db, shutdown_signal, telemetry};

const USAGE: &str = "usage: ripen                          start the server\n       \
                     ripen admin grant --role <role> <username>\n       \
                                                    give an account a staff role:\n       \
                                                    administrator, moderator or support\n       \
                     ripen admin revoke --role <role> <username>\n       \
                                                    take the role away\n       \
                     ripen keys rotate              seal with new keys from now on\n       \
                     ripen notify-breach …          tell the accounts a data breach affected\n       \
                     ripen backup [--to DIR]        back up the database and stored files\n       \
                     ripen restore <BACKUP_DIR>     restore a backup into an empty place\n       \
                     ripen blobs migrate            copy stored files into the [s3] bucket\n       \
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
        [
            "admin",
            action @ ("grant" | "revoke"),
            "--role",
            role,
            username,
        ] => {
            let Some(role) = app::staff::StaffRole::parse(role) else {
                eprintln!(
                    "ripen: no role {role:?}: the roles are administrator, moderator and support"
                );
                return std::process::ExitCode::from(2);
            };
            return admin(&config, *action == "grant", role, username).await;
        }
        ["keys", "rotate"] => return rotate_keys(&config).await,
        ["notify-breach", rest @ ..] => return notify_breach(&config, rest).await,
        ["backup"] => return backup(&config, None).await,
        ["backup", "--to", dir] => return backup(&config, Some(std::path::Path::new(dir))).await,
        ["restore", dir] => return restore(&config, std::path::Path::new(dir)).await,
        ["blobs", "migrate"] => return migrate_blobs(&config).await,
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
    // Listening for signals before saying it runs: a stop sent right away is not lost.
    let signal = shutdown_signal();
    tracing::info!(%addr, site_url = %config.site_origin(), "listening");
    eprintln!(
        "\n  Ripen is running at http://{addr}\n  Open {} in your browser\n  (press Ctrl-C to stop)\n",
        config.site_origin()
    );
    match app.run_until_signalled(signal).await {
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
async fn admin(
    config: &Config,
    grant: bool,
    role: app::staff::StaffRole,
    username: &str,
) -> std::process::ExitCode {
    let db = match db::connect_and_migrate(config).await {
        Ok(db) => db,
        Err(e) => {
            eprintln!("ripen: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let role_name = role.as_str();
    match app::staff::ssr::set_role(&db, username, role, grant).await {
        Ok(changed) => {
            let a = if role_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            let what = match (grant, changed) {
                (true, true) => format!("{username} is now {a} {role_name}"),
                (true, false) => format!("{username} was already {a} {role_name}"),
                (false, true) => format!("{username} is no longer {a} {role_name}"),
                (false, false) => format!("{username} was not {a} {role_name}"),
            };
            println!("{what} (recorded in the audit log)");
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
            "  sealed anew: {} letters, {} recipients, {} pictures, {} notifications, {} letters' figures",
            done.letters, done.recipients, done.pictures, done.notifications, done.figures
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
async fn notify_breach(config: &Config, args: &[&str]) -> std::process::ExitCode {
    use ripen_server::breach;
    let args = match breach::parse_args(args) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("ripen notify-breach: {e}\n\n{}", breach::USAGE);
            return std::process::ExitCode::from(2);
        }
    };
    telemetry::init_for_command(config);
    let incident = args.incident.as_str().to_owned();
    let r = match breach::notify_breach(config, args).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("ripen notify-breach: {e:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let names = |list: &[String]| {
        if list.is_empty() {
            String::new()
        } else {
            format!(": {}", list.join(", "))
        }
    };
    println!("Breach notices for incident {incident}");
    println!("  accounts matched:         {}", r.matched);
    println!("  notified now:             {}", r.notified_now);
    println!("  already notified before:  {}", r.already_notified);
    println!("  emails sent:              {}", r.emails_sent);
    println!(
        "  in-app only (no verified email address): {}{}",
        r.in_app_only.len(),
        names(&r.in_app_only)
    );
    println!("  closed accounts skipped:  {}", r.skipped_closed);
    if !r.not_found.is_empty() {
        println!(
            "  not found:                {}{}",
            r.not_found.len(),
            names(&r.not_found)
        );
    }
    if r.emails_failed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        println!(
            "  emails failed:            {}{}",
            r.emails_failed.len(),
            names(&r.emails_failed)
        );
        eprintln!(
            "ripen notify-breach: some emails failed (they were told in-app); run the same \
             command again to retry them"
        );
        std::process::ExitCode::FAILURE
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

// The command's answer goes to standard output.
#[allow(clippy::print_stdout)]
async fn migrate_blobs(config: &Config) -> std::process::ExitCode {
    let started = std::time::Instant::now();
    let result = ripen_server::blobs::migrate(config, |m| {
        if m.done % 100 == 0 || m.done == m.total {
            println!(
                "  copied and checked {} of {} files ({} bytes)",
                m.done, m.total, m.bytes
            );
        }
    })
    .await;
    match result {
        Ok(m) => {
            println!(
                "{} files ({} bytes) copied into the bucket and checked, in {:.1} s. \
                 Ripen reads them there once it starts with [s3] set; the uploads directory \
                 can go once it does.",
                m.total,
                m.bytes,
                started.elapsed().as_secs_f64()
            );
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ripen: blobs migrate: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
