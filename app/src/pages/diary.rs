//! `/diary` (one day: habits, the entry, "on this day"), `/diary/stats` and
//! `/diary/history`.
//!
//! Each page creates its one resource at the top and reads it in one `<Transition>`;
//! changes bump an epoch that refetches it, so check-ins show up without a reload.

use chrono::{Duration, NaiveDate};
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
};

fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

fn sign_in_prompt(what: &'static str) -> impl IntoView {
    view! {
        <div class="card auth-card">
            <h2>"Your diary"</h2>
            <p class="auth-lede">{what}</p>
            <div class="button-row">
                <A href="/login" attr:class="button button-primary">"Log in"</A>
                <A href="/signup" attr:class="button button-quiet">"Create an account"</A>
            </div>
        </div>
    }
}

fn failure(e: AppError) -> AnyView {
    match e {
        AppError::Unauthorized => sign_in_prompt(
            "Log in to keep habits, a daily diary and your focus history in one place.",
        )
        .into_any(),
        e => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
    }
}

#[component]
fn DiaryNav(current: &'static str) -> impl IntoView {
    let item = move |href: &'static str, label: &'static str, key: &'static str| {
        view! {
            <A href=href attr:class="subnav-link" attr:aria-current=(current == key).then_some("page")>{label}</A>
        }
    };
    view! {
        <nav class="subnav" aria-label="Diary">
            {item("/diary", "Day", "day")}
            {item("/diary/stats", "Statistics", "stats")}
            {item("/diary/history", "History", "history")}
        </nav>
    }
}

