//! The frame around every page: top bar, phone tab bar, footer.

use leptos::prelude::*;
use leptos_router::components::A;

use super::icons::{Icon, Svg};

/// The sections of Ripen, in navigation order.
const SECTIONS: [(&str, &str, Icon); 5] = [
    ("/timer", "Timer", Icon::Timer),
    ("/diary", "Diary", Icon::Diary),
    ("/letters", "Letters", Icon::Letter),
    ("/wall", "Wall", Icon::Wall),
    ("/account", "Account", Icon::Account),
];

/// "Log in" for visitors, the username for the signed-in user.
#[component]
fn AccountLink() -> impl IntoView {
    let auth = crate::account::state::use_auth();
    let label = move || {
        auth.user
            .get()
            .and_then(Result::ok)
            .flatten()
            .map_or_else(|| "Log in".to_owned(), |u| u.username)
    };
    view! {
        <A href="/account" attr:class="account-link">
            <Svg icon=Icon::Account class="icon" />
            <Transition fallback=|| view! { <span>"Account"</span> }>
                <span>{label}</span>
            </Transition>
        </A>
    }
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    crate::account::state::provide_auth();
    view! {
        <div class="site">
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="topbar">
                <div class="container">
                    <A href="/" attr:class="brand" attr:aria-label="Ripen, home">
                        <Svg icon=Icon::Logo class="brand-mark" />
                        <span>"Ripen"</span>
                    </A>
                    <nav class="nav" aria-label="Main">
                        {SECTIONS[..4]
                            .iter()
                            .map(|(href, label, icon)| view! {
                                <A href=*href><Svg icon=*icon />{*label}</A>
                            })
                            .collect_view()}
                    </nav>
                    <AccountLink />
                </div>
            </header>
            <main id="main" tabindex="-1">{children()}</main>
            <footer class="footer">
                <div class="container">
                    <span>"Ripen — focus today, write to tomorrow."</span>
                    <nav aria-label="Legal and service">
                        <A href="/privacy">"Privacy"</A>
                        <A href="/terms">"Terms"</A>
                        <A href="/status">"Status"</A>
                    </nav>
                </div>
            </footer>
            <super::consent::ConsentDialog />
            <nav class="tabbar" aria-label="Sections">
                {SECTIONS
                    .iter()
                    .map(|(href, label, icon)| view! {
                        <A href=*href><Svg icon=*icon />{*label}</A>
                    })
                    .collect_view()}
            </nav>
        </div>
    }
}
