//! WeChat Pay API v3: the `Authorization` header of our requests, the signatures on
//! WeChat Pay's callbacks and responses, and the AEAD_AES_256_GCM resources inside
//! callbacks.
//!
//! The rules follow the official Go SDK, wechatpay-apiv3/wechatpay-go:
//! - requests: `core/auth/credentials/wechat_pay_credential.go`
//!   (`GenerateAuthorizationHeader`, `consts.SignatureMessageFormat`,
//!   `consts.HeaderAuthorizationFormat`) — see [`request_message`] and [`authorization`];
//! - callbacks and responses: `core/auth/validators/wechat_pay_validator.go`
//!   (`buildMessage`, `checkWechatPayHeader`) with the key chosen by `Wechatpay-Serial`
//!   among platform certificates and `PUB_KEY_ID_…` public keys
//!   (`core/auth/verifiers/sha256withrsa_combined_verifier.go`) — see [`verify`];
//! - resources: `utils/aes.go` `DecryptAES256GCM` — see [`decrypt_resource`].
//!
//! Pinned by `app/testdata/payments/wechatpay_v3.json`: the callback of wechatpay-go
//! `core/notify/notify_test.go` and the AES-256-GCM vector of wechatpay-java
//! `AeadAesCipherTest`. Amounts are fen, as integers, throughout.

use std::collections::BTreeMap;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use ring::{
    aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey},
    rand::{SecureRandom, SystemRandom},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{
    ProtocolError,
    rsa::{PrivateKey, PublicKey},
};

/// The authorization schema of our requests' `Authorization` header.
pub const AUTH_SCHEMA: &str = "WECHATPAY2-SHA256-RSA2048";
/// A callback or response whose timestamp is this many seconds or more away from now is
/// refused (`consts.FiveMinute`).
pub const MAX_SKEW_SECS: u64 = 300;
/// How WeChat Pay's probe signatures start: probes check that merchants verify, and must
/// fail ([`ProtocolError::Probe`]).
pub const PROBE_PREFIX: &str = "WECHATPAY/SIGNTEST/";
/// How the ids of WeChat Pay public keys (微信支付公钥) start, as sent in `Wechatpay-Serial`.
pub const PUBLIC_KEY_ID_PREFIX: &str = "PUB_KEY_ID_";
/// The only resource algorithm: AES-256-GCM with the 32-byte APIv3 key.
pub const RESOURCE_ALGORITHM: &str = "AEAD_AES_256_GCM";
/// `Wechatpay-Timestamp`: seconds since the epoch when WeChat Pay signed.
pub const HEADER_TIMESTAMP: &str = "Wechatpay-Timestamp";
/// `Wechatpay-Nonce`: the random string that was signed.
pub const HEADER_NONCE: &str = "Wechatpay-Nonce";
/// `Wechatpay-Serial`: which platform certificate serial or public key id signed.
pub const HEADER_SERIAL: &str = "Wechatpay-Serial";
/// `Wechatpay-Signature`: the Base64 RSA signature.
pub const HEADER_SIGNATURE: &str = "Wechatpay-Signature";

/// The text our request signature covers (签名串): `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`,
/// where URL is the path with `?query` if any (no scheme or host) and BODY is the exact
/// JSON sent, empty for GET (the text then ends `NONCE\n\n`).
pub fn request_message(
    method: &str,
    canonical_url: &str,
    timestamp_secs: i64,
    nonce: &str,
    body: &str,
) -> String {
    format!("{method}\n{canonical_url}\n{timestamp_secs}\n{nonce}\n{body}\n")
}

/// The `Authorization` header of a request:
/// `WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",timestamp="…",serial_no="…",signature="…"`,
/// the signature being our merchant key's SHA256withRSA over [`request_message`] and
/// `serial_no` our merchant certificate's serial. Refuses a `mchid`, serial or nonce that
/// is empty or has characters other than ASCII letters, digits, `-` and `_`, which would
/// break the header.
#[allow(
    clippy::too_many_arguments,
    reason = "the header has exactly these inputs; a struct would only rename them"
)]
pub fn authorization(
    mchid: &str,
    merchant_serial: &str,
    key: &PrivateKey,
    method: &str,
    canonical_url: &str,
    body: &str,
    timestamp_secs: i64,
    nonce: &str,
) -> Result<String, ProtocolError> {
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if !token(mchid) {
        return Err(ProtocolError::Malformed("mchid is not a plain token"));
    }
    if !token(merchant_serial) {
        return Err(ProtocolError::Malformed(
            "merchant serial is not a plain token",
        ));
    }
    if !token(nonce) {
        return Err(ProtocolError::Malformed("nonce is not a plain token"));
    }
    let message = request_message(method, canonical_url, timestamp_secs, nonce, body);
    let signature = key.sign_base64(message.as_bytes())?;
    Ok(format!(
        "{AUTH_SCHEMA} mchid=\"{mchid}\",nonce_str=\"{nonce}\",timestamp=\"{timestamp_secs}\",serial_no=\"{merchant_serial}\",signature=\"{signature}\""
    ))
}

