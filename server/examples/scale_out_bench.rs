//! Several-instances benchmark (measures, does not assert):
//!
//!     cargo build -p server && cargo run -p server --example scale_out_bench
//!
//! Needs PostgreSQL (`BENCH_PG_ADMIN_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`),
//! nginx (`/usr/sbin/nginx`) and wrk on the PATH (Debian packages). Runs the `ripen` binary
//! of target/debug (or `RIPEN_BIN`) twice on one fresh database, and reports
//! 1. the visitors' `/wall` page throughput (wrk, 2 threads, 32 connections, `BENCH_SECS`
//!    each, default 10): one instance directly, one behind nginx, two behind nginx, and
//!    nginx's own ceiling (a fixed answer from nginx itself);
//! 2. timer fan-out across instances: 1,000 event streams of one user open on the second
//!    instance, 20 commands sent to the first; p50 / p99 from the command to each stream's
//!    event, over 20,000 deliveries;
//! 3. the attempt limiter's cost: one counted attempt (the upsert), one at a time and 16 at
//!    once, on PostgreSQL and on a SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use app::account::ssr::limiter::{Key, Limit, RateLimiter, Scope};
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::mpsc;

mod support;
use support::{device, pct};

struct Proc(Child);

impl Drop for Proc {
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

async fn ripen(dir: &Path, name: &str, port: u16, db_url: &str, site: &str) -> Proc {
    let bin = std::env::var("RIPEN_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/ripen").into());
    let home = dir.join(name);
    std::fs::create_dir_all(&home).unwrap();
    let child = Proc(
        Command::new(bin)
            .current_dir(&home)
            .env("RIPEN_LISTEN", format!("127.0.0.1:{port}"))
            .env("RIPEN_SITE_URL", site)
            .env("RIPEN_DATA_DIR", dir.join("data"))
            .env("RIPEN_SITE_ROOT", dir.join("site"))
            .env("RIPEN_DATABASE_URL", db_url)
            .env("RIPEN_HASH_FILES", "false")
            .env("RIPEN_LOG_FILTER", "error")
            .env("RIPEN_TRUST_PROXY", "1")
            .env("RIPEN_ACCOUNTS__STREAMS_PER_ACCOUNT", "1100")
            .env("RIPEN_LETTERS__DELIVER", "false")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run target/debug/ripen (build it first)"),
    );
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return child;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ripen did not start");
}

