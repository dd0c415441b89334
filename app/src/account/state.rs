//! Who is signed in, as seen by the pages: one resource for the whole app, fetched during
//! server rendering and refreshed after sign-in, sign-out and profile changes.

use leptos::prelude::*;

use super::{UserView, current_user};
use crate::AppError;

#[derive(Clone, Copy)]
pub struct Auth {
    pub user: Resource<Result<Option<UserView>, AppError>>,
    epoch: RwSignal<u32>,
}

impl Auth {
    /// The signed-in user, or `Unauthorized` for a visitor. A page's resources that need an
    /// account start with this (`auth.require().await?;`), so a visitor's page makes no call
    /// that is bound to fail: the answer is known from the one `current_user` the layout
    /// asks for anyway, during server rendering and in the browser alike.
    pub async fn require(self) -> Result<UserView, AppError> {
        self.user.await?.ok_or(AppError::Unauthorized)
    }

    /// Fetches the signed-in user again.
    pub fn refresh(&self) {
        self.epoch.update(|e| *e = e.wrapping_add(1));
    }
}

/// Call inside the `<Router>`: the user is fetched again on every navigation too, so a
/// sign-in or sign-out that ends in a redirect is reflected wherever it lands.
pub fn provide_auth() {
    let epoch = RwSignal::new(0u32);
    let location = leptos_router::hooks::use_location();
    let user = Resource::new(
        move || (epoch.get(), location.pathname.get()),
        |_| current_user(),
    );
    provide_context(Auth { user, epoch });
}

pub fn use_auth() -> Auth {
    expect_context::<Auth>()
}
