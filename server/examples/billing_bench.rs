//! Payment notifications benchmark (measures, and checks the outcome; no timing asserts):
//!
//!     cargo build -p server && cargo run -p server --example billing_bench
//!
//! Needs PostgreSQL (`BENCH_PG_ADMIN_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Runs the `ripen` binary of target/debug
//! (or `RIPEN_BIN`) on a fresh database with the sandbox provider, makes 600 accounts with
//! 10 orders each waiting for payment, then posts 10,000 signed sandbox notifications to
//! `/billing/notify/sandbox`, `BENCH_CONCURRENCY` (default 32) at a time, in a shuffled
//! order: one "paid" per order (6,000), a third of all of them repeated (3,334), and a
//! "failed" for 666 orders that arrives before or after their payment. Reports
//! notifications per second and p50 / p99 latency, then proves from the database that every
//! order is paid and every account's Plus was extended exactly once per order: its
//! periods follow one another with no gap or overlap, and Plus lasts until the last.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    collections::HashMap,
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use app::billing::{
    OrderStatus, Product, Provider,
    entities::billing_order,
    ssr::sandbox::{Notification, Sandbox},
};
use futures::{StreamExt, stream};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, EntityTrait, Statement};
use uuid::Uuid;

#[allow(dead_code, reason = "shared with the tests and other examples")]
#[path = "../tests/fixtures.rs"]
mod fixtures;
#[allow(dead_code, reason = "shared with the other examples")]
mod support;
use support::pct;

const ACCOUNTS: usize = 600;
const ORDERS_EACH: usize = 10;
const TOTAL: usize = 10_000;
const FAILED: usize = 666;

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

async fn ripen(dir: &Path, port: u16, db_url: &str) -> Proc {
    let bin = std::env::var("RIPEN_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../target/debug/ripen").into());
    let child = Proc(
        Command::new(bin)
            .current_dir(dir)
            .env("RIPEN_LISTEN", format!("127.0.0.1:{port}"))
            .env("RIPEN_SITE_URL", format!("http://127.0.0.1:{port}"))
            .env("RIPEN_DATA_DIR", dir.join("data"))
            .env("RIPEN_SITE_ROOT", dir.join("site"))
            .env("RIPEN_DATABASE_URL", db_url)
            .env("RIPEN_HASH_FILES", "false")
            .env("RIPEN_LOG_FILTER", "error")
            .env("RIPEN_LETTERS__DELIVER", "false")
            // The reconciler stays out of the measurement.
            .env("RIPEN_BILLING__RECONCILE_SECS", "3600")
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

/// A small deterministic shuffle (xorshift), so runs are comparable.
fn shuffle<T>(items: &mut [T]) {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        items.swap(i, (x % (i as u64 + 1)) as usize);
    }
}

