//! `/timer`: the focus timer, its tasks, tags, the end-of-session note and today's history.
//!
//! The display is computed from the server's timestamps and the browser's clock corrected
//! by the server's offset, every 250 ms and whenever the page becomes visible again, so a
//! background tab or a sleeping phone never shows a drifted time. Changes from other
//! devices arrive over the event stream.

use std::time::Duration;

use chrono::NaiveDate;
use leptos::{ev, prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::components::A;
use uuid::Uuid;

use crate::{
    AppError,
    account::get_time_settings,
    clock::now_ms,
    components::{
        focus_demo::format_remaining,
        form::{ActionResult, Field, FormAlert, Submit, field_error, form_error},
    },
    focus::{
        AnnotateSession, CreateTag, CreateTask, SOUNDS, SaveSettings, SessionView, TagView,
        TaskView, TimerSnapshot, browser, complete_task, delete_tag, delete_task,
        engine::{Cadence, Command, FocusEnded, Phase, Run, TimerError, TimerState},
        get_timer, list_tags, list_tasks, move_task, recent_sessions, set_current_task,
        sound_label, timer_command,
    },
    format::clock_time,
    i18n::{fill, plural},
    offline::{
        LocalTimer, OfflineRecord, OfflineSession, SyncNotice, online,
        outbox::{self, SavedTimer},
        send_outbox,
    },
};

/// The timer running in this browser alone, without the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Local {
    /// The server's version of the timer when the connection was lost.
    base_version: i64,
    /// Whether anything changed here since (only then is the timer sent back).
    changed: bool,
}

impl Local {
    /// The timer shown in `snap`, as it is kept in the outbox and sent back.
    fn timer(&self, snap: &TimerSnapshot) -> LocalTimer {
        LocalTimer {
            base_version: self.base_version,
            state: snap.state,
            task_id: snap.task_id,
        }
    }
}

/// Circumference of the ring (r = 54).
const RING: f64 = 339.292;

/// The page's shared reactive state.
#[derive(Clone, Copy)]
struct Timer {
    snap: RwSignal<TimerSnapshot>,
    /// Server clock minus browser clock, in ms.
    offset: RwSignal<f64>,
    /// The browser clock, refreshed while the page is open.
    now: RwSignal<f64>,
    /// What the polite live region says (phase changes, or the time on request).
    announce: RwSignal<String>,
    /// Focus sessions just recorded, waiting for a note.
    to_annotate: RwSignal<Vec<Uuid>>,
    error: RwSignal<Option<String>>,
    tasks: RwSignal<Vec<TaskView>>,
    sessions: RwSignal<Vec<SessionView>>,
    tags: RwSignal<Vec<TagView>>,
    today: RwSignal<NaiveDate>,
    /// `Some` while the timer runs here without the server (see [`Local`]).
    local: RwSignal<Option<Local>>,
    /// Ids of the records in this browser's outbox, waiting to be sent.
    waiting: RwSignal<Vec<Uuid>>,
    /// What the last upload of the outbox said (how much was saved, any conflicts).
    sync_report: RwSignal<Vec<String>>,
    /// Whether `offset` comes from a server answer in this page (not a page from the cache).
    live: StoredValue<bool>,
    syncing: StoredValue<bool>,
}

/// What the page needs from the server before it can show the timer.
struct PageData {
    snap: TimerSnapshot,
    tasks: Vec<TaskView>,
    sessions: Vec<SessionView>,
    tags: Vec<TagView>,
    /// The user's today, by their time zone and day boundary.
    today: NaiveDate,
}

impl Timer {
    fn server_now(&self) -> i64 {
        (self.now.get() + self.offset.get()) as i64
    }

    fn remaining(&self) -> i64 {
        let s = self.snap.get();
        s.state
            .remaining_ms(self.server_now(), &s.settings.cadence())
    }

    fn total(&self) -> i64 {
        let s = self.snap.get();
        s.settings.cadence().duration_ms(s.state.phase)
    }

