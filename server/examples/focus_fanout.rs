//! Live-sync benchmark (measures, does not assert):
//!
//!     cargo build -p server && cargo run -p server --example focus_fanout
//!
//! Starts the real `ripen` binary (target/debug or RIPEN_BIN) on SQLite, signs one user in,
//! then
//! 1. opens 100 event streams (100 "devices" of that user) and issues 20 timer commands,
//!    measuring, per device and command, the time from sending the command to the device
//!    receiving the change: p50 / p99 over all 2,000 deliveries;
//! 2. opens 1,000 streams and reports the server's resident memory per open stream.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use tokio::sync::mpsc;

mod support;
use support::{device, pct};

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let bin = std::env::var("RIPEN_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/ripen").into());
    let mut server = Command::new(bin)
        .env("RIPEN_LISTEN", format!("127.0.0.1:{port}"))
        .env("RIPEN_SITE_URL", &base)
        .env("RIPEN_DATA_DIR", dir.path())
        .env("RIPEN_SITE_ROOT", dir.path())
        .env("RIPEN_HASH_FILES", "false")
        .env("RIPEN_LOG_FILTER", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run target/debug/ripen (build it first)");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(2000)
        .build()
        .unwrap();
    while client.get(format!("{base}/readyz")).send().await.is_err() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let post = |path: &str, form: &[(&str, &str)], cookie: Option<&str>| {
        let mut r = client
            .post(format!("{base}{path}"))
            .header("origin", &base)
            .header("accept", "application/json")
            .form(form);
        if let Some(c) = cookie {
            r = r.header("cookie", c.to_owned());
        }
        r.send()
    };
    post(
        "/api/account/register",
        &[
            ("username", "fan"),
            ("email", "fan@example.com"),
            ("password", "plum orchard at dusk"),
            ("age", "on"),
            ("consent", "on"),
        ],
        None,
    )
    .await
    .unwrap();
    let res = post(
        "/api/account/login",
        &[("identifier", "fan"), ("password", "plum orchard at dusk")],
        None,
    )
    .await
    .unwrap();
    let cookie = res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let events = format!("{base}/api/focus/events");

    // 1. Fan-out latency to 100 devices.
    let (tx, mut rx) = mpsc::unbounded_channel();
    for n in 0..100 {
        tokio::spawn(device(
            client.clone(),
            events.clone(),
            cookie.clone(),
            tx.clone(),
            n,
        ));
    }
    let mut connected = std::collections::HashSet::new();
    while connected.len() < 100 {
        connected.insert(rx.recv().await.unwrap().0);
    }
    let mut lat = Vec::new();
    for i in 0..20 {
        let command = ["start", "pause", "resume", "reset"][i % 4];
        let sent = Instant::now();
        let res = post("/api/focus/command", &[("command", command)], Some(&cookie))
            .await
            .unwrap();
        let v: serde_json::Value = res.json().await.unwrap();
        let version = v["version"].as_i64().unwrap();
        let mut got = std::collections::HashSet::new();
        while got.len() < 100 {
            let (n, ver) = rx.recv().await.unwrap();
            if ver == version && got.insert(n) {
                lat.push(sent.elapsed());
            }
        }
    }
    lat.sort();
    println!(
        "fan-out to 100 devices, 20 commands (2,000 deliveries): p50 {}, p99 {}, max {}",
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );

    // 2. Memory per open stream.
    let pid = server.id();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib(pid);
    let (tx2, mut rx2) = mpsc::unbounded_channel();
    for n in 0..1000 {
        tokio::spawn(device(
            client.clone(),
            events.clone(),
            cookie.clone(),
            tx2.clone(),
            n,
        ));
    }
    let mut opened = std::collections::HashSet::new();
    while opened.len() < 1000 {
        opened.insert(rx2.recv().await.unwrap().0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = rss_kib(pid);
    println!(
        "server RSS: {before} KiB with 100 streams, {after} KiB with 1,100 streams: {:.1} KiB per open stream",
        (after as f64 - before as f64) / 1000.0
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
