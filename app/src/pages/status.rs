//! `/status`: is the server well, and is its database reachable.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::system::system_status;

#[component]
pub fn Status() -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    view! {
        <Title text="Status" />
        <section class="container narrow" aria-labelledby="page-title">
            <header class="page-head">
                <h1 id="page-title">"System status"</h1>
            </header>
            <Suspense fallback=|| view! { <p aria-busy="true">"Checking…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! {
                            <p class="ok" role="status">"All systems normal."</p>
                            <dl class="status-list">
                                <div><dt>"Version"</dt><dd>{s.version}</dd></div>
                                <div><dt>"Database"</dt><dd>{format!("{} · reachable", s.database)}</dd></div>
                                <div><dt>"Schema"</dt><dd>{s.schema_version}</dd></div>
                                <div>
                                    <dt>"Running since"</dt>
                                    <dd>{s.installed_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into())}</dd>
                                </div>
                                <div><dt>"Server time (UTC)"</dt><dd>{s.server_time.format("%Y-%m-%d %H:%M:%S").to_string()}</dd></div>
                            </dl>
                        }.into_any(),
                        Err(e) => view! {
                            <p class="error-text" role="alert">{e.to_string()}</p>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
