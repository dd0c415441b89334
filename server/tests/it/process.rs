//! The `ripen` binary as a user runs it: defaults, printed URL, SQLite file, SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

/// The `ripen` binary running in `dir`, its stdout and stderr read line by line.
pub(crate) struct Ripen {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    readers: Vec<std::thread::JoinHandle<()>>,
    /// Every line read so far.
    logs: Vec<String>,
}

impl Ripen {
    /// Starts it with a clean environment plus `env`, and waits (up to 30 s) for the line
    /// that prints its URL; answers the URL.
    pub(crate) fn start(dir: &std::path::Path, env: &[(&str, &str)]) -> (Self, String) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ripen"))
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            // No drain at SIGTERM unless a test asks for one.
            .env("RIPEN_DRAIN_SECS", "0")
            .envs(env.iter().copied())
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start ripen");
        // The URL is printed on stderr, logs go to stdout; read both line by line.
        let (tx, lines) = std::sync::mpsc::channel();
        let streams = [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        ];
        let readers = streams
            .into_iter()
            .map(|stream| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    for line in BufReader::new(stream).lines().map_while(Result::ok) {
                        let _ = tx.send(line);
                    }
                })
            })
            .collect();
        let mut me = Self {
            child,
            lines,
            readers,
            logs: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        let url = loop {
            let line = me
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("ripen printed its URL in time");
            let url = line
                .trim()
                .strip_prefix("Ripen is running at ")
                .map(|rest| rest.trim().to_owned());
            me.logs.push(line);
            if let Some(url) = url {
                break url;
            }
        };
        (me, url)
    }

    /// Sends SIGTERM, waits up to 10 s for the exit, and answers its status and every line
    /// it wrote.
    pub(crate) fn stop(self) -> (std::process::ExitStatus, Vec<String>) {
        self.terminate();
        self.wait()
    }

    /// Waits up to `within` for a line that contains `needle`; answers whether one came.
    pub(crate) fn wait_for_line(&mut self, needle: &str, within: Duration) -> bool {
        if self.logs.iter().any(|l| l.contains(needle)) {
            return true;
        }
        let deadline = Instant::now() + within;
        while let Ok(line) = self
            .lines
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            let found = line.contains(needle);
            self.logs.push(line);
            if found {
                return true;
            }
        }
        false
    }

    /// Sends SIGTERM.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to 10 s for the exit; answers its status and every line it wrote.
    fn wait(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let exit = loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                break exit;
            }
            assert!(
                Instant::now() < deadline,
                "ripen did not stop within 10 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        for reader in self.readers {
            reader.join().unwrap();
        }
        self.logs.extend(self.lines.try_iter());
        (exit, self.logs)
    }
}

#[tokio::test]
async fn the_binary_prints_its_url_creates_the_sqlite_file_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (ripen, url) = Ripen::start(
        dir.path(),
        &[
            ("RIPEN_LISTEN", "127.0.0.1:0"),
            ("RIPEN_LOG_FORMAT", "json"),
        ],
    );
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");

    let body = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(
        body.contains("Focus today"),
        "landing page at the printed URL"
    );
    assert!(
        dir.path().join("data/ripen.db").is_file(),
        "SQLite file created in ./data"
    );

    let (exit, logs) = ripen.stop();
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    assert!(
        logs.iter().any(|l| l.contains("shutdown signal received")),
        "{logs:?}"
    );
}

#[tokio::test]
async fn at_sigterm_readyz_turns_503_while_requests_are_still_served_and_a_second_signal_stops_it()
{
    let dir = tempfile::tempdir().unwrap();
    let (ripen, url) = Ripen::start(
        dir.path(),
        &[
            ("RIPEN_LISTEN", "127.0.0.1:0"),
            ("RIPEN_LOG_FORMAT", "json"),
            // Far longer than the test: the second signal must end it.
            ("RIPEN_DRAIN_SECS", "600"),
        ],
    );
    let client = reqwest::Client::new();
    let ready = client.get(format!("{url}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), reqwest::StatusCode::OK);

    ripen.terminate();
    // The flag is set as the signal arrives; allow a busy machine time to deliver it.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let res = client.get(format!("{url}/readyz")).send().await.unwrap();
        if res.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE {
            assert!(res.text().await.unwrap().contains("draining"));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz still ready after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Draining, it still serves: the load balancer has not moved every client yet.
    let page = client.get(&url).send().await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Focus today"));
    let health = client.get(format!("{url}/healthz")).send().await.unwrap();
    assert_eq!(
        health.status(),
        reqwest::StatusCode::OK,
        "alive while draining"
    );

    ripen.terminate();
    let (exit, logs) = ripen.wait();
    assert!(exit.success(), "{exit}");
    assert!(logs.iter().any(|l| l.contains("draining")), "{logs:?}");
}

#[tokio::test]
async fn a_second_ripen_on_the_same_sqlite_file_refuses_to_start_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let (first, url) = Ripen::start(dir.path(), &[("RIPEN_LISTEN", "127.0.0.1:0")]);
    let second = Command::new(env!("CARGO_BIN_EXE_ripen"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RIPEN_LISTEN", "127.0.0.1:0")
        .output()
        .expect("run a second ripen");
    assert!(!second.status.success(), "the second one must not serve");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr)
    );
    assert!(
        said.contains("another ripen is already serving") && said.contains("PostgreSQL"),
        "{said}"
    );
    // The first serves on, and once it stops the file is free again.
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), reqwest::StatusCode::OK);
    let (exit, logs) = first.stop();
    assert!(exit.success(), "{exit} {logs:?}");
    let (again, _) = Ripen::start(dir.path(), &[("RIPEN_LISTEN", "127.0.0.1:0")]);
    let (exit, logs) = again.stop();
    assert!(exit.success(), "{exit} {logs:?}");
}