    /// Takes a snapshot from the server unless it is older than the one shown, or the timer
    /// runs here alone (it is shown until it has been sent).
    fn accept(&self, s: TimerSnapshot) {
        let old = self.snap.get_untracked();
        if s.version < old.version || self.local.get_untracked().is_some() {
            return;
        }
        self.live.set_value(true);
        self.offset.set(s.server_now as f64 - now_ms() as f64);
        self.now.set(now_ms() as f64);
        if s.version > old.version {
            self.announce_change(&old, &s);
        }
        if !s.ended.is_empty() {
            self.to_annotate.set(s.ended.clone());
            self.reload();
        }
        self.snap.set(s);
    }

    /// Says (and rings, and notifies) that the phase changed from `old` to `new`.
    fn announce_change(&self, old: &TimerSnapshot, s: &TimerSnapshot) {
        if s.state.phase != old.state.phase {
            let finished = matches!(old.state.run, Run::Running { .. });
            let tr = &crate::i18n::t().timer;
            let next = s.state.phase.label();
            let text = if finished {
                fill(
                    tr.phase_finished,
                    &[("done", &old.state.phase.label()), ("next", &next)],
                )
            } else {
                fill(tr.phase_now, &[("phase", &next)])
            };
            if finished {
                browser::play_sound(&s.settings.sound, s.settings.volume);
                if s.settings.notify {
                    browser::notify(crate::i18n::t().shell.brand, &text);
                }
            }
            self.announce.set(text);
        }
    }

    /// Fetches tasks, recent sessions and tags again (after a change here or elsewhere).
    ///
    /// The page loads them once with the timer (see [`TimerPage`]); later refreshes are
    /// plain browser fetches into signals rather than resources created below a
    /// `<Suspense>`, which Leptos's server renderer does not handle reliably.
    fn reload(&self) {
        let this = *self;
        spawn_local(async move {
            match futures::try_join!(
                list_tasks(),
                recent_sessions(),
                list_tags(),
                get_time_settings()
            ) {
                Ok((tasks, sessions, tags, time)) => {
                    this.tasks.set(tasks);
                    this.sessions.set(sessions);
                    this.tags.set(tags);
                    this.today.set(time.today);
                }
                Err(e) => this.error.set(Some(e.to_string())),
            }
        });
    }

    fn run(&self, command: &'static str) {
        self.send(command, None);
    }

    /// Sends a command to the server; without a connection, runs it here instead.
    fn send(&self, command: &'static str, phase: Option<Phase>) {
        if self.local.get_untracked().is_some() {
            return self.command_here(command, phase);
        }
        let this = *self;
        spawn_local(async move {
            match timer_command(command.into(), phase.map(|p| p.as_str().into())).await {
                Ok(s) => {
                    this.error.set(None);
                    this.accept(s);
                }
                Err(AppError::Network) => this.command_here(command, phase),
                Err(e) => this.error.set(Some(e.to_string())),
            }
        });
    }

    /// Asks the server to complete a phase whose end has passed (or completes it here).
    fn refresh(&self) {
        if self.local.get_untracked().is_some() {
            return self.settle_here();
        }
        let this = *self;
        spawn_local(async move {
            match get_timer().await {
                Ok(s) => this.accept(s),
                Err(AppError::Network) => this.settle_here(),
                Err(_) => {}
            }
        });
    }

    /// Completes (and records) a phase whose end has passed, here.
    fn settle_here(&self) {
        self.change_here(|s, now, c| Ok(s.settle(now, c)));
    }

    /// From now on the timer runs here, until the outbox has been sent.
    fn go_local(&self) {
        if self.local.get_untracked().is_some() || self.snap.get_untracked().viewer.is_empty() {
            return;
        }
        // A page from the service worker's cache carries an old server time: trust the
        // device's clock instead.
        if !self.live.get_value() {
            self.offset.set(0.0);
        }
        self.local.set(Some(Local {
            base_version: self.snap.get_untracked().version,
            changed: false,
        }));
    }

