//! `/letters` (my letters and notifications), `/letters/:id` (compose, edit, or see a
//! delivered letter; `new` starts one) and `/l/:token` (a recipient reads a letter).
//!
//! Each page creates one resource at its top and reads it in one `<Transition>`; the
//! editor then works on signals and calls server functions directly.

mod editor;
mod goal;
mod read;
mod sent;
use editor::*;
use goal::*;
pub use read::*;
use sent::*;

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_params_map, use_query_map},
};

use crate::{
    AppError,
    components::form::{FieldMessage, SignInPrompt, message_for, raw_text},
    components::notices::NoticeCard,
    i18n::fill,
    letters::{
        ImageView, LetterForm, LetterStatus, LetterSummary, LetterView, LettersHome, ReadView,
        RecipientInput, RecipientStatus, RecipientView, cancel_letter, delete_image, delete_letter,
        get_letter,
        goals::{GoalForm, GoalKind},
        letters_overview, preview_delivery, read_letter,
        rules::{self, MAX_IMAGES, MAX_RECIPIENTS},
        save_letter, set_letter_public, thank_letter,
        topics::{MAX_TOPICS, TOPICS, topic_label},
    },
    notifications::Group,
};

fn failure(e: AppError) -> AnyView {
    let t = &crate::i18n::t().letters;
    match e {
        AppError::Unauthorized => {
            view! { <SignInPrompt heading=t.auth_heading lede=t.auth_lede section=true /> }
                .into_any()
        }
        e => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
    }
}

#[component]
pub fn LettersPage() -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let epoch = RwSignal::new(0u32);
    let auth = crate::account::state::use_auth();
    let data = Resource::new(
        move || epoch.get(),
        move |_| async move {
            auth.require().await?;
            letters_overview().await
        },
    );
    view! {
        <Title text=t.title />
        <section class="container letters-page">
            <header class="page-head">
                <h1>{t.title}</h1>
                <A href="/letters/new" attr:class="button button-primary">{t.write_letter}</A>
            </header>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.loading_letters}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Overview v epoch /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}

fn countdown(at: Option<i64>, now: i64) -> String {
    let t = &crate::i18n::t().letters;
    match at {
        Some(at) if at > now => fill(t.arrives_in, &[("span", &rules::duration_words(at - now))]),
        Some(_) => t.on_its_way.to_owned(),
        None => t.no_date.to_owned(),
    }
}

#[component]
fn Overview(v: LettersHome, epoch: RwSignal<u32>) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let now = v.now_ms;
    let group = |status: LetterStatus| -> Vec<LetterSummary> {
        v.letters
            .iter()
            .filter(|l| l.status == status)
            .cloned()
            .collect()
    };
    let sections = [
        (LetterStatus::Scheduled, t.status_scheduled),
        (LetterStatus::Draft, t.group_drafts),
        (LetterStatus::Delivered, t.status_delivered),
        (LetterStatus::Failed, t.status_failed),
        (LetterStatus::Cancelled, t.status_cancelled),
    ]
    .map(|(status, heading)| (status, heading, group(status)));
    let empty = v.letters.is_empty();
    let notifications = v.notifications.clone();
    view! {
        <NoticeCard
            notices=notifications
            group=Group::Letters
            id="notes-h"
            heading=t.news_heading
            on_read=Callback::new(move |()| epoch.update(|e| *e += 1))
        />
        {empty.then(|| view! {
            <div class="card empty-state">
                <h2>{t.empty_heading}</h2>
                <p class="muted">{t.empty_body}</p>
                <A href="/letters/new" attr:class="button button-primary">{t.write_first}</A>
            </div>
        })}
        {sections.into_iter().filter(|(_, _, list)| !list.is_empty()).map(|(status, heading, list)| view! {
            <section class="card letter-group" aria-label=heading>
                <h2>{heading}<span class="count">{list.len()}</span></h2>
                <ul class="letter-list">
                    {list.into_iter().map(|l| {
                        let when = match status {
                            LetterStatus::Scheduled => countdown(l.deliver_at_ms, now),
                            _ => l.deliver_local.clone().unwrap_or_default(),
                        };
                        let title = if l.title.is_empty() { t.untitled.to_owned() } else { l.title.clone() };
                        view! {
                            <li class="letter-row">
                                <A href=format!("/letters/{}", l.id) attr:class="letter-link">
                                    <span class="letter-title">{title}</span>
                                    <span class="letter-meta">
                                        <span class=format!("status status-{}", status.as_str())>{status.label()}</span>
                                        <span>{when}</span>
                                        {(l.recipients > 0).then(|| view! { <span>{t.recipient_count.count(l.recipients)}</span> })}
                                        {(l.images > 0).then(|| view! { <span>{t.image_count.count(l.images)}</span> })}
                                    </span>
                                    {l.goal.clone().map(|goal| view! { <GoalProgress goal /> })}
                                </A>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        }).collect_view()}
    }
}

#[component]
pub fn LetterPage() -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    // `/letters/new?from_year=2026`: a letter to next year's self, seeded with that year.
    let from_year = move || query.with(|q| q.get("from_year").and_then(|y| y.parse::<i32>().ok()));
    let auth = crate::account::state::use_auth();
    let data = Resource::new(
        move || (id(), from_year()),
        move |(id, from_year)| async move {
            auth.require().await?;
            let overview = letters_overview().await?;
            let letter = if id == "new" {
                None
            } else {
                Some(get_letter(id).await?)
            };
            let seed = match (&letter, from_year) {
                (None, Some(year)) => crate::review::year_letter_seed(year).await.ok(),
                _ => None,
            };
            Ok::<_, AppError>((overview, letter, seed))
        },
    );
    view! {
        <Title text=t.letter_page_title />
        <section class="container letter-page">
            <p class="back"><A href="/letters" attr:class="link">{t.all_letters}</A></p>
            <Transition fallback=move || view! { <p class="muted" role="status">{t.loading_letter}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((_, Some(l), _)) if !l.status.editable() => view! { <Sent l /> }.into_any(),
                        Ok((ov, l, Some(seed))) => view! { <Editor ov l seed /> }.into_any(),
                        Ok((ov, l, None)) => view! { <Editor ov l /> }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}
