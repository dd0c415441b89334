//! The timer page's state in the browser: the server's timer as last seen, reconciled
//! with the server (and other devices) and, without a network, run here with the shared
//! `focus::engine` and kept in the offline outbox until it can be sent.

use super::*;

/// The timer running in this browser alone, without the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Local {
    /// The server's version of the timer when the connection was lost.
    pub(super) base_version: i64,
    /// Whether anything changed here since (only then is the timer sent back).
    pub(super) changed: bool,
}
impl Local {
    /// The timer shown in `snap`, as it is kept in the outbox and sent back.
    pub(super) fn timer(&self, snap: &TimerSnapshot) -> LocalTimer {
        LocalTimer {
            base_version: self.base_version,
            state: snap.state,
            task_id: snap.task_id,
        }
    }
}
/// The page's shared reactive state.
#[derive(Clone, Copy)]
pub(super) struct Timer {
    pub(super) snap: RwSignal<TimerSnapshot>,
    /// Server clock minus browser clock, in ms.
    pub(super) offset: RwSignal<f64>,
    /// The browser clock, refreshed while the page is open.
    pub(super) now: RwSignal<f64>,
    /// What the polite live region says (phase changes, or the time on request).
    pub(super) announce: RwSignal<String>,
    /// Focus sessions just recorded, waiting for a note.
    pub(super) to_annotate: RwSignal<Vec<Uuid>>,
    pub(super) error: RwSignal<Option<String>>,
    pub(super) tasks: RwSignal<Vec<TaskView>>,
    pub(super) sessions: RwSignal<Vec<SessionView>>,
    pub(super) tags: RwSignal<Vec<TagView>>,
    pub(super) today: RwSignal<NaiveDate>,
    /// `Some` while the timer runs here without the server (see [`Local`]).
    pub(super) local: RwSignal<Option<Local>>,
    /// Ids of the records in this browser's outbox, waiting to be sent.
    pub(super) waiting: RwSignal<Vec<Uuid>>,
    /// What the last upload of the outbox said (how much was saved, any conflicts).
    pub(super) sync_report: RwSignal<Vec<String>>,
    /// Whether `offset` comes from a server answer in this page (not a page from the cache).
    pub(super) live: StoredValue<bool>,
    pub(super) syncing: StoredValue<bool>,
}
/// What the page needs from the server before it can show the timer.
pub(super) struct PageData {
    pub(super) snap: TimerSnapshot,
    pub(super) tasks: Vec<TaskView>,
    pub(super) sessions: Vec<SessionView>,
    pub(super) tags: Vec<TagView>,
    /// The user's today, by their time zone and day boundary.
    pub(super) today: NaiveDate,
}
impl Timer {
    /// The page's state, from what the server answered for it.
    pub(super) fn from_page(data: PageData) -> Self {
        let PageData {
            snap,
            tasks,
            sessions,
            tags,
            today,
        } = data;
        Self {
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
        }
    }
}

impl Timer {
    pub(super) fn server_now(&self) -> i64 {
        (self.now.get() + self.offset.get()) as i64
    }

    pub(super) fn remaining(&self) -> i64 {
        let s = self.snap.get();
        s.state
            .remaining_ms(self.server_now(), &s.settings.cadence())
    }

    pub(super) fn total(&self) -> i64 {
        let s = self.snap.get();
        s.settings.cadence().duration_ms(s.state.phase)
    }

    /// Takes a snapshot from the server unless it is older than the one shown, or the timer
    /// runs here alone (it is shown until it has been sent).
    pub(super) fn accept(&self, s: TimerSnapshot) {
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
    pub(super) fn announce_change(&self, old: &TimerSnapshot, s: &TimerSnapshot) {
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
    pub(super) fn reload(&self) {
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

    pub(super) fn run(&self, command: &'static str) {
        self.send(command, None);
    }

    /// Sends a command to the server; without a connection, runs it here instead.
    pub(super) fn send(&self, command: &'static str, phase: Option<Phase>) {
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
    pub(super) fn refresh(&self) {
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
    pub(super) fn settle_here(&self) {
        self.change_here(|s, now, c| Ok(s.settle(now, c)));
    }

    /// From now on the timer runs here, until the outbox has been sent.
    pub(super) fn go_local(&self) {
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

    pub(super) fn command_here(&self, command: &'static str, phase: Option<Phase>) {
        let Some(command) = Command::parse(command, phase) else {
            return;
        };
        self.change_here(|s, now, c| s.apply(command, now, c));
    }

    /// Changes the timer here (no server), records the focus sessions that ends in the
    /// outbox, and keeps the timer there too, so a reload while offline resumes it.
    pub(super) fn change_here(
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
    pub(super) fn task_here(&self, raw: &str) {
        let task = Uuid::parse_str(raw).ok();
        self.snap.update(|s| s.task_id = task);
        self.change_here(|_, _, _| Ok(Vec::new()));
    }

    /// Lists sessions recorded here in today's history, marked as not saved yet.
    pub(super) fn show_waiting(&self, records: &[OfflineRecord]) {
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
    pub(super) fn resume_outbox(&self) {
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
    pub(super) fn sync(&self) {
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
    pub(super) fn toggle(&self) {
        match self.snap.get_untracked().state.run {
            Run::Idle => self.run("start"),
            Run::Running { .. } => self.run("pause"),
            Run::Paused { .. } => self.run("resume"),
        }
    }
}
pub(super) fn use_timer() -> Timer {
    expect_context::<Timer>()
}
