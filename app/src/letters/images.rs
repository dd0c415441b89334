//! Intake for images attached to letters.
//!
//! Uploaded files are untrusted: names and Content-Type are ignored, the format is decided
//! from magic bytes alone, files that smuggle markup or a second format are refused, the
//! pixel size and the bytes its pixels would take are judged from the header before any
//! pixel buffer exists ([`inspect`]), and what we keep is re-encoded from decoded pixels so
//! no metadata (GPS position, camera serial, comments) and no bytes of the original file
//! survive.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};

/// Extra decoder working memory allowed on top of the pixel buffer itself (row buffers,
/// Huffman tables, PNG chunk data, the copy of the input some decoders keep).
const ALLOC_SLACK: u64 = 64 * 1024 * 1024;

/// JPEG quality for re-encoded photos: visually lossless for letters, much smaller than 95+.
const JPEG_QUALITY: u8 = 85;

/// The image formats a letter may carry; anything else is refused rather than converted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// JPEG (photos).
    Jpeg,
    /// PNG (screenshots, drawings).
    Png,
    /// WebP (either flavour on input; stored lossless).
    Webp,
}

impl ImageKind {
    /// The MIME type to serve the stored bytes with, derived from what we wrote, never from
    /// what the client claimed.
    #[must_use]
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Webp => "image/webp",
        }
    }

    /// The file extension (without a dot) for stored copies and download names.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::Webp => "webp",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            Self::Jpeg => ImageFormat::Jpeg,
            Self::Png => ImageFormat::Png,
            Self::Webp => ImageFormat::WebP,
        }
    }
}

/// Identifies the format from magic bytes only, so a renamed SVG or HTML file cannot pass
/// as an image whatever its name or declared Content-Type.
#[must_use]
pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
    const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(ImageKind::Jpeg)
    } else if bytes.starts_with(PNG_MAGIC) {
        Some(ImageKind::Png)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some(ImageKind::Webp)
    } else {
        None
    }
}

/// Bounds on what an upload may cost us, in bytes on the wire and in decoded pixels.
#[derive(Debug, Clone, Copy)]
pub struct ImageLimits {
    /// Largest accepted file, checked before the bytes are even looked at.
    pub max_bytes: usize,
    /// Largest accepted pixel count (width × height).
    pub max_pixels: u64,
    /// Largest accepted width or height, so a 1 × 40 000 000 strip is refused too.
    pub max_side: u32,
    /// Largest accepted decoded size: width × height × bytes per pixel, as the header
    /// declares them. Compression makes the file size no guide: 150 KB of PNG can hold
    /// 160 MB of zeros.
    pub max_decoded_bytes: u64,
}

/// The default of [`ImageLimits::max_decoded_bytes`] (`letters.image_decode_max_bytes`).
pub const DEFAULT_MAX_DECODED_BYTES: u64 = 128 * 1024 * 1024;

impl Default for ImageLimits {
    /// 10 MiB, 40 megapixels, 12 000 px a side, 128 MiB decoded: a 40-megapixel colour
    /// photo (120 MB of RGB) passes; the same size with an alpha channel or 16-bit samples
    /// does not.
    fn default() -> Self {
        Self {
            max_bytes: 10 * 1024 * 1024,
            max_pixels: 40_000_000,
            max_side: 12_000,
            max_decoded_bytes: DEFAULT_MAX_DECODED_BYTES,
        }
    }
}

impl ImageLimits {
    /// What the decoder may allocate in all: the pixels plus its working space.
    fn max_alloc(&self) -> u64 {
        self.max_decoded_bytes.saturating_add(ALLOC_SLACK)
    }
}

/// What the header of an upload that passed every check before decoding says: enough to
/// decide what decoding it will cost. Only [`inspect`] makes one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    kind: ImageKind,
    width: u32,
    height: u32,
    decoded_bytes: u64,
}

impl ImageInfo {
    /// The format, from magic bytes.
    #[must_use]
    pub fn kind(&self) -> ImageKind {
        self.kind
    }

    /// Declared width and height (before the EXIF orientation).
    #[must_use]
    pub fn dimensions(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// The decoded pixel buffer: width × height × bytes per pixel of the colour type.
    #[must_use]
    pub fn decoded_bytes(&self) -> u64 {
        self.decoded_bytes
    }

    /// The memory decoding and re-encoding this image may hold at its peak: the decoded
    /// pixels and one converted copy of them (JPEG and WebP are written from an RGB(A)
    /// copy; a quarter turn for the EXIF orientation makes a new buffer too).
    #[must_use]
    pub fn peak_bytes(&self) -> u64 {
        self.decoded_bytes.saturating_mul(2)
    }
}

/// An image that passed intake: freshly encoded bytes with no metadata, upright.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessedImage {
    /// Format of `bytes` (always the same as the upload's).
    pub kind: ImageKind,
    /// The re-encoded file; contains nothing from the upload but its pixels.
    pub bytes: Vec<u8>,
    /// Width after the EXIF orientation was applied.
    pub width: u32,
    /// Height after the EXIF orientation was applied.
    pub height: u32,
}

