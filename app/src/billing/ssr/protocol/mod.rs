//! The wire protocols of the payment providers, with no database and no HTTP: what is
//! signed, how, and how a provider's answer is checked. Everything here is a pure
//! function of its inputs (the clock is passed in), pinned by the providers' published
//! test vectors in `app/testdata/payments/`.
//!
//! - [`rsa`]: RSA keys on `ring` (RSASSA-PKCS1-v1_5 with SHA-256, the "RSA2" of Alipay and
//!   the "SHA256-RSA2048" of WeChat Pay). Private keys never go through the `rsa` crate.
//! - [`alipay`]: Alipay open platform, RSA2 in public-key mode: request signing, the two
//!   notification rules, synchronous response extraction, yuan ↔ fen.
//! - [`wechat`]: WeChat Pay API v3: the `Authorization` header, callback and response
//!   signatures (platform certificates and `PUB_KEY_ID_` public keys), the probe
//!   signatures, and AEAD_AES_256_GCM resource decryption.
//!
//! Errors never carry key material, signatures or decrypted text.

pub mod alipay;
pub mod rsa;
pub mod wechat;

/// Why a protocol step failed. Messages are safe to log: they name what was wrong, never
/// a key, a signature or a plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A key (or certificate) could not be read or is unfit, e.g. the wrong format, not
    /// RSA, smaller than 2048 bits, or an AES key that is not 32 bytes.
    #[error("unusable key: {0}")]
    Key(&'static str),
    /// The signature does not match the message under the key.
    #[error("signature does not verify")]
    BadSignature,
    /// A WeChat Pay signature made with a key whose serial we do not hold. Carries the
    /// serial (public information, shortened to 64 characters).
    #[error("no platform key with serial {0:?}")]
    UnknownSerial(String),
    /// A WeChat Pay timestamp that is 5 minutes or more away from now.
    #[error("timestamp too far from now")]
    Stale,
    /// A WeChat Pay probe: a signature starting with `WECHATPAY/SIGNTEST/`, sent to check
    /// that merchants verify signatures. It always fails; log it as a probe.
    #[error("WeChat Pay signature probe (WECHATPAY/SIGNTEST/)")]
    Probe,
    /// The input is not in the expected shape; says which part.
    #[error("malformed input: {0}")]
    Malformed(&'static str),
    /// An amount that is not a plain non-negative yuan figure with at most 2 decimals, or
    /// does not fit in fen.
    #[error("invalid amount")]
    Amount,
    /// AEAD decryption failed: wrong key, nonce or associated data, or a changed
    /// ciphertext.
    #[error("decryption failed")]
    Decrypt,
    /// Signing or encryption failed inside the crypto library.
    #[error("crypto operation failed")]
    Crypto,
}
