//! Structured logs with `tracing`. Every request runs in a span carrying its request id, so
//! every line logged while handling it (including internal errors) names the request. A
//! client's own `x-request-id` is used only if it is plainly an id
//! ([`screen_request_id`]); otherwise the request gets a fresh one.

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::config::{Config, LogFormat};

/// Installs the global subscriber. Safe to call more than once (later calls do nothing),
/// which tests rely on.
pub fn init(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_filter));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match config.log_format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            )
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
}

/// Installs a subscriber for a one-off command (`ripen notify-breach`): the same filter and
/// format, written to standard error so that the command's own answer on standard output
/// stays readable.
pub fn init_for_command(config: &Config) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log_filter));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match config.log_format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_writer(std::io::stderr))
            .try_init(),
    };
}

/// The request id to use for a request that came with `client_id` (its `x-request-id`):
/// the client's own only if it is plainly an id, otherwise a fresh UUID.
/// A client's id is kept if it has 1 to 64 characters of `A–Z a–z 0–9 - _ .`: enough for
/// a proxy's or a tracer's ids, and nothing that could forge a field or a line in a log.
pub fn screen_request_id(client_id: Option<&[u8]>) -> String {
    match client_id {
        Some(id)
            if (1..=64).contains(&id.len())
                && id
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
        {
            String::from_utf8_lossy(id).into_owned()
        }
        _ => uuid::Uuid::new_v4().to_string(),
    }
}

/// Sets a request's `x-request-id` to [`screen_request_id`]'s answer before anything reads
/// it (the outermost layer): the log span, the echoed header and error messages all get
/// the screened id.
pub fn screen_request_id_header<B>(mut req: http::Request<B>) -> http::Request<B> {
    let name = http::HeaderName::from_static("x-request-id");
    let id = screen_request_id(req.headers().get(&name).map(http::HeaderValue::as_bytes));
    if let Ok(value) = http::HeaderValue::from_str(&id) {
        req.headers_mut().insert(name, value);
    }
    req
}

#[cfg(test)]
mod tests {
    use super::screen_request_id;

    fn is_fresh_uuid(id: &str) -> bool {
        uuid::Uuid::parse_str(id).is_ok() && id.len() == 36
    }

    #[test]
    fn plain_client_ids_are_kept() {
        for id in [
            "abc",
            "3f2c9a1e-0b7d-4c1e-9f00-12ab34cd56ef",
            "req_1.2-x",
            &"a".repeat(64),
        ] {
            assert_eq!(screen_request_id(Some(id.as_bytes())), id);
        }
    }

    #[test]
    fn anything_else_gets_a_fresh_id() {
        for id in [
            "",
            "two words",
            "id\tpath=/admin user=root",
            "line\nbreak",
            "line\rbreak",
            "\u{1b}[31mred",
            "quote\"d",
            "é",
            &"a".repeat(65),
        ] {
            let screened = screen_request_id(Some(id.as_bytes()));
            assert!(is_fresh_uuid(&screened), "{id:?} became {screened:?}");
        }
        assert!(is_fresh_uuid(&screen_request_id(Some(b"\xff\xfe"))));
        assert!(is_fresh_uuid(&screen_request_id(None)));
    }
}
