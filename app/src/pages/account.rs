//! Account settings: profile, email, password, signing out.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    account::{
        ChangeEmail, ChangePassword, Logout, ResendVerification, SaveTimeSettings, TimeSettings,
        UpdateProfile, UserView, get_time_settings, state::use_auth,
    },
    components::consent::PrivacyChoices,
    components::form::{
        Field, FormAlert, SignInPrompt, Submit, field_error, form_error, succeeded,
    },
    consent::{ConsentChoices, ConsentRecordView, consent_history, get_consent},
    format::human_size,
    i18n::{DateStyle, fill},
    pages::{
        passkeys::PasskeysCard,
        security::{ReopenedNotice, SecurityCard, TwoStepCard},
        sign_in::SignInServicesCard,
    },
    privacy::{
        CloseAccount, DELETION_GRACE_DAYS, DeviceView, EndAllDevices, EndDevice, ExportState,
        ExportView, RequestExport, export_status, list_devices,
    },
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    // Each asks the server only once someone is signed in: a visitor's page makes no call.
    let time = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            get_time_settings().await
        },
    );
    let devices = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            list_devices().await
        },
    );
    let consent = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            get_consent().await
        },
    );
    let consent_log = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            consent_history().await
        },
    );
    let export = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            export_status().await
        },
    );
    let roles = Resource::new(
        || (),
        move |_| async move {
            auth.require().await?;
            crate::staff::my_roles().await
        },
    );
    let t = &crate::i18n::t().account;
    view! {
        <Title text=crate::i18n::t().shell.account />
        <section class="container account">
            <Suspense fallback=move || view! { <p class="muted" role="status">{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => {
                            let time = time.await.ok();
                            let devices = devices.await.unwrap_or_default();
                            let choices = consent.await.map(|c| c.choices).unwrap_or_default();
                            let history = consent_log.await.unwrap_or_default();
                            let export = export.await.ok().flatten();
                            let roles = roles.await.unwrap_or_default();
                            view! { <Settings user time devices choices history export roles /> }.into_any()
                        }
                        Ok(None) => {
                            let t = &crate::i18n::t().account;
                            view! { <SignInPrompt heading=t.signin_heading lede=t.signin_lede /> }.into_any()
                        }
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Settings(
    user: UserView,
    time: Option<TimeSettings>,
    devices: Vec<DeviceView>,
    choices: ConsentChoices,
    history: Vec<ConsentRecordView>,
    export: Option<ExportView>,
    roles: Vec<crate::staff::StaffRole>,
) -> impl IntoView {
    let auth = use_auth();
    let q = use_query_map();
    let just_verified = move || q.with(|q| q.get("verified").is_some());
    let reopened = q.with_untracked(|q| q.get("reopened").is_some());
    let profile = ServerAction::<UpdateProfile>::new();
    let email = ServerAction::<ChangeEmail>::new();
    let password = ServerAction::<ChangePassword>::new();
    let resend = ServerAction::<ResendVerification>::new();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move |_| {
        if profile.value().with(|v| matches!(v, Some(Ok(_))))
            || logout.value().with(|v| matches!(v, Some(Ok(()))))
        {
            auth.refresh();
        }
    });
    let pv = profile.value();
    let ev = email.value();
    let wv = password.value();
    let rv = resend.value();
    let tx = crate::i18n::t();
    let (t, ta) = (&tx.account, &tx.auth);
    view! {
        <header class="page-head">
            <p class="eyebrow">{tx.shell.account}</p>
            <h1>{fill(t.hello, &[("name", &user.username)])}</h1>
        </header>
        {reopened.then(|| view! { <ReopenedNotice /> })}
        <div class="notice" role="status" hidden=move || !just_verified()>
            {t.verified_notice}
        </div>
        {(!user.email_verified).then(|| view! {
            <div class="notice notice-warn" role="status">
                <p>{fill(t.confirm_prompt, &[("email", &user.email)])}</p>
                <ActionForm action=resend attr:class="inline-form">
                    <Submit label=t.send_again busy_label=ta.sending pending=resend.pending()
                        class="button button-quiet" />
                </ActionForm>
                <p class="muted" hidden=move || !succeeded(rv).get()>{t.sent_check_inbox}</p>
                <FormAlert error=form_error(rv, &[]) />
            </div>
        })}

        {(!roles.is_empty()).then(|| view! { <StaffLinks roles /> })}
        <p class="notice plus-link">
            {tx.billing.account_lede}" "
            <A href="/plus" attr:class="link">{tx.billing.account_link}</A>
        </p>
        <div class="settings-grid">
            <section class="card" aria-labelledby="profile-h">
                <h2 id="profile-h">{t.profile}</h2>
                <ActionForm action=profile attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(pv, &["username", "phone"]) />
                    <Field label=ta.username name="username" autocomplete="username" required=true
                        value=user.username.clone() error=field_error(pv, "username") />
                    <Field label=ta.phone_optional name="phone" kind="tel" autocomplete="tel"
                        value=user.phone.clone().unwrap_or_default()
                        hint=ta.phone_hint
                        error=field_error(pv, "phone") />
                    <p class="success" role="status" hidden=move || !succeeded(pv).get()>{t.saved}</p>
                    <Submit label=t.save_profile busy_label=tx.shell.saving pending=profile.pending()
                        class="button button-primary" />
                </ActionForm>
            </section>

            <section class="card" aria-labelledby="email-h">
                <h2 id="email-h">{ta.email}</h2>
                <p class="muted">{fill(
                    if user.email_verified { t.email_confirmed } else { t.email_unconfirmed },
                    &[("email", &user.email)],
                )}</p>
                <ActionForm action=email attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(ev, &["email", "current_password"]) />
                    <Field label=t.new_email name="email" kind="email" autocomplete="email" required=true
                        error=field_error(ev, "email") />
                    <Field label=t.current_password name="current_password" scope="email" kind="password"
                        autocomplete="current-password" required=true
                        error=field_error(ev, "current_password") />
                    <p class="success" role="status" hidden=move || !succeeded(ev).get()>
                        {t.email_change_sent}
                    </p>
                    <Submit label=t.change_email busy_label=ta.sending pending=email.pending()
                        class="button button-primary" />
                </ActionForm>
            </section>

            <section class="card" aria-labelledby="password-h">
                <h2 id="password-h">{ta.password}</h2>
                <ActionForm action=password attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(wv, &["current_password", "password"]) />
                    <Field label=t.current_password name="current_password" scope="password" kind="password"
                        autocomplete="current-password" required=true
                        error=field_error(wv, "current_password") />
                    <Field label=ta.new_password name="password" kind="password"
                        autocomplete="new-password" required=true hint=ta.password_hint
                        error=field_error(wv, "password") />
                    <p class="success" role="status" hidden=move || !succeeded(wv).get()>
                        {t.password_changed}
                    </p>
                    <Submit label=t.change_password busy_label=tx.shell.saving pending=password.pending()
                        class="button button-primary" />
                </ActionForm>
            </section>

            {time.map(|time| view! { <TimeCard time /> })}
            <LanguageCard />

            <section class="card" aria-labelledby="session-h">
                <h2 id="session-h">{t.this_device}</h2>
                <p class="muted">{t.this_device_lede}</p>
                <ActionForm action=logout attr:class="form">
                    <Submit label=t.log_out busy_label=t.logging_out pending=logout.pending()
                        class="button button-quiet" />
                </ActionForm>
            </section>
            <Devices devices />
            <PrivacyChoices current=choices history />
            <SignInServicesCard email=user.email.clone() />
            <PasskeysCard />
            <TwoStepCard />
            <SecurityCard />
            <ExportCard export />
            <CloseAccountCard />
        </div>
    }
}

/// "Export my data": starts the background build, shows its progress, then the download.
#[component]
fn ExportCard(export: Option<ExportView>) -> impl IntoView {
    let state = RwSignal::new(export);
    let start = ServerAction::<RequestExport>::new();
    Effect::new(move |_| {
        if let Some(Ok(v)) = start.value().get() {
            state.set(Some(v));
        }
    });
    // While a build runs, ask for its progress every second.
    Effect::new(move |_| {
        if state.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.status == ExportState::Building)
        }) {
            set_timeout(
                move || {
                    leptos::task::spawn_local(async move {
                        if let Ok(fresh) = export_status().await {
                            state.try_set(fresh);
                        }
                    });
                },
                std::time::Duration::from_secs(1),
            );
        }
    });
    let building = move || {
        state.with(|s| {
            s.as_ref()
                .is_some_and(|s| s.status == ExportState::Building)
        })
    };
    let sv = start.value();
    let t = &crate::i18n::t().account;
    view! {
        <section class="card card-wide" aria-labelledby="export-h">
            <h2 id="export-h">{t.export_heading}</h2>
            <p class="muted">{t.export_lede}</p>
            <div class="export-state" role="status" aria-live="polite">
                {move || state.get().map(|e| match e.status {
                    ExportState::Building => view! {
                        <div class="export-progress">
                            <progress max="100" value=e.progress aria-label=t.export_progress_label></progress>
                            <p>{fill(t.export_gathering, &[("step", &e.step), ("percent", &e.progress)])}</p>
                        </div>
                    }.into_any(),
                    ExportState::Ready => view! {
                        <div class="export-ready">
                            <p>{match e.bytes {
                                Some(b) => fill(
                                    t.export_ready_size,
                                    &[("when", &e.requested), ("size", &human_size(b))],
                                ),
                                None => fill(t.export_ready, &[("when", &e.requested)]),
                            }}</p>
                            <a class="button button-primary" href=e.download.clone().unwrap_or_default()
                                download="" rel="nofollow">{t.download_zip}</a>
                            <p class="muted">{fill(
                                t.export_link_until,
                                &[("when", &e.expires.clone().unwrap_or_default())],
                            )}</p>
                        </div>
                    }.into_any(),
                    ExportState::Expired => view! {
                        <p class="muted">{t.export_expired}</p>
                    }.into_any(),
                    ExportState::Failed => view! { <p class="alert alert-error">{e.step.clone()}</p> }.into_any(),
                })}
            </div>
            <FormAlert error=form_error(sv, &[]) />
            <ActionForm action=start attr:class="form">
                <button type="submit" class="button button-quiet"
                    disabled=move || building() || start.pending().get()>
                    {move || if building() || start.pending().get() { t.export_preparing } else { t.export_start }}
                </button>
            </ActionForm>
        </section>
    }
}

