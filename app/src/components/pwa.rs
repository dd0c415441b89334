//! The installable app: registers the service worker (`/sw.js`), says when a new version is
//! ready ("reload" rather than mixing versions), and offers "Install" where the browser
//! allows it (`beforeinstallprompt`). Everything here runs in the browser only.

use leptos::prelude::*;

/// "A new version is ready — Reload", when a new build's service worker is waiting.
#[component]
pub fn AppUpdates() -> impl IntoView {
    let update_ready = RwSignal::new(false);
    Effect::new(move |_| browser::start(update_ready));
    view! {
        <div class="app-updates" role="status" aria-live="polite">
            <Show when=move || update_ready.get()>
                <div class="toast">
                    <span>{crate::i18n::t().shell.update_ready}</span>
                    <button type="button" class="button button-primary button-small"
                        on:click=move |_| browser::activate_update()>{crate::i18n::t().shell.reload}</button>
                </div>
            </Show>
        </div>
    }
}

/// "Install the app", shown only where the browser offers installation; never in the way.
#[component]
pub fn InstallButton() -> impl IntoView {
    let available = RwSignal::new(false);
    Effect::new(move |_| browser::watch_install(available));
    view! {
        <Show when=move || available.get()>
            <button type="button" class="link-button"
                on:click=move |_| {
                    browser::prompt_install();
                    available.set(false);
                }>{crate::i18n::t().shell.install}</button>
        </Show>
    }
}

/// Tells the service worker that nobody is signed in here any more, so it forgets the pages
/// it kept for offline use (see `pwa/sw.js`).
pub fn forget_pages() {
    browser::forget_pages();
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, closure::Closure};
    use web_sys::{ServiceWorkerRegistration, ServiceWorkerState};

    thread_local! {
        /// The browser's deferred install prompt (`beforeinstallprompt`), until used.
        static PROMPT: std::cell::RefCell<Option<wasm_bindgen::JsValue>> =
            const { std::cell::RefCell::new(None) };
    }

    pub fn watch_install(available: RwSignal<bool>) {
        let on_prompt = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            e.prevent_default();
            PROMPT.with(|p| *p.borrow_mut() = Some(e.into()));
            available.set(true);
        });
        let _ = window().add_event_listener_with_callback(
            "beforeinstallprompt",
            on_prompt.as_ref().unchecked_ref(),
        );
        on_prompt.forget();
    }

    pub fn prompt_install() {
        let Some(event) = PROMPT.with(|p| p.borrow_mut().take()) else {
            return;
        };
        if let Ok(f) = js_sys::Reflect::get(&event, &"prompt".into())
            && let Some(f) = f.dyn_ref::<js_sys::Function>()
        {
            let _ = f.call0(&event);
        }
    }

    fn container() -> Option<web_sys::ServiceWorkerContainer> {
        let nav = window().navigator();
        // Browsers without service workers (or insecure origins) have no such property.
        js_sys::Reflect::has(&nav, &"serviceWorker".into())
            .unwrap_or(false)
            .then(|| nav.service_worker())
    }

    pub fn start(update_ready: RwSignal<bool>) {
        let Some(sw) = container() else { return };
        // Once the new worker takes over, load the page again from it.
        let had_controller = sw.controller().is_some();
        let on_change = Closure::<dyn FnMut()>::new(move || {
            if had_controller {
                let _ = window().location().reload();
            }
        });
        sw.set_oncontrollerchange(Some(on_change.as_ref().unchecked_ref()));
        on_change.forget();

        let then =
            Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |reg: wasm_bindgen::JsValue| {
                let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() else {
                    return;
                };
                // A worker already waiting: a new version was installed earlier.
                if reg.waiting().is_some() && had_controller {
                    update_ready.set(true);
                }
                let reg2 = reg.clone();
                let on_found = Closure::<dyn FnMut()>::new(move || {
                    let Some(worker) = reg2.installing() else {
                        return;
                    };
                    let w = worker.clone();
                    let on_state = Closure::<dyn FnMut()>::new(move || {
                        if w.state() == ServiceWorkerState::Installed && had_controller {
                            update_ready.set(true);
                        }
                    });
                    worker.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
                    on_state.forget();
                });
                reg.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
                on_found.forget();
            });
        let _ = sw.register("/sw.js").then(&then);
        then.forget();
    }

    pub fn forget_pages() {
        let Some(worker) = container().and_then(|c| c.controller()) else {
            return;
        };
        let msg = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&msg, &"type".into(), &"SIGNED_OUT".into());
        let _ = worker.post_message(&msg);
    }

    /// Tells the waiting worker to take over; `controllerchange` then reloads the page.
    pub fn activate_update() {
        let Some(sw) = container() else { return };
        let then =
            Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(|reg: wasm_bindgen::JsValue| {
                let Ok(reg) = reg.dyn_into::<ServiceWorkerRegistration>() else {
                    return;
                };
                if let Some(waiting) = reg.waiting() {
                    let msg = js_sys::Object::new();
                    let _ = js_sys::Reflect::set(&msg, &"type".into(), &"SKIP_WAITING".into());
                    let _ = waiting.post_message(&msg);
                }
            });
        let _ = sw.get_registration().then(&then);
        then.forget();
    }
}

#[cfg(not(feature = "hydrate"))]
mod browser {
    use leptos::prelude::*;

    pub fn start(_: RwSignal<bool>) {}
    pub fn watch_install(_: RwSignal<bool>) {}
    pub fn prompt_install() {}
    pub fn activate_update() {}
    pub fn forget_pages() {}
}
