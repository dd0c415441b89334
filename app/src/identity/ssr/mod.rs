//! The rules of signing in through another service.
//!
//! - **Only `(issuer, subject)` is kept** for a linked identity (and the configured
//!   provider's id, for its name). The provider's tokens are dropped when the callback
//!   ends; no name, picture or address from it is stored — an address it confirmed is
//!   only offered as the new account's address, which the person then owns like any.
//! - **No linking by email.** An unknown identity never joins the account that has its
//!   address: a sign-up with that address is refused with "sign in, then link". Linking
//!   happens only from Settings, signed in, and is announced by a security alert.
//! - **A sign-up needs a confirmed address** (Ripen delivers letters by email): from a
//!   provider that shares none (WeChat, or an unconfirmed one) the person signs up with a
//!   password and links the service afterwards. So nobody can make an account on someone
//!   else's address through a provider.
//! - **Two-step verification still applies**: a provider is a first factor, like the
//!   password.
//! - **The last way in stays**: an identity cannot be removed from an account with no
//!   password, no other identity and no passkey.
//!
//! Passkeys, the other way in without a password, are in `passkeys`.

pub mod ceremony;
pub mod config;
pub mod entities;
pub mod flow;
pub mod passkeys;
pub mod providers;

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use self::{
    config::{ProviderConfig, SignInConfig},
    entities::auth_identity,
    flow::{Flow, Purpose, Stage},
    providers::{FlowSecrets, IdentityProvider, ProviderError},
};
use super::{IdentitiesView, LinkedView, ProviderSignUp, ProviderView, Refusal};
use crate::{
    AppError, FieldErrors,
    account::{
        fields::{Email, Username},
        ssr::{self as account, SignIn, entities::user_account},
    },
    notifications::SecurityKind,
    seal::Keyring,
};

/// The configured services, ready to use.
pub struct Identities {
    providers: Vec<(ProviderConfig, Arc<dyn IdentityProvider>)>,
    /// `<site>/api/auth/callback`: the one address every provider sends the browser back to.
    callback: String,
    /// The site as a WebAuthn relying party (`None` when it is reached by an IP address).
    passkeys: Option<passkeys::Passkeys>,
}

impl Identities {
    /// The services `config` lists, for a site at `site_url`. A malformed entry is an
    /// error at start-up, not at the first sign-in.
    pub fn new(config: &SignInConfig, site_url: &str) -> Result<Self, String> {
        if let Some(problem) = config.problem() {
            return Err(problem);
        }
        let http = providers::http_client().map_err(|e| e.to_string())?;
        let list = config
            .providers
            .iter()
            .map(|p| (p.clone(), providers::build(p, http.clone())))
            .collect();
        let passkeys = passkeys::Passkeys::new(site_url)?;
        if passkeys.is_none() {
            tracing::warn!(
                site_url,
                "passkeys need the site to be reached by a name (localhost will do), not an IP address: they are off"
            );
        }
        Ok(Self {
            providers: list,
            callback: format!("{}/api/auth/callback", site_url.trim_end_matches('/')),
            passkeys,
        })
    }

    pub fn views(&self) -> Vec<ProviderView> {
        self.providers
            .iter()
            .map(|(c, _)| ProviderView {
                id: c.id.clone(),
                name: c.name.clone(),
            })
            .collect()
    }

    fn find(&self, id: &str) -> Option<&(ProviderConfig, Arc<dyn IdentityProvider>)> {
        self.providers.iter().find(|(c, _)| c.id == id)
    }

    fn name_of(&self, id: &str) -> String {
        self.find(id)
            .map_or_else(|| id.to_owned(), |(c, _)| c.name.clone())
    }
}

/// The sign-in services the server provided for this request.
pub fn service() -> Result<Arc<Identities>, AppError> {
    crate::request::service()
}

