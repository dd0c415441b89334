//! Letter delivery throughput and lag: the release `ripen` binary, its real scheduler and
//! SMTP client, a real database, and a fast SMTP sink on loopback that records when each
//! Message-ID arrived.
//!
//! Run: `cargo bench -p server --bench delivery` (SQLite), or with
//! `BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/postgres` for PostgreSQL too.
//! `BENCH_LETTERS` (default 10,000) and `BENCH_INSTANCES` (PostgreSQL only, default 1)
//! change the size; `RIPEN_*` variables (e.g. `RIPEN_LETTERS__BATCH`) reach the servers.
//!
//! Two runs per engine:
//! - **burst**: every letter falls due at the same instant, while the server runs; the
//!   figure is letters claimed and sent per second (first due instant to last arrival);
//! - **paced**: letters fall due evenly at a fixed rate (default 1,000/s, `BENCH_RATE`);
//!   the figure is the lag from each letter's due instant to its arrival, p50/p99/max.

// A benchmark fails loudly and prints its figures.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

#[path = "../tests/fixtures.rs"]
mod fixtures;
mod support;

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use chrono::Utc;
use sea_orm::DatabaseConnection;
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter},
    net::TcpListener,
};
use uuid::Uuid;

/// Message-ID → arrival instants (epoch ms); more than one means a duplicate.
type Arrivals = Arc<Mutex<HashMap<String, Vec<i64>>>>;

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// A minimal SMTP server: accepts every message, keeps only its Message-ID and arrival.
async fn sink() -> (u16, Arrivals) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let arrivals: Arrivals = Arc::default();
    let shared = arrivals.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let arrivals = shared.clone();
            tokio::spawn(async move {
                // Like a real server that offers PIPELINING (RFC 2920 §3.2): answers are
                // buffered and written when no more commands are waiting to be read, so
                // one pipelined envelope gets one packet of answers.
                stream.set_nodelay(true).ok();
                let (read, write) = stream.into_split();
                let mut lines = BufReader::new(read);
                let mut write = BufWriter::new(write);
                let mut line = String::new();
                if write.write_all(b"220 sink ESMTP\r\n").await.is_err()
                    || write.flush().await.is_err()
                {
                    return;
                }
                loop {
                    line.clear();
                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.ok();
                            write.flush().await.ok();
                            let mut id = None;
                            let mut in_headers = true;
                            loop {
                                line.clear();
                                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                    return;
                                }
                                if line == ".\r\n" {
                                    break;
                                }
                                if in_headers {
                                    if line == "\r\n" {
                                        in_headers = false;
                                    } else if let Some((k, v)) = line.split_once(':')
                                        && k.eq_ignore_ascii_case("message-id")
                                    {
                                        id = Some(v.trim().to_owned());
                                    }
                                }
                            }
                            if let Some(id) = id {
                                arrivals
                                    .lock()
                                    .unwrap()
                                    .entry(id)
                                    .or_default()
                                    .push(now_ms());
                            }
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            write.flush().await.ok();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                    if lines.buffer().is_empty() && write.flush().await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, arrivals)
}

struct Instance(Child);