/// Time zone and the hour the day starts: what "today" means for the diary and the timer.
#[component]
fn TimeCard(time: TimeSettings) -> impl IntoView {
    let save = ServerAction::<SaveTimeSettings>::new();
    let v = save.value();
    let zone = RwSignal::new(time.timezone.clone());
    let device = RwSignal::new(None::<String>);
    Effect::new(move |_| device.set(crate::clock::browser_timezone()));
    let today = move || match v.get() {
        Some(Ok(t)) => t.today,
        _ => time.today,
    };
    let tx = crate::i18n::t();
    let t = &tx.account;
    view! {
        <section class="card" aria-labelledby="time-h">
            <h2 id="time-h">{t.time_heading}</h2>
            <p class="muted">{t.time_lede}</p>
            <ActionForm action=save attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["timezone", "day_starts_at"]) />
                <div class="field" class:has-error=move || field_error(v, "timezone").with(Option::is_some)>
                    <label for="field-timezone">{t.time_zone}</label>
                    <input id="field-timezone" name="timezone" required=true
                        prop:value=move || zone.get() value=time.timezone.clone()
                        on:input=move |e| zone.set(event_target_value(&e))
                        aria-describedby="field-timezone-hint field-timezone-error" />
                    <p class="hint" id="field-timezone-hint">{t.time_zone_hint}</p>
                    <p class="field-error" id="field-timezone-error">{move || field_error(v, "timezone").get()}</p>
                    {move || device.get().filter(|d| *d != zone.get()).map(|d| {
                        let label = fill(t.use_device_zone, &[("zone", &d)]);
                        view! { <button type="button" class="link-button" on:click=move |_| zone.set(d.clone())>{label}</button> }
                    })}
                </div>
                <Field label=t.day_starts_at name="day_starts_at" kind="time" value=time.day_starts_at.clone()
                    hint=t.day_starts_hint
                    error=field_error(v, "day_starts_at") />
                <p class="muted" role="status">{move || fill(t.today_is, &[("date", &crate::i18n::date(&today(), DateStyle::Full))])}</p>
                <Submit label=tx.shell.save busy_label=tx.shell.saving pending=save.pending() class="button button-primary" />
            </ActionForm>
        </section>
    }
}

