//! The services a person can sign in with, behind one trait: any OpenID Connect provider
//! (discovery, code flow with PKCE, nonce and a checked id token), GitHub (OAuth 2 with
//! PKCE; keyed on its numeric user id) and WeChat website login (OAuth 2 style; keyed on
//! the unionid, else the openid; no email). Each answers only who the person is at that
//! service ([`Identity`]); no token outlives the callback.
//!
//! Every call goes through one reqwest client that never follows redirects (a provider
//! cannot send Ripen's server to another address) and gives up after ten seconds.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims},
};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::config::{ProviderConfig, ProviderKind};

/// Who the person is at the provider: the only thing Ripen keeps is `(issuer, subject)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    /// An address the provider says it confirmed, if it shared one: offered for a new
    /// account, never used to find or link an existing one.
    pub verified_email: Option<String>,
}

/// What the start of a sign-in draws, kept server-side until the callback.
#[derive(Debug, Clone, serde::Serialize, Deserialize, PartialEq, Eq)]
pub struct FlowSecrets {
    /// The `state` parameter the callback must bring back.
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

impl FlowSecrets {
    /// Fresh random values (the state and nonce 128 bits, the PKCE verifier 256 bits).
    pub fn draw() -> Self {
        let (_, verifier) = PkceCodeChallenge::new_random_sha256();
        Self {
            state: CsrfToken::new_random().secret().clone(),
            nonce: Nonce::new_random().secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        }
    }

    fn challenge(&self) -> PkceCodeChallenge {
        PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            self.pkce_verifier.clone(),
        ))
    }
}

/// Why a provider's answer was not accepted. The person sees one of a few plain reasons;
/// the details go to the log (never a token or secret).
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached or answered something unreadable.
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// The provider refused the code (used, expired, or not issued for this sign-in).
    #[error("the provider refused the code: {0}")]
    CodeRefused(String),
    /// The provider's answer did not pass the checks (signature, issuer, audience, time,
    /// nonce) or lacked what is needed.
    #[error("the provider's answer failed a check: {0}")]
    Untrusted(String),
}

/// One service to sign in with.
#[async_trait]
pub trait IdentityProvider: Send + Sync {
    /// The address to send the browser to.
    async fn authorize_url(
        &self,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<String, ProviderError>;

    /// The identity behind `code`, checked. `iss` is the issuer the callback named, if
    /// any (RFC 9207): it must be this provider's.
    async fn identify(
        &self,
        code: &str,
        iss: Option<&str>,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<Identity, ProviderError>;
}

/// The HTTP client for provider calls: no redirects, short timeouts, no cookies.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .build()
}

/// The provider `config` describes.
pub fn build(config: &ProviderConfig, http: reqwest::Client) -> Arc<dyn IdentityProvider> {
    match config.kind {
        ProviderKind::Oidc => Arc::new(Oidc {
            config: config.clone(),
            http,
            metadata: Mutex::new(None),
        }),
        ProviderKind::Github => Arc::new(Github {
            config: config.clone(),
            http,
        }),
        ProviderKind::Wechat => Arc::new(Wechat {
            config: config.clone(),
            http,
        }),
    }
}

fn unreachable(e: impl std::fmt::Display) -> ProviderError {
    ProviderError::Unreachable(e.to_string())
}

// ---------------------------------------------------------------------------------------
// OpenID Connect

/// Any OpenID Connect provider, found by discovery from its issuer.
struct Oidc {
    config: ProviderConfig,
    http: reqwest::Client,
    /// The discovery document and keys, fetched on first use and again when an id token
    /// is signed with a key they do not hold (the provider rotated its keys).
    metadata: Mutex<Option<CoreProviderMetadata>>,
}

impl Oidc {
    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, ProviderError> {
        let mut cached = self.metadata.lock().await;
        if let (Some(m), false) = (cached.as_ref(), fresh) {
            return Ok(m.clone());
        }
        let issuer = IssuerUrl::new(self.config.issuer.clone()).map_err(unreachable)?;
        // Discovery itself checks that the document names this issuer.
        let m = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(unreachable)?;
        *cached = Some(m.clone());
        Ok(m)
    }

    fn client(
        &self,
        metadata: CoreProviderMetadata,
        redirect: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        ProviderError,
    > {
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.config.client_id.clone()),
            Some(ClientSecret::new(
                self.config.client_secret.expose().to_owned(),
            )),
        )
        .set_redirect_uri(RedirectUrl::new(redirect.to_owned()).map_err(unreachable)?))
    }
}

