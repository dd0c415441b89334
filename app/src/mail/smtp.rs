//! Ripen's own pool of SMTP connections.
//!
//! lettre's pooled transport opens its sockets without `TCP_NODELAY`, and its connection
//! writes a message's body and the closing `CRLF.CRLF` in two writes. With Nagle's algorithm
//! the second, small write waits for the server to acknowledge the first, and the server
//! delays that acknowledgement (~40 ms on Linux) because it is waiting for the rest of the
//! message: each message on a connection cost ~40 ms however fast the server was
//! (measured: 8 delivery workers topped out at ~170 letters/s on loopback). lettre also sends
//! a `NOOP` before every reuse.
//!
//! So Ripen connects the socket itself (`TCP_NODELAY` on, a timeout on connecting), hands it
//! to lettre's SMTP protocol implementation ([`AsyncSmtpConnection`]: greeting, EHLO,
//! STARTTLS, AUTH, MAIL/RCPT/DATA), and keeps idle connections for reuse. A connection idle
//! for longer than [`CHECK_AFTER`] is checked with `NOOP` before it is reused; one idle
//! longer than [`IDLE_LIMIT`] is closed. A connection that failed in any way is dropped
//! rather than reused, so a half-finished transaction never leaks into the next message.

use std::{
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{Arc, Mutex},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use lettre::{
    Address, Message,
    address::Envelope,
    transport::smtp::{
        Error as SmtpError,
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters},
        commands::{Data, Ehlo, Mail, Rcpt},
        extension::ClientId,
        response::Response,
    },
};
use secrecy::ExposeSecret;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};

use super::{MailError, SmtpConfig, TlsMode};

/// Connecting, and each whole transaction, must finish within this.
pub const TIMEOUT: Duration = Duration::from_secs(30);
/// An idle connection older than this is checked with `NOOP` before reuse.
const CHECK_AFTER: Duration = Duration::from_secs(5);
/// An idle connection older than this is closed instead (servers drop idle clients
/// after a few minutes; RFC 5321 asks them to wait at least 5).
const IDLE_LIMIT: Duration = Duration::from_secs(60);
/// At most this many idle connections are kept.
const MAX_IDLE: usize = 16;

pub(super) struct Pool {
    host: String,
    port: u16,
    tls: TlsMode,
    tls_parameters: Option<TlsParameters>,
    rustls: Option<Arc<tokio_rustls::rustls::ClientConfig>>,
    credentials: Option<Credentials>,
    hello: ClientId,
    idle: Mutex<Vec<(Conn, Instant)>>,
}

/// An open connection, and whether its server accepts pipelined commands.
struct Conn {
    smtp: AsyncSmtpConnection,
    pipelining: bool,
}

impl Conn {
    /// One mail transaction. Pipelined where the server allows it and everything is
    /// ASCII; otherwise lettre's one-command-at-a-time transaction (which also decides
    /// the `8BITMIME`/`SMTPUTF8` options a non-ASCII message needs).
    async fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Result<Response, SmtpError> {
        let ascii = |a: &Address| AsRef::<str>::as_ref(a).is_ascii();
        if !self.pipelining
            || !message.is_ascii()
            || !envelope.from().is_none_or(ascii)
            || !envelope.to().iter().all(ascii)
        {
            return self.smtp.send(envelope, message).await;
        }
        let mut commands = Mail::new(envelope.from().cloned(), Vec::new()).to_string();
        for to in envelope.to() {
            commands.push_str(&Rcpt::new(to.clone(), Vec::new()).to_string());
        }
        commands.push_str(&Data.to_string());
        // One write; the first answer (MAIL's) comes back with it, then one per RCPT, then
        // DATA's. Any refusal ends the transaction here: the caller drops the connection,
        // so the answers still unread never meet another message.
        self.smtp.command(commands).await?;
        for _ in envelope.to() {
            self.smtp.read_response().await?;
        }
        self.smtp.read_response().await?;
        self.smtp.message(message).await
    }
}

