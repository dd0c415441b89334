//! `/l/<token>`: a delivered letter as its recipient opens it from the link.

use super::*;

/// `/l/:token`: the letter for its recipient, no account needed.
#[component]
pub fn ReadLetterPage() -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let data = Resource::new(token, read_letter);
    view! {
        <Title text=t.read_title />
        <section class="container read-page">
            <Transition fallback=move || view! { <p class="muted" role="status">{t.opening_letter}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(v) => view! { <Read v token=token() /> }.into_any(),
                        Err(AppError::NotFound) => view! {
                            <div class="card empty-state">
                                <h1>{t.cannot_open}</h1>
                                <p class="muted">{t.cannot_open_body}</p>
                            </div>
                        }.into_any(),
                        Err(e) => failure(e),
                    }
                })}
            </Transition>
        </section>
    }
}
#[component]
pub(super) fn Read(v: ReadView, token: String) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    let thanked = RwSignal::new(v.thanked);
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let can_thank = !v.is_self;
    view! {
        <article class="card letter-paper read-letter">
            <p class="letter-from">{fill(t.read_from, &[("from", &v.from), ("written", &v.written_on), ("delivered", &v.delivered_on)])}</p>
            <h1>{v.title.clone()}</h1>
            <div class="prose" inner_html=v.html.clone()></div>
            <ImageGrid images=v.images.clone() />
        </article>
        {can_thank.then(|| view! {
            <section class="card thanks-card" aria-labelledby="thanks-h">
                <h2 id="thanks-h">{t.say_thanks}</h2>
                <div hidden=move || thanked.get()>
                    <div class="field">
                        <label for="thanks-note">{t.few_words}</label>
                        <textarea id="thanks-note" rows="3" maxlength="500" on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                    </div>
                    <p class="field-error" role="alert">{move || error.get()}</p>
                    <button type="button" class="button button-primary" on:click={
                        let token = token.clone();
                        move |_| {
                            let token = token.clone();
                            spawn_local(async move {
                                match thank_letter(token, Some(note.get_untracked())).await {
                                    Ok(()) => thanked.set(true),
                                    Err(e) => error.set(Some(e.field_message("note").map_or_else(|| e.to_string(), str::to_owned))),
                                }
                            });
                        }
                    }>{t.send_thanks}</button>
                </div>
                <p role="status" hidden=move || !thanked.get()>{t.thanks_sent}</p>
            </section>
        })}
    }
}
