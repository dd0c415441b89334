//! Appearance preferences: the colour theme (light, dark, or the system's).
//!
//! Where a preference lives, first found wins:
//! 1. the functional cookie `ripen_theme` (`__Host-ripen_theme` over https), set only when
//!    the browser's privacy choices allow "language and theme";
//! 2. the signed-in account's setting (`user_account.theme`);
//! 3. the system's (`prefers-color-scheme`).
//!
//! The server decides the theme before rendering (`ssr::resolve`, called by a middleware
//! that puts [`Prefs`] into the request's extensions), and the document is rendered with
//! `<html data-theme=…>`, so the first paint already has the right colours: no flash.
//! The stylesheet maps `data-theme` to `color-scheme`, and every colour token is a
//! `light-dark()` pair.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::AppError;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s.trim())
    }

    /// What the theme button switches to next.
    pub fn next(self) -> Self {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    /// The `color-scheme` the document declares.
    pub fn color_scheme(self) -> &'static str {
        match self {
            Theme::System => "light dark",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// The preferences the current request is rendered with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prefs {
    pub theme: Theme,
}

/// The current request's preferences (on the server, as the middleware resolved them; in
/// the browser, as the document was rendered).
pub fn current() -> Prefs {
    #[cfg(feature = "ssr")]
    {
        let Some(parts) = use_context::<http::request::Parts>() else {
            return Prefs::default();
        };
        if let Some(p) = parts.extensions.get::<Prefs>() {
            return *p;
        }
        // Not a page load (a server function): what this browser remembers, if anything.
        use_context::<crate::server::ServerContext>()
            .and_then(|ctx| ssr::from_cookie(&ctx.accounts.settings, &parts.headers))
            .map(|theme| Prefs { theme })
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        Prefs {
            theme: document_theme().unwrap_or_default(),
        }
    }
}

/// The theme the document carries (`<html data-theme>`).
#[cfg(not(feature = "ssr"))]
fn document_theme() -> Option<Theme> {
    let root = document().document_element()?;
    Theme::parse(&root.get_attribute("data-theme")?)
}

/// Shows `theme` at once, before (and whether or not) the server stores it.
pub fn apply(theme: Theme) {
    #[cfg(feature = "hydrate")]
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-theme", theme.as_str());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = theme;
}

/// What saving a theme did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeSaved {
    pub theme: Theme,
    /// Whether it is remembered (on the account, or in this browser's functional cookie).
    /// A visitor who has not allowed "language and theme" gets it for this visit only.
    pub remembered: bool,
}

/// Saves the theme: on the account when signed in, and in this browser when its privacy
/// choices allow "language and theme".
#[server(prefix = "/api", endpoint = "prefs/theme")]
pub async fn set_theme(theme: String) -> Result<ThemeSaved, AppError> {
    let theme = Theme::parse(&theme)
        .ok_or_else(|| AppError::validation("theme", "Choose light, dark or system."))?;
    ssr::save_theme(theme).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use sea_orm::{
        ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, sea_query::Query,
    };

    use super::{Prefs, Theme, ThemeSaved};
    use crate::{
        AppError,
        account::ssr::{
            AccountSettings, current_user,
            entities::{auth_session, user_account},
            session::{append_cookie, cookie_name, cookie_value, digest},
        },
        server::server_context,
    };

    /// A year: the functional cookie outlives no consent (withdrawing it deletes the cookie).
    const COOKIE_MAX_AGE_SECS: i64 = 365 * 86_400;

    pub fn theme_cookie(secure: bool) -> &'static str {
        if secure {
            "__Host-ripen_theme"
        } else {
            "ripen_theme"
        }
    }

    /// The theme this browser remembers in its functional cookie.
    pub fn from_cookie(settings: &AccountSettings, headers: &http::HeaderMap) -> Option<Theme> {
        cookie_value(headers, theme_cookie(settings.secure_cookies)).and_then(|v| Theme::parse(&v))
    }

    /// The preferences to render a request with (see the module docs for the order).
    pub async fn resolve(
        db: &DatabaseConnection,
        settings: &AccountSettings,
        headers: &http::HeaderMap,
    ) -> Prefs {
        if let Some(theme) = from_cookie(settings, headers) {
            return Prefs { theme };
        }
        let Some(token) = cookie_value(headers, cookie_name(settings.secure_cookies)) else {
            return Prefs::default();
        };
        // One indexed read: the account's theme through its session (expiry is checked
        // where it matters; a stale session only picks a colour scheme).
        let theme: Option<String> = user_account::Entity::find()
            .select_only()
            .column(user_account::Column::Theme)
            .filter(
                user_account::Column::Id.in_subquery(
                    Query::select()
                        .column(auth_session::Column::UserId)
                        .from(auth_session::Entity)
                        .and_where(auth_session::Column::IdHash.eq(digest(&token)))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .one(db)
            .await
            .ok()
            .flatten();
        Prefs {
            theme: theme.as_deref().and_then(Theme::parse).unwrap_or_default(),
        }
    }

    pub async fn save_theme(theme: Theme) -> Result<ThemeSaved, AppError> {
        let ctx = server_context()?;
        let mut remembered = false;
        if let Some(user) = current_user().await? {
            user_account::Entity::update_many()
                .col_expr(user_account::Column::Theme, theme.as_str().into())
                .filter(user_account::Column::Id.eq(user.id))
                .exec(&ctx.db)
                .await?;
            remembered = true;
        }
        let settings = &ctx.accounts.settings;
        if crate::privacy::consent::state().await?.choices.functional {
            append_cookie(
                settings,
                theme_cookie(settings.secure_cookies),
                theme.as_str(),
                COOKIE_MAX_AGE_SECS,
            );
            remembered = true;
        }
        Ok(ThemeSaved { theme, remembered })
    }

    /// Deletes the functional cookies (when "language and theme" is withdrawn).
    pub fn forget_in_browser(settings: &AccountSettings) {
        append_cookie(settings, theme_cookie(settings.secure_cookies), "", 0);
    }
}

#[cfg(test)]
mod tests {
    use super::Theme;

    #[test]
    fn themes_parse_cycle_and_declare_their_colour_scheme() {
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.as_str()), Some(t));
        }
        assert_eq!(Theme::parse("purple"), None);
        assert_eq!(Theme::System.next().next().next(), Theme::System);
        assert_eq!(Theme::Dark.color_scheme(), "dark");
        assert_eq!(Theme::System.color_scheme(), "light dark");
    }
}
