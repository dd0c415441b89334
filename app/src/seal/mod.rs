//! Sealing: what Ripen keeps most private — letters, their recipients, their pictures — is
//! stored encrypted under keys that live outside the database (the key file), so a
//! database dump or a backup alone reveals none of it.
//!
//! A [`Keyring`] holds numbered keys of two kinds: `seal` keys (AES-256-GCM) and `link`
//! keys (HMAC-SHA256, which derive the letter links sent to recipients). The newest of
//! each kind does new work; older ones stay, to open what they sealed and to recognise the
//! links they made. Every sealed value names the number of its key and is bound to its
//! place (the field and the row, or the blob's name), so a value copied into another row
//! or file does not open there.
//!
//! The key file is text, one key a line: `<kind> <number> <base64 of 32 bytes>`, with `#`
//! comments. See `system::keys` for where it lives and how it is checked at start-up.

mod stream;

pub use stream::{HEADER as STREAM_HEADER, Opener, SEALED_CHUNK, SealWriter, Sealer, is_stream};

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use ring::rand::{SecureRandom, SystemRandom};
use ring::{aead, hmac};
use uuid::Uuid;

/// How a sealed text begins: `sealed:<key number>:`.
const TEXT_PREFIX: &str = "sealed:";
/// How a sealed blob begins, followed by the key number (4 bytes, big-endian).
const BLOB_MAGIC: &[u8; 4] = b"RPS1";
const NONCE: usize = aead::NONCE_LEN;

/// What a sealed text is, which is also what it is bound to (with its row's id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    LetterTitle,
    LetterBody,
    RecipientName,
    RecipientEmail,
    RecipientPhone,
    NotificationTitle,
    NotificationBody,
    NotificationParams,
    TwoStepSecret,
    SignInFlow,
    LetterFigures,
}

impl Field {
    fn label(self) -> &'static [u8] {
        match self {
            Self::LetterTitle => b"letter.title",
            Self::LetterBody => b"letter.body",
            Self::RecipientName => b"letter_recipient.name",
            Self::RecipientEmail => b"letter_recipient.email",
            Self::RecipientPhone => b"letter_recipient.phone",
            Self::NotificationTitle => b"notification.title",
            Self::NotificationBody => b"notification.body",
            Self::NotificationParams => b"notification.params",
            Self::TwoStepSecret => b"two_step.secret",
            Self::SignInFlow => b"auth_flow.state",
            Self::LetterFigures => b"letter_snapshot.figures",
        }
    }
}

/// A text column as stored: `sealed:<key>:<base64url(nonce ‖ ciphertext ‖ tag)>`, or the
/// plain text of a row written before sealing existed (read as it is until the start-up
/// pass seals it). Only a [`Keyring`] turns it into text.
#[derive(Clone, Debug, PartialEq, Eq, sea_orm::DeriveValueType)]
pub struct Sealed(pub String);

impl Sealed {
    /// The number of the key it is sealed with; `None` for plain text from before sealing.
    pub fn key(&self) -> Option<u32> {
        let rest = self.0.strip_prefix(TEXT_PREFIX)?;
        rest.split_once(':')?.0.parse().ok()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("key {0} is not in the key file")]
    UnknownKey(u32),
    #[error("a sealed value does not open: it is damaged or was sealed for another place")]
    Damaged,
    #[error("the key file {path}: {reason}")]
    KeyFile { path: String, reason: String },
    #[error("no random numbers: {0}")]
    Random(String),
}

/// The two kinds of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyKind {
    Seal,
    Link,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Link => "link",
        }
    }
}

/// The keys themselves, as the key file holds them.
#[derive(Clone, Default)]
pub struct KeySet {
    keys: BTreeMap<(KeyKind, u32), [u8; 32]>,
}

impl std::fmt::Debug for KeySet {
    // Never the key bytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.keys().map(|(k, v)| format!("{} {v}", k.as_str())))
            .finish()
    }
}

impl KeySet {
    /// A new set with key 1 of each kind, from the system's random source. `link` may
    /// carry over a link key from before the key file (it becomes link key 1).
    pub fn generate(link: Option<[u8; 32]>) -> Result<Self, SealError> {
        let mut set = Self::default();
        set.keys.insert((KeyKind::Seal, 1), random_key()?);
        set.keys
            .insert((KeyKind::Link, 1), link.map_or_else(random_key, Ok)?);
        Ok(set)
    }

    /// The set with one more key of each kind, numbered after the newest: what new work
    /// uses from now on.
    pub fn rotated(&self) -> Result<Self, SealError> {
        let mut next = self.clone();
        for kind in [KeyKind::Seal, KeyKind::Link] {
            let n = self.newest(kind).map_or(1, |n| n + 1);
            next.keys.insert((kind, n), random_key()?);
        }
        Ok(next)
    }

