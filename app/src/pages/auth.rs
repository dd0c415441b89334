//! Signing up, in and out; confirming an email; forgotten and reset passwords.
//! Every form is an `ActionForm` posting to its server function, so each works before the
//! WebAssembly loads (the server answers with a redirect) and shows field errors after.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::{
    account::{Login, Register, RequestPasswordReset, ResetPassword, VerifyEmail, state::use_auth},
    components::form::{Checkbox, Field, FormAlert, Submit, field_error, form_error},
};

/// The frame of the small, centred account pages.
#[component]
fn AuthCard(title: &'static str, lede: &'static str, children: Children) -> impl IntoView {
    view! {
        <Title text=title />
        <section class="auth container">
            <div class="card auth-card">
                <h1>{title}</h1>
                <p class="auth-lede">{lede}</p>
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
    view! {
        <AuthCard title="Create your account" lede="Focus, keep a diary, and write to your future self.">
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, FIELDS) />
                <input type="hidden" name="timezone" prop:value=move || timezone.get() />
                <Field label="Username" name="username" autocomplete="username" required=true
                    hint="3–32 letters, digits, dots, dashes or underscores. Never shown on the public wall."
                    error=field_error(v, "username") />
                <Field label="Email" name="email" kind="email" autocomplete="email" required=true
                    error=field_error(v, "email") />
                <Field label="Phone (optional)" name="phone" kind="tel" autocomplete="tel"
                    hint="With your country code, e.g. +44 20 7946 0958."
                    error=field_error(v, "phone") />
                <Field label="Password" name="password" kind="password" autocomplete="new-password" required=true
                    hint="At least 8 characters. A few words you will remember make a strong one."
                    error=field_error(v, "password") />
                <Checkbox name="age" error=field_error(v, "age")>"I am 13 years old or older."</Checkbox>
                <Checkbox name="consent" error=field_error(v, "consent")>
                    "I have read and accept the " <A href="/terms">"terms of use"</A> " and the "
                    <A href="/privacy">"privacy policy"</A> "."
                </Checkbox>
                <Submit label="Create account" busy_label="Creating your account…" pending=action.pending() />
            </ActionForm>
            <p class="auth-switch">"Already have an account? " <A href="/login">"Log in"</A></p>
        </AuthCard>
    }
}

#[component]
pub fn CheckEmail() -> impl IntoView {
    let purpose = query("for");
    view! {
        <AuthCard title="Check your email" lede="">
            <div class="notice" role="status">
                {move || if purpose.get().as_deref() == Some("reset") {
                    "If an account uses that address, a link to choose a new password is on its way. It works once, for one hour."
                } else {
                    "We have sent a message to the address you gave. Open the link in it to confirm your address and start using Ripen."
                }}
            </div>
            <p class="muted">"Nothing after a few minutes? Check your spam folder, or try again."</p>
            <p class="auth-switch"><A href="/login">"Back to log in"</A></p>
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
    view! {
        <AuthCard title="Log in" lede="Welcome back.">
            <div class="notice" role="status" hidden=move || closed.get().is_none()>
                {format!(
                    "Your account is closed and you are signed out everywhere. Changed your mind? \
                     Log in within {} days and it comes back as it was.",
                    crate::privacy::DELETION_GRACE_DAYS
                )}
            </div>
            <div class="notice" role="status" hidden=move || reset.get().is_none()>
                "Your password has been changed. Log in with the new one."
            </div>
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["identifier", "password"]) />
                <Field label="Username or email" name="identifier" autocomplete="username" required=true
                    error=field_error(v, "identifier") />
                <Field label="Password" name="password" kind="password" autocomplete="current-password" required=true
                    error=field_error(v, "password") />
                <Submit label="Log in" busy_label="Logging in…" pending=action.pending() />
            </ActionForm>
            <p class="auth-switch">
                <A href="/forgot-password">"Forgot your password?"</A>
                " · " <A href="/signup">"Create an account"</A>
            </p>
        </AuthCard>
    }
}

#[component]
pub fn ForgotPassword() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let v = action.value();
    view! {
        <AuthCard title="Forgot your password?" lede="Enter your account's email address and we will send you a link to choose a new one.">
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["email"]) />
                <Field label="Email" name="email" kind="email" autocomplete="email" required=true
                    error=field_error(v, "email") />
                <Submit label="Send the link" busy_label="Sending…" pending=action.pending() />
            </ActionForm>
            <p class="auth-switch"><A href="/login">"Back to log in"</A></p>
        </AuthCard>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let v = action.value();
    let token = query("token");
    view! {
        <AuthCard title="Choose a new password" lede="After this, every device signed in to your account is signed out.">
            <ActionForm action attr:class="form" attr:novalidate="">
                <FormAlert error=form_error(v, &["password"]) />
                <input type="hidden" name="token" prop:value=move || token.get().unwrap_or_default()
                    value=token.get_untracked().unwrap_or_default() />
                <Field label="New password" name="password" kind="password" autocomplete="new-password" required=true
                    hint="At least 8 characters."
                    error=field_error(v, "password") />
                <Submit label="Set the new password" busy_label="Saving…" pending=action.pending() />
            </ActionForm>
            <p class="auth-switch"><A href="/forgot-password">"Ask for a new link"</A></p>
        </AuthCard>
    }
}

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let v = action.value();
    let token = query("token");
    let auth = use_auth();
    Effect::new(move |_| {
        if v.with(|v| matches!(v, Some(Ok(())))) {
            auth.refresh();
        }
    });
    view! {
        <AuthCard title="Confirm your email" lede="One click and your address is confirmed; you will be logged in.">
            <ActionForm action attr:class="form">
                <FormAlert error=form_error(v, &[]) />
                <input type="hidden" name="token" prop:value=move || token.get().unwrap_or_default()
                    value=token.get_untracked().unwrap_or_default() />
                <Submit label="Confirm my email" busy_label="Confirming…" pending=action.pending() />
            </ActionForm>
        </AuthCard>
    }
}
