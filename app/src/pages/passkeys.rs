//! Passkeys on the pages: "Sign in with a passkey" on the sign-in page (and the browser's
//! own passkey list under the username field, where it offers one), and the settings card
//! that adds, names, lists and removes them.
//!
//! Both need the browser: the button appears once the page is interactive and the browser
//! has WebAuthn; before that (or without it) the page is what it was.

use leptos::prelude::*;

use crate::{
    components::form::{Field, FormAlert, form_error},
    i18n::fill,
    identity::passkeys::{PasskeyView, PasskeysView, RemovePasskey, RenamePasskey, passkeys},
};

/// What the person is told when the browser's side of a ceremony fails.
#[cfg(feature = "hydrate")]
fn failure_message(f: crate::identity::webauthn::Failure) -> &'static str {
    use crate::identity::webauthn::Failure;
    let t = &crate::i18n::t().passkeys;
    match f {
        Failure::Unsupported => t.unsupported,
        Failure::Cancelled => t.cancelled,
        Failure::Duplicate => t.already_added,
        Failure::Failed => t.failed,
    }
}

/// One sign-in with a passkey, from the server's challenge to the session: answers where
/// to go next, or what to say (`None`: nothing, as when a conditional request is aborted).
#[cfg(feature = "hydrate")]
async fn sign_in(conditional: Option<web_sys::AbortSignal>) -> Result<String, Option<String>> {
    use crate::identity::{
        passkeys::{finish_passkey_sign_in, start_passkey_sign_in},
        webauthn::{self, Failure},
    };
    let quiet = conditional.is_some();
    let challenge = start_passkey_sign_in()
        .await
        .map_err(|e| (!quiet).then(|| e.to_string()))?;
    let credential = webauthn::get_assertion(&challenge.options, conditional.as_ref())
        .await
        .map_err(|f| {
            (!(quiet && f == Failure::Cancelled)).then(|| failure_message(f).to_owned())
        })?;
    finish_passkey_sign_in(challenge.ceremony, credential)
        .await
        .map_err(|e| Some(e.to_string()))
}

/// "Sign in with a passkey" (hidden until the browser shows it can), and the browser's
/// passkey list under the username field where it offers one (the field's autocomplete
/// says `webauthn`).
#[component]
pub fn PasskeySignIn() -> impl IntoView {
    let t = &crate::i18n::t().passkeys;
    let supported = RwSignal::new(false);
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    #[cfg(feature = "hydrate")]
    let (go, waiting) = {
        use leptos_router::hooks::use_navigate;
        let auth = crate::account::state::use_auth();
        let navigate = use_navigate();
        let done = Callback::new(move |to: String| {
            auth.refresh();
            navigate(&to, Default::default());
        });
        // The conditional request waiting in the browser's list: aborted before the
        // dialog opens (a browser runs one request at a time) and when the page goes.
        let waiting = StoredValue::new_local(None::<web_sys::AbortController>);
        Effect::new(move |_| {
            supported.set(crate::identity::webauthn::supported());
            leptos::task::spawn_local(async move {
                if !crate::identity::webauthn::conditional_available().await {
                    return;
                }
                let Ok(controller) = web_sys::AbortController::new() else {
                    return;
                };
                let signal = controller.signal();
                waiting.set_value(Some(controller));
                match sign_in(Some(signal)).await {
                    Ok(to) => done.run(to),
                    Err(message) => {
                        if message.is_some() {
                            error.set(message);
                        }
                    }
                }
            });
        });
        on_cleanup(move || {
            waiting.update_value(|w| {
                if let Some(c) = w.take() {
                    c.abort();
                }
            });
        });
        (done, waiting)
    };
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            waiting.update_value(|w| {
                if let Some(c) = w.take() {
                    c.abort();
                }
            });
            pending.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let result = sign_in(None).await;
                pending.set(false);
                match result {
                    Ok(to) => go.run(to),
                    Err(message) => error.set(message),
                }
            });
        }
    };
    view! {
        <div class="passkey-sign-in" hidden=move || !supported.get()>
            <FormAlert error=error />
            <button type="button" class="button button-quiet button-block" on:click=on_click
                disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
                {move || if pending.get() { t.waiting } else { t.sign_in }}
            </button>
        </div>
    }
}

