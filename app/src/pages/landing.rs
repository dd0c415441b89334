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
    view! {
        <Title text="" />
        // Pages with their own description (the wall) set it themselves; one per page.
        <Meta
            name="description"
            content="Ripen: a focus timer, a diary of your days, and letters to your future self."
        />
        <div class="container">
            <section class="hero" aria-labelledby="hero-title">
                <div>
                    <span class="eyebrow">"Focus · Diary · Letters"</span>
                    <h1 id="hero-title">"Focus today. Write to who you\u{2019}ll become."</h1>
                    <p class="lede">
                        "Ripen is a calm place to do deep work in pomodoros, keep an honest diary of your days, "
                        "and write letters that reach your future self on the day you choose."
                    </p>
                    <div class="hero-actions">
                        <A href="/timer" attr:class="button button-primary">"Start focusing"</A>
                        <A href="/letters" attr:class="button button-quiet">"Write a letter"</A>
                    </div>
                </div>
                <FocusDemo />
            </section>

            <section class="features" aria-label="What Ripen does">
                <article class="feature card">
                    <Svg icon=Icon::Timer />
                    <h3>"A timer that never drifts"</h3>
                    <p>"Pomodoros with tasks, tags and notes, kept to the second across your phone, laptop and a sleeping screen."</p>
                </article>
                <article class="feature card">
                    <Svg icon=Icon::Diary />
                    <h3>"A diary that adds up"</h3>
                    <p>"Check in on habits, write a line a day, and watch streaks, heatmaps and \u{201c}on this day\u{201d} tell your story."</p>
                </article>
                <article class="feature card">
                    <Svg icon=Icon::Letter />
                    <h3>"Letters across the years"</h3>
                    <p>"Words and photos delivered from tomorrow to fifty years ahead — exactly once, to you or to someone you love."</p>
                </article>
            </section>

            <section class="promise card" aria-labelledby="promise-title">
                <div>
                    <span class="eyebrow">"Our promise"</span>
                    <h2 id="promise-title">"Your days are yours"</h2>
                </div>
                <ul>
                    <li>"We collect only what Ripen needs to work, and ask before anything else."</li>
                    <li>"No ads, no trackers, no selling or sharing your data."</li>
                    <li>"Export everything in open formats, or delete your account, whenever you like."</li>
                    <li>"Letters you make public appear without your name, ever."</li>
                </ul>
            </section>
        </div>
    }
}
