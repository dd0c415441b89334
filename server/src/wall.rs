//! The wall's HTTP extras: `sitemap.xml`, `robots.txt`, and a page cache that makes
//! repeat views of the public wall cheap.
//!
//! **Page cache.** Visitors without a session all see the same wall pages, so a rendered
//! `/wall…` page is kept in memory and served again until the wall changes
//! ([`app::wall::ssr::generation`], bumped by every delivery of a public letter, hide,
//! unpublish or like, here or — on PostgreSQL, through `app::broadcast` — on another
//! instance) or [`TTL`] passes (a backstop, should news from another instance be lost). Each response still gets its own CSP nonce: the cached HTML's
//! nonce is replaced by the fresh one. A page is known by its path and the parameters it
//! reads (`cache_path`): others make no new entry; a search (`?q=`) is never kept. Responses carry an `ETag` (of the page without its
//! nonce) and `Cache-Control: no-cache`, so a browser revalidates and gets `304` while
//! nothing changed. Signed-in visitors (who see their own likes) always get a fresh
//! render.

use std::{
    collections::HashMap,
    hash::{Hash, Hasher},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};

use app::{account::ssr::session, consent::ssr as consent, request::CspNonce};

use crate::AppState;

/// How long a cached page may be served without news of a change.
pub const TTL: Duration = Duration::from_secs(10);
/// Cached pages at most; beyond, the cache starts over.
const MAX_ENTRIES: usize = 2_000;
/// Largest page kept.
const MAX_BODY: usize = 2 * 1024 * 1024;
/// Letters listed in `sitemap.xml` (the protocol's limit per file).
const SITEMAP_MAX: u64 = 50_000;

struct Entry {
    generation: u64,
    at: Instant,
    content_type: HeaderValue,
    body: String,
    nonce: String,
    etag: HeaderValue,
}

#[derive(Clone, Default)]
pub struct PageCache {
    entries: Arc<Mutex<HashMap<String, Entry>>>,
}

fn is_wall_page(req: &Request) -> bool {
    let path = req.uri().path();
    req.method() == Method::GET
        && (path == "/wall" || (path.starts_with("/wall/") && !path.contains("/images/")))
}

/// The query parameters a wall page reads (`pages::wall`: the topic and the page cursor).
const PAGE_PARAMS: [&str; 2] = ["topic", "after"];
/// Longest kept value of one of them; a longer one is not cached.
const MAX_PARAM: usize = 200;

/// The page a request shows, as the cache knows it: its path and the parameters the page
/// reads, in one order. Parameters it does not read (`?utm_source=…`, `?x=1`, `?x=2`…)
/// show the same page and make no new entry, so nobody can flood the cache with them;
/// `None` (not cached) for a value no page makes.
fn cache_path(uri: &http::Uri) -> Option<String> {
    let mut kept: Vec<(&str, &str)> = Vec::new();
    for pair in uri.query().unwrap_or_default().split('&') {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        // A search (`?q=`) is never cached: anyone could fill the cache with searches,
        // and each is cheap for the index to answer.
        if name == "q" && !value.is_empty() {
            return None;
        }
        if PAGE_PARAMS.contains(&name) {
            if value.len() > MAX_PARAM || kept.iter().any(|(n, _)| *n == name) {
                return None;
            }
            kept.push((name, value));
        }
    }
    kept.sort_unstable();
    let query: Vec<String> = kept.iter().map(|(n, v)| format!("{n}={v}")).collect();
    Some(if query.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{}", uri.path(), query.join("&"))
    })
}

fn has_session(headers: &HeaderMap) -> bool {
    has_cookie(headers, &[session::SECURE_COOKIE, session::PLAIN_COOKIE])
}

fn has_cookie(headers: &HeaderMap, names: &[&str]) -> bool {
    headers.get_all(header::COOKIE).iter().any(|v| {
        v.to_str().is_ok_and(|c| {
            c.split(';').any(|p| {
                let name = p.trim().split('=').next().unwrap_or("");
                names.contains(&name)
            })
        })
    })
}

fn etag_of(body: &str, nonce: &str) -> HeaderValue {
    let mut h = std::hash::DefaultHasher::new();
    body.replace(nonce, "").hash(&mut h);
    HeaderValue::from_str(&format!("\"w{:016x}\"", h.finish()))
        .unwrap_or(HeaderValue::from_static("\"w\""))
}

fn not_modified(req_headers: &HeaderMap, etag: &HeaderValue) -> bool {
    req_headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || t.trim().as_bytes() == etag.as_bytes())
}

fn page_response(content_type: HeaderValue, body: String, etag: HeaderValue) -> Response {
    let mut res = Response::new(Body::from(body));
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, content_type);
    h.insert(header::ETAG, etag);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