/// "Turn off with a passkey instead", beside the two-step card's password form: shown when
/// the account has a passkey and the browser can use it; `done` runs once it is off.
#[component]
pub fn TurnOffTwoStepWithPasskey(done: Callback<()>) -> impl IntoView {
    let t = &crate::i18n::t().passkeys;
    // In the browser only, like the passkeys card (see there).
    let has_passkeys = LocalResource::new(passkeys);
    let supported = RwSignal::new(false);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        supported.set(crate::identity::webauthn::supported());
    });
    let pending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let on_click = move |_| {
        #[cfg(feature = "hydrate")]
        {
            use crate::identity::{
                passkeys::{disable_two_step_with_passkey, start_passkey_confirmation},
                webauthn,
            };
            pending.set(true);
            error.set(None);
            leptos::task::spawn_local(async move {
                let result = async {
                    let challenge = start_passkey_confirmation()
                        .await
                        .map_err(|e| e.to_string())?;
                    let credential = webauthn::get_assertion(&challenge.options, None)
                        .await
                        .map_err(|f| failure_message(f).to_owned())?;
                    disable_two_step_with_passkey(challenge.ceremony, credential)
                        .await
                        .map_err(|e| e.to_string())
                }
                .await;
                pending.set(false);
                match result {
                    Ok(()) => done.run(()),
                    Err(message) => error.set(Some(message)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = done;
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let any = has_passkeys.await.is_ok_and(|v| v.available && !v.passkeys.is_empty());
                any.then(|| view! {
                    <div class="passkey-confirm" hidden=move || !supported.get()>
                        <FormAlert error=error />
                        <button type="button" class="button button-quiet" on:click=on_click
                            disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
                            {move || if pending.get() { t.waiting } else { t.turn_off_two_step }}
                        </button>
                    </div>
                })
            })}
        </Transition>
    }
}

/// The settings card: the account's passkeys, and adding one.
#[component]
pub fn PasskeysCard() -> impl IntoView {
    let epoch = RwSignal::new(0u32);
    // Read in the browser once the page is interactive, not while the server renders: the
    // card is near the end of a long page, and on a busy server its streamed answer could
    // come after the browser began to hydrate, which then found content where it expected
    // the placeholder (a hydration error seen in a CI run). It is nothing a visitor reads
    // before the page responds.
    let view_of = LocalResource::new(move || {
        epoch.track();
        passkeys()
    });
    let t = &crate::i18n::t().passkeys;
    let on_change = Callback::new(move |()| epoch.update(|e| *e += 1));
    // Kept here, not in the form: the list (and the form with it) is drawn again when it
    // reloads after an addition, and what the form said must outlive that.
    let adding = Adding::default();
    view! {
        <section class="card" aria-labelledby="passkeys-h">
            <h2 id="passkeys-h">{t.heading}</h2>
            <p class="muted">{t.lede}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    view_of.await.ok().map(|v| view! { <PasskeyList v on_change adding /> })
                })}
            </Transition>
        </section>
    }
}

/// The state of the "Add a passkey" form.
#[derive(Clone, Copy)]
struct Adding {
    pending: RwSignal<bool>,
    error: RwSignal<Option<crate::AppError>>,
    added: RwSignal<bool>,
}

impl Default for Adding {
    fn default() -> Self {
        Self {
            pending: RwSignal::new(false),
            error: RwSignal::new(None),
            added: RwSignal::new(false),
        }
    }
}

#[component]
fn PasskeyList(v: PasskeysView, on_change: Callback<()>, adding: Adding) -> impl IntoView {
    let t = &crate::i18n::t().passkeys;
    let remove = ServerAction::<RemovePasskey>::new();
    let rename = ServerAction::<RenamePasskey>::new();
    let (rmv, rnv) = (remove.value(), rename.value());
    let editing = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let removed = rmv.with(|v| matches!(v, Some(Ok(()))));
        let renamed = rnv.with(|v| matches!(v, Some(Ok(()))));
        if removed || renamed {
            editing.set(None);
            on_change.run(());
        }
    });
    let PasskeysView {
        available,
        passkeys,
        last_way,
    } = v;
    if !available {
        return view! { <p class="muted">{t.unavailable}</p> }.into_any();
    }
    view! {
        // A removal's errors are about the list as a whole (the last way in).
        <FormAlert error=form_error(rmv, &[]) />
        <FormAlert error=form_error(rnv, &["label"]) />
        {passkeys.is_empty().then(|| view! { <p class="muted">{t.none}</p> })}
        <ul class="linked-services passkeys">
            {passkeys.into_iter().map(|p| view! {
                <PasskeyItem p last_way editing rename remove />
            }).collect_view()}
        </ul>
        {last_way.then(|| view! { <p class="muted">{t.last_way}</p> })}
        <AddPasskey on_change adding />
    }
    .into_any()
}