/// The signed-in browsers of this account, each of which can be signed out.
#[component]
fn Devices(devices: Vec<DeviceView>) -> impl IntoView {
    let list = RwSignal::new(devices);
    let end = ServerAction::<EndDevice>::new();
    let end_all = ServerAction::<EndAllDevices>::new();
    let auth = use_auth();
    // After a "sign out", the list is read again; if this browser was the one signed out,
    // the server says so (401) and the page follows.
    Effect::new(move |_| {
        if end.value().with(|v| matches!(v, Some(Ok(())))) {
            leptos::task::spawn_local(async move {
                match list_devices().await {
                    Ok(fresh) => list.set(fresh),
                    Err(_) => auth.refresh(),
                }
            });
        }
    });
    Effect::new(move |_| {
        if end_all.value().with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    let ev = end.value();
    let t = &crate::i18n::t().account;
    view! {
        <section class="card card-wide" aria-labelledby="devices-h">
            <h2 id="devices-h">{t.devices_heading}</h2>
            <p class="muted">{t.devices_lede}</p>
            <FormAlert error=form_error(ev, &[]) />
            <ul class="device-list" aria-label=t.devices_list_label>
                <For each=move || list.get() key=|d| d.id.clone() let:d>
                    <li class="device">
                        <div class="device-what">
                            <strong>{d.summary.clone()}</strong>
                            {d.current.then(|| view! { <span class="badge">{t.this_device}</span> })}
                            <p class="muted device-when">
                                {fill(t.device_when, &[("signed_in", &d.signed_in), ("last_used", &d.last_used)])}
                                {d.ip.clone().map(|ip| format!(" · {ip}"))}
                            </p>
                        </div>
                        <ActionForm action=end attr:class="inline-form">
                            <input type="hidden" name="id" value=d.id.clone() />
                            <button type="submit" class="button button-quiet button-small"
                                aria-label=fill(
                                    if d.current { t.sign_out_this_device } else { t.sign_out_device },
                                    &[("device", &d.summary)],
                                )>
                                {t.sign_out}
                            </button>
                        </ActionForm>
                    </li>
                </For>
            </ul>
            <ActionForm action=end_all attr:class="form">
                <Submit label=t.sign_out_everywhere busy_label=t.signing_out pending=end_all.pending()
                    class="button button-quiet" />
            </ActionForm>
        </section>
    }
}

/// Closing the account: the page says exactly what happens before anything does.
#[component]
fn CloseAccountCard() -> impl IntoView {
    let close = ServerAction::<CloseAccount>::new();
    let v = close.value();
    let auth = use_auth();
    let navigate = leptos_router::hooks::use_navigate();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
            navigate("/login?closed=1", Default::default());
        }
    });
    let t = &crate::i18n::t().account;
    view! {
        <section class="card card-wide card-danger" aria-labelledby="close-h">
            <h2 id="close-h">{t.close_heading}</h2>
            <p>{t.close_intro}</p>
            <ul class="consequences">
                <li>{t.close_signed_out}</li>
                <li>{t.close_letters_cancelled}</li>
                <li>{t.close_wall_stays}</li>
                <li>{fill(t.close_erased_after, &[("days", &DELETION_GRACE_DAYS)])}</li>
            </ul>
            <p class="muted">{fill(t.close_undo, &[("days", &DELETION_GRACE_DAYS)])}</p>
            <ActionForm action=close attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["current_password", "confirm"]) />
                <Field label=t.current_password name="current_password" scope="close" kind="password"
                    autocomplete="current-password" required=true
                    error=field_error(v, "current_password") />
                <Field label=t.confirm_username name="confirm" autocomplete="off" required=true
                    hint=t.confirm_username_hint error=field_error(v, "confirm") />
                <Submit label=t.close_my_account busy_label=t.closing pending=close.pending()
                    class="button button-danger" />
            </ActionForm>
        </section>
    }
}