    /// Keeps a link key from before the key file as link key 0: never used for new links,
    /// still recognising the links it made.
    pub fn with_old_link_key(mut self, key: [u8; 32]) -> Self {
        self.keys.entry((KeyKind::Link, 0)).or_insert(key);
        self
    }

    pub fn newest(&self, kind: KeyKind) -> Option<u32> {
        self.keys
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, n)| *n)
            .max()
    }

    /// Parses a key file's text; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, SealError> {
        let bad = |line: usize, reason: &str| SealError::KeyFile {
            path: path.display().to_string(),
            reason: format!("line {line}: {reason}"),
        };
        let mut set = Self::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let parts: Vec<&str> = line.split_whitespace().collect();
            let [kind, number, key] = parts.as_slice() else {
                return Err(bad(i + 1, "expected `<seal|link> <number> <base64 key>`"));
            };
            let kind = match *kind {
                "seal" => KeyKind::Seal,
                "link" => KeyKind::Link,
                _ => return Err(bad(i + 1, "the kind must be `seal` or `link`")),
            };
            let number: u32 = number
                .parse()
                .map_err(|_| bad(i + 1, "the key number must be a whole number"))?;
            let bytes: [u8; 32] = STANDARD
                .decode(key)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| bad(i + 1, "the key must be 32 bytes in base64"))?;
            if set.keys.insert((kind, number), bytes).is_some() {
                return Err(bad(i + 1, "this key number appears twice"));
            }
        }
        for kind in [KeyKind::Seal, KeyKind::Link] {
            if set.newest(kind).is_none() {
                return Err(SealError::KeyFile {
                    path: path.display().to_string(),
                    reason: format!("it has no `{}` key", kind.as_str()),
                });
            }
        }
        Ok(set)
    }

    /// The key file's text.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# Ripen's keys: they seal letters, their recipients and pictures, and make letter\n\
             # links. Keep this file secret, and back it up apart from the database: without\n\
             # it sealed letters cannot be read. Old keys stay to open what they sealed.\n",
        );
        for ((kind, n), key) in &self.keys {
            out.push_str(&format!("{} {n} {}\n", kind.as_str(), STANDARD.encode(key)));
        }
        out
    }

    /// A short public fingerprint of each key (`seal 1 3fa2…`), stored in the database so
    /// a start-up with a missing or different key file is refused with a clear message.
    pub fn fingerprints(&self) -> BTreeMap<(KeyKind, u32), String> {
        self.keys
            .iter()
            .map(|(id, key)| {
                let tag = hmac::sign(
                    &hmac::Key::new(hmac::HMAC_SHA256, key),
                    b"ripen key fingerprint",
                );
                let hex: String = tag.as_ref()[..8]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                (*id, hex)
            })
            .collect()
    }
}

fn random_key() -> Result<[u8; 32], SealError> {
    let mut key = [0u8; 32];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| SealError::Random("the system random source failed".into()))?;
    Ok(key)
}

struct Loaded {
    seal: BTreeMap<u32, aead::LessSafeKey>,
    link: BTreeMap<u32, hmac::Key>,
    seal_now: u32,
    link_now: u32,
}

impl Loaded {
    fn new(set: &KeySet) -> Result<Self, SealError> {
        let mut seal = BTreeMap::new();
        let mut link = BTreeMap::new();
        for ((kind, n), key) in &set.keys {
            match kind {
                KeyKind::Seal => {
                    let k = aead::UnboundKey::new(&aead::AES_256_GCM, key)
                        .map_err(|_| SealError::Damaged)?;
                    seal.insert(*n, aead::LessSafeKey::new(k));
                }
                KeyKind::Link => {
                    link.insert(*n, hmac::Key::new(hmac::HMAC_SHA256, key));
                }
            }
        }
        let (Some(seal_now), Some(link_now)) =
            (set.newest(KeyKind::Seal), set.newest(KeyKind::Link))
        else {
            return Err(SealError::KeyFile {
                path: String::new(),
                reason: "a key of each kind is needed".into(),
            });
        };
        Ok(Self {
            seal,
            link,
            seal_now,
            link_now,
        })
    }
}

/// The keys in use, shared by every request and the scheduler.
///
/// When a value names a key this process does not hold (another process rotated the keys
/// since it started), the key file is read again once.
pub struct Keyring {
    loaded: RwLock<Loaded>,
    file: Option<PathBuf>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// A keyring of `set`, re-read from `file` when a newer key is met.
    pub fn new(set: &KeySet, file: Option<PathBuf>) -> Result<Self, SealError> {
        Ok(Self {
            loaded: RwLock::new(Loaded::new(set)?),
            file,
            rng: SystemRandom::new(),
        })
    }

