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
    Message,
    transport::smtp::{
        authentication::{Credentials, Mechanism},
        client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters},
        extension::ClientId,
    },
};
use secrecy::ExposeSecret;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
};

use super::{MailError, SmtpConfig, TlsMode};

/// Connecting, and each whole transaction, must finish within this.
const TIMEOUT: Duration = Duration::from_secs(30);
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
    idle: Mutex<Vec<(AsyncSmtpConnection, Instant)>>,
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
    pub(super) async fn send(&self, message: &Message) -> Result<(), MailError> {
        let bytes = message.formatted();
        let mut conn = match self.take_idle().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        let sent = tokio::time::timeout(TIMEOUT, conn.send(message.envelope(), &bytes)).await;
        match sent {
            Ok(Ok(_)) if !conn.has_broken() => {
                self.put_idle(conn);
                Ok(())
            }
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                conn.abort().await;
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
    async fn take_idle(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let (mut conn, since) = {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                idle.pop()?
            };
            let age = since.elapsed();
            if age > IDLE_LIMIT {
                conn.abort().await;
                continue;
            }
            if age > CHECK_AFTER && !conn.test_connected().await {
                conn.abort().await;
                continue;
            }
            return Some(conn);
        }
    }

    fn put_idle(&self, conn: AsyncSmtpConnection) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push((conn, Instant::now()));
        }
        // Otherwise it is dropped, which closes the socket.
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        tokio::time::timeout(TIMEOUT, self.open())
            .await
            .map_err(|_| MailError::Send("connecting to the mail server timed out".into()))?
    }

    async fn open(&self) -> Result<AsyncSmtpConnection, MailError> {
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
        Ok(conn)
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
