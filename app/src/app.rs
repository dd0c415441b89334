//! The HTML document and the application root: meta tags, router, layout.

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, Link, Meta, MetaTags, Title, provide_meta_context};
use leptos_router::components::Router;

use crate::{components::layout::Layout, routes::AppRoutes};

/// The HTML document around the app. Rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    // The theme is decided before the first byte, so the first paint has the right colours.
    let prefs = crate::prefs::current();
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
            let brand = crate::i18n::t().shell.brand;
            if title.is_empty() { brand.to_owned() } else { format!("{title} · {brand}") }
        } />
        <Router>
            <Layout>
                <AppRoutes />
            </Layout>
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