fn keys() -> Result<Arc<Keyring>, AppError> {
    crate::request::service()
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

/// Where a refused sign-in leads: back to the page it started from, saying why.
fn refused(purpose: Purpose, why: Refusal) -> String {
    match purpose {
        Purpose::Link => format!("/account?provider_error={}#sign-in-h", why.as_str()),
        Purpose::SignIn | Purpose::SignUp => format!("/login?provider_error={}", why.as_str()),
    }
}

fn after(signed_in: SignIn) -> String {
    match signed_in {
        SignIn::NeedsCode => "/login/code".to_owned(),
        SignIn::Done(started) => crate::account::after_sign_in(started).to_owned(),
    }
}

/// Starts a sign-in at `provider` (or a link to the signed-in account): stores the flow
/// and answers the provider's authorisation address, or the page that says why not.
pub async fn start(provider: &str, link: bool) -> String {
    let purpose = if link { Purpose::Link } else { Purpose::SignIn };
    match try_start(provider, purpose).await {
        Ok(url) => url,
        Err(why) => refused(purpose, why),
    }
}

async fn try_start(provider: &str, purpose: Purpose) -> Result<String, Refusal> {
    let service = service().map_err(|_| Refusal::Unavailable)?;
    let (config, p) = service.find(provider).ok_or(Refusal::UnknownProvider)?;
    let user_id = match purpose {
        Purpose::Link => Some(
            account::require_user()
                .await
                .map_err(|_| Refusal::Expired)?
                .1
                .id,
        ),
        _ => None,
    };
    let secrets = FlowSecrets::draw();
    let url = p
        .authorize_url(&secrets, &service.callback)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %config.id, error = %e, "a sign-in could not start");
            Refusal::Unavailable
        })?;
    let db = crate::request::db().map_err(|_| Refusal::Unavailable)?;
    let accounts = account::accounts().map_err(|_| Refusal::Unavailable)?;
    let keys = keys().map_err(|_| Refusal::Unavailable)?;
    flow::begin(
        &db,
        &keys,
        &accounts.settings,
        &Flow {
            provider: config.id.clone(),
            purpose,
            user_id,
            stage: Stage::Started(secrets),
        },
    )
    .await
    .map_err(|_| Refusal::Unavailable)?;
    Ok(url)
}

/// What the provider's redirect brought.
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// The provider's answer: signs in, links, or leads to the sign-up form; or to the page
/// that says why not. The flow is used up whatever happens.
pub async fn callback(cb: Callback) -> String {
    let taken = async {
        let db = crate::request::db()?;
        let accounts = account::accounts()?;
        flow::take(&db, &*keys()?, &accounts.settings).await
    }
    .await;
    let flow = match taken {
        Ok(Some(f)) => f,
        Ok(None) => return refused(Purpose::SignIn, Refusal::Expired),
        Err(e) => {
            tracing::warn!(error = %e, "a sign-in callback could not read its flow");
            return refused(Purpose::SignIn, Refusal::Unavailable);
        }
    };
    let purpose = flow.purpose;
    match answer(flow, cb).await {
        Ok(to) => to,
        Err(why) => refused(purpose, why),
    }
}