    fn command_here(&self, command: &'static str, phase: Option<Phase>) {
        let Some(command) = Command::parse(command, phase) else {
            return;
        };
        self.change_here(|s, now, c| s.apply(command, now, c));
    }

    /// Changes the timer here (no server), records the focus sessions that ends in the
    /// outbox, and keeps the timer there too, so a reload while offline resumes it.
    fn change_here(
        &self,
        change: impl FnOnce(&mut TimerState, i64, &Cadence) -> Result<Vec<FocusEnded>, TimerError>,
    ) {
        self.go_local();
        let Some(local) = self.local.get_untracked() else {
            return;
        };
        let old = self.snap.get_untracked();
        let mut new = old.clone();
        new.ended = Vec::new();
        let now = (now_ms() as f64 + self.offset.get_untracked()) as i64;
        let ended = match change(&mut new.state, now, &new.settings.cadence()) {
            Ok(ended) => ended,
            Err(e) => return self.error.set(Some(e.to_string())),
        };
        let records: Vec<OfflineRecord> = ended
            .iter()
            .map(|e| OfflineRecord::Session(OfflineSession::new(e, new.task_id)))
            .collect();
        self.error.set(None);
        self.local.set(Some(Local {
            changed: true,
            ..local
        }));
        self.show_waiting(&records);
        self.announce_change(&old, &new);
        let saved = SavedTimer {
            timer: local.timer(&new),
            offset_ms: self.offset.get_untracked(),
        };
        let viewer = new.viewer.clone();
        self.snap.set(new);
        let this = *self;
        spawn_local(async move {
            if let Err(e) = outbox::put(&viewer, Some(&saved), &records).await {
                leptos::logging::warn!("could not keep the offline timer: {e}");
                this.error
                    .set(Some(crate::i18n::t().errors.network.to_owned()));
            }
        });
    }

    /// Chooses the task (an id, or empty for none) here, without the server.
    fn task_here(&self, raw: &str) {
        let task = Uuid::parse_str(raw).ok();
        self.snap.update(|s| s.task_id = task);
        self.change_here(|_, _, _| Ok(Vec::new()));
    }

    /// Lists sessions recorded here in today's history, marked as not saved yet.
    fn show_waiting(&self, records: &[OfflineRecord]) {
        let tasks = self.tasks.get_untracked();
        let today = self.today.get_untracked();
        for r in records {
            let OfflineRecord::Session(r) = r else {
                continue;
            };
            self.sessions.update(|list| {
                list.insert(
                    0,
                    SessionView {
                        id: r.id,
                        started_at: r.started_at,
                        ended_at: r.ended_at,
                        focused_seconds: r.focused_ms / 1000,
                        completed: r.completed,
                        task_id: r.task_id,
                        task_title: tasks
                            .iter()
                            .find(|t| Some(t.id) == r.task_id)
                            .map(|t| t.title.clone()),
                        note: None,
                        day: today,
                        tags: Vec::new(),
                    },
                );
            });
        }
        self.waiting
            .update(|w| w.extend(records.iter().map(OfflineRecord::id)));
    }

    /// Picks up what an earlier visit left in the outbox, then sends it if the network is
    /// there (or starts running here if it is not).
    fn resume_outbox(&self) {
        let this = *self;
        let viewer = self.snap.get_untracked().viewer;
        spawn_local(async move {
            let saved = outbox::load(&viewer).await;
            this.show_waiting(&saved.records);
            if let Some(st) = saved.timer {
                this.local.set(Some(Local {
                    base_version: st.timer.base_version,
                    changed: true,
                }));
                this.offset.set(st.offset_ms);
                this.snap.update(|s| {
                    s.state = st.timer.state;
                    s.task_id = st.timer.task_id;
                });
            }
            if !online() {
                this.go_local();
            } else if saved.timer.is_some() || !saved.records.is_empty() {
                this.sync();
            }
        });
    }

