//! Signing up, in and out; confirming an email; forgotten and reset passwords.
//! Every form is an `ActionForm` posting to its server function, so each works before the
//! WebAssembly loads (the server answers with a redirect) and shows field errors after.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    account::{
        Login, LoginCode, Register, ReportEmailChange, RequestPasswordReset, ResetPassword,
        VerifyEmail, state::use_auth,
    },
    components::form::{Checkbox, Field, FormAlert, Submit, field_error, form_error},
    pages::{
        passkeys::PasskeySignIn,
        sign_in::{ProviderButtons, ProviderRefusal},
    },
};

/// The frame of the small, centred account pages.
#[component]
fn AuthCard(title: &'static str, lede: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <section class="auth container">
            <div class="card auth-card">
                <h1>{title}</h1>
                {(!lede.is_empty()).then(|| view! { <p class="auth-lede">{lede}</p> })}
                {children()}
            </div>
        </section>
    }
}

fn query(name: &'static str) -> Memo<Option<String>> {
    let q = use_query_map();
    Memo::new(move |_| q.with(|q| q.get(name)))
}

#[component]
pub fn Signup() -> impl IntoView {
    let action = ServerAction::<Register>::new();
    let v = action.value();
    const FIELDS: &[&str] = &["username", "email", "phone", "password", "age", "consent"];
    // The diary's days follow the browser's time zone from the start (UTC without script;
    // changeable in the account settings).
    let timezone = RwSignal::new(String::new());
    Effect::new(move |_| timezone.set(crate::clock::browser_timezone().unwrap_or_default()));
    let t = &crate::i18n::t().auth;
    view! {
        <AuthCard title=t.signup_title lede=t.signup_lede>
            <ProviderRefusal />
            <ProviderButtons />
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, FIELDS) />
                <input type="hidden" name="timezone" prop:value=move || timezone.get() />
                <Field label=t.username name="username" autocomplete="username" required=true
                    hint=t.username_hint
                    error=field_error(v, "username") />
                <Field label=t.email name="email" kind="email" autocomplete="email" required=true
                    error=field_error(v, "email") />
                <Field label=t.phone_optional name="phone" kind="tel" autocomplete="tel"
                    hint=t.phone_hint
                    error=field_error(v, "phone") />
                <Field label=t.password name="password" kind="password" autocomplete="new-password" required=true
                    hint=t.password_hint_signup
                    error=field_error(v, "password") />
                <Checkbox name="age" error=field_error(v, "age")>{t.age_check}</Checkbox>
                <Checkbox name="consent" error=field_error(v, "consent")>
                    {t.consent_prefix} <A href="/terms">{t.terms_of_use}</A> {t.consent_and}
                    <A href="/privacy">{t.privacy_policy}</A> {t.consent_suffix}
                </Checkbox>
                <Submit label=t.create_account busy_label=t.creating_account pending=action.pending() />
            </ActionForm>
            <p class="auth-switch">{t.have_account} <A href="/login">{crate::i18n::t().shell.log_in}</A></p>
        </AuthCard>
    }
}

#[component]
pub fn CheckEmail() -> impl IntoView {
    let purpose = query("for");
    let t = &crate::i18n::t().auth;
    view! {
        <AuthCard title=t.check_email_title lede="">
            <div class="notice" role="status">
                {move || if purpose.get().as_deref() == Some("reset") {
                    t.check_email_reset
                } else {
                    t.check_email_signup
                }}
            </div>
            <p class="muted">{t.check_email_nothing}</p>
            <p class="auth-switch"><A href="/login">{t.back_to_login}</A></p>
        </AuthCard>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<Login>::new();
    let v = action.value();
    let auth = use_auth();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    let reset = query("reset");
    let closed = query("closed");
    let t = &crate::i18n::t().auth;
    // Just after closing the account, the notice says what happened; no "welcome back".
    let lede = if closed.get_untracked().is_some() {
        ""
    } else {
        t.login_lede
    };
    view! {
        <AuthCard title=crate::i18n::t().shell.log_in lede>
            <div class="notice" role="status" hidden=move || closed.get().is_none()>
                {crate::i18n::fill(
                    t.account_closed_notice,
                    &[("days", &crate::privacy::DELETION_GRACE_DAYS)],
                )}
            </div>
            <div class="notice" role="status" hidden=move || reset.get().is_none()>
                {t.password_changed_notice}
            </div>
            <ProviderRefusal />
            <ProviderButtons />
            <PasskeySignIn />
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["identifier", "password"]) />
                // `webauthn`: the browser may list its passkeys for this site here.
                <Field label=t.identifier name="identifier" autocomplete="username webauthn" required=true
                    error=field_error(v, "identifier") />
                <Field label=t.password name="password" kind="password" autocomplete="current-password" required=true
                    error=field_error(v, "password") />
                <Submit label=crate::i18n::t().shell.log_in busy_label=t.logging_in pending=action.pending() />
            </ActionForm>
            <p class="auth-switch">
                <A href="/forgot-password">{t.forgot_password}</A>
                " · " <A href="/signup">{t.create_an_account}</A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let v = action.value();
    let t = &crate::i18n::t().auth;
    view! {
        <AuthCard title=t.forgot_password lede=t.forgot_lede>
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["email"]) />
                <Field label=t.email name="email" kind="email" autocomplete="email" required=true
                    error=field_error(v, "email") />
                <Submit label=t.send_link busy_label=t.sending pending=action.pending() />
            </ActionForm>
            <p class="auth-switch"><A href="/login">{t.back_to_login}</A></p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let v = action.value();
    let token = query("token");
    let t = &crate::i18n::t().auth;
    view! {
        <AuthCard title=t.reset_title lede=t.reset_lede>
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["password"]) />
                <input type="hidden" name="token" prop:value=move || token.get().unwrap_or_default()
                    value=token.get_untracked().unwrap_or_default() />
                <Field label=t.new_password name="password" kind="password" autocomplete="new-password" required=true
                    hint=t.password_hint
                    error=field_error(v, "password") />
                <Submit label=t.set_new_password busy_label=crate::i18n::t().shell.saving pending=action.pending() />
            </ActionForm>
            <p class="auth-switch"><A href="/forgot-password">{t.ask_new_link}</A></p>
        </AuthCard>
    }
}