impl std::fmt::Debug for ProcessedImage {
    // Keeps logs readable: the byte count, not megabytes of numbers.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProcessedImage")
            .field("kind", &self.kind)
            .field("bytes", &format_args!("<{} bytes>", self.bytes.len()))
            .field("width", &self.width)
            .field("height", &self.height)
            .finish()
    }
}

/// Why an upload was refused. The messages (its `Display`, in the current language) are
/// shown to the user next to the form field, so they say what to change and nothing about
/// our internals.
#[derive(Debug, PartialEq, Eq)]
pub enum ImageError {
    /// The file is bigger than `max_bytes`; checked before anything else.
    TooLarge {
        /// The limit that was exceeded, for the message.
        max_bytes: usize,
    },
    /// The magic bytes are not JPEG, PNG or WebP (SVG, HTML, GIF, text, an empty file…).
    NotAnImage,
    /// It starts like an image but also carries markup, a script or another file format,
    /// the shape of a polyglot meant to be executed if ever served with the wrong type.
    Polyglot,
    /// The header declares more pixels than the limits allow; decided before decoding.
    TooManyPixels {
        /// Declared width.
        width: u32,
        /// Declared height.
        height: u32,
    },
    /// The file could not be decoded (truncated, damaged, or an unsupported variant).
    Corrupt,
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::i18n::fill;
        let t = &crate::i18n::t().letters;
        match self {
            Self::TooLarge { max_bytes } => f.write_str(&fill(
                t.image_larger_than,
                &[("size", &crate::format::human_size(*max_bytes as u64))],
            )),
            Self::NotAnImage => f.write_str(t.image_wrong_type),
            Self::Polyglot => f.write_str(t.image_polyglot),
            Self::TooManyPixels { width, height } => f.write_str(&fill(
                t.image_too_many_pixels,
                &[("width", width), ("height", height)],
            )),
            Self::Corrupt => f.write_str(t.image_corrupt),
        }
    }
}

impl std::error::Error for ImageError {}

/// Judges an upload without decoding it: size, magic bytes, polyglot scan, then the
/// header's dimensions and colour type, which give the decoded size. No pixel buffer is
/// allocated; the header reader itself is bounded by `image::Limits`.
///
/// # Errors
///
/// Every refusal is an [`ImageError`] whose message can be shown to the user as is.
pub fn inspect(bytes: &[u8], limits: &ImageLimits) -> Result<ImageInfo, ImageError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImageError::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    let kind = sniff(bytes).ok_or(ImageError::NotAnImage)?;
    if is_polyglot(kind, bytes) {
        return Err(ImageError::Polyglot);
    }
    let decoder = header_decoder(bytes, kind, limits)?;
    let (width, height) = decoder.dimensions();
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt);
    }
    let decoded_bytes = decoder.total_bytes();
    if width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels
        // 16-bit samples and alpha channels count: bytes, not pixels, fill memory.
        || decoded_bytes > limits.max_decoded_bytes
    {
        return Err(ImageError::TooManyPixels { width, height });
    }
    Ok(ImageInfo {
        kind,
        width,
        height,
        decoded_bytes,
    })
}

/// A decoder that has read the header only. It gets only the allocation budget here: the
/// PNG decoder takes its limits at construction and would refuse an oversized header
/// before we could report its dimensions.
fn header_decoder<'a>(
    bytes: &'a [u8],
    kind: ImageKind,
    limits: &ImageLimits,
) -> Result<impl ImageDecoder + 'a, ImageError> {
    let mut header_limits = image::Limits::default();
    header_limits.max_alloc = Some(limits.max_alloc());
    let mut reader = ImageReader::with_format(Cursor::new(bytes), kind.format());
    reader.limits(header_limits);
    reader.into_decoder().map_err(|_| ImageError::Corrupt)
}

/// Validates an upload and returns a clean re-encoding of it, or the reason it was refused.
///
/// # Errors
///
/// Every refusal is an [`ImageError`] whose message can be shown to the user as is.
pub fn process(bytes: &[u8], limits: &ImageLimits) -> Result<ProcessedImage, ImageError> {
    let info = inspect(bytes, limits)?;
    decode_inspected(bytes, &info, limits)
}

