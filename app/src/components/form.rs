//! Form building blocks: labelled fields that show the server's message for their own
//! name, and a banner for errors that belong to no field. Used with `ActionForm`, so the
//! forms post as plain HTML before hydration and update in place after it.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::AppError;

/// The latest result of a server action (`ServerAction::value()`).
pub trait ActionResult<T>:
    With<Value = Option<Result<T, AppError>>> + Clone + Send + Sync + 'static
{
}
impl<T, S> ActionResult<T> for S where
    S: With<Value = Option<Result<T, AppError>>> + Clone + Send + Sync + 'static
{
}

/// The message the last answer gave for `field`.
pub fn field_error<T: 'static>(
    value: impl ActionResult<T>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(e)) => e.field_message(field).map(str::to_owned),
            _ => None,
        })
    })
}

/// The message for `field` in `errors`, the last error of a form that calls its server
/// function itself rather than through an action (the letter editor, whose field names
/// are built at run time: `recipients.2.email`).
pub fn message_for(errors: RwSignal<Option<AppError>>, field: String) -> Signal<Option<String>> {
    Signal::derive(move || {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.field_message(&field).map(str::to_owned))
        })
    })
}

/// A field's message, under the field whose `aria-describedby` names `id`.
#[component]
pub fn FieldMessage(#[prop(into)] id: String, message: Signal<Option<String>>) -> impl IntoView {
    view! { <p class="field-error" id=id>{move || message.get()}</p> }
}

/// An error of the last answer that is not about one of `fields` (rate limits, wrong
/// credentials, server trouble, a field the form does not show).
pub fn form_error<T: 'static>(
    value: impl ActionResult<T>,
    fields: &'static [&'static str],
) -> Signal<Option<String>> {
    Signal::derive(move || {
        value.with(|v| match v {
            Some(Err(AppError::Validation { fields: errs })) => errs
                .iter()
                .find(|f| !fields.contains(&f.field.as_str()))
                .map(|f| f.message.clone()),
            Some(Err(e)) => Some(e.to_string()),
            _ => None,
        })
    })
}

/// Whether the last answer was a success.
pub fn succeeded<T: 'static>(value: impl ActionResult<T>) -> Signal<bool> {
    Signal::derive(move || value.with(|v| matches!(v, Some(Ok(_)))))
}

/// The ids a field's parts take: the control, its error, its hint, and what the control's
/// `aria-describedby` names.
struct FieldIds {
    id: String,
    error_id: String,
    hint_id: String,
    described: String,
}

impl FieldIds {
    fn new(scope: &str, name: &str, hint: &str) -> Self {
        let id = if scope.is_empty() {
            format!("field-{name}")
        } else {
            format!("field-{scope}-{name}")
        };
        let error_id = format!("{id}-error");
        let hint_id = format!("{id}-hint");
        let described = if hint.is_empty() {
            error_id.clone()
        } else {
            format!("{hint_id} {error_id}")
        };
        Self {
            id,
            error_id,
            hint_id,
            described,
        }
    }
}

