//! `GET /api/focus/events`: a Server-Sent Events stream of the signed-in user's timer.
//!
//! The first event is the current (settled) timer, so a browser that reconnects after a
//! network drop resyncs at once; then every change of that user's timer, from any device.
//! A stream only ever carries its own user's events (the hub is keyed by user id).
//! Keep-alive comments every 15 s keep proxies from closing idle streams.
//!
//! A stream belongs to the session that opened it and ends with it: at once when this
//! process ends the session (logout, password change, closing the account, …), and within
//! 30 s when it ends elsewhere (another process, expiry, the retention job, SQL); see
//! `app::account::ssr::live`. An account holds at most `accounts.streams_per_account`
//! streams; one more is answered 429.

use std::{convert::Infallible, time::Duration};

use app::{
    AppError,
    account::ssr::session,
    focus::{TimerSnapshot, ssr::settle_and_snapshot},
};
use axum::{
    extract::State,
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use futures::{Stream, StreamExt as _, stream};
use http::{HeaderMap, StatusCode};
use tokio_stream::wrappers::{BroadcastStream, errors::BroadcastStreamRecvError};

use crate::AppState;

fn event(snapshot: &TimerSnapshot) -> Event {
    let mut snapshot = snapshot.clone();
    // Each stream reads the server clock at send time, so offsets stay accurate.
    snapshot.server_now = chrono::Utc::now().timestamp_millis();
    Event::default()
        .event("timer")
        .json_data(&snapshot)
        .unwrap_or_else(|_| Event::default().comment("unencodable"))
}

pub async fn stream(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (session, user) =
        match session::current_from_headers(&state.db, &state.accounts.settings, &headers).await {
            Ok(Some(found)) => found,
            Ok(None) => {
                return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response();
            }
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        };
    let mut live = match state.accounts.live.open(user.id, &session.id_hash) {
        Ok(live) => live,
        Err(e) => {
            let retry = e.retry_after_secs().unwrap_or(30);
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(http::header::RETRY_AFTER, retry.to_string())],
                "Too many open timer streams for this account.",
            )
                .into_response();
        }
    };
    let session_over = live.ended();
    // Subscribe before reading, so no change between the two is missed.
    let updates = BroadcastStream::new(state.focus.subscribe(user.id));
    let first = match settle_and_snapshot(&state.db, &state.focus, user.id).await {
        Ok(s) => s,
        Err(AppError::Internal { .. }) | Err(_) => {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let events: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> = Box::pin(
        stream::once(async move { Ok(event(&first)) })
            .chain(updates.filter_map(|msg| async move {
                match msg {
                    Ok(s) => Some(Ok(event(&s))),
                    // Fell behind: tell the browser to fetch the state itself.
                    Err(BroadcastStreamRecvError::Lagged(_)) => {
                        Some(Ok(Event::default().event("resync").data("lagged")))
                    }
                }
            }))
            .take_until(session_over)
            // The stream holds its place in the registry for as long as it lives.
            .map(move |event| {
                let _held = &live;
                event
            }),
    );
    let mut res = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    res.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    // Tell buffering proxies (nginx) to pass events through at once.
    res.headers_mut()
        .insert("x-accel-buffering", http::HeaderValue::from_static("no"));
    res
}