/// Decodes an upload [`inspect`] accepted (with the same `limits`), applies its EXIF
/// orientation and re-encodes it. The decode is bounded by `image::Limits` as well, so a
/// header that lies about its size still cannot make the decoder allocate without bound.
/// CPU- and memory-heavy: run it on the blocking pool, under
/// [`ImageGates`](crate::letters::ssr::ImageGates).
///
/// # Errors
///
/// Every refusal is an [`ImageError`] whose message can be shown to the user as is.
pub fn decode_inspected(
    bytes: &[u8],
    info: &ImageInfo,
    limits: &ImageLimits,
) -> Result<ProcessedImage, ImageError> {
    let (width, height, kind) = (info.width, info.height, info.kind);
    let too_many = || ImageError::TooManyPixels { width, height };
    let mut decoder = header_decoder(bytes, kind, limits)?;
    if decoder.dimensions() != (width, height) {
        return Err(ImageError::Corrupt);
    }
    let mut decode_limits = image::Limits::default();
    decode_limits.max_image_width = Some(limits.max_side);
    decode_limits.max_image_height = Some(limits.max_side);
    decode_limits.max_alloc = Some(limits.max_alloc());
    decoder.set_limits(decode_limits).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many(),
        _ => ImageError::Corrupt,
    })?;

    // Read before decoding consumes the decoder; unreadable EXIF just means "as stored".
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(|e| match e {
        image::ImageError::Limits(_) => too_many(),
        _ => ImageError::Corrupt,
    })?;
    image.apply_orientation(orientation);

    let bytes = encode(kind, &image).map_err(|_| ImageError::Corrupt)?;
    Ok(ProcessedImage {
        kind,
        bytes,
        width: image.width(),
        height: image.height(),
    })
}

/// Writes the pixels in the upload's format; encoders here emit no EXIF, XMP or text.
fn encode(kind: ImageKind, image: &DynamicImage) -> image::ImageResult<Vec<u8>> {
    let mut out = Vec::new();
    match kind {
        ImageKind::Jpeg => {
            // JPEG has no alpha channel; grey photos come back as RGB, which every viewer reads.
            let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
            rgb.write_with_encoder(JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY))?;
        }
        ImageKind::Png => {
            // PNG keeps the decoded colour type (incl. 16-bit and alpha).
            image.write_with_encoder(PngEncoder::new(&mut out))?;
        }
        ImageKind::Webp => {
            let pixels = if image.has_alpha() {
                DynamicImage::ImageRgba8(image.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(image.to_rgb8())
            };
            pixels.write_with_encoder(WebPEncoder::new_lossless(&mut out))?;
        }
    }
    Ok(out)
}

/// True when the file carries something besides an image: markup or script that a browser
/// or PHP could run if the bytes were ever served as HTML, an embedded ZIP or PDF, or (for
/// PNG and WebP) bytes after the end of the container.
fn is_polyglot(kind: ImageKind, bytes: &[u8]) -> bool {
    contains_foreign_content(bytes)
        || match kind {
            ImageKind::Png => png_has_trailing_data(bytes),
            ImageKind::Webp => riff_has_trailing_data(bytes),
            // Cameras legitimately append data after EOI (motion photos, MPF previews), and
            // the markup scan above already covers the dangerous cases.
            ImageKind::Jpeg => false,
        }
}

/// One linear pass looking for markup, script and foreign-format signatures.
///
/// Compressed image data is close to random, so short needles would match by chance in
/// large photos. Tag needles therefore must be followed by a byte that ends an HTML tag
/// name (whitespace, `/` or `>`, exactly where a browser's tokenizer ends it) and the ZIP
/// signature must be followed by a plausible "version needed" field; neither weakens the
/// check against real markup or archives.
fn contains_foreign_content(bytes: &[u8]) -> bool {
    // Tag names as browsers tokenize them: `<svg/onload=…>` and `<script>` both end here.
    const TAGS: [&[u8]; 5] = [b"<script", b"<html", b"<svg", b"<iframe", b"<body"];
    fn ends_tag_name(b: Option<&u8>) -> bool {
        matches!(
            b,
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'/' | b'>')
        )
    }
    fn at(bytes: &[u8], i: usize, needle: &[u8]) -> bool {
        bytes
            .get(i..i + needle.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(needle))
    }

    for (i, &b) in bytes.iter().enumerate() {
        let found = match b {
            b'<' => {
                TAGS.iter()
                    .any(|t| at(bytes, i, t) && ends_tag_name(bytes.get(i + t.len())))
                    || at(bytes, i, b"<!doctype")
                    // PHP needs whitespace (or the end of the file) after its open tag.
                    || (at(bytes, i, b"<?php")
                        && bytes.get(i + 5).is_none_or(u8::is_ascii_whitespace))
            }
            b'j' | b'J' => at(bytes, i, b"javascript:"),
            b'%' => at(bytes, i, b"%PDF-"),
            // ZIP local file header: signature, then "version needed" (e.g. 10, 20, 45, 63).
            b'P' => {
                bytes.get(i..i + 4) == Some(b"PK\x03\x04")
                    && matches!(bytes.get(i + 4..i + 6), Some(&[v, 0]) if v <= 63)
            }
            _ => false,
        };
        if found {
            return true;
        }
    }
    false
}

