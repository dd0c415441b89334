//! Account settings: profile, email, password, signing out.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    account::{
        ChangeEmail, ChangePassword, Logout, ResendVerification, UpdateProfile, UserView,
        state::use_auth,
    },
    components::consent::PrivacyChoices,
    components::form::{Field, FormAlert, Submit, field_error, form_error, succeeded},
    diary::{SaveTimeSettings, TimeSettings, get_time_settings},
    format::human_size,
    privacy::{
        CloseAccount, ConsentChoices, ConsentRecordView, DELETION_GRACE_DAYS, DeviceView,
        EndAllDevices, EndDevice, ExportView, RequestExport, consent_history, export_status,
        get_consent, list_devices,
    },
};

#[component]
pub fn AccountPage() -> impl IntoView {
    let auth = use_auth();
    let time = Resource::new(|| (), |_| get_time_settings());
    let devices = Resource::new(|| (), |_| list_devices());
    let consent = Resource::new(|| (), |_| get_consent());
    let consent_log = Resource::new(|| (), |_| consent_history());
    let export = Resource::new(|| (), |_| export_status());
    view! {
        <Title text="Account" />
        <section class="container account">
            <Suspense fallback=|| view! { <p class="muted" role="status">"Loading your account…"</p> }>
                {move || Suspend::new(async move {
                    match auth.user.await {
                        Ok(Some(user)) => {
                            let time = time.await.ok();
                            let devices = devices.await.unwrap_or_default();
                            let choices = consent.await.map(|c| c.choices).unwrap_or_default();
                            let history = consent_log.await.unwrap_or_default();
                            let export = export.await.ok().flatten();
                            view! { <Settings user time devices choices history export /> }.into_any()
                        }
                        Ok(None) => view! { <SignInPrompt /> }.into_any(),
                        Err(e) => view! { <div class="alert alert-error" role="alert">{e.to_string()}</div> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SignInPrompt() -> impl IntoView {
    view! {
        <div class="card auth-card">
            <h1>"Your account"</h1>
            <p class="auth-lede">"Log in to see your profile, devices and privacy choices."</p>
            <div class="button-row">
                <A href="/login" attr:class="button button-primary">"Log in"</A>
                <A href="/signup" attr:class="button button-quiet">"Create an account"</A>
            </div>
        </div>
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
) -> impl IntoView {
    let auth = use_auth();
    let q = use_query_map();
    let just_verified = move || q.with(|q| q.get("verified").is_some());
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
    view! {
        <header class="page-head">
            <p class="eyebrow">"Account"</p>
            <h1>{format!("Hello, {}", user.username)}</h1>
        </header>
        <div class="notice" role="status" hidden=move || !just_verified()>
            "Your email address is confirmed. Welcome to Ripen."
        </div>
        {(!user.email_verified).then(|| view! {
            <div class="notice notice-warn" role="status">
                <p>{format!("Please confirm {} with the link we sent you.", user.email)}</p>
                <ActionForm action=resend attr:class="inline-form">
                    <Submit label="Send the link again" busy_label="Sending…" pending=resend.pending()
                        class="button button-quiet" />
                </ActionForm>
                <p class="muted" hidden=move || !succeeded(rv).get()>"Sent. Check your inbox."</p>
                <FormAlert error=form_error(rv, &[]) />
            </div>
        })}

        <div class="settings-grid">
            <section class="card" aria-labelledby="profile-h">
                <h2 id="profile-h">"Profile"</h2>
                <ActionForm action=profile attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(pv, &["username", "phone"]) />
                    <Field label="Username" name="username" autocomplete="username" required=true
                        value=user.username.clone() error=field_error(pv, "username") />
                    <Field label="Phone (optional)" name="phone" kind="tel" autocomplete="tel"
                        value=user.phone.clone().unwrap_or_default()
                        hint="With your country code, e.g. +44 20 7946 0958."
                        error=field_error(pv, "phone") />
                    <p class="success" role="status" hidden=move || !succeeded(pv).get()>"Saved."</p>
                    <Submit label="Save profile" busy_label="Saving…" pending=profile.pending()
                        class="button button-primary" />
                </ActionForm>
            </section>

            <section class="card" aria-labelledby="email-h">
                <h2 id="email-h">"Email"</h2>
                <p class="muted">{format!("Currently {}{}.", user.email, if user.email_verified { ", confirmed" } else { ", not confirmed yet" })}</p>
                <ActionForm action=email attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(ev, &["email", "current_password"]) />
                    <Field label="New email" name="email" kind="email" autocomplete="email" required=true
                        error=field_error(ev, "email") />
                    <Field label="Current password" name="current_password" kind="password"
                        autocomplete="current-password" required=true
                        error=field_error(ev, "current_password") />
                    <p class="success" role="status" hidden=move || !succeeded(ev).get()>
                        "Check the new address: it becomes your account's once you open the link we sent there."
                    </p>
                    <Submit label="Change email" busy_label="Sending…" pending=email.pending()
                        class="button button-primary" />
                </ActionForm>
            </section>

            <section class="card" aria-labelledby="password-h">
                <h2 id="password-h">"Password"</h2>
                <ActionForm action=password attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(wv, &["current_password", "password"]) />
                    <Field label="Current password" name="current_password" kind="password"
                        autocomplete="current-password" required=true
                        error=field_error(wv, "current_password") />
                    <Field label="New password" name="password" kind="password"
                        autocomplete="new-password" required=true hint="At least 8 characters."
                        error=field_error(wv, "password") />
                    <p class="success" role="status" hidden=move || !succeeded(wv).get()>
                        "Password changed. Your other devices have been signed out."
                    </p>
                    <Submit label="Change password" busy_label="Saving…" pending=password.pending()
                        class="button button-primary" />
                </ActionForm>
            </section>

            {time.map(|time| view! { <TimeCard time /> })}

            <section class="card" aria-labelledby="session-h">
                <h2 id="session-h">"This device"</h2>
                <p class="muted">"Signing out ends this session on our server straight away."</p>
                <ActionForm action=logout attr:class="form">
                    <Submit label="Log out" busy_label="Logging out…" pending=logout.pending()
                        class="button button-quiet" />
                </ActionForm>
            </section>
            <Devices devices />
            <PrivacyChoices current=choices history />
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
        if state.with(|s| s.as_ref().is_some_and(|s| s.status == "building")) {
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
    let building = move || state.with(|s| s.as_ref().is_some_and(|s| s.status == "building"));
    let sv = start.value();
    view! {
        <section class="card card-wide" aria-labelledby="export-h">
            <h2 id="export-h">"Export your data"</h2>
            <p class="muted">
                "One ZIP file with your profile, settings, privacy choices, devices, tasks, focus sessions, \
                 check-ins, diary, letters with their pictures, and a README that explains every file. \
                 Lists come as JSON and as CSV for spreadsheets."
            </p>
            <div class="export-state" role="status" aria-live="polite">
                {move || state.get().map(|e| match e.status.as_str() {
                    "building" => view! {
                        <div class="export-progress">
                            <progress max="100" value=e.progress aria-label="Export progress"></progress>
                            <p>{format!("Gathering: {} · {}%", e.step, e.progress)}</p>
                        </div>
                    }.into_any(),
                    "ready" => view! {
                        <div class="export-ready">
                            <p>{format!(
                                "Your export of {} is ready{}.",
                                e.requested,
                                e.bytes.map(|b| format!(" ({})", human_size(b))).unwrap_or_default()
                            )}</p>
                            <a class="button button-primary" href=e.download.clone().unwrap_or_default()
                                download="" rel="nofollow">"Download the ZIP"</a>
                            <p class="muted">{format!(
                                "The link works until {}, and only for you while signed in.",
                                e.expires.clone().unwrap_or_default()
                            )}</p>
                        </div>
                    }.into_any(),
                    "expired" => view! {
                        <p class="muted">"Your last export's download link has ended. Start a new one whenever you like."</p>
                    }.into_any(),
                    _ => view! { <p class="alert alert-error">{e.step.clone()}</p> }.into_any(),
                })}
            </div>
            <FormAlert error=form_error(sv, &[]) />
            <ActionForm action=start attr:class="form">
                <button type="submit" class="button button-quiet"
                    disabled=move || building() || start.pending().get()>
                    {move || if building() || start.pending().get() { "Preparing your export…" } else { "Export my data" }}
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
    view! {
        <section class="card" aria-labelledby="time-h">
            <h2 id="time-h">"Days and time zone"</h2>
            <p class="muted">"Your diary, streaks and daily goal use these. Records you already made keep their days."</p>
            <ActionForm action=save attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["timezone", "day_starts_at"]) />
                <div class="field" class:has-error=move || field_error(v, "timezone").with(Option::is_some)>
                    <label for="field-timezone">"Time zone"</label>
                    <input id="field-timezone" name="timezone" required=true
                        prop:value=move || zone.get() value=time.timezone.clone()
                        on:input=move |e| zone.set(event_target_value(&e))
                        aria-describedby="field-timezone-hint field-timezone-error" />
                    <p class="hint" id="field-timezone-hint">"An IANA name such as Europe/London or Asia/Shanghai."</p>
                    <p class="field-error" id="field-timezone-error">{move || field_error(v, "timezone").get()}</p>
                    {move || device.get().filter(|d| *d != zone.get()).map(|d| {
                        let label = format!("Use this device's time zone ({d})");
                        view! { <button type="button" class="link-button" on:click=move |_| zone.set(d.clone())>{label}</button> }
                    })}
                </div>
                <Field label="My day starts at" name="day_starts_at" kind="time" value=time.day_starts_at.clone()
                    hint="Between 00:00 and 12:00. Night owls: with 04:00, a check-in at 01:30 counts for the day before."
                    error=field_error(v, "day_starts_at") />
                <p class="muted" role="status">{move || format!("Today is {} for you.", today().format("%A %-d %B %Y"))}</p>
                <Submit label="Save" busy_label="Saving…" pending=save.pending() class="button button-primary" />
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
    view! {
        <section class="card card-wide" aria-labelledby="devices-h">
            <h2 id="devices-h">"Devices"</h2>
            <p class="muted">
                "Browsers signed in to your account. The address is the one each last used; only you see it, \
                 and it is deleted with the session (at most 14 days after its last use)."
            </p>
            <FormAlert error=form_error(ev, &[]) />
            <ul class="device-list" aria-label="Signed-in devices">
                <For each=move || list.get() key=|d| d.id.clone() let:d>
                    <li class="device">
                        <div class="device-what">
                            <strong>{d.summary.clone()}</strong>
                            {d.current.then(|| view! { <span class="badge">"This device"</span> })}
                            <p class="muted device-when">
                                {format!("Signed in {} · last used {}", d.signed_in, d.last_used)}
                                {d.ip.clone().map(|ip| format!(" · {ip}"))}
                            </p>
                        </div>
                        <ActionForm action=end attr:class="inline-form">
                            <input type="hidden" name="id" value=d.id.clone() />
                            <button type="submit" class="button button-quiet button-small"
                                aria-label=format!("Sign out {}{}", d.summary, if d.current { " (this device)" } else { "" })>
                                "Sign out"
                            </button>
                        </ActionForm>
                    </li>
                </For>
            </ul>
            <ActionForm action=end_all attr:class="form">
                <Submit label="Sign out everywhere" busy_label="Signing out…" pending=end_all.pending()
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
    view! {
        <section class="card card-wide card-danger" aria-labelledby="close-h">
            <h2 id="close-h">"Close your account"</h2>
            <p>"When you close your account:"</p>
            <ul class="consequences">
                <li>"you are signed out on every device at once, and the account disappears from Ripen;"</li>
                <li>"letters waiting to be delivered are cancelled (one already being sent finishes);"</li>
                <li>"letters you shared on the public wall stay there, signed with their pen name and linked to no one;"</li>
                <li>{format!(
                    "after {DELETION_GRACE_DAYS} days everything else is erased for good: profile, sessions, tasks, \
                     focus sessions, check-ins, diary, letters, pictures, likes and reports."
                )}</li>
            </ul>
            <p class="muted">{format!(
                "Changed your mind? Log in within {DELETION_GRACE_DAYS} days and the account comes back as it was \
                 (cancelled letters can be scheduled again). Want a copy first? Export your data before closing."
            )}</p>
            <ActionForm action=close attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["current_password", "confirm"]) />
                <Field label="Current password" name="current_password" kind="password"
                    autocomplete="current-password" required=true
                    error=field_error(v, "current_password") />
                <Field label="Your username" name="confirm" autocomplete="off" required=true
                    hint="Type your username to confirm: it is the name after \"Hello\" at the top of this page." error=field_error(v, "confirm") />
                <Submit label="Close my account" busy_label="Closing…" pending=close.pending()
                    class="button button-danger" />
            </ActionForm>
        </section>
    }
}
