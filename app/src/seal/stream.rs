//! Sealing a blob too large to hold at once (a data export): the bytes are sealed in chunks
//! of [`CHUNK`] as they are written, and opened a chunk at a time as they are read.
//!
//! The format (`RPS2`) follows the STREAM construction (Hoang, Reyhanitabar, Rogaway,
//! Vizár, 2015): a header of the magic, the key number (4 bytes, big-endian) and a random
//! 7-byte nonce prefix; then chunks, each AES-256-GCM with the nonce
//! `prefix ‖ counter (4 bytes, big-endian) ‖ last (1 byte)` and the blob's name as
//! associated data. Every chunk but the last holds exactly [`CHUNK`] bytes; the last holds
//! fewer (possibly none) and is flagged, so chunks cannot be reordered, dropped, or cut off
//! at the end without the reader noticing.

use std::io::Write;

use ring::aead;

use super::{Keyring, NONCE, SealError, blob_aad};

/// How a stream-sealed blob begins.
pub(super) const STREAM_MAGIC: &[u8; 4] = b"RPS2";
/// Plain bytes in every chunk but the last.
pub const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
const PREFIX: usize = NONCE - 5;
/// Magic, key number and nonce prefix.
pub const HEADER: usize = 4 + 4 + PREFIX;
/// A full chunk as stored.
pub const SEALED_CHUNK: usize = CHUNK + TAG;

/// Whether `stored` begins like a stream-sealed blob.
pub fn is_stream(stored: &[u8]) -> bool {
    stored.starts_with(STREAM_MAGIC)
}

fn nonce(prefix: &[u8; PREFIX], counter: u32, last: bool) -> aead::Nonce {
    let mut n = [0u8; NONCE];
    n[..PREFIX].copy_from_slice(prefix);
    n[PREFIX..NONCE - 1].copy_from_slice(&counter.to_be_bytes());
    n[NONCE - 1] = u8::from(last);
    aead::Nonce::assume_unique_for_key(n)
}

/// Seals the chunks of one blob, in order.
pub struct Sealer {
    key: aead::LessSafeKey,
    aad: Vec<u8>,
    prefix: [u8; PREFIX],
    counter: u32,
    header: [u8; HEADER],
}

impl Sealer {
    /// The header to write before the first chunk.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Seals the next chunk: [`CHUNK`] bytes, or fewer if `last`.
    pub fn seal(&mut self, mut chunk: Vec<u8>, last: bool) -> Result<Vec<u8>, SealError> {
        if chunk.len() > CHUNK || (!last && chunk.len() != CHUNK) {
            return Err(SealError::Damaged);
        }
        let counter = self.counter;
        self.counter = counter.checked_add(1).ok_or(SealError::Damaged)?;
        self.key
            .seal_in_place_append_tag(
                nonce(&self.prefix, counter, last),
                aead::Aad::from(&self.aad),
                &mut chunk,
            )
            .map_err(|_| SealError::Damaged)?;
        Ok(chunk)
    }
}

/// Opens the chunks of one blob, in order.
pub struct Opener {
    key: aead::LessSafeKey,
    aad: Vec<u8>,
    prefix: [u8; PREFIX],
    counter: u32,
    done: bool,
}

impl Opener {
    /// Opens the next stored chunk: a full one ([`SEALED_CHUNK`] bytes), or the last (fewer).
    /// Anything after the last chunk is refused.
    pub fn open(&mut self, mut sealed: Vec<u8>) -> Result<Vec<u8>, SealError> {
        if self.done || sealed.len() > SEALED_CHUNK || sealed.len() < TAG {
            return Err(SealError::Damaged);
        }
        let last = sealed.len() < SEALED_CHUNK;
        let counter = self.counter;
        self.counter = counter.checked_add(1).ok_or(SealError::Damaged)?;
        let len = self
            .key
            .open_in_place(
                nonce(&self.prefix, counter, last),
                aead::Aad::from(&self.aad),
                &mut sealed,
            )
            .map_err(|_| SealError::Damaged)?
            .len();
        sealed.truncate(len);
        self.done = last;
        Ok(sealed)
    }

