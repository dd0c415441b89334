//! `GetForm`: a form that navigates with its fields in the query (a filter, "go to day"),
//! whose address stays clean whether or not the WebAssembly has loaded.
//!
//! Before hydration the browser submits it and leaves a button without a name out of the
//! query. After hydration Leptos's `<Form>` builds the query itself and appends the button
//! that submitted it even when it has no name (leptos `form_data_from_event` appends
//! `(button.name(), button.value())`), so `/diary?day=2026-11-30` became
//! `/diary?day=2026-11-30&=`. `GetForm` takes the nameless entry out before the query is
//! built, so both paths give the browser's own address.

use std::sync::Arc;

use leptos::{prelude::*, web_sys::FormData};
use leptos_router::components::Form;

#[component]
pub fn GetForm(
    action: &'static str,
    #[prop(optional)] class: &'static str,
    /// An ARIA role for the form (`search`).
    #[prop(optional)]
    role: Option<&'static str>,
    /// The form's accessible name.
    #[prop(optional)]
    label: Option<&'static str>,
    children: Children,
) -> impl IntoView {
    view! {
        <Form method="GET" action=action on_form_data=Arc::new(drop_nameless) attr:class=class attr:role=role attr:aria-label=label>
            {children()}
        </Form>
    }
}

/// Removes the entries without a name (a form control without one is not submitted by
/// the browser either).
fn drop_nameless(data: &FormData) {
    data.delete("");
}
