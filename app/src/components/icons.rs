//! Inline SVG icons (stroke-based, 24×24, `currentColor`), decorative unless labelled.

use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Timer,
    Diary,
    Letter,
    Wall,
    Account,
    Logo,
    /// Themes: light, dark, the system's.
    Sun,
    Moon,
    Contrast,
    /// The language switch.
    Globe,
    /// An announcement.
    Megaphone,
    /// Dismiss, close.
    Close,
}

#[component]
pub fn Svg(icon: Icon, #[prop(optional)] class: &'static str) -> impl IntoView {
    let class = if class.is_empty() { "icon" } else { class };
    let body = match icon {
        Icon::Timer => view! {
            <circle cx="12" cy="13" r="8" />
            <path d="M12 9v4l2.5 2.5M9 2h6" />
        }
        .into_any(),
        Icon::Diary => view! {
            <path d="M5 4.5A1.5 1.5 0 0 1 6.5 3H19v16H6.5A1.5 1.5 0 0 0 5 20.5z" />
            <path d="M5 20.5A1.5 1.5 0 0 0 6.5 22H19v-3M9 7h6M9 11h4" />
        }
        .into_any(),
        Icon::Letter => view! {
            <rect x="3" y="5" width="18" height="14" rx="2" />
            <path d="m3.5 6.5 8.5 6 8.5-6" />
        }
        .into_any(),
        Icon::Wall => view! {
            <rect x="3" y="3" width="7" height="9" rx="1.5" />
            <rect x="14" y="3" width="7" height="5" rx="1.5" />
            <rect x="14" y="12" width="7" height="9" rx="1.5" />
            <rect x="3" y="16" width="7" height="5" rx="1.5" />
        }
        .into_any(),
        Icon::Account => view! {
            <circle cx="12" cy="8" r="4" />
            <path d="M4 21c1.5-4 4.5-6 8-6s6.5 2 8 6" />
        }
        .into_any(),
        Icon::Sun => view! {
            <circle cx="12" cy="12" r="4" />
            <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
        }
        .into_any(),
        Icon::Moon => view! {
            <path d="M20 14.5A8 8 0 1 1 9.5 4a6.5 6.5 0 0 0 10.5 10.5z" />
        }
        .into_any(),
        Icon::Contrast => view! {
            <circle cx="12" cy="12" r="9" />
            <path d="M12 3a9 9 0 0 1 0 18z" fill="currentColor" />
        }
        .into_any(),
        Icon::Globe => view! {
            <circle cx="12" cy="12" r="9" />
            <path d="M3 12h18M12 3c2.5 2.5 3.8 5.5 3.8 9s-1.3 6.5-3.8 9c-2.5-2.5-3.8-5.5-3.8-9S9.5 5.5 12 3z" />
        }
        .into_any(),
        Icon::Megaphone => view! {
            <path d="M4 10v4a1 1 0 0 0 1 1h2l6 4V5L7 9H5a1 1 0 0 0-1 1z" />
            <path d="M17 9a4 4 0 0 1 0 6M8 15l1 5h2" />
        }
        .into_any(),
        Icon::Close => view! {
            <path d="M6 6l12 12M18 6 6 18" />
        }
        .into_any(),
        Icon::Logo => view! {
            <path d="M12 6c-4.5 0-8 3.4-8 7.7C4 18 7.6 21 12 21s8-3 8-7.3C20 9.4 16.5 6 12 6z" fill="var(--accent)" stroke="none" />
            <path d="M12 7c0-2 1-3.5 3-4.5" stroke="var(--leaf)" />
            <path d="M12.5 5.5c1.5-1.6 3.6-1.8 5-1-1 1.6-3 2.3-5 1z" fill="var(--leaf)" stroke="var(--leaf)" />
        }
        .into_any(),
    };
    view! {
        <svg
            class=class
            viewBox="0 0 24 24"
            fill="none"
            stroke="currentColor"
            stroke-width="1.8"
            stroke-linecap="round"
            stroke-linejoin="round"
            aria-hidden="true"
            focusable="false"
        >
            {body}
        </svg>
    }
}
