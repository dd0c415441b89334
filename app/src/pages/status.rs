//! `/status`: is the server well, and is its database reachable. The version, engine and
//! schema are shown only to the operator (a request bearing the status token).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::system::system_status;

#[component]
pub fn Status() -> impl IntoView {
    let status = Resource::new(|| (), |_| system_status());
    let t = &crate::i18n::t().shell;
    view! {
        <Title text=t.status_title />
        <section class="container narrow" aria-labelledby="page-title">
            <header class="page-head">
                <h1 id="page-title">{t.status_heading}</h1>
            </header>
            <Suspense fallback=|| view! { <p aria-busy="true">{t.status_checking}</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => view! {
                            <p class="ok" role="status">{t.status_ok}</p>
                            <dl class="status-list">
                                {s.details.map(|d| view! {
                                    <div><dt>{t.status_version}</dt><dd>{d.version}</dd></div>
                                    <div><dt>{t.status_database}</dt><dd>{crate::i18n::fill(t.status_reachable, &[("engine", &d.database)])}</dd></div>
                                    <div><dt>{t.status_schema}</dt><dd>{d.schema_version}</dd></div>
                                    <div>
                                        <dt>{t.status_since}</dt>
                                        <dd>{d.installed_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into())}</dd>
                                    </div>
                                })}
                                <div><dt>{t.status_server_time}</dt><dd>{s.server_time.format("%Y-%m-%d %H:%M:%S").to_string()}</dd></div>
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
