//! A letter once scheduled or delivered: its recipients' progress, sharing on the wall,
//! its pictures.

use super::*;

pub(super) fn recipient_status(r: &RecipientView) -> String {
    let t = &crate::i18n::t().letters;
    let reason = r.last_error.clone().unwrap_or_default();
    match r.status {
        RecipientStatus::Sent => t.status_delivered.into(),
        RecipientStatus::Failed => fill(t.recipient_failed, &[("reason", &reason)]),
        RecipientStatus::Pending if r.attempts > 0 => {
            fill(t.recipient_retrying, &[("reason", &reason)])
        }
        RecipientStatus::Pending | RecipientStatus::Sending => t.recipient_waiting.into(),
        RecipientStatus::Cancelled => t.status_cancelled.into(),
        RecipientStatus::Draft => t.status_draft.into(),
    }
}
/// A delivered (or undeliverable) letter, as its author sees it.
#[component]
pub(super) fn Sent(l: LetterView) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let navigate = use_navigate();
    let error = RwSignal::new(None::<String>);
    let id = l.id.to_string();
    view! {
        <header class="page-head">
            <h1>{l.title.clone()}</h1>
            <span class=format!("status status-{}", l.status.as_str())>{l.status.label()}</span>
        </header>
        <div class="alert alert-error" role="alert" hidden=move || error.with(Option::is_none)>{move || error.get()}</div>
        <article class="card letter-paper">
            <p class="muted">{l.deliver_local.clone().map(|d| fill(t.delivered_when, &[("when", &d)]))}</p>
            <div class="prose" inner_html=l.html.clone()></div>
            <ImageGrid images=l.images.clone() />
        </article>
        {l.then_now.clone().map(|tn| view! { <ThenNowCard tn /> })}
        <WallShare l=l.clone() />
        <section class="card" aria-labelledby="recipients-h">
            <h2 id="recipients-h">{t.recipients}</h2>
            <ul class="recipient-status">
                {l.recipients.iter().map(|r| {
                    let who = if r.is_self { t.you.to_owned() } else { r.name.clone().unwrap_or_default() };
                    view! {
                        <li>
                            <strong>{who}</strong>" "<span class="muted">{r.email.clone()}</span>
                            <span class=format!("status status-{}", r.status.as_str())>{recipient_status(r)}</span>
                            {r.thanked.then(|| view! { <p class="thanks">{r.thanks_note.clone().map_or_else(|| t.said_thanks.to_owned(), |n| fill(t.said_thanks_note, &[("note", &n)]))}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        <div class="button-row">
            <button type="button" class="button button-danger" on:click=move |_| {
                let id = id.clone();
                let navigate = navigate.clone();
                spawn_local(async move {
                    match delete_letter(id).await {
                        Ok(()) => navigate("/letters", Default::default()),
                        Err(e) => error.set(Some(e.to_string())),
                    }
                });
            }>{t.delete_letter}</button>
        </div>
    }
}
/// Whether a delivered letter is on the wall, with a way to share it or take it down.
#[component]
pub(super) fn WallShare(l: LetterView) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let delivered = l.status == LetterStatus::Delivered;
    let public = RwSignal::new(l.public);
    let wall_url = RwSignal::new(l.wall_url.clone());
    let error = RwSignal::new(None::<String>);
    let hidden_by_moderator = l.hidden;
    let id = l.id.to_string();
    let toggle = move |_| {
        let id = id.clone();
        let want = !public.get_untracked();
        spawn_local(async move {
            match set_letter_public(id, want).await {
                Ok(v) => {
                    public.set(v.public);
                    wall_url.set(v.wall_url);
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    delivered.then(|| view! {
        <section class="card wall-share" aria-labelledby="wall-share-h">
            <h2 id="wall-share-h">{t.letter_wall}</h2>
            <p>
                {move || match (public.get(), wall_url.get()) {
                    (true, Some(url)) => view! { {t.share_public_before} <a href=url.clone()>{t.share_public_link}</a> {t.share_public_after} }.into_any(),
                    (true, None) if hidden_by_moderator => view! { {t.share_hidden} }.into_any(),
                    (true, None) => view! { {t.share_shared} }.into_any(),
                    (false, _) => view! { {t.share_private} }.into_any(),
                }}
            </p>
            <p class="field-error" role="alert">{move || error.get()}</p>
            <button type="button" class="button button-quiet" on:click=toggle>
                {move || if public.get() { t.take_off_wall } else { t.share_on_wall }}
            </button>
        </section>
    })
}
#[component]
pub(super) fn ImageGrid(images: Vec<ImageView>) -> impl IntoView {
    (!images.is_empty()).then(|| {
        view! {
            <div class="letter-images">
                {images.into_iter().map(|i| {
                    let href = i.url.clone();
                    view! {
                        <a href=href target="_blank" rel="noopener">
                            <img src=i.url alt=i.alt width=i.width height=i.height loading="lazy" />
                        </a>
                    }
                }).collect_view()}
            </div>
        }
    })
}
