//! Placeholder pages for the areas still being built, clearly marked as coming.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// An area of Ripen that has a place in the navigation but is not built yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Terms,
}

impl Area {
    fn title(self) -> &'static str {
        match self {
            Self::Terms => "Terms of use",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Self::Terms => "The agreement between you and Ripen, in plain words.",
        }
    }

    fn coming(self) -> &'static [&'static str] {
        match self {
            Self::Terms => &[
                "A versioned text you can read before you sign up",
                "Notice and a new choice whenever something material changes",
            ],
        }
    }
}

#[component]
pub fn ComingSoon(area: Area) -> impl IntoView {
    view! {
        <Title text=area.title() />
        <section class="coming container" aria-labelledby="page-title">
            <header class="page-head">
                <span class="badge">"Coming soon"</span>
                <h1 id="page-title">{area.title()}</h1>
                <p class="lede">{area.summary()}</p>
            </header>
            <h2 class="visually-hidden">"What is coming"</h2>
            <ul>
                {area.coming().iter().map(|item| view! { <li>{*item}</li> }).collect_view()}
            </ul>
            <p>
                <A href="/">"Back to the start"</A>
            </p>
        </section>
    }
}