/// The language of the pages (and of the emails Ripen sends): saved on the account, then
/// the page reloads in it. Without the app loaded, it is a plain form that does the same.
#[component]
fn LanguageCard() -> impl IntoView {
    use crate::{i18n::Lang, prefs::SetLanguage};
    let tx = crate::i18n::t();
    let current = crate::i18n::lang();
    let choice = RwSignal::new(current.tag().to_owned());
    let save = crate::prefs::use_save_language();
    let path = <SetLanguage as server_fn::ServerFn>::PATH;
    view! {
        <section class="card" aria-labelledby="language-h">
            <h2 id="language-h">{tx.shell.language}</h2>
            <p class="muted">{tx.account.language_lede}</p>
            <form method="post" action=path class="form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    save.dispatch(SetLanguage { lang: choice.get_untracked() });
                }>
                <FormAlert error=form_error(save.value(), &[]) />
                <div class="field">
                    <label for="field-lang">{tx.shell.language}</label>
                    <select id="field-lang" name="lang"
                        on:change=move |e| choice.set(event_target_value(&e))>
                        {Lang::ALL.into_iter().map(|l| view! {
                            <option value=l.tag() lang=l.tag() selected={l == current}>
                                {l.native_name()}
                            </option>
                        }).collect_view()}
                    </select>
                </div>
                <Submit label=tx.shell.save busy_label=tx.shell.saving pending=save.pending()
                    class="button button-primary" />
            </form>
        </section>
    }
}

