//! `ripen`: starts the server.

use ripen_server::{Application, config::Config, shutdown_signal, telemetry};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ripen: {e}");
            return std::process::ExitCode::from(2);
        }
    };
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
