//! `/`: what Ripen is, for a visitor who has never heard of it.

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::components::A;

use crate::components::{
    focus_demo::FocusDemo,
    icons::{Icon, Svg},
};

#[component]
pub fn Landing() -> impl IntoView {
    let t = &crate::i18n::t().landing;
    view! {
        <Title text="" />
        // Pages with their own description (the wall) set it themselves; one per page.
        <Meta
            name="description"
            content=t.description
        />
        <div class="container">
            <section class="hero" aria-labelledby="hero-title">
                <div>
                    <span class="eyebrow">{t.eyebrow}</span>
                    <h1 id="hero-title">{t.hero_title}</h1>
                    <p class="lede">
                        {t.hero_lede}
                    </p>
                    <div class="hero-actions">
                        <A href="/timer" attr:class="button button-primary">{t.start_focusing}</A>
                        <A href="/letters" attr:class="button button-quiet">{t.write_letter}</A>
                    </div>
                </div>
                <FocusDemo />
            </section>

            <section class="features" aria-label=t.features_label>
                <article class="feature card">
                    <Svg icon=Icon::Timer />
                    <h3>{t.timer_title}</h3>
                    <p>{t.timer_body}</p>
                </article>
                <article class="feature card">
                    <Svg icon=Icon::Diary />
                    <h3>{t.diary_title}</h3>
                    <p>{t.diary_body}</p>
                </article>
                <article class="feature card">
                    <Svg icon=Icon::Letter />
                    <h3>{t.letters_title}</h3>
                    <p>{t.letters_body}</p>
                </article>
            </section>

            <section class="promise card" aria-labelledby="promise-title">
                <div>
                    <span class="eyebrow">{t.promise_eyebrow}</span>
                    <h2 id="promise-title">{t.promise_title}</h2>
                </div>
                <ul>
                    <li>{t.promise_collect}</li>
                    <li>{t.promise_no_ads}</li>
                    <li>{t.promise_export}</li>
                    <li>{t.promise_anonymous}</li>
                </ul>
            </section>
        </div>
    }
}