#[component]
fn PasskeyItem(
    p: PasskeyView,
    last_way: bool,
    editing: RwSignal<Option<String>>,
    rename: ServerAction<RenamePasskey>,
    remove: ServerAction<RemovePasskey>,
) -> impl IntoView {
    let t = &crate::i18n::t().passkeys;
    let PasskeyView {
        id,
        label,
        added,
        last_used,
    } = p;
    let mut when = fill(t.added_on, &[("date", &added)]);
    if let Some(used) = last_used {
        when.push_str(" · ");
        when.push_str(&fill(t.last_used_on, &[("date", &used)]));
    }
    let rename_label = format!("{} — {}", t.rename, label);
    let remove_label = format!("{} — {}", t.remove, label);
    let row = move || {
        let (id, label, when) = (id.clone(), label.clone(), when.clone());
        let (rename_label, remove_label) = (rename_label.clone(), remove_label.clone());
        if editing.with(|e| e.as_deref() == Some(id.as_str())) {
            let field = format!("passkey-label-{id}");
            return view! {
                <ActionForm action=rename attr:class="inline-form passkey-rename">
                    <input type="hidden" name="id" value=id />
                    <label class="visually-hidden" for=field.clone()>{t.label}</label>
                    <input id=field name="label" value=label maxlength="60" required=true />
                    <button type="submit" class="button button-primary">{t.save}</button>
                    <button type="button" class="button button-quiet" on:click=move |_| editing.set(None)>
                        {t.cancel}
                    </button>
                </ActionForm>
            }
            .into_any();
        }
        let edit = {
            let id = id.clone();
            move |_| editing.set(Some(id.clone()))
        };
        view! {
            <span><strong>{label}</strong> " " <span class="muted">{when}</span></span>
            <span class="inline-actions">
                <button type="button" class="button button-quiet" aria-label=rename_label
                    on:click=edit>{t.rename}</button>
                {(!last_way).then(|| view! {
                    <ActionForm action=remove attr:class="inline-form">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button button-quiet" aria-label=remove_label>
                            {t.remove}
                        </button>
                    </ActionForm>
                })}
            </span>
        }
        .into_any()
    };
    view! { <li>{row}</li> }
}

/// "Add a passkey": a name (optional), then the browser's dialog.
#[component]
fn AddPasskey(on_change: Callback<()>, adding: Adding) -> impl IntoView {
    let t = &crate::i18n::t().passkeys;
    let Adding {
        pending,
        error,
        added,
    } = adding;
    let label_input = NodeRef::<leptos::html::Input>::new();
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use crate::identity::{
                passkeys::{finish_adding_passkey, start_adding_passkey},
                webauthn,
            };
            let label = label_input
                .get_untracked()
                .map(|i| i.value())
                .unwrap_or_default();
            pending.set(true);
            error.set(None);
            added.set(false);
            leptos::task::spawn_local(async move {
                let result = async {
                    let challenge = start_adding_passkey().await?;
                    let credential = webauthn::create(&challenge.options)
                        .await
                        .map_err(|f| crate::AppError::validation("passkey", failure_message(f)))?;
                    finish_adding_passkey(challenge.ceremony, credential, label).await
                }
                .await;
                pending.set(false);
                match result {
                    Ok(()) => {
                        added.set(true);
                        if let Some(i) = label_input.get_untracked() {
                            i.set_value("");
                        }
                        on_change.run(());
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (label_input, on_change);
    };
    let field_message = move |field: &'static str| {
        Signal::derive(move || {
            error.with(|e| {
                e.as_ref()
                    .and_then(|e| e.field_message(field))
                    .map(str::to_owned)
            })
        })
    };
    let general = Signal::derive(move || {
        error.with(|e| match e {
            Some(crate::AppError::Validation { fields }) => fields
                .iter()
                .find(|f| f.field != "label")
                .map(|f| f.message.clone()),
            Some(e) => Some(e.to_string()),
            None => None,
        })
    });
    view! {
        <form class="form passkey-add" on:submit=on_submit novalidate="">
            <FormAlert error=general />
            <p class="success" role="status" hidden=move || !added.get()>{t.added_done}</p>
            <Field label=t.label name="label" scope="passkey" hint=t.label_hint
                error=field_message("label") node_ref=label_input />
            <button type="submit" class="button button-primary" disabled=move || pending.get()
                aria-busy=move || pending.get().then_some("true")>
                {move || if pending.get() { t.waiting } else { t.add }}
            </button>
        </form>
    }
}
