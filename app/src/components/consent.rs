//! The first-visit privacy dialog, and the same choices in Settings.
//!
//! Three answers of equal weight — "Essential only", "Accept all", "Choose…" — and nothing
//! pre-ticked. Each answer is a small form that works before the WebAssembly has loaded (a
//! plain POST that comes back to the page), and "Choose…" is a `<details>`, so it opens
//! without script too. Until an answer is given Ripen stores nothing optional.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::privacy::{
    ConsentChoices, ConsentRecordView, POLICY_DATE, SaveConsent, consent_history, get_consent,
};

const FUNCTIONAL: &str = "Remember my language and theme";
const STATISTICS: &str = "Count my visits anonymously (per day and page, no IP address)";
const IMPROVEMENT: &str = "Let anonymised data help improve Ripen's features";

/// The three optional choices as checkboxes, ticked as `current` says.
#[component]
fn ChoiceBoxes(prefix: &'static str, current: ConsentChoices) -> impl IntoView {
    let boxes = [
        ("functional", FUNCTIONAL, current.functional),
        ("statistics", STATISTICS, current.statistics),
        ("improvement", IMPROVEMENT, current.improvement),
    ];
    view! {
        <fieldset class="consent-boxes">
            <legend class="visually-hidden">"Optional uses of your data"</legend>
            <p class="consent-essential">
                <span class="badge">"Always on"</span>
                " Essential: your session and the record of these choices."
            </p>
            {boxes.into_iter().map(|(name, label, on)| {
                let id = format!("{prefix}-{name}");
                view! {
                    <label class="check" for=id.clone()>
                        <input type="checkbox" id=id.clone() name=name checked=on />
                        <span>{label}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}

/// Shown on every page until this browser (or the signed-in account) has answered, and
/// again after a material change of the policy.
#[component]
pub fn ConsentDialog() -> impl IntoView {
    let state = Resource::new(|| (), |_| get_consent());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                // If the state cannot be read, do not nag: nothing optional is stored
                // without an answer anyway.
                let s = state.await.unwrap_or_default();
                s.ask.then(|| view! { <ConsentForms renewal=s.renewal /> })
            })}
        </Suspense>
    }
}

#[component]
fn ConsentForms(renewal: bool) -> impl IntoView {
    let save = ServerAction::<SaveConsent>::new();
    let answered = move || save.value().with(|v| matches!(v, Some(Ok(_))));
    let lede = if renewal {
        format!(
            "Our privacy policy changed on {POLICY_DATE}. Please look at your choices again: \
             until you answer, Ripen uses only what is essential."
        )
    } else {
        "Ripen needs one cookie to keep you signed in. Anything more is up to you, and you can \
         change your mind any time in Settings."
            .to_owned()
    };
    view! {
        <section class="consent" role="dialog" aria-modal="false" aria-labelledby="consent-h"
            aria-describedby="consent-d" hidden=answered>
            <h2 id="consent-h">"Your privacy choices"</h2>
            <p id="consent-d">{lede} " " <A href="/privacy">"Privacy policy"</A></p>
            <div class="consent-actions">
                <ActionForm action=save attr:class="consent-form">
                    <input type="hidden" name="choice" value="essential" />
                    <button type="submit" class="button button-consent">"Essential only"</button>
                </ActionForm>
                <ActionForm action=save attr:class="consent-form">
                    <input type="hidden" name="choice" value="all" />
                    <button type="submit" class="button button-consent">"Accept all"</button>
                </ActionForm>
                <details class="consent-choose">
                    <summary class="button button-consent">"Choose…"</summary>
                    <ActionForm action=save attr:class="form consent-custom">
                        <input type="hidden" name="choice" value="custom" />
                        <ChoiceBoxes prefix="consent" current=ConsentChoices::default() />
                        <button type="submit" class="button button-primary">"Save my choices"</button>
                    </ActionForm>
                </details>
            </div>
            <p class="field-error" role="alert">
                {move || save.value().with(|v| match v {
                    Some(Err(e)) => e.to_string(),
                    _ => String::new(),
                })}
            </p>
        </section>
    }
}

/// Settings → Privacy choices: the current answer, editable, and every answer given.
#[component]
pub fn PrivacyChoices(current: ConsentChoices, history: Vec<ConsentRecordView>) -> impl IntoView {
    let save = ServerAction::<SaveConsent>::new();
    let history = RwSignal::new(history);
    Effect::new(move |_| {
        if save.value().with(|v| matches!(v, Some(Ok(_)))) {
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = consent_history().await {
                    history.set(fresh);
                }
            });
        }
    });
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    view! {
        <section class="card card-wide" aria-labelledby="consent-settings-h">
            <h2 id="consent-settings-h">"Privacy choices"</h2>
            <p class="muted">"What Ripen may do beyond the essential. Nothing here is on unless you turn it on."</p>
            <ActionForm action=save attr:class="form">
                <input type="hidden" name="choice" value="custom" />
                <input type="hidden" name="source" value="settings" />
                <ChoiceBoxes prefix="settings" current />
                <p class="success" role="status" hidden=move || !save.value().with(|v| matches!(v, Some(Ok(_))))>
                    "Saved."
                </p>
                <button type="submit" class="button button-primary">"Save choices"</button>
            </ActionForm>
            <h3 class="consent-history-h">"Your choices so far"</h3>
            <Show when=move || history.with(|h| !h.is_empty())
                fallback=|| view! { <p class="muted">"None recorded for your account yet."</p> }>
                <ol class="consent-history">
                    <For each=move || history.get() key=|r| r.id.clone() let:r>
                        <li>
                            <strong>{r.when.clone()}</strong>
                            {format!(
                                " · {} · policy {} · language and theme: {}, statistics: {}, improvement: {}",
                                r.source, r.policy_version, yes_no(r.choices.functional),
                                yes_no(r.choices.statistics), yes_no(r.choices.improvement)
                            )}
                        </li>
                    </For>
                </ol>
            </Show>
        </section>
    }
}
