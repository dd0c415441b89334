//! Email in tests: a real SMTP server process (aiosmtpd, from `tools/.venv`, installed by
//! `scripts/setup --test`) on a free loopback port, storing what it receives in a Maildir;
//! and the outbox directory the server writes to when no SMTP server is configured.
//! Both are read back and parsed as real RFC 5322 messages.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use mail_parser::MessageParser;

/// A running aiosmtpd; killed on drop.
pub struct SmtpServer {
    pub port: u16,
    maildir: PathBuf,
    child: Child,
}

fn python() -> PathBuf {
    std::env::var_os("RIPEN_TEST_PYTHON").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/.venv/bin/python"),
        PathBuf::from,
    )
}

impl SmtpServer {
    /// Starts aiosmtpd on a free port. The port is found by binding port 0 and letting it
    /// go, so another test's server may take it first: then aiosmtpd exits ("address
    /// already in use"), or a connection reaches that other server, which does not greet
    /// like SMTP. Either way a new port is tried.
    pub fn start(dir: &Path) -> Self {
        let maildir = dir.join("maildir");
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut child = Command::new(python())
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(&maildir)
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start aiosmtpd with {} ({e}); run `scripts/setup --test`",
                        python().display()
                    )
                });
            if greets_as_smtp(&mut child, port) {
                return Self {
                    port,
                    maildir: maildir.join("new"),
                    child,
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("aiosmtpd did not start on any of 5 ports");
    }

    pub fn dir(&self) -> &Path {
        &self.maildir
    }
}

/// Waits (up to 15 s) until `child` listens on `port` and answers with an SMTP greeting;
/// false if it exited or something else holds the port.
fn greets_as_smtp(child: &mut Child, port: u16) -> bool {
    use std::io::Read;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if !matches!(child.try_wait(), Ok(None)) {
            return false;
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .expect("a read timeout");
            let mut greeting = [0u8; 4];
            return stream.read_exact(&mut greeting).is_ok()
                && &greeting == b"220 "
                && matches!(child.try_wait(), Ok(None));
        }
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A received message, parsed.
#[derive(Debug, Clone)]
pub struct Received {
    pub file: PathBuf,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

impl Received {
    /// The first `http(s)://…` link in the text part that contains `needle`.
    pub fn link(&self, needle: &str) -> String {
        self.text
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(needle))
            .unwrap_or_else(|| panic!("no link with {needle:?} in:\n{}", self.text))
            .to_owned()
    }

    /// The `token` query parameter of the first link containing `needle`.
    pub fn token(&self, needle: &str) -> String {
        let link = self.link(needle);
        link.split_once("token=")
            .map(|(_, t)| t.to_owned())
            .unwrap_or_else(|| panic!("no token in {link}"))
    }
}

fn parse(file: &Path) -> Option<Received> {
    let raw = std::fs::read(file).ok()?;
    let msg = MessageParser::default().parse(&raw)?;
    let to = msg
        .to()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .to_owned();
    Some(Received {
        file: file.to_owned(),
        to,
        subject: msg.subject().unwrap_or_default().to_owned(),
        text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
        html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
        raw: String::from_utf8_lossy(&raw).into_owned(),
    })
}

/// Every message in `dir` (Maildir `new/` or an outbox), oldest first.
pub fn all_in(dir: &Path) -> Vec<Received> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    files.sort();
    files.into_iter().filter_map(|(_, f)| parse(&f)).collect()
}

/// Waits (up to 10 s) until `dir` holds `count` messages to `to`, and returns them.
pub async fn wait_for(dir: &Path, to: &str, count: usize) -> Vec<Received> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got: Vec<_> = all_in(dir)
            .into_iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .collect();
        if got.len() >= count {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "expected {count} message(s) to {to}, found {}",
            got.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