    /// Sends the outbox (and the timer, if it changed here) and goes back to the server's
    /// timer. Without a connection it changes nothing and can simply be tried again.
    fn sync(&self) {
        if self.syncing.get_value() {
            return;
        }
        let snap = self.snap.get_untracked();
        if snap.viewer.is_empty() {
            return;
        }
        self.syncing.set_value(true);
        let this = *self;
        spawn_local(async move {
            let timer = match this.local.get_untracked() {
                Some(l) if l.changed => Some(l.timer(&snap)),
                _ => None,
            };
            let sent = match send_outbox(&snap.viewer, timer).await {
                Ok(sent) => sent,
                Err(AppError::Network) => {
                    // Still offline: everything stays queued for the next try.
                    this.syncing.set_value(false);
                    this.go_local();
                    return;
                }
                Err(e) => {
                    this.error.set(Some(e.to_string()));
                    this.syncing.set_value(false);
                    return;
                }
            };
            this.local.set(None);
            this.waiting
                .update(|w| w.retain(|id| !sent.results.iter().any(|r| r.id == *id)));
            this.sync_report.set(sent.report());
            if let Some(s) = sent.timer {
                this.accept(s);
            }
            this.reload();
            this.syncing.set_value(false);
        });
    }

    /// The main button's action for the current state.
    fn toggle(&self) {
        match self.snap.get_untracked().state.run {
            Run::Idle => self.run("start"),
            Run::Running { .. } => self.run("pause"),
            Run::Paused { .. } => self.run("resume"),
        }
    }
}

#[component]
pub fn TimerPage() -> impl IntoView {
    // Every resource of the page is created here, above the one <Suspense> that awaits them
    // all: no resource is ever created while the server renders a suspended subtree.
    let timer = Resource::new(|| (), |_| get_timer());
    let tasks = Resource::new(|| (), |_| list_tasks());
    let sessions = Resource::new(|| (), |_| recent_sessions());
    let tags = Resource::new(|| (), |_| list_tags());
    let time = Resource::new(|| (), |_| get_time_settings());
    let tr = &crate::i18n::t().timer;
    let shell = &crate::i18n::t().shell;
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
                            <div class="card auth-card">
                                <h1>{tr.title}</h1>
                                <p class="auth-lede">{tr.auth_lede}</p>
                                <div class="button-row">
                                    <A href="/login" attr:class="button button-primary">{shell.log_in}</A>
                                    <A href="/signup" attr:class="button button-quiet">{tr.create_account}</A>
                                </div>
                            </div>
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
    let PageData {
        snap,
        tasks,
        sessions,
        tags,
        today,
    } = data;
    let t = Timer {
        offset: RwSignal::new(snap.server_now as f64 - now_ms() as f64),
        now: RwSignal::new(snap.server_now as f64),
        snap: RwSignal::new(snap),
        announce: RwSignal::new(String::new()),
        to_annotate: RwSignal::new(Vec::new()),
        error: RwSignal::new(None),
        tasks: RwSignal::new(tasks),
        sessions: RwSignal::new(sessions),
        tags: RwSignal::new(tags),
        today: RwSignal::new(today),
        local: RwSignal::new(None),
        waiting: RwSignal::new(Vec::new()),
        sync_report: RwSignal::new(Vec::new()),
        live: StoredValue::new(false),
        syncing: StoredValue::new(false),
    };
    provide_context(t);
    let tr = &crate::i18n::t().timer;

    // In the browser: tick, follow other devices, settle a phase at its end, shortcuts.
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
        let keys = window_event_listener(ev::keydown, move |e: ev::KeyboardEvent| {
            if e.ctrl_key() || e.meta_key() || e.alt_key() {
                return;
            }
            let typing = event_target::<web_sys_element::Element>(&e)
                .tag_name()
                .to_ascii_lowercase();
            if matches!(typing.as_str(), "input" | "textarea" | "select" | "button")
                && e.key() != "?"
            {
                return;
            }
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
                "?" => {
                    if let Some(h) = document().get_element_by_id("shortcuts") {
                        let _ = h.toggle_attribute("hidden");
                    }
                }
                _ => {}
            }
        });
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

    let phase = move || t.snap.get().state.phase;
    let run = move || t.snap.get().state.run;
    let display = move || format_remaining(t.remaining() as f64);
    let progress = move || {
        let total = t.total().max(1) as f64;
        RING * (t.remaining() as f64 / total)
    };

    view! {
        <Title text=move || format!("{} · {}", display(), phase().label()) />
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
                <div class="ring-wrap">
                    <svg class="timer-ring" viewBox="0 0 120 120" aria-hidden="true">
                        <circle class="track" cx="60" cy="60" r="54" />
                        <circle class="progress" cx="60" cy="60" r="54"
                            stroke-dasharray=RING.to_string()
                            stroke-dashoffset=move || format!("{:.2}", RING - progress()) />
                    </svg>
                    <div class="ring-center">
                        <p class="timer-time" role="timer" aria-label=tr.time_left data-testid="timer-time">
                            {display}
                        </p>
                        <p class="timer-phase">{move || match run() {
                            Run::Paused { .. } => fill(tr.phase_paused, &[("phase", &phase().label())]),
                            _ => phase().label().to_owned(),
                        }}</p>
                    </div>
                </div>
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
                <button type="button" class="link-button" aria-controls="shortcuts"
                    on:click=move |_| {
                        if let Some(h) = document().get_element_by_id("shortcuts") {
                            let _ = h.toggle_attribute("hidden");
                        }
                    }>
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
    let minutes = || {
        let form = crate::i18n::plural(m, tr.spoken_minutes_one, tr.spoken_minutes);
        fill(form, &[("m", &m)])
    };
    let seconds = || {
        let form = crate::i18n::plural(s, tr.spoken_seconds_one, tr.spoken_seconds);
        fill(form, &[("s", &s)])
    };
    match (m, s) {
        (0, _) => seconds(),
        (_, 0) => minutes(),
        _ => fill(
            tr.spoken_minutes_seconds,
            &[("minutes", &minutes()), ("seconds", &seconds())],
        ),
    }
}