async fn answer(flow: Flow, cb: Callback) -> Result<String, Refusal> {
    let Stage::Started(secrets) = &flow.stage else {
        return Err(Refusal::Expired);
    };
    // The state proves the answer belongs to this browser's flow.
    let state_ok = cb
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(secrets.state.as_bytes())));
    if !state_ok {
        return Err(Refusal::Failed);
    }
    if cb.error.is_some() {
        return Err(Refusal::Denied);
    }
    let code = cb
        .code
        .as_deref()
        .filter(|c| !c.is_empty() && c.len() <= 2048);
    let Some(code) = code else {
        return Err(Refusal::Failed);
    };
    let service = service().map_err(|_| Refusal::Unavailable)?;
    let (config, provider) = service
        .find(&flow.provider)
        .ok_or(Refusal::UnknownProvider)?;
    let identity = provider
        .identify(code, cb.iss.as_deref(), secrets, &service.callback)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %config.id, error = %e, "a provider's answer was refused");
            match e {
                ProviderError::Unreachable(_) => Refusal::Unavailable,
                ProviderError::CodeRefused(_) | ProviderError::Untrusted(_) => Refusal::Failed,
            }
        })?;
    let db = crate::request::db().map_err(|_| Refusal::Unavailable)?;
    let internal = |e: AppError| {
        tracing::warn!(error = %e, "a provider sign-in failed");
        Refusal::Unavailable
    };
    let known = auth_identity::Entity::find()
        .filter(auth_identity::Column::Issuer.eq(&identity.issuer))
        .filter(auth_identity::Column::Subject.eq(&identity.subject))
        .one(&db)
        .await
        .map_err(|e| internal(e.into()))?;

    match flow.purpose {
        Purpose::Link => {
            let (_, user) = account::require_user()
                .await
                .map_err(|_| Refusal::Expired)?;
            if flow.user_id != Some(user.id) {
                // Signed out or into another account since the link started.
                return Err(Refusal::Expired);
            }
            match known {
                Some(k) if k.user_id == user.id => {}
                Some(_) => return Err(Refusal::Taken),
                None => {
                    link(
                        &db,
                        user.id,
                        &config.id,
                        &identity.issuer,
                        &identity.subject,
                    )
                    .await
                    .map_err(|e| match e {
                        // Linked elsewhere at the same moment.
                        AppError::Validation { .. } => Refusal::Taken,
                        e => internal(e),
                    })?;
                    account::raise_alert(&user, SecurityKind::ProviderLinked)
                        .await
                        .map_err(internal)?;
                }
            }
            Ok("/account?linked=1#sign-in-h".to_owned())
        }
        Purpose::SignIn => match known {
            Some(k) => {
                let user = user_account::Entity::find_by_id(k.user_id)
                    .one(&db)
                    .await
                    .map_err(|e| internal(e.into()))?
                    .ok_or(Refusal::Expired)?;
                let mut used: auth_identity::ActiveModel = k.into();
                used.last_used_ms = Set(Some(now_ms()));
                used.update(&db).await.map_err(|e| internal(e.into()))?;
                account::first_factor_passed(&user)
                    .await
                    .map(after)
                    .map_err(internal)
            }
            None => {
                let email = identity.verified_email.ok_or(Refusal::NoEmail)?;
                let accounts = account::accounts().map_err(internal)?;
                flow::begin(
                    &db,
                    &*keys().map_err(internal)?,
                    &accounts.settings,
                    &Flow {
                        provider: flow.provider.clone(),
                        purpose: Purpose::SignUp,
                        user_id: None,
                        stage: Stage::Identified {
                            issuer: identity.issuer,
                            subject: identity.subject,
                            verified_email: Some(email),
                        },
                    },
                )
                .await
                .map_err(internal)?;
                Ok("/signup/provider".to_owned())
            }
        },
        Purpose::SignUp => Err(Refusal::Expired),
    }
}

async fn link(
    db: &impl sea_orm::ConnectionTrait,
    user: Uuid,
    provider: &str,
    issuer: &str,
    subject: &str,
) -> Result<(), AppError> {
    let now = now_ms();
    auth_identity::Entity::insert(auth_identity::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        provider: Set(provider.to_owned()),
        issuer: Set(issuer.to_owned()),
        subject: Set(subject.to_owned()),
        created_ms: Set(now),
        last_used_ms: Set(Some(now)),
    })
    .exec_without_returning(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(_) => AppError::validation("identity", crate::i18n::t().sign_in.taken),
        None => e.into(),
    })?;
    Ok(())
}

/// The sign-up this browser is finishing.
pub async fn pending() -> Result<Option<ProviderSignUp>, AppError> {
    let db = crate::request::db()?;
    let accounts = account::accounts()?;
    let Some(flow) = flow::peek(&db, &*keys()?, &accounts.settings).await? else {
        return Ok(None);
    };
    let Stage::Identified {
        verified_email: Some(email),
        ..
    } = flow.stage
    else {
        return Ok(None);
    };
    Ok(Some(ProviderSignUp {
        provider: service()?.name_of(&flow.provider),
        email,
    }))
}

