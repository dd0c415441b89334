//! The account's security views: the "Security activity" card (unread security notices,
//! then a year of sign-ins from new browsers and changes to how the account is signed in
//! to), and the notice shown right after signing in reopened a closed account.

use leptos::prelude::*;

use crate::{
    account::{
        ConfirmTwoStep, DisableTwoStep, SecurityPage, TwoStepSetup, begin_two_step,
        security_activity, two_step_status,
    },
    components::{
        form::{Field, FormAlert, Submit, field_error, form_error},
        notices::NoticeCard,
    },
    notifications::Group,
    pages::passkeys::TurnOffTwoStepWithPasskey,
    privacy::CloseAccountAgain,
};

/// The settings card; its heading is the target of the alerts' links (`#security-h`).
#[component]
pub fn SecurityCard() -> impl IntoView {
    let epoch = RwSignal::new(0u32);
    // Read in the browser after hydration (like the passkeys card): a resource made inside
    // the settings page's `Suspend` could reach the browser after hydration began, and the
    // card then failed to hydrate (seen in CI, on this page's cards).
    let page = LocalResource::new(move || {
        epoch.track();
        security_activity()
    });
    let t = &crate::i18n::t().security;
    view! {
        <section class="card card-wide" aria-labelledby="security-h">
            <h2 id="security-h">{t.heading}</h2>
            <p class="muted">{t.lede}</p>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    page.await.ok().map(|p| view! {
                        <Activity page=p on_read=Callback::new(move |()| epoch.update(|e| *e += 1)) />
                    })
                })}
            </Transition>
        </section>
    }
}

#[component]
fn Activity(page: SecurityPage, on_read: Callback<()>) -> impl IntoView {
    let t = &crate::i18n::t().security;
    let SecurityPage { events, notices } = page;
    let empty = events.is_empty();
    view! {
        <NoticeCard notices group=Group::Security id="security-notices-h"
            heading=t.notices_heading on_read />
        {empty.then(|| view! { <p class="muted">{t.empty}</p> })}
        {(!empty).then(|| view! {
            <div class="table-scroll">
                <table class="security-activity">
                    <thead>
                        <tr>
                            <th scope="col">{t.col_when}</th>
                            <th scope="col">{t.col_what}</th>
                            <th scope="col">{t.col_browser}</th>
                            <th scope="col">{t.col_network}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {events.into_iter().map(|e| view! {
                            <tr>
                                <td>{e.when}</td>
                                <td>{e.kind.title(t)}</td>
                                <td>{e.browser.unwrap_or_else(|| t.unknown.to_owned())}</td>
                                <td><code>{e.network.unwrap_or_else(|| t.unknown.to_owned())}</code></td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
        })}
    }
}

/// Right after signing in reopened a closed account (`/account?reopened=1`): says so, and
/// closes it again in one step.
#[component]
pub fn ReopenedNotice() -> impl IntoView {
    let again = ServerAction::<CloseAccountAgain>::new();
    let v = again.value();
    let auth = crate::account::state::use_auth();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
            navigate("/login?closed=1", Default::default());
        }
    });
    let t = &crate::i18n::t().security;
    view! {
        <section class="notice notice-warn reopened" role="status" aria-labelledby="reopened-h">
            <h2 id="reopened-h">{t.reopened_title}</h2>
            <p>{t.reopened_body}</p>
            <ActionForm action=again attr:class="inline-form">
                <FormAlert error=form_error(v, &[]) />
                <Submit label=t.close_again busy_label=crate::i18n::t().account.closing
                    pending=again.pending() class="button button-danger" />
            </ActionForm>
        </section>
    }
}

/// Two-step verification: set it up (QR code, key, a first code, then the recovery codes
/// shown once), or see it is on and turn it off with the password.
#[component]
pub fn TwoStepCard() -> impl IntoView {
    let epoch = RwSignal::new(0u32);
    // In the browser after hydration, for the reason given at `SecurityCard`.
    let status = LocalResource::new(move || {
        epoch.track();
        two_step_status()
    });
    let setup = RwSignal::new(None::<TwoStepSetup>);
    let setup_error = RwSignal::new(None::<String>);
    let confirm = ServerAction::<ConfirmTwoStep>::new();
    let disable = ServerAction::<DisableTwoStep>::new();
    let (cv, dv) = (confirm.value(), disable.value());
    Effect::new(move |_| {
        if cv.with(|v| matches!(v, Some(Ok(_)))) || dv.with(|v| matches!(v, Some(Ok(())))) {
            setup.set(None);
            epoch.update(|e| *e += 1);
        }
    });
    let t = &crate::i18n::t().security;
    let start = move |_| {
        leptos::task::spawn_local(async move {
            match begin_two_step().await {
                Ok(s) => {
                    setup_error.set(None);
                    setup.set(Some(s));
                }
                Err(e) => setup_error.set(Some(e.to_string())),
            }
        });
    };
    let codes = move || match cv.get() {
        Some(Ok(codes)) => Some(codes),
        _ => None,
    };
    view! {
        <section class="card" aria-labelledby="two-step-h">
            <h2 id="two-step-h">{t.two_step_heading}</h2>
            <p class="muted">{t.two_step_lede}</p>
            {move || codes().map(|codes| view! {
                <div class="notice recovery-codes" role="status">
                    <h3>{t.two_step_codes_heading}</h3>
                    <p>{t.two_step_codes_lede}</p>
                    <ul class="code-list">
                        {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                    </ul>
                </div>
            })}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let state = status.await.ok();
                    match state {
                        Some(s) if s.on => view! {
                            <p><strong>{t.two_step_is_on.count(s.recovery_left)}</strong></p>
                            <ActionForm action=disable attr:class="form" attr:novalidate="">
                                <FormAlert error=form_error(dv, &["current_password"]) />
                                <Field label=crate::i18n::t().account.current_password name="current_password"
                                    scope="two-step" kind="password" autocomplete="current-password" required=true
                                    error=field_error(dv, "current_password") />
                                <Submit label=t.two_step_turn_off busy_label=crate::i18n::t().shell.saving
                                    pending=disable.pending() class="button button-quiet" />
                            </ActionForm>
                            <TurnOffTwoStepWithPasskey done=Callback::new(move |()| epoch.update(|e| *e += 1)) />
                        }.into_any(),
                        Some(_) => view! {
                            {move || match setup.get() {
                                None => view! {
                                    <p class="field-error" role="alert">{move || setup_error.get()}</p>
                                    <button type="button" class="button button-primary" on:click=start>
                                        {t.two_step_set_up}
                                    </button>
                                }.into_any(),
                                Some(s) => view! {
                                    <p>{t.two_step_scan}</p>
                                    <div class="qr" role="img" aria-label=t.qr_label inner_html=s.qr_svg></div>
                                    <p class="muted">{t.two_step_key}": "<code class="secret-key">{s.key}</code></p>
                                    <ActionForm action=confirm attr:class="form" attr:novalidate="">
                                        <FormAlert error=form_error(cv, &["code"]) />
                                        <Field label=t.two_step_code name="code" scope="two-step"
                                            autocomplete="one-time-code" hint=t.two_step_code_hint required=true
                                            error=field_error(cv, "code") />
                                        <Submit label=t.two_step_turn_on busy_label=crate::i18n::t().shell.saving
                                            pending=confirm.pending() />
                                    </ActionForm>
                                }.into_any(),
                            }}
                        }.into_any(),
                        None => ().into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
