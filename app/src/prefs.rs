//! Appearance preferences: the colour theme (light, dark, or the system's) and the language
//! (English or Simplified Chinese; where the language comes from is told in `crate::i18n`).
//!
//! Where the theme lives, first found wins (this browser's choice beats the account's, so
//! a phone can stay dark while a desktop is light):
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

use crate::{AppError, i18n::Lang};

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
        let t = &crate::i18n::t().shell;
        match self {
            Theme::System => t.theme_system,
            Theme::Light => t.theme_light,
            Theme::Dark => t.theme_dark,
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
    pub lang: Lang,
}

/// The current request's preferences (on the server, as the middleware resolved them; in
/// the browser, as the document was rendered).
pub fn current() -> Prefs {
    // The middleware resolved them for every request it saw (pages and server functions);
    // outside a request (background work) they are the defaults.
    #[cfg(feature = "ssr")]
    {
        with_context::<http::request::Parts, _>(|parts| parts.extensions.get::<Prefs>().copied())
            .flatten()
            // Plain axum handlers (uploads, downloads) run inside the middleware's scope.
            .or_else(|| ssr::REQUEST_PREFS.try_with(|p| *p).ok())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        browser::prefs()
    }
}

/// The document's preferences: `<html data-theme>` may change while the page is open, the
/// language (`<html lang>`) only with a reload.
#[cfg(not(feature = "ssr"))]
mod browser {
    use super::{Prefs, Theme};
    use leptos::prelude::document;

    fn attribute(name: &str) -> Option<String> {
        document().document_element()?.get_attribute(name)
    }

    pub fn prefs() -> Prefs {
        Prefs {
            theme: attribute("data-theme")
                .and_then(|t| Theme::parse(&t))
                .unwrap_or_default(),
            lang: crate::i18n::lang(),
        }
    }
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
        .ok_or_else(|| AppError::validation("theme", crate::i18n::t().shell.theme_invalid))?;
    ssr::save_theme(theme).await
}

/// What saving a language did (see [`ThemeSaved`]; a visitor who has not allowed "language
/// and theme" keeps it until the browser closes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanguageSaved {
    pub lang: Lang,
    pub remembered: bool,
}

/// The action that saves a language, and reloads the page in it once saved (every string
/// on the page, and those the server sends later, follow).
pub fn use_save_language() -> ServerAction<SetLanguage> {
    let save = ServerAction::<SetLanguage>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            let _ = window().location().reload();
        }
    });
    save
}

