//! Login latency and concurrency benchmark (not a test: it measures, it does not assert).
//!
//!     cargo run -p server --example login_bench   # (add --release for the release profile)
//!
//! Starts the real server on SQLite in a temporary directory, creates one account, then:
//! 1. 60 sequential logins: median and p99 latency;
//! 2. for 1, 2, 4, 8 and 16 concurrent login loops, the login throughput and the latency
//!    of `/healthz` requests made meanwhile (does hashing stall other requests?).
//!
//! Results are in docs/operations.md and the Accounts issue's note.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use ripen_server::{Application, config::Config};
use serde_json::json;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn client(site: &str) -> reqwest::Client {
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("origin", site.parse().unwrap());
    reqwest::Client::builder()
        .default_headers(h)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn login(c: &reqwest::Client, base: &str) -> Duration {
    let t = Instant::now();
    let res = c
        .post(format!("{base}/api/account/login"))
        .header("accept", "application/json")
        .form(&[
            ("identifier", "bench"),
            ("password", "plum orchard at dusk"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    t.elapsed()
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let config = Config::defaults_with(json!({
        "listen": addr.to_string(),
        "site_url": base,
        "data_dir": dir.path(),
        "hash_files": false,
        "site_root": dir.path(),
        "limits": { "login_failures_per_account": { "max": 1000000, "window_secs": 1 } },
    }))
    .unwrap();
    let app = Application::build_with_listener(config, listener)
        .await
        .unwrap();
    tokio::spawn(app.run_until(std::future::pending()));

    let c = client(&base);
    let res = c
        .post(format!("{base}/api/account/register"))
        .header("accept", "application/json")
        .form(&[
            ("username", "bench"),
            ("email", "bench@example.com"),
            ("password", "plum orchard at dusk"),
            ("age", "on"),
            ("consent", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());

    for _ in 0..5 {
        login(&c, &base).await; // warm up
    }
    let mut lat: Vec<Duration> = Vec::new();
    for _ in 0..60 {
        lat.push(login(&c, &base).await);
    }
    lat.sort();
    println!(
        "sequential logins (n=60): median {}, p99 {}, min {}, max {}",
        ms(percentile(&lat, 0.5)),
        ms(percentile(&lat, 0.99)),
        ms(lat[0]),
        ms(lat[lat.len() - 1])
    );

    let idle = {
        let mut v = Vec::new();
        for _ in 0..50 {
            let t = Instant::now();
            c.get(format!("{base}/healthz")).send().await.unwrap();
            v.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        v.sort();
        v
    };
    println!(
        "/healthz with no logins running: median {}, p99 {}",
        ms(percentile(&idle, 0.5)),
        ms(percentile(&idle, 0.99))
    );

    for workers in [1usize, 2, 4, 8, 16] {
        let stop = Instant::now() + Duration::from_secs(6);
        let mut tasks = Vec::new();
        for _ in 0..workers {
            let (c, base) = (client(&base), base.clone());
            tasks.push(tokio::spawn(async move {
                let mut v = Vec::new();
                while Instant::now() < stop {
                    v.push(login(&c, &base).await);
                }
                v
            }));
        }
        let mut health = Vec::new();
        while Instant::now() < stop {
            let t = Instant::now();
            c.get(format!("{base}/healthz")).send().await.unwrap();
            health.push(t.elapsed());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut logins: Vec<Duration> = Vec::new();
        for t in tasks {
            logins.extend(t.await.unwrap());
        }
        logins.sort();
        health.sort();
        println!(
            "{workers:>2} concurrent: {:.1} logins/s, login median {} p99 {}; /healthz meanwhile median {} p99 {}",
            logins.len() as f64 / 6.0,
            ms(percentile(&logins, 0.5)),
            ms(percentile(&logins, 0.99)),
            ms(percentile(&health, 0.5)),
            ms(percentile(&health, 0.99)),
        );
    }
}
