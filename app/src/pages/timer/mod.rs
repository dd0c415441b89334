//! `/timer`: the focus timer, its tasks, tags, the end-of-session note and today's history.
//!
//! The display is computed from the server's timestamps and the browser's clock corrected
//! by the server's offset, every 250 ms and whenever the page becomes visible again, so a
//! background tab or a sleeping phone never shows a drifted time. Changes from other
//! devices arrive over the event stream.

mod lists;
mod panels;
mod settings;
mod store;
use lists::*;
use panels::*;
use settings::*;
use store::*;

use std::time::Duration;

use chrono::NaiveDate;
use leptos::{ev, prelude::*, task::spawn_local};
use leptos_meta::Title;

use uuid::Uuid;

use crate::{
    AppError,
    account::get_time_settings,
    clock::now_ms,
    components::form::{
        ActionResult, Field, FormAlert, SignInPrompt, Submit, field_error, form_error,
    },
    focus::{
        AnnotateSession, CreateTag, CreateTask, SOUNDS, SaveSettings, SessionView, SetSessionTags,
        TagView, TaskView, TimerSnapshot, browser, complete_task, delete_tag, delete_task,
        engine::{Cadence, Command, FocusEnded, Phase, Run, TimerError, TimerState},
        get_timer, list_tags, list_tasks, move_task, recent_sessions, set_current_task,
        sound_label, timer_command,
    },
    format::{RING, clock_time, format_remaining},
    i18n::fill,
    offline::{
        LocalTimer, OfflineRecord, OfflineSession, SyncNotice, online,
        outbox::{self, SavedTimer},
        send_outbox,
    },
};

