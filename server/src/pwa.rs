//! `GET /sw.js`: the service worker, with this build's version and the files it precaches
//! (see `pwa/sw.js`). The version is derived from the hashed asset names, so every build
//! gets a new worker and the page offers "reload" instead of mixing versions.

use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, header};
use leptos::config::LeptosOptions;
use std::sync::Arc;

const WORKER: &str = include_str!("pwa/sw.js");

/// Files every build precaches besides its own bundle.
const STATIC: [&str; 8] = [
    "/offline.html",
    "/offline.css",
    "/favicon.svg",
    "/manifest.webmanifest",
    "/icons/icon-192.png",
    "/icons/icon-512.png",
    "/icons/maskable-512.png",
    "/icons/apple-touch-icon.png",
];

/// The script, built once per process.
#[derive(Clone)]
pub struct ServiceWorker(Arc<String>);

impl ServiceWorker {
    pub fn new(options: &LeptosOptions) -> Self {
        let name = &options.output_name;
        let pkg = &options.site_pkg_dir;
        let hashes = options
            .hash_files
            .then(crate::hash_file)
            .flatten()
            .and_then(|path| std::fs::read_to_string(path).ok());
        let (files, version) = match hashes {
            Some(text) => {
                let hash = |kind: &str| {
                    text.lines()
                        .filter_map(|l| l.split_once(':'))
                        .find(|(k, _)| k.trim() == kind)
                        .map(|(_, h)| h.trim().to_owned())
                        .unwrap_or_default()
                };
                let (js, wasm, css) = (hash("js"), hash("wasm"), hash("css"));
                (
                    vec![
                        format!("/{pkg}/{name}.{js}.js"),
                        format!("/{pkg}/{name}.{wasm}.wasm"),
                        format!("/{pkg}/{name}.{css}.css"),
                    ],
                    format!("{js}-{wasm}-{css}"),
                )
            }
            // Development builds: plain names, a version per process start.
            None => (
                vec![
                    format!("/{pkg}/{name}.js"),
                    format!("/{pkg}/{name}_bg.wasm"),
                    format!("/{pkg}/{name}.css"),
                ],
                format!("dev-{}", chrono::Utc::now().timestamp_millis()),
            ),
        };
        let precache: Vec<String> = files
            .into_iter()
            .chain(STATIC.iter().map(|s| (*s).to_owned()))
            .collect();
        let script = format!(
            "const VERSION = {};\nconst PRECACHE = {};\n{WORKER}",
            serde_json::Value::String(version),
            serde_json::Value::from(precache),
        );
        Self(Arc::new(script))
    }
}

pub async fn script(State(sw): State<ServiceWorker>) -> Response {
    let mut res = sw.0.as_str().to_owned().into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    // Browsers check for a new worker on navigation; never let a cache answer for it.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worker_names_this_builds_files_and_a_version() {
        let options = LeptosOptions::builder().output_name("ripen").build();
        let ServiceWorker(script) = ServiceWorker::new(&options);
        assert!(script.starts_with("const VERSION = \"dev-"), "{script}");
        assert!(script.contains("\"/pkg/ripen_bg.wasm\""));
        assert!(script.contains("\"/offline.html\""));
        assert!(script.contains("self.addEventListener(\"fetch\""));
    }
}