    /// A keyring of fresh random keys (tests and tools).
    pub fn ephemeral() -> Result<Self, SealError> {
        Self::new(&KeySet::generate(None)?, None)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.loaded.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the key file again, keeping today's keys if it cannot be read.
    fn reload(&self) -> bool {
        let Some(path) = &self.file else { return false };
        let fresh = std::fs::read_to_string(path)
            .map_err(|e| SealError::KeyFile {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
            .and_then(|text| KeySet::parse(&text, path))
            .and_then(|set| Loaded::new(&set));
        match fresh {
            Ok(loaded) => {
                *self.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded;
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "reading the key file again failed");
                false
            }
        }
    }

    /// The number of the key that seals new values.
    pub fn current(&self) -> u32 {
        self.read().seal_now
    }

    fn nonce(&self) -> [u8; NONCE] {
        let mut n = [0u8; NONCE];
        // `SystemRandom` fails only if the OS has no random source, which start-up
        // (generating or loading keys) would already have met.
        if self.rng.fill(&mut n).is_err() {
            tracing::error!("the system random source failed");
        }
        n
    }

    fn seal_bytes(&self, aad: &[u8], mut data: Vec<u8>) -> (u32, [u8; NONCE], Vec<u8>) {
        let loaded = self.read();
        let n = loaded.seal_now;
        let nonce = self.nonce();
        if let Some(key) = loaded.seal.get(&n)
            && key
                .seal_in_place_append_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(aad),
                    &mut data,
                )
                .is_ok()
        {
            return (n, nonce, data);
        }
        // AES-GCM sealing fails only for inputs beyond 64 GB.
        unreachable!("sealing failed")
    }

    fn open_bytes(
        &self,
        n: u32,
        aad: &[u8],
        nonce: [u8; NONCE],
        mut data: Vec<u8>,
    ) -> Result<Vec<u8>, SealError> {
        let has = |s: &Self| s.read().seal.contains_key(&n);
        // A key this process has not seen may be newer than its copy of the file.
        let known = has(self) || (self.reload() && has(self));
        if !known {
            return Err(SealError::UnknownKey(n));
        }
        let loaded = self.read();
        let key = loaded.seal.get(&n).ok_or(SealError::UnknownKey(n))?;
        let len = key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(aad),
                &mut data,
            )
            .map_err(|_| SealError::Damaged)?
            .len();
        data.truncate(len);
        Ok(data)
    }

    /// Seals `text` as `field` of the row `row`.
    pub fn seal(&self, field: Field, row: Uuid, text: &str) -> Sealed {
        let aad = text_aad(field, row);
        let (n, nonce, sealed) = self.seal_bytes(&aad, text.as_bytes().to_vec());
        let mut raw = Vec::with_capacity(NONCE + sealed.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&sealed);
        Sealed(format!("{TEXT_PREFIX}{n}:{}", URL_SAFE_NO_PAD.encode(raw)))
    }

    /// [`Keyring::seal`] of an optional text.
    pub fn seal_opt(&self, field: Field, row: Uuid, text: Option<&str>) -> Option<Sealed> {
        text.map(|t| self.seal(field, row, t))
    }

    /// The text of `value`, stored as `field` of the row `row`.
    pub fn open(&self, field: Field, row: Uuid, value: &Sealed) -> Result<String, SealError> {
        let Some(rest) = value.0.strip_prefix(TEXT_PREFIX) else {
            return Ok(value.0.clone());
        };
        let (n, b64) = rest.split_once(':').ok_or(SealError::Damaged)?;
        let n: u32 = n.parse().map_err(|_| SealError::Damaged)?;
        let raw = URL_SAFE_NO_PAD
            .decode(b64)
            .map_err(|_| SealError::Damaged)?;
        if raw.len() < NONCE {
            return Err(SealError::Damaged);
        }
        let (nonce, data) = raw.split_at(NONCE);
        let nonce: [u8; NONCE] = nonce.try_into().map_err(|_| SealError::Damaged)?;
        let plain = self.open_bytes(n, &text_aad(field, row), nonce, data.to_vec())?;
        String::from_utf8(plain).map_err(|_| SealError::Damaged)
    }

    /// [`Keyring::open`] of an optional value.
    pub fn open_opt(
        &self,
        field: Field,
        row: Uuid,
        value: Option<&Sealed>,
    ) -> Result<Option<String>, SealError> {
        value.map(|v| self.open(field, row, v)).transpose()
    }