    /// Whether the last chunk was opened: a stream that ends before it was cut off.
    pub fn finished(&self) -> bool {
        self.done
    }
}

impl Keyring {
    /// A sealer for the blob named `name`, under the newest key.
    pub fn stream_sealer(&self, name: &str) -> Result<Sealer, SealError> {
        let loaded = self.read();
        let n = loaded.seal_now;
        let key = loaded.seal.get(&n).ok_or(SealError::UnknownKey(n))?.clone();
        drop(loaded);
        let random = self.nonce();
        let mut prefix = [0u8; PREFIX];
        prefix.copy_from_slice(&random[..PREFIX]);
        let mut header = [0u8; HEADER];
        header[..4].copy_from_slice(STREAM_MAGIC);
        header[4..8].copy_from_slice(&n.to_be_bytes());
        header[8..].copy_from_slice(&prefix);
        Ok(Sealer {
            key,
            aad: blob_aad(name),
            prefix,
            counter: 0,
            header,
        })
    }

    /// An opener for the blob named `name` whose stored bytes begin with `header`.
    pub fn stream_opener(&self, name: &str, header: &[u8]) -> Result<Opener, SealError> {
        if header.len() < HEADER || !is_stream(header) {
            return Err(SealError::Damaged);
        }
        let n = u32::from_be_bytes(header[4..8].try_into().map_err(|_| SealError::Damaged)?);
        let has = |s: &Self| s.read().seal.contains_key(&n);
        if !(has(self) || (self.reload() && has(self))) {
            return Err(SealError::UnknownKey(n));
        }
        let key = self
            .read()
            .seal
            .get(&n)
            .ok_or(SealError::UnknownKey(n))?
            .clone();
        let mut prefix = [0u8; PREFIX];
        prefix.copy_from_slice(&header[8..HEADER]);
        Ok(Opener {
            key,
            aad: blob_aad(name),
            prefix,
            counter: 0,
            done: false,
        })
    }

    /// The plain bytes of a whole stream-sealed blob held in memory.
    pub(super) fn open_stream(&self, name: &str, stored: &[u8]) -> Result<Vec<u8>, SealError> {
        let mut opener = self.stream_opener(name, stored)?;
        let body = &stored[HEADER..];
        let mut out = Vec::with_capacity(body.len());
        // Full chunks, then the last (shorter, possibly only its tag).
        let mut chunks = body.chunks(SEALED_CHUNK).peekable();
        while let Some(chunk) = chunks.next() {
            out.extend_from_slice(&opener.open(chunk.to_vec())?);
            if chunks.peek().is_none() && chunk.len() == SEALED_CHUNK {
                // The last stored chunk was full: the flagged last one is missing.
                return Err(SealError::Damaged);
            }
        }
        if !opener.finished() {
            return Err(SealError::Damaged);
        }
        Ok(out)
    }
}

/// A writer that seals what it is given into `inner`, a chunk at a time; [`SealWriter::finish`]
/// seals the last chunk and answers `inner`. Holds at most one chunk.
pub struct SealWriter<W: Write> {
    inner: W,
    sealer: Sealer,
    buf: Vec<u8>,
    /// Plain bytes written so far.
    written: u64,
}

impl<W: Write> SealWriter<W> {
    /// Writes the header to `inner` at once.
    pub fn new(mut inner: W, sealer: Sealer) -> std::io::Result<Self> {
        inner.write_all(sealer.header())?;
        Ok(Self {
            inner,
            sealer,
            buf: Vec::with_capacity(CHUNK),
            written: 0,
        })
    }