impl Pool {
    pub(super) fn new(config: &SmtpConfig) -> Result<Self, MailError> {
        let build = |e: lettre::transport::smtp::Error| MailError::Build(e.to_string());
        let port = config.port.unwrap_or(match config.tls {
            TlsMode::None => 25,
            TlsMode::Starttls => 587,
            TlsMode::Tls => 465,
        });
        let tls_parameters = match config.tls {
            TlsMode::Starttls => Some(TlsParameters::new(config.host.clone()).map_err(build)?),
            TlsMode::None | TlsMode::Tls => None,
        };
        let rustls = (config.tls == TlsMode::Tls)
            .then(implicit_tls_config)
            .transpose()?;
        let credentials = match (&config.username, &config.password) {
            (Some(user), Some(pass)) => Some(Credentials::new(
                user.clone(),
                pass.expose_secret().to_owned(),
            )),
            _ => None,
        };
        Ok(Self {
            host: config.host.clone(),
            port,
            tls: config.tls,
            tls_parameters,
            rustls,
            credentials,
            hello: ClientId::default(),
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one message on a pooled (or new) connection. A 5xx answer is
    /// [`MailError::Rejected`]; anything else that goes wrong is [`MailError::Send`].
    /// With a deadline (epoch ms), the transaction starts only before it: the connection
    /// is checked or opened first, which can take up to [`TIMEOUT`] of its own.
    pub(super) async fn send(
        &self,
        message: &Message,
        deadline_ms: Option<i64>,
    ) -> Result<(), MailError> {
        let bytes = message.formatted();
        let mut conn = match self.take_idle().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        if deadline_ms.is_some_and(|deadline| crate::clock::now_ms() >= deadline) {
            // Too late to begin: nothing was sent. The connection goes, like any that
            // did not complete a message (this is rare: a sender waited long for its turn).
            conn.smtp.abort().await;
            return Err(MailError::Late);
        }
        let sent = tokio::time::timeout(TIMEOUT, conn.send(message.envelope(), &bytes)).await;
        match sent {
            Ok(Ok(_)) if !conn.smtp.has_broken() => {
                self.put_idle(conn);
                Ok(())
            }
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                conn.smtp.abort().await;
                Err(if e.is_permanent() {
                    MailError::Rejected(e.to_string())
                } else {
                    MailError::Send(e.to_string())
                })
            }
            Err(_) => Err(MailError::Send(
                "the mail server did not answer in time".into(),
            )),
        }
    }

    /// The most recently used idle connection that is still fit for use.
    async fn take_idle(&self) -> Option<Conn> {
        loop {
            let (mut conn, since) = {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                idle.pop()?
            };
            let age = since.elapsed();
            if age > IDLE_LIMIT {
                conn.smtp.abort().await;
                continue;
            }
            if age > CHECK_AFTER && !conn.smtp.test_connected().await {
                conn.smtp.abort().await;
                continue;
            }
            return Some(conn);
        }
    }

    fn put_idle(&self, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((conn, Instant::now()));
        }
        // Otherwise it is dropped, which closes the socket.
    }

    async fn connect(&self) -> Result<Conn, MailError> {
        tokio::time::timeout(TIMEOUT, self.open())
            .await
            .map_err(|_| MailError::Send("connecting to the mail server timed out".into()))?
    }

    async fn open(&self) -> Result<Conn, MailError> {
        let send = |e: lettre::transport::smtp::Error| MailError::Send(e.to_string());
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| MailError::Send(format!("could not connect to the mail server: {e}")))?;
        tcp.set_nodelay(true)
            .map_err(|e| MailError::Send(e.to_string()))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.rustls {
            Some(config) => {
                let name = tokio_rustls::rustls::pki_types::ServerName::try_from(self.host.clone())
                    .map_err(|_| {
                        MailError::Build("the SMTP host is not a valid DNS name".into())
                    })?;
                let tls = tokio_rustls::TlsConnector::from(Arc::clone(config))
                    .connect(name, tcp)
                    .await
                    .map_err(|e| {
                        MailError::Send(format!("TLS with the mail server failed: {e}"))
                    })?;
                Box::new(ImplicitTls(tls))
            }
            None => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello)
            .await
            .map_err(send)?;
        if let (TlsMode::Starttls, Some(parameters)) = (self.tls, &self.tls_parameters) {
            if !conn.can_starttls() {
                conn.abort().await;
                return Err(MailError::Send(
                    "the mail server does not offer STARTTLS".into(),
                ));
            }
            conn.starttls(parameters.clone(), &self.hello)
                .await
                .map_err(send)?;
        }
        // lettre keeps only the extensions it uses from the EHLO answer; asking again
        // (allowed at any time, RFC 5321 §4.1.4) tells whether the server pipelines.
        // Asked before AUTH, which some servers forget on a new EHLO.
        let pipelining = conn
            .command(Ehlo::new(self.hello.clone()))
            .await
            .map_err(send)?
            .message()
            .any(|line| line.eq_ignore_ascii_case("PIPELINING"));
        if let Some(credentials) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| {
                    if e.is_permanent() {
                        MailError::Rejected(e.to_string())
                    } else {
                        MailError::Send(e.to_string())
                    }
                })?;
        }
        Ok(Conn {
            smtp: conn,
            pipelining,
        })
    }
}

