//! Signing in through another service: the buttons on the sign-in and sign-up pages, what
//! a refused answer says, the page that finishes a sign-up, and the settings card of
//! linked services.
//!
//! The buttons are plain links (`rel="external"`, so the router leaves them to the
//! browser): the server's start answers with a redirect to the provider, which a form
//! could not follow under the page's `form-action 'self'`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    account::{RequestPasswordReset, state::use_auth},
    components::form::{Checkbox, Field, FormAlert, Submit, field_error, form_error},
    i18n::fill,
    identity::{
        FinishProviderSignUp, IdentitiesView, ProviderView, Refusal, UnlinkIdentity,
        linked_identities, pending_sign_up, sign_in_providers,
    },
};

/// Why the last provider sign-in did not go through (`?provider_error=`), if it did not.
#[component]
pub fn ProviderRefusal() -> impl IntoView {
    let q = use_query_map();
    let t = &crate::i18n::t().sign_in;
    move || {
        q.with(|q| q.get("provider_error"))
            .and_then(|r| Refusal::parse(&r))
            .map(|r| view! { <div class="alert" role="alert">{r.message(t)}</div> })
    }
}

/// "Continue with …" for each configured service; nothing if there are none.
#[component]
pub fn ProviderButtons() -> impl IntoView {
    let providers = Resource::new(|| (), |_| sign_in_providers());
    let t = &crate::i18n::t().sign_in;
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let list = providers.await.unwrap_or_default();
                (!list.is_empty()).then(|| view! {
                    <div class="provider-buttons">
                        {list.into_iter().map(|p| view! {
                            <a class="button button-quiet provider-button" rel="external"
                                href=p.start_href(false)>
                                {fill(t.continue_with, &[("name", &p.name)])}
                            </a>
                        }).collect_view()}
                        <p class="provider-or muted" aria-hidden="true">{t.or}</p>
                    </div>
                })
            })}
        </Suspense>
    }
}

/// `/signup/provider`: the provider said who the person is; the same statements as the
/// password sign-up, and a username, make the account.
#[component]
pub fn FinishSignUpPage() -> impl IntoView {
    let pending = Resource::new(|| (), |_| pending_sign_up());
    let action = ServerAction::<FinishProviderSignUp>::new();
    let v = action.value();
    let auth = use_auth();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    let timezone = RwSignal::new(String::new());
    Effect::new(move |_| timezone.set(crate::clock::browser_timezone().unwrap_or_default()));
    // The fields the form shows; an error about another (the address, which the provider
    // gave) is shown above the form.
    const FIELDS: &[&str] = &["username", "age", "consent"];
    let t = &crate::i18n::t().sign_in;
    let ta = &crate::i18n::t().auth;
    view! {
        <Title text=t.finish_title />
        <section class="auth container">
            <div class="card auth-card">
                <h1>{t.finish_title}</h1>
                <Suspense fallback=|| ()>
                    {move || Suspend::new(async move {
                        match pending.await.ok().flatten() {
                            None => view! {
                                <div class="notice" role="status">{t.finish_gone}</div>
                                <p class="auth-switch"><A href="/signup">{ta.create_an_account}</A></p>
                            }.into_any(),
                            Some(p) => view! {
                                <p class="auth-lede">{fill(
                                    t.finish_lede,
                                    &[("provider", &p.provider), ("email", &p.email)],
                                )}</p>
                                <ActionForm action attr:class="form" attr:novalidate="">
                                    <FormAlert error=form_error(v, FIELDS) />
                                    <input type="hidden" name="timezone" prop:value=move || timezone.get() />
                                    <Field label=ta.username name="username" autocomplete="username" required=true
                                        hint=ta.username_hint error=field_error(v, "username") />
                                    <Checkbox name="age" error=field_error(v, "age")>{ta.age_check}</Checkbox>
                                    <Checkbox name="consent" error=field_error(v, "consent")>
                                        {ta.consent_prefix} <A href="/terms">{ta.terms_of_use}</A> {ta.consent_and}
                                        <A href="/privacy">{ta.privacy_policy}</A> {ta.consent_suffix}
                                    </Checkbox>
                                    <Submit label=t.finish_submit busy_label=ta.creating_account
                                        pending=action.pending() />
                                </ActionForm>
                            }.into_any(),
                        }
                    })}
                </Suspense>
            </div>
        </section>
    }
}