/// Walks the PNG chunk list; true if anything follows the IEND chunk. A chunk list that
/// runs off the end is left for the decoder to call corrupt.
fn png_has_trailing_data(bytes: &[u8]) -> bool {
    let mut pos = 8usize; // after the signature
    while let Some(header) = bytes.get(pos..pos + 8) {
        let len = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        // length + type + data + CRC
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|len| pos.checked_add(12)?.checked_add(len))
        else {
            return false;
        };
        if &header[4..8] == b"IEND" {
            return bytes.len() > end;
        }
        pos = end;
    }
    false
}

/// True if bytes follow the RIFF container (its declared size plus the pad byte).
fn riff_has_trailing_data(bytes: &[u8]) -> bool {
    let Some(size) = bytes.get(4..8) else {
        return false;
    };
    let size = u64::from(u32::from_le_bytes([size[0], size[1], size[2], size[3]]));
    let end = 8 + size + (size & 1);
    u64::try_from(bytes.len()).is_ok_and(|len| len > end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage, Rgba, RgbaImage};

    const GPS_FIXTURE: &[u8] = include_bytes!("../../../server/tests/fixtures/photo-with-gps.jpg");

    // ---- fixture builders -------------------------------------------------------------

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, 128])
        })
    }

    fn jpeg_of(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_with_encoder(JpegEncoder::new_with_quality(&mut out, 90))
            .unwrap();
        out
    }

    fn png_of(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image.write_with_encoder(PngEncoder::new(&mut out)).unwrap();
        out
    }

    fn webp_of(image: &DynamicImage) -> Vec<u8> {
        let mut out = Vec::new();
        image
            .write_with_encoder(WebPEncoder::new_lossless(&mut out))
            .unwrap();
        out
    }

    fn small_jpeg() -> Vec<u8> {
        jpeg_of(&DynamicImage::ImageRgb8(gradient(32, 24)))
    }

    fn small_png() -> Vec<u8> {
        png_of(&DynamicImage::ImageRgb8(gradient(32, 24)))
    }

    /// Little-endian TIFF block: IFD0 with Orientation, optionally a GPS IFD.
    fn exif_tiff(orientation: u16, with_gps: bool) -> Vec<u8> {
        let mut t = b"II\x2a\x00\x08\x00\x00\x00".to_vec();
        let entry = |t: &mut Vec<u8>, tag: u16, typ: u16, count: u32, value: [u8; 4]| {
            t.extend(tag.to_le_bytes());
            t.extend(typ.to_le_bytes());
            t.extend(count.to_le_bytes());
            t.extend(value);
        };
        let ifd0_entries: u16 = if with_gps { 2 } else { 1 };
        t.extend(ifd0_entries.to_le_bytes());
        let o = orientation.to_le_bytes();
        entry(&mut t, 0x0112, 3, 1, [o[0], o[1], 0, 0]);
        let gps_ifd = 8 + 2 + 12 * u32::from(ifd0_entries) + 4;
        if with_gps {
            entry(&mut t, 0x8825, 4, 1, gps_ifd.to_le_bytes());
        }
        t.extend(0u32.to_le_bytes());
        if with_gps {
            let data = gps_ifd + 2 + 12 * 4 + 4;
            t.extend(4u16.to_le_bytes());
            entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
            entry(&mut t, 0x0002, 5, 3, data.to_le_bytes());
            entry(&mut t, 0x0003, 2, 2, *b"E\0\0\0");
            entry(&mut t, 0x0004, 5, 3, (data + 24).to_le_bytes());
            t.extend(0u32.to_le_bytes());
            for (n, d) in [(52, 1), (22, 1), (1234, 100), (4, 1), (53, 1), (4256, 100)] {
                t.extend(u32::to_le_bytes(n));
                t.extend(u32::to_le_bytes(d));
            }
        }
        t
    }

    /// Inserts a marker segment right after SOI.
    fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
        let len = u16::try_from(payload.len() + 2).unwrap();
        let mut out = jpeg[..2].to_vec();
        out.extend([0xFF, marker]);
        out.extend(len.to_be_bytes());
        out.extend(payload);
        out.extend(&jpeg[2..]);
        out
    }

    fn with_exif(jpeg: &[u8], tiff: &[u8]) -> Vec<u8> {
        let mut payload = b"Exif\0\0".to_vec();
        payload.extend(tiff);
        with_segment(jpeg, 0xE1, &payload)
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        out.extend(kind);
        out.extend(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend(data);
        out.extend(crc32(&crc_input).to_be_bytes());
        out
    }

    /// A PNG whose IHDR claims 60000 × 60000 RGB but whose data is a few bytes.
    fn huge_png() -> Vec<u8> {
        png_header(60_000, 60_000, 8, 2)
    }

    /// A PNG whose IHDR claims `width` × `height` of the given bit depth and colour type
    /// (2 RGB, 6 RGBA) but whose data is a few bytes: only a header can be read from it.
    fn png_header(width: u32, height: u32, bit_depth: u8, color_type: u8) -> Vec<u8> {
        let mut ihdr = width.to_be_bytes().to_vec();
        ihdr.extend(height.to_be_bytes());
        ihdr.extend([bit_depth, color_type, 0, 0, 0]); // deflate, adaptive, no interlace
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &ihdr));
        // zlib stream holding one empty stored block.
        png.extend(png_chunk(
            b"IDAT",
            &[0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0, 0, 0, 1],
        ));
        png.extend(png_chunk(b"IEND", &[]));
        png
    }

    /// A real JPEG whose SOF0 is patched to claim 60000 × 60000.
    fn huge_jpeg() -> Vec<u8> {
        let mut jpeg = small_jpeg();
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("encoder writes baseline SOF0");
        // FF C0, length(2), precision(1), height(2), width(2)
        jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
        jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
        jpeg
    }

    fn decode(bytes: &[u8]) -> DynamicImage {
        ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .unwrap()
            .decode()
            .unwrap()
    }

    fn exif_of(kind: ImageKind, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut decoder = ImageReader::with_format(Cursor::new(bytes), kind.format())
            .into_decoder()
            .unwrap();
        decoder.exif_metadata().unwrap()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    fn ok(bytes: &[u8]) -> ProcessedImage {
        process(bytes, &ImageLimits::default()).unwrap()
    }

    fn err(bytes: &[u8]) -> ImageError {
        process(bytes, &ImageLimits::default()).unwrap_err()
    }

    /// Deterministic pseudo-random bytes (64-bit LCG, high bits).
    struct Lcg(u64);
    impl Lcg {
        fn next_byte(&mut self) -> u8 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 56) as u8
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next_byte()).collect()
        }
    }

    // ---- sniffing --------------------------------------------------------------------

    #[test]
    fn sniff_recognises_each_kind() {
        let rgb = DynamicImage::ImageRgb8(gradient(8, 8));
        assert_eq!(sniff(&jpeg_of(&rgb)), Some(ImageKind::Jpeg));
        assert_eq!(sniff(&png_of(&rgb)), Some(ImageKind::Png));
        assert_eq!(sniff(&webp_of(&rgb)), Some(ImageKind::Webp));
        assert_eq!(sniff(GPS_FIXTURE), Some(ImageKind::Jpeg));
    }

    #[test]
    fn sniff_rejects_non_images() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
        assert_eq!(sniff(svg), None);
        assert_eq!(sniff(b"<!DOCTYPE html><html><body>hi</body></html>"), None);
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), None);
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xFF\xD8"), None); // too short for a JPEG
        assert_eq!(sniff(b"\x89PNG\r\n\x1a"), None); // signature cut short
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WAVEfmt "), None); // RIFF, but audio
        assert_eq!(sniff(b"RIFF\x24\x00\x00\x00WEB"), None);
        assert_eq!(sniff(b"hello, plain text"), None);
    }

    #[test]
    fn kind_mime_and_extension() {
        assert_eq!(ImageKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(ImageKind::Png.mime(), "image/png");
        assert_eq!(ImageKind::Webp.mime(), "image/webp");
        assert_eq!(ImageKind::Jpeg.extension(), "jpg");
        assert_eq!(ImageKind::Png.extension(), "png");
        assert_eq!(ImageKind::Webp.extension(), "webp");
    }

    // ---- metadata stripping and orientation -------------------------------------------

    #[test]
    fn gps_exif_is_stripped_from_fixture() {
        // GPSInfo pointer entry, the GPSLatitudeRef 'N' entry, and the latitude rationals.
        let gps_pointer: &[u8] = &[0x25, 0x88, 0x04, 0x00, 0x01, 0x00, 0x00, 0x00];
        let lat_ref: &[u8] = &[
            0x01, 0x00, 0x02, 0x00, 0x02, 0x00, 0x00, 0x00, b'N', 0, 0, 0,
        ];
        let lat: &[u8] = &[52, 0, 0, 0, 1, 0, 0, 0, 22, 0, 0, 0, 1, 0, 0, 0];

        // The fixture really carries the data we claim to strip.
        assert!(contains(GPS_FIXTURE, b"Exif\0\0"));
        assert!(contains(GPS_FIXTURE, gps_pointer));
        assert!(contains(GPS_FIXTURE, lat_ref));
        assert!(contains(GPS_FIXTURE, lat));
        assert!(exif_of(ImageKind::Jpeg, GPS_FIXTURE).is_some());

        let out = ok(GPS_FIXTURE);
        assert_eq!(out.kind, ImageKind::Jpeg);
        assert_eq!(sniff(&out.bytes), Some(ImageKind::Jpeg));
        assert!(!contains(&out.bytes, b"Exif\0\0"));
        assert!(!contains(&out.bytes, gps_pointer));
        assert!(!contains(&out.bytes, lat_ref));
        assert!(!contains(&out.bytes, lat));
        assert_eq!(exif_of(ImageKind::Jpeg, &out.bytes), None);
        let decoded = decode(&out.bytes);
        assert_eq!((decoded.width(), decoded.height()), (out.width, out.height));
    }

    #[test]
    fn fixture_is_turned_upright() {
        // The fixture is stored 64 × 48 with Orientation 6 (a phone held upright).
        let stored = decode(GPS_FIXTURE);
        assert_eq!((stored.width(), stored.height()), (64, 48));
        let out = ok(GPS_FIXTURE);
        assert_eq!((out.width, out.height), (48, 64));
    }

    #[test]
    fn orientation_6_is_applied() {
        // Left half red, right half blue; rotating 90° clockwise puts red on top.
        let img = RgbImage::from_fn(40, 20, |x, _| {
            if x < 20 {
                Rgb([255, 0, 0])
            } else {
                Rgb([0, 0, 255])
            }
        });
        let jpeg = with_exif(
            &jpeg_of(&DynamicImage::ImageRgb8(img)),
            &exif_tiff(6, false),
        );
        assert_eq!(decode(&jpeg).width(), 40);

        let out = ok(&jpeg);
        assert_eq!((out.width, out.height), (20, 40));
        let rgb = decode(&out.bytes).to_rgb8();
        assert_eq!((rgb.width(), rgb.height()), (20, 40));
        let top = rgb.get_pixel(10, 5);
        let bottom = rgb.get_pixel(10, 35);
        assert!(
            top[0] > 200 && top[2] < 60,
            "top should be red, got {top:?}"
        );
        assert!(
            bottom[2] > 200 && bottom[0] < 60,
            "bottom should be blue, got {bottom:?}"
        );
        // And the orientation tag is gone, so viewers will not rotate it a second time.
        assert_eq!(exif_of(ImageKind::Jpeg, &out.bytes), None);
    }

    #[test]
    fn orientation_1_keeps_dimensions() {
        let jpeg = with_exif(&small_jpeg(), &exif_tiff(1, true));
        let out = ok(&jpeg);
        assert_eq!((out.width, out.height), (32, 24));
        assert!(!contains(&out.bytes, b"Exif\0\0"));
    }

    // ---- round trips -----------------------------------------------------------------

    #[test]
    fn jpeg_round_trip() {
        let out = ok(&small_jpeg());
        assert_eq!(out.kind, ImageKind::Jpeg);
        assert_eq!((out.width, out.height), (32, 24));
        let decoded = decode(&out.bytes);
        assert_eq!((decoded.width(), decoded.height()), (32, 24));
        assert!(!decoded.color().has_alpha());
    }

    #[test]
    fn png_round_trip_keeps_alpha() {
        let img = RgbaImage::from_fn(30, 17, |x, y| {
            Rgba([x as u8 * 8, y as u8 * 15, 7, (x * 8) as u8])
        });
        let out = ok(&png_of(&DynamicImage::ImageRgba8(img.clone())));
        assert_eq!(out.kind, ImageKind::Png);
        assert_eq!(sniff(&out.bytes), Some(ImageKind::Png));
        assert_eq!((out.width, out.height), (30, 17));
        // PNG is lossless: the pixels come back exactly.
        assert_eq!(decode(&out.bytes).to_rgba8(), img);
    }

    #[test]
    fn png_text_chunks_are_dropped() {
        let png = small_png();
        // Insert a tEXt chunk after IHDR (8 signature + 25 IHDR bytes).
        let mut with_text = png[..33].to_vec();
        with_text.extend(png_chunk(b"tEXt", b"Comment\0taken at home, 52.37N 4.89E"));
        with_text.extend(&png[33..]);
        assert!(contains(&with_text, b"taken at home"));
        let out = ok(&with_text);
        assert!(!contains(&out.bytes, b"taken at home"));
        assert!(!contains(&out.bytes, b"tEXt"));
    }

    #[test]
    fn webp_round_trip() {
        let rgba = RgbaImage::from_fn(21, 13, |x, y| Rgba([x as u8 * 12, y as u8 * 19, 99, 200]));
        let out = ok(&webp_of(&DynamicImage::ImageRgba8(rgba.clone())));
        assert_eq!(out.kind, ImageKind::Webp);
        assert_eq!(sniff(&out.bytes), Some(ImageKind::Webp));
        assert_eq!((out.width, out.height), (21, 13));
        assert_eq!(decode(&out.bytes).to_rgba8(), rgba);

        let rgb = gradient(16, 9);
        let out = ok(&webp_of(&DynamicImage::ImageRgb8(rgb.clone())));
        assert_eq!((out.kind, out.width, out.height), (ImageKind::Webp, 16, 9));
        assert_eq!(decode(&out.bytes).to_rgb8(), rgb);
    }

    // ---- refusals --------------------------------------------------------------------

    #[test]
    fn svg_and_html_are_not_images() {
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#;
        assert_eq!(err(svg), ImageError::NotAnImage);
        // An HTML page saved as "photo.png": the name is irrelevant, the bytes decide.
        assert_eq!(
            err(b"<!doctype html><html><body><script>alert(1)</script>"),
            ImageError::NotAnImage
        );
        assert_eq!(
            err(b"GIF89a\x01\x00\x01\x00\x80\x00\x00"),
            ImageError::NotAnImage
        );
        assert_eq!(err(b""), ImageError::NotAnImage);
    }

    #[test]
    fn png_with_script_appended_is_polyglot() {
        let mut png = small_png();
        png.extend(b"<script>alert(1)</script>");
        assert_eq!(err(&png), ImageError::Polyglot);
    }

    #[test]
    fn markup_scan_is_case_insensitive_and_finds_markup_inside_chunks() {
        let png = small_png();
        // Inside a valid chunk, so only the markup scan (not the trailing-bytes rule) can catch it.
        let mut inside = png[..33].to_vec();
        inside.extend(png_chunk(b"tEXt", b"Comment\0<SCRIPT SRC=//evil></SCRIPT>"));
        inside.extend(&png[33..]);
        assert!(!png_has_trailing_data(&inside));
        assert_eq!(err(&inside), ImageError::Polyglot);
    }

    #[test]
    fn jpeg_with_html_comment_is_polyglot() {
        let jpeg = with_segment(&small_jpeg(), 0xFE, b"<html><body>hi</body></html>");
        // Still a decodable JPEG: the refusal is about the payload, not corruption.
        assert_eq!(decode(&jpeg).width(), 32);
        assert_eq!(err(&jpeg), ImageError::Polyglot);
    }

    #[test]
    fn png_with_zip_appended_is_polyglot() {
        let mut png = small_png();
        png.extend(b"PK\x03\x04\x14\x00\x00\x00\x08\x00");
        assert_eq!(err(&png), ImageError::Polyglot);
    }

    #[test]
    fn other_payloads_are_polyglot() {
        for payload in [
            &b"<?php system($_GET['c']); ?>"[..],
            b"<svg/onload=alert(1)>",
            b"<IFRAME src=x>",
            b"<!DOCTYPE html>",
            b"JavaScript:alert(1)",
            b"%PDF-1.7",
            b"PK\x03\x04\x14\x00",
        ] {
            let jpeg = with_segment(&small_jpeg(), 0xFE, payload);
            assert_eq!(err(&jpeg), ImageError::Polyglot, "payload {payload:?}");
        }
    }

    #[test]
    fn png_with_plain_trailing_bytes_is_polyglot() {
        let mut png = small_png();
        png.extend(b"\0\0\0\0 some data hidden after IEND");
        assert_eq!(err(&png), ImageError::Polyglot);
    }

    #[test]
    fn webp_with_trailing_bytes_is_polyglot() {
        let mut webp = webp_of(&DynamicImage::ImageRgb8(gradient(8, 8)));
        webp.extend(b"hidden");
        assert_eq!(err(&webp), ImageError::Polyglot);
    }

    #[test]
    fn scan_ignores_near_misses_that_random_data_produces() {
        // What compressed pixels can contain by chance must not reject a real photo.
        assert!(!contains_foreign_content(
            b"..<svgX..<htmlQ..<bodyz..<script1.."
        ));
        assert!(!contains_foreign_content(b"..<?phpx..PK\x03\x04\xFF\x07.."));
        assert!(contains_foreign_content(b"..<svg>.."));
        assert!(contains_foreign_content(b"..<Script\n.."));
        assert!(contains_foreign_content(b"..<?php"));
    }

    #[test]
    fn huge_png_header_is_refused_before_decoding() {
        let png = huge_png();
        assert!(png.len() < 100);
        assert_eq!(
            err(&png),
            ImageError::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
        );
    }

    #[test]
    fn decoded_bytes_are_bounded_from_the_header_before_decoding() {
        let limits = ImageLimits::default();
        // 40 megapixels, within the pixel limit: RGB is 120 MB, RGBA 160 MB.
        let rgb = png_header(6_400, 6_250, 8, 2);
        let rgba = png_header(6_400, 6_250, 8, 6);
        let info = inspect(&rgb, &limits).unwrap();
        assert_eq!(
            (info.kind, info.width, info.height, info.decoded_bytes),
            (ImageKind::Png, 6_400, 6_250, 120_000_000)
        );
        assert_eq!(info.peak_bytes(), 240_000_000);
        // Judged without decoding: there are no pixels behind this header to decode.
        assert_eq!(process(&rgb, &limits), Err(ImageError::Corrupt));
        let too_many = ImageError::TooManyPixels {
            width: 6_400,
            height: 6_250,
        };
        assert_eq!(inspect(&rgba, &limits), Err(too_many));
        assert_eq!(
            process(&rgba, &limits).unwrap_err().to_string(),
            "The image is too large (6400 × 6250 pixels)."
        );
        // Sixteen bits a sample count double.
        assert!(inspect(&png_header(4_000, 4_000, 8, 2), &limits).is_ok());
        assert!(matches!(
            inspect(&png_header(5_000, 5_000, 16, 2), &limits),
            Err(ImageError::TooManyPixels { .. })
        ));
    }

    #[test]
    fn the_decoded_bytes_limit_is_exact() {
        let png = small_png(); // 32 × 24 RGB = 2,304 bytes decoded
        let at = |max_decoded_bytes| ImageLimits {
            max_decoded_bytes,
            ..ImageLimits::default()
        };
        assert_eq!(inspect(&png, &at(2_304)).unwrap().decoded_bytes, 2_304);
        assert!(process(&png, &at(2_304)).is_ok());
        assert_eq!(
            process(&png, &at(2_303)),
            Err(ImageError::TooManyPixels {
                width: 32,
                height: 24
            })
        );
    }

    #[test]
    fn huge_jpeg_header_is_refused_before_decoding() {
        assert_eq!(
            err(&huge_jpeg()),
            ImageError::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
        );
    }

    #[test]
    fn pixel_and_side_limits_apply() {
        let png = small_png(); // 32 × 24 = 768 pixels
        let few_pixels = ImageLimits {
            max_pixels: 767,
            ..ImageLimits::default()
        };
        assert_eq!(
            process(&png, &few_pixels),
            Err(ImageError::TooManyPixels {
                width: 32,
                height: 24
            })
        );
        let narrow = ImageLimits {
            max_side: 31,
            ..ImageLimits::default()
        };
        assert_eq!(
            process(&png, &narrow),
            Err(ImageError::TooManyPixels {
                width: 32,
                height: 24
            })
        );
        let exact = ImageLimits {
            max_pixels: 768,
            max_side: 32,
            ..ImageLimits::default()
        };
        assert!(process(&png, &exact).is_ok());
    }

    #[test]
    fn size_is_checked_first() {
        let png = small_png();
        let limits = ImageLimits {
            max_bytes: png.len() - 1,
            ..ImageLimits::default()
        };
        let too_large = ImageError::TooLarge {
            max_bytes: png.len() - 1,
        };
        assert_eq!(process(&png, &limits), Err(too_large));
        // Before sniffing: even a non-image is refused for its size.
        let text = vec![b'a'; png.len()];
        assert!(matches!(
            process(&text, &limits),
            Err(ImageError::TooLarge { .. })
        ));
        let at_limit = ImageLimits {
            max_bytes: png.len(),
            ..ImageLimits::default()
        };
        assert!(process(&png, &at_limit).is_ok());
    }

    #[test]
    fn truncated_images_are_refused() {
        let png = small_png();
        assert_eq!(err(&png[..png.len() / 2]), ImageError::Corrupt);
        assert_eq!(err(&png[..20]), ImageError::Corrupt);
        let jpeg = small_jpeg();
        assert!(process(&jpeg[..jpeg.len() / 3], &ImageLimits::default()).is_err());
        assert_eq!(err(&jpeg[..40]), ImageError::Corrupt);
        let webp = webp_of(&DynamicImage::ImageRgb8(gradient(8, 8)));
        assert!(process(&webp[..webp.len() / 2], &ImageLimits::default()).is_err());
    }

    #[test]
    fn random_bytes_after_png_signature_are_corrupt() {
        let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
        bytes.extend(Lcg(7).bytes(500));
        assert_eq!(err(&bytes), ImageError::Corrupt);
    }

    #[test]
    fn random_bytes_behind_each_magic_never_panic() {
        let magics: [&[u8]; 3] = [
            b"\xFF\xD8\xFF",
            b"\x89PNG\r\n\x1a\n",
            b"RIFF\x00\x01\x00\x00WEBPVP8 ",
        ];
        let mut rng = Lcg(0x5EED);
        for magic in magics {
            for i in 0..200 {
                let len = usize::from(rng.next_byte()) * 4 + i % 7;
                let mut bytes = magic.to_vec();
                bytes.extend(rng.bytes(len));
                // Reaching the assert at all means no panic; none of these is a real image.
                assert!(process(&bytes, &ImageLimits::default()).is_err());
            }
        }
    }

    #[test]
    fn messages_are_for_people() {
        let max = ImageLimits::default().max_bytes;
        assert_eq!(
            ImageError::TooLarge { max_bytes: max }.to_string(),
            "The image is larger than 10 MB."
        );
        assert_eq!(
            ImageError::TooLarge { max_bytes: 2048 }.to_string(),
            "The image is larger than 2 KB."
        );
        assert_eq!(
            ImageError::NotAnImage.to_string(),
            "Only JPEG, PNG and WebP images can be attached."
        );
        assert_eq!(
            ImageError::Polyglot.to_string(),
            "This file is not a plain image."
        );
        assert_eq!(
            ImageError::TooManyPixels {
                width: 60_000,
                height: 60_000
            }
            .to_string(),
            "The image is too large (60000 × 60000 pixels)."
        );
        assert_eq!(
            ImageError::Corrupt.to_string(),
            "The image could not be read."
        );
    }
}
