//! Where a chart's texts go and how much room they take, so the geometry can keep every
//! label inside the `viewBox` (outside it a label is cut off: "Jan…", "De").
//!
//! The server cannot measure text, so widths are estimated from the characters, on the
//! generous side: a CJK character 1.05 em, `m`/`w`/`M`/`W` 1 em, other capitals 0.8 em,
//! digits 0.72 em, other letters 0.66 em, spaces and narrow letters and punctuation 0.4 em.
//! Measured in chromium with DejaVu Sans, a wide fallback sans, with Chinese pages' 0.01 em
//! letter spacing: digits 0.65 em (0.71 in the bold of the bar values), lowercase at most
//! 0.65 (`m` 0.99), capitals at most 0.8 (`W` 1.0), CJK 1.02; so a label that fits here fits
//! on the page, which end2end/tests/rough_edges.spec.ts checks in the browser.

/// The charts' text size in viewBox units (`.chart text { font-size: 10px }` in
/// `style/main.css`).
pub const FONT: f64 = 10.0;
/// Above and below the baseline, as shares of the text size.
const ASCENT: f64 = 0.8;
const DESCENT: f64 = 0.25;

/// Estimated width of `text` at [`FONT`], in viewBox units.
pub fn text_width(text: &str) -> f64 {
    text.chars().map(char_width).sum::<f64>() * FONT
}

fn char_width(c: char) -> f64 {
    if is_wide(c) || c == '…' {
        1.05
    } else if matches!(c, 'M' | 'W' | 'm' | 'w' | '%' | '@') {
        1.0
    } else if c.is_uppercase() {
        0.8
    } else if c.is_ascii_digit() {
        0.72
    } else if matches!(
        c,
        ' ' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' | 'i' | 'l' | 'j'
    ) {
        0.4
    } else {
        0.66
    }
}

/// East Asian wide and fullwidth characters (CJK, kana, Hangul, fullwidth forms).
fn is_wide(c: char) -> bool {
    matches!(c as u32,
        0x1100..=0x115F
        | 0x2E80..=0x303E
        | 0x3041..=0x33FF
        | 0x3400..=0x4DBF
        | 0x4E00..=0x9FFF
        | 0xA000..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD)
}

/// `label` cut to at most `max_chars` characters (on a character boundary), ending in "…"
/// when it was cut.
pub fn shorten(label: &str, max_chars: usize) -> String {
    if label.chars().count() <= max_chars {
        return label.to_owned();
    }
    let mut s: String = label
        .chars()
        .take(max_chars.saturating_sub(1).max(1))
        .collect();
    s.push('…');
    s
}

/// Which end of a text sits at its `x` (SVG `text-anchor`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Middle => "middle",
            Self::End => "end",
        }
    }
}

/// A text placed in a chart: its anchor point on the baseline, and a rotation about that
/// point in degrees (negative turns it anticlockwise, as SVG's `rotate()`).
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub text: String,
    pub x: f64,
    pub y: f64,
    pub anchor: Anchor,
    pub rotate: f64,
}

/// An axis-aligned box: left, top, right, bottom.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    pub left: f64,
    pub top: f64,
    pub right: f64,
    pub bottom: f64,
}

impl Bounds {
    /// Whether this box lies within `0..=width` × `0..=height`.
    pub fn inside(&self, width: f64, height: f64) -> bool {
        self.left >= 0.0 && self.top >= 0.0 && self.right <= width && self.bottom <= height
    }

    /// Whether two boxes share any area.
    pub fn overlaps(&self, other: &Bounds) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

impl Placed {
    /// The estimated box the drawn text covers.
    pub fn bounds(&self) -> Bounds {
        let w = text_width(&self.text);
        let start = match self.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -w / 2.0,
            Anchor::End => -w,
        };
        let (a, d) = (ASCENT * FONT, DESCENT * FONT);
        let (sin, cos) = self.rotate.to_radians().sin_cos();
        let corners = [(start, -a), (start + w, -a), (start, d), (start + w, d)]
            .map(|(px, py)| (self.x + px * cos - py * sin, self.y + px * sin + py * cos));
        let xs = corners.map(|c| c.0);
        let ys = corners.map(|c| c.1);
        Bounds {
            left: xs.iter().copied().fold(f64::INFINITY, f64::min),
            top: ys.iter().copied().fold(f64::INFINITY, f64::min),
            right: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            bottom: ys.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// The SVG `transform` of a rotated text (none when it is level).
    pub fn transform(&self) -> Option<String> {
        (self.rotate != 0.0).then(|| {
            format!(
                "rotate({} {} {})",
                super::coord(self.rotate),
                super::coord(self.x),
                super::coord(self.y)
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_count_wide_characters_as_a_full_em() {
        assert_eq!(text_width(""), 0.0);
        assert!((text_width("Nov 26") - (8.0 + 6.6 + 6.6 + 4.0 + 7.2 + 7.2)).abs() < 1e-9);
        assert!((text_width("11月24日") - (4.0 * 7.2 + 2.0 * 10.5)).abs() < 1e-9);
    }

    #[test]
    fn shortening_cuts_on_a_character_boundary() {
        assert_eq!(shorten("Writing", 10), "Writing");
        assert_eq!(shorten("A very long category", 8), "A very …");
        assert_eq!(shorten("非常非常长的标签名字", 4), "非常非…");
        assert_eq!(shorten("ab", 1), "a…");
    }

    #[test]
    fn level_text_bounds_follow_the_anchor() {
        let t = |anchor| Placed {
            text: "ab".into(),
            x: 100.0,
            y: 50.0,
            anchor,
            rotate: 0.0,
        };
        let b = t(Anchor::Start).bounds();
        assert!((b.left - 100.0).abs() < 1e-9 && (b.right - 113.2).abs() < 1e-9);
        assert!((b.top - 42.0).abs() < 1e-9 && (b.bottom - 52.5).abs() < 1e-9);
        let b = t(Anchor::End).bounds();
        assert!((b.left - 86.8).abs() < 1e-9 && (b.right - 100.0).abs() < 1e-9);
        let b = t(Anchor::Middle).bounds();
        assert!((b.left - 93.4).abs() < 1e-9 && (b.right - 106.6).abs() < 1e-9);
        assert_eq!(t(Anchor::Start).transform(), None);
    }

    #[test]
    fn a_text_turned_anticlockwise_hangs_down_and_left_of_its_end() {
        let p = Placed {
            text: "abcdefghkn".into(), // 66 units
            x: 100.0,
            y: 50.0,
            anchor: Anchor::End,
            rotate: -45.0,
        };
        let b = p.bounds();
        let h = std::f64::consts::FRAC_1_SQRT_2;
        assert!((b.left - (100.0 - h * (66.0 + 8.0))).abs() < 1e-9, "{b:?}");
        assert!((b.bottom - (50.0 + h * (66.0 + 2.5))).abs() < 1e-9, "{b:?}");
        assert!((b.top - (50.0 - h * 8.0)).abs() < 1e-9, "{b:?}");
        assert!((b.right - (100.0 + h * 2.5)).abs() < 1e-9, "{b:?}");
        assert_eq!(p.transform().as_deref(), Some("rotate(-45 100 50)"));
    }
}
