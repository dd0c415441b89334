//! Ripen's one error type, shared by server and browser.
//!
//! The policy, in one place:
//! - **User-facing errors** have named variants and constructors ([`AppError::validation`],
//!   [`AppError::NotFound`], …). Their text is safe to show and validation errors name the field.
//! - **Everything unexpected** (database, I/O, bugs) goes through [`AppError::internal`] or
//!   [`ResultExt::or_internal`], which log the cause together with the request id, what was
//!   being attempted and where in the code, and give the browser only a generic message plus
//!   that id as a reference. SQL text, file paths or stack traces never leave the server:
//!   `From<DbErr>` keeps no part of the message (it logs it, with the line of the `?`).
//! - Server functions return `Result<T, AppError>`; the server maps each variant to its HTTP
//!   status ([`AppError::status`]) in one middleware.

use serde::{Deserialize, Serialize};
use server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};

/// A problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The field's name as the form knows it (e.g. `email`).
    pub field: String,
    /// A sentence that tells the user what to change.
    pub message: String,
}

/// The text of each variant is in the catalogue (`i18n::errors`), in the language of the
/// request (server) or page (browser) that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// One or more inputs are invalid. Status 422.
    Validation { fields: Vec<FieldError> },
    /// The request itself is malformed (e.g. undecodable arguments). Status 400.
    BadRequest { message: String },
    /// Sign-in required. Status 401.
    Unauthorized,
    /// A sign-in attempt failed. Deliberately one message whether or not the account exists.
    /// Status 401.
    InvalidCredentials,
    /// Signed in, but not allowed. Status 403.
    Forbidden,
    /// Missing, or not visible to this user (deliberately the same). Status 404.
    NotFound,
    /// It existed, but its time is over (an expired download link). Status 410.
    Gone,
    /// Too many attempts. Status 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// The server has as much of this work in hand as it takes at once (pictures being
    /// decoded) and waited long enough for room. Status 503 with `Retry-After`.
    Busy { retry_after_secs: u64 },
    /// Something failed on the server; the details are in the log under `reference`.
    Internal { reference: String },
    /// The browser could not reach the server or could not read its answer.
    Network,
}

/// Collects field errors so a form gets all of them at once.
#[derive(Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The collected errors as one validation error (even if there are none).
    pub fn into_error(self) -> AppError {
        AppError::Validation { fields: self.0 }
    }

    /// The value of `result`, or `None` after keeping its field errors (other errors are
    /// dropped: a form only reports what the user can fix).
    pub fn take<T>(&mut self, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(AppError::Validation { fields }) => {
                self.0.extend(fields);
                None
            }
            Err(_) => None,
        }
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation { fields: self.0 })
        }
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = &crate::i18n::t().errors;
        match self {
            Self::Validation { fields } => {
                let text = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; ");
                f.write_str(&text)
            }
            Self::BadRequest { .. } => f.write_str(t.bad_request),
            Self::Unauthorized => f.write_str(t.unauthorized),
            Self::InvalidCredentials => f.write_str(t.invalid_credentials),
            Self::Forbidden => f.write_str(t.forbidden),
            Self::NotFound => f.write_str(t.not_found),
            Self::Gone => f.write_str(t.gone),
            Self::RateLimited { retry_after_secs } => {
                f.write_str(&t.rate_limited.count(*retry_after_secs))
            }
            Self::Busy { retry_after_secs } => f.write_str(&t.busy.count(*retry_after_secs)),
            Self::Internal { reference } if reference.is_empty() => f.write_str(t.internal),
            Self::Internal { reference } => f.write_str(&crate::i18n::fill(
                t.internal_reference,
                &[("reference", reference)],
            )),
            Self::Network => f.write_str(t.network),
        }
    }
}

impl std::error::Error for AppError {}

impl AppError {
    /// A validation error for a single field.
    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            fields: vec![FieldError {
                field: field.into(),
                message: message.into(),
            }],
        }
    }

    /// The message for `field`, if this is a validation error that names it.
    pub fn field_message(&self, field: &str) -> Option<&str> {
        match self {
            Self::Validation { fields } => fields
                .iter()
                .find(|f| f.field == field)
                .map(|f| f.message.as_str()),
            _ => None,
        }
    }

    /// How long the client should wait before trying again (`Retry-After`), if this
    /// error says.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited { retry_after_secs } | Self::Busy { retry_after_secs } => {
                Some(*retry_after_secs)
            }
            _ => None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 422,
            Self::BadRequest { .. } => 400,
            Self::Unauthorized | Self::InvalidCredentials => 401,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Gone => 410,
            Self::RateLimited { .. } => 429,
            Self::Internal { .. } => 500,
            Self::Busy { .. } | Self::Network => 503,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Problems in what the client sent: safe to describe, they only echo the request.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::BadRequest {
                message: "some arguments were missing or malformed".into(),
            },
            // Client-side transport and decoding problems.
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Deserialization(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => Self::Network,
            // Anything raised on the server: log it, say nothing specific.
            other => Self::internal(other),
        }
    }
}

#[cfg(not(feature = "ssr"))]
impl AppError {
    /// On the browser there is no log to write to; the reference is empty.
    pub fn internal(_cause: impl std::fmt::Display) -> Self {
        Self::Internal {
            reference: String::new(),
        }
    }
}