#[tokio::main]
async fn main() {
    let concurrency: usize = std::env::var("BENCH_CONCURRENCY")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(32);
    let admin_url = std::env::var("BENCH_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("ripen_bench_{}", Uuid::new_v4().simple());
    let admin = Database::connect(&admin_url).await.unwrap();
    admin
        .execute_unprepared(&format!(r#"CREATE DATABASE "{name}""#))
        .await
        .unwrap();
    let db_url = format!("{}/{name}", admin_url.rsplit_once('/').unwrap().0);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("site/pkg")).unwrap();
    let port = free_port();
    let server = ripen(dir.path(), port, &db_url).await;
    let db = Database::connect(&db_url).await.unwrap();

    // The sandbox's key, derived from the installation's key file as the server derives it.
    let keys_path = dir.path().join("data/ripen.keys");
    let set = app::seal::KeySet::parse(&std::fs::read_to_string(&keys_path).unwrap(), &keys_path)
        .unwrap();
    let sandbox = Arc::new(Sandbox::new(&app::seal::Keyring::new(&set, None).unwrap()).unwrap());

    // 600 accounts, 10 orders each, all sent to pay.
    let now = chrono::Utc::now().timestamp_millis();
    let mut orders: Vec<(String, i64)> = Vec::with_capacity(ACCOUNTS * ORDERS_EACH);
    let mut rows = Vec::with_capacity(ACCOUNTS * ORDERS_EACH);
    for a in 0..ACCOUNTS {
        let user = fixtures::author(&db, &format!("payer{a}"), "example.com").await;
        for o in 0..ORDERS_EACH {
            let product = if o % 3 == 0 {
                Product::PlusYear
            } else {
                Product::PlusMonth
            };
            let amount = if product == Product::PlusYear {
                9800
            } else {
                1200
            };
            let order_no = format!(
                "RPBENCH{a:05}{o:02}{}",
                &Uuid::new_v4().simple().to_string()[..8]
            );
            orders.push((order_no.clone(), amount));
            rows.push(billing_order::ActiveModel {
                id: Set(Uuid::new_v4()),
                order_no: Set(order_no),
                user_id: Set(Some(user)),
                product: Set(product),
                amount_fen: Set(amount),
                currency: Set("CNY".into()),
                provider: Set(Provider::Sandbox),
                provider_trade_no: Set(None),
                status: Set(OrderStatus::Pending),
                pay_code: Set(None),
                created_ms: Set(now),
                expires_ms: Set(now + 3_600_000),
                paid_ms: Set(None),
                closed_ms: Set(None),
                period_start_ms: Set(None),
                period_end_ms: Set(None),
                refunded_fen: Set(0),
                updated_ms: Set(now),
            });
        }
    }
    for chunk in rows.chunks(500) {
        billing_order::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(&db)
            .await
            .unwrap();
    }

    // The notifications: a paid per order, failed ones for some, a third repeated.
    let mut unique: Vec<Vec<u8>> = Vec::new();
    let note = |order_no: &str, outcome: &str, amount: i64| {
        serde_json::to_vec(&Notification {
            id: Uuid::new_v4().to_string(),
            order_no: order_no.into(),
            outcome: outcome.into(),
            amount_fen: amount,
            currency: "CNY".into(),
            trade_no: format!("SBX{order_no}"),
        })
        .unwrap()
    };
    for (no, amount) in &orders {
        unique.push(note(no, "paid", *amount));
    }
    for (no, amount) in orders.iter().step_by(orders.len() / FAILED).take(FAILED) {
        unique.push(note(no, "failed", *amount));
    }
    let mut all = unique.clone();
    let repeats = TOTAL - all.len();
    for i in 0..repeats {
        all.push(unique[(i * 7) % unique.len()].clone());
    }
    shuffle(&mut all);
    assert_eq!(all.len(), TOTAL);

    let client = reqwest::Client::new();
    let url = format!("http://127.0.0.1:{port}/billing/notify/sandbox");
    let started = Instant::now();
    let results: Vec<(Duration, bool)> = stream::iter(all)
        .map(|body| {
            let (client, url, sandbox) = (client.clone(), url.clone(), sandbox.clone());
            async move {
                let mut req = client.post(&url).body(body.clone());
                for (k, v) in sandbox.sign(&body, chrono::Utc::now().timestamp()) {
                    req = req.header(k, v);
                }
                let t = Instant::now();
                let res = req.send().await.unwrap();
                let ok = res.status().is_success() && res.text().await.unwrap() == "success";
                (t.elapsed(), ok)
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let wall = started.elapsed();
    let failed = results.iter().filter(|(_, ok)| !ok).count();
    let mut lat: Vec<Duration> = results.iter().map(|(d, _)| *d).collect();
    lat.sort();
    println!(
        "{TOTAL} notifications ({} unique, {repeats} repeated, {FAILED} 'failed' out of order), {concurrency} at a time, PostgreSQL, debug build:",
        unique.len()
    );
    println!(
        "   {:.0} notifications/s; latency p50 {}, p99 {}, max {}; {failed} not acknowledged",
        TOTAL as f64 / wall.as_secs_f64(),
        pct(&lat, 0.50),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
    );

    // The proof, from the database.
    let q = |sql: &str| Statement::from_string(db.get_database_backend(), sql);
    let row = db
        .query_one_raw(q(
            "SELECT COUNT(*) AS n FROM billing_order WHERE status = 'paid'",
        ))
        .await
        .unwrap()
        .unwrap();
    let paid: i64 = row.try_get("", "n").unwrap();
    let row = db
        .query_one_raw(q(
            "SELECT COUNT(*) AS n FROM billing_event WHERE kind = 'paid' AND outcome = 'applied'",
        ))
        .await
        .unwrap()
        .unwrap();
    let applied: i64 = row.try_get("", "n").unwrap();
    let periods = db
        .query_all_raw(q(
            "SELECT user_id::text AS u, period_start_ms AS s, period_end_ms AS e \
             FROM billing_order ORDER BY user_id, period_start_ms",
        ))
        .await
        .unwrap();
    let mut by_user: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for r in &periods {
        by_user
            .entry(r.try_get("", "u").unwrap())
            .or_default()
            .push((r.try_get("", "s").unwrap(), r.try_get("", "e").unwrap()));
    }
    let until: HashMap<String, i64> = db
        .query_all_raw(q(
            "SELECT user_id::text AS u, plus_until_ms AS t FROM subscription",
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get("", "u").unwrap(), r.try_get("", "t").unwrap()))
        .collect();
    let chained = by_user.iter().all(|(u, p)| {
        p.len() == ORDERS_EACH
            && p.windows(2).all(|w| w[0].1 == w[1].0)
            && until.get(u) == p.last().map(|l| l.1).as_ref()
    });
    println!(
        "   orders paid: {paid} of {}; payments applied: {applied}; every account's periods \
         follow one another and Plus lasts until the last: {chained}",
        orders.len()
    );
    assert_eq!(failed, 0, "every notification was acknowledged");
    assert_eq!(paid as usize, orders.len());
    assert_eq!(applied as usize, orders.len());
    assert!(chained, "each order extended Plus exactly once");
    drop(server);
    db.close().await.ok();
    admin
        .execute_unprepared(&format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#))
        .await
        .ok();
}
