//! A one-minute focus timer on the landing page: lets a visitor feel the timer before
//! signing up. Like the real timer it keeps timestamps, not a ticking counter, so a
//! background tab never makes it drift.

use std::time::Duration;

use leptos::prelude::*;

use crate::clock::now_ms;

const TOTAL_MS: f64 = 60_000.0;
use crate::format::{RING, format_remaining};

#[component]
pub fn FocusDemo() -> impl IntoView {
    let tr = &crate::i18n::t().timer;
    // Elapsed time is `banked` plus, while running, the time since `started_at`.
    let started_at = RwSignal::new(None::<f64>);
    let banked = RwSignal::new(0.0_f64);
    let now = RwSignal::new(0.0_f64);

    let elapsed = move || banked.get() + started_at.get().map_or(0.0, |s| (now.get() - s).max(0.0));
    let remaining = move || (TOTAL_MS - elapsed()).max(0.0);
    let running = move || started_at.get().is_some();
    let done = move || remaining() <= 0.0;

    // Effects run only in the browser: tick while the page is open.
    Effect::new(move |_| {
        let handle = set_interval_with_handle(
            move || {
                now.set(now_ms() as f64);
                if started_at.get_untracked().is_some() && remaining() <= 0.0 {
                    banked.set(TOTAL_MS);
                    started_at.set(None);
                }
            },
            Duration::from_millis(250),
        )
        .ok();
        on_cleanup(move || {
            if let Some(h) = handle {
                h.clear();
            }
        });
    });

    let toggle = move |_| {
        let t = now_ms() as f64;
        now.set(t);
        match started_at.get_untracked() {
            Some(s) => {
                banked.update(|b| *b += t - s);
                started_at.set(None);
            }
            None if done() => {
                banked.set(0.0);
                started_at.set(Some(t));
            }
            None => started_at.set(Some(t)),
        }
    };
    let reset = move |_| {
        started_at.set(None);
        banked.set(0.0);
    };

    view! {
        <div class="demo card" role="group" aria-labelledby="demo-title">
            <h2 id="demo-title" class="visually-hidden">{tr.demo_heading}</h2>
            <svg class="demo-ring" viewBox="0 0 120 120" aria-hidden="true">
                <circle class="track" cx="60" cy="60" r="54" />
                <circle
                    class="progress"
                    cx="60"
                    cy="60"
                    r="54"
                    stroke-dasharray=RING.to_string()
                    stroke-dashoffset=move || format!("{:.2}", RING * (1.0 - remaining() / TOTAL_MS))
                />
            </svg>
            <p class="demo-time" role="timer" aria-label=tr.time_left data-testid="demo-time">
                {move || format_remaining(remaining())}
            </p>
            <div class="hero-actions demo-actions">
                <button
                    type="button"
                    class="button button-primary"
                    aria-pressed=move || running().to_string()
                    on:click=toggle
                >
                    {move || match (running(), done(), elapsed() > 0.0) {
                        (true, _, _) => tr.pause,
                        (false, true, _) => tr.demo_again,
                        (false, false, true) => tr.resume,
                        _ => tr.demo_start,
                    }}
                </button>
                <button type="button" class="button button-quiet" on:click=reset>{tr.reset}</button>
            </div>
            <p class="demo-caption" aria-live="polite">
                {move || if done() { tr.demo_done } else { tr.demo_caption }}
            </p>
        </div>
    }
}
