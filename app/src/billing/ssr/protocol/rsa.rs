//! RSA keys for both providers, on `ring`: RSASSA-PKCS1-v1_5 with SHA-256 ("RSA2" at
//! Alipay, "SHA256withRSA" / `WECHATPAY2-SHA256-RSA2048` at WeChat Pay), signatures in
//! standard Base64.
//!
//! Keys arrive in the shapes the providers hand out:
//! - our private key: PKCS#8 PEM (`BEGIN PRIVATE KEY`, WeChat's `apiclient_key.pem`, Alipay's
//!   key tool for Java), PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), or the bare Base64 of
//!   either DER (Alipay's key tool prints bare Base64);
//! - a provider's public key: bare Base64 SubjectPublicKeyInfo (Alipay's "支付宝公钥"),
//!   SPKI PEM (WeChat Pay's `PUB_KEY_ID_…` public key), or an X.509 certificate (WeChat Pay
//!   platform certificates, named by their serial).
//!
//! PEM is read leniently (any line width, CRLF, text around the block, and `\n` escapes
//! as left by environment variables); encrypted PEM is refused. Moduli must be 2048 to
//! 8192 bits (`ring`'s `RSA_PKCS1_2048_8192_SHA256`; private keys up to 4096 bits).

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use ring::{
    rand::SystemRandom,
    signature::{self, RsaKeyPair, UnparsedPublicKey},
};
use x509_cert::{
    Certificate,
    der::{Decode, asn1::UintRef, oid::ObjectIdentifier, zeroize::Zeroizing},
    spki::SubjectPublicKeyInfoRef,
};

use super::ProtocolError;

