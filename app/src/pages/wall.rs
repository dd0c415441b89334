//! `/wall` (public letters, newest first), `/wall/:id` (one letter) and
//! `/admin/moderation` (the moderators' queue).
//!
//! The wall pages render on the server in full before they are sent (`SsrMode::Async`),
//! so each letter's title, description, Open Graph tags and canonical URL are in the HTML
//! that search engines and link previews read.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::{Link, Meta, Title};
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};

use crate::{
    AppError,
    components::{form::raw_text, get_form::GetForm},
    i18n::fill,
    search::MAX_QUERY_CHARS,
    wall::{
        ModerationItem, REPORT_REASONS, TOPICS, WallCard, WallLetter, WallPage, get_wall_letter,
        get_wall_page, moderate, moderation_queue, reason_label, report_letter, toggle_like,
        topic_label, wall_href,
    },
};

/// Answers 404 for a letter that is not on the wall (the page renders in full before
/// it is sent, so the status can still change).
fn not_found_status() {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(http::StatusCode::NOT_FOUND);
    }
}

fn topic_href(topic: Option<&str>) -> String {
    wall_href(topic, None, None)
}

/// `/wall`: newest public letters, filtered by topic and searched (`?q=`), paged by a
/// keyset cursor.
#[component]
pub fn WallIndexPage() -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let query = use_query_map();
    let data = Resource::new(
        move || query.with(|q| (q.get("topic"), q.get("after"), q.get("q"))),
        |(topic, after, q)| get_wall_page(topic, after, q),
    );
    view! {
        <section class="container wall-page">
            <header class="page-head wall-head">
                <div>
                    <h1>{t.title}</h1>
                    <p class="muted">{t.lede}</p>
                </div>
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.opening}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(page) => view! { <Wall page /> }.into_any(),
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Wall(page: WallPage) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let current = page.topic.clone();
    let q = page.q.clone();
    let title = match (q.as_deref(), current.as_deref().and_then(topic_label)) {
        (Some(q), _) => fill(t.search_title, &[("q", &q)]),
        (None, Some(label)) => fill(t.about_topic, &[("topic", &label.to_lowercase())]),
        (None, None) => t.title.to_owned(),
    };
    // A search's pages are not pages of their own to search engines: the canonical
    // address is the wall (or the topic) without it, and they are not indexed.
    let canonical = format!("{}{}", page.site, topic_href(current.as_deref()));
    let next = page
        .next
        .clone()
        .map(|after| wall_href(current.as_deref(), q.as_deref(), Some(&after)));
    let signed_in = page.signed_in;
    let empty = match q.as_deref() {
        Some(q) => view! {
            <div class="card empty-state" role="status">
                <h2>{fill(t.no_match, &[("q", &q)])}</h2>
                <p class="muted">{t.no_match_body}</p>
                <a class="button button-quiet" href=topic_href(current.as_deref())>{t.clear_search}</a>
            </div>
        }
        .into_any(),
        None => view! {
            <div class="card empty-state">
                <h2>{t.empty_heading}</h2>
                <p class="muted">{t.empty_body}</p>
            </div>
        }
        .into_any(),
    };
    let searching = q.is_some();
    let asked = q.clone().unwrap_or_default();
    let hidden_topic = current
        .clone()
        .map(|topic| view! { <input type="hidden" name="topic" value=topic /> });
    let clear_href = topic_href(current.as_deref());
    let all_href = wall_href(None, q.as_deref(), None);
    let all_current = current.is_none().then_some("page");
    let chips = TOPICS
        .iter()
        .map(|key| {
            let here = current.as_deref() == Some(*key);
            view! {
                <A href=wall_href(Some(key), q.as_deref(), None) attr:class="chip topic" attr:aria-current=here.then_some("page")>{topic_label(key)}</A>
            }
        })
        .collect_view();
    view! {
        <Title text=title.clone() />
        <Meta name="description" content=t.meta_description />
        {searching.then(|| view! { <Meta name="robots" content="noindex" /> })}
        <Meta property="og:title" content=title />
        <Meta property="og:type" content="website" />
        <Meta property="og:url" content=canonical.clone() />
        <Link rel="canonical" href=canonical />
        <GetForm action="/wall" class="wall-search" role="search" label=t.search_landmark>
            <label for="wall-q">{t.search_label}</label>
            <input id="wall-q" name="q" type="search" autocomplete="off" maxlength=MAX_QUERY_CHARS value=asked />
            {hidden_topic}
            <button type="submit" class="button">{t.search_button}</button>
            {searching.then(|| view! {
                <a class="button button-quiet" href=clear_href>{t.clear_search}</a>
            })}
        </GetForm>
        <nav class="topic-bar" aria-label=t.topics>
            <A href=all_href attr:class="chip topic" attr:aria-current=all_current>{t.all}</A>
            {chips}
        </nav>
        {if page.cards.is_empty() {
            empty
        } else {
            view! {
                <ol class="wall-list">
                    {page.cards.into_iter().map(|card| view! { <li><Card card signed_in /></li> }).collect_view()}
                </ol>
            }.into_any()
        }}
        {next.map(|href| view! {
            <nav class="wall-more" aria-label=t.more_letters>
                <a class="button button-quiet" href=href rel="next">{t.older}</a>
            </nav>
        })}
    }
}

