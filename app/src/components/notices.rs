//! A card of unread notifications with "Mark all read": the letters page lists news about
//! letters, the account page security notices.

use leptos::{prelude::*, task::spawn_local};
use leptos_router::components::A;

use crate::{
    account::read_notifications,
    notifications::{Group, NotificationView},
};

/// The card, or nothing when there is nothing unread. `on_read` runs once the server has
/// marked them read (the page reloads its data).
#[component]
pub fn NoticeCard(
    notices: Vec<NotificationView>,
    group: Group,
    /// The heading's id (`aria-labelledby`).
    id: &'static str,
    heading: &'static str,
    on_read: Callback<()>,
) -> impl IntoView {
    let t = &crate::i18n::t().letters;
    (!notices.is_empty()).then(|| {
        view! {
            <section class="card notifications" aria-labelledby=id>
                <div class="card-head">
                    <h2 id=id>{heading}</h2>
                    <button type="button" class="link-button" on:click=move |_| {
                        spawn_local(async move {
                            if read_notifications(group).await.is_ok() {
                                on_read.run(());
                            }
                        });
                    }>{t.mark_all_read}</button>
                </div>
                <ul class="notification-list">
                    {notices.into_iter().map(|n| view! {
                        <li>
                            <strong>{n.title}</strong>
                            <span>{n.body}</span>
                            {n.link.map(|href| view! { <A href=href attr:class="link">{t.open}</A> })}
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}
