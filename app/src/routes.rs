//! Every route of the app, in one table.

use leptos::prelude::*;
use leptos_router::{
    components::{Route, Routes},
    path,
};

use crate::pages::{
    coming_soon::{Area, ComingSoon},
    landing::Landing,
    not_found::NotFound,
    status::Status,
};

#[component]
pub fn AppRoutes() -> impl IntoView {
    view! {
        <Routes fallback=NotFound>
            <Route path=path!("/") view=Landing />
            <Route path=path!("/timer") view=|| view! { <ComingSoon area=Area::Timer /> } />
            <Route path=path!("/diary") view=|| view! { <ComingSoon area=Area::Diary /> } />
            <Route path=path!("/letters") view=|| view! { <ComingSoon area=Area::Letters /> } />
            <Route path=path!("/wall") view=|| view! { <ComingSoon area=Area::Wall /> } />
            <Route path=path!("/account") view=|| view! { <ComingSoon area=Area::Account /> } />
            <Route path=path!("/privacy") view=|| view! { <ComingSoon area=Area::Privacy /> } />
            <Route path=path!("/terms") view=|| view! { <ComingSoon area=Area::Terms /> } />
            <Route path=path!("/status") view=Status />
        </Routes>
    }
}