/// What a streak reads as ("5 days", "1 week").
fn streak_text(n: u32, unit: StreakUnit) -> String {
    let (one, many) = match unit {
        StreakUnit::Days => ("day", "days"),
        StreakUnit::Weeks => ("week", "weeks"),
    };
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
pub fn DiaryPage() -> impl IntoView {
    let q = use_query_map();
    let epoch = RwSignal::new(0u32);
    let day = move || q.with(|q| q.get("day"));
    let data = Resource::new(move || (day(), epoch.get()), |(d, _)| get_diary_day(d));
    view! {
        <Title text="Diary" />
        <section class="container diary-page">
            <header class="page-head">
                <h1>"Diary"</h1>
                <DiaryNav current="day" />
            </header>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading your day…"</p> }>
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
    view! {
        <div class="day-head">
            <A href=format!("/diary?day={prev}") attr:class="button button-quiet" attr:aria-label="Previous day">"←"</A>
            <h2 class="day-title">
                {long_date(v.day)}
                {is_today.then(|| view! { <span class="badge">"Today"</span> })}
            </h2>
            {match next {
                Some(n) => view! { <A href=format!("/diary?day={n}") attr:class="button button-quiet" attr:aria-label="Next day">"→"</A> }.into_any(),
                None => view! { <span class="button-placeholder"></span> }.into_any(),
            }}
            <Form method="GET" action="/diary" attr:class="day-jump">
                <label for="jump-day" class="visually-hidden">"Go to day"</label>
                <input id="jump-day" type="date" name="day" value=v.day.to_string() max=v.today.to_string() />
                <button type="submit" class="button button-quiet">"Go"</button>
            </Form>
            {(!is_today).then(|| view! { <A href="/diary" attr:class="link-button">"Back to today"</A> })}
        </div>
        <FormAlert error=Signal::derive(move || error.get()) />
        <div class="diary-layout">
            <div class="diary-main">
                <section class="card" aria-labelledby="habits-h">
                    <h2 id="habits-h">"Habits"</h2>
                    {if v.habits.is_empty() {
                        view! { <p class="muted">"No habits yet. Add one below: a walk, reading, no phone after ten…"</p> }.into_any()
                    } else {
                        view! {
                            <ul class="habit-list">
                                {v.habits.into_iter().map(|h| view! { <HabitRow h day error refresh tags=v.tags.clone() /> }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    <NewHabit refresh />
                    {(!v.archived.is_empty()).then(|| view! {
                        <details class="archived">
                            <summary>{format!("Archived habits ({})", v.archived.len())}</summary>
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
                                            }>"Restore"</button>
                                            <button type="button" class="button button-danger" on:click=move |_| {
                                                let id = id2.clone();
                                                if !confirm("Delete this habit and all its check-ins?") { return; }
                                                spawn_local(async move {
                                                    match delete_habit(id).await {
                                                        Ok(()) => refresh(),
                                                        Err(e) => error.set(Some(e.to_string())),
                                                    }
                                                });
                                            }>"Delete"</button>
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
                    <h2 id="day-focus-h">"Focus"</h2>
                    <p class="big-number">{format!("{} min", v.focus_minutes)}</p>
                    <p class="muted">{format!("{} focus session{} on this day", v.focus_sessions, if v.focus_sessions == 1 { "" } else { "s" })}</p>
                </section>
                <section class="card" aria-labelledby="heat-h">
                    <h2 id="heat-h">"Check-ins"</h2>
                    <Heatmap values=v.checkin_heatmap end=v.today weeks=26 label="Check-ins" unit="check-ins" />
                </section>
                <section class="card" aria-labelledby="otd-h">
                    <h2 id="otd-h">"On this day"</h2>
                    {if v.memories.is_empty() {
                        view! { <p class="muted">"Nothing from this date in earlier years yet. Come back next year."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="memories">
                                {v.memories.into_iter().map(|m| view! {
                                    <li class="memory">
                                        <p class="memory-when">
                                            <A href=format!("/diary?day={}", m.day)>{format!("{} year{} ago", m.years_ago, if m.years_ago == 1 { "" } else { "s" })}</A>
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

#[component]
fn HabitRow(
    h: HabitDay,
    day: NaiveDate,
    error: RwSignal<Option<String>>,
    refresh: impl Fn() + Copy + Send + Sync + 'static,
    tags: Vec<TagView>,
) -> impl IntoView {
    let id = h.habit.id.to_string();
    let checked = h.checkin.is_some();
    let name = h.habit.name.clone();
    let toggle = {
        let id = id.clone();
        move |_| {
            let (id, d) = (id.clone(), day.to_string());
            spawn_local(async move {
                let result = if checked {
                    undo_check_in(id, d).await
                } else {
                    check_in(id, d, None, None).await.map(|_| ())
                };
                match result {
                    Ok(()) => refresh(),
                    Err(e) => error.set(Some(e.to_string())),
                }
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
    view! {
        <li class="habit" class:done=checked data-testid="habit">
            <button type="button" class="habit-check" aria-pressed=checked.to_string()
                aria-label=format!("{} {name}", if checked { "Undo check-in of" } else { "Check in" })
                on:click=toggle>
                <svg viewBox="0 0 24 24" aria-hidden="true" class="habit-tick">
                    <circle cx="12" cy="12" r="10" fill=if checked { h.habit.colour.clone() } else { "none".to_owned() } stroke=h.habit.colour.clone() stroke-width="2" />
                    {checked.then(|| view! { <path d="M7 12.5l3 3 7-7" fill="none" stroke="white" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" /> })}
                </svg>
            </button>
            <div class="habit-body">
                <p class="habit-name">{h.habit.name.clone()}</p>
                <p class="muted habit-meta">
                    {h.habit.schedule.describe()}
                    " · "<span data-testid="streak">{format!("streak {streak}")}</span>
                    {format!(" · best {best} · {rate}% done")}
                </p>
                {h.checkin.as_ref().and_then(|c| c.note.clone()).map(|n| view! { <p class="habit-note">{n}</p> })}
                {h.checkin.as_ref().map(|c| c.tags.iter().map(|t| view! { <span class="chip">{t.name.clone()}</span> }).collect_view())}
            </div>
            <details class="habit-more">
                <summary aria-label=format!("More for {}", h.habit.name)>"⋯"</summary>
                <ActionForm action=note attr:class="form">
                    <FormAlert error=form_error(nv, &["note", "day"]) />
                    <input type="hidden" name="habit_id" value=id.clone() />
                    <input type="hidden" name="day" value=day.to_string() />
                    <div class="field">
                        <label for=format!("note-{id}")>"Note for this day"</label>
                        <textarea id=format!("note-{id}") name="note" rows="2" maxlength="2000">{raw_text(&current_note)}</textarea>
                        <p class="field-error">{move || field_error(nv, "note").get()}</p>
                    </div>
                    <TagChecks tags=tags.clone() chosen=h.checkin.as_ref().map(|c| c.tags.iter().map(|t| t.id).collect()).unwrap_or_default() />
                    <Submit label="Check in with note" busy_label="Saving…" pending=note.pending() class="button button-quiet" />
                </ActionForm>
                <button type="button" class="link-button" on:click=archive>"Archive habit"</button>
            </details>
        </li>
    }
}

/// Tag checkboxes whose ticked ids travel as one comma-separated `tag_ids` field.
#[component]
fn TagChecks(tags: Vec<TagView>, chosen: Vec<Uuid>) -> impl IntoView {
    if tags.is_empty() {
        return view! { <p class="muted">"Tags you create on the timer page can label records here."</p> }.into_any();
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
            <legend>"Tags"</legend>
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
    let days = [
        ("mon", "Mon"),
        ("tue", "Tue"),
        ("wed", "Wed"),
        ("thu", "Thu"),
        ("fri", "Fri"),
        ("sat", "Sat"),
        ("sun", "Sun"),
    ];
    view! {
        <details class="new-habit">
            <summary>"New habit"</summary>
            <ActionForm action=create node_ref=form attr:class="form">
                <FormAlert error=form_error(v, &["name", "colour", "schedule", "times", "days"]) />
                <Field label="Name" name="name" required=true error=field_error(v, "name") />
                <Field label="Colour" name="colour" kind="color" value="#2f6b4f".to_string() error=field_error(v, "colour") />
                <fieldset class="schedule">
                    <legend>"How often"</legend>
                    {[("daily", "Every day"), ("times_per_week", "Times a week"), ("weekdays", "On chosen days")].into_iter().map(|(value, label)| view! {
                        <label class="check">
                            <input type="radio" name="schedule" value=value checked=value == "daily"
                                on:change=move |_| kind.set(value.to_owned()) />
                            " "{label}
                        </label>
                    }).collect_view()}
                    <div class="field schedule-times">
                        <label for="habit-times">"Times a week"</label>
                        <input id="habit-times" name="times" type="number" min="1" max="7" value="3" />
                        <p class="field-error">{move || field_error(v, "times").get()}</p>
                    </div>
                    <div class="weekday-picks" role="group" aria-label="Days">
                        {days.into_iter().map(|(name, label)| view! {
                            <label class="tag-check"><input type="checkbox" name=name />{label}</label>
                        }).collect_view()}
                    </div>
                    <p class="field-error">{move || field_error(v, "days").get()}</p>
                    <p class="hint">{move || match kind.get().as_str() {
                        "times_per_week" => "Streaks count weeks in which you reached the number.",
                        "weekdays" => "Only the ticked days count; the others never break a streak.",
                        _ => "Streaks count days in a row.",
                    }}</p>
                </fieldset>
                <Submit label="Add habit" busy_label="Adding…" pending=create.pending() class="button button-primary" />
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
    view! {
        <section class="card entry-card" aria-labelledby="entry-h">
            <h2 id="entry-h">"Diary entry"</h2>
            {shown.map(|e| view! {
                <div class="entry" hidden=move || editing.get() data-testid="entry">
                    {e.mood.map(|m| view! { <p class="mood-shown">{format!("Mood: {}", mood_label(m))}</p> })}
                    <div class="prose" inner_html=e.html></div>
                    <p>{e.tags.into_iter().map(|t| view! { <span class="chip">{t.name}</span> }).collect_view()}</p>
                    <div class="button-row">
                        <button type="button" class="button button-quiet" on:click=move |_| editing.set(true)>"Edit"</button>
                        <button type="button" class="button button-danger" on:click=move |_| {
                            let Some(id) = entry_id.clone() else { return };
                            if !confirm("Delete this diary entry?") { return; }
                            spawn_local(async move {
                                match delete_entry(id).await {
                                    Ok(()) => refresh(),
                                    Err(e) => error.set(Some(e.to_string())),
                                }
                            });
                        }>"Delete"</button>
                    </div>
                </div>
            })}
            <ActionForm action=save attr:class="form" attr:hidden=move || (!editing.get()).then_some("")>
                <FormAlert error=form_error(v, &["body", "mood", "day"]) />
                <input type="hidden" name="day" value=day.to_string() />
                <fieldset class="mood-picker">
                    <legend>"Mood"</legend>
                    <label class="mood-option"><input type="radio" name="mood" value="" checked=mood.is_none() />"None"</label>
                    {MOODS.iter().map(|(m, label)| view! {
                        <label class="mood-option"><input type="radio" name="mood" value=m.to_string() checked=mood == Some(*m) />{*label}</label>
                    }).collect_view()}
                    <p class="field-error">{move || field_error(v, "mood").get()}</p>
                </fieldset>
                <div class="field">
                    <label for="entry-body">"What happened today?"</label>
                    <textarea id="entry-body" name="body" rows="8" maxlength="20000"
                        aria-describedby="entry-hint">{raw_text(&body)}</textarea>
                    <p class="hint" id="entry-hint">"Markdown works: **bold**, *italic*, lists, links."</p>
                    <p class="field-error">{move || field_error(v, "body").get()}</p>
                </div>
                <TagChecks tags chosen />
                <Submit label="Save entry" busy_label="Saving…" pending=save.pending() class="button button-primary" />
            </ActionForm>
        </section>
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let stats = Resource::new(|| (), |_| get_stats());
    view! {
        <Title text="Statistics" />
        <section class="container stats-page">
            <header class="page-head">
                <h1>"Statistics"</h1>
                <DiaryNav current="stats" />
            </header>
            <Transition fallback=|| view! { <p class="muted" role="status">"Adding things up…"</p> }>
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
    view! {
        <ul class="stat-tiles">
            <li class="card tile"><span class="big-number">{format!("{hours} h")}</span><span class="muted">"focused in total"</span></li>
            <li class="card tile"><span class="big-number">{s.total_sessions}</span><span class="muted">"focus sessions"</span></li>
            <li class="card tile"><span class="big-number">{s.total_checkins}</span><span class="muted">"check-ins"</span></li>
            <li class="card tile"><span class="big-number">{s.entries}</span><span class="muted">"diary entries"</span></li>
        </ul>
        <section class="card" aria-labelledby="focus-year-h">
            <h2 id="focus-year-h">"Focus this year"</h2>
            <Heatmap values=s.focus_heatmap end=s.today weeks=53 label="Focus minutes" unit="min" />
        </section>
        <section class="card" aria-labelledby="checkin-year-h">
            <h2 id="checkin-year-h">"Check-ins this year"</h2>
            <Heatmap values=s.checkin_heatmap end=s.today weeks=53 label="Check-ins per day" unit="check-ins" />
        </section>
        <section class="card" aria-labelledby="habits-stats-h">
            <h2 id="habits-stats-h">"Habits"</h2>
            {if s.habits.is_empty() {
                view! { <p class="muted">"No habits yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="data-table">
                            <thead><tr><th scope="col">"Habit"</th><th scope="col">"Schedule"</th><th scope="col">"Current streak"</th><th scope="col">"Best"</th><th scope="col">"Done"</th></tr></thead>
                            <tbody>
                                {s.habits.into_iter().map(|(h, st)| view! {
                                    <tr>
                                        <th scope="row">{h.name}</th>
                                        <td>{h.schedule.describe()}</td>
                                        <td>{streak_text(st.current, st.unit)}</td>
                                        <td>{streak_text(st.best, st.unit)}</td>
                                        <td>{format!("{}% ({} of {})", (st.completion_rate * 100.0).round() as i64, st.done, st.expected)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
        <div class="chart-grid">
            <section class="card"><BarChart bars=s.focus_by_day title="Focus minutes, last 14 days" unit="min" /></section>
            <section class="card"><BarChart bars=s.focus_by_week title="Focus minutes per week" unit="min" /></section>
            <section class="card"><BarChart bars=s.focus_by_month title="Focus minutes per month" unit="min" /></section>
            <section class="card">
                {if tag_bars.is_empty() {
                    view! { <h2>"Focus by tag"</h2><p class="muted">"Tag your focus sessions to see where the time goes."</p> }.into_any()
                } else {
                    view! { <BarChart bars=tag_bars title="Focus minutes by tag, last 12 months" unit="min" /> }.into_any()
                }}
            </section>
            <section class="card"><BarChart bars=s.tasks_by_week title="Tasks completed per week" unit="tasks" /></section>
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
    view! {
        <Title text="History" />
        <section class="container history-page">
            <header class="page-head">
                <h1>"History"</h1>
                <DiaryNav current="history" />
            </header>
            <Transition fallback=|| view! { <p class="muted" role="status">"Searching…"</p> }>
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
                                <div class="field"><label for="f-from">"From"</label><input id="f-from" type="date" name="from" value=value("from") /></div>
                                <div class="field"><label for="f-to">"To"</label><input id="f-to" type="date" name="to" value=value("to") /></div>
                                <div class="field">
                                    <label for="f-kind">"Kind"</label>
                                    <select id="f-kind" name="kind">
                                        {[("", "Everything"), ("focus", "Focus sessions"), ("checkin", "Check-ins"), ("entry", "Diary entries")].into_iter().map(|(k, label)| view! {
                                            <option value=k selected=value("kind") == k>{label}</option>
                                        }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-tag">"Tag"</label>
                                    <select id="f-tag" name="tag">
                                        <option value="">"Any tag"</option>
                                        {day.tags.iter().map(|t| view! { <option value=t.id.to_string() selected=value("tag") == t.id.to_string()>{t.name.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="f-habit">"Habit"</label>
                                    <select id="f-habit" name="habit">
                                        <option value="">"Any habit"</option>
                                        {habits.iter().map(|h| view! { <option value=h.id.to_string() selected=value("habit") == h.id.to_string()>{h.name.clone()}</option> }).collect_view()}
                                    </select>
                                </div>
                                <div class="field"><label for="f-q">"Text"</label><input id="f-q" type="search" name="q" value=value("q") /></div>
                            </div>
                            <div class="button-row">
                                <button type="submit" class="button button-primary">"Filter"</button>
                                <A href="/diary/history" attr:class="button button-quiet">"Clear"</A>
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
    if items.is_empty() {
        return view! { <p class="muted" role="status">"Nothing matches these filters."</p> }
            .into_any();
    }
    let count = items.len();
    view! {
        <p class="muted" role="status">{format!("{count} record{}", if count == 1 { "" } else { "s" })}</p>
        <FormAlert error=Signal::derive(move || error.get()) />
        <ol class="history-records" data-testid="records">
            {items.into_iter().map(|item| view! { <Record item epoch error /> }).collect_view()}
        </ol>
    }.into_any()
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
    let label = match kind.as_str() {
        "focus" => "Focus",
        "checkin" => "Check-in",
        _ => "Diary",
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
            if !confirm("Delete this record? This cannot be undone.") {
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
                <A href=format!("/diary?day={}", item.day)>{item.day.format("%a %-d %b %Y").to_string()}</A>
                <span class="record-title">{item.title.clone()}</span>
                {item.minutes.map(|m| view! { <span class="muted">{format!("{m} min")}</span> })}
            </div>
            {item.tags.iter().map(|t| view! { <span class="chip">{t.name.clone()}</span> }).collect_view()}
            <p class="record-note" hidden=move || editing.get()>{item.note.clone()}</p>
            <form class="form record-edit" hidden=move || !editing.get() on:submit=save>
                <label for=field_id.clone()>{if kind == "entry" { "Entry text" } else { "Note" }}</label>
                <textarea id=field_id rows="3" prop:value=move || draft.get() on:input=move |e| draft.set(event_target_value(&e))></textarea>
                <div class="button-row">
                    <button type="submit" class="button button-primary">"Save"</button>
                    <button type="button" class="button button-quiet" on:click=move |_| editing.set(false)>"Cancel"</button>
                </div>
            </form>
            <div class="button-row record-actions" hidden=move || editing.get()>
                <button type="button" class="link-button" on:click=move |_| editing.set(true)>"Edit"</button>
                <button type="button" class="link-button danger" on:click=remove>"Delete"</button>
            </div>
        </li>
    }
}