#[async_trait]
impl IdentityProvider for Oidc {
    async fn authorize_url(
        &self,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<String, ProviderError> {
        let client = self.client(self.metadata(false).await?, redirect)?;
        let (state, nonce) = (secrets.state.clone(), secrets.nonce.clone());
        let (url, _, _) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(secrets.challenge())
            .url();
        Ok(url.into())
    }

    async fn identify(
        &self,
        code: &str,
        iss: Option<&str>,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<Identity, ProviderError> {
        let metadata = self.metadata(false).await?;
        let issuer = metadata.issuer().as_str().to_owned();
        if iss.is_some_and(|i| i != issuer) {
            return Err(ProviderError::Untrusted(format!(
                "the callback names another issuer ({})",
                iss.unwrap_or_default()
            )));
        }
        let client = self.client(metadata, redirect)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(unreachable)?
            .set_pkce_verifier(PkceCodeVerifier::new(secrets.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| match e {
                openidconnect::RequestTokenError::ServerResponse(r) => {
                    ProviderError::CodeRefused(r.error().to_string())
                }
                other => unreachable(other),
            })?;
        let id_token = tokens
            .id_token()
            .ok_or_else(|| ProviderError::Untrusted("no id token".into()))?;
        let nonce = Nonce::new(secrets.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(c) => c.clone(),
            // A key the cached set does not hold: the provider may have rotated its keys.
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(_)) => {
                let client = self.client(self.metadata(true).await?, redirect)?;
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(|e| ProviderError::Untrusted(e.to_string()))?
                    .clone()
            }
            Err(e) => return Err(ProviderError::Untrusted(e.to_string())),
        };
        let subject = claims.subject().as_str().to_owned();
        // The address is at the userinfo endpoint (providers need not put it in the id
        // token); it is only used if the provider says it confirmed it.
        let verified_email = match client.user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        ) {
            Ok(request) => {
                let info: CoreUserInfoClaims = request
                    .request_async(&self.http)
                    .await
                    .map_err(unreachable)?;
                match (info.email(), info.email_verified()) {
                    (Some(e), Some(true)) => Some(e.as_str().to_owned()),
                    _ => None,
                }
            }
            Err(_) => match (claims.email(), claims.email_verified()) {
                (Some(e), Some(true)) => Some(e.as_str().to_owned()),
                _ => None,
            },
        };
        Ok(Identity {
            issuer,
            subject,
            verified_email,
        })
    }
}

// ---------------------------------------------------------------------------------------
// GitHub

/// GitHub's OAuth apps: the person is GitHub's numeric user id (the login name can change).
struct Github {
    config: ProviderConfig,
    http: reqwest::Client,
}

/// Where GitHub's endpoints are, unless the configuration says otherwise (tests point
/// them at a local server speaking the same protocol).
const GITHUB_ISSUER: &str = "https://github.com";
const GITHUB_API: &str = "https://api.github.com";

#[derive(Deserialize)]
struct GithubToken {
    access_token: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct GithubUser {
    id: u64,
}

#[derive(Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

impl Github {
    fn issuer(&self) -> &str {
        non_empty(&self.config.issuer).unwrap_or(GITHUB_ISSUER)
    }

    fn api(&self) -> &str {
        self.config.api_url.as_deref().unwrap_or(GITHUB_API)
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        token: &str,
    ) -> Result<T, ProviderError> {
        let res = self
            .http
            .get(format!("{}{path}", self.api()))
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header(reqwest::header::USER_AGENT, "Ripen")
            .send()
            .await
            .map_err(unreachable)?;
        if !res.status().is_success() {
            return Err(ProviderError::Untrusted(format!(
                "GitHub answered {} for {path}",
                res.status()
            )));
        }
        res.json().await.map_err(unreachable)
    }
}

fn non_empty(s: &str) -> Option<&str> {
    Some(s.trim_end_matches('/')).filter(|s| !s.is_empty())
}

#[async_trait]
impl IdentityProvider for Github {
    async fn authorize_url(
        &self,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<String, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{}/login/oauth/authorize", self.issuer()))
            .map_err(unreachable)?;
        url.query_pairs_mut()
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("scope", "user:email")
            .append_pair("state", &secrets.state)
            .append_pair("code_challenge", secrets.challenge().as_str())
            .append_pair("code_challenge_method", "S256")
            .append_pair("allow_signup", "false");
        Ok(url.into())
    }

