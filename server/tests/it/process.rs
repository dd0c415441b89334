//! The `ripen` binary as a user runs it: defaults, printed URL, SQLite file, SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

#[tokio::test]
async fn the_binary_prints_its_url_creates_the_sqlite_file_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ripen"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("RIPEN_LISTEN", "127.0.0.1:0")
        .env("RIPEN_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start ripen");

    // The URL is printed on stderr, logs go to stdout; read both line by line.
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let readers = [
        Box::new(stderr) as Box<dyn std::io::Read + Send>,
        Box::new(stdout) as Box<dyn std::io::Read + Send>,
    ]
    .map(|stream| {
        let tx = tx.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        })
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("ripen printed its URL in time");
        if let Some(rest) = line.trim().strip_prefix("Ripen is running at ") {
            break rest.trim().to_owned();
        }
    };
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

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "ripen did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "graceful shutdown exits 0, got {exit}");
    for reader in readers {
        reader.join().unwrap();
    }
    let logs: Vec<String> = rx.try_iter().collect();
    assert!(
        logs.iter().any(|l| l.contains("shutdown signal received")),
        "{logs:?}"
    );
}
