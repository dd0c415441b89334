//! Several instances as they are deployed (issue 24): two `ripen` processes on one
//! PostgreSQL database and one S3 bucket, behind a real round-robin proxy (Debian's nginx,
//! started here on loopback ports). What one instance changes, the other shows: a timer
//! started through the first reaches a stream on the second (also after the listening
//! connections were cut), a picture uploaded through the first is served by the second, a
//! letter hidden through the first leaves the second's cached wall. Then a loop of
//! requests runs through the proxy while each instance in turn is stopped with SIGTERM (it
//! drains, then closes) and started again: not one request fails, and the letters that
//! fall due meanwhile are each delivered once, and the usage counts both kept add up. On
//! SQLite there is one instance by design
//! (`it::instances`, `it::process`).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use sea_orm::ConnectionTrait;
use serde_json::json;

use app::{focus::engine::Run, letters::ImageView};
use reqwest::{StatusCode, multipart};

use crate::{
    accounts::verified_user,
    focus::{cmd, next_timer_event},
    harness::{Backend, MailMode, TestApp, TestOptions},
    instances::cut_listeners,
    letters::{letter, png},
    process::{Ripen, post_to},
    s3_server,
    wall::{Seed, ripen_admin, seed},
};

/// How long the load runs (the issue asks for 60 s; `SCALE_OUT_SECS` changes it).
fn load_secs() -> u64 {
    std::env::var("SCALE_OUT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60)
}

/// Requests a second the loop aims at (it is bounded: the machine runs other tests too).
const RATE: u64 = 300;
/// Requests in flight at once.
const WORKERS: u64 = 16;
/// Letters due while the instances restart.
const LETTERS: usize = 12;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

/// nginx in the foreground with its own prefix, as one process (no master and workers, so
/// stopping it leaves no worker behind), stopped when dropped.
struct Nginx {
    child: Child,
    dir: PathBuf,
}

impl Nginx {
    fn start(dir: &Path, port: u16, upstreams: &[u16]) -> Self {
        let dir = dir.join("nginx");
        std::fs::create_dir_all(dir.join("tmp")).unwrap();
        let servers: String = upstreams
            .iter()
            .map(|p| format!("    server 127.0.0.1:{p} max_fails=0;\n"))
            .collect();
        let d = dir.display();
        // Round robin (nginx's default). A request that could not reach an instance
        // (connection refused while it restarts, or closed under it) goes to the next one;
        // so does a 502 or 503 answer. `max_fails=0`: an instance is never set aside for
        // a while after a failure (with the default, an instance that was restarting stays
        // set aside for 10 s, and if the other one restarts meanwhile nothing is left).
        let conf = format!(
            "worker_processes 1;\n\
             master_process off;\n\
             daemon off;\n\
             pid {d}/nginx.pid;\n\
             error_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n\
               access_log off;\n\
               client_body_temp_path {d}/tmp/body;\n\
               proxy_temp_path {d}/tmp/proxy;\n\
               fastcgi_temp_path {d}/tmp/fastcgi;\n\
               uwsgi_temp_path {d}/tmp/uwsgi;\n\
               scgi_temp_path {d}/tmp/scgi;\n\
               upstream ripen {{\n{servers}    keepalive 16;\n  }}\n\
               server {{\n\
                 listen 127.0.0.1:{port};\n\
                 location / {{\n\
                   proxy_pass http://ripen;\n\
                   proxy_http_version 1.1;\n\
                   proxy_set_header Connection \"\";\n\
                   proxy_set_header Host $http_host;\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n\
                   proxy_next_upstream error timeout http_502 http_503;\n\
                   proxy_buffering off;\n\
                 }}\n\
               }}\n\
             }}\n"
        );
        std::fs::write(dir.join("nginx.conf"), conf).unwrap();
        let child = Command::new(nginx())
            .arg("-p")
            .arg(&dir)
            .arg("-c")
            .arg(dir.join("nginx.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start nginx at {} ({e}); run `scripts/setup --test`",
                    nginx().display()
                )
            });
        Self { child, dir }
    }

    fn errors(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nginx() -> PathBuf {
    std::env::var_os("RIPEN_TEST_NGINX")
        .map_or_else(|| PathBuf::from("/usr/sbin/nginx"), PathBuf::from)
}

async fn wait_ready(url: &str) {
    let client = reqwest::Client::new();
    // A hang guard, not a deadline.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(res) = client.get(format!("{url}/readyz")).send().await
            && res.status() == reqwest::StatusCode::OK
        {
            return;
        }
        assert!(Instant::now() < deadline, "{url} did not become ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the load loop saw.
#[derive(Default)]
struct Tally {
    ok: AtomicU64,
    failed: AtomicU64,
    failures: Mutex<Vec<String>>,
}

fn load(url: String, stop: Arc<AtomicBool>, tally: Arc<Tally>) -> Vec<tokio::task::JoinHandle<()>> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let every = Duration::from_micros(1_000_000 * WORKERS / RATE);
    (0..WORKERS)
        .map(|w| {
            let (client, url, stop, tally) =
                (client.clone(), url.clone(), stop.clone(), tally.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(every);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut n = w;
                while !stop.load(Ordering::Relaxed) {
                    tick.tick().await;
                    n += 1;
                    // A visitor's wall page (the cached render), the landing page (a full
                    // server render) and the cheapest answer, in turn.
                    let path = ["/wall", "/", "/healthz", "/wall"][(n % 4) as usize];
                    match client.get(format!("{url}{path}")).send().await {
                        Ok(res) if res.status().is_success() => {
                            // Read the whole body: a response cut short is a failure too.
                            match res.bytes().await {
                                Ok(_) => tally.ok.fetch_add(1, Ordering::Relaxed),
                                Err(e) => {
                                    tally
                                        .failures
                                        .lock()
                                        .unwrap()
                                        .push(format!("{path}: body: {e}"));
                                    tally.failed.fetch_add(1, Ordering::Relaxed)
                                }
                            };
                        }
                        Ok(res) => {
                            tally
                                .failures
                                .lock()
                                .unwrap()
                                .push(format!("{path}: {}", res.status()));
                            tally.failed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            tally.failures.lock().unwrap().push(format!("{path}: {e}"));
                            tally.failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_behind_nginx_share_timers_pictures_and_the_wall_and_a_rolling_restart_loses_nothing()
 {
    let mut app = TestApp::spawn_with(TestOptions {
        config: json!({ "letters": { "min_lead_secs": 0 } }),
        mail: MailMode::Smtp,
        ..TestOptions::default()
    })
    .await;
    if app.backend == Backend::Sqlite {
        // One instance by design: a second process on the file is refused
        // (`it::process::a_second_ripen_on_the_same_sqlite_file_refuses_to_start_and_says_why`).
        return;
    }
    let s3 = s3_server::server().await;
    let prefix = format!("t{}", uuid::Uuid::new_v4().simple());

    // Letters that fall due while the instances restart, written through the in-process
    // server, which then stops: from here on the two processes do all the work.
    verified_user(&app, "ada", "ada@example.com").await;
    // More letters waiting than the Free plan keeps.
    crate::billing::plus(&app, "ada").await;
    let secs = load_secs();
    let first_due = Utc::now() + chrono::Duration::seconds(8);
    let mut ids = Vec::new();
    for i in 0..LETTERS {
        let spread = (secs.saturating_sub(12) * 1000 / LETTERS as u64) as i64;
        let at = first_due + chrono::Duration::milliseconds(spread * i as i64);
        let saved = app
            .call(letter(&format!("Due in the restart {i}"), at))
            .await
            .unwrap();
        ids.push(saved.id);
    }
    // A draft to add a picture to, a letter on the wall, and Ada a moderator.
    let mut draft = letter("With a picture", Utc::now() + chrono::Duration::days(2));
    draft.schedule = false;
    let draft = app.call(draft).await.unwrap().id;
    let ada = app.user_id("ada").await;
    let (_, on_wall) = seed(
        &app,
        ada,
        Seed {
            title: "Blossom report",
            ..Seed::default()
        },
    )
    .await;
    let out = ripen_admin(&app, "ada");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let smtp = app.smtp_port().unwrap();
    app.stop_server().await;

    let dir = tempfile::tempdir().unwrap();
    let (port_a, port_b, port_proxy) = (free_port(), free_port(), free_port());
    let site = format!("http://127.0.0.1:{port_proxy}");
    let data_dir = app.data_dir();
    let env = |port: u16| -> Vec<(String, String)> {
        [
            ("RIPEN_LISTEN", format!("127.0.0.1:{port}")),
            ("RIPEN_SITE_URL", site.clone()),
            ("RIPEN_DATABASE_URL", app.database_url.clone()),
            ("RIPEN_DATA_DIR", data_dir.display().to_string()),
            ("RIPEN_TRUST_PROXY", "1".into()),
            ("RIPEN_DRAIN_SECS", "2".into()),
            ("RIPEN_SMTP__HOST", "127.0.0.1".into()),
            ("RIPEN_SMTP__PORT", smtp.to_string()),
            ("RIPEN_SMTP__TLS", "none".into()),
            ("RIPEN_LETTERS__MIN_LEAD_SECS", "0".into()),
            ("RIPEN_LETTERS__POLL_MS", "200".into()),
            ("RIPEN_S3__ENDPOINT", s3.endpoint.clone()),
            ("RIPEN_S3__BUCKET", s3_server::BUCKET.into()),
            ("RIPEN_S3__ACCESS_KEY_ID", s3_server::ACCESS_KEY.into()),
            ("RIPEN_S3__SECRET_ACCESS_KEY", s3_server::SECRET_KEY.into()),
            ("RIPEN_S3__PREFIX", prefix.clone()),
            ("RIPEN_LOG_FILTER", "warn".into()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    };
    let start = |port: u16, name: &str| {
        let home = dir.path().join(name);
        std::fs::create_dir_all(&home).unwrap();
        let env = env(port);
        // Blocking (it waits for the process to say it runs): off the runtime's threads,
        // so the load loop keeps its pace meanwhile.
        tokio::task::spawn_blocking(move || {
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            Ripen::start(&home, &env).0
        })
    };
    let mut instances = vec![
        (port_a, Some(start(port_a, "a").await.unwrap())),
        (port_b, Some(start(port_b, "b").await.unwrap())),
    ];
    let proxy = Nginx::start(dir.path(), port_proxy, &[port_a, port_b]);
    for (port, _) in &instances {
        wait_ready(&format!("http://127.0.0.1:{port}")).await;
    }
    wait_ready(&site).await;
    let (a_url, b_url) = (
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    );
    // Ada's session (made through the in-process server) is a database row: both take it.
    let ada_client = &app.client;

    // A timer started through A reaches Ada's phone, whose stream is on B.
    let mut stream = ada_client
        .get(format!("{b_url}/api/focus/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let mut buf = String::new();
    let guard = || Instant::now() + Duration::from_secs(20);
    next_timer_event(&mut stream, &mut buf, guard(), |_| true)
        .await
        .expect("the current state first");
    let sent = Instant::now();
    assert_eq!(
        post_to(ada_client, &a_url, &site, cmd("start")).await,
        StatusCode::OK
    );
    let seen = next_timer_event(&mut stream, &mut buf, guard(), |s| {
        matches!(s.state.run, Run::Running { .. })
    })
    .await;
    assert!(seen.is_some(), "B's stream saw the start made through A");
    eprintln!(
        "timer change from process A to a stream on process B: {:?}",
        sent.elapsed()
    );
    // The listening connections cut (a database failover): a change still arrives.
    assert_eq!(
        cut_listeners(&app).await,
        2,
        "one listening connection per process"
    );
    assert_eq!(
        post_to(ada_client, &a_url, &site, cmd("pause")).await,
        StatusCode::OK
    );
    let seen = next_timer_event(&mut stream, &mut buf, guard(), |s| {
        matches!(s.state.run, Run::Paused { .. })
    })
    .await;
    assert!(
        seen.is_some(),
        "B's stream resynced after its listener came back"
    );
    drop(stream);

    // A picture uploaded through A is served by B (from the bucket).
    let part = multipart::Part::bytes(png(20, 10))
        .file_name("plum.png")
        .mime_str("image/png")
        .unwrap();
    let res = ada_client
        .post(format!("{a_url}/api/letters/{draft}/images"))
        .header("origin", &site)
        .multipart(multipart::Form::new().part("image", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let img: ImageView = res.json().await.unwrap();
    let from_a = ada_client
        .get(format!("{a_url}{}", img.url))
        .send()
        .await
        .unwrap();
    let from_b = ada_client
        .get(format!("{b_url}{}", img.url))
        .send()
        .await
        .unwrap();
    assert_eq!(from_b.status(), StatusCode::OK);
    assert_eq!(from_a.bytes().await.unwrap(), from_b.bytes().await.unwrap());

    // A letter hidden through A is gone from B's cached wall before the cache would
    // have forgotten it by itself.
    let visitor = reqwest::Client::new();
    let cached_at = Instant::now();
    let wall_b = || async {
        visitor
            .get(format!("{b_url}/wall"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert!(wall_b().await.contains("Blossom report"));
    let hidden = app::wall::Moderate {
        id: on_wall,
        hide: true,
    };
    assert_eq!(
        post_to(ada_client, &a_url, &site, hidden).await,
        StatusCode::OK
    );
    while wall_b().await.contains("Blossom report") {
        assert!(
            cached_at.elapsed() < ripen_server::wall::TTL,
            "still on B's wall when its cache would have expired anyway"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Usage counts (with a visitor's consent to statistics) from both add up.
    let consent = format!(
        "ripen_consent={}.{}.010",
        uuid::Uuid::new_v4(),
        app::privacy::POLICY_VERSION
    );
    for base in [&a_url, &a_url, &a_url, &b_url, &b_url] {
        let res = visitor
            .get(format!("{base}/privacy"))
            .header("cookie", &consent)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let tally = Arc::new(Tally::default());
    let started = Instant::now();
    let workers = load(site.clone(), stop.clone(), tally.clone());

    // Each instance in turn: SIGTERM (it drains for 2 s, then closes), started again on
    // the same port, and ready before the next one goes.
    tokio::time::sleep(Duration::from_secs(5)).await;
    for (n, (port, instance)) in instances.iter_mut().enumerate() {
        let old = instance.take().unwrap();
        let went = Instant::now();
        let (exit, logs) = tokio::task::spawn_blocking(move || old.stop())
            .await
            .unwrap();
        assert!(exit.success(), "{exit} {logs:?}");
        let stopped = went.elapsed();
        *instance = Some(start(*port, &format!("{n}-again")).await.unwrap());
        wait_ready(&format!("http://127.0.0.1:{port}")).await;
        eprintln!(
            "instance {n}: drained and stopped in {stopped:?}, serving again after {:?}",
            went.elapsed()
        );
    }

    let left = Duration::from_secs(secs).saturating_sub(started.elapsed());
    tokio::time::sleep(left).await;
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (ok, failed) = (
        tally.ok.load(Ordering::Relaxed),
        tally.failed.load(Ordering::Relaxed),
    );
    eprintln!(
        "rolling restart under load: {ok} requests answered, {failed} failed, in {elapsed:.1} s ({:.0}/s)",
        ok as f64 / elapsed
    );
    let failures: Vec<String> = tally
        .failures
        .lock()
        .unwrap()
        .iter()
        .take(20)
        .cloned()
        .collect();
    assert_eq!(failed, 0, "{failures:?}\nnginx: {}", proxy.errors());

    // Every letter due meanwhile was delivered, each exactly once.
    let mut delivered = 0;
    let listed: Vec<String> = ids.iter().map(|id| format!("'{id}'")).collect();
    let count = format!(
        "SELECT COUNT(*) AS n FROM letter WHERE status = 'delivered' AND id IN ({})",
        listed.join(", ")
    );
    // A hang guard, not a deadline.
    for _ in 0..600 {
        let row = app
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                count.clone(),
            ))
            .await
            .unwrap()
            .unwrap();
        delivered = row.try_get::<i64>("", "n").unwrap();
        if delivered == LETTERS as i64 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        delivered, LETTERS as i64,
        "every letter due during the restarts arrived"
    );
    let emails = crate::mail::all_in(&app.mail_dir);
    for id in &ids {
        let marker = format!("<letter.{}.", id.simple());
        let copies = emails.iter().filter(|m| m.raw.contains(&marker)).count();
        assert_eq!(copies, 1, "letter {id} was emailed {copies} times");
    }
    for (_, instance) in instances {
        let (exit, logs) = tokio::task::spawn_blocking(move || instance.unwrap().stop())
            .await
            .unwrap();
        assert!(exit.success(), "{exit} {logs:?}");
    }
    // Each process added its own counts (the last at its stop): 3 + 2.
    let views = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) AS n FROM page_view_day WHERE page = '/privacy'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(views, 5, "page views counted on both instances add up");
}