fn use_timer() -> Timer {
    expect_context::<Timer>()
}

/// "Offline: the timer runs here", what waits to be sent, and what the last upload did.
#[component]
fn OfflineStatus() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().offline;
    let waiting = move || t.waiting.get().len() as i64;
    let shown = move || t.local.get().is_some() || waiting() > 0;
    view! {
        <div class="offline-status" role="status" aria-live="polite" data-testid="offline-status">
            <Show when=shown>
                <p class="notice">
                    {move || t.local.get().is_some().then_some(tr.running_here)}
                    " "
                    {move || (waiting() > 0).then(|| fill(plural(waiting(), tr.waiting_one, tr.waiting_other), &[("n", &waiting())]))}
                </p>
            </Show>
            <SyncNotice report=t.sync_report />
        </div>
    }
}

#[component]
fn CurrentTask() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    view! {
        <div class="field current-task">
            <label for="current-task">{tr.working_on}</label>
                <select id="current-task" on:change=move |e| {
                    let v = event_target_value(&e);
                    if t.local.get_untracked().is_some() {
                        return t.task_here(&v);
                    }
                    spawn_local(async move {
                        match set_current_task(Some(v.clone())).await {
                            Ok(s) => t.accept(s),
                            Err(AppError::Network) => t.task_here(&v),
                            Err(e) => t.error.set(Some(e.to_string())),
                        }
                    });
                }>
                    <option value="" selected=move || t.snap.get().task_id.is_none()>{tr.no_task}</option>
                    {move || t.tasks.get().into_iter()
                        .filter(|task| task.completed_at.is_none())
                        .map(|task| {
                            let id = task.id;
                            view! {
                                <option value=id.to_string() selected=move || t.snap.get().task_id == Some(id)>
                                    {task.title}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
        </div>
    }
}

#[component]
fn DailyGoal() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    // Sessions count for the day the server assigned them (the user's time zone and day
    // boundary), the same rule the diary and its statistics use.
    let done = move || {
        let today = t.today.get();
        t.sessions
            .get()
            .iter()
            .filter(|s| s.completed && s.day == today)
            .count() as i64
    };
    let goal = move || t.snap.get().settings.daily_goal;
    view! {
            <div class="daily-goal">
                <label for="goal">{move || fill(tr.daily_goal, &[("done", &done()), ("goal", &goal())])}</label>
                <progress id="goal" max=move || goal().to_string() value=move || done().min(goal()).to_string()></progress>
            </div>
    }
}

#[component]
fn SessionNote() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let shell = &crate::i18n::t().shell;
    let save = ServerAction::<AnnotateSession>::new();
    let v = save.value();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            t.to_annotate.set(Vec::new());
            t.reload();
        }
    });
    view! {
        <Show when=move || !t.to_annotate.get().is_empty()>
            <section class="card session-note" aria-labelledby="note-h">
                <h2 id="note-h">{tr.session_recorded}</h2>
                <p class="muted">{tr.session_note_lede}</p>
                <ActionForm action=save attr:class="form">
                    <FormAlert error=form_error(v, &["note"]) />
                    <input type="hidden" name="id" prop:value=move || t.to_annotate.get().last().map(Uuid::to_string).unwrap_or_default() />
                    <div class="field">
                        <label for="session-note">{tr.note}</label>
                        <textarea id="session-note" name="note" rows="3" maxlength="2000"></textarea>
                        <p class="field-error">{move || field_error(v, "note").get()}</p>
                    </div>
                    <div class="field">
                        <label for="session-task">{tr.task}</label>
                            <select id="session-task" name="task_id">
                                <option value="">{tr.unchanged}</option>
                                {move || t.tasks.get().into_iter()
                                    .map(|task| view! { <option value=task.id.to_string() selected=move || t.snap.get().task_id == Some(task.id)>{task.title}</option> })
                                    .collect_view()}
                            </select>
                    </div>
                    <TagPicker />
                    <Submit label=tr.save_note busy_label=shell.saving pending=save.pending() class="button button-primary" />
                </ActionForm>
            </section>
        </Show>
    }
}