/// Saves the language: on the account when signed in, and in this browser. The page
/// reloads to show it.
#[server(prefix = "/api", endpoint = "prefs/language")]
pub async fn set_language(lang: String) -> Result<LanguageSaved, AppError> {
    let lang = Lang::parse(&lang)
        .ok_or_else(|| AppError::validation("lang", crate::i18n::t().shell.language_invalid))?;
    ssr::save_language(lang).await
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use chrono::Utc;
    use sea_orm::{
        ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, sea_query::Query,
    };
    use uuid::Uuid;

    use super::{Lang, LanguageSaved, Prefs, Theme, ThemeSaved};
    use crate::{
        AppError,
        account::ssr::{
            AccountSettings, current_user,
            entities::{auth_session, user_account},
            session::{append_cookie, cookie_name, cookie_value, digest},
        },
        consent::ssr as consent,
    };

    tokio::task_local! {
        /// The preferences of the request being handled, for handlers outside Leptos
        /// (whose views and server functions read them from the request's extensions).
        pub static REQUEST_PREFS: Prefs;
    }

    /// A year: the functional cookie outlives no consent (withdrawing it deletes the cookie).
    const COOKIE_MAX_AGE_SECS: i64 = 365 * 86_400;

    pub fn theme_cookie(secure: bool) -> &'static str {
        consent::named(consent::THEME_COOKIE, secure)
    }

    /// The theme this browser remembers in its functional cookie.
    pub fn from_cookie(settings: &AccountSettings, headers: &http::HeaderMap) -> Option<Theme> {
        cookie_value(headers, theme_cookie(settings.secure_cookies)).and_then(|v| Theme::parse(&v))
    }

    pub fn lang_cookie(secure: bool) -> &'static str {
        consent::named(consent::LANG_COOKIE, secure)
    }

    /// The preferences to render a request with (see the module docs and `crate::i18n`
    /// for the order), and the signed-in user if the session has not expired. Costs one
    /// indexed read when the request carries a session cookie.
    pub async fn resolve(
        db: &DatabaseConnection,
        settings: &AccountSettings,
        headers: &http::HeaderMap,
    ) -> (Prefs, Option<Uuid>) {
        let secure = settings.secure_cookies;
        let (user, account_theme, account_lang) = match cookie_value(headers, cookie_name(secure)) {
            Some(token) => account_prefs(db, &token).await,
            None => (None, None, None),
        };
        let theme = from_cookie(settings, headers)
            .or(account_theme)
            .unwrap_or_default();
        let lang = account_lang
            .or_else(|| cookie_value(headers, lang_cookie(secure)).and_then(|v| Lang::parse(&v)))
            .or_else(|| {
                headers
                    .get(http::header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::negotiate)
            })
            .unwrap_or_default();
        (Prefs { theme, lang }, user)
    }

    /// The account whose unexpired session `token` is, with its theme and language (idle
    /// timeouts are checked where it matters: here a session only picks a colour scheme and
    /// a language, and tells the service worker whose pages it may keep).
    async fn account_prefs(
        db: &DatabaseConnection,
        token: &str,
    ) -> (Option<Uuid>, Option<Theme>, Option<Lang>) {
        let row: Option<(Uuid, String, Option<String>)> = user_account::Entity::find()
            .select_only()
            .column(user_account::Column::Id)
            .column(user_account::Column::Theme)
            .column(user_account::Column::Language)
            .filter(
                user_account::Column::Id.in_subquery(
                    Query::select()
                        .column(auth_session::Column::UserId)
                        .from(auth_session::Entity)
                        .and_where(auth_session::Column::IdHash.eq(digest(token)))
                        .and_where(auth_session::Column::ExpiresAt.gt(Utc::now().fixed_offset()))
                        .to_owned(),
                ),
            )
            .into_tuple()
            .one(db)
            .await
            .ok()
            .flatten();
        match row {
            Some((user, theme, lang)) => (
                Some(user),
                Theme::parse(&theme),
                lang.as_deref().and_then(Lang::parse),
            ),
            None => (None, None, None),
        }
    }

    /// Stores a preference on the signed-in account; `false` for a visitor.
    async fn save_on_account(
        db: &DatabaseConnection,
        column: user_account::Column,
        value: &str,
    ) -> Result<bool, AppError> {
        let Some(user) = current_user().await? else {
            return Ok(false);
        };
        user_account::Entity::update_many()
            .col_expr(column, value.into())
            .filter(user_account::Column::Id.eq(user.id))
            .exec(db)
            .await?;
        Ok(true)
    }

    pub async fn save_theme(theme: Theme) -> Result<ThemeSaved, AppError> {
        let db = crate::request::db()?;
        let accounts = crate::account::ssr::accounts()?;
        let mut remembered =
            save_on_account(&db, user_account::Column::Theme, theme.as_str()).await?;
        let settings = &accounts.settings;
        if consent::state().await?.choices.functional {
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

    pub async fn save_language(lang: Lang) -> Result<LanguageSaved, AppError> {
        let db = crate::request::db()?;
        let accounts = crate::account::ssr::accounts()?;
        let remembered = save_on_account(&db, user_account::Column::Language, lang.tag()).await?;
        let settings = &accounts.settings;
        let allowed = consent::state().await?.choices.functional;
        // Without consent, a cookie that ends with the browser session: the choice the
        // person just made, kept only for this visit.
        append_cookie(
            settings,
            lang_cookie(settings.secure_cookies),
            lang.tag(),
            if allowed { COOKIE_MAX_AGE_SECS } else { -1 },
        );
        Ok(LanguageSaved {
            lang,
            remembered: remembered || allowed,
        })
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