    async fn identify(
        &self,
        code: &str,
        _iss: Option<&str>,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<Identity, ProviderError> {
        let res = self
            .http
            .post(format!("{}/login/oauth/access_token", self.issuer()))
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&[
                ("client_id", self.config.client_id.as_str()),
                ("client_secret", self.config.client_secret.expose()),
                ("code", code),
                ("redirect_uri", redirect),
                ("code_verifier", secrets.pkce_verifier.as_str()),
            ])
            .send()
            .await
            .map_err(unreachable)?;
        // GitHub answers 200 with an `error` field for a bad code.
        let token: GithubToken = res.json().await.map_err(unreachable)?;
        let access = match (token.access_token, token.error) {
            (Some(t), None) => t,
            (_, e) => return Err(ProviderError::CodeRefused(e.unwrap_or_default())),
        };
        let user: GithubUser = self.get("/user", &access).await?;
        let emails: Vec<GithubEmail> = self.get("/user/emails", &access).await.unwrap_or_default();
        let verified_email = emails
            .into_iter()
            .find(|e| e.primary && e.verified)
            .map(|e| e.email);
        Ok(Identity {
            issuer: self.issuer().to_owned(),
            subject: user.id.to_string(),
            verified_email,
        })
    }
}

// ---------------------------------------------------------------------------------------
// WeChat

/// WeChat's website login (网站应用微信登录): a QR code page at open.weixin.qq.com, then a
/// code exchanged for the openid (per app) and unionid (per developer account). No PKCE,
/// no id token, no email; errors come as HTTP 200 with `errcode`.
struct Wechat {
    config: ProviderConfig,
    http: reqwest::Client,
}

const WECHAT_ISSUER: &str = "https://open.weixin.qq.com";
const WECHAT_API: &str = "https://api.weixin.qq.com";

#[derive(Deserialize)]
struct WechatToken {
    openid: Option<String>,
    unionid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

impl Wechat {
    fn issuer(&self) -> &str {
        non_empty(&self.config.issuer).unwrap_or(WECHAT_ISSUER)
    }
}

#[async_trait]
impl IdentityProvider for Wechat {
    async fn authorize_url(
        &self,
        secrets: &FlowSecrets,
        redirect: &str,
    ) -> Result<String, ProviderError> {
        let mut url = reqwest::Url::parse(&format!("{}/connect/qrconnect", self.issuer()))
            .map_err(unreachable)?;
        url.query_pairs_mut()
            .append_pair("appid", &self.config.client_id)
            .append_pair("redirect_uri", redirect)
            .append_pair("response_type", "code")
            .append_pair("scope", "snsapi_login")
            .append_pair("state", &secrets.state);
        url.set_fragment(Some("wechat_redirect"));
        Ok(url.into())
    }

    async fn identify(
        &self,
        code: &str,
        _iss: Option<&str>,
        _secrets: &FlowSecrets,
        _redirect: &str,
    ) -> Result<Identity, ProviderError> {
        let api = self.config.api_url.as_deref().unwrap_or(WECHAT_API);
        let res = self
            .http
            .get(format!("{api}/sns/oauth2/access_token"))
            .query(&[
                ("appid", self.config.client_id.as_str()),
                ("secret", self.config.client_secret.expose()),
                ("code", code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(unreachable)?;
        let token: WechatToken = res.json().await.map_err(unreachable)?;
        if let Some(code) = token.errcode.filter(|c| *c != 0) {
            return Err(ProviderError::CodeRefused(format!(
                "errcode {code}: {}",
                token.errmsg.unwrap_or_default()
            )));
        }
        // The unionid names the person across a developer's apps; without one, the openid.
        let subject = token
            .unionid
            .filter(|s| !s.is_empty())
            .map(|u| format!("union:{u}"))
            .or_else(|| {
                token
                    .openid
                    .filter(|s| !s.is_empty())
                    .map(|o| format!("open:{o}"))
            })
            .ok_or_else(|| ProviderError::Untrusted("no openid in the answer".into()))?;
        Ok(Identity {
            issuer: self.issuer().to_owned(),
            subject,
            verified_email: None,
        })
    }
}