/// A fresh nonce for [`authorization`]: 32 random ASCII letters and digits
/// (wechatpay-go `utils.GenerateNonce` makes 32 too).
pub fn generate_nonce() -> Result<String, ProtocolError> {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let rng = SystemRandom::new();
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 64];
    while out.len() < 32 {
        rng.fill(&mut buf).map_err(|_| ProtocolError::Crypto)?;
        // 248 = 4 × 62: bytes from 248 up are dropped so every character is equally likely.
        for b in buf.iter().filter(|&&b| b < 248) {
            if out.len() == 32 {
                break;
            }
            out.push(char::from(ALPHABET[usize::from(b % 62)]));
        }
    }
    Ok(out)
}

/// The keys WeChat Pay signs with, by the serial it sends in `Wechatpay-Serial`: platform
/// certificates (by certificate serial, e.g. `D7CE59D1F522D701`) and WeChat Pay public
/// keys (by id, `PUB_KEY_ID_…`). Serials are matched exactly.
#[derive(Debug, Clone, Default)]
pub struct PlatformKeys {
    keys: BTreeMap<String, PublicKey>,
}

impl PlatformKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a platform certificate (PEM, as decrypted from `/v3/certificates`) under its
    /// serial ([`PublicKey::from_certificate_pem`]) and returns the serial.
    pub fn insert_certificate_pem(&mut self, pem: &str) -> Result<String, ProtocolError> {
        let (serial, key) = PublicKey::from_certificate_pem(pem)?;
        self.keys.insert(serial.clone(), key);
        Ok(serial)
    }

    /// Adds a WeChat Pay public key (SPKI PEM, `pub_key.pem` from the merchant platform)
    /// under its id, which must be `PUB_KEY_ID_` followed by letters or digits.
    pub fn insert_public_key(&mut self, id: &str, spki_pem: &str) -> Result<(), ProtocolError> {
        let valid = id.strip_prefix(PUBLIC_KEY_ID_PREFIX).is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
        if !valid {
            return Err(ProtocolError::Key(
                "public key id must look like PUB_KEY_ID_…",
            ));
        }
        let key = PublicKey::from_spki_pem_or_base64(spki_pem)?;
        self.keys.insert(id.to_owned(), key);
        Ok(())
    }

    /// Adds a key under a serial.
    pub fn insert(&mut self, serial: impl Into<String>, key: PublicKey) {
        self.keys.insert(serial.into(), key);
    }

    /// The key with exactly this serial.
    pub fn get(&self, serial: &str) -> Option<&PublicKey> {
        self.keys.get(serial)
    }

    /// The serials held, in order.
    pub fn serials(&self) -> impl Iterator<Item = &str> {
        self.keys.keys().map(String::as_str)
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The signature headers of a WeChat Pay callback or API response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `Wechatpay-Timestamp`, as sent.
    pub timestamp: String,
    /// `Wechatpay-Nonce`.
    pub nonce: String,
    /// `Wechatpay-Serial`: which key signed.
    pub serial: String,
    /// `Wechatpay-Signature`, Base64.
    pub signature: String,
}

impl SignedHeaders {
    /// Reads the four headers through `get` (given the canonical names
    /// `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Serial`, `Wechatpay-Signature`;
    /// matching them case-insensitively is `get`'s job, as HTTP header maps do). Values are
    /// trimmed; a missing or empty one is an error (as `getWechatPayHeader`).
    pub fn from_headers(get: impl Fn(&str) -> Option<String>) -> Result<Self, ProtocolError> {
        let read = |name: &str, missing: &'static str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or(ProtocolError::Malformed(missing))
        };
        Ok(Self {
            timestamp: read(HEADER_TIMESTAMP, "missing Wechatpay-Timestamp header")?,
            nonce: read(HEADER_NONCE, "missing Wechatpay-Nonce header")?,
            serial: read(HEADER_SERIAL, "missing Wechatpay-Serial header")?,
            signature: read(HEADER_SIGNATURE, "missing Wechatpay-Signature header")?,
        })
    }
}