#[component]
fn Card(card: WallCard, signed_in: bool) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let href = format!("/wall/{}", card.public_id);
    view! {
        <article class="card wall-card">
            <p class="letter-from">{format!("{} · {}", card.signed, card.delivered_on)}</p>
            <h2><a href=href.clone()>{card.title.clone()}</a></h2>
            <p class="wall-excerpt">{card.excerpt.clone()}</p>
            <footer class="wall-card-foot">
                <span class="muted">{card.waited.clone()}</span>
                <Topics topics=card.topics.clone() />
                {(card.images > 0).then(|| view! {
                    <span class="muted">{t.pictures.count(card.images)}</span>
                })}
                <Like id=card.public_id.clone() liked=card.liked likes=card.likes signed_in />
            </footer>
        </article>
    }
}

#[component]
fn Topics(topics: Vec<String>) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    (!topics.is_empty()).then(|| {
        view! {
            <ul class="topic-list" aria-label=t.topics>
                {topics.into_iter().map(|key| {
                    let label = topic_label(&key).unwrap_or("").to_owned();
                    view! { <li><a class="chip" href=topic_href(Some(&key))>{label}</a></li> }
                }).collect_view()}
            </ul>
        }
    })
}

/// "This touched me": a toggle for people who are logged in, a count for everyone.
#[component]
fn Like(id: String, liked: bool, likes: i64, signed_in: bool) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let liked = RwSignal::new(liked);
    let likes = RwSignal::new(likes);
    let error = RwSignal::new(None::<String>);
    let label = move || {
        let n = likes.get();
        t.touched.count(n)
    };
    if !signed_in {
        return view! {
            <span class="like-count" title=t.like_login_hint>
                <span aria-hidden="true">"♡ "</span>{label}
            </span>
        }
        .into_any();
    }
    view! {
        <span class="like">
            <button
                type="button"
                class="button button-quiet like-button"
                aria-pressed=move || if liked.get() { "true" } else { "false" }
                on:click=move |_| {
                    let id = id.clone();
                    spawn_local(async move {
                        match toggle_like(id).await {
                            Ok((now, n)) => {
                                liked.set(now);
                                likes.set(n);
                                error.set(None);
                            }
                            Err(e) => error.set(Some(e.to_string())),
                        }
                    });
                }
            >
                <span aria-hidden="true">{move || if liked.get() { "♥ " } else { "♡ " }}</span>
                {t.touched_me}
            </button>
            <span class="like-count" aria-live="polite">{label}</span>
            <span class="field-error" role="alert">{move || error.get()}</span>
        </span>
    }
    .into_any()
}

/// `/wall/:id`: one public letter.
#[component]
pub fn WallLetterPage() -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let params = use_params_map();
    let data = Resource::new(
        move || params.with(|p| p.get("id").unwrap_or_default()),
        get_wall_letter,
    );
    view! {
        <section class="container read-page wall-letter-page">
            <p><a href="/wall" class="back-link">{t.back}</a></p>
            <Transition fallback=|| view! { <p class="muted" role="status">{crate::i18n::t().letters.opening_letter}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <PublicLetter v /> }.into_any(),
                        Err(AppError::NotFound) => {
                            not_found_status();
                            view! {
                            <Title text=t.not_found_title />
                            <div class="card empty-state">
                                <h1>{t.not_found_heading}</h1>
                                <p class="muted">{t.not_found_body}</p>
                                <a class="button button-quiet" href="/wall">{t.see_wall}</a>
                            </div>
                        }.into_any()
                        }
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn PublicLetter(v: WallLetter) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let card = v.card.clone();
    let canonical = format!("{}/wall/{}", v.site, card.public_id);
    view! {
        <Title text=raw_text(&card.title) />
        <Meta name="description" content=v.description.clone() />
        <Meta property="og:title" content=card.title.clone() />
        <Meta property="og:description" content=v.description.clone() />
        <Meta property="og:type" content="article" />
        <Meta property="og:url" content=canonical.clone() />
        <Link rel="canonical" href=canonical />
        <article class="card letter-paper read-letter">
            <p class="letter-from">{fill(t.signed_line, &[("signed", &card.signed), ("written", &card.written_on), ("delivered", &card.delivered_on)])}</p>
            <h1>{card.title.clone()}</h1>
            <p class="muted">{card.waited.clone()}</p>
            <div class="prose" inner_html=v.html.clone()></div>
            {(!v.images.is_empty()).then(|| view! {
                <div class="letter-images">
                    {v.images.iter().map(|i| view! {
                        <img src=i.url.clone() alt=i.alt.clone() width=i.width height=i.height loading="lazy" />
                    }).collect_view()}
                </div>
            })}
            <footer class="wall-card-foot">
                <Topics topics=card.topics.clone() />
                <Like id=card.public_id.clone() liked=card.liked likes=card.likes signed_in=v.signed_in />
            </footer>
        </article>
        {if v.signed_in {
            view! { <Report id=card.public_id.clone() already=v.reported /> }.into_any()
        } else {
            view! {
                <p class="muted wall-login-hint">
                    <a href="/login">{crate::i18n::t().shell.log_in}</a>{t.login_hint_rest}
                </p>
            }.into_any()
        }}
    }
}

