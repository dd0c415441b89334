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
        // Every hash the build wrote (js, wasm, css and, when split, the chunk manifest and
        // its loader): a page's code changing anywhere gives a new worker.
        let version = match &hashes {
            Some(text) => text
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(_, h)| h.trim())
                .collect::<Vec<_>>()
                .join("-"),
            // Development builds: plain names, a version per process start.
            None => format!("dev-{}", chrono::Utc::now().timestamp_millis()),
        };
        let dir = std::path::Path::new(options.site_root.as_ref()).join(pkg.as_ref());
        let files = bundle_files(&dir, pkg).unwrap_or_else(|| {
            vec![
                format!("/{pkg}/{name}.js"),
                format!("/{pkg}/{name}_bg.wasm"),
                format!("/{pkg}/{name}.css"),
            ]
        });
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

/// This build's files, as the browser asks for them: the scripts, WebAssembly and styles in
/// the bundle's directory (cargo-leptos empties it before each build), so the split build's
/// chunks and their loader are precached with the main bundle and every page still opens
/// offline. Nothing else there is fetched by a page (the precompressed `.br`/`.gz` copies,
/// the TypeScript declarations, the split manifest, which the server reads), so none of it
/// is downloaded. `None` when the directory cannot be read (no build beside this process).
fn bundle_files(dir: &std::path::Path, pkg: &str) -> Option<Vec<String>> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| [".js", ".wasm", ".css"].iter().any(|ext| n.ends_with(ext)))
        .map(|n| format!("/{pkg}/{n}"))
        .collect();
    files.sort();
    (!files.is_empty()).then_some(files)
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

    #[test]
    fn the_worker_precaches_every_file_a_split_build_loads_and_nothing_else() {
        let root = std::env::temp_dir().join(format!("ripen-sw-{}", uuid::Uuid::new_v4()));
        let pkg = root.join("pkg");
        std::fs::create_dir_all(&pkg).expect("temp dir");
        for f in [
            "ripen.abc.js",
            "ripen.abc.wasm",
            "ripen.abc.wasm.br",
            "ripen.abc.css",
            "ripen.abc.css.gz",
            "__wasm_split.def.js",
            "__wasm_split_manifest.ghi.json",
            "split_timer_route_1.jkl.wasm",
            "ripen.d.ts",
            "ripen_bg.wasm.d.ts",
        ] {
            std::fs::write(pkg.join(f), b"x").expect("temp file");
        }
        let options = LeptosOptions::builder()
            .output_name("ripen")
            .site_root(root.to_string_lossy().into_owned())
            .build();
        let ServiceWorker(script) = ServiceWorker::new(&options);
        let _ = std::fs::remove_dir_all(&root);
        let line = script.lines().nth(1).expect("the precache line");
        let precache: Vec<String> = serde_json::from_str(
            line.trim_start_matches("const PRECACHE = ")
                .trim_end_matches(';'),
        )
        .expect("a JSON list");
        for f in [
            "/pkg/ripen.abc.js",
            "/pkg/ripen.abc.wasm",
            "/pkg/ripen.abc.css",
            "/pkg/__wasm_split.def.js",
            "/pkg/split_timer_route_1.jkl.wasm",
            "/offline.html",
        ] {
            assert!(
                precache.iter().any(|p| p == f),
                "{f} missing from {precache:?}"
            );
        }
        // Exactly the files a page loads: no compressed copy, declaration or manifest.
        let bundle: Vec<&str> = precache
            .iter()
            .filter(|p| p.starts_with("/pkg/"))
            .map(String::as_str)
            .collect();
        assert_eq!(
            bundle,
            [
                "/pkg/__wasm_split.def.js",
                "/pkg/ripen.abc.css",
                "/pkg/ripen.abc.js",
                "/pkg/ripen.abc.wasm",
                "/pkg/split_timer_route_1.jkl.wasm",
            ]
        );
    }
}
