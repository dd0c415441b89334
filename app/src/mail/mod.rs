//! The mailer every part of Ripen sends email through (server only).
//!
//! Two transports behind one type:
//! - **SMTP** when `[smtp]` is configured: host, port, TLS mode (`none`, `starttls`, `tls`)
//!   and optional credentials. Ripen keeps its own pool of lettre SMTP connections (see
//!   [`smtp`]) so that it can open them with `TCP_NODELAY`;
//! - **outbox** otherwise (the default): each message is written as an `.eml` file into a
//!   directory and logged, so a fresh install works without a mail server and a developer
//!   can open the links.

mod smtp;
pub mod templates;

/// The longest one SMTP transaction may take before it counts as failed.
pub use smtp::TIMEOUT as SEND_TIMEOUT;

use std::{path::PathBuf, sync::Arc};

use lettre::{
    AsyncFileTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use secrecy::SecretString;
use serde::Deserialize;

crate::stored::stored_enum! {
    /// What became of an email sent once per person (a breach notice, an announcement):
    /// recorded on its row, so a failed one is sent again and a sent one never is.
    pub enum EmailState {
        /// Claimed by a run that is sending it (or stopped while sending it).
        Sending = "sending",
        /// Accepted by the mail server.
        Sent = "sent",
        /// The mail server did not take it; the next run tries again.
        Failed = "failed",
        /// The account has no verified address: the in-app notice alone.
        NoAddress = "no_address",
    }
}

/// How to reach the SMTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    /// Defaults to 25 (`none`), 587 (`starttls`) or 465 (`tls`).
    pub port: Option<u16>,
    #[serde(default)]
    pub tls: TlsMode,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP: only for a relay on the same host or a test server.
    None,
    /// Upgrade with STARTTLS (required, not opportunistic).
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS).
    Tls,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid address: {0}")]
    Address(String),
    #[error("could not build the message: {0}")]
    Build(String),
    #[error("could not send: {0}")]
    Send(String),
    /// The server refused the message for good (5xx): retrying will not help.
    #[error("refused by the mail server: {0}")]
    Rejected(String),
    /// The deadline passed before the message could start: nothing was sent.
    #[error("not sent: its deadline passed before the mail server was ready")]
    Late,
}

/// One email, in plain text and HTML.
#[derive(Debug, Clone)]
pub struct Email {
    pub to_name: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

enum Transport {
    Smtp(smtp::Pool),
    Outbox {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

/// Cheap to clone; shares one connection pool.
#[derive(Clone)]
pub struct Mailer {
    transport: Arc<Transport>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match &*self.transport {
            Transport::Smtp(_) => "smtp",
            Transport::Outbox { .. } => "outbox",
        };
        f.debug_struct("Mailer")
            .field("transport", &kind)
            .field("from", &self.from.to_string())
            .finish()
    }
}

fn parse_from(from: &str) -> Result<Mailbox, MailError> {
    from.parse()
        .map_err(|e: lettre::address::AddressError| MailError::Address(e.to_string()))
}

impl Mailer {
    /// A pooled SMTP mailer. Connects lazily, on the first message.
    pub fn smtp(config: &SmtpConfig, from: &str) -> Result<Self, MailError> {
        Ok(Self {
            transport: Arc::new(Transport::Smtp(smtp::Pool::new(config)?)),
            from: parse_from(from)?,
        })
    }

    /// The folder messages are written to, for a mailer without SMTP.
    pub fn outbox_dir(&self) -> Option<&std::path::Path> {
        match &*self.transport {
            Transport::Outbox { dir, .. } => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    /// Writes each message as `<uuid>.eml` into `dir` (created if missing).
    pub fn outbox(dir: PathBuf, from: &str) -> Result<Self, MailError> {
        std::fs::create_dir_all(&dir).map_err(|e| MailError::Build(e.to_string()))?;
        Ok(Self {
            transport: Arc::new(Transport::Outbox {
                transport: AsyncFileTransport::new(&dir),
                dir,
            }),
            from: parse_from(from)?,
        })
    }

    fn build(&self, email: Email) -> Result<Message, MailError> {
        self.build_with_id(email, None)
    }

    fn build_with_id(
        &self,
        email: Email,
        message_id: Option<String>,
    ) -> Result<Message, MailError> {
        let address = email
            .to_address
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address(e.to_string()))?;
        Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(email.to_name, address))
            .subject(email.subject)
            .message_id(message_id)
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Sends one message. The body is never logged (it may hold a link token).
    pub async fn send(&self, email: Email) -> Result<(), MailError> {
        let subject = email.subject.clone();
        let message = self.build(email)?;
        self.deliver(&subject, message, None).await
    }

    /// Sends one message with a given `Message-ID` (`<…@…>`), so a copy sent again after
    /// a crash is recognisably the same message.
    pub async fn send_with_id(&self, email: Email, message_id: &str) -> Result<(), MailError> {
        let subject = email.subject.clone();
        let message = self.build_with_id(email, Some(message_id.to_owned()))?;
        self.deliver(&subject, message, None).await
    }

    /// Like [`Mailer::send_with_id`], but the message goes out only if it can start before
    /// `deadline_ms` (epoch ms). The deadline is checked once the connection is ready (a
    /// slow connect or a slow greeting counts) and just before the transaction, whose own
    /// duration [`SEND_TIMEOUT`] bounds; past it, nothing is sent and the answer is
    /// [`MailError::Late`].
    pub async fn send_with_id_before(
        &self,
        email: Email,
        message_id: &str,
        deadline_ms: i64,
    ) -> Result<(), MailError> {
        let subject = email.subject.clone();
        let message = self.build_with_id(email, Some(message_id.to_owned()))?;
        self.deliver(&subject, message, Some(deadline_ms)).await
    }

    async fn deliver(
        &self,
        subject: &str,
        message: Message,
        deadline_ms: Option<i64>,
    ) -> Result<(), MailError> {
        match &*self.transport {
            Transport::Smtp(pool) => {
                pool.send(&message, deadline_ms).await?;
                tracing::debug!(%subject, "email sent over SMTP");
            }
            Transport::Outbox { transport, dir } => {
                let id = transport
                    .send(message)
                    .await
                    .map_err(|e| MailError::Send(e.to_string()))?;
                tracing::info!(
                    %subject,
                    file = %dir.join(format!("{id}.eml")).display(),
                    "email written to the outbox (no SMTP server configured)"
                );
            }
        }
        Ok(())
    }

    /// Sends in the background, so a request's answer does not depend on (or wait for)
    /// the mail server; failures are logged.
    pub fn send_later(&self, email: Email) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(e) = mailer.send(email).await {
                tracing::error!(error = %e, "sending an email failed");
            }
        });
    }
}

/// Deletes the messages (`*.eml`) in an outbox folder last written before `before`; answers
/// how many. They hold whole letters and sign-in links, so they are not kept for ever.
pub fn purge_outbox(dir: &std::path::Path, before: std::time::SystemTime) -> std::io::Result<u64> {
    let mut deleted = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "eml") {
            continue;
        }
        let written = std::fs::metadata(&path)?.modified()?;
        if written < before {
            match std::fs::remove_file(&path) {
                Ok(()) => deleted += 1,
                // Another process's retention job got there first.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok(deleted)
}
