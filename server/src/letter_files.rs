//! Letter images over HTTP, outside Leptos (binary bodies):
//! - `POST /api/letters/{id}/images` (multipart, one file field `image`): adds an image to
//!   one of the signed-in user's letters; the answer is the image as JSON, or the usual
//!   JSON error (validation errors name the `image` field);
//! - `GET /api/letters/images/{id}`: the image, for the letter's author;
//! - `GET /l/{token}/images/{id}`: the image, for whoever holds the delivered letter's link;
//! - `GET /wall/{public_id}/images/{id}`: the image of a letter on the public wall.
//!
//! Images are always served with their stored type, `nosniff` and `Content-Disposition:
//! inline` with a neutral file name; private caching, except briefly for wall images.

use app::{AppError, account::ssr::session, letters::ssr};
use axum::{
    Json,
    extract::{Multipart, Path, State},
    response::{IntoResponse, Response},
};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use uuid::Uuid;

use crate::AppState;

fn error(e: AppError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = e.retry_after_secs();
    let mut res = (status, Json(e)).into_response();
    if let Some(secs) = retry_after {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<Uuid, AppError> {
    match session::current_from_headers(&state.db, &state.accounts.settings, headers).await? {
        Some((_, user)) => Ok(user.id),
        None => Err(AppError::Unauthorized),
    }
}

pub async fn upload(
    State(state): State<AppState>,
    Path(letter): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let result = async {
        let user = signed_in(&state, &headers).await?;
        let letter = Uuid::parse_str(letter.trim()).map_err(|_| AppError::NotFound)?;
        let too_big = || {
            AppError::validation(
                "image",
                format!(
                    "The image is larger than {} MB.",
                    state.letters.config.image_max_bytes / (1024 * 1024)
                ),
            )
        };
        while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
            if field.name() != Some("image") {
                continue;
            }
            let name = field.file_name().unwrap_or("image").to_owned();
            let bytes = field.bytes().await.map_err(|_| too_big())?;
            let allowed = app::billing::ssr::limits_of(&state.db, &state.billing, user).await?;
            return ssr::add_image(
                &state.db,
                &state.letters,
                &allowed,
                user,
                letter,
                &name,
                bytes.to_vec(),
            )
            .await;
        }
        Err(AppError::validation("image", "Choose an image to attach."))
    }
    .await;
    match result {
        Ok(view) => Json(view).into_response(),
        Err(e) => error(e),
    }
}

fn image_response(mime: String, bytes: Vec<u8>) -> Response {
    image_response_cached(mime, bytes, "private, max-age=3600")
}

fn image_response_cached(mime: String, bytes: Vec<u8>, cache: &'static str) -> Response {
    let ext = match mime.as_str() {
        "image/png" => "png",
        "image/webp" => "webp",
        _ => "jpg",
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&mime)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"letter-image.{ext}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

pub async fn for_author(
    State(state): State<AppState>,
    Path(image): Path<String>,
    headers: HeaderMap,
) -> Response {
    let result = async {
        let user = signed_in(&state, &headers).await?;
        let image = Uuid::parse_str(image.trim()).map_err(|_| AppError::NotFound)?;
        ssr::image_for_author(&state.db, &state.letters, user, image).await
    }
    .await;
    match result {
        Ok((mime, bytes)) => image_response(mime, bytes),
        Err(e) => error(e),
    }
}

pub async fn for_link(
    State(state): State<AppState>,
    Path((token, image)): Path<(String, String)>,
) -> Response {
    let result = async {
        let image = Uuid::parse_str(image.trim()).map_err(|_| AppError::NotFound)?;
        ssr::image_for_token(&state.db, &state.letters, &token, image).await
    }
    .await;
    match result {
        Ok((mime, bytes)) => image_response(mime, bytes),
        Err(e) => error(e),
    }
}

pub async fn for_wall(
    State(state): State<AppState>,
    Path((public_id, image)): Path<(String, String)>,
) -> Response {
    let result = async {
        let image = Uuid::parse_str(image.trim()).map_err(|_| AppError::NotFound)?;
        app::wall::ssr::image_for_wall(&state.db, &state.letters, &public_id, image).await
    }
    .await;
    match result {
        // Short, so a letter taken off the wall soon stops being served from caches too.
        Ok((mime, bytes)) => image_response_cached(mime, bytes, "public, max-age=300"),
        Err(e) => error(e),
    }
}