fn not_modified_response(etag: HeaderValue) -> Response {
    let mut res = StatusCode::NOT_MODIFIED.into_response();
    res.headers_mut().insert(header::ETAG, etag);
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

pub async fn page_cache(State(cache): State<PageCache>, req: Request, next: Next) -> Response {
    if !is_wall_page(&req) || has_session(req.headers()) {
        return next.run(req).await;
    }
    let Some(nonce) = req.extensions().get::<CspNonce>().map(|n| n.0.clone()) else {
        return next.run(req).await;
    };
    // Pages differ by whether the visitor has answered the privacy dialog, ...
    let answered = has_cookie(
        req.headers(),
        &[consent::cookie_name(true), consent::cookie_name(false)],
    );
    // ... and by the theme and language they are rendered in.
    let prefs = req
        .extensions()
        .get::<app::prefs::Prefs>()
        .copied()
        .unwrap_or_default();
    let Some(page) = cache_path(req.uri()) else {
        return next.run(req).await;
    };
    let key = format!(
        "{}{}:{}:{page}",
        if answered { "a:" } else { "q:" },
        prefs.theme.as_str(),
        prefs.lang.tag(),
    );
    let generation = app::wall::ssr::generation();
    let req_headers = req.headers().clone();
    let hit = {
        let entries = cache.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(&key).and_then(|e| {
            (e.generation == generation && e.at.elapsed() < TTL).then(|| {
                (
                    e.content_type.clone(),
                    e.body.replace(&e.nonce, &nonce),
                    e.etag.clone(),
                )
            })
        })
    };
    if let Some((content_type, body, etag)) = hit {
        if not_modified(&req_headers, &etag) {
            return not_modified_response(etag);
        }
        return page_response(content_type, body, etag);
    }

    let res = next.run(req).await;
    if res.status() != StatusCode::OK || res.headers().contains_key(header::SET_COOKIE) {
        return res;
    }
    let (parts, body) = res.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(error = %e, "a wall page could not be read for the cache");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Ok(body) = String::from_utf8(bytes.to_vec()) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    let etag = etag_of(&body, &nonce);
    {
        let mut entries = cache.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            key,
            Entry {
                generation,
                at: Instant::now(),
                content_type: content_type.clone(),
                body: body.clone(),
                nonce,
                etag: etag.clone(),
            },
        );
    }
    if not_modified(&req_headers, &etag) {
        return not_modified_response(etag);
    }
    page_response(content_type, body, etag)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// `GET /sitemap.xml`: the public pages and every letter on the wall.
pub async fn sitemap(State(state): State<AppState>) -> Response {
    let site = state.config.site_origin().to_owned();
    let letters = match app::wall::ssr::sitemap(&state.db, SITEMAP_MAX).await {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, "sitemap query failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let mut xml = String::with_capacity(200 + letters.len() * 120);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in ["/", "/wall"] {
        xml.push_str(&format!(
            "  <url><loc>{}</loc></url>\n",
            xml_escape(&format!("{site}{path}"))
        ));
    }
    for (id, delivered_ms) in letters {
        let day = DateTime::<Utc>::from_timestamp_millis(delivered_ms)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        xml.push_str(&format!(
            "  <url><loc>{}</loc><lastmod>{day}</lastmod></url>\n",
            xml_escape(&format!("{site}/wall/{id}"))
        ));
    }
    xml.push_str("</urlset>\n");
    (
        [
            (header::CONTENT_TYPE, "application/xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=600"),
        ],
        xml,
    )
        .into_response()
}

/// `GET /robots.txt`: the public pages may be indexed; accounts, letters and APIs not.
pub async fn robots(State(state): State<AppState>) -> Response {
    let site = state.config.site_origin();
    let body = format!(
        "User-agent: *\n\
         Allow: /$\n\
         Allow: /wall\n\
         Disallow: /api/\n\
         Disallow: /l/\n\
         Disallow: /letters\n\
         Disallow: /account\n\
         Disallow: /admin\n\
         Disallow: /diary\n\
         Disallow: /timer\n\
         Sitemap: {site}/sitemap.xml\n"
    );
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_knows_a_page_by_the_parameters_it_reads() {
        let path = |u: &str| cache_path(&u.parse::<http::Uri>().unwrap());
        assert_eq!(path("/wall").as_deref(), Some("/wall"));
        assert_eq!(path("/wall?utm_source=x&x=1").as_deref(), Some("/wall"));
        assert_eq!(path("/wall?x=2").as_deref(), Some("/wall"), "no new entry");
        assert_eq!(
            path("/wall?x=1&topic=joy&after=abc").as_deref(),
            Some("/wall?after=abc&topic=joy"),
            "one order"
        );
        assert_eq!(
            path("/wall?after=abc&topic=joy"),
            path("/wall?topic=joy&after=abc")
        );
        assert_eq!(path("/wall/123?ref=mail").as_deref(), Some("/wall/123"));
        assert_eq!(path(&format!("/wall?after={}", "a".repeat(300))), None);
        assert_eq!(path("/wall?topic=a&topic=b"), None, "ambiguous: not cached");
        assert_eq!(path("/wall?q=plum"), None, "searches are not cached");
        assert_eq!(path("/wall?topic=joy&q=%E6%A8%B1&after=1-a"), None);
        assert_eq!(
            path("/wall?q=").as_deref(),
            Some("/wall"),
            "an empty search is the wall"
        );
    }

    #[test]
    fn etags_ignore_the_nonce_and_match_lists() {
        let a = etag_of("<script nonce=\"AAA\">x</script>", "AAA");
        let b = etag_of("<script nonce=\"BBB\">x</script>", "BBB");
        assert_eq!(a, b);
        assert_ne!(a, etag_of("<script nonce=\"AAA\">y</script>", "AAA"));
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(&format!("\"x\", {}", a.to_str().unwrap())).unwrap(),
        );
        assert!(not_modified(&h, &a));
        assert!(!not_modified(&HeaderMap::new(), &a));
    }

    #[test]
    fn session_cookies_are_recognised_by_name_only() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; ripen_session=abc"),
        );
        assert!(has_session(&h));
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("not_ripen_session=abc"),
        );
        assert!(!has_session(&h));
    }

    #[test]
    fn sitemap_text_is_escaped() {
        assert_eq!(xml_escape("a&b<c>\"'"), "a&amp;b&lt;c&gt;&quot;&apos;");
    }
}
