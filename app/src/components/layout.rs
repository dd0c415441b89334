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

/// Switches the colour theme: system → light → dark. The change shows at once; the server
/// remembers it where the person allows (see `prefs`). Without the app loaded, the button
/// is a form that does the same through the server.
#[component]
fn ThemeButton() -> impl IntoView {
    use crate::prefs::{SetTheme, Theme};
    let theme = RwSignal::new(crate::prefs::current().theme);
    let save = ServerAction::<SetTheme>::new();
    let path = <SetTheme as server_fn::ServerFn>::PATH;
    let icon = move || match theme.get() {
        Theme::System => Icon::Contrast,
        Theme::Light => Icon::Sun,
        Theme::Dark => Icon::Moon,
    };
    let label = move || {
        let t = theme.get();
        format!(
            "Theme: {}. Switch to {}",
            t.label(),
            t.next().label().to_lowercase()
        )
    };
    view! {
        <form method="post" action=path class="theme-form"
            on:submit=move |ev| {
                ev.prevent_default();
                let next = theme.get_untracked().next();
                crate::prefs::apply(next);
                theme.set(next);
                save.dispatch(SetTheme { theme: next.as_str().to_owned() });
            }>
            <input type="hidden" name="theme" value=move || theme.get().next().as_str() />
            <button type="submit" class="icon-button" aria-label=label title=label>
                {move || view! { <Svg icon=icon() /> }}
            </button>
        </form>
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
                    <div class="topbar-end">
                        <ThemeButton />
                        <AccountLink />
                    </div>
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
                        <super::pwa::InstallButton />
                    </nav>
                </div>
            </footer>
            <super::consent::ConsentDialog />
            <super::pwa::AppUpdates />
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