/// The second step of a sign-in (`/login/code`): a code from the authenticator app, or a
/// recovery code.
#[component]
pub fn LoginCodePage() -> impl IntoView {
    let action = ServerAction::<LoginCode>::new();
    let v = action.value();
    let auth = use_auth();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    let t = &crate::i18n::t().security;
    view! {
        <AuthCard title=t.login_code_title lede=t.login_code_lede>
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["code"]) />
                <Field label=t.two_step_code name="code" autocomplete="one-time-code" required=true
                    error=field_error(v, "code") />
                <Submit label=t.login_code_button busy_label=crate::i18n::t().shell.saving pending=action.pending() />
            </ActionForm>
            <p class="auth-switch"><A href="/login">{crate::i18n::t().shell.log_in}</A></p>
        </AuthCard>
    }
}

/// The link sent to an account's old address after a change: one button gives the
/// account its old address back (see `account::report_email_change`); a `GET` alone, such
/// as a mail scanner's, changes nothing.
#[component]
pub fn ReportEmailChangePage() -> impl IntoView {
    let action = ServerAction::<ReportEmailChange>::new();
    let v = action.value();
    let token = query("token");
    let done = query("done");
    let auth = use_auth();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    let t = &crate::i18n::t().security;
    let finished = move || done.get().is_some() || v.with(|v| matches!(v, Some(Ok(()))));
    view! {
        <AuthCard title=t.report_title lede="">
            <p class="notice" role="status" hidden=move || !finished()>{t.report_done}</p>
            <div hidden=finished>
                <p>{t.report_lede}</p>
                <ActionForm action attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(v, &[]) />
                    <input type="hidden" name="token" prop:value=move || token.get().unwrap_or_default()
                        value=token.get_untracked().unwrap_or_default() />
                    <Submit label=t.report_button busy_label=crate::i18n::t().shell.saving
                        pending=action.pending() class="button button-danger" />
                </ActionForm>
            </div>
        </AuthCard>
    }
}

/// Confirming an address: with the account's password, or (for the address an account
/// was signed up with) by choosing a new one, for the address's owner when someone else
/// signed up with it. Links that change an existing account's address say `for=change`,
/// and the page then offers only the password (the server decides either way).
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let with_password = ServerAction::<VerifyEmail>::new();
    let with_new = ServerAction::<VerifyEmail>::new();
    let (v, v_new) = (with_password.value(), with_new.value());
    let token = query("token");
    let change = query("for");
    let auth = use_auth();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) || v_new.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    let t = &crate::i18n::t().auth;
    let token_input = move || {
        view! {
            <input type="hidden" name="token" prop:value=move || token.get().unwrap_or_default()
                value=token.get_untracked().unwrap_or_default() />
        }
    };
    view! {
        <AuthCard title=t.verify_title lede=t.verify_lede>
            <ActionForm action=with_password attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["password"]) />
                {token_input()}
                <Field label=t.password name="password" kind="password" autocomplete="current-password" required=true
                    error=field_error(v, "password") />
                <Submit label=t.confirm_email busy_label=t.confirming pending=with_password.pending() />
            </ActionForm>
            <details class="verify-other" hidden=move || change.get().as_deref() == Some("change")>
                <summary>{t.verify_not_yours}</summary>
                <p class="muted">{t.verify_choose_lede}</p>
                <ActionForm action=with_new attr:class="form" attr:novalidate="">
                    <FormAlert error=form_error(v_new, &["new_password"]) />
                    {token_input()}
                    <Field label=t.new_password name="new_password" kind="password" autocomplete="new-password" required=true
                        hint=t.password_hint
                        error=field_error(v_new, "new_password") />
                    <Submit label=t.confirm_with_new_password busy_label=t.confirming pending=with_new.pending() />
                </ActionForm>
            </details>
        </AuthCard>
    }
}
