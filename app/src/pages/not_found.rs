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
    let t = &crate::i18n::t().shell;
    view! {
        <Title text=t.not_found_title />
        <section class="notice container" aria-labelledby="page-title">
            <p class="code" aria-hidden="true">"404"</p>
            <h1 id="page-title">{t.not_found_heading}</h1>
            <p class="lede notice-lede">{t.not_found_body}</p>
            <A href="/" attr:class="button button-primary">{t.go_home}</A>
        </section>
    }
}