/// Checks a WeChat Pay callback or API response (including an empty 204 body) against its
/// signature headers, over the **raw** body bytes:
/// `message = Wechatpay-Timestamp\nWechatpay-Nonce\nBODY\n`, RSASSA-PKCS1-v1_5 SHA-256 with
/// the key named by `Wechatpay-Serial`.
///
/// In order, refuses: a probe signature (`WECHATPAY/SIGNTEST/…`, [`ProtocolError::Probe`] —
/// log it as a probe); a timestamp that is not plain decimal digits
/// ([`ProtocolError::Malformed`]) or is [`MAX_SKEW_SECS`] or more from `now_secs`
/// ([`ProtocolError::Stale`]); an unknown serial ([`ProtocolError::UnknownSerial`]); a
/// signature that does not verify ([`ProtocolError::BadSignature`]).
pub fn verify(
    headers: &SignedHeaders,
    body: &[u8],
    keys: &PlatformKeys,
    now_secs: i64,
) -> Result<(), ProtocolError> {
    if headers.signature.starts_with(PROBE_PREFIX) {
        return Err(ProtocolError::Probe);
    }
    let ts = &headers.timestamp;
    if ts.is_empty() || ts.len() > 18 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProtocolError::Malformed(
            "Wechatpay-Timestamp is not a number",
        ));
    }
    let timestamp: i64 = ts
        .parse()
        .map_err(|_| ProtocolError::Malformed("Wechatpay-Timestamp is not a number"))?;
    if now_secs.abs_diff(timestamp) >= MAX_SKEW_SECS {
        return Err(ProtocolError::Stale);
    }
    let key = keys
        .get(&headers.serial)
        .ok_or_else(|| ProtocolError::UnknownSerial(headers.serial.chars().take(64).collect()))?;
    let mut message = Vec::with_capacity(ts.len() + headers.nonce.len() + body.len() + 3);
    message.extend_from_slice(ts.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(headers.nonce.as_bytes());
    message.push(b'\n');
    message.extend_from_slice(body);
    message.push(b'\n');
    if key.verify_base64(&message, &headers.signature) {
        Ok(())
    } else {
        Err(ProtocolError::BadSignature)
    }
}

/// The AES-256-GCM key from the APIv3 key: exactly 32 bytes. A 16-byte key is refused —
/// never silently AES-128, as Go's `aes.NewCipher` would do (the wechatpay-go test
/// vectors use such a key).
fn aes_key(apiv3_key: &[u8]) -> Result<LessSafeKey, ProtocolError> {
    if apiv3_key.len() != 32 {
        return Err(ProtocolError::Key("APIv3 key must be exactly 32 bytes"));
    }
    let key = UnboundKey::new(&AES_256_GCM, apiv3_key)
        .map_err(|_| ProtocolError::Key("APIv3 key must be exactly 32 bytes"))?;
    Ok(LessSafeKey::new(key))
}

/// The 12-byte GCM nonce from the resource's `nonce` string.
fn gcm_nonce(nonce: &str) -> Result<Nonce, ProtocolError> {
    Nonce::try_assume_unique_for_key(nonce.as_bytes())
        .map_err(|_| ProtocolError::Malformed("resource nonce must be 12 bytes"))
}

/// Decrypts a callback resource (AEAD_AES_256_GCM, wechatpay-go `utils.DecryptAES256GCM`):
/// the key is the 32-byte APIv3 key, the nonce the resource's 12-character `nonce`, the
/// associated data its `associated_data`, and `ciphertext_b64` is Base64 of the ciphertext
/// with the 16-byte tag appended. A changed byte anywhere gives
/// [`ProtocolError::Decrypt`].
pub fn decrypt_resource(
    apiv3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    ciphertext_b64: &str,
) -> Result<Vec<u8>, ProtocolError> {
    let key = aes_key(apiv3_key)?;
    let nonce = gcm_nonce(nonce)?;
    let mut data = STANDARD
        .decode(ciphertext_b64)
        .map_err(|_| ProtocolError::Malformed("resource ciphertext is not Base64"))?;
    let len = key
        .open_in_place(nonce, Aad::from(associated_data.as_bytes()), &mut data)
        .map_err(|_| ProtocolError::Decrypt)?
        .len();
    data.truncate(len);
    Ok(data)
}

/// The inverse of [`decrypt_resource`], for test fakes of WeChat Pay: AES-256-GCM, Base64
/// of the ciphertext with the tag appended. Never reuse a nonce with the same key.
pub fn encrypt_resource(
    apiv3_key: &[u8],
    nonce: &str,
    associated_data: &str,
    plaintext: &[u8],
) -> Result<String, ProtocolError> {
    let key = aes_key(apiv3_key)?;
    let nonce = gcm_nonce(nonce)?;
    let mut data = plaintext.to_vec();
    key.seal_in_place_append_tag(nonce, Aad::from(associated_data.as_bytes()), &mut data)
        .map_err(|_| ProtocolError::Crypto)?;
    Ok(STANDARD.encode(data))
}

/// A callback body (通知报文): the event and its encrypted resource. Parse it from the raw
/// body only after [`verify`] accepted that body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    /// The notification id (the same on retries).
    pub id: String,
    /// When it was made, RFC 3339.
    pub create_time: String,
    /// E.g. `TRANSACTION.SUCCESS`, `REFUND.SUCCESS`, `REFUND.ABNORMAL`, `REFUND.CLOSED`.
    pub event_type: String,
    /// `encrypt-resource`.
    pub resource_type: String,
    /// A short text such as "支付成功".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The encrypted event data.
    pub resource: EncryptedResource,
}

