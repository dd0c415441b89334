//! The payment routes that are not server functions:
//! - `GET /plus/orders/{id}/pay` sends the order's owner on to the provider (a GET, so it
//!   may lead to another site under `form-action 'self'`: see `app::billing::checkout`);
//! - `POST /billing/notify/{provider}` takes a provider's notifications. It needs no
//!   session and no origin check (providers' servers send it; they are checked by their
//!   signature instead), and answers in the provider's own words.

use app::{
    AppError,
    account::ssr::session,
    billing::{
        Provider,
        ssr::{PayAction, PayContext, notify, orders},
    },
    request::ClientIp,
};
use axum::{
    body::Bytes,
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use uuid::Uuid;

use crate::AppState;

pub async fn pay(
    State(state): State<AppState>,
    Path(id): Path<String>,
    client: Option<axum::Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let mobile = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ua| ua.contains("Mobi") || ua.contains("Android"));
    let result = async {
        let (_, user) =
            session::current_from_headers(&state.db, &state.accounts.settings, &headers)
                .await?
                .ok_or(AppError::Unauthorized)?;
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        let at = PayContext {
            site_url: state.config.site_origin(),
            mobile,
            client_ip: client.map(|c| c.0.0),
        };
        let action = orders::pay(&state.db, &state.billing, user.id, id, &at).await?;
        Ok::<_, AppError>((id, action))
    }
    .await;
    match result {
        Ok((_, PayAction::Redirect(url))) => Redirect::to(&url).into_response(),
        Ok((id, PayAction::Qr(_))) => Redirect::to(&format!("/plus/orders/{id}")).into_response(),
        Err(AppError::Unauthorized) => Redirect::to("/login").into_response(),
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

pub async fn notification(
    State(state): State<AppState>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(provider) = Provider::parse(&provider).and_then(|p| state.billing.provider(p)) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let now = chrono::Utc::now().timestamp_millis();
    let received = notify::receive(
        &state.db,
        &state.billing,
        provider.as_ref(),
        &headers,
        &body,
        now,
    )
    .await;
    let (status, text) = if received.acknowledged() {
        provider.ack()
    } else {
        if let notify::Received::Failed(e) = &received {
            tracing::error!(error = %e, "taking in a payment notification failed");
        }
        provider.nack()
    };
    (status, text).into_response()
}
