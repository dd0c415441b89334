//! `/diary` (one day: habits, the entry, "on this day"), `/diary/stats` and
//! `/diary/history`.
//!
//! Each page creates its one resource at the top and reads it in one `<Transition>`;
//! changes bump an epoch that refetches it, so check-ins show up without a reload.

use chrono::{Duration, NaiveDate, Weekday};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    components::{A, Form},
    hooks::use_query_map,
};
use uuid::Uuid;

use crate::{
    AppError,
    components::{
        charts::{BarChart, Heatmap},
        form::{Field, FormAlert, Submit, field_error, form_error, raw_text},
    },
    diary::{
        CheckIn, CreateHabit, DayView, EntryView, HabitDay, HistoryItem, MOODS, SaveEntry,
        StatsView, archive_habit, check_in, delete_checkin, delete_entry, delete_habit,
        delete_session, edit_note, get_diary_day, get_stats, mood_label, search_history,
        streaks::StreakUnit, undo_check_in,
    },
    focus::TagView,
    i18n::{DateStyle, fill, plural},
    offline::{OfflineRecord, SyncNotice, online, outbox, send_outbox},
};

fn long_date(d: NaiveDate) -> String {
    crate::i18n::date(&d, DateStyle::Full)
}

fn sign_in_prompt(what: &'static str) -> impl IntoView {
    let t = crate::i18n::t();
    view! {
        <div class="card auth-card">
            <h2>{t.diary.your_diary}</h2>
            <p class="auth-lede">{what}</p>
            <div class="button-row">
                <A href="/login" attr:class="button button-primary">{t.shell.log_in}</A>
                <A href="/signup" attr:class="button button-quiet">{t.diary.create_account}</A>
            </div>
        </div>
    }
}

fn failure(e: AppError) -> AnyView {
    match e {
        AppError::Unauthorized => sign_in_prompt(crate::i18n::t().diary.sign_in_lede).into_any(),
        e => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
    }
}

#[component]
fn DiaryNav(current: &'static str) -> impl IntoView {
    let t = &crate::i18n::t().diary;
    let item = move |href: &'static str, label: &'static str, key: &'static str| {
        view! {
            <A href=href attr:class="subnav-link" attr:aria-current=(current == key).then_some("page")>{label}</A>
        }
    };
    view! {
        <nav class="subnav" aria-label=t.title>
            {item("/diary", t.nav_day, "day")}
            {item("/diary/stats", t.stats_title, "stats")}
            {item("/diary/history", t.history_title, "history")}
        </nav>
    }
}

/// What a streak reads as ("5 days", "1 week").
fn streak_text(n: u32, unit: StreakUnit) -> String {
    let t = &crate::i18n::t().diary;
    let (one, many) = match unit {
        StreakUnit::Days => (t.days_one, t.days_other),
        StreakUnit::Weeks => (t.weeks_one, t.weeks_other),
    };
    fill(plural(n.into(), one, many), &[("n", &n)])
}

