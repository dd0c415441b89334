//! Wall-clock time for code that runs in both places.

/// Milliseconds since the Unix epoch: the one clock reading of server code (stored `*_ms`
/// columns) and browser code (the timer's display).
pub fn now_ms() -> i64 {
    #[cfg(feature = "hydrate")]
    {
        // `Date.now()` is a whole number of milliseconds, well inside i64.
        js_sys::Date::now() as i64
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::Utc::now().timestamp_millis()
    }
}

/// The browser's IANA time zone (e.g. `Europe/Berlin`); `None` on the server or if the
/// browser does not say.
pub fn browser_timezone() -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        let format =
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        None
    }
}