fn nginx(dir: &Path, port: u16, upstreams: &[u16]) -> Proc {
    let dir = dir.join(format!("nginx-{port}"));
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let servers: String = upstreams
        .iter()
        .map(|p| format!("server 127.0.0.1:{p} max_fails=0;"))
        .collect();
    let d = dir.display();
    let conf = format!(
        "worker_processes 1; master_process off; daemon off; pid {d}/nginx.pid; error_log {d}/error.log error;
         events {{ worker_connections 4096; }}
         http {{ access_log off; client_body_temp_path {d}/tmp/b; proxy_temp_path {d}/tmp/p;
           fastcgi_temp_path {d}/tmp/f; uwsgi_temp_path {d}/tmp/u; scgi_temp_path {d}/tmp/s;
           upstream ripen {{ {servers} keepalive 32; }}
           server {{ listen 127.0.0.1:{port};
             location = /ceiling {{ return 200 \"ok\"; }}
             location / {{ proxy_pass http://ripen; proxy_http_version 1.1;
               proxy_set_header Connection \"\"; proxy_set_header Host $http_host;
               proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
               proxy_next_upstream error timeout http_502 http_503; proxy_buffering off; }} }} }}"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let child = Command::new("/usr/sbin/nginx")
        .arg("-p")
        .arg(&dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .stdout(Stdio::null())
        .spawn()
        .expect("nginx");
    std::thread::sleep(Duration::from_millis(500));
    Proc(child)
}

fn wrk(url: &str, secs: u64) -> String {
    let out = Command::new("wrk")
        .args(["-t2", "-c32", &format!("-d{secs}s"), "--latency", url])
        .output()
        .expect("wrk (Debian package `wrk`)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    let p = |q: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(q))
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("?")
            .to_owned()
    };
    let errors = text
        .lines()
        .find(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .unwrap_or("no errors");
    format!(
        "{rps} req/s, p50 {}, p99 {} ({})",
        p("50%"),
        p("99%"),
        errors.trim()
    )
}

async fn limiter_cost(name: &str, url: &str) {
    let db = Database::connect(url).await.unwrap();
    let limiter = Arc::new(RateLimiter::new(db));
    let limit = Limit::new(1_000_000, 3600);
    let n = 2_000u32;
    let t = Instant::now();
    for i in 0..n {
        limiter
            .take(Scope::Signup, &Key::name(&format!("k{}", i % 50)), limit)
            .await
            .unwrap();
    }
    let one = t.elapsed() / n;
    let t = Instant::now();
    let tasks: Vec<_> = (0..16)
        .map(|w| {
            let limiter = limiter.clone();
            tokio::spawn(async move {
                for i in 0..n / 16 {
                    limiter
                        .take(
                            Scope::Signup,
                            &Key::name(&format!("k{}", (i + w) % 50)),
                            limit,
                        )
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let many = t.elapsed();
    println!(
        "limiter on {name}: {:.0} µs per attempt one at a time; {:.0} attempts/s with 16 at once",
        one.as_secs_f64() * 1e6,
        f64::from(n) / many.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let admin_url = std::env::var("BENCH_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("ripen_bench_{}", uuid::Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
        .await
        .unwrap();
    let db_url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();

    let (pa, pb, p1, p2) = (free_port(), free_port(), free_port(), free_port());
    let site = format!("http://127.0.0.1:{p2}");
    let a = ripen(dir.path(), "a", pa, &db_url, &site).await;
    let b = ripen(dir.path(), "b", pb, &db_url, &site).await;
    let one = nginx(dir.path(), p1, &[pa]);
    let two = nginx(dir.path(), p2, &[pa, pb]);

    println!("1. /wall for visitors (debug build unless RIPEN_BIN says otherwise), {secs} s each:");
    println!(
        "   one instance, direct:      {}",
        wrk(&format!("http://127.0.0.1:{pa}/wall"), secs)
    );
    println!(
        "   one instance behind nginx: {}",
        wrk(&format!("http://127.0.0.1:{p1}/wall"), secs)
    );
    println!(
        "   two instances behind nginx: {}",
        wrk(&format!("http://127.0.0.1:{p2}/wall"), secs)
    );
    println!(
        "   nginx's own ceiling:        {}",
        wrk(&format!("http://127.0.0.1:{p2}/ceiling"), secs)
    );
    drop(one);

    // 2. Fan-out: streams on b, commands to a.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(2000)
        .build()
        .unwrap();
    let post =
        |base: String, path: &str, form: Vec<(&'static str, String)>, cookie: Option<String>| {
            let mut r = client
                .post(format!("{base}{path}"))
                .header("origin", &site)
                .header("accept", "application/json")
                .form(&form);
            if let Some(c) = cookie {
                r = r.header("cookie", c);
            }
            r.send()
        };
    let base_a = format!("http://127.0.0.1:{pa}");
    let base_b = format!("http://127.0.0.1:{pb}");
    post(
        base_a.clone(),
        "/api/account/register",
        vec![
            ("username", "fan".into()),
            ("email", "fan@example.com".into()),
            ("password", "plum orchard at dusk".into()),
            ("age", "on".into()),
            ("consent", "on".into()),
        ],
        None,
    )
    .await
    .unwrap();
    let res = post(
        base_a.clone(),
        "/api/account/login",
        vec![
            ("identifier", "fan".into()),
            ("password", "plum orchard at dusk".into()),
        ],
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
    const STREAMS: usize = 1000;
    let (tx, mut rx) = mpsc::unbounded_channel();
    for n in 0..STREAMS {
        tokio::spawn(device(
            client.clone(),
            format!("{base_b}/api/focus/events"),
            cookie.clone(),
            tx.clone(),
            n,
        ));
    }
    let mut connected = std::collections::HashSet::new();
    while connected.len() < STREAMS {
        connected.insert(rx.recv().await.unwrap().0);
    }
    let mut lat = Vec::new();
    for i in 0..20 {
        let command = ["start", "pause", "resume", "reset"][i % 4];
        let sent = Instant::now();
        let res = post(
            base_a.clone(),
            "/api/focus/command",
            vec![("command", command.into())],
            Some(cookie.clone()),
        )
        .await
        .unwrap();
        let v: serde_json::Value = res.json().await.unwrap();
        let version = v["version"].as_i64().unwrap();
        let mut got = std::collections::HashSet::new();
        while got.len() < STREAMS {
            let (n, ver) = rx.recv().await.unwrap();
            if ver == version && got.insert(n) {
                lat.push(sent.elapsed());
            }
        }
    }
    lat.sort();
    println!(
        "2. fan-out across instances to {STREAMS} streams, 20 commands ({} deliveries): p50 {}, p99 {}, max {}",
        lat.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        pct(&lat, 1.0)
    );
    drop((a, b, two));

    // 3. The limiter.
    println!("3. attempt limiter (one upsert per attempt):");
    limiter_cost("PostgreSQL", &db_url).await;
    let sqlite = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("data/limiter.db").display()
    );
    {
        let db = Database::connect(&sqlite).await.unwrap();
        <migrations::Migrator as migrations::MigratorTrait>::up(&db, None)
            .await
            .unwrap();
    }
    limiter_cost("SQLite", &sqlite).await;

    admin
        .execute_unprepared(&format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#))
        .await
        .unwrap();
}
