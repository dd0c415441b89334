//! Browser entry point: hydrates the server-rendered page. Nothing else lives here.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Pages are lazy routes (`app::routes`): hydrating one waits for its chunk, so hydration
    // is asynchronous (as in `leptos::mount::hydrate_lazy`), and `<html data-hydrated>` is
    // set when it has finished: the page's own code has taken over its HTML.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document()
            .body()
            .expect("a page has a body");
        let owner = leptos::mount::hydrate_from_async(body, app::App).await;
        owner.forget();
        app::mark_hydrated();
    });
}