/// The settings card: linked services (removable unless the last way in) and the ones
/// that could be linked. Its heading is the target of the callback's return
/// (`#sign-in-h`).
#[component]
pub fn SignInServicesCard(email: String) -> impl IntoView {
    let epoch = RwSignal::new(0u32);
    // In the browser after hydration, for the reason given at `security::SecurityCard`.
    let view_of = LocalResource::new(move || {
        epoch.track();
        linked_identities()
    });
    let t = &crate::i18n::t().sign_in;
    let q = use_query_map();
    let linked_now = move || q.with(|q| q.get("linked").is_some());
    view! {
        <section class="card" aria-labelledby="sign-in-h">
            <h2 id="sign-in-h">{t.heading}</h2>
            <p class="muted">{t.lede}</p>
            <ProviderRefusal />
            <p class="success" role="status" hidden=move || !linked_now()>{t.linked_done}</p>
            <Transition fallback=|| ()>
                {move || {
                    let email = email.clone();
                    Suspend::new(async move {
                        view_of.await.ok().map(|v| view! {
                            <Services v email on_change=Callback::new(move |()| epoch.update(|e| *e += 1)) />
                        })
                    })
                }}
            </Transition>
        </section>
    }
}

#[component]
fn Services(v: IdentitiesView, email: String, on_change: Callback<()>) -> impl IntoView {
    let t = &crate::i18n::t().sign_in;
    let unlink = ServerAction::<UnlinkIdentity>::new();
    let uv = unlink.value();
    Effect::new(move |_| {
        if uv.with(|v| matches!(v, Some(Ok(())))) {
            on_change.run(());
        }
    });
    let reset = ServerAction::<RequestPasswordReset>::new();
    let sent = move || reset.value().with(|v| matches!(v, Some(Ok(()))));
    let IdentitiesView {
        linked,
        available,
        last_way,
        has_password,
    } = v;
    view! {
        // Every error of a removal is about the list as a whole (the last way in).
        <FormAlert error=form_error(uv, &[]) />
        {linked.is_empty().then(|| view! { <p class="muted">{t.none_linked}</p> })}
        <ul class="linked-services">
            {linked.into_iter().map(|l| {
                let label = format!("{} — {}", t.unlink, l.provider);
                view! {
                    <li>
                        <span><strong translate="no">{l.provider}</strong> " "
                            <span class="muted">{fill(t.linked_on, &[("date", &l.linked)])}</span></span>
                        {(!last_way).then(|| view! {
                            <ActionForm action=unlink attr:class="inline-form">
                                <input type="hidden" name="id" value=l.id />
                                <button type="submit" class="button button-quiet" aria-label=label>
                                    {t.unlink}
                                </button>
                            </ActionForm>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
        {last_way.then(|| view! { <p class="muted">{t.last_way}</p> })}
        {(!available.is_empty()).then(|| view! {
            <div class="provider-buttons">
                {available.into_iter().map(|p: ProviderView| view! {
                    <a class="button button-quiet provider-button" rel="external" href=p.start_href(true)>
                        {fill(t.link, &[("name", &p.name)])}
                    </a>
                }).collect_view()}
            </div>
        })}
        {(!has_password).then(|| view! {
            <p class="muted">{t.no_password}</p>
            <ActionForm action=reset attr:class="form">
                <input type="hidden" name="email" value=email />
                <p class="success" role="status" hidden=move || !sent()>{t.set_password_sent}</p>
                <Submit label=t.set_password busy_label=crate::i18n::t().auth.sending
                    pending=reset.pending() class="button button-quiet" />
            </ActionForm>
        })}
    }
}