impl Instance {
    fn start(dir: &Path, name: &str, database_url: &str, smtp_port: u16) -> Self {
        let data = dir.join(name);
        std::fs::create_dir_all(&data).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_ripen"));
        // `RIPEN_*` settings given to the benchmark reach the servers (e.g.
        // `RIPEN_LETTERS__WORKERS`, `RIPEN_LOG_FILTER`); those below are the benchmark's own.
        command
            .env_clear()
            .env("RIPEN_LOG_FILTER", "warn")
            .envs(std::env::vars().filter(|(k, _)| k.starts_with("RIPEN_")));
        let child = command
            .current_dir(&data)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("RIPEN_LISTEN", "127.0.0.1:0")
            .env("RIPEN_SITE_URL", "http://bench.test")
            .env("RIPEN_DATA_DIR", &data)
            // One key file for every instance, as several instances of one site share.
            .env("RIPEN_KEYS_FILE", dir.join("ripen.keys"))
            .env("RIPEN_DATABASE_URL", database_url)
            .env("RIPEN_HASH_FILES", "false")
            .env("RIPEN_SMTP__HOST", "127.0.0.1")
            .env("RIPEN_SMTP__PORT", smtp_port.to_string())
            .env("RIPEN_SMTP__TLS", "none")
            // Logs go to stdout: shown when the caller chose a log filter.
            .stdout(if std::env::var_os("RIPEN_LOG_FILTER").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ripen");
        Self(child)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn create_user(db: &DatabaseConnection) -> Uuid {
    let name = format!("bench{}", &Uuid::new_v4().simple().to_string()[..8]);
    fixtures::author(db, &name, "bench.test").await
}

/// Schedules one letter to the author per entry of `due`; returns Message-ID → due.
async fn seed(
    db: &DatabaseConnection,
    keys_file: &Path,
    user: Uuid,
    due: &[i64],
) -> HashMap<String, i64> {
    let keys = fixtures::shared_keys(db, keys_file).await;
    let ids = fixtures::letters_to_self(db, &keys, user, due, "bench.test").await;
    ids.into_iter().zip(due.iter().copied()).collect()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

struct Outcome {
    letters_per_s: f64,
    lag_p50: i64,
    lag_p99: i64,
    lag_max: i64,
    duplicates: usize,
}

/// Waits until every expected Message-ID has arrived, then measures.
async fn collect(expected: &HashMap<String, i64>, arrivals: &Arrivals, first_due: i64) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let got = arrivals
            .lock()
            .unwrap()
            .keys()
            .filter(|k| expected.contains_key(*k))
            .count();
        if got == expected.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {got} of {} letters arrived",
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Let stragglers (duplicates) land before counting them.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let map = arrivals.lock().unwrap();
    let mut lags = Vec::with_capacity(expected.len());
    let mut last = first_due;
    let mut duplicates = 0;
    for (id, due) in expected {
        let times = &map[id];
        duplicates += times.len() - 1;
        let first = *times.iter().min().unwrap();
        last = last.max(first);
        lags.push(first - due);
    }
    lags.sort_unstable();
    let span = (last - first_due).max(1) as f64 / 1000.0;
    Outcome {
        letters_per_s: expected.len() as f64 / span,
        lag_p50: percentile(&lags, 50.0),
        lag_p99: percentile(&lags, 99.0),
        lag_max: *lags.last().unwrap_or(&0),
        duplicates,
    }
}

/// Time for the instances to start (the database is already migrated) and go idle.
const WARM_UP: Duration = Duration::from_secs(3);

async fn run(engine: &str, pg_admin: Option<&str>, letters: usize, instances: usize, rate: f64) {
    let dir = tempfile::tempdir().unwrap();
    let (port, arrivals) = sink().await;

    for kind in ["burst", "paced"] {
        let run_dir = dir.path().join(kind);
        std::fs::create_dir_all(&run_dir).unwrap();
        let (url, db) = support::fresh_db(&run_dir, pg_admin).await;
        let user = create_user(&db).await;
        let servers: Vec<_> = (0..instances)
            .map(|i| Instance::start(&run_dir, &format!("i{i}"), &url, port))
            .collect();
        tokio::time::sleep(WARM_UP).await;
        // Due a moment after seeding finishes, while the servers run and sit idle.
        let seeded_by = now_ms() + 4000;
        let due: Vec<i64> = match kind {
            "burst" => vec![seeded_by; letters],
            _ => (0..letters)
                .map(|i| seeded_by + (i as f64 * 1000.0 / rate) as i64)
                .collect(),
        };
        let expected = seed(&db, &run_dir.join("ripen.keys"), user, &due).await;
        assert!(
            now_ms() < seeded_by,
            "seeding took longer than the 4 s head start; lower BENCH_LETTERS"
        );
        let out = collect(&expected, &arrivals, seeded_by).await;
        let label = match kind {
            "burst" => format!("{letters} due at once"),
            _ => format!("{letters} due at {rate:.0}/s"),
        };
        println!(
            "{engine:<10} {instances} inst  {label:<24} {:>8.0} letters/s  lag p50 {:>6} ms  \
             p99 {:>6} ms  max {:>6} ms  duplicates {}",
            out.letters_per_s, out.lag_p50, out.lag_p99, out.lag_max, out.duplicates
        );
        drop(servers);
        db.close().await.ok();
        support::drop_db(pg_admin, &url).await;
    }
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then only build.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let letters = support::setting("BENCH_LETTERS", 10_000_usize);
    let instances = support::setting("BENCH_INSTANCES", 1_usize);
    let rate = support::setting("BENCH_RATE", 1000.0_f64);
    for (engine, pg_admin) in support::engines() {
        let instances = if pg_admin.is_some() { instances } else { 1 };
        run(engine, pg_admin.as_deref(), letters, instances, rate).await;
    }
}
