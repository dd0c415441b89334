//! Formatting shared by the server and the browser.

/// A size as people read it: "10 MB", "1.5 MB", "340 KB", "12 bytes" (binary units).
pub fn human_size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB {
        format!("{} KB", bytes / KIB)
    } else {
        crate::i18n::t().shell.size_bytes.count(bytes)
    }
}

/// A wall-clock time, "09:05": the browser's local time (UTC on the server, whose
/// rendering the browser replaces).
pub fn clock_time(ms: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
        format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|d| d.format("%H:%M").to_string())
            .unwrap_or_default()
    }
}

#[cfg(feature = "ssr")]
/// An instant as the account pages show it, in the owner's time zone and the request's
/// language: "24 Nov 2026, 09:14" · "2026年11月24日 09:14".
pub fn instant_in(at: chrono::DateTime<chrono::FixedOffset>, timezone: &str) -> String {
    let tz: chrono_tz::Tz = timezone.parse().unwrap_or(chrono_tz::UTC);
    let at = at.with_timezone(&tz);
    match crate::i18n::lang() {
        crate::i18n::Lang::En => at.format("%-d %b %Y, %H:%M").to_string(),
        lang => format!(
            "{} {}",
            crate::i18n::date_in(lang, &at, crate::i18n::DateStyle::Long),
            at.format("%H:%M")
        ),
    }
}

// The countdown ring of the timer and of the landing page's demo.
/// Circumference of the ring (r = 54).
pub const RING: f64 = 339.292;

/// `m:ss` for the remaining milliseconds, rounding up so the display reaches 0:00 only
/// when the time is really over.
pub fn format_remaining(ms: f64) -> String {
    let secs = (ms.max(0.0) / 1000.0).ceil() as u64;
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::{format_remaining, human_size};

    #[test]
    fn formats_and_rounds_up() {
        assert_eq!(format_remaining(60_000.0), "1:00");
        assert_eq!(format_remaining(59_001.0), "1:00");
        assert_eq!(format_remaining(59_000.0), "0:59");
        assert_eq!(format_remaining(1.0), "0:01");
        assert_eq!(format_remaining(0.0), "0:00");
        assert_eq!(format_remaining(-5.0), "0:00");
        assert_eq!(format_remaining(25.0 * 60_000.0), "25:00");
    }

    #[test]
    fn sizes_read_naturally() {
        assert_eq!(human_size(10 * 1024 * 1024), "10 MB");
        assert_eq!(human_size(1536 * 1024), "1.5 MB");
        assert_eq!(human_size(340 * 1024 + 5), "340 KB");
        assert_eq!(human_size(12), "12 bytes");
    }
}