/// The client configuration for SMTPS (TLS from the first byte): Mozilla's roots, as lettre
/// itself uses for STARTTLS.
fn implicit_tls_config() -> Result<Arc<tokio_rustls::rustls::ClientConfig>, MailError> {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| MailError::Build(e.to_string()))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(Arc::new(config))
}

/// A TLS stream lettre can drive as if it were a plain socket (it only needs to read and
/// write; the encryption happens underneath).
#[derive(Debug)]
struct ImplicitTls(tokio_rustls::client::TlsStream<TcpStream>);

impl AsyncRead for ImplicitTls {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for ImplicitTls {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for ImplicitTls {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().0.peer_addr()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;

    use tokio::{
        io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
        net::TcpListener,
    };

    use super::*;

    /// What the test server saw: each transaction's envelope lines as they were waiting
    /// together in its buffer before it answered, and each message's body.
    #[derive(Default)]
    struct Seen {
        connections: usize,
        envelopes: Vec<Vec<String>>,
        bodies: Vec<String>,
    }

    /// An SMTP server on loopback that offers `PIPELINING` and refuses to answer any
    /// envelope command before it has received the whole envelope (through `DATA`): a
    /// client that waits for each answer hangs (the test's timeout fails it). `refuse`
    /// is a recipient it answers 550 to.
    async fn pipelining_server(refuse: &'static str) -> (u16, Arc<StdMutex<Seen>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(StdMutex::new(Seen::default()));
        let shared = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                shared.lock().unwrap().connections += 1;
                let seen = shared.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read);
                    write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                    let mut envelope: Vec<String> = Vec::new();
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                            return;
                        }
                        let command = line.trim_end().to_owned();
                        let verb = command.get(..4).unwrap_or("").to_ascii_uppercase();
                        match verb.as_str() {
                            "EHLO" => {
                                write
                                    .write_all(b"250-test\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
                                    .await
                                    .unwrap();
                            }
                            "MAIL" | "RCPT" => envelope.push(command),
                            "DATA" => {
                                envelope.push(command);
                                let mut answers = String::new();
                                let mut refused = false;
                                for c in &envelope[..envelope.len() - 1] {
                                    if c.contains(refuse) {
                                        refused = true;
                                        answers.push_str("550 no such mailbox\r\n");
                                    } else {
                                        answers.push_str("250 ok\r\n");
                                    }
                                }
                                answers.push_str(if refused {
                                    "554 no valid recipients\r\n"
                                } else {
                                    "354 go ahead\r\n"
                                });
                                seen.lock()
                                    .unwrap()
                                    .envelopes
                                    .push(std::mem::take(&mut envelope));
                                write.write_all(answers.as_bytes()).await.unwrap();
                                if refused {
                                    continue;
                                }
                                let mut body = String::new();
                                loop {
                                    line.clear();
                                    if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                                        return;
                                    }
                                    if line == ".\r\n" {
                                        break;
                                    }
                                    body.push_str(&line);
                                }
                                seen.lock().unwrap().bodies.push(body);
                                write.write_all(b"250 queued\r\n").await.unwrap();
                            }
                            "QUIT" => {
                                write.write_all(b"221 bye\r\n").await.ok();
                                return;
                            }
                            _ => write.write_all(b"250 ok\r\n").await.unwrap(),
                        }
                    }
                });
            }
        });
        (port, seen)
    }

    fn pool(port: u16) -> Pool {
        Pool::new(&SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            tls: TlsMode::None,
            username: None,
            password: None,
        })
        .unwrap()
    }

    fn message(to: &str, text: &str) -> Message {
        Message::builder()
            .from("Ripen <letters@ripen.test>".parse().unwrap())
            .to(to.parse().unwrap())
            .subject("A letter")
            .body(text.to_owned())
            .unwrap()
    }

    #[tokio::test]
    async fn a_pipelining_server_gets_each_envelope_in_one_write_on_one_reused_connection() {
        let (port, seen) = pipelining_server("nobody@").await;
        let pool = pool(port);
        for n in 0..3 {
            let sent = tokio::time::timeout(
                Duration::from_secs(5),
                pool.send(
                    &message(&format!("reader{n}@example.com"), &format!("Hello {n}")),
                    None,
                ),
            )
            .await
            .expect("the client waited for an answer the server only gives to a whole envelope");
            sent.unwrap();
        }
        let seen = seen.lock().unwrap();
        assert_eq!(seen.connections, 1, "the connection is reused");
        assert_eq!(seen.envelopes.len(), 3);
        for (n, envelope) in seen.envelopes.iter().enumerate() {
            assert_eq!(
                envelope,
                &[
                    "MAIL FROM:<letters@ripen.test>".to_owned(),
                    format!("RCPT TO:<reader{n}@example.com>"),
                    "DATA".to_owned(),
                ]
            );
            assert!(seen.bodies[n].contains(&format!("Hello {n}")));
        }
    }

    #[tokio::test]
    async fn a_refused_pipelined_recipient_is_a_permanent_error_and_the_connection_is_dropped() {
        let (port, seen) = pipelining_server("nobody@").await;
        let pool = pool(port);
        let refused = pool
            .send(&message("nobody@example.com", "Hello"), None)
            .await;
        assert!(
            matches!(refused, Err(MailError::Rejected(_))),
            "{refused:?}"
        );
        // The next message starts clean on a new connection and arrives.
        pool.send(&message("reader@example.com", "Still here"), None)
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.connections, 2);
        assert_eq!(seen.bodies.len(), 1);
        assert!(seen.bodies[0].contains("Still here"));
    }

    /// A server that accepts a connection, reports it, and greets only when told; it
    /// records every command it is sent.
    async fn slow_greeting_server() -> (
        u16,
        tokio::sync::mpsc::Receiver<()>,
        tokio::sync::mpsc::Sender<()>,
        Arc<StdMutex<Vec<String>>>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (accepted_tx, accepted) = tokio::sync::mpsc::channel(4);
        let (greet, mut greet_rx) = tokio::sync::mpsc::channel::<()>(4);
        let commands = Arc::new(StdMutex::new(Vec::new()));
        let seen = commands.clone();
        tokio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            accepted_tx.send(()).await.unwrap();
            greet_rx.recv().await;
            let (read, mut write) = stream.into_split();
            let mut lines = BufReader::new(read);
            write.write_all(b"220 test ESMTP\r\n").await.unwrap();
            let mut line = String::new();
            loop {
                line.clear();
                if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                    return;
                }
                let command = line.trim_end().to_owned();
                seen.lock().unwrap().push(command.clone());
                let answer: &[u8] = match command.get(..4).unwrap_or("") {
                    "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                    "DATA" => b"354 go ahead\r\n",
                    "QUIT" => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                write.write_all(answer).await.ok();
            }
        });
        (port, accepted, greet, commands)
    }

    #[tokio::test]
    async fn a_message_whose_deadline_passes_while_connecting_is_not_sent() {
        let (port, mut accepted, greet, commands) = slow_greeting_server().await;
        let pool = Arc::new(pool(port));
        let deadline = crate::clock::now_ms() + 100;
        let sending = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.send(&message("reader@example.com", "Too late"), Some(deadline))
                    .await
            }
        });
        // Connected (so any check before connecting has passed), but not greeted until
        // the deadline is behind us: the connect took too long.
        accepted.recv().await.unwrap();
        while crate::clock::now_ms() <= deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        greet.send(()).await.unwrap();
        let sent = tokio::time::timeout(Duration::from_secs(10), sending)
            .await
            .unwrap()
            .unwrap();
        assert!(matches!(sent, Err(MailError::Late)), "{sent:?}");
        let commands = commands.lock().unwrap();
        assert!(
            !commands
                .iter()
                .any(|c| c.starts_with("MAIL") || c.starts_with("RCPT") || c == "DATA"),
            "no transaction began: {commands:?}"
        );
    }
}
