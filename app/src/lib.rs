//! Ripen's application crate: the UI, the types shared by browser and server, and the
//! server functions. Built with `ssr` for the server and with `hydrate` for the browser;
//! server-only code sits in `ssr` modules so SeaORM and friends never reach wasm32.

#![recursion_limit = "256"]

pub mod account;
pub mod clock;
pub mod components;
pub mod consent;
pub mod diary;
pub mod error;
pub mod focus;
pub mod format;
pub mod i18n;
pub mod letters;
#[cfg(feature = "ssr")]
pub mod mail;
#[cfg(feature = "ssr")]
pub mod markdown;
pub mod notifications;
pub mod offline;
pub mod pages;
pub mod policy;
pub mod prefs;
pub mod privacy;
#[cfg(feature = "ssr")]
pub mod request;
pub mod routes;
pub mod system;
#[cfg(feature = "ssr")]
pub mod time;
pub mod wall;

pub use error::{AppError, FieldError, FieldErrors, ResultExt};

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::Router;

/// The HTML document around the app. Rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The theme is decided before the first byte, so the first paint has the right colours.
    let prefs = prefs::current();
    let theme = prefs.theme;
    view! {
        <!DOCTYPE html>
        <html lang=prefs.lang.tag() data-theme=theme.as_str()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="color-scheme" content=theme.color_scheme() />
                <AutoReload options=options.clone() />
                <HashedStylesheet options=options.clone() id="ripen-css" />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: meta tags, router and layout.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Link rel="icon" href="/favicon.svg" type_="image/svg+xml" />
        <Link rel="manifest" href="/manifest.webmanifest" />
        <Link rel="apple-touch-icon" href="/icons/apple-touch-icon.png" />
        <Meta name="theme-color" content="#c2410c" />
        <Title formatter=|title: String| {
            let brand = i18n::t().shell.brand;
            if title.is_empty() { brand.to_owned() } else { format!("{title} · {brand}") }
        } />
        <Router>
            <components::layout::Layout>
                <routes::AppRoutes />
            </components::layout::Layout>
        </Router>
    }
}

/// Marks the document as hydrated (`<html data-hydrated>`), so tests and styles can tell
/// server-rendered HTML from a running app.
pub fn mark_hydrated() {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", "true");
    }
}