#[component]
fn Report(id: String, already: bool) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let open = RwSignal::new(false);
    let done = RwSignal::new(already);
    let reason = RwSignal::new(String::new());
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let send = move |_| {
        let id = id.clone();
        spawn_local(async move {
            let r = report_letter(id, reason.get_untracked(), Some(note.get_untracked())).await;
            match r {
                Ok(()) => {
                    done.set(true);
                    open.set(false);
                    error.set(None);
                }
                Err(e) => error.set(Some(
                    e.field_message("reason")
                        .or_else(|| e.field_message("note"))
                        .map_or_else(|| e.to_string(), str::to_owned),
                )),
            }
        });
    };
    view! {
        <section class="report-box" aria-labelledby="report-h">
            <h2 id="report-h" class="visually-hidden">{t.report}</h2>
            <p role="status" hidden=move || !done.get()>{t.report_thanks}</p>
            <button type="button" class="button button-quiet" hidden=move || open.get() || done.get()
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=move |_| open.set(true)>{t.report}</button>
            <div class="card report-form" hidden=move || !open.get()>
                <fieldset class="report-reasons">
                    <legend>{t.report_legend}</legend>
                    {REPORT_REASONS.iter().map(|key| view! {
                        <label class="check">
                            <input type="radio" name="reason" value=*key
                                on:change=move |_| reason.set((*key).to_owned()) />
                            {reason_label(key)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="field">
                    <label for="report-note">{t.report_note}</label>
                    <textarea id="report-note" rows="3" maxlength="500"
                        on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </div>
                <p class="field-error" role="alert">{move || error.get()}</p>
                <div class="button-row">
                    <button type="button" class="button button-primary" on:click=send>{t.send_report}</button>
                    <button type="button" class="button button-quiet" on:click=move |_| open.set(false)>{crate::i18n::t().shell.cancel}</button>
                </div>
            </div>
        </section>
    }
}

/// `/admin/moderation`: reported and hidden letters, for admins.
#[component]
pub fn ModerationPage() -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let epoch = RwSignal::new(0u32);
    let auth = crate::account::state::use_auth();
    let data = Resource::new(
        move || epoch.get(),
        move |_| async move {
            auth.require().await?;
            moderation_queue().await
        },
    );
    view! {
        <Title text=t.moderation />
        <section class="container moderation-page">
            <header class="page-head"><h1>{t.moderation}</h1></header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.loading_queue}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(items) if items.is_empty() => view! {
                            <div class="card empty-state"><p>{t.queue_empty}</p></div>
                        }.into_any(),
                        Ok(items) => view! {
                            <ul class="moderation-list">
                                {items.into_iter().map(|item| view! { <li><Moderated item epoch /></li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(AppError::Unauthorized) => view! {
                            <div class="card empty-state"><p><a href="/login">{crate::i18n::t().shell.log_in}</a>{t.queue_login_rest}</p></div>
                        }.into_any(),
                        Err(AppError::Forbidden) => view! {
                            <div class="card empty-state"><p>{t.moderators_only}</p></div>
                        }.into_any(),
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Moderated(item: ModerationItem, epoch: RwSignal<u32>) -> impl IntoView {
    let t = &crate::i18n::t().wall;
    let error = RwSignal::new(None::<String>);
    let hide = !item.hidden;
    let id = item.public_id.clone();
    let act = move |_| {
        let id = id.clone();
        spawn_local(async move {
            match moderate(id, hide).await {
                Ok(()) => epoch.update(|e| *e += 1),
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    view! {
        <article class="card moderation-item" data-letter=item.public_id.clone()>
            <header class="moderation-head">
                <h2>{item.title.clone()}</h2>
                <span class=if item.hidden { "badge badge-warn" } else { "badge" }>
                    {if item.hidden { t.hidden } else { t.on_the_wall }}
                </span>
            </header>
            <p class="wall-excerpt">{item.excerpt.clone()}</p>
            <p class="muted">{t.open_reports.count(item.open_reports)}
                {item.last_action.clone().map(|a| format!(" · {a}"))}</p>
            <table class="report-table">
                <caption class="visually-hidden">{t.reports}</caption>
                <thead><tr><th scope="col">{t.reported_by}</th><th scope="col">{t.reason}</th><th scope="col">{t.note}</th><th scope="col">{t.when}</th></tr></thead>
                <tbody>
                    {item.reports.into_iter().map(|r| view! {
                        <tr><td>{r.reporter}</td><td>{r.reason}</td><td>{r.note}</td><td>{r.when}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <button type="button" class=if hide { "button button-danger" } else { "button button-quiet" } on:click=act>
                {if hide { t.hide } else { t.show_again }}
            </button>
        </article>
    }
}
