//! The frame around every page: top bar, phone tab bar, footer.

use leptos::prelude::*;
use leptos_router::components::A;

use super::icons::{Icon, Svg};
use crate::i18n::{fill, t};

/// The sections of Ripen, in navigation order.
fn sections() -> [(&'static str, &'static str, Icon); 5] {
    let t = &t().shell;
    [
        ("/timer", t.timer, Icon::Timer),
        ("/diary", t.diary, Icon::Diary),
        ("/letters", t.letters, Icon::Letter),
        ("/wall", t.wall, Icon::Wall),
        ("/account", t.account, Icon::Account),
    ]
}

/// "Log in" for visitors, the username for the signed-in user.
#[component]
fn AccountLink() -> impl IntoView {
    let auth = crate::account::state::use_auth();
    let label = move || {
        auth.user
            .get()
            .and_then(Result::ok)
            .flatten()
            .map_or_else(|| t().shell.log_in.to_owned(), |u| u.username)
    };
    view! {
        <A href="/account" attr:class="account-link">
            <Svg icon=Icon::Account class="icon" />
            <Transition fallback=|| view! { <span>{t().shell.account}</span> }>
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
        let now = theme.get();
        let next = now.next().label().to_lowercase();
        fill(
            t().shell.theme_button,
            &[("current", &now.label()), ("next", &next)],
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

/// Offers the other language. The page reloads in it: every string on it, and those the
/// server sends later, follow. Without the app loaded, it is a form that does the same.
#[component]
fn LanguageSwitch() -> impl IntoView {
    use crate::prefs::SetLanguage;
    let other = crate::i18n::lang().other();
    let save = crate::prefs::use_save_language();
    let path = <SetLanguage as server_fn::ServerFn>::PATH;
    view! {
        <form method="post" action=path class="lang-form"
            on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(SetLanguage { lang: other.tag().to_owned() });
            }>
            <input type="hidden" name="lang" value=other.tag() />
            <button type="submit" class="link-button" lang=other.tag()
                aria-label=format!("{}: {}", t().shell.language, other.native_name())>
                <Svg icon=Icon::Globe />
                {other.native_name()}
            </button>
        </form>
    }
}

/// Moves keyboard focus to the page's content (the router would otherwise treat `#main`
/// as a navigation and leave focus on the link).
fn skip_to_main(ev: leptos::ev::MouseEvent) {
    ev.prevent_default();
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        if let Some(main) = document()
            .get_element_by_id("main")
            .and_then(|m| m.dyn_into::<leptos::web_sys::HtmlElement>().ok())
        {
            let _ = main.focus();
        }
    }
}

#[component]
pub fn Layout(children: Children) -> impl IntoView {
    crate::account::state::provide_auth();
    let auth = crate::account::state::use_auth();
    // Signed out (or never signed in): the service worker must not keep anyone's pages.
    Effect::new(move |_| {
        if let Some(Ok(None)) = auth.user.get() {
            super::pwa::forget_pages();
        }
    });
    let tx = &t().shell;
    view! {
        <div class="site">
            <a class="skip-link" href="#main" on:click=skip_to_main>{tx.skip_to_content}</a>
            <header class="topbar">
                <div class="container">
                    <A href="/" attr:class="brand" attr:aria-label=tx.brand_home>
                        <Svg icon=Icon::Logo class="brand-mark" />
                        <span>{tx.brand}</span>
                    </A>
                    <nav class="nav" aria-label=tx.nav_main>
                        {sections()
                            .into_iter()
                            .take(4)
                            .map(|(href, label, icon)| view! {
                                <A href=href><Svg icon=icon />{label}</A>
                            })
                            .collect_view()}
                    </nav>
                    <div class="topbar-end">
                        <ThemeButton />
                        <AccountLink />
                    </div>
                </div>
            </header>
            <super::announcements::AnnouncementBanners />
            <main id="main" tabindex="-1">{children()}</main>
            <footer class="footer">
                <div class="container">
                    <span>{tx.tagline}</span>
                    <nav aria-label=tx.nav_legal>
                        <A href="/plus">{crate::i18n::t().billing.title}</A>
                        <A href="/privacy">{tx.privacy}</A>
                        <A href="/terms">{tx.terms}</A>
                        <A href="/status">{tx.status}</A>
                        <LanguageSwitch />
                        <super::pwa::InstallButton />
                    </nav>
                </div>
            </footer>
            <super::consent::ConsentDialog />
            <super::pwa::AppUpdates />
            <nav class="tabbar" aria-label=tx.nav_sections>
                {sections()
                    .into_iter()
                    .map(|(href, label, icon)| view! {
                        <A href=href><Svg icon=icon />{label}</A>
                    })
                    .collect_view()}
            </nav>
        </div>
    }
}
