//! Browser side of letters: uploading an image (a multipart POST the server function
//! machinery does not cover).

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FormData, RequestInit, Response};

use super::ImageView;
use crate::AppError;

/// Uploads `file` to letter `letter`; the server's JSON error comes back as [`AppError`].
pub async fn upload_image(letter: &str, file: File) -> Result<ImageView, AppError> {
    let window = web_sys::window().ok_or(AppError::Network)?;
    let form = FormData::new().map_err(|_| AppError::Network)?;
    form.append_with_blob_and_filename("image", &file, &file.name())
        .map_err(|_| AppError::Network)?;
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&form);
    let url = format!("/api/letters/{letter}/images");
    let res: Response = JsFuture::from(window.fetch_with_str_and_init(&url, &init))
        .await
        .map_err(|_| AppError::Network)?
        .dyn_into()
        .map_err(|_| AppError::Network)?;
    let text = JsFuture::from(res.text().map_err(|_| AppError::Network)?)
        .await
        .map_err(|_| AppError::Network)?
        .as_string()
        .unwrap_or_default();
    if res.ok() {
        serde_json::from_str(&text).map_err(|_| AppError::Network)
    } else if res.status() == 413 {
        Err(AppError::validation(
            "image",
            crate::i18n::t().letters.image_too_large_upload,
        ))
    } else {
        Err(serde_json::from_str(&text).unwrap_or(AppError::Network))
    }
}