/// Tag checkboxes whose ticked ids travel as one comma-separated `tag_ids` field.
#[component]
fn TagPicker() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let chosen = RwSignal::new(Vec::<Uuid>::new());
    let joined = move || {
        chosen
            .get()
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<String>>()
            .join(",")
    };
    view! {
        <fieldset class="tag-picker">
            <legend>{tr.tags}</legend>
            <input type="hidden" name="tag_ids" prop:value=joined />
                {move || {
                    let list = t.tags.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{tr.no_tags}</p> }.into_any();
                    }
                    list.into_iter().map(|tag| {
                        let id = tag.id;
                        view! {
                            <label class="tag-check">
                                <input type="checkbox" on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    chosen.update(|c| {
                                        c.retain(|x| *x != id);
                                        if on { c.push(id); }
                                    });
                                } />
                                <TagDot colour=tag.colour.clone() />
                                {tag.name}
                            </label>
                        }
                    }).collect_view().into_any()
                }}
        </fieldset>
    }
}

#[component]
fn TagDot(colour: String) -> impl IntoView {
    view! {
        <svg class="tag-dot" viewBox="0 0 10 10" aria-hidden="true"><circle cx="5" cy="5" r="5" fill=colour /></svg>
    }
}

/// A form ref that is cleared, and the page's data refetched, whenever `value` becomes a
/// success (the "add another" forms).
fn refresh_and_clear_on_success<T: 'static>(
    t: Timer,
    value: impl ActionResult<T>,
) -> NodeRef<leptos::html::Form> {
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if value.with(|v| matches!(v, Some(Ok(_)))) {
            t.reload();
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
    });
    form
}

