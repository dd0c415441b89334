//! `GET /account/export/{id}`: a finished data export, to its owner only (see
//! `app::privacy::export`). Another account's export is "not found"; one whose link has
//! ended is `410 Gone`. Errors are short plain sentences: this address is opened by the
//! browser itself, not by the app.

use app::{AppError, account::ssr::session, privacy::export};
use axum::{
    body::Body,
    extract::{Path, State},
    response::{IntoResponse, Response},
};
use futures::TryStreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use uuid::Uuid;

use crate::AppState;

pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let (_, user) =
            session::current_from_headers(&state.db, &state.accounts.settings, &headers)
                .await?
                .ok_or(AppError::Unauthorized)?;
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        let now = chrono::Utc::now().timestamp_millis();
        export::download(&state.db, state.letters.store.as_ref(), &user, id, now).await
    }
    .await;
    match result {
        Ok(export::Download { name, bytes, body }) => {
            // Sent as it is read and opened, a chunk at a time. A chunk that does not open
            // ends the transfer early, which the browser reports as a failed download.
            let body =
                body.inspect_err(|e| tracing::error!(error = %e, "sending an export failed"));
            let mut res = Body::from_stream(body).into_response();
            let h = res.headers_mut();
            if bytes > 0 {
                h.insert(header::CONTENT_LENGTH, HeaderValue::from(bytes));
            }
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/zip"),
            );
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            // The name is built from the username (letters, digits, `_`, `-`) and a date.
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            res
        }
        Err(e) => {
            let status =
                StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut res = (status, e.to_string()).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            res
        }
    }
}