impl Notification {
    /// Parses a callback body.
    pub fn parse(body: &[u8]) -> Result<Self, ProtocolError> {
        serde_json::from_slice(body)
            .map_err(|_| ProtocolError::Malformed("not a WeChat Pay notification"))
    }

    /// Decrypts the resource with the APIv3 key ([`decrypt_resource`]); refuses any
    /// algorithm but `AEAD_AES_256_GCM`.
    pub fn decrypt(&self, apiv3_key: &[u8]) -> Result<Vec<u8>, ProtocolError> {
        let r = &self.resource;
        if r.algorithm != RESOURCE_ALGORITHM {
            return Err(ProtocolError::Malformed(
                "resource algorithm is not AEAD_AES_256_GCM",
            ));
        }
        decrypt_resource(apiv3_key, &r.nonce, &r.associated_data, &r.ciphertext)
    }

    /// Decrypts the resource and parses it, e.g. as a [`Transaction`] or a
    /// [`RefundNotification`].
    pub fn decrypt_json<T: DeserializeOwned>(&self, apiv3_key: &[u8]) -> Result<T, ProtocolError> {
        serde_json::from_slice(&self.decrypt(apiv3_key)?)
            .map_err(|_| ProtocolError::Malformed("decrypted resource is not the expected JSON"))
    }
}

/// The `resource` of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedResource {
    /// `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// Base64 of the ciphertext with the 16-byte tag appended.
    pub ciphertext: String,
    /// The associated data (may be absent, then empty).
    #[serde(default)]
    pub associated_data: String,
    /// The type of the plaintext, e.g. `transaction` or `refund`.
    #[serde(default)]
    pub original_type: String,
    /// The 12-character nonce.
    pub nonce: String,
}

/// A payment (a decrypted `TRANSACTION.SUCCESS` resource, or the answer of a query by
/// `out_trade_no`). The payer (`payer.openid`) is deliberately not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    /// The merchant id; must be ours.
    pub mchid: String,
    /// The app id; must be ours.
    pub appid: String,
    /// Our order number.
    pub out_trade_no: String,
    /// WeChat Pay's transaction number (absent for unpaid orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// `SUCCESS`, `REFUND`, `NOTPAY`, `CLOSED`, `REVOKED`, `USERPAYING`, `PAYERROR`.
    pub trade_state: String,
    /// A description of the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_state_desc: Option<String>,
    /// `NATIVE`, `MWEB` (H5), `JSAPI`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trade_type: Option<String>,
    /// The amounts, in fen.
    pub amount: TransactionAmount,
    /// When it was paid, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
}

/// The amounts of a [`Transaction`], in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionAmount {
    /// The order total; must equal the order's.
    pub total: i64,
    /// `CNY` (may be absent on an unpaid order's query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// What the payer paid (the total minus discounts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
}

/// A refund (a decrypted `REFUND.SUCCESS` / `REFUND.ABNORMAL` / `REFUND.CLOSED` resource).
/// The payer's receiving account (`user_received_account`) is deliberately not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundNotification {
    /// The merchant id; must be ours.
    pub mchid: String,
    /// Our order number.
    pub out_trade_no: String,
    /// WeChat Pay's transaction number.
    pub transaction_id: String,
    /// Our refund number.
    pub out_refund_no: String,
    /// WeChat Pay's refund number.
    pub refund_id: String,
    /// `SUCCESS`, `CLOSED`, `ABNORMAL`.
    pub refund_status: String,
    /// The amounts, in fen.
    pub amount: RefundAmount,
    /// When the refund succeeded, RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_time: Option<String>,
}

