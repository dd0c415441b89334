//! `/diary` (one day: habits, the entry, "on this day"), `/diary/stats` and
//! `/diary/history`.
//!
//! Each page creates its one resource at the top and reads it in one `<Transition>`;
//! changes bump an epoch that refetches it, so check-ins show up without a reload.

mod entries;
mod habits;
mod history;
mod offline;
mod stats;
mod year;
use entries::*;
use habits::*;
pub use history::*;
use offline::*;
pub use stats::*;
pub use year::{SharedYearPage, YearPage};

use chrono::{Duration, NaiveDate, Weekday};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};
use uuid::Uuid;

use crate::{
    AppError,
    components::{
        charts::{BarChart, Heatmap},
        form::{Field, FormAlert, SignInPrompt, Submit, field_error, form_error, raw_text},
        get_form::GetForm,
    },
    diary::{
        CheckIn, CreateHabit, DayView, EntryView, HabitDay, HistoryItem, MOODS, RenameHabit,
        SaveEntry, StatsView, archive_habit, check_in, delete_checkin, delete_entry, delete_habit,
        delete_session, edit_note, get_diary_day, get_stats, mood_label, move_habit,
        search_history, undo_check_in,
    },
    focus::TagView,
    i18n::{DateStyle, fill},
    offline::{OfflineRecord, SyncNotice, online, outbox, send_outbox},
};

fn long_date(d: NaiveDate) -> String {
    crate::i18n::date(&d, DateStyle::Full)
}

fn sign_in_prompt(what: &'static str) -> impl IntoView {
    view! { <SignInPrompt heading=crate::i18n::t().diary.your_diary lede=what section=true /> }
}

fn failure(e: AppError) -> AnyView {
    match e {
        AppError::Unauthorized => sign_in_prompt(crate::i18n::t().diary.sign_in_lede).into_any(),
        e => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
    }
}

#[component]
pub(super) fn DiaryNav(current: &'static str) -> impl IntoView {
    let t = &crate::i18n::t().diary;
    let item = move |href: &'static str, label: &'static str, key: &'static str| {
        view! {
            // A plain link (the router still handles it): `<A>` would mark "/diary" as the
            // current page on every page under it.
            <a href=href class="subnav-link" aria-current=(current == key).then_some("page")>{label}</a>
        }
    };
    view! {
        <nav class="subnav" aria-label=t.title>
            {item("/diary", t.nav_day, "day")}
            {item("/diary/stats", t.stats_title, "stats")}
            {item("/diary/history", t.history_title, "history")}
            {item("/diary/year", crate::i18n::t().progress.year_in_review, "year")}
        </nav>
    }
}

#[component]
pub fn DiaryPage() -> impl IntoView {
    let q = use_query_map();
    let epoch = RwSignal::new(0u32);
    let day = move || q.with(|q| q.get("day"));
    let auth = crate::account::state::use_auth();
    let data = Resource::new(
        move || (day(), epoch.get()),
        move |(d, _)| async move {
            auth.require().await?;
            get_diary_day(d).await
        },
    );
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
            <GetForm action="/diary" class="day-jump">
                <label for="jump-day" class="visually-hidden">{t.go_to_day}</label>
                <input id="jump-day" type="date" name="day" value=v.day.to_string() max=v.today.to_string() />
                <button type="submit" class="button button-quiet">{t.go}</button>
            </GetForm>
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
                                {
                                    let last = v.habits.len().saturating_sub(1);
                                    v.habits.into_iter().enumerate().map(|(i, h)| view! {
                                        <HabitRow h day error refresh offline tags=v.tags.clone() first=i == 0 last=i == last />
                                    }).collect_view()
                                }
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
                    <p class="big-number">{t.minutes.count(v.focus_minutes)}</p>
                    <p class="muted">{t.sessions_on_day.count(v.focus_sessions)}</p>
                </section>
                <section class="card" aria-labelledby="heat-h">
                    <h2 id="heat-h">{t.checkins}</h2>
                    <Heatmap values=v.checkin_heatmap end=v.today weeks=26 label=t.checkins unit=t.checkins_count id="check-ins" />
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
                                            <A href=format!("/diary?day={}", m.day)>{t.years_ago.count(m.years_ago)}</A>
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