#[component]
pub fn DiaryPage() -> impl IntoView {
    let q = use_query_map();
    let epoch = RwSignal::new(0u32);
    let day = move || q.with(|q| q.get("day"));
    let data = Resource::new(move || (day(), epoch.get()), |(d, _)| get_diary_day(d));
    let t = &crate::i18n::t().diary;
    view! {
        <Title text=t.title />
        <section class="container diary-page">
            <header class="page-head">
                <h1>{t.title}</h1>
                <DiaryNav current="day" />
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.loading_day}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Day v epoch /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Day(v: DayView, epoch: RwSignal<u32>) -> impl IntoView {
    let refresh = move || epoch.update(|e| *e += 1);
    let prev = (v.day - Duration::days(1)).to_string();
    let next = (v.day < v.today).then(|| (v.day + Duration::days(1)).to_string());
    let is_today = v.day == v.today;
    let error = RwSignal::new(None::<String>);
    let day = v.day;
    let offline = OfflineDay::start(v.viewer.clone(), day, refresh);
    let tt = crate::i18n::t();
    let t = &tt.diary;
    view! {
        <div class="day-head">
            <A href=format!("/diary?day={prev}") attr:class="button button-quiet" attr:aria-label=t.previous_day>"←"</A>
            <h2 class="day-title">
                {long_date(v.day)}
                {is_today.then(|| view! { <span class="badge">{t.today}</span> })}
            </h2>
            {match next {
                Some(n) => view! { <A href=format!("/diary?day={n}") attr:class="button button-quiet" attr:aria-label=t.next_day>"→"</A> }.into_any(),
                None => view! { <span class="button-placeholder"></span> }.into_any(),
            }}
            <Form method="GET" action="/diary" attr:class="day-jump">
                <label for="jump-day" class="visually-hidden">{t.go_to_day}</label>
                <input id="jump-day" type="date" name="day" value=v.day.to_string() max=v.today.to_string() />
                <button type="submit" class="button button-quiet">{t.go}</button>
            </Form>
            {(!is_today).then(|| view! { <A href="/diary" attr:class="link-button">{t.back_to_today}</A> })}
        </div>
        <FormAlert error=Signal::derive(move || error.get()) />
        <OfflineNotes offline />
        <div class="diary-layout">
            <div class="diary-main">
                <section class="card" aria-labelledby="habits-h">
                    <h2 id="habits-h">{t.habits}</h2>
                    {if v.habits.is_empty() {
                        view! { <p class="muted">{t.no_habits_hint}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="habit-list">
                                {v.habits.into_iter().map(|h| view! { <HabitRow h day error refresh offline tags=v.tags.clone() /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <NewHabit refresh />
                    {(!v.archived.is_empty()).then(|| view! {
                        <details class="archived">
                            <summary>{fill(t.archived_habits, &[("n", &v.archived.len())])}</summary>
                            <ul class="plain-list">
                                {v.archived.into_iter().map(|h| {
                                    let (id1, id2) = (h.id.to_string(), h.id.to_string());
                                    view! {
                                        <li class="archived-row">
                                            <span>{h.name.clone()}</span>
                                            <button type="button" class="button button-quiet" on:click=move |_| {
                                                let id = id1.clone();
                                                spawn_local(async move {
                                                    match archive_habit(id, "false".into()).await {
                                                        Ok(()) => refresh(),
                                                        Err(e) => error.set(Some(e.to_string())),
                                                    }
                                                });
                                            }>{t.restore}</button>
                                            <button type="button" class="button button-danger" on:click=move |_| {
                                                let id = id2.clone();
                                                if !confirm(t.confirm_delete_habit) { return; }
                                                spawn_local(async move {
                                                    match delete_habit(id).await {
                                                        Ok(()) => refresh(),
                                                        Err(e) => error.set(Some(e.to_string())),
                                                    }
                                                });
                                            }>{tt.shell.delete}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </details>
                    })}
                </section>
                <EntryCard day entry=v.entry tags=v.tags.clone() refresh error />
            </div>
            <div class="diary-side">
                <section class="card" aria-labelledby="day-focus-h">
                    <h2 id="day-focus-h">{t.focus}</h2>
                    <p class="big-number">{fill(t.minutes, &[("n", &v.focus_minutes)])}</p>
                    <p class="muted">{fill(plural(v.focus_sessions, t.sessions_on_day_one, t.sessions_on_day_other), &[("n", &v.focus_sessions)])}</p>
                </section>
                <section class="card" aria-labelledby="heat-h">
                    <h2 id="heat-h">{t.checkins}</h2>
                    <Heatmap values=v.checkin_heatmap end=v.today weeks=26 label=t.checkins unit=t.checkins_unit id="check-ins" />
                </section>
                <section class="card" aria-labelledby="otd-h">
                    <h2 id="otd-h">{t.on_this_day}</h2>
                    {if v.memories.is_empty() {
                        view! { <p class="muted">{t.no_memories}</p> }.into_any()
                    } else {
                        view! {
                            <ul class="memories">
                                {v.memories.into_iter().map(|m| view! {
                                    <li class="memory">
                                        <p class="memory-when">
                                            <A href=format!("/diary?day={}", m.day)>{fill(plural(m.years_ago.into(), t.years_ago_one, t.years_ago_other), &[("n", &m.years_ago)])}</A>
                                        </p>
                                        <p>{m.text}</p>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
            </div>
        </div>
    }
}

fn confirm(question: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        window().confirm_with_message(question).unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = question;
        true
    }
}

/// Check-ins made on this page without a network: kept in the outbox, shown as checked,
/// sent when the connection returns (see `crate::offline`).
#[derive(Clone, Copy)]
struct OfflineDay {
    viewer: StoredValue<String>,
    /// (habit, record) of this day's check-ins waiting in the outbox.
    queued: RwSignal<Vec<(Uuid, Uuid)>>,
    /// What the last upload said.
    report: RwSignal<Vec<String>>,
}

impl OfflineDay {
    /// Reads this day's waiting check-ins, and sends the outbox now (if the network is
    /// there) and whenever the connection returns.
    fn start(
        viewer: String,
        day: NaiveDate,
        refresh: impl Fn() + Copy + Send + Sync + 'static,
    ) -> Self {
        let this = Self {
            viewer: StoredValue::new(viewer),
            queued: RwSignal::new(Vec::new()),
            report: RwSignal::new(Vec::new()),
        };
        let send = move || {
            let viewer = this.viewer.get_value();
            spawn_local(async move {
                if let Ok(sent) = send_outbox(&viewer, None).await
                    && !sent.records.is_empty()
                {
                    this.queued.set(Vec::new());
                    this.report.set(sent.report());
                    refresh();
                }
            });
        };
        Effect::new(move |_| {
            let viewer = this.viewer.get_value();
            spawn_local(async move {
                let saved = outbox::load(&viewer).await;
                this.queued.set(
                    saved
                        .records
                        .iter()
                        .filter_map(|r| match r {
                            OfflineRecord::Checkin {
                                id,
                                habit_id,
                                day: d,
                            } if *d == day => Some((*habit_id, *id)),
                            _ => None,
                        })
                        .collect(),
                );
                if online() && (!saved.records.is_empty() || saved.timer.is_some()) {
                    send();
                }
            });
            let back = window_event_listener(leptos::ev::online, move |_| send());
            on_cleanup(move || back.remove());
        });
        this
    }

    fn waiting(&self, habit: Uuid) -> Option<Uuid> {
        self.queued
            .with(|q| q.iter().find(|(h, _)| *h == habit).map(|(_, r)| *r))
    }

    /// Checks a habit in here, to be sent later.
    async fn check_in(&self, habit_id: Uuid, day: NaiveDate) -> Result<(), String> {
        let record = OfflineRecord::Checkin {
            id: Uuid::new_v4(),
            habit_id,
            day,
        };
        outbox::put(
            &self.viewer.get_value(),
            None,
            std::slice::from_ref(&record),
        )
        .await?;
        self.queued.update(|q| q.push((habit_id, record.id())));
        Ok(())
    }

    /// Takes back a check-in that has not been sent yet.
    async fn undo(&self, habit: Uuid, record: Uuid) -> Result<(), String> {
        outbox::settle(&self.viewer.get_value(), false, &[record]).await?;
        self.queued.update(|q| q.retain(|(h, _)| *h != habit));
        Ok(())
    }
}

/// "Checked in on this device" and what the last upload of the outbox said.
#[component]
fn OfflineNotes(offline: OfflineDay) -> impl IntoView {
    let t = &crate::i18n::t().offline;
    view! {
        <div role="status" aria-live="polite" data-testid="offline-status">
            <Show when=move || offline.queued.with(|q| !q.is_empty())>
                <p class="notice">{t.checked_in_offline}</p>
            </Show>
            <SyncNotice report=offline.report />
        </div>
    }
}

#[component]
fn HabitRow(
    h: HabitDay,
    day: NaiveDate,
    error: RwSignal<Option<String>>,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
    offline: OfflineDay,
    tags: Vec<TagView>,
) -> impl IntoView {
    let id = h.habit.id.to_string();
    let habit = h.habit.id;
    let on_server = h.checkin.is_some();
    // Checked here without a network, not yet sent.
    let checked = move || on_server || offline.waiting(habit).is_some();
    let name = h.habit.name.clone();
    let toggle = {
        let id = id.clone();
        move |_| {
            let (id, d) = (id.clone(), day.to_string());
            spawn_local(async move {
                let result = if let Some(record) = offline.waiting(habit) {
                    offline
                        .undo(habit, record)
                        .await
                        .map_err(|_| AppError::Network)
                } else if on_server {
                    undo_check_in(id, d).await.inspect(|()| refresh())
                } else {
                    match check_in(id, d, None, None).await {
                        Ok(_) => {
                            refresh();
                            Ok(())
                        }
                        // No network: checked in here, sent when the connection returns.
                        Err(AppError::Network) => offline
                            .check_in(habit, day)
                            .await
                            .map_err(|_| AppError::Network),
                        Err(e) => Err(e),
                    }
                };
                error.set(result.err().map(|e| e.to_string()));
            });
        }
    };
    let archive = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            spawn_local(async move {
                match archive_habit(id, "true".into()).await {
                    Ok(()) => refresh(),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let note = ServerAction::<CheckIn>::new();
    let nv = note.value();
    Effect::new(move |_| {
        if nv.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
        }
    });
    let s = h.stats;
    let streak = streak_text(s.current, s.unit);
    let best = streak_text(s.best, s.unit);
    let rate = (s.completion_rate * 100.0).round() as i64;
    let current_note = h
        .checkin
        .as_ref()
        .and_then(|c| c.note.clone())
        .unwrap_or_default();
    let tt = crate::i18n::t();
    let t = &tt.diary;
    view! {
        <li class="habit" class:done=checked data-testid="habit">
            <button type="button" class="habit-check" aria-pressed=move || checked().to_string()
                aria-label=move || fill(if checked() { t.undo_check_in_named } else { t.check_in_named }, &[("name", &name)])
                on:click=toggle>
                <svg viewBox="0 0 24 24" aria-hidden="true" class="habit-tick">
                    <circle cx="12" cy="12" r="10" fill={
                        let colour = h.habit.colour.clone();
                        move || if checked() { colour.clone() } else { "none".to_owned() }
                    } stroke=h.habit.colour.clone() stroke-width="2" />
                    {move || checked().then(|| view! { <path d="M7 12.5l3 3 7-7" fill="none" stroke="white" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" /> })}
                </svg>
            </button>
            <div class="habit-body">
                <p class="habit-name">{h.habit.name.clone()}</p>
                <p class="muted habit-meta">
                    {h.habit.schedule.describe()}
                    " · "<span data-testid="streak">{fill(t.streak_label, &[("streak", &streak)])}</span>
                    {fill(t.habit_meta, &[("best", &best), ("rate", &rate)])}
                </p>
                {h.checkin.as_ref().and_then(|c| c.note.clone()).map(|n| view! { <p class="habit-note">{n}</p> })}
                {h.checkin.as_ref().map(|c| c.tags.iter().map(|t| view! { <span class="chip">{t.name.clone()}</span> }).collect_view())}
            </div>
            <details class="habit-more">
                <summary aria-label=fill(t.more_for, &[("name", &h.habit.name)])>"⋯"</summary>
                <ActionForm action=note attr:class="form">
                    <FormAlert error=form_error(nv, &["note", "day"]) />
                    <input type="hidden" name="habit_id" value=id.clone() />
                    <input type="hidden" name="day" value=day.to_string() />
                    <div class="field">
                        <label for=format!("note-{id}")>{t.note_for_day}</label>
                        <textarea id=format!("note-{id}") name="note" rows="2" maxlength="2000">{raw_text(&current_note)}</textarea>
                        <p class="field-error">{move || field_error(nv, "note").get()}</p>
                    </div>
                    <TagChecks tags=tags.clone() chosen=h.checkin.as_ref().map(|c| c.tags.iter().map(|t| t.id).collect()).unwrap_or_default() />
                    <Submit label=t.check_in_with_note busy_label=tt.shell.saving pending=note.pending() class="button button-quiet" />
                </ActionForm>
                <button type="button" class="link-button" on:click=archive>{t.archive_habit}</button>
            </details>
        </li>
    }
}

/// Tag checkboxes whose ticked ids travel as one comma-separated `tag_ids` field.
#[component]
fn TagChecks(tags: Vec<TagView>, chosen: Vec<Uuid>) -> impl IntoView {
    let t = &crate::i18n::t().diary;
    if tags.is_empty() {
        return view! { <p class="muted">{t.tags_hint}</p> }.into_any();
    }
    let chosen = RwSignal::new(chosen);
    let joined = move || {
        chosen
            .get()
            .iter()
            .map(Uuid::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    view! {
        <fieldset class="tag-picker">
            <legend>{t.tags}</legend>
            <input type="hidden" name="tag_ids" prop:value=joined value=joined />
            {tags.into_iter().map(|tag| {
                let id = tag.id;
                view! {
                    <label class="tag-check">
                        <input type="checkbox" checked=move || chosen.with(|c| c.contains(&id)) on:change=move |e| {
                            let on = event_target_checked(&e);
                            chosen.update(|c| {
                                c.retain(|x| *x != id);
                                if on { c.push(id); }
                            });
                        } />
                        {tag.name}
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }.into_any()
}

#[component]
fn NewHabit(refresh: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let create = ServerAction::<CreateHabit>::new();
    let v = create.value();
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
            if let Some(f) = form.get_untracked() {
                f.reset();
            }
        }
    });
    let kind = RwSignal::new("daily".to_owned());
    let lang = crate::i18n::lang();
    let t = &lang.texts().diary;
    let days = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ]
    .map(|(name, day)| (name, crate::i18n::weekday(lang, day, true)));
    view! {
        <details class="new-habit">
            <summary>{t.new_habit}</summary>
            <ActionForm action=create node_ref=form attr:class="form">
                <FormAlert error=form_error(v, &["name", "colour", "schedule", "times", "days"]) />
                <Field label=t.name name="name" required=true error=field_error(v, "name") />
                <Field label=t.colour name="colour" kind="color" value="#2f6b4f".to_string() error=field_error(v, "colour") />
                <fieldset class="schedule">
                    <legend>{t.how_often}</legend>
                    {[("daily", t.every_day), ("times_per_week", t.times_a_week), ("weekdays", t.on_chosen_days)].into_iter().map(|(value, label)| view! {
                        <label class="check">
                            <input type="radio" name="schedule" value=value checked=value == "daily"
                                on:change=move |_| kind.set(value.to_owned()) />
                            " "{label}
                        </label>
                    }).collect_view()}
                    <div class="field schedule-times">
                        <label for="habit-times">{t.times_a_week_label}</label>
                        <input id="habit-times" name="times" type="number" min="1" max="7" value="3" />
                        <p class="field-error">{move || field_error(v, "times").get()}</p>
                    </div>
                    <div class="weekday-picks" role="group" aria-label=t.days>
                        {days.into_iter().map(|(name, label)| view! {
                            <label class="tag-check"><input type="checkbox" name=name />{label}</label>
                        }).collect_view()}
                    </div>
                    <p class="field-error">{move || field_error(v, "days").get()}</p>
                    <p class="hint">{move || match kind.get().as_str() {
                        "times_per_week" => t.hint_times,
                        "weekdays" => t.hint_weekdays,
                        _ => t.hint_daily,
                    }}</p>
                </fieldset>
                <Submit label=t.add_habit busy_label=t.adding pending=create.pending() class="button button-primary" />
            </ActionForm>
        </details>
    }
}

#[component]
fn EntryCard(
    day: NaiveDate,
    entry: Option<EntryView>,
    tags: Vec<TagView>,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let save = ServerAction::<SaveEntry>::new();
    let v = save.value();
    let editing = RwSignal::new(entry.is_none());
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(_)))) {
            refresh();
        }
    });
    let body = entry.as_ref().map(|e| e.body.clone()).unwrap_or_default();
    let mood = entry.as_ref().and_then(|e| e.mood);
    let chosen: Vec<Uuid> = entry
        .as_ref()
        .map(|e| e.tags.iter().map(|t| t.id).collect())
        .unwrap_or_default();
    let shown = entry.clone();
    let entry_id = entry.as_ref().map(|e| e.id.to_string());
    let tt = crate::i18n::t();
    let t = &tt.diary;
    view! {
        <section class="card entry-card" aria-labelledby="entry-h">
            <h2 id="entry-h">{t.diary_entry}</h2>
            {shown.map(|e| view! {
                <div class="entry" hidden=move || editing.get() data-testid="entry">
                    {e.mood.map(|m| view! { <p class="mood-shown">{fill(t.mood_shown, &[("mood", &mood_label(m))])}</p> })}
                    <div class="prose" inner_html=e.html></div>
                    <p>{e.tags.into_iter().map(|t| view! { <span class="chip">{t.name}</span> }).collect_view()}</p>
                    <div class="button-row">
                        <button type="button" class="button button-quiet" on:click=move |_| editing.set(true)>{t.edit}</button>
                        <button type="button" class="button button-danger" on:click=move |_| {
                            let Some(id) = entry_id.clone() else { return };
                            if !confirm(t.confirm_delete_entry) { return; }
                            spawn_local(async move {
                                match delete_entry(id).await {
                                    Ok(()) => refresh(),
                                    Err(e) => error.set(Some(e.to_string())),
                                }
                            });
                        }>{tt.shell.delete}</button>
                    </div>
                </div>
            })}
            <ActionForm action=save attr:class="form" attr:hidden=move || (!editing.get()).then_some("")>
                <FormAlert error=form_error(v, &["body", "mood", "day"]) />
                <input type="hidden" name="day" value=day.to_string() />
                <fieldset class="mood-picker">
                    <legend>{t.mood}</legend>
                    <label class="mood-option"><input type="radio" name="mood" value="" checked=mood.is_none() />{t.mood_none}</label>
                    {MOODS.iter().map(|m| view! {
                        <label class="mood-option"><input type="radio" name="mood" value=m.to_string() checked=mood == Some(*m) />{mood_label(*m)}</label>
                    }).collect_view()}
                    <p class="field-error">{move || field_error(v, "mood").get()}</p>
                </fieldset>
                <div class="field">
                    <label for="entry-body">{t.what_happened}</label>
                    <textarea id="entry-body" name="body" rows="8" maxlength="20000"
                        aria-describedby="entry-hint">{raw_text(&body)}</textarea>
                    <p class="hint" id="entry-hint">{t.entry_hint}</p>
                    <p class="field-error">{move || field_error(v, "body").get()}</p>
                </div>
                <TagChecks tags chosen />
                <Submit label=t.save_entry busy_label=tt.shell.saving pending=save.pending() class="button button-primary" />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_stats());
    let t = &crate::i18n::t().diary;
    view! {
        <Title text=t.stats_title />
        <section class="container stats-page">
            <header class="page-head">
                <h1>{t.stats_title}</h1>
                <DiaryNav current="stats" />
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.adding_up}</p> }>
                {move || Suspend::new(async move {
                    match stats.await {
                        Ok(s) => view! { <Stats s /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Stats(s: StatsView) -> impl IntoView {
    let hours = s.total_focus_minutes / 60;
    let tag_bars: Vec<crate::components::charts::Bar> = s
        .tag_totals
        .iter()
        .take(8)
        .map(|t| crate::components::charts::Bar {
            label: t.tag.name.clone(),
            value: t.minutes as f64,
        })
        .collect();
    let t = &crate::i18n::t().diary;
    view! {
        <ul class="stat-tiles">
            <li class="card tile"><span class="big-number">{fill(t.hours, &[("n", &hours)])}</span><span class="muted">{t.focused_total}</span></li>
            <li class="card tile"><span class="big-number">{s.total_sessions}</span><span class="muted">{t.tile_sessions}</span></li>
            <li class="card tile"><span class="big-number">{s.total_checkins}</span><span class="muted">{t.tile_checkins}</span></li>
            <li class="card tile"><span class="big-number">{s.entries}</span><span class="muted">{t.tile_entries}</span></li>
        </ul>
        <section class="card" aria-labelledby="focus-year-h">
            <h2 id="focus-year-h">{t.focus_this_year}</h2>
            <Heatmap values=s.focus_heatmap end=s.today weeks=53 label=t.focus_minutes unit=t.min_unit id="focus-minutes" />
        </section>
        <section class="card" aria-labelledby="checkin-year-h">
            <h2 id="checkin-year-h">{t.checkins_this_year}</h2>
            <Heatmap values=s.checkin_heatmap end=s.today weeks=53 label=t.checkins_per_day unit=t.checkins_unit id="check-ins-per-day" />
        </section>
        <section class="card" aria-labelledby="habits-stats-h">
            <h2 id="habits-stats-h">{t.habits}</h2>
            {if s.habits.is_empty() {
                view! { <p class="muted">{t.no_habits}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead><tr><th scope="col">{t.col_habit}</th><th scope="col">{t.col_schedule}</th><th scope="col">{t.col_current}</th><th scope="col">{t.col_best}</th><th scope="col">{t.col_done}</th></tr></thead>
                            <tbody>
                                {s.habits.into_iter().map(|(h, st)| view! {
                                    <tr>
                                        <th scope="row">{h.name}</th>
                                        <td>{h.schedule.describe()}</td>
                                        <td>{streak_text(st.current, st.unit)}</td>
                                        <td>{streak_text(st.best, st.unit)}</td>
                                        <td>{fill(t.done_rate, &[("rate", &((st.completion_rate * 100.0).round() as i64)), ("done", &st.done), ("expected", &st.expected)])}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <div class="chart-grid">
            <section class="card"><BarChart bars=s.focus_by_day title=t.chart_focus_days unit=t.min_unit /></section>
            <section class="card"><BarChart bars=s.focus_by_week title=t.chart_focus_weeks unit=t.min_unit /></section>
            <section class="card"><BarChart bars=s.focus_by_month title=t.chart_focus_months unit=t.min_unit /></section>
            <section class="card">
                {if tag_bars.is_empty() {
                    view! { <h2>{t.focus_by_tag}</h2><p class="muted">{t.focus_by_tag_hint}</p> }.into_any()
                } else {
                    view! { <BarChart bars=tag_bars title=t.chart_focus_tags unit=t.min_unit /> }.into_any()
                }}
            </section>
            <section class="card"><BarChart bars=s.tasks_by_week title=t.chart_tasks_weeks unit=t.tasks_unit /></section>
        </div>
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let q = use_query_map();
    let epoch = RwSignal::new(0u32);
    let param = move |k: &str| q.with(|q| q.get(k));
    let items = Resource::new(
        move || {
            (
                [
                    param("from"),
                    param("to"),
                    param("tag"),
                    param("habit"),
                    param("q"),
                    param("kind"),
                ],
                epoch.get(),
            )
        },
        |([from, to, tag, habit, q, kind], _)| search_history(from, to, tag, habit, q, kind),
    );
    // The filter form's choices (tags and habits) come with today's diary data.
    let day = Resource::new(|| (), |_| get_diary_day(None));
    let value = move |k: &'static str| param(k).unwrap_or_default();
    let t = &crate::i18n::t().diary;
    view! {
        <Title text=t.history_title />
        <section class="container history-page">
            <header class="page-head">
                <h1>{t.history_title}</h1>
                <DiaryNav current="history" />
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.searching}</p> }>
                {move || Suspend::new(async move {
                    let (items, day) = (items.await, day.await);
                    let (items, day) = match (items, day) {
                        (Ok(i), Ok(d)) => (i, d),
                        (Err(e), _) | (_, Err(e)) => return failure(e),
                    };
                    let habits: Vec<_> = day.habits.iter().map(|h| h.habit.clone()).chain(day.archived.iter().cloned()).collect();
                    view! {
                        <Form method="GET" action="/diary/history" attr:class="card form history-filter">
                            <div class="filter-grid">
                                <div class="field"><label for="f-from">{t.from}</label><input id="f-from" type="date" name="from" value=value("from") /></div>
                                <div class="field"><label for="f-to">{t.to}</label><input id="f-to" type="date" name="to" value=value("to") /></div>
                                <div class="field">
                                    <label for="f-kind">{t.kind}</label>
                                    <select id="f-kind" name="kind">
                                        {[("", t.kind_all), ("focus", t.kind_focus), ("checkin", t.checkins), ("entry", t.kind_entries)].into_iter().map(|(k, label)| view! {
                                            <option value=k selected=value("kind") == k>{label}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-tag">{t.tag}</label>
                                    <select id="f-tag" name="tag">
                                        <option value="">{t.any_tag}</option>
                                        {day.tags.iter().map(|t| view! { <option value=t.id.to_string() selected=value("tag") == t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-habit">{t.col_habit}</label>
                                    <select id="f-habit" name="habit">
                                        <option value="">{t.any_habit}</option>
                                        {habits.iter().map(|h| view! { <option value=h.id.to_string() selected=value("habit") == h.id.to_string()>{h.name.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field"><label for="f-q">{t.text}</label><input id="f-q" type="search" name="q" value=value("q") /></div>
                            </div>
                            <div class="button-row">
                                <button type="submit" class="button button-primary">{t.filter}</button>
                                <A href="/diary/history" attr:class="button button-quiet">{t.clear}</A>
                            </div>
                        </Form>
                        <HistoryList items epoch />
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

#[component]
fn HistoryList(items: Vec<HistoryItem>, epoch: RwSignal<u32>) -> impl IntoView {
    let error = RwSignal::new(None::<String>);
    let t = &crate::i18n::t().diary;
    if items.is_empty() {
        return view! { <p class="muted" role="status">{t.no_matches}</p> }.into_any();
    }
    let count = items.len();
    let records = plural(
        i64::try_from(count).unwrap_or(i64::MAX),
        t.records_one,
        t.records_other,
    );
    view! {
        <p class="muted" role="status">{fill(records, &[("n", &count)])}</p>
        <FormAlert error=Signal::derive(move || error.get()) />
        <ol class="history-records" data-testid="records">
            {items.into_iter().map(|item| view! { <Record item epoch error /> }).collect_view()}
        </ol>
    }
    .into_any()
}

#[component]
fn Record(
    item: HistoryItem,
    epoch: RwSignal<u32>,
    error: RwSignal<Option<String>>,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let draft = RwSignal::new(item.note.clone().unwrap_or_default());
    let kind = item.kind.clone();
    let id = item.id.to_string();
    let tt = crate::i18n::t();
    let t = &tt.diary;
    let label = match kind.as_str() {
        "focus" => t.focus,
        "checkin" => t.badge_checkin,
        _ => t.title,
    };
    let save = {
        let (kind, id) = (kind.clone(), id.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (kind, id, note) = (kind.clone(), id.clone(), draft.get_untracked());
            spawn_local(async move {
                match edit_note(kind, id, note).await {
                    Ok(()) => {
                        editing.set(false);
                        epoch.update(|e| *e += 1);
                    }
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let remove = {
        let (kind, id) = (kind.clone(), id.clone());
        move |_| {
            if !confirm(t.confirm_delete_record) {
                return;
            }
            let (kind, id) = (kind.clone(), id.clone());
            spawn_local(async move {
                let r = match kind.as_str() {
                    "focus" => delete_session(id).await,
                    "checkin" => delete_checkin(id).await,
                    _ => delete_entry(id).await,
                };
                match r {
                    Ok(()) => epoch.update(|e| *e += 1),
                    Err(e) => error.set(Some(e.to_string())),
                }
            });
        }
    };
    let field_id = format!("edit-{id}");
    view! {
        <li class="record" data-kind=kind.clone()>
            <div class="record-head">
                <span class="badge">{label}</span>
                <A href=format!("/diary?day={}", item.day)>{crate::i18n::date(&item.day, DateStyle::Medium)}</A>
                <span class="record-title">{item.title.clone()}</span>
                {item.minutes.map(|m| view! { <span class="muted">{fill(t.minutes, &[("n", &m)])}</span> })}
            </div>
            {item.tags.iter().map(|t| view! { <span class="chip">{t.name.clone()}</span> }).collect_view()}
            <p class="record-note" hidden=move || editing.get()>{item.note.clone()}</p>
            <form class="form record-edit" hidden=move || !editing.get() on:submit=save>
                <label for=field_id.clone()>{if kind == "entry" { t.entry_text } else { t.note }}</label>
                <textarea id=field_id rows="3" prop:value=move || draft.get() on:input=move |e| draft.set(event_target_value(&e))></textarea>
                <div class="button-row">
                    <button type="submit" class="button button-primary">{tt.shell.save}</button>
                    <button type="button" class="button button-quiet" on:click=move |_| editing.set(false)>{tt.shell.cancel}</button>
                </div>
            </form>
            <div class="button-row record-actions" hidden=move || editing.get()>
                <button type="button" class="link-button" on:click=move |_| editing.set(true)>{t.edit}</button>
                <button type="button" class="link-button danger" on:click=remove>{tt.shell.delete}</button>
            </div>
        </li>
    }
}