/// The amounts of a [`RefundNotification`], in fen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundAmount {
    /// The order total.
    pub total: i64,
    /// This refund.
    pub refund: i64,
    /// What the payer paid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_total: Option<i64>,
    /// What goes back to the payer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_refund: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE: &str = include_str!("../../../../testdata/payments/wechatpay_v3.json");
    const PKCS8: &str = include_str!("../../../../testdata/payments/test_rsa_2048_pkcs8.pem");
    const SPKI: &str = include_str!("../../../../testdata/payments/test_rsa_2048_spki.pem");

    fn fixture() -> serde_json::Value {
        serde_json::from_str(FIXTURE).unwrap()
    }

    fn s(v: &serde_json::Value) -> &str {
        v.as_str().unwrap()
    }

    /// The callback vector: its headers, body, platform keys and timestamp.
    fn callback() -> (SignedHeaders, Vec<u8>, PlatformKeys, i64) {
        let f = fixture();
        let n = &f["notify"];
        let h = &n["headers"];
        let headers =
            SignedHeaders::from_headers(|name| h[name].as_str().map(str::to_owned)).unwrap();
        let mut keys = PlatformKeys::new();
        let serial = keys
            .insert_certificate_pem(s(&n["platform_certificate_pem"]))
            .unwrap();
        assert_eq!(serial, "D7CE59D1F522D701");
        let now = headers.timestamp.parse().unwrap();
        (headers, s(&n["body"]).as_bytes().to_vec(), keys, now)
    }

    #[test]
    fn callback_vector_verifies() {
        let (headers, body, keys, now) = callback();
        assert_eq!(now, 1_624_523_846);
        assert_eq!(verify(&headers, &body, &keys, now), Ok(()));
        assert_eq!(verify(&headers, &body, &keys, now + 299), Ok(()));
        assert_eq!(verify(&headers, &body, &keys, now - 299), Ok(()));
    }

    #[test]
    fn callback_fails_when_the_body_changes() {
        let (headers, body, keys, now) = callback();
        for i in [0, body.len() / 2, body.len() - 1] {
            let mut tampered = body.clone();
            tampered[i] ^= 0x01;
            assert_eq!(
                verify(&headers, &tampered, &keys, now),
                Err(ProtocolError::BadSignature)
            );
        }
        let mut longer = body.clone();
        longer.push(b' ');
        assert_eq!(
            verify(&headers, &longer, &keys, now),
            Err(ProtocolError::BadSignature)
        );
        let mut nonce = headers.clone();
        nonce.nonce.push('x');
        assert_eq!(
            verify(&nonce, &body, &keys, now),
            Err(ProtocolError::BadSignature)
        );
        let mut sig = headers.clone();
        sig.signature = sig.signature.replacen('t', "u", 1);
        assert_eq!(
            verify(&sig, &body, &keys, now),
            Err(ProtocolError::BadSignature)
        );
    }

    #[test]
    fn callback_fails_with_another_serial() {
        let (headers, body, mut keys, now) = callback();
        let mut unknown = headers.clone();
        unknown.serial = "D7CE59D1F522D702".to_owned();
        assert_eq!(
            verify(&unknown, &body, &keys, now),
            Err(ProtocolError::UnknownSerial("D7CE59D1F522D702".to_owned()))
        );
        // Serials match exactly.
        let mut lower = headers.clone();
        lower.serial = lower.serial.to_lowercase();
        assert!(matches!(
            verify(&lower, &body, &keys, now),
            Err(ProtocolError::UnknownSerial(_))
        ));
        // A serial we hold, but for another key.
        keys.insert_public_key("PUB_KEY_ID_0114232806472025052600003164000800", SPKI)
            .unwrap();
        let mut other = headers.clone();
        other.serial = "PUB_KEY_ID_0114232806472025052600003164000800".to_owned();
        assert_eq!(
            verify(&other, &body, &keys, now),
            Err(ProtocolError::BadSignature)
        );
        // The reported serial is shortened.
        let mut long = headers.clone();
        long.serial = "X".repeat(1000);
        assert_eq!(
            verify(&long, &body, &keys, now),
            Err(ProtocolError::UnknownSerial("X".repeat(64)))
        );
    }

    #[test]
    fn callback_fails_when_stale() {
        let (headers, body, keys, now) = callback();
        assert_eq!(
            verify(&headers, &body, &keys, now + 300),
            Err(ProtocolError::Stale)
        );
        assert_eq!(
            verify(&headers, &body, &keys, now - 300),
            Err(ProtocolError::Stale)
        );
        assert_eq!(
            verify(&headers, &body, &keys, i64::MIN),
            Err(ProtocolError::Stale)
        );
        assert_eq!(
            verify(&headers, &body, &keys, i64::MAX),
            Err(ProtocolError::Stale)
        );
        for bad in [
            "",
            "-1624523846",
            "+1624523846",
            "1624523846.0",
            "1e9",
            "16245238460000000000",
        ] {
            let mut h = headers.clone();
            h.timestamp = bad.to_owned();
            assert_eq!(
                verify(&h, &body, &keys, now),
                Err(ProtocolError::Malformed(
                    "Wechatpay-Timestamp is not a number"
                )),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn probe_signature_fails_as_a_probe() {
        let (headers, body, keys, now) = callback();
        let mut probe = headers.clone();
        probe.signature = format!("{PROBE_PREFIX}{}", headers.signature);
        assert_eq!(verify(&probe, &body, &keys, now), Err(ProtocolError::Probe));
        probe.signature = "WECHATPAY/SIGNTEST/abc".to_owned();
        // A probe is reported as such even when stale or from an unknown serial.
        probe.serial = "UNKNOWN".to_owned();
        assert_eq!(verify(&probe, &body, &keys, 0), Err(ProtocolError::Probe));
    }

    #[test]
    fn signed_headers_from_a_header_map() {
        assert_eq!(
            SignedHeaders::from_headers(|name| (name != HEADER_SERIAL).then(|| " v ".to_owned())),
            Err(ProtocolError::Malformed("missing Wechatpay-Serial header"))
        );
        assert_eq!(
            SignedHeaders::from_headers(|name| (name != HEADER_NONCE).then(String::new)),
            Err(ProtocolError::Malformed(
                "missing Wechatpay-Timestamp header"
            ))
        );
        let h = SignedHeaders::from_headers(|name| Some(format!(" {name} "))).unwrap();
        assert_eq!(h.timestamp, HEADER_TIMESTAMP);
        assert_eq!(h.signature, HEADER_SIGNATURE);
    }

    #[test]
    fn platform_keys() {
        let mut keys = PlatformKeys::new();
        assert!(keys.is_empty());
        for bad in [
            "",
            "PUB_KEY_ID_",
            "pub_key_id_1",
            "D7CE59D1F522D701",
            "PUB_KEY_ID_1 2",
        ] {
            assert!(keys.insert_public_key(bad, SPKI).is_err(), "{bad:?}");
        }
        assert!(keys.insert_public_key("PUB_KEY_ID_1", "not a key").is_err());
        keys.insert_public_key("PUB_KEY_ID_1", SPKI).unwrap();
        let f = fixture();
        keys.insert_certificate_pem(s(&f["notify"]["platform_certificate_pem"]))
            .unwrap();
        assert_eq!(
            keys.serials().collect::<Vec<_>>(),
            ["D7CE59D1F522D701", "PUB_KEY_ID_1"]
        );
        assert_eq!(keys.len(), 2);
        assert!(keys.insert_certificate_pem(SPKI).is_err());
    }

    #[test]
    fn a_signed_fake_callback_verifies() {
        let key = PrivateKey::from_pem_or_base64(PKCS8).unwrap();
        let mut keys = PlatformKeys::new();
        keys.insert("PUB_KEY_ID_TEST", key.public_key());
        let body = br#"{"id":"1","create_time":"2026-12-05T10:00:00+08:00"}"#;
        let signature = key
            .sign_base64(
                b"1780000000\nabc\n{\"id\":\"1\",\"create_time\":\"2026-12-05T10:00:00+08:00\"}\n",
            )
            .unwrap();
        let headers = SignedHeaders {
            timestamp: "1780000000".to_owned(),
            nonce: "abc".to_owned(),
            serial: "PUB_KEY_ID_TEST".to_owned(),
            signature,
        };
        assert_eq!(verify(&headers, body, &keys, 1_780_000_100), Ok(()));
        // An empty body (a 204 response) is signed as an empty line.
        let empty = SignedHeaders {
            signature: key.sign_base64(b"1780000000\nabc\n\n").unwrap(),
            ..headers
        };
        assert_eq!(verify(&empty, b"", &keys, 1_780_000_000), Ok(()));
    }

    #[test]
    fn authorization_header_parses_and_verifies() {
        let key = PrivateKey::from_pem_or_base64(PKCS8).unwrap();
        let public = PublicKey::from_spki_pem_or_base64(SPKI).unwrap();
        let url = "/v3/pay/transactions/native";
        let body = r#"{"appid":"wxd678efh567hg6787","mchid":"1230000109","description":"Ripen Plus","out_trade_no":"R1","notify_url":"https://ripen.example/n","amount":{"total":1200,"currency":"CNY"}}"#;
        let nonce = "593BEC0C930BF1AFEB40B4A08C8FB242";
        let header = authorization(
            "1230000109",
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C",
            &key,
            "POST",
            url,
            body,
            1_554_208_460,
            nonce,
        )
        .unwrap();
        let rest = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ").unwrap();
        let fields: BTreeMap<&str, &str> = rest
            .split(',')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (k, v.strip_prefix('"').unwrap().strip_suffix('"').unwrap())
            })
            .collect();
        assert_eq!(
            fields.keys().copied().collect::<Vec<_>>(),
            ["mchid", "nonce_str", "serial_no", "signature", "timestamp"]
        );
        assert_eq!(fields["mchid"], "1230000109");
        assert_eq!(fields["nonce_str"], nonce);
        assert_eq!(fields["timestamp"], "1554208460");
        assert_eq!(
            fields["serial_no"],
            "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
        );
        assert!(header.starts_with(&format!(
            "WECHATPAY2-SHA256-RSA2048 mchid=\"1230000109\",nonce_str=\"{nonce}\",timestamp=\"1554208460\",serial_no=\""
        )));
        let message = request_message("POST", url, 1_554_208_460, nonce, body);
        assert!(public.verify_base64(message.as_bytes(), fields["signature"]));
        assert!(!public.verify_base64(
            request_message("POST", url, 1_554_208_461, nonce, body).as_bytes(),
            fields["signature"]
        ));
        // A GET signs an empty body.
        assert_eq!(
            request_message("GET", "/v3/certificates", 1_554_208_460, "N", ""),
            "GET\n/v3/certificates\n1554208460\nN\n\n"
        );
        for (mchid, serial, nonce) in [
            ("", "S", "N"),
            ("1\"", "S", "N"),
            ("1", "S,", "N"),
            ("1", "S", ""),
        ] {
            assert!(authorization(mchid, serial, &key, "GET", "/", "", 1, nonce).is_err());
        }
    }

    #[test]
    fn nonces() {
        let a = generate_nonce().unwrap();
        let b = generate_nonce().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn aes_256_gcm_vector_both_ways() {
        let f = fixture();
        let v = &f["aead_aes_256_gcm"];
        let key = s(&v["key"]).as_bytes();
        assert_eq!(key.len(), 32);
        let plain = decrypt_resource(
            key,
            s(&v["nonce"]),
            s(&v["associated_data"]),
            s(&v["ciphertext_b64"]),
        )
        .unwrap();
        assert_eq!(plain, s(&v["plaintext"]).as_bytes());
        let sealed =
            encrypt_resource(key, s(&v["nonce"]), s(&v["associated_data"]), &plain).unwrap();
        assert_eq!(sealed, s(&v["ciphertext_b64"]));
    }

    #[test]
    fn aes_changes_fail() {
        let f = fixture();
        let v = &f["aead_aes_256_gcm"];
        let key = s(&v["key"]).as_bytes();
        let (nonce, aad) = (s(&v["nonce"]), s(&v["associated_data"]));
        let sealed = STANDARD.decode(s(&v["ciphertext_b64"])).unwrap();
        for bit in 0..sealed.len() * 8 {
            let mut flipped = sealed.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                decrypt_resource(key, nonce, aad, &STANDARD.encode(&flipped)),
                Err(ProtocolError::Decrypt),
                "bit {bit}"
            );
        }
        let ct = s(&v["ciphertext_b64"]);
        assert_eq!(
            decrypt_resource(key, nonce, "associatedDatb", ct),
            Err(ProtocolError::Decrypt)
        );
        assert_eq!(
            decrypt_resource(key, "uluk4a9R25RX", aad, ct),
            Err(ProtocolError::Decrypt)
        );
        let mut other_key = key.to_vec();
        other_key[0] ^= 1;
        assert_eq!(
            decrypt_resource(&other_key, nonce, aad, ct),
            Err(ProtocolError::Decrypt)
        );
        assert_eq!(
            decrypt_resource(key, nonce, aad, ""),
            Err(ProtocolError::Decrypt)
        );
        assert_eq!(
            decrypt_resource(key, "short", aad, ct),
            Err(ProtocolError::Malformed("resource nonce must be 12 bytes"))
        );
        assert_eq!(
            decrypt_resource(key, nonce, aad, "***"),
            Err(ProtocolError::Malformed(
                "resource ciphertext is not Base64"
            ))
        );
    }

    #[test]
    fn sixteen_byte_keys_are_refused() {
        let f = fixture();
        const KEY_SIZE: ProtocolError = ProtocolError::Key("APIv3 key must be exactly 32 bytes");
        let refused = Err(KEY_SIZE);
        let go = &f["aead_aes_128_gcm_go"];
        let go_key = s(&go["key"]).as_bytes();
        assert_eq!(go_key.len(), 16);
        assert_eq!(
            decrypt_resource(
                go_key,
                s(&go["nonce"]),
                s(&go["associated_data"]),
                s(&go["ciphertext_b64"])
            ),
            refused
        );
        assert_eq!(
            encrypt_resource(go_key, s(&go["nonce"]), "", b"x"),
            Err(KEY_SIZE)
        );

        let n = &f["notify"];
        let notification = Notification::parse(s(&n["body"]).as_bytes()).unwrap();
        assert_eq!(notification.event_type, "PAYSCORE.USER_OPEN_SERVICE");
        assert_eq!(notification.resource.algorithm, RESOURCE_ALGORITHM);
        assert_eq!(notification.resource.original_type, "payscore");
        let notify_key = s(&n["apiv3_key"]).as_bytes();
        assert_eq!(notify_key.len(), 16);
        assert_eq!(notification.decrypt(notify_key), refused);
        assert_eq!(decrypt_resource(&[0; 24], "123456789012", "", ""), refused);
        assert_eq!(decrypt_resource(&[0; 33], "123456789012", "", ""), refused);

        // The vectors themselves are sound: AES-128-GCM (what Go picks for a 16-byte key)
        // opens both. Ripen never does that.
        let aes128 = |key: &[u8], nonce: &str, aad: &str, ct: &str| {
            let key = LessSafeKey::new(UnboundKey::new(&ring::aead::AES_128_GCM, key).unwrap());
            let mut data = STANDARD.decode(ct).unwrap();
            let nonce = Nonce::try_assume_unique_for_key(nonce.as_bytes()).unwrap();
            key.open_in_place(nonce, Aad::from(aad.as_bytes()), &mut data)
                .unwrap()
                .to_vec()
        };
        assert_eq!(
            aes128(
                go_key,
                s(&go["nonce"]),
                s(&go["associated_data"]),
                s(&go["ciphertext_b64"])
            ),
            s(&go["plaintext"]).as_bytes()
        );
        let r = &notification.resource;
        assert_eq!(
            aes128(notify_key, &r.nonce, &r.associated_data, &r.ciphertext),
            s(&n["plaintext"]).as_bytes()
        );
    }

    #[test]
    fn transaction_and_refund_round_trip_through_a_fake_callback() {
        let apiv3_key = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb";
        let transaction = r#"{"mchid":"1230000109","appid":"wxd678efh567hg6787","out_trade_no":"R20261205-0001","transaction_id":"4200000000202612050000000001","trade_type":"NATIVE","trade_state":"SUCCESS","trade_state_desc":"支付成功","bank_type":"OTHERS","attach":"","success_time":"2026-12-05T10:00:05+08:00","payer":{"openid":"oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},"amount":{"total":1200,"payer_total":1200,"currency":"CNY","payer_currency":"CNY"}}"#;
        let ciphertext = encrypt_resource(
            apiv3_key,
            "fdasflkja484",
            "transaction",
            transaction.as_bytes(),
        )
        .unwrap();
        let body = serde_json::to_vec(&Notification {
            id: "EV-2018022511223320873".to_owned(),
            create_time: "2026-12-05T10:00:06+08:00".to_owned(),
            event_type: "TRANSACTION.SUCCESS".to_owned(),
            resource_type: "encrypt-resource".to_owned(),
            summary: Some("支付成功".to_owned()),
            resource: EncryptedResource {
                algorithm: RESOURCE_ALGORITHM.to_owned(),
                ciphertext,
                associated_data: "transaction".to_owned(),
                original_type: "transaction".to_owned(),
                nonce: "fdasflkja484".to_owned(),
            },
        })
        .unwrap();
        let parsed = Notification::parse(&body).unwrap();
        let t: Transaction = parsed.decrypt_json(apiv3_key).unwrap();
        assert_eq!(t.out_trade_no, "R20261205-0001");
        assert_eq!(
            t.transaction_id.as_deref(),
            Some("4200000000202612050000000001")
        );
        assert_eq!(t.trade_state, "SUCCESS");
        assert_eq!(t.amount.total, 1200);
        assert_eq!(t.amount.currency.as_deref(), Some("CNY"));
        assert_eq!(t.amount.payer_total, Some(1200));
        // The payer's openid is not kept anywhere.
        assert!(!serde_json::to_string(&t).unwrap().contains("openid"));

        // An unpaid order's query: no transaction id, no currency, no success time.
        let notpay: Transaction = serde_json::from_str(
            r#"{"amount":{"payer_currency":"CNY","total":1200},"appid":"wx1","mchid":"1","out_trade_no":"R2","promotion_detail":[],"scene_info":{"device_id":""},"trade_state":"NOTPAY","trade_state_desc":"订单未支付"}"#,
        )
        .unwrap();
        assert_eq!(notpay.transaction_id, None);
        assert_eq!(notpay.amount.currency, None);

        let refund: RefundNotification = serde_json::from_str(
            r#"{"mchid":"1900000100","transaction_id":"1008450740201411110005820873","out_trade_no":"20150806125346","refund_id":"50200207182018070300011301001","out_refund_no":"7752501201407033233368018","refund_status":"SUCCESS","success_time":"2018-06-08T10:34:56+08:00","user_received_account":"招商银行信用卡0403","amount":{"total":999,"refund":999,"payer_total":999,"payer_refund":999}}"#,
        )
        .unwrap();
        assert_eq!(refund.refund_status, "SUCCESS");
        assert_eq!(refund.amount.refund, 999);
        assert_eq!(refund.amount.payer_refund, Some(999));
        assert!(!serde_json::to_string(&refund).unwrap().contains("招商"));

        let mut wrong = parsed.clone();
        wrong.resource.algorithm = "AEAD_AES_128_GCM".to_owned();
        assert_eq!(
            wrong.decrypt(apiv3_key),
            Err(ProtocolError::Malformed(
                "resource algorithm is not AEAD_AES_256_GCM"
            ))
        );
        assert_eq!(
            parsed.decrypt_json::<RefundNotification>(apiv3_key),
            Err(ProtocolError::Malformed(
                "decrypted resource is not the expected JSON"
            ))
        );
        assert!(Notification::parse(b"{}").is_err());
    }
}