/// Makes the account a provider's answer is waiting for, links the identity and signs
/// in. The form asks what the password sign-up asks (minus the password); its errors name
/// their field and keep the flow, so the person can correct them.
pub async fn finish_sign_up(
    username: &str,
    age: &Option<String>,
    consent: &Option<String>,
    timezone: Option<String>,
) -> Result<(), AppError> {
    let t = crate::i18n::t();
    let mut errors = FieldErrors::default();
    let username = errors.take(Username::parse(username));
    if !crate::request::ticked(age) {
        errors.add("age", t.auth.age_required);
    }
    if !crate::request::ticked(consent) {
        errors.add("consent", t.auth.consent_required);
    }
    let (Some(username), true) = (username, errors.is_empty()) else {
        return Err(errors.into_error());
    };
    let db = crate::request::db()?;
    let accounts = account::accounts()?;
    let keys = keys()?;
    let gone = || AppError::validation("username", t.sign_in.finish_gone);
    let Some(Flow {
        stage:
            Stage::Identified {
                issuer,
                subject,
                verified_email: Some(email),
            },
        provider,
        ..
    }) = flow::peek(&db, &keys, &accounts.settings).await?
    else {
        return Err(gone());
    };
    let email = Email::parse(&email).map_err(|_| gone())?;
    let txn = db.begin().await?;
    let user = account::create_proven_account(
        &txn,
        account::ProvenAccount {
            username,
            email,
            timezone,
        },
    )
    .await?;
    link(&txn, user.id, &provider, &issuer, &subject).await?;
    // Used once: of two submissions, one makes the account.
    if flow::take(&txn, &keys, &accounts.settings).await?.is_none() {
        return Err(gone());
    }
    txn.commit().await?;
    match account::first_factor_passed(&user).await? {
        SignIn::Done(_) => Ok(()),
        SignIn::NeedsCode => Err(AppError::internal("a new account asked for a code")),
    }
}

/// The settings card.
pub async fn linked() -> Result<IdentitiesView, AppError> {
    let (_, user) = account::require_user().await?;
    let db = crate::request::db()?;
    let service = service()?;
    let rows = auth_identity::Entity::find()
        .filter(auth_identity::Column::UserId.eq(user.id))
        .order_by_asc(auth_identity::Column::CreatedMs)
        .all(&db)
        .await?;
    let linked_ids: Vec<&str> = rows.iter().map(|r| r.provider.as_str()).collect();
    let available = service
        .views()
        .into_iter()
        .filter(|p| !linked_ids.contains(&p.id.as_str()))
        .collect();
    let last_way = passkeys::ways_in(&db, &user).await? <= 1;
    let linked = rows
        .iter()
        .map(|r| LinkedView {
            id: r.id.to_string(),
            provider: service.name_of(&r.provider),
            linked: chrono::DateTime::from_timestamp_millis(r.created_ms)
                .map(|at| crate::format::instant_in(at.fixed_offset(), &user.timezone))
                .unwrap_or_default(),
        })
        .collect();
    Ok(IdentitiesView {
        linked,
        available,
        last_way,
        has_password: user.has_password,
    })
}

/// Removes one of the signed-in account's identities, unless it is its last way in.
pub async fn unlink(id: &str) -> Result<(), AppError> {
    let (_, user) = account::require_user().await?;
    let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    let db = crate::request::db()?;
    let txn = db.begin().await?;
    // Lock the account row, so two removals at once cannot both pass the check below.
    account::lock_account(&txn, user.id).await?;
    let row = auth_identity::Entity::find_by_id(id)
        .filter(auth_identity::Column::UserId.eq(user.id))
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if passkeys::ways_in(&txn, &user).await? <= 1 {
        return Err(AppError::validation(
            "identity",
            crate::i18n::t().sign_in.last_way,
        ));
    }
    auth_identity::Entity::delete_by_id(row.id)
        .exec(&txn)
        .await?;
    txn.commit().await?;
    account::raise_alert(&user, SecurityKind::ProviderUnlinked).await
}
