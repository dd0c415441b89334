//! The announcement banners at the top of every page (see `crate::announcements`), for
//! signed-in readers only: a visitor's page asks the server for none.
//!
//! Each banner's dismiss button is a small form that works before the WebAssembly has
//! loaded (a plain POST that comes back to the page); with it loaded, the banner goes at
//! once and the server records the dismissal for every device of the account.

use std::collections::HashSet;

use leptos::prelude::*;

use super::icons::{Icon, Svg};
use crate::{
    announcements::{Banner, DismissAnnouncement, current_announcements},
    i18n::{fill, t},
};

#[component]
pub fn AnnouncementBanners() -> impl IntoView {
    let auth = crate::account::state::use_auth();
    // The user is awaited inside the fetcher, never read in the source: read there, it is
    // "not loaded yet" during server rendering, so the first answer (none) and the one the
    // page shows could differ and the page would fail to hydrate.
    let banners = Resource::new(
        || (),
        move |_| async move {
            if auth.require().await.is_ok() {
                current_announcements().await.unwrap_or_default()
            } else {
                Vec::new()
            }
        },
    );
    let hidden = RwSignal::new(HashSet::<String>::new());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let list = banners.await;
                (!list.is_empty()).then(|| view! {
                    <section class="announcements" aria-label=t().announcements.region>
                        <div class="container">
                            {list
                                .into_iter()
                                .map(|b| view! { <BannerItem b hidden /> })
                                .collect_view()}
                        </div>
                    </section>
                })
            })}
        </Transition>
    }
}

#[component]
fn BannerItem(b: Banner, hidden: RwSignal<HashSet<String>>) -> impl IntoView {
    let t = &t().announcements;
    let dismiss = ServerAction::<DismissAnnouncement>::new();
    let path = <DismissAnnouncement as server_fn::ServerFn>::PATH;
    let id = b.id.clone();
    let (data_id, input_id) = (b.id.clone(), b.id);
    let gone = {
        let id = id.clone();
        move || hidden.with(|h| h.contains(&id))
    };
    let label = fill(t.dismiss, &[("title", &b.title)]);
    view! {
        <div class="announcement" data-announcement=data_id hidden=gone>
            <Svg icon=Icon::Megaphone class="icon announcement-icon" />
            <p class="announcement-text">
                <strong>{b.title}</strong>
                " "
                <span class="announcement-body">{b.body}</span>
                {b.link.map(|href| view! { " " <a href=href>{t.read_more}</a> })}
            </p>
            <form method="post" action=path class="announcement-dismiss"
                on:submit=move |ev| {
                    ev.prevent_default();
                    hidden.update(|h| {
                        h.insert(id.clone());
                    });
                    dismiss.dispatch(DismissAnnouncement { id: id.clone() });
                }>
                <input type="hidden" name="id" value=input_id />
                <button type="submit" class="icon-button" aria-label=label.clone() title=label>
                    <Svg icon=Icon::Close />
                </button>
            </form>
        </div>
    }
}