    /// Plain bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    fn emit(&mut self, last: bool) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        let sealed = self
            .sealer
            .seal(chunk, last)
            .map_err(std::io::Error::other)?;
        self.inner.write_all(&sealed)
    }

    /// Seals the last chunk and flushes; answers the inner writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.emit(true)?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for SealWriter<W> {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        let room = CHUNK - self.buf.len();
        let take = room.min(data.len());
        self.buf.extend_from_slice(&data[..take]);
        self.written += take as u64;
        if self.buf.len() == CHUNK {
            self.emit(false)?;
        }
        Ok(take)
    }

    /// Sealed chunks are written as they fill; a partial chunk waits for more (or `finish`).
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed(k: &Keyring, name: &str, plain: &[u8]) -> Vec<u8> {
        let mut w = SealWriter::new(Vec::new(), k.stream_sealer(name).unwrap()).unwrap();
        // In uneven pieces, as a ZIP writer gives them.
        for piece in plain.chunks(1000) {
            w.write_all(piece).unwrap();
        }
        assert_eq!(w.written(), plain.len() as u64);
        w.finish().unwrap()
    }

    #[test]
    fn blobs_of_every_length_round_trip_and_hide_their_bytes() {
        let k = Keyring::ephemeral().unwrap();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17] {
            let plain: Vec<u8> = (0..len).map(|i| b"secret letter "[i % 14]).collect();
            let stored = sealed(&k, "x.zip", &plain);
            assert!(is_stream(&stored));
            let chunks = len / CHUNK + 1;
            assert_eq!(stored.len(), HEADER + len + chunks * TAG, "length {len}");
            assert!(!stored.windows(6).any(|w| w == b"secret"), "length {len}");
            assert_eq!(k.open_blob("x.zip", stored).unwrap(), plain, "length {len}");
        }
    }

    #[test]
    fn a_cut_reordered_or_renamed_stream_is_refused() {
        let k = Keyring::ephemeral().unwrap();
        let plain = vec![7u8; 2 * CHUNK + 10];
        let stored = sealed(&k, "x.zip", &plain);
        // Bound to its name.
        assert!(k.open_blob("y.zip", stored.clone()).is_err());
        // The last chunk dropped: the stream now ends on a full chunk.
        let cut = stored[..HEADER + 2 * SEALED_CHUNK].to_vec();
        assert!(k.open_blob("x.zip", cut).is_err());
        // Cut inside a chunk.
        let cut = stored[..HEADER + SEALED_CHUNK + 100].to_vec();
        assert!(k.open_blob("x.zip", cut).is_err());
        // The first two chunks swapped.
        let mut swapped = stored[..HEADER].to_vec();
        swapped.extend_from_slice(&stored[HEADER + SEALED_CHUNK..HEADER + 2 * SEALED_CHUNK]);
        swapped.extend_from_slice(&stored[HEADER..HEADER + SEALED_CHUNK]);
        swapped.extend_from_slice(&stored[HEADER + 2 * SEALED_CHUNK..]);
        assert!(k.open_blob("x.zip", swapped).is_err());
        // Something after the last chunk.
        let mut longer = stored.clone();
        longer.extend_from_slice(&[0u8; 40]);
        assert!(k.open_blob("x.zip", longer).is_err());
        assert_eq!(k.open_blob("x.zip", stored).unwrap(), plain);
    }

    #[test]
    fn chunk_by_chunk_opening_matches_the_whole() {
        let k = Keyring::ephemeral().unwrap();
        let plain: Vec<u8> = (0..CHUNK * 2 + 5).map(|i| (i % 251) as u8).collect();
        let stored = sealed(&k, "x.zip", &plain);
        let mut opener = k.stream_opener("x.zip", &stored[..HEADER]).unwrap();
        let mut out = Vec::new();
        for chunk in stored[HEADER..].chunks(SEALED_CHUNK) {
            out.extend(opener.open(chunk.to_vec()).unwrap());
        }
        assert!(opener.finished());
        assert_eq!(out, plain);
    }
}