/// A labelled input with an optional hint and the field's error, wired for screen readers
/// (`aria-invalid`, `aria-describedby`). Its id is `field-<name>`, or `field-<scope>-<name>`
/// where one page has several forms with a field of that name (ids are unique per page).
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] scope: &'static str,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] required: bool,
    #[prop(optional, into)] value: Option<String>,
    #[prop(into)] error: Signal<Option<String>>,
    /// For a form that reads the field itself rather than submitting it.
    #[prop(optional)]
    node_ref: NodeRef<leptos::html::Input>,
) -> impl IntoView {
    let FieldIds {
        id,
        error_id,
        hint_id,
        described,
    } = FieldIds::new(scope, name, hint);
    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=(!autocomplete.is_empty()).then_some(autocomplete)
                required=required
                value=value
                node_ref=node_ref
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A labelled multi-line field, wired like [`Field`] (id `field-<name>`).
#[component]
pub fn TextArea(
    label: &'static str,
    name: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] required: bool,
    #[prop(default = 4)] rows: u32,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let FieldIds {
        id,
        error_id,
        hint_id,
        described,
    } = FieldIds::new("", name, hint);
    view! {
        <div class="field" class:has-error=move || error.with(Option::is_some)>
            <label for=id.clone()>{label}</label>
            <textarea
                id=id
                name=name
                rows=rows
                required=required
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=described
            ></textarea>
            {(!hint.is_empty()).then(|| view! { <p class="hint" id=hint_id>{hint}</p> })}
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A checkbox with its label and error.
#[component]
pub fn Checkbox(
    name: &'static str,
    #[prop(into)] error: Signal<Option<String>>,
    children: Children,
) -> impl IntoView {
    let id = format!("field-{name}");
    let error_id = format!("{id}-error");
    view! {
        <div class="field field-check" class:has-error=move || error.with(Option::is_some)>
            <input
                id=id.clone()
                name=name
                type="checkbox"
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                aria-describedby=error_id.clone()
            />
            <label for=id>{children()}</label>
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// The banner for errors that belong to no single field.
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="alert alert-error" role="alert" hidden=move || error.with(Option::is_none)>
            {move || error.get()}
        </div>
    }
}

/// A submit button that says it is busy while the action runs.
#[component]
pub fn Submit(
    label: &'static str,
    busy_label: &'static str,
    #[prop(into)] pending: Signal<bool>,
    #[prop(default = "button button-primary button-block")] class: &'static str,
) -> impl IntoView {
    view! {
        <button type="submit" class=class disabled=move || pending.get() aria-busy=move || pending.get().then_some("true")>
            {move || if pending.get() { busy_label } else { label }}
        </button>
    }
}

/// "Sign in to see this": the card a page shows a visitor where its content needs an
/// account, with the way in and the way to join. `heading` names the page (an `h1`) or,
/// with `section`, a part of one (an `h2`); `lede` says what signing in gives here.
#[component]
pub fn SignInPrompt(
    heading: &'static str,
    lede: &'static str,
    #[prop(optional)] section: bool,
) -> impl IntoView {
    let t = crate::i18n::t();
    let heading = if section {
        view! { <h2>{heading}</h2> }.into_any()
    } else {
        view! { <h1>{heading}</h1> }.into_any()
    };
    view! {
        <div class="card auth-card">
            {heading}
            <p class="auth-lede">{lede}</p>
            <div class="button-row">
                <A href="/login" attr:class="button button-primary">{t.shell.log_in}</A>
                <A href="/signup" attr:class="button button-quiet">{t.auth.create_an_account}</A>
            </div>
        </div>
    }
}

/// Text to put between `<textarea>` tags, or into `<title>` (leptos_meta's `Title`).
///
/// Leptos writes the text of these raw-text elements into the server's HTML without
/// escaping it (it treats them like `<script>` contents), so text holding `</textarea>` or
/// `</title>` could close the element and inject markup. On the server this escapes them
/// with [`crate::markdown::escape`] (the browser decodes them back in these elements); in the browser, where
/// text becomes a DOM text node or `document.title`, it is left as it is.
pub fn raw_text(text: &str) -> String {
    #[cfg(feature = "ssr")]
    return crate::markdown::escape(text);
    #[cfg(not(feature = "ssr"))]
    text.to_owned()
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use leptos::prelude::*;

    use super::raw_text;

    #[test]
    fn textarea_contents_cannot_close_the_element() {
        let evil = "</textarea><script>alert(1)</script> & more";
        let html = view! { <textarea>{raw_text(evil)}</textarea> }.to_html();
        assert!(!html.contains("<script>"), "{html}");
        assert_eq!(html.matches("</textarea>").count(), 1, "{html}");
        assert!(html.contains("&lt;/textarea&gt;&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"));
    }
}
