//! `/wall` page 1 with 10,000 public letters: how close the server-rendered page comes to
//! serving the same bytes from memory, and its latency at half its peak rate.
//!
//! Run: `cargo bench -p server --bench wall` (needs `wrk` on the PATH; Debian's package).
//! `BENCH_ENGINES=sqlite,postgres` (default both), `BENCH_PG_URL`, `BENCH_LETTERS`
//! (default 10,000), `BENCH_SECS` (each measurement, default 10).
//!
//! 1. The release `ripen` binary serves the wall of a fresh database holding the letters.
//! 2. The bench itself serves page 1's exact bytes from memory with a bare axum handler.
//! 3. `wrk` (2 threads, 32 connections) measures the peak requests/s of each, one after
//!    the other; the figure is SSR ÷ static.
//! 4. `wrk` again, with 64 connections pausing between requests so that together they ask
//!    for about half the SSR peak: p50/p99 latency at that load.

// A benchmark fails loudly and prints its figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

mod support;

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use app::{
    account::ssr::entities::user_account,
    letters::{LetterStatus, Visibility, entities::letter},
};
use axum::{Router, response::IntoResponse, routing::get};
use chrono::Utc;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use uuid::Uuid;

struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(dir: &Path, database_url: &str) -> (Instance, String) {
    let port = free_port();
    let instance = Instance(
        Command::new(env!("CARGO_BIN_EXE_ripen"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RIPEN_LISTEN", format!("127.0.0.1:{port}"))
            .env("RIPEN_SITE_URL", format!("http://127.0.0.1:{port}"))
            .env("RIPEN_DATA_DIR", dir.join("data"))
            .env("RIPEN_DATABASE_URL", database_url)
            .env("RIPEN_HASH_FILES", "false")
            .env("RIPEN_LOG_FILTER", "error")
            .env("RIPEN_LETTERS__DELIVER", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ripen"),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return (instance, base);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("ripen did not start");
}

async fn seed(db: &DatabaseConnection, n: usize, keys_file: &Path) {
    // The key file the server will find in its data directory, made as its first start
    // would; letters are sealed with it like the server's own.
    std::fs::create_dir_all(keys_file.parent().unwrap()).unwrap();
    let set = app::system::keys::load(db, keys_file).await.unwrap();
    let keys = app::seal::Keyring::new(&set, Some(keys_file.to_owned())).unwrap();
    let now = Utc::now();
    let user = Uuid::new_v4();
    user_account::Entity::insert(user_account::ActiveModel::verified_fixture(
        user,
        "writer",
        "bench.test",
        now.fixed_offset(),
    ))
    .exec_without_returning(db)
    .await
    .unwrap();
    let base = now.timestamp_millis() - (n as i64) * 60_000;
    let ids: Vec<usize> = (0..n).collect();
    for chunk in ids.chunks(500) {
        letter::Entity::insert_many(chunk.iter().map(|&i| {
            let id = Uuid::new_v4();
            let delivered = base + (i as i64) * 60_000;
            let public_id = id.simple().to_string()[..16].to_owned();
            letter::ActiveModel {
                title: Set(keys.seal(
                    app::seal::Field::LetterTitle,
                    id,
                    &format!("To whoever I am in {} years", 1 + i % 20),
                )),
                body: Set(keys.seal(app::seal::Field::LetterBody, id, &format!(
                    "Dear future me,\n\nToday I planted letter number {i}. I hope the **garden** \
                     grew, that you kept walking in the mornings, and that you forgave yourself \
                     for the things you could not finish. {}",
                    "Remember the orchard at dusk. ".repeat(6)
                ))),
                status: Set(LetterStatus::Delivered),
                deliver_at_ms: Set(Some(delivered)),
                to_self: Set(true),
                visibility: Set(Visibility::Public),
                pen_name: Set((i % 3 == 0).then(|| "A gardener".to_owned())),
                updated_ms: Set(delivered),
                delivered_ms: Set(Some(delivered)),
                ..letter::ActiveModel::new_draft(
                    id,
                    user,
                    public_id,
                    "Europe/Berlin",
                    delivered - 5 * 365 * 86_400_000,
                )
            }
        }))
        .exec_without_returning(db)
        .await
        .unwrap();
    }
}

/// Requests/s and latency percentiles as `wrk --latency` reports them.
fn wrk(url: &str, secs: u64) -> (f64, String) {
    let out = Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{secs}s"), "--latency", url])
        .output()
        .expect("wrk (Debian package `wrk`) must be installed");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    let p99 = text
        .lines()
        .find(|l| l.trim_start().starts_with("99%"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    (rps, p99)
}

/// Requests at about `rate`/s: `wrk` with 64 connections that each pause between
/// requests (its Lua `delay()`), so the server is loaded at that rate rather than flat
/// out. Returns (achieved req/s, p50, p99) as wrk reports them.
fn paced(url: &str, rate: f64, secs: u64, dir: &Path) -> (f64, String, String) {
    const CONNECTIONS: f64 = 64.0;
    let delay_ms = (CONNECTIONS * 1000.0 / rate).round().max(1.0);
    let script = dir.join("paced.lua");
    std::fs::write(
        &script,
        format!("function delay()\n  return {delay_ms}\nend\n"),
    )
    .unwrap();
    let out = Command::new("wrk")
        .args([
            "-t2",
            &format!("-c{CONNECTIONS}"),
            &format!("-d{secs}s"),
            "--latency",
            "-s",
            script.to_str().unwrap(),
            url,
        ])
        .output()
        .expect("wrk");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0);
    let pct = |p: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(p))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    (rps, pct("50%"), pct("99%"))
}

async fn run(engine: &str, pg_admin: Option<&str>, letters: usize, secs: u64) {
    let dir = tempfile::tempdir().unwrap();
    let (url, db) = support::fresh_db(dir.path(), pg_admin).await;
    seed(&db, letters, &dir.path().join("data/ripen.keys")).await;
    let (server, base) = start(dir.path(), &url).await;
    let page_url = format!("{base}/wall");

    // The exact bytes of page 1, served from memory by a bare axum handler.
    let page = reqwest::get(&page_url).await.unwrap();
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    let html = Arc::new(page.bytes().await.unwrap());
    assert!(html.len() > 10_000, "page 1 has its letters");
    let bytes = html.clone();
    let app = Router::new().route(
        "/wall",
        get(move || {
            let bytes = bytes.clone();
            let ct = content_type.clone();
            async move { ([(http::header::CONTENT_TYPE, ct)], (*bytes).clone()).into_response() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let static_url = format!("http://{}/wall", listener.local_addr().unwrap());
    let static_server = tokio::spawn(async move { axum::serve(listener, app).await });

    // Warm both, then measure one after the other.
    wrk(&page_url, 2);
    let (ssr_rps, ssr_p99) = wrk(&page_url, secs);
    let (static_rps, static_p99) = wrk(&static_url, secs);
    let (paced_rps, p50, p99) = paced(&page_url, ssr_rps / 2.0, secs, dir.path());
    println!(
        "{engine:<10} {letters} letters, page {} KB: SSR {ssr_rps:>8.0} req/s ({ssr_p99}), \
         static {static_rps:>8.0} req/s ({static_p99}), ratio {:.0} %; \
         at half the SSR peak ({paced_rps:.0} req/s): p50 {p50}, p99 {p99}",
        html.len() / 1024,
        100.0 * ssr_rps / static_rps,
    );

    // Without the page cache: every request renders (a signed-in reader's cost).
    let cold = Command::new("wrk")
        .args([
            "-t2",
            "-c32",
            &format!("-d{secs}s"),
            "-H",
            "Cookie: ripen_session=not-a-session",
            &page_url,
        ])
        .output()
        .unwrap();
    let cold_rps = String::from_utf8_lossy(&cold.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:").map(|v| v.trim().to_owned()))
        .unwrap_or_default();
    println!("{engine:<10} rendering every request (no page cache): {cold_rps} req/s");

    static_server.abort();
    drop(server);
    db.close().await.ok();
    support::drop_db(pg_admin, &url).await;
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let letters = support::setting("BENCH_LETTERS", 10_000_usize);
    let secs = support::setting("BENCH_SECS", 10_u64);
    for (engine, pg_admin) in support::engines() {
        run(engine, pg_admin.as_deref(), letters, secs).await;
    }
}
