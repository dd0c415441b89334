//! `/diary/year/:year`: one's year in review (focus, habits, diary, letters), with sharing
//! and a letter to next year's self; `/y/:token`: a year its owner shares, without diary
//! text.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::{Meta, Title};
use leptos_router::{components::A, hooks::use_params_map};

use super::DiaryNav;
use crate::{
    AppError,
    components::{charts::BarChart, form::SignInPrompt},
    i18n::fill,
    review::{YearView, hour_range, share_year, shared_year, year_review},
};

fn year_failure(e: AppError) -> AnyView {
    let g = &crate::i18n::t().progress;
    match e {
        AppError::Unauthorized => view! {
            <SignInPrompt heading=g.year_in_review lede=crate::i18n::t().diary.sign_in_lede section=true />
        }
        .into_any(),
        AppError::NotFound => view! { <div class="card empty-state"><p class="muted">{g.year_empty}</p></div> }.into_any(),
        e => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
    }
}

#[component]
pub fn YearPage() -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let params = use_params_map();
    let year = move || {
        params.with(|p| {
            p.get("year")
                .and_then(|y| y.parse::<i32>().ok())
                .unwrap_or(0)
        })
    };
    let auth = crate::account::state::use_auth();
    let data = Resource::new(year, move |year| async move {
        auth.require().await?;
        year_review(year).await
    });
    view! {
        <Title text=g.year_in_review />
        <section class="container year-page">
            <Transition fallback=move || view! { <p class="muted" role="status">{crate::i18n::t().diary.adding_up}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Year v /> }.into_any(),
                        Err(e) => view! {
                            <header class="page-head"><h1>{g.year_in_review}</h1><DiaryNav current="year" /></header>
                            {year_failure(e)}
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
pub fn SharedYearPage() -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let data = Resource::new(token, shared_year);
    view! {
        <Title text=g.year_in_review />
        <Meta name="robots" content="noindex" />
        <section class="container year-page">
            <Suspense fallback=move || view! { <p class="muted" role="status">{crate::i18n::t().diary.adding_up}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Year v /> }.into_any(),
                        Err(e) => view! {
                            <header class="page-head"><h1>{g.year_in_review}</h1></header>
                            {year_failure(e)}
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The year: figures, charts, lists; sharing and the letter to next year (owner only).
#[component]
fn Year(v: YearView) -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let d = &crate::i18n::t().diary;
    let own = v.owner.is_none();
    let heading = match &v.owner {
        Some(name) => fill(g.shared_by, &[("name", name)]),
        None => fill(g.year_title, &[("year", &v.year)]),
    };
    let hours = fill(d.hours, &[("n", &(v.focus_minutes / 60))]);
    let no_tags = v.by_tag.is_empty();
    let year = v.year;
    let years = v.years.clone();
    let empty = v.is_empty();
    view! {
        <header class="page-head">
            <h1>{heading}</h1>
            {own.then(|| view! { <DiaryNav current="year" /> })}
        </header>
        <div class="year-intro">
            <p class="lede">{fill(g.year_lede, &[("year", &v.year)])}</p>
            {(own && !empty).then(|| view! { <A href=format!("/letters/new?from_year={year}") attr:class="button button-primary">{g.write_to_next_year}</A> })}
        </div>
        {empty.then(|| view! { <div class="card empty-state"><p class="muted">{g.year_empty}</p></div> })}
        <section aria-labelledby="year-totals-h" hidden=empty>
            <h2 id="year-totals-h" class="visually-hidden">{g.year_totals}</h2>
            <ul class="stat-tiles">
                <li class="card tile"><span class="big-number">{hours}</span><span class="muted">{d.focused_total}</span></li>
                <li class="card tile"><span class="big-number">{v.sessions}</span><span class="muted">{d.tile_sessions.form(v.sessions)}</span></li>
                <li class="card tile"><span class="big-number">{v.checkins}</span><span class="muted">{d.tile_checkins.form(v.checkins)}</span></li>
                <li class="card tile"><span class="big-number">{v.entries}</span><span class="muted">{d.tile_entries.form(v.entries)}</span></li>
                <li class="card tile"><span class="big-number">{v.letters_written}</span><span class="muted">{g.letters_written}</span></li>
                <li class="card tile"><span class="big-number">{v.letters_received}</span><span class="muted">{g.letters_received}</span></li>
            </ul>
        </section>
        <div class="chart-grid" hidden=empty>
            <section class="card"><BarChart bars=v.by_month.clone() title=g.focus_by_month unit=d.minutes /></section>
            <section class="card">
                {if no_tags {
                    view! { <h2>{g.focus_by_tag}</h2><p class="muted">{d.focus_by_tag_hint}</p> }.into_any()
                } else {
                    view! { <BarChart bars=v.by_tag.clone() title=g.focus_by_tag unit=d.minutes /> }.into_any()
                }}
            </section>
        </div>
        <div class="year-grid" hidden=empty>
            <section class="card" aria-labelledby="best-streaks-h">
                <h2 id="best-streaks-h">{g.best_streaks}</h2>
                {if v.best_streaks.is_empty() {
                    view! { <p class="muted">{d.no_habits}</p> }.into_any()
                } else {
                    view! { <ol class="year-list">{v.best_streaks.iter().map(|s| view! {
                        <li><span>{s.habit.clone()}</span><strong>{s.unit.count(s.current)}</strong></li>
                    }).collect_view()}</ol> }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="top-tags-h">
                <h2 id="top-tags-h">{g.most_used_tags}</h2>
                {if v.top_tags.is_empty() {
                    view! { <p class="muted">{d.focus_by_tag_hint}</p> }.into_any()
                } else {
                    view! { <ol class="year-list">{v.top_tags.iter().map(|t| view! {
                        <li><span>{t.tag.clone()}</span><strong>{d.records.count(t.uses)}</strong></li>
                    }).collect_view()}</ol> }.into_any()
                }}
            </section>
            <section class="card" aria-labelledby="busiest-h">
                <h2 id="busiest-h">{g.busiest_day}</h2>
                <p>{v.busiest_day.clone().map_or_else(|| "—".to_owned(), |(day, m)| format!("{day} · {}", d.minutes.count(m)))}</p>
                <h2>{g.busiest_hour}</h2>
                <p>{v.busiest_hour.map_or_else(|| "—".to_owned(), |(h, m)| format!("{} · {}", hour_range(h), d.minutes.count(m)))}</p>
            </section>
            {v.on_this_day.clone().map(|o| {
                let nothing = o.focus_minutes == 0 && o.checked_in.is_empty() && o.entry.is_none();
                view! {
                    <section class="card" aria-labelledby="on-this-day-h">
                        <h2 id="on-this-day-h">{g.on_this_day}</h2>
                        <p class="muted">{o.day.clone()}</p>
                        {if nothing {
                            view! { <p class="muted">{g.nothing_on_this_day}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="year-list">
                                    {(o.focus_minutes > 0).then(|| view! { <li>{d.minutes.count(o.focus_minutes)}</li> })}
                                    {o.checked_in.iter().map(|h| view! { <li>{h.clone()}</li> }).collect_view()}
                                    {o.entry.clone().map(|e| view! { <li class="excerpt">{e}</li> })}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }
            })}
        </div>
        {(own && !empty).then(|| view! { <ShareCard year=v.year shared=v.shared_path.clone() /> })}
        {(own && years.len() > 1).then(move || view! {
            <nav class="subnav year-nav" aria-label=g.years_nav>
                {years.into_iter().map(|y| view! {
                    <A href=format!("/diary/year/{y}") attr:class="subnav-link" attr:aria-current=(y == year).then_some("page")>{y.to_string()}</A>
                }).collect_view()}
            </nav>
        })}
    }
}

/// Sharing the year: off unless its owner turns it on.
#[component]
fn ShareCard(year: i32, shared: Option<String>) -> impl IntoView {
    let g = &crate::i18n::t().progress;
    let path = RwSignal::new(shared);
    let error = RwSignal::new(None::<String>);
    let toggle = move |_| {
        let want = path.with_untracked(Option::is_none);
        spawn_local(async move {
            match share_year(year, want).await {
                Ok(p) => {
                    path.set(p);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="share-year-h">
            <h2 id="share-year-h">{g.share_year}</h2>
            <p class="hint">{g.share_hint}</p>
            {move || path.get().map(|p| view! { <p>{g.shared_at}" "<a href=p.clone()>{p.clone()}</a></p> })}
            <p class="field-error" role="alert">{move || error.get()}</p>
            <button type="button" class="button button-quiet" on:click=toggle>
                {move || if path.with(Option::is_some) { g.share_off } else { g.share_on }}
            </button>
        </section>
    }
}