/// `rsaEncryption` (RFC 8017 A.1), the algorithm of an RSA SubjectPublicKeyInfo.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// Our RSA private key (WeChat Pay merchant key `apiclient_key.pem`, Alipay application
/// private key), for RSASSA-PKCS1-v1_5 SHA-256 signatures.
///
/// Its `Debug` shows only the modulus size.
pub struct PrivateKey {
    pair: RsaKeyPair,
    rng: SystemRandom,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("modulus_bits", &(self.pair.public().modulus_len() * 8))
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Reads a PKCS#8 PEM (`BEGIN PRIVATE KEY`), a PKCS#1 PEM (`BEGIN RSA PRIVATE KEY`), or
    /// the bare Base64 of a PKCS#8 or PKCS#1 DER (what Alipay's key tool prints). Encrypted
    /// keys are refused. Copies of the decoded key are zeroed after use.
    pub fn from_pem_or_base64(text: &str) -> Result<Self, ProtocolError> {
        let pair = match armor(text)? {
            Some(block) => {
                let der = decode_base64(&block.body)?;
                match block.label {
                    "PRIVATE KEY" => RsaKeyPair::from_pkcs8(&der)
                        .map_err(|_| ProtocolError::Key("not an RSA PKCS#8 private key"))?,
                    "RSA PRIVATE KEY" => RsaKeyPair::from_der(&der)
                        .map_err(|_| ProtocolError::Key("not an RSA PKCS#1 private key"))?,
                    "ENCRYPTED PRIVATE KEY" => {
                        return Err(ProtocolError::Key(
                            "encrypted private keys are not supported",
                        ));
                    }
                    _ => return Err(ProtocolError::Key("PEM block is not a private key")),
                }
            }
            None => {
                let der = decode_base64(&compact(text))?;
                RsaKeyPair::from_pkcs8(&der)
                    .or_else(|_| RsaKeyPair::from_der(&der))
                    .map_err(|_| ProtocolError::Key("not an RSA PKCS#8 or PKCS#1 private key"))?
            }
        };
        Ok(Self {
            pair,
            rng: SystemRandom::new(),
        })
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `msg`, in standard Base64 (padded). This is
    /// Alipay's `AlipaySignature.rsa256Sign` and wechatpay-go's `utils.SignSHA256WithRSA`;
    /// the padding is deterministic, so the same key and message always give the same
    /// signature.
    pub fn sign_base64(&self, msg: &[u8]) -> Result<String, ProtocolError> {
        let mut sig = vec![0; self.pair.public().modulus_len()];
        self.pair
            .sign(&signature::RSA_PKCS1_SHA256, &self.rng, msg, &mut sig)
            .map_err(|_| ProtocolError::Crypto)?;
        Ok(STANDARD.encode(sig))
    }

    /// The matching public key (what the provider is given to check our signatures).
    pub fn public_key(&self) -> PublicKey {
        PublicKey {
            pkcs1_der: self.pair.public().as_ref().to_vec(),
        }
    }
}

/// A provider's RSA public key: an Alipay public key, a WeChat Pay platform certificate's
/// key, or a WeChat Pay `PUB_KEY_ID_…` public key. Holds the PKCS#1 `RSAPublicKey` DER that
/// `ring::signature::UnparsedPublicKey` takes, checked to be an RSA key of 2048 to 8192
/// bits.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    pkcs1_der: Vec<u8>,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("der_len", &self.pkcs1_der.len())
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Reads a SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`, how WeChat Pay hands out its
    /// `PUB_KEY_ID_…` keys) or bare Base64 SPKI DER (how Alipay shows "支付宝公钥", read by
    /// the Java SDK's `getPublicKeyFromX509` as an `X509EncodedKeySpec`). A PKCS#1
    /// `BEGIN RSA PUBLIC KEY` PEM, or its bare Base64, is taken too.
    pub fn from_spki_pem_or_base64(text: &str) -> Result<Self, ProtocolError> {
        match armor(text)? {
            Some(block) => {
                let der = decode_base64(&block.body)?;
                match block.label {
                    "PUBLIC KEY" => Self::from_spki_der(&der),
                    "RSA PUBLIC KEY" => Self::from_pkcs1_der(&der),
                    "CERTIFICATE" => Err(ProtocolError::Key(
                        "a certificate, not a public key (read it with from_certificate_pem)",
                    )),
                    _ => Err(ProtocolError::Key("PEM block is not a public key")),
                }
            }
            None => {
                let der = decode_base64(&compact(text))?;
                Self::from_spki_der(&der).or_else(|_| Self::from_pkcs1_der(&der))
            }
        }
    }

    /// Reads a DER SubjectPublicKeyInfo (RFC 5280 §4.1.2.7) whose algorithm is
    /// `rsaEncryption`.
    pub fn from_spki_der(der: &[u8]) -> Result<Self, ProtocolError> {
        let spki = SubjectPublicKeyInfoRef::from_der(der)
            .map_err(|_| ProtocolError::Key("not a SubjectPublicKeyInfo"))?;
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(ProtocolError::Key("not an RSA public key"));
        }
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(ProtocolError::Key(
                "public key bit string is not whole bytes",
            ))?;
        Self::from_pkcs1_der(bits)
    }

    /// Reads a DER PKCS#1 `RSAPublicKey` (RFC 8017 A.1.1: `SEQUENCE { modulus, exponent }`),
    /// refusing moduli outside 2048–8192 bits and even or tiny exponents.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, ProtocolError> {
        let ints = Vec::<UintRef<'_>>::from_der(der)
            .map_err(|_| ProtocolError::Key("not a PKCS#1 RSAPublicKey"))?;
        let [n, e] = ints.as_slice() else {
            return Err(ProtocolError::Key("not a PKCS#1 RSAPublicKey"));
        };
        let n = n.as_bytes();
        let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
        if !(2048..=8192).contains(&bits) {
            return Err(ProtocolError::Key("RSA modulus must be 2048 to 8192 bits"));
        }
        let e = e.as_bytes();
        if e.last().is_none_or(|b| b & 1 == 0) || (e.len() == 1 && e[0] < 3) {
            return Err(ProtocolError::Key("RSA public exponent is not usable"));
        }
        Ok(Self {
            pkcs1_der: der.to_vec(),
        })
    }

    /// Reads the first X.509 certificate in a PEM text (a WeChat Pay platform certificate)
    /// and returns its serial with its RSA key.
    ///
    /// The serial is the certificate serial number in uppercase hex, two digits per byte,
    /// leading zero bytes dropped — what wechatpay-go's `utils.GetCertificateSerialNumber`
    /// gives (`fmt.Sprintf("%X", cert.SerialNumber.Bytes())`) and what WeChat Pay sends in
    /// `Wechatpay-Serial`, e.g. `D7CE59D1F522D701`. The certificate's dates and issuer are
    /// not checked here.
    pub fn from_certificate_pem(text: &str) -> Result<(String, Self), ProtocolError> {
        let block = armor(text)?.ok_or(ProtocolError::Key("no PEM certificate found"))?;
        if block.label != "CERTIFICATE" {
            return Err(ProtocolError::Key("PEM block is not a certificate"));
        }
        Self::from_certificate_der(&decode_base64(&block.body)?)
    }

    /// [`Self::from_certificate_pem`] for a DER certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<(String, Self), ProtocolError> {
        let cert = Certificate::from_der(der)
            .map_err(|_| ProtocolError::Key("not an X.509 certificate"))?;
        let tbs = cert.tbs_certificate();
        let serial = serial_hex(tbs.serial_number().as_bytes())?;
        let spki = tbs.subject_public_key_info();
        if spki.algorithm.oid != RSA_ENCRYPTION {
            return Err(ProtocolError::Key("certificate key is not RSA"));
        }
        let bits = spki
            .subject_public_key
            .as_bytes()
            .ok_or(ProtocolError::Key(
                "public key bit string is not whole bytes",
            ))?;
        Ok((serial, Self::from_pkcs1_der(bits)?))
    }

    /// Whether `sig` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `msg` under this key.
    pub fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.pkcs1_der)
            .verify(msg, sig)
            .is_ok()
    }

    /// [`Self::verify`] with the signature in standard, padded Base64 (as both providers
    /// send it); `false` when it is not valid Base64.
    pub fn verify_base64(&self, msg: &[u8], sig_b64: &str) -> bool {
        STANDARD
            .decode(sig_b64)
            .is_ok_and(|sig| self.verify(msg, &sig))
    }

    /// The PKCS#1 `RSAPublicKey` DER.
    pub fn as_pkcs1_der(&self) -> &[u8] {
        &self.pkcs1_der
    }
}

/// A PEM block: its label and its Base64 text with whitespace removed.
struct Armor<'a> {
    label: &'a str,
    body: Zeroizing<String>,
}

/// The first PEM block (RFC 7468) in `text`, or `None` when there is no `-----BEGIN `.
fn armor(text: &str) -> Result<Option<Armor<'_>>, ProtocolError> {
    const BEGIN: &str = "-----BEGIN ";
    const DASHES: &str = "-----";
    let Some(start) = text.find(BEGIN) else {
        return Ok(None);
    };
    let after = &text[start + BEGIN.len()..];
    let label_end = after
        .find(DASHES)
        .ok_or(ProtocolError::Key("PEM BEGIN line is not closed"))?;
    let label = &after[..label_end];
    let rest = &after[label_end + DASHES.len()..];
    let body_end = rest
        .find(&format!("-----END {label}-----"))
        .ok_or(ProtocolError::Key("PEM block has no matching END line"))?;
    let body = &rest[..body_end];
    if body.contains(':') {
        return Err(ProtocolError::Key(
            "PEM headers (an encrypted key?) are not supported",
        ));
    }
    Ok(Some(Armor {
        label,
        body: compact(body),
    }))
}

/// `text` without ASCII whitespace and without literal `\n` / `\r` escapes.
fn compact(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == '\\' && matches!(chars.peek(), Some('n' | 'r')) {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// Standard padded Base64 (already compacted), into a buffer zeroed on drop.
fn decode_base64(b64: &str) -> Result<Zeroizing<Vec<u8>>, ProtocolError> {
    STANDARD
        .decode(b64)
        .map(Zeroizing::new)
        .map_err(|_| ProtocolError::Key("key is not valid Base64"))
}

/// A certificate serial (DER INTEGER contents) as WeChat Pay writes it: uppercase hex, two
/// digits per byte, leading zero bytes dropped.
fn serial_hex(bytes: &[u8]) -> Result<String, ProtocolError> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return Err(ProtocolError::Key("negative certificate serial"));
    }
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let digits = &bytes[start..];
    if digits.is_empty() {
        return Err(ProtocolError::Key("zero certificate serial"));
    }
    let mut out = String::with_capacity(digits.len() * 2);
    for b in digits {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PKCS8: &str = include_str!("../../../../testdata/payments/test_rsa_2048_pkcs8.pem");
    const PKCS1: &str = include_str!("../../../../testdata/payments/test_rsa_2048_pkcs1.pem");
    const SPKI: &str = include_str!("../../../../testdata/payments/test_rsa_2048_spki.pem");
    const WECHAT: &str = include_str!("../../../../testdata/payments/wechatpay_v3.json");
    const ALIPAY: &str = include_str!("../../../../testdata/payments/alipay_notify.json");

    /// `openssl dgst -sha256 -sign test_rsa_2048_pkcs8.pem | base64` of
    /// `Ripen protocol test vector` (an independent implementation).
    const OPENSSL_SIG: &str = "W9xD99tO7Et7EmQvqxqnG8X2XmgETyWQpj/ssaT9q0WH7makU5dRbpZkbzUXx1NFrCgod3FAo/nbDlCkdi1p6klyFyYkA1rySIplM+pEetZ6qkVeq90bg7BGwCA7TpG9vSASBrZtgEvHKDZu5nOALoVAZzEZJQ/nC2R1wKpzzp3icI+uobuzUo9nrey1XxJOGdSDRxo3gSMrv7W34NJQEe8RePtglKElu7gcG/KYJd80kuIPM0SH2dvH0zBDyoTVWUiR8I3oJoIwwwH5x2NA+7D+YfCVqax1ZAC2k0E0EElcRonMD2/bOvLBtm++zShYn3xU7koLdWPzbYhO3IvQEQ==";

    /// wechatpay-apiv3/wechatpay-go `utils/sign_test.go` (Apache-2.0): the test key (the
    /// key of the platform certificate in `wechatpay_v3.json`), labelled `TESTING KEY` there
    /// to keep secret scanners quiet, and its `SignSHA256WithRSA("source")`.
    const WXGO_TESTING_KEY: &str = "-----BEGIN TESTING KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END TESTING KEY-----";
    const WXGO_EXPECTED: &str = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld815U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg==";

    fn wechat_fixture() -> serde_json::Value {
        serde_json::from_str(WECHAT).unwrap()
    }

    /// The Base64 between the armor lines of a PEM text.
    fn bare(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    #[test]
    fn pkcs8_and_pkcs1_pem_and_bare_base64_load_the_same_key() {
        let spki = PublicKey::from_spki_pem_or_base64(SPKI).unwrap();
        for text in [PKCS8.to_owned(), PKCS1.to_owned(), bare(PKCS8), bare(PKCS1)] {
            let key = PrivateKey::from_pem_or_base64(&text).unwrap();
            assert_eq!(key.public_key(), spki);
            let sig = key.sign_base64(b"hello").unwrap();
            assert!(spki.verify_base64(b"hello", &sig));
            assert!(!spki.verify_base64(b"hellp", &sig));
        }
    }

    #[test]
    fn signing_is_deterministic_and_matches_openssl() {
        let key = PrivateKey::from_pem_or_base64(PKCS1).unwrap();
        let msg = b"Ripen protocol test vector";
        assert_eq!(key.sign_base64(msg).unwrap(), OPENSSL_SIG);
        assert_eq!(key.sign_base64(msg).unwrap(), OPENSSL_SIG);
    }

    #[test]
    fn wechatpay_go_fixed_signature_vector() {
        let pem = WXGO_TESTING_KEY.replace("TESTING KEY", "PRIVATE KEY");
        let key = PrivateKey::from_pem_or_base64(&pem).unwrap();
        assert_eq!(key.sign_base64(b"source").unwrap(), WXGO_EXPECTED);
        // The same key pair as the platform certificate of the callback vector.
        let cert = wechat_fixture()["notify"]["platform_certificate_pem"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, public) = PublicKey::from_certificate_pem(&cert).unwrap();
        assert_eq!(key.public_key(), public);
        assert!(public.verify_base64(b"source", WXGO_EXPECTED));
    }

    #[test]
    fn public_key_forms() {
        let from_pem = PublicKey::from_spki_pem_or_base64(SPKI).unwrap();
        assert_eq!(
            PublicKey::from_spki_pem_or_base64(&bare(SPKI)).unwrap(),
            from_pem
        );
        // CRLF, surrounding text and `\n` escapes (an environment variable) are fine.
        let crlf = format!("key:\r\n{}\r\n", SPKI.replace('\n', "\r\n"));
        assert_eq!(PublicKey::from_spki_pem_or_base64(&crlf).unwrap(), from_pem);
        let escaped = SPKI.trim_end().replace('\n', "\\n");
        assert_eq!(
            PublicKey::from_spki_pem_or_base64(&escaped).unwrap(),
            from_pem
        );
        // PKCS#1 RSAPublicKey, bare or as `RSA PUBLIC KEY` PEM.
        let pkcs1 = STANDARD.encode(from_pem.as_pkcs1_der());
        assert_eq!(
            PublicKey::from_spki_pem_or_base64(&pkcs1).unwrap(),
            from_pem
        );
        let pem = format!("-----BEGIN RSA PUBLIC KEY-----\n{pkcs1}\n-----END RSA PUBLIC KEY-----");
        assert_eq!(PublicKey::from_spki_pem_or_base64(&pem).unwrap(), from_pem);

        // The Alipay public keys of the notification vectors: bare Base64 and PEM.
        let alipay: serde_json::Value = serde_json::from_str(ALIPAY).unwrap();
        for v in alipay["vectors"].as_array().unwrap() {
            let text = v["public_key_spki_b64"]
                .as_str()
                .or(v["public_key_spki_pem"].as_str())
                .unwrap();
            PublicKey::from_spki_pem_or_base64(text).unwrap();
        }
    }

    #[test]
    fn refuses_what_is_not_a_usable_key() {
        for bad in [
            "",
            "not base64 at all!",
            "QUJD",
            "-----BEGIN PRIVATE KEY-----\nQUJD\n-----END PRIVATE KEY-----",
            "-----BEGIN PRIVATE KEY-----\nQUJD\n",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nQUJD\n-----END ENCRYPTED PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nQUJD\n-----END RSA PRIVATE KEY-----",
            SPKI,
        ] {
            assert!(PrivateKey::from_pem_or_base64(bad).is_err(), "{bad:?}");
        }
        let cert = wechat_fixture()["notify"]["platform_certificate_pem"]
            .as_str()
            .unwrap()
            .to_owned();
        for bad in ["", "QUJD", PKCS8, cert.as_str()] {
            assert!(PublicKey::from_spki_pem_or_base64(bad).is_err(), "{bad:?}");
        }
        assert!(PublicKey::from_certificate_pem(SPKI).is_err());
        assert!(PublicKey::from_certificate_pem("").is_err());
    }

    #[test]
    fn refuses_small_rsa_keys() {
        // A 1024-bit RSAPublicKey: SEQUENCE { INTEGER (129 bytes, top bit set), INTEGER 65537 }.
        let mut der = vec![0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00, 0xc0];
        der.extend([0x01; 127]);
        der.extend([0x02, 0x03, 0x01, 0x00, 0x01]);
        assert_eq!(
            PublicKey::from_pkcs1_der(&der),
            Err(ProtocolError::Key("RSA modulus must be 2048 to 8192 bits"))
        );
    }

    #[test]
    fn certificate_serial_and_key() {
        let fixture = wechat_fixture();
        let pem = fixture["notify"]["platform_certificate_pem"]
            .as_str()
            .unwrap();
        let (serial, key) = PublicKey::from_certificate_pem(pem).unwrap();
        assert_eq!(serial, "D7CE59D1F522D701");
        assert_eq!(serial, fixture["notify"]["serial"].as_str().unwrap());
        assert_eq!(key.as_pkcs1_der().len(), 270);
    }

    #[test]
    fn serial_format() {
        assert_eq!(serial_hex(&[0x00, 0xD7, 0x01]).unwrap(), "D701");
        assert_eq!(serial_hex(&[0x0A, 0xBC]).unwrap(), "0ABC");
        assert_eq!(serial_hex(&[0x00, 0x00, 0x05]).unwrap(), "05");
        assert!(serial_hex(&[0x80]).is_err());
        assert!(serial_hex(&[0x00]).is_err());
        assert!(serial_hex(&[]).is_err());
    }

    #[test]
    fn verify_base64_is_false_on_bad_base64() {
        let key = PublicKey::from_spki_pem_or_base64(SPKI).unwrap();
        assert!(!key.verify_base64(b"m", "***"));
        assert!(!key.verify_base64(b"m", ""));
        assert!(!key.verify(b"m", &[]));
    }

    #[test]
    fn debug_shows_no_key_material() {
        let key = PrivateKey::from_pem_or_base64(PKCS8).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey { modulus_bits: 2048, .. }");
        let public = key.public_key();
        assert_eq!(format!("{public:?}"), "PublicKey { der_len: 270, .. }");
    }
}