/// A failure that can only mean "something went wrong on the server": a database, file or
/// encoding error, never something the person can fix. [`ResultExt::or_internal`] accepts
/// only these, so a validation error can never be turned into an internal one by mistake.
pub trait InternalCause: std::fmt::Display {}

impl InternalCause for std::io::Error {}
impl InternalCause for std::fmt::Error {}

/// `.or_internal("what I was doing")` on a fallible step: on failure, logs the cause with
/// the request id, the action and the caller's file and line, and returns
/// [`AppError::Internal`].
pub trait ResultExt<T> {
    fn or_internal(self, doing: &'static str) -> Result<T, AppError>;
}

impl<T, E: InternalCause> ResultExt<T> for Result<T, E> {
    #[track_caller]
    fn or_internal(self, doing: &'static str) -> Result<T, AppError> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(AppError::internal_while(doing, e)),
        }
    }
}

impl<T> ResultExt<T> for Option<T> {
    /// A value that must exist (a row just written, a field already validated) is missing.
    #[track_caller]
    fn or_internal(self, doing: &'static str) -> Result<T, AppError> {
        self.ok_or_else(|| AppError::internal_while(doing, "an expected value was missing"))
    }
}

#[cfg(not(feature = "ssr"))]
impl AppError {
    pub fn internal_while(_doing: &'static str, _cause: impl std::fmt::Display) -> Self {
        Self::internal("")
    }
}

/// The `x-request-id` of the request being handled, if any: the reference an internal
/// error quotes to the person and writes beside its cause in the log.
#[cfg(feature = "ssr")]
pub fn request_id() -> Option<String> {
    use leptos::prelude::use_context;
    use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    })
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::{AppError, InternalCause};

    impl InternalCause for sea_orm::DbErr {}
    impl InternalCause for tokio::task::JoinError {}
    impl InternalCause for serde_json::Error {}
    impl InternalCause for getrandom::Error {}
    impl InternalCause for crate::seal::SealError {}

    impl AppError {
        /// Logs `cause` with the current request id and the caller's file and line, and
        /// returns the generic error that the browser is allowed to see. Prefer
        /// [`AppError::internal_while`] (or `.or_internal`), which also says what failed.
        #[track_caller]
        pub fn internal(cause: impl std::fmt::Display) -> Self {
            Self::log(None, &cause)
        }

        /// Like [`AppError::internal`], with what was being attempted
        /// ("saving the letter") beside the cause in the log line.
        #[track_caller]
        pub fn internal_while(doing: &'static str, cause: impl std::fmt::Display) -> Self {
            Self::log(Some(doing), &cause)
        }

        #[track_caller]
        fn log(doing: Option<&'static str>, cause: &dyn std::fmt::Display) -> Self {
            let reference = super::request_id().unwrap_or_default();
            let at = std::panic::Location::caller();
            tracing::error!(
                request_id = %reference,
                doing = doing.unwrap_or("(not said)"),
                at = %format_args!("{}:{}", at.file(), at.line()),
                error = %cause,
                "internal error"
            );
            Self::Internal { reference }
        }
    }

    impl From<sea_orm::DbErr> for AppError {
        /// A bare `?` on a database call: `?` passes its own location through
        /// `#[track_caller]`, so the log names the line of the failing query.
        #[track_caller]
        fn from(err: sea_orm::DbErr) -> Self {
            Self::log(Some("a database call"), &err)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_name_the_field() {
        let e = AppError::validation("email", "Enter an email address like name@example.com.");
        assert_eq!(e.status(), 422);
        assert_eq!(
            e.field_message("email"),
            Some("Enter an email address like name@example.com.")
        );
        assert!(e.to_string().starts_with("email: "));
    }

    #[test]
    fn round_trips_through_the_server_fn_encoding() {
        let e = AppError::RateLimited {
            retry_after_secs: 30,
        };
        assert_eq!(AppError::de(e.ser()), e);
    }

    #[test]
    fn server_side_failures_become_generic() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::ServerError(
            "SELECT * FROM users: no such table".into(),
        ));
        assert!(matches!(e, AppError::Internal { .. }));
        assert!(!e.to_string().contains("SELECT"), "{e}");
        let body = String::from_utf8(e.ser().to_vec()).unwrap();
        assert!(!body.contains("SELECT"), "{body}");
    }

    #[test]
    fn a_failed_step_becomes_internal_and_keeps_none_of_its_text() {
        let failed: Result<(), std::io::Error> = Err(std::io::Error::other(
            "/srv/ripen/data/uploads/secret.png: denied",
        ));
        let e = failed.or_internal("reading an image").unwrap_err();
        assert!(matches!(e, AppError::Internal { .. }));
        assert!(!e.to_string().contains("/srv"), "{e}");
        let missing: Option<u8> = None;
        assert!(matches!(
            missing.or_internal("reading a row just written"),
            Err(AppError::Internal { .. })
        ));
    }

    #[test]
    fn undecodable_answers_are_reported_as_network_problems() {
        assert_eq!(AppError::de("<html>".into()), AppError::Network);
    }
}
