//! What a `User-Agent` says, kept to names a person recognises: the browser family and
//! the system, never versions or device models.

/// The browser family a `User-Agent` names, if it is one Ripen knows. The order matters:
/// Edge and Opera also say "Chrome", Chrome also says "Safari".
pub fn browser_family(ua: &str) -> Option<&'static str> {
    Some(if ua.contains("MicroMessenger/") {
        "WeChat"
    } else if ua.contains("Edg/") || ua.contains("EdgA/") || ua.contains("EdgiOS/") {
        "Edge"
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        "Opera"
    } else if ua.contains("SamsungBrowser/") {
        "Samsung Internet"
    } else if ua.contains("Firefox/") || ua.contains("FxiOS/") {
        "Firefox"
    } else if ua.contains("HeadlessChrome/") {
        "Headless Chrome"
    } else if ua.contains("Chrome/") || ua.contains("CriOS/") || ua.contains("Chromium/") {
        "Chrome"
    } else if ua.contains("Safari/") && ua.contains("Version/") {
        "Safari"
    } else if ua.starts_with("curl/") {
        "curl"
    } else {
        return None;
    })
}

/// The system a `User-Agent` names, if it is one Ripen knows.
pub fn system(ua: &str) -> Option<&'static str> {
    Some(if ua.contains("iPhone") {
        "iPhone"
    } else if ua.contains("iPad") {
        "iPad"
    } else if ua.contains("Android") {
        "Android"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("CrOS") {
        "ChromeOS"
    } else if ua.contains("Linux") {
        "Linux"
    } else {
        return None;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_told_apart_by_family_only() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36",
                Some("Chrome"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
                Some("Edge"),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                Some("Firefox"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                Some("Safari"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 Mobile Safari/537.36 MicroMessenger/8.0.40",
                Some("WeChat"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0 Mobile Safari/537.36",
                Some("Samsung Internet"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0) Chrome/120.0 Safari/537.36 OPR/106.0",
                Some("Opera"),
            ),
            ("curl/8.0", Some("curl")),
            ("something else", None),
        ];
        for (ua, family) in cases {
            assert_eq!(browser_family(ua), family, "{ua}");
        }
        assert_eq!(
            system("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"),
            Some("iPhone")
        );
    }
}