/// The staff pages the person's roles reach (shown to staff only).
#[component]
fn StaffLinks(roles: Vec<crate::staff::StaffRole>) -> impl IntoView {
    use crate::staff::StaffRole;
    let tx = crate::i18n::t();
    let t = &tx.staff;
    let admin = roles.contains(&StaffRole::Administrator);
    let has = |r: StaffRole| admin || roles.contains(&r);
    let names = roles
        .iter()
        .map(|r| crate::pages::staff::role_label(t, *r))
        .collect::<Vec<_>>()
        .join(", ");
    view! {
        <nav class="notice staff-links" aria-labelledby="staff-h">
            <h2 id="staff-h">{t.staff}" · "{names}</h2>
            <ul>
                {has(StaffRole::Moderator).then(|| view! { <li><a href="/admin/moderation">{tx.wall.moderation}</a></li> })}
                {has(StaffRole::Support).then(|| view! { <li><a href="/admin/accounts">{t.accounts_title}</a></li> })}
                {admin.then(|| view! { <li><a href="/admin/audit">{t.audit_title}</a></li> })}
                {admin.then(|| view! { <li><a href="/admin/announcements">{tx.announcements.title}</a></li> })}
                {admin.then(|| view! { <li><a href="/admin/payments">{tx.billing.admin_title}</a></li> })}
            </ul>
        </nav>
    }
}
