//! The 404 page. On the server it also sets the response status.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="notice container" aria-labelledby="page-title">
            <p class="code" aria-hidden="true">"404"</p>
            <h1 id="page-title">"This page has not ripened"</h1>
            <p class="lede notice-lede">
                "The address may be mistyped, or the page may have moved."
            </p>
            <A href="/" attr:class="button button-primary">"Go to the start"</A>
        </section>
    }
}