#[component]
pub fn TimerPage() -> impl IntoView {
    // Every resource of the page is created here, above the one <Suspense> that awaits them
    // all: no resource is ever created while the server renders a suspended subtree.
    // Each asks the server only once someone is signed in: a visitor's page makes no call.
    let auth = crate::account::state::use_auth();
    let timer = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            get_timer().await
        },
    );
    let tasks = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            list_tasks().await
        },
    );
    let sessions = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            recent_sessions().await
        },
    );
    let tags = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            list_tags().await
        },
    );
    let time = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            get_time_settings().await
        },
    );
    let tr = &crate::i18n::t().timer;
    let data = move || async move {
        Ok::<_, AppError>(PageData {
            snap: timer.await?,
            tasks: tasks.await?,
            sessions: sessions.await?,
            tags: tags.await?,
            today: time.await?.today,
        })
    };
    view! {
        <Title text=tr.title />
        <section class="container timer-page">
            <Suspense fallback=move || view! { <p class="muted" role="status">{tr.loading}</p> }>
                {move || Suspend::new(async move {
                    match data().await {
                        Ok(data) => view! { <FocusTimer data /> }.into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <SignInPrompt heading=tr.title lede=tr.auth_lede />
                        }.into_any(),
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn FocusTimer(data: PageData) -> impl IntoView {
    let t = Timer::from_page(data);
    provide_context(t);
    let tr = &crate::i18n::t().timer;
    keep_time(t);

    let phase = move || t.snap.get().state.phase;
    let run = move || t.snap.get().state.run;
    let display = move || format_remaining(t.remaining() as f64);

    view! {
        <Title text=move || format!("{} · {}", display(), phase().label()) />
        // The ring is the page's face and leaves no room for a visible heading; the page
        // still has its one `h1` for screen readers and the document outline.
        <h1 class="visually-hidden">{tr.title}</h1>
        <div class="timer-layout">
            <div class="timer-main card" data-phase=move || phase().as_str()>
                <div class="phase-tabs" role="group" aria-label=tr.phase_group>
                    {[Phase::Focus, Phase::ShortBreak, Phase::LongBreak]
                        .into_iter()
                        .map(|p| view! {
                            <button
                                type="button"
                                class="phase-tab"
                                aria-pressed=move || (phase() == p).to_string()
                                disabled=move || !matches!(run(), Run::Idle)
                                on:click=move |_| t.send("select", Some(p))
                            >
                                {p.label()}
                            </button>
                        })
                        .collect_view()}
                </div>
                <Ring />
                <div class="timer-controls">
                    <button type="button" class="button button-primary button-large"
                        aria-keyshortcuts="Space" on:click=move |_| t.toggle()>
                        {move || match run() {
                            Run::Idle => tr.start,
                            Run::Running { .. } => tr.pause,
                            Run::Paused { .. } => tr.resume,
                        }}
                    </button>
                    <button type="button" class="button button-quiet" aria-keyshortcuts="S"
                        on:click=move |_| t.run("skip")>{tr.skip}</button>
                    <button type="button" class="button button-quiet" aria-keyshortcuts="X"
                        disabled=move || matches!(run(), Run::Idle)
                        on:click=move |_| t.run("stop")>{tr.stop}</button>
                    <button type="button" class="button button-quiet" aria-keyshortcuts="R"
                        on:click=move |_| t.run("reset")>{tr.reset}</button>
                </div>
                <p class="sr-announce visually-hidden" aria-live="polite" data-testid="announce">{move || t.announce.get()}</p>
                <OfflineStatus />
                <FormAlert error=Signal::derive(move || t.error.get()) />
                <CurrentTask />
                <DailyGoal />
                <Shortcuts />
            </div>
            <div class="timer-side">
                <SessionNote />
                <Tasks />
                <Tags />
                <History />
                <Settings />
            </div>
        </div>
    }
}

/// In the browser: ticks the display, follows other devices, settles a phase at its end
/// (on the server, or here while offline), retries the server every 10 s while the timer
/// runs here, and answers the keyboard shortcuts. Everything stops with the page.
fn keep_time(t: Timer) {
    // The (version, phase end) whose end was already reported.
    let settled_for = StoredValue::new((-1_i64, -1_i64));
    // Ticks since the last attempt to send the outbox while running here.
    let since_sync = StoredValue::new(0_u32);
    Effect::new(move |_| {
        t.now.set(now_ms() as f64);
        t.resume_outbox();
        let tick = set_interval_with_handle(
            move || {
                t.now.set(now_ms() as f64);
                let s = t.snap.get_untracked();
                if let Run::Running { planned_end, .. } = s.state.run {
                    let server_now = (now_ms() as f64 + t.offset.get_untracked()) as i64;
                    // Complete the phase (on the server, or here), once per phase.
                    if server_now >= planned_end
                        && settled_for.get_value() != (s.version, planned_end)
                    {
                        settled_for.set_value((s.version, planned_end));
                        t.refresh();
                    }
                }
                // Running here: try the server again every 10 s.
                if t.local.get_untracked().is_some() {
                    since_sync.update_value(|n| *n += 1);
                    if since_sync.get_value() >= 40 && online() {
                        since_sync.set_value(0);
                        t.sync();
                    }
                }
            },
            Duration::from_millis(250),
        )
        .ok();
        let visible =
            window_event_listener(ev::visibilitychange, move |_| t.now.set(now_ms() as f64));
        let back_online = window_event_listener(ev::online, move |_| t.sync());
        let gone_offline = window_event_listener(ev::offline, move |_| t.go_local());
        let close = browser::live_updates(move |s| t.accept(s));
        let keys = window_event_listener(ev::keydown, move |e: ev::KeyboardEvent| on_key(t, &e));
        // The stream handle is browser-local (not Send): keep it in local storage.
        let close = StoredValue::new_local(Some(close));
        on_cleanup(move || {
            if let Some(h) = tick {
                h.clear();
            }
            visible.remove();
            back_online.remove();
            gone_offline.remove();
            keys.remove();
            close.update_value(|c| {
                if let Some(c) = c.take() {
                    c();
                }
            });
        });
    });
}

/// The keyboard shortcuts (not while typing in a field, nor with a modifier key).
fn on_key(t: Timer, e: &ev::KeyboardEvent) {
    if e.ctrl_key() || e.meta_key() || e.alt_key() {
        return;
    }
    let typing = event_target::<web_sys_element::Element>(e)
        .tag_name()
        .to_ascii_lowercase();
    if matches!(typing.as_str(), "input" | "textarea" | "select" | "button") && e.key() != "?" {
        return;
    }
    let tr = &crate::i18n::t().timer;
    match e.key().as_str() {
        " " => {
            e.prevent_default();
            t.toggle();
        }
        "s" => t.run("skip"),
        "x" => t.run("stop"),
        "r" => t.run("reset"),
        "t" => t.announce.set(fill(
            tr.time_left_in,
            &[
                ("time", &spoken(t.remaining())),
                ("phase", &t.snap.get_untracked().state.phase.label()),
            ],
        )),
        "?" => toggle_shortcuts(),
        _ => {}
    }
}

fn toggle_shortcuts() {
    if let Some(h) = document().get_element_by_id("shortcuts") {
        let _ = h.toggle_attribute("hidden");
    }
}

/// The countdown ring with the time left and the phase.
#[component]
fn Ring() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let phase = move || t.snap.get().state.phase;
    let progress = move || {
        let total = t.total().max(1) as f64;
        RING * (t.remaining() as f64 / total)
    };
    view! {
        <div class="ring-wrap">
            <svg class="timer-ring" viewBox="0 0 120 120" aria-hidden="true">
                <circle class="track" cx="60" cy="60" r="54" />
                <circle class="progress" cx="60" cy="60" r="54"
                    stroke-dasharray=RING.to_string()
                    stroke-dashoffset=move || format!("{:.2}", RING - progress()) />
            </svg>
            <div class="ring-center">
                <p class="timer-time" role="timer" aria-label=tr.time_left data-testid="timer-time">
                    {move || format_remaining(t.remaining() as f64)}
                </p>
                <p class="timer-phase">{move || match t.snap.get().state.run {
                    Run::Paused { .. } => fill(tr.phase_paused, &[("phase", &phase().label())]),
                    _ => phase().label().to_owned(),
                }}</p>
            </div>
        </div>
    }
}

/// The list of keyboard shortcuts, opened by its button or `?`.
#[component]
fn Shortcuts() -> impl IntoView {
    let tr = &crate::i18n::t().timer;
    view! {
        <button type="button" class="link-button" aria-controls="shortcuts"
            on:click=move |_| toggle_shortcuts()>
            {tr.shortcuts_button}
        </button>
        <section id="shortcuts" class="shortcuts" role="dialog" aria-label=tr.shortcuts hidden>
            <dl>
                <dt><kbd>{tr.key_space}</kbd></dt><dd>{tr.shortcut_toggle}</dd>
                <dt><kbd>"S"</kbd></dt><dd>{tr.shortcut_skip}</dd>
                <dt><kbd>"X"</kbd></dt><dd>{tr.shortcut_stop}</dd>
                <dt><kbd>"R"</kbd></dt><dd>{tr.shortcut_reset}</dd>
                <dt><kbd>"T"</kbd></dt><dd>{tr.shortcut_time}</dd>
                <dt><kbd>"?"</kbd></dt><dd>{tr.shortcut_help}</dd>
            </dl>
        </section>
    }
}

mod web_sys_element {
    #[cfg(not(feature = "hydrate"))]
    pub use leptos::web_sys::Element;
    #[cfg(feature = "hydrate")]
    pub use web_sys::Element;
}

fn spoken(ms: i64) -> String {
    let tr = &crate::i18n::t().timer;
    let secs = (ms.max(0) + 999) / 1000;
    let (m, s) = (secs / 60, secs % 60);
    let minutes = || tr.spoken_minutes.count(m);
    let seconds = || tr.spoken_seconds.count(s);
    match (m, s) {
        (0, _) => seconds(),
        (_, 0) => minutes(),
        _ => fill(
            tr.spoken_minutes_seconds,
            &[("minutes", &minutes()), ("seconds", &seconds())],
        ),
    }
}
