//! `[[sign_in.providers]]` in the server's configuration: the services a person may sign
//! in with. None by default.
//!
//! ```toml
//! [[sign_in.providers]]
//! id = "acme"                      # in URLs and in the database; letters, digits, -
//! kind = "oidc"                    # oidc | github | wechat
//! name = "Acme ID"                 # on the buttons
//! issuer = "https://id.acme.example"
//! client_id = "ripen"
//! client_secret = "…"              # or RIPEN_SIGN_IN__PROVIDERS__0__CLIENT_SECRET
//! ```

use serde::{Deserialize, Serialize};

/// The sign-in services.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignInConfig {
    pub providers: Vec<ProviderConfig>,
}

impl SignInConfig {
    /// Why these providers cannot be used, if they cannot: a malformed entry, or an id
    /// used twice.
    pub fn problem(&self) -> Option<String> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.providers {
            if let Some(problem) = p.problem() {
                return Some(problem);
            }
            if !seen.insert(p.id.as_str()) {
                return Some(format!(
                    "sign_in.providers: the id {:?} is used twice",
                    p.id
                ));
            }
        }
        None
    }
}

/// Which protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// OpenID Connect, found by discovery from `issuer`.
    Oidc,
    /// GitHub's OAuth apps (`issuer` defaults to `https://github.com`).
    Github,
    /// WeChat website login (`client_id` is the AppID).
    Wechat,
}

/// One sign-in service.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// A short name for URLs and the database (`acme`): lower-case letters, digits, `-`.
    pub id: String,
    pub kind: ProviderKind,
    /// What the buttons say after "Continue with".
    pub name: String,
    /// The OpenID issuer; for GitHub and WeChat where their authorisation pages are
    /// (empty for the real services).
    #[serde(default)]
    pub issuer: String,
    pub client_id: String,
    pub client_secret: ClientSecret,
    /// GitHub's and WeChat's API base, if not the real service's.
    #[serde(default)]
    pub api_url: Option<String>,
}

impl ProviderConfig {
    /// Why this entry cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Some(format!(
                "sign_in.providers: id {:?} must be 1–32 lower-case letters, digits or -",
                self.id
            ));
        }
        if self.kind == ProviderKind::Oidc && !self.issuer.starts_with("http") {
            return Some(format!(
                "sign_in.providers.{}: an OpenID provider needs its issuer URL",
                self.id
            ));
        }
        if self.name.trim().is_empty() || self.client_id.is_empty() {
            return Some(format!(
                "sign_in.providers.{}: name and client_id are required",
                self.id
            ));
        }
        None
    }
}

/// A client secret: never printed (`Debug` hides it), never sent to the browser.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct ClientSecret(String);

impl ClientSecret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[REDACTED]")
    }
}
