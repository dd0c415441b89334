//! The first-visit privacy dialog, and the same choices in Settings.
//!
//! Three answers of equal weight — "Essential only", "Accept all", "Choose…" — and nothing
//! pre-ticked. Each answer is a small form that works before the WebAssembly has loaded (a
//! plain POST that comes back to the page), and "Choose…" is a `<details>`, so it opens
//! without script too. Until an answer is given Ripen stores nothing optional.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    consent::{ConsentChoices, ConsentRecordView, SaveConsent, consent_history, get_consent},
    i18n::{DateStyle, fill},
    policy::{POLICY_DATE, POLICY_VERSION},
};

/// The day the privacy policy last changed, in the page's language.
fn policy_date() -> String {
    chrono::NaiveDate::parse_from_str(POLICY_VERSION, "%Y-%m-%d")
        .map(|d| crate::i18n::date(&d, DateStyle::Long))
        .unwrap_or_else(|_| POLICY_DATE.to_owned())
}

/// The three optional choices as checkboxes, ticked as `current` says.
#[component]
fn ChoiceBoxes(prefix: &'static str, current: ConsentChoices) -> impl IntoView {
    let t = &crate::i18n::t().account;
    let boxes = [
        ("functional", t.consent_functional, current.functional),
        ("statistics", t.consent_statistics, current.statistics),
        ("improvement", t.consent_improvement, current.improvement),
    ];
    view! {
        <fieldset class="consent-boxes">
            <legend class="visually-hidden">{t.consent_optional_legend}</legend>
            <p class="consent-essential">
                <span class="badge">{t.always_on}</span>
                {t.essential_note}
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
    let t = &crate::i18n::t().account;
    let lede = if renewal {
        fill(t.consent_renewal, &[("date", &policy_date())])
    } else {
        t.consent_intro.to_owned()
    };
    view! {
        <section class="consent" role="dialog" aria-modal="false" aria-labelledby="consent-h"
            aria-describedby="consent-d" hidden=answered>
            <h2 id="consent-h">{t.consent_title}</h2>
            <p id="consent-d">{lede} " " <A href="/privacy">{t.privacy_policy_link}</A></p>
            <div class="consent-actions">
                <ActionForm action=save attr:class="consent-form">
                    <input type="hidden" name="choice" value="essential" />
                    <button type="submit" class="button button-consent">{t.essential_only}</button>
                </ActionForm>
                <ActionForm action=save attr:class="consent-form">
                    <input type="hidden" name="choice" value="all" />
                    <button type="submit" class="button button-consent">{t.accept_all}</button>
                </ActionForm>
                <details class="consent-choose">
                    <summary class="button button-consent">{t.choose}</summary>
                    <ActionForm action=save attr:class="form consent-custom">
                        <input type="hidden" name="choice" value="custom" />
                        <ChoiceBoxes prefix="consent" current=ConsentChoices::default() />
                        <button type="submit" class="button button-primary">{t.save_my_choices}</button>
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
    let t = &crate::i18n::t().account;
    let yes_no = move |b: bool| if b { t.yes } else { t.no };
    view! {
        <section class="card card-wide" aria-labelledby="consent-settings-h">
            <h2 id="consent-settings-h">{t.privacy_choices}</h2>
            <p class="muted">{t.privacy_choices_lede}</p>
            <ActionForm action=save attr:class="form">
                <input type="hidden" name="choice" value="custom" />
                <input type="hidden" name="source" value="settings" />
                <ChoiceBoxes prefix="settings" current />
                <p class="success" role="status" hidden=move || !save.value().with(|v| matches!(v, Some(Ok(_))))>
                    {t.saved}
                </p>
                <button type="submit" class="button button-primary">{t.save_choices}</button>
            </ActionForm>
            <h3 class="consent-history-h">{t.choices_so_far}</h3>
            <Show when=move || history.with(|h| !h.is_empty())
                fallback=move || view! { <p class="muted">{t.no_choices}</p> }>
                <ol class="consent-history">
                    <For each=move || history.get() key=|r| r.id.clone() let:r>
                        <li>
                            <strong>{r.when.clone()}</strong>
                            {fill(t.consent_record, &[
                                ("source", &r.source),
                                ("version", &r.policy_version),
                                ("functional", &yes_no(r.choices.functional)),
                                ("statistics", &yes_no(r.choices.statistics)),
                                ("improvement", &yes_no(r.choices.improvement)),
                            ])}
                        </li>
                    </For>
                </ol>
            </Show>
        </section>
    }
}