    /// Seals the bytes of the blob named `name`.
    pub fn seal_blob(&self, name: &str, bytes: Vec<u8>) -> Vec<u8> {
        let (n, nonce, sealed) = self.seal_bytes(&blob_aad(name), bytes);
        let mut out = Vec::with_capacity(8 + NONCE + sealed.len());
        out.extend_from_slice(BLOB_MAGIC);
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The bytes of the blob named `name`; a blob stored before sealing is returned as it is.
    pub fn open_blob(&self, name: &str, stored: Vec<u8>) -> Result<Vec<u8>, SealError> {
        if is_stream(&stored) {
            return self.open_stream(name, &stored);
        }
        let Some(n) = blob_key(&stored) else {
            return Ok(stored);
        };
        let nonce: [u8; NONCE] = stored
            .get(8..8 + NONCE)
            .and_then(|s| s.try_into().ok())
            .ok_or(SealError::Damaged)?;
        // Opened in place: the header goes, the bytes are not copied.
        let mut data = stored;
        data.drain(..8 + NONCE);
        self.open_bytes(n, &blob_aad(name), nonce, data)
    }

    /// The link token of a recipient under link key `n` (base64url of HMAC-SHA256).
    fn link_token_with(&self, n: u32, recipient: Uuid) -> Option<String> {
        let loaded = self.read();
        let key = loaded.link.get(&n)?;
        let mut ctx = hmac::Context::with_key(key);
        ctx.update(b"ripen-letter-link:");
        ctx.update(recipient.as_bytes());
        Some(URL_SAFE_NO_PAD.encode(ctx.sign().as_ref()))
    }

    /// A 32-byte secret for `purpose`, the same in every process of this installation and
    /// across key rotations: HMAC-SHA256 under the oldest link key (rotation keeps it).
    /// Used where instances must share a secret that is not worth a key of its own (the
    /// payment sandbox's signing key).
    pub fn derive(&self, purpose: &str) -> Option<[u8; 32]> {
        let loaded = self.read();
        let key = loaded.link.values().next()?;
        let mut ctx = hmac::Context::with_key(key);
        ctx.update(b"ripen-derive:");
        ctx.update(purpose.as_bytes());
        ctx.sign().as_ref().get(..32)?.try_into().ok()
    }

    /// A recipient's link token under the newest link key.
    pub fn link_token(&self, recipient: Uuid) -> String {
        let n = self.read().link_now;
        self.link_token_with(n, recipient).unwrap_or_default()
    }

    /// The recipient's link token whose digest (`digest`) is `stored`, under whichever
    /// link key made it: an email sent again carries the link the first one did, even
    /// after the keys were rotated.
    pub fn link_token_matching(
        &self,
        recipient: Uuid,
        stored: &str,
        digest: impl Fn(&str) -> String,
    ) -> Option<String> {
        let numbers: Vec<u32> = self.read().link.keys().rev().copied().collect();
        numbers
            .into_iter()
            .filter_map(|n| self.link_token_with(n, recipient))
            .find(|t| digest(t) == stored)
    }
}

/// The key number of a sealed blob; `None` for a blob stored before sealing.
pub fn blob_key(stored: &[u8]) -> Option<u32> {
    if (stored.len() >= 8 + NONCE && stored.starts_with(BLOB_MAGIC))
        || (stored.len() >= STREAM_HEADER && is_stream(stored))
    {
        let n: [u8; 4] = stored.get(4..8)?.try_into().ok()?;
        Some(u32::from_be_bytes(n))
    } else {
        None
    }
}

fn text_aad(field: Field, row: Uuid) -> Vec<u8> {
    let mut aad = field.label().to_vec();
    aad.push(b':');
    aad.extend_from_slice(row.as_bytes());
    aad
}

fn blob_aad(name: &str) -> Vec<u8> {
    let mut aad = b"blob:".to_vec();
    aad.extend_from_slice(name.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring::ephemeral().unwrap()
    }

    #[test]
    fn sealed_text_opens_only_in_its_place() {
        let k = ring();
        let row = Uuid::new_v4();
        let s = k.seal(Field::LetterBody, row, "Dear future me, 你好");
        assert!(s.0.starts_with("sealed:1:"));
        assert!(!s.0.contains("future"));
        assert_eq!(
            k.open(Field::LetterBody, row, &s).unwrap(),
            "Dear future me, 你好"
        );
        // Another row, or another field of the same row: refused.
        assert!(matches!(
            k.open(Field::LetterBody, Uuid::new_v4(), &s),
            Err(SealError::Damaged)
        ));
        assert!(matches!(
            k.open(Field::LetterTitle, row, &s),
            Err(SealError::Damaged)
        ));
        // Two seals of one text differ (fresh nonce), both open.
        let again = k.seal(Field::LetterBody, row, "Dear future me, 你好");
        assert_ne!(s, again);
        // A flipped character is detected.
        let mut bad = s.0.clone();
        let last = bad.pop().unwrap();
        bad.push(if last == 'A' { 'B' } else { 'A' });
        assert!(k.open(Field::LetterBody, row, &Sealed(bad)).is_err());
    }

    #[test]
    fn plain_text_from_before_sealing_reads_as_it_is() {
        let k = ring();
        let plain = Sealed("written in 2025".into());
        assert_eq!(plain.key(), None);
        assert_eq!(
            k.open(Field::LetterTitle, Uuid::nil(), &plain).unwrap(),
            "written in 2025"
        );
        assert_eq!(k.open_blob("a.png", b"PNG".to_vec()).unwrap(), b"PNG");
    }

    #[test]
    fn blobs_are_bound_to_their_name() {
        let k = ring();
        let sealed = k.seal_blob("a.png", b"\x89PNG picture".to_vec());
        assert_eq!(blob_key(&sealed), Some(1));
        assert!(!sealed.windows(7).any(|w| w == b"picture"));
        assert_eq!(
            k.open_blob("a.png", sealed.clone()).unwrap(),
            b"\x89PNG picture"
        );
        assert!(k.open_blob("b.png", sealed).is_err());
    }

    #[test]
    fn rotated_keys_seal_with_the_newest_and_open_the_old() {
        let one = KeySet::generate(None).unwrap();
        let two = one.rotated().unwrap();
        assert_eq!(two.newest(KeyKind::Seal), Some(2));
        let old = Keyring::new(&one, None).unwrap();
        let new = Keyring::new(&two, None).unwrap();
        let row = Uuid::new_v4();
        let s1 = old.seal(Field::RecipientEmail, row, "a@example.com");
        let s2 = new.seal(Field::RecipientEmail, row, "a@example.com");
        assert_eq!((s1.key(), s2.key()), (Some(1), Some(2)));
        assert_eq!(
            new.open(Field::RecipientEmail, row, &s1).unwrap(),
            "a@example.com"
        );
        assert!(matches!(
            old.open(Field::RecipientEmail, row, &s2),
            Err(SealError::UnknownKey(2))
        ));
        // Links: a new token under key 2, and the old one still recognised.
        let r = Uuid::new_v4();
        let t1 = old.link_token(r);
        let t2 = new.link_token(r);
        assert_ne!(t1, t2);
        let digest = |t: &str| format!("h:{t}");
        assert_eq!(
            new.link_token_matching(r, &digest(&t1), digest).as_deref(),
            Some(t1.as_str())
        );
    }

    #[test]
    fn a_keyring_reads_its_file_again_for_a_newer_key() {
        let dir = std::env::temp_dir().join(format!("ripen-keys-{}", Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("keys");
        let one = KeySet::generate(None).unwrap();
        std::fs::write(&path, one.to_text()).unwrap();
        let running = Keyring::new(&one, Some(path.clone())).unwrap();
        let two = one.rotated().unwrap();
        std::fs::write(&path, two.to_text()).unwrap();
        let row = Uuid::new_v4();
        let s2 = Keyring::new(&two, None)
            .unwrap()
            .seal(Field::LetterTitle, row, "hi");
        assert_eq!(running.open(Field::LetterTitle, row, &s2).unwrap(), "hi");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn the_key_file_round_trips_and_bad_files_are_named() {
        let set = KeySet::generate(Some([7; 32])).unwrap().rotated().unwrap();
        let text = set.to_text();
        let back = KeySet::parse(&text, Path::new("k")).unwrap();
        assert_eq!(back.to_text(), text);
        assert_eq!(back.fingerprints(), set.fingerprints());
        assert!(!format!("{set:?}").contains(&STANDARD.encode([7u8; 32])));
        for (bad, says) in [
            ("seal 1 abc\nlink 1 abc", "32 bytes"),
            ("seal x AAAA", "whole number"),
            ("lock 1 AAAA", "`seal` or `link`"),
            ("# nothing\n", "no `seal` key"),
        ] {
            let e = KeySet::parse(bad, Path::new("/etc/ripen/keys")).unwrap_err();
            let msg = e.to_string();
            assert!(
                msg.contains("/etc/ripen/keys") && msg.contains(says),
                "{msg}"
            );
        }
    }
}
