//! The browser's side of a passkey ceremony: the server's options (JSON, binary fields in
//! base64url) become the objects `navigator.credentials.create`/`get` take, and the
//! authenticator's answer becomes the JSON the server reads (binary fields in base64url,
//! as in WebAuthn's own `toJSON()`, which older browsers lack).

use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use js_sys::{Array, Function, JSON, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Why a ceremony did not give an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The browser has no WebAuthn.
    Unsupported,
    /// The person cancelled, or the request timed out or was aborted (browsers do not tell
    /// these apart, on purpose).
    Cancelled,
    /// The authenticator already holds a passkey for this account.
    Duplicate,
    /// Anything else (malformed options, a security error).
    Failed,
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// Replaces the base64url string at `key` with its bytes.
fn decode_field(target: &JsValue, key: &str) -> Result<(), Failure> {
    let Some(text) = get(target, key).as_string() else {
        return Ok(());
    };
    let bytes = URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| Failure::Failed)?;
    set(target, key, &Uint8Array::from(bytes.as_slice()).into());
    Ok(())
}

fn decode_ids(list: &JsValue) -> Result<(), Failure> {
    if let Some(list) = list.dyn_ref::<Array>() {
        for item in list.iter() {
            decode_field(&item, "id")?;
        }
    }
    Ok(())
}

/// The bytes of an `ArrayBuffer` (or view) at `key`, in base64url; `None` if absent.
fn encode_field(source: &JsValue, key: &str) -> Option<String> {
    let v = get(source, key);
    if v.is_undefined() || v.is_null() {
        return None;
    }
    Some(URL_SAFE_NO_PAD.encode(Uint8Array::new(&v).to_vec()))
}

fn credentials() -> Result<JsValue, Failure> {
    let window = web_sys::window().ok_or(Failure::Unsupported)?;
    if get(&window, "PublicKeyCredential").is_undefined() {
        return Err(Failure::Unsupported);
    }
    let credentials = get(&window.navigator(), "credentials");
    if credentials.is_undefined() {
        return Err(Failure::Unsupported);
    }
    Ok(credentials)
}

async fn call(method: &str, options: &JsValue) -> Result<JsValue, Failure> {
    let credentials = credentials()?;
    let f: Function = get(&credentials, method)
        .dyn_into()
        .map_err(|_| Failure::Unsupported)?;
    let promise: Promise = f
        .call1(&credentials, options)
        .map_err(|_| Failure::Failed)?
        .dyn_into()
        .map_err(|_| Failure::Failed)?;
    JsFuture::from(promise)
        .await
        .map_err(|e| match get(&e, "name").as_string().as_deref() {
            Some("NotAllowedError" | "AbortError") => Failure::Cancelled,
            Some("InvalidStateError") => Failure::Duplicate,
            _ => Failure::Failed,
        })
}

fn parse(options: &str) -> Result<(JsValue, JsValue), Failure> {
    let parsed = JSON::parse(options).map_err(|_| Failure::Failed)?;
    let public_key = get(&parsed, "publicKey");
    if !public_key.is_object() {
        return Err(Failure::Failed);
    }
    decode_field(&public_key, "challenge")?;
    Ok((parsed, public_key))
}

fn answer_json(credential: &JsValue, response: &Object) -> Result<String, Failure> {
    let out = Object::new();
    let raw_id = encode_field(credential, "rawId").ok_or(Failure::Failed)?;
    set(&out, "id", &JsValue::from_str(&raw_id));
    set(&out, "rawId", &JsValue::from_str(&raw_id));
    set(&out, "type", &JsValue::from_str("public-key"));
    set(&out, "response", response);
    set(&out, "clientExtensionResults", &Object::new());
    JSON::stringify(&out)
        .map(String::from)
        .map_err(|_| Failure::Failed)
}

/// Makes a passkey with the server's creation options; answers the attestation, as JSON.
pub async fn create(options: &str) -> Result<String, Failure> {
    let (parsed, public_key) = parse(options)?;
    decode_field(&get(&public_key, "user"), "id")?;
    decode_ids(&get(&public_key, "excludeCredentials"))?;
    let credential = call("create", &parsed).await?;
    let r = get(&credential, "response");
    let response = Object::new();
    for key in ["clientDataJSON", "attestationObject"] {
        let v = encode_field(&r, key).ok_or(Failure::Failed)?;
        set(&response, key, &JsValue::from_str(&v));
    }
    // Where the authenticator can be reached next time (optional; helps the browser).
    let transports = get(&r, "getTransports")
        .dyn_into::<Function>()
        .ok()
        .and_then(|f| f.call0(&r).ok());
    if let Some(t) = transports.filter(|t| t.is_object()) {
        set(&response, "transports", &t);
    }
    answer_json(&credential, &response)
}

/// Signs in with a passkey, using the server's request options: in a dialog, or with
/// `conditional` in the browser's list of accounts under the username field (until
/// `signal` aborts it). Answers the assertion, as JSON.
pub async fn get_assertion(
    options: &str,
    conditional: Option<&web_sys::AbortSignal>,
) -> Result<String, Failure> {
    let (parsed, public_key) = parse(options)?;
    decode_ids(&get(&public_key, "allowCredentials"))?;
    if let Some(signal) = conditional {
        set(&parsed, "mediation", &JsValue::from_str("conditional"));
        set(&parsed, "signal", signal);
    }
    let credential = call("get", &parsed).await?;
    let r = get(&credential, "response");
    let response = Object::new();
    for key in ["clientDataJSON", "authenticatorData", "signature"] {
        let v = encode_field(&r, key).ok_or(Failure::Failed)?;
        set(&response, key, &JsValue::from_str(&v));
    }
    if let Some(handle) = encode_field(&r, "userHandle") {
        set(&response, "userHandle", &JsValue::from_str(&handle));
    }
    answer_json(&credential, &response)
}

/// Whether the browser can offer passkeys in its account list under a username field.
pub async fn conditional_available() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let pkc = get(&window, "PublicKeyCredential");
    let Ok(f) = get(&pkc, "isConditionalMediationAvailable").dyn_into::<Function>() else {
        return false;
    };
    let Ok(Ok(promise)) = f.call0(&pkc).map(|p| p.dyn_into::<Promise>()) else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Whether the browser has WebAuthn at all.
pub fn supported() -> bool {
    credentials().is_ok()
}