/// Posts a server function's form the way the browser does, from the site's origin.
async fn post<F>(client: &reqwest::Client, site: &str, input: F) -> reqwest::StatusCode
where
    F: server_fn::ServerFn + serde::Serialize,
    F::Protocol: crate::harness::InputEncoding,
{
    post_to(client, site, site, input).await
}

/// Posts a server function to the server at `base` as a page of `origin` does (several
/// instances behind one public address: the origin is the address, not the instance).
pub(crate) async fn post_to<F>(
    client: &reqwest::Client,
    base: &str,
    origin: &str,
    input: F,
) -> reqwest::StatusCode
where
    F: server_fn::ServerFn + serde::Serialize,
    F::Protocol: crate::harness::InputEncoding,
{
    let req = client
        .post(format!("{base}{}", F::PATH))
        .header("origin", origin)
        .header("accept", "application/json");
    let req = if <F::Protocol as crate::harness::InputEncoding>::JSON {
        req.json(&input)
    } else {
        req.form(&input)
    };
    req.send().await.unwrap().status()
}

#[tokio::test]
async fn logs_never_carry_passwords_tokens_cookies_or_letter_text() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let site = format!("http://127.0.0.1:{port}");
    let listen = format!("127.0.0.1:{port}");
    let (ripen, _) = Ripen::start(
        dir.path(),
        &[
            ("RIPEN_LISTEN", &listen),
            ("RIPEN_SITE_URL", &site),
            ("RIPEN_LOG_FORMAT", "json"),
            // Ripen's own code at debug level: more than production logs, so a leak shows.
            (
                "RIPEN_LOG_FILTER",
                "info,app=debug,server=debug,ripen=debug",
            ),
            ("RIPEN_LETTERS__MIN_LEAD_SECS", "1"),
        ],
    );

    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let password = "Secret-Pa55phrase-Orchard";
    let mut register = crate::accounts::signup("logan", "logan@example.com");
    register.password = password.into();
    assert!(post(&client, &site, register).await.is_success());
    let outbox = dir.path().join("data/outbox");
    let verify = crate::mail::wait_for(&outbox, "logan@example.com", 1)
        .await
        .pop()
        .unwrap()
        .token("/verify-email");
    // The page with the token in its query, as the email's link opens it, then the form.
    client
        .get(format!("{site}/verify-email?token={verify}"))
        .send()
        .await
        .unwrap();
    let verified = client
        .post(format!(
            "{site}{}",
            <app::account::VerifyEmail as server_fn::ServerFn>::PATH
        ))
        .header("origin", &site)
        .header("accept", "application/json")
        .form(&app::account::VerifyEmail {
            token: verify.clone(),
            password: Some(password.into()),
            new_password: None,
        })
        .send()
        .await
        .unwrap();
    assert!(verified.status().is_success());
    let session = verified
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("ripen_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session cookie")
        .to_owned();
    let body = "Dear future me, the plum tree secret is under the third stone.";
    let mut letter = crate::letters::letter(
        "A private title",
        chrono::Utc::now() + chrono::Duration::hours(2),
    );
    letter.letter.body = body.into();
    assert!(post(&client, &site, letter).await.is_success());
    assert!(
        post(
            &client,
            &site,
            app::account::RequestPasswordReset {
                email: "logan@example.com".into()
            }
        )
        .await
        .is_success()
    );
    let reset = crate::mail::wait_for(&outbox, "logan@example.com", 2)
        .await
        .pop()
        .unwrap()
        .token("/reset-password");
    client
        .get(format!("{site}/reset-password?token={reset}"))
        .send()
        .await
        .unwrap();
    // A signed-in page view: the session cookie travels with it.
    let account = client.get(format!("{site}/account")).send().await.unwrap();
    assert!(account.status().is_success());
    // A wrong password too: failures are logged, the attempt is not.
    let login = app::account::Login {
        identifier: "logan".into(),
        password: "Wrong-Secret-Guess-42".into(),
    };
    assert_eq!(
        post(&reqwest::Client::new(), &site, login).await,
        reqwest::StatusCode::UNAUTHORIZED
    );

    let (_, logs) = ripen.stop();
    let all = logs.join("\n");
    assert!(
        all.contains("/verify-email") && all.contains("/api/letters"),
        "requests are logged (else this test proves nothing): {all}"
    );
    for (what, secret) in [
        ("password", password),
        ("wrong password", "Wrong-Secret-Guess-42"),
        ("verification token", verify.as_str()),
        ("reset token", reset.as_str()),
        ("session cookie", session.as_str()),
        ("letter body", "plum tree secret"),
        ("letter title", "A private title"),
    ] {
        assert!(!secret.is_empty());
        assert!(!all.contains(secret), "the {what} is in the logs");
    }
}