#[component]
fn Tasks() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let create = ServerAction::<CreateTask>::new();
    let cv = create.value();
    let form = refresh_and_clear_on_success(t, cv);
    let act =
        move |f: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), AppError>>>>| {
            spawn_local(async move {
                match f.await {
                    Ok(()) => t.reload(),
                    Err(e) => t.error.set(Some(e.to_string())),
                }
            });
        };
    view! {
        <section class="card" aria-labelledby="tasks-h">
            <h2 id="tasks-h">{tr.tasks}</h2>
                <ul class="task-list">
                    {move || t.tasks.get().into_iter().map(|task| {
                        let id = task.id.to_string();
                        let done = task.completed_at.is_some();
                        let (i1, i2, i3, i4) = (id.clone(), id.clone(), id.clone(), id);
                        view! {
                            <li class="task" class:done=done>
                                <label class="task-title">
                                    <input type="checkbox" checked=done on:change=move |e| {
                                        let (id, on) = (i1.clone(), event_target_checked(&e));
                                        act(Box::pin(async move { complete_task(id, on.to_string()).await.map(|_| ()) }));
                                    } />
                                    <span>{task.title.clone()}</span>
                                </label>
                                <span class="task-count" title=tr.pomodoros_title>
                                    {format!("{} / {}", task.actual, task.estimate)}
                                </span>
                                <span class="task-actions">
                                    <button type="button" class="icon-button" aria-label=fill(tr.move_up, &[("title", &task.title)])
                                        hidden=done on:click=move |_| {
                                            let id = i2.clone();
                                            act(Box::pin(async move { move_task(id, "up".into()).await.map(|_| ()) }));
                                        }>"↑"</button>
                                    <button type="button" class="icon-button" aria-label=fill(tr.move_down, &[("title", &task.title)])
                                        hidden=done on:click=move |_| {
                                            let id = i3.clone();
                                            act(Box::pin(async move { move_task(id, "down".into()).await.map(|_| ()) }));
                                        }>"↓"</button>
                                    <button type="button" class="icon-button" aria-label=fill(tr.delete_task, &[("title", &task.title)])
                                        on:click=move |_| {
                                            let id = i4.clone();
                                            act(Box::pin(async move { delete_task(id).await }));
                                        }>"×"</button>
                                </span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            <ActionForm action=create node_ref=form attr:class="form form-inline">
                <FormAlert error=form_error(cv, &["title", "estimate"]) />
                <Field label=tr.new_task name="title" required=true error=field_error(cv, "title") />
                <Field label=tr.pomodoros name="estimate" kind="number" value="1".to_string() error=field_error(cv, "estimate") />
                <Submit label=tr.add_task busy_label=tr.adding pending=create.pending() class="button button-quiet" />
            </ActionForm>
        </section>
    }
}

#[component]
fn Tags() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let create = ServerAction::<CreateTag>::new();
    let cv = create.value();
    let form = refresh_and_clear_on_success(t, cv);
    view! {
        <section class="card" aria-labelledby="tags-h">
            <h2 id="tags-h">{tr.tags}</h2>
                <ul class="tag-list">
                    {move || t.tags.get().into_iter().map(|tag| {
                        let id = tag.id.to_string();
                        view! {
                            <li class="tag">
                                <TagDot colour=tag.colour.clone() />
                                <span>{tag.name.clone()}</span>
                                <button type="button" class="icon-button" aria-label=fill(tr.delete_tag, &[("name", &tag.name)])
                                    on:click=move |_| {
                                        let id = id.clone();
                                        spawn_local(async move {
                                            match delete_tag(id).await {
                                                Ok(()) => t.reload(),
                                                Err(e) => t.error.set(Some(e.to_string())),
                                            }
                                        });
                                    }>"×"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            <ActionForm action=create node_ref=form attr:class="form form-inline">
                <FormAlert error=form_error(cv, &["name", "colour"]) />
                <Field label=tr.new_tag name="name" required=true error=field_error(cv, "name") />
                <Field label=tr.colour name="colour" kind="color" value="#2f6b4f".to_string() error=field_error(cv, "colour") />
                <Submit label=tr.add_tag busy_label=tr.adding pending=create.pending() class="button button-quiet" />
            </ActionForm>
        </section>
    }
}

#[component]
fn History() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">{tr.history}</h2>
                {move || {
                    let list = t.sessions.get();
                    if list.is_empty() {
                        return view! { <p class="muted">{tr.history_empty}</p> }.into_any();
                    }
                    view! {
                        <ol class="history" data-testid="history">
                            {list.into_iter().take(10).map(|s| view! {
                                <li class="history-item">
                                    <span class="history-time"><span class="date-local">{clock_time(s.started_at)}</span>"–"{clock_time(s.ended_at)}</span>
                                    <span class="history-minutes">{fill(tr.minutes_short, &[("n", &((s.focused_seconds + 30) / 60))])}</span>
                                    {(!s.completed).then(|| view! { <span class="badge">{tr.stopped_early}</span> })}
                                    {t.waiting.get().contains(&s.id).then(|| view! { <span class="badge badge-warn">{crate::i18n::t().offline.not_saved_yet}</span> })}
                                    {s.task_title.map(|title| view! { <span class="history-task">{title}</span> })}
                                    {s.tags.into_iter().map(|tag| view! { <span class="chip"><TagDot colour=tag.colour />{tag.name}</span> }).collect_view()}
                                    {s.note.map(|n| view! { <p class="history-note">{n}</p> })}
                                </li>
                            }).collect_view()}
                        </ol>
                    }.into_any()
                }}
        </section>
    }
}

#[component]
fn Settings() -> impl IntoView {
    let t = use_timer();
    let tr = &crate::i18n::t().timer;
    let shell = &crate::i18n::t().shell;
    let save = ServerAction::<SaveSettings>::new();
    let v = save.value();
    Effect::new(move |_| {
        if let Some(Ok(s)) = v.get() {
            t.accept(s);
        }
    });
    let s = t.snap.get_untracked().settings;
    let num = move |label: &'static str, name: &'static str, value: i64| {
        view! { <Field label name kind="number" value=value.to_string() error=field_error(v, name) /> }
    };
    view! {
        <details class="card settings">
            <summary><h2>{tr.settings}</h2></summary>
            <ActionForm action=save attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["focus_min", "short_break_min", "long_break_min", "long_break_every", "volume", "daily_goal", "sound"]) />
                <div class="form-grid">
                    {num(tr.focus_minutes, "focus_min", s.focus_min)}
                    {num(tr.short_break_minutes, "short_break_min", s.short_break_min)}
                    {num(tr.long_break_minutes, "long_break_min", s.long_break_min)}
                    {num(tr.long_break_every, "long_break_every", s.long_break_every)}
                    {num(tr.daily_goal_sessions, "daily_goal", s.daily_goal)}
                    {num(tr.volume, "volume", s.volume)}
                </div>
                <div class="field">
                    <label for="sound">{tr.end_sound}</label>
                    <select id="sound" name="sound">
                        {SOUNDS.iter().map(|id| view! {
                            <option value=*id selected=s.sound == *id>{sound_label(id)}</option>
                        }).collect_view()}
                    </select>
                </div>
                <label class="check"><input type="checkbox" name="auto_start_breaks" checked=s.auto_start_breaks />" "{tr.auto_start_breaks}</label>
                <label class="check"><input type="checkbox" name="auto_start_focus" checked=s.auto_start_focus />" "{tr.auto_start_focus}</label>
                <label class="check"><input type="checkbox" name="notify" checked=s.notify
                    on:change=move |e| if event_target_checked(&e) { browser::request_notification_permission() } />
                    " "{tr.notify}</label>
                <div class="button-row">
                    <Submit label=tr.save_settings busy_label=shell.saving pending=save.pending() class="button button-primary" />
                    <button type="button" class="button button-quiet" on:click=move |_| {
                        let s = t.snap.get_untracked().settings;
                        browser::play_sound(&s.sound, s.volume.max(30));
                    }>{tr.test_sound}</button>
                </div>
            </ActionForm>
        </details>
    }
}
