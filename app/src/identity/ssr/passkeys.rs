//! The rules of passkeys.
//!
//! - **A passkey is a whole sign-in.** The browser is asked for user verification
//!   (fingerprint, face, PIN) and the server requires it, so a passkey proves both what a
//!   password and a second step would: no two-step code follows it.
//! - **Usernameless.** The sign-in ceremony names no account; the authenticator answers
//!   with the account's id (the WebAuthn user handle is the account's UUID, never its
//!   name or address) and the credential, and both must match a stored passkey.
//! - **One key, one account**: a credential id is unique across accounts.
//! - **Ceremonies are server-side** (`ceremony`), single use, five minutes.
//! - **The last way in stays**: a passkey cannot be removed from an account with no
//!   password, no linked service and no other passkey.
//! - Failed passkey sign-ins count against the client's login limit, like wrong passwords;
//!   starting ceremonies is limited per client (each is a row).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, TransactionTrait,
};
use uuid::Uuid;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration,
    PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder,
};

use super::{
    ceremony::{self, CEREMONY_SECS, Kind},
    entities::{auth_identity, passkey},
    service,
};
use crate::{
    AppError, ResultExt,
    account::ssr::{
        self as account,
        entities::user_account,
        limiter::{Key, Scope},
    },
    identity::passkeys::{Challenge, MAX_LABEL_CHARS, PasskeyView, PasskeysView},
    notifications::SecurityKind,
};

/// The relying party: this site, as WebAuthn knows it (its host name and origin).
pub struct Passkeys {
    webauthn: Webauthn,
}

impl Passkeys {
    /// Passkeys for the site at `site_url`; `None` when it is reached by an IP address,
    /// which WebAuthn does not allow (a name is needed, `localhost` included).
    pub fn new(site_url: &str) -> Result<Option<Self>, String> {
        let origin = Url::parse(site_url).map_err(|e| format!("site_url: {e}"))?;
        let Some(host) = origin.domain() else {
            return Ok(None);
        };
        let webauthn = WebauthnBuilder::new(host, &origin)
            .map(|b| {
                b.rp_name("Ripen")
                    // The browser gives up well before the server forgets the ceremony.
                    .timeout(std::time::Duration::from_secs(CEREMONY_SECS as u64 / 2))
            })
            .and_then(WebauthnBuilder::build)
            .map_err(|e| format!("passkeys for {site_url}: {e:?}"))?;
        Ok(Some(Self { webauthn }))
    }
}

fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn t() -> &'static crate::i18n::passkeys::Passkeys {
    &crate::i18n::t().passkeys
}

fn refused(message: &'static str) -> AppError {
    AppError::validation("passkey", message)
}

/// The site's relying party, or the error that says passkeys are not available here.
fn relying_party(s: &super::Identities) -> Result<&Webauthn, AppError> {
    s.passkeys
        .as_ref()
        .map(|p| &p.webauthn)
        .ok_or_else(|| refused(t().unavailable))
}

/// Counts a ceremony started from this client against its limit.
async fn count_ceremony() -> Result<(), AppError> {
    let accounts = account::accounts()?;
    accounts
        .limiter
        .reserve(
            Scope::PasskeyCeremony,
            &Key::client(crate::request::client_addr()),
            accounts.settings.limits.passkey_ceremonies_per_client,
        )
        .await
        .map(drop)
}

/// How many ways `user` has to sign in: a password, linked services, passkeys.
pub async fn ways_in(
    db: &impl ConnectionTrait,
    user: &user_account::Model,
) -> Result<u64, AppError> {
    let identities = auth_identity::Entity::find()
        .filter(auth_identity::Column::UserId.eq(user.id))
        .count(db)
        .await?;
    let passkeys = passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user.id))
        .count(db)
        .await?;
    Ok(u64::from(user.has_password) + identities + passkeys)
}

/// A passkey's name: trimmed, not empty, at most [`MAX_LABEL_CHARS`], no control
/// characters.
fn label(raw: &str) -> Result<String, AppError> {
    let label = raw.trim();
    if label.is_empty() {
        return Err(AppError::validation("label", t().label_required));
    }
    if label.chars().count() > MAX_LABEL_CHARS || label.chars().any(char::is_control) {
        return Err(AppError::validation("label", t().label_too_long));
    }
    Ok(label.to_owned())
}

/// A name for a passkey the person did not name: the system the browser runs on.
fn default_label() -> String {
    let ua = leptos::prelude::use_context::<http::request::Parts>().and_then(|p| {
        p.headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(ToOwned::to_owned)
    });
    let system = ua.as_deref().and_then(crate::account::agent::system);
    match system {
        Some(s) => crate::i18n::fill(t().default_label_on, &[("system", &s)]),
        None => t().default_label.to_owned(),
    }
}

fn shown(ms: i64, timezone: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|at| crate::format::instant_in(at.fixed_offset(), timezone))
        .unwrap_or_default()
}

/// The settings card.
pub async fn list() -> Result<PasskeysView, AppError> {
    let (_, user) = account::require_user().await?;
    let db = crate::request::db()?;
    let rows = passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user.id))
        .order_by_asc(passkey::Column::CreatedMs)
        .all(&db)
        .await?;
    let last_way = ways_in(&db, &user).await? <= 1;
    Ok(PasskeysView {
        available: service()?.passkeys.is_some(),
        passkeys: rows
            .into_iter()
            .map(|r| PasskeyView {
                id: r.id.to_string(),
                label: r.label,
                added: shown(r.created_ms, &user.timezone),
                last_used: r.last_used_ms.map(|ms| shown(ms, &user.timezone)),
            })
            .collect(),
        last_way,
    })
}

/// The options as the browser's `navigator.credentials.create` takes them (once its
/// binary fields are decoded): a discoverable credential is required, so the passkey can
/// sign in without a username. Extensions are left out: Ripen needs none, and their JSON
/// is not what browsers take.
fn creation_options(
    ccr: &webauthn_rs::prelude::CreationChallengeResponse,
) -> Result<String, AppError> {
    let mut v = serde_json::to_value(ccr).or_internal("writing passkey options")?;
    if let Some(pk) = v.get_mut("publicKey").and_then(|p| p.as_object_mut()) {
        pk.remove("extensions");
        let selection = pk
            .entry("authenticatorSelection")
            .or_insert_with(|| serde_json::json!({}));
        if let Some(s) = selection.as_object_mut() {
            s.insert("residentKey".into(), "required".into());
            s.insert("requireResidentKey".into(), true.into());
            s.insert("userVerification".into(), "required".into());
        }
    }
    serde_json::to_string(&v).or_internal("writing passkey options")
}

fn request_options(
    rcr: &webauthn_rs::prelude::RequestChallengeResponse,
) -> Result<String, AppError> {
    let mut v = serde_json::to_value(rcr).or_internal("writing passkey options")?;
    if let Some(o) = v.as_object_mut() {
        // The page chooses: the browser's account list (conditional) or a dialog.
        o.remove("mediation");
        if let Some(pk) = o.get_mut("publicKey").and_then(|p| p.as_object_mut()) {
            pk.remove("extensions");
        }
    }
    serde_json::to_string(&v).or_internal("writing passkey options")
}

/// Starts adding a passkey to the signed-in account.
pub async fn start_adding() -> Result<Challenge, AppError> {
    let (_, user) = account::require_user().await?;
    let s = service()?;
    let wa = relying_party(&s)?;
    count_ceremony().await?;
    let db = crate::request::db()?;
    let existing = passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user.id))
        .all(&db)
        .await?
        .into_iter()
        .filter_map(|r| serde_json::from_str::<Passkey>(&r.credential).ok())
        .map(|p| p.cred_id().clone())
        .collect();
    let (ccr, state) = wa
        .start_passkey_registration(user.id, &user.username, &user.username, Some(existing))
        .map_err(|e| {
            AppError::internal_while("starting a passkey registration", format!("{e:?}"))
        })?;
    let token = ceremony::begin(&db, Kind::Register, Some(user.id), &state).await?;
    Ok(Challenge {
        ceremony: token,
        options: creation_options(&ccr)?,
    })
}

/// Finishes adding a passkey: checks the authenticator's answer, keeps the credential,
/// and raises the security alert.
pub async fn finish_adding(token: &str, credential: &str, raw_label: &str) -> Result<(), AppError> {
    let (_, user) = account::require_user().await?;
    let label = if raw_label.trim().is_empty() {
        default_label()
    } else {
        label(raw_label)?
    };
    let s = service()?;
    let wa = relying_party(&s)?;
    let db = crate::request::db()?;
    let state: PasskeyRegistration = take_own(&db, Kind::Register, token, user.id).await?;
    let answer: RegisterPublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| refused(t().failed))?;
    let key = wa
        .finish_passkey_registration(&answer, &state)
        .map_err(|e| {
            tracing::info!(error = ?e, "a passkey registration was refused");
            refused(t().failed)
        })?;
    let credential_id = base64_url(key.cred_id());
    let now = now_ms();
    passkey::Entity::insert(passkey::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        credential_id: Set(credential_id),
        label: Set(label),
        credential: Set(serde_json::to_string(&key).or_internal("writing a passkey")?),
        created_ms: Set(now),
        last_used_ms: Set(None),
    })
    .exec_without_returning(&db)
    .await
    .map_err(|e| match e.sql_err() {
        // The same authenticator key again (the browser should have excluded it).
        Some(_) => refused(t().already_added),
        None => e.into(),
    })?;
    account::raise_alert(&user, SecurityKind::PasskeyAdded).await
}

/// Takes the ceremony `token` names if it is `kind` and was started by `user`.
async fn take_own<S: serde::de::DeserializeOwned>(
    db: &impl ConnectionTrait,
    kind: Kind,
    token: &str,
    user: Uuid,
) -> Result<S, AppError> {
    match ceremony::take::<S>(db, kind, token).await? {
        Some((Some(owner), state)) if owner == user => Ok(state),
        _ => Err(refused(t().expired)),
    }
}

/// Keeps what a sign-in with `key` taught (its counter, its backup state) and when it was
/// used.
async fn record_use(
    db: &impl ConnectionTrait,
    row: passkey::Model,
    key: &mut Passkey,
    result: &webauthn_rs::prelude::AuthenticationResult,
) -> Result<(), AppError> {
    let changed = key.update_credential(result).unwrap_or(false);
    let mut used: passkey::ActiveModel = row.into();
    if changed {
        used.credential = Set(serde_json::to_string(key).or_internal("writing a passkey")?);
    }
    used.last_used_ms = Set(Some(now_ms()));
    used.update(db).await?;
    Ok(())
}

fn base64_url(bytes: &[u8]) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    URL_SAFE_NO_PAD.encode(bytes)
}

async fn own(db: &impl ConnectionTrait, user: Uuid, id: &str) -> Result<passkey::Model, AppError> {
    let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
    passkey::Entity::find_by_id(id)
        .filter(passkey::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Renames one of the signed-in account's passkeys.
pub async fn rename(id: &str, raw_label: &str) -> Result<(), AppError> {
    let (_, user) = account::require_user().await?;
    let label = label(raw_label)?;
    let db = crate::request::db()?;
    let row = own(&db, user.id, id).await?;
    let mut row: passkey::ActiveModel = row.into();
    row.label = Set(label);
    row.update(&db).await?;
    Ok(())
}

/// Removes one of the signed-in account's passkeys, unless it is its last way in.
pub async fn remove(id: &str) -> Result<(), AppError> {
    let (_, user) = account::require_user().await?;
    let db = crate::request::db()?;
    let txn = db.begin().await?;
    // Lock the account row, so two removals at once cannot both pass the check below.
    account::lock_account(&txn, user.id).await?;
    let row = own(&txn, user.id, id).await?;
    if ways_in(&txn, &user).await? <= 1 {
        return Err(refused(t().last_way));
    }
    passkey::Entity::delete_by_id(row.id).exec(&txn).await?;
    txn.commit().await?;
    account::raise_alert(&user, SecurityKind::PasskeyRemoved).await
}

/// Starts a sign-in with whichever passkey the browser offers.
pub async fn start_sign_in() -> Result<Challenge, AppError> {
    let s = service()?;
    let wa = relying_party(&s)?;
    count_ceremony().await?;
    let (rcr, state) = wa
        .start_discoverable_authentication()
        .map_err(|e| AppError::internal_while("starting a passkey sign-in", format!("{e:?}")))?;
    let db = crate::request::db()?;
    let token = ceremony::begin(&db, Kind::SignIn, None, &state).await?;
    Ok(Challenge {
        ceremony: token,
        options: request_options(&rcr)?,
    })
}

/// Finishes a sign-in with a passkey: checks the answer against the stored key of the
/// account it names, signs in (no two-step code: see the module's notes) and answers where
/// to go next.
pub async fn finish_sign_in(token: &str, credential: &str) -> Result<String, AppError> {
    let s = service()?;
    let wa = relying_party(&s)?;
    let accounts = account::accounts()?;
    // Counted before anything is checked; given back when the sign-in succeeds.
    let attempt = accounts
        .limiter
        .reserve(
            Scope::LoginClient,
            &Key::client(crate::request::client_addr()),
            accounts.settings.limits.login_failures_per_client,
        )
        .await?;
    let db = crate::request::db()?;
    let Some((_, state)) =
        ceremony::take::<DiscoverableAuthentication>(&db, Kind::SignIn, token).await?
    else {
        return Err(refused(t().expired));
    };
    let answer: PublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| refused(t().failed))?;
    let (user_id, credential_id) = wa
        .identify_discoverable_authentication(&answer)
        .map_err(|_| refused(t().failed))?;
    let Some(row) = passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(base64_url(credential_id)))
        .filter(passkey::Column::UserId.eq(user_id))
        .one(&db)
        .await?
    else {
        return Err(refused(t().unknown));
    };
    let mut key: Passkey =
        serde_json::from_str(&row.credential).or_internal("reading a passkey")?;
    let result = wa
        .finish_discoverable_authentication_v2(&answer, state, &key)
        .map_err(|e| {
            tracing::info!(error = ?e, "a passkey sign-in was refused");
            refused(t().failed)
        })?;
    let user = user_account::Entity::find_by_id(row.user_id)
        .one(&db)
        .await?
        .ok_or_else(|| refused(t().unknown))?;
    record_use(&db, row, &mut key, &result).await?;
    attempt.refund().await;
    let started = account::both_factors_passed(&user).await?;
    Ok(crate::account::after_sign_in(started).to_owned())
}

/// The signed-in account's passkeys, as stored and as `webauthn-rs` keys.
async fn keys_of(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<(passkey::Model, Passkey)>, AppError> {
    passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            let key = serde_json::from_str(&r.credential).or_internal("reading a passkey")?;
            Ok((r, key))
        })
        .collect()
}

/// Starts a confirmation with one of the signed-in account's passkeys (only those are
/// offered to the browser).
pub async fn start_confirmation() -> Result<Challenge, AppError> {
    let (_, user) = account::require_user().await?;
    let s = service()?;
    let wa = relying_party(&s)?;
    count_ceremony().await?;
    let db = crate::request::db()?;
    let keys: Vec<Passkey> = keys_of(&db, user.id)
        .await?
        .into_iter()
        .map(|(_, k)| k)
        .collect();
    if keys.is_empty() {
        return Err(refused(t().none));
    }
    let (rcr, state) = wa.start_passkey_authentication(&keys).map_err(|e| {
        AppError::internal_while("starting a passkey confirmation", format!("{e:?}"))
    })?;
    let token = ceremony::begin(&db, Kind::Confirm, Some(user.id), &state).await?;
    Ok(Challenge {
        ceremony: token,
        options: request_options(&rcr)?,
    })
}

/// Checks a confirmation: one of the signed-in account's passkeys answered this browser's
/// ceremony, verifying the person. Answers the account. Failures count like wrong
/// passwords.
pub async fn confirm(token: &str, credential: &str) -> Result<user_account::Model, AppError> {
    let (_, user) = account::require_user().await?;
    let s = service()?;
    let wa = relying_party(&s)?;
    let accounts = account::accounts()?;
    let attempt = accounts
        .limiter
        .reserve(
            Scope::LoginClient,
            &Key::client(crate::request::client_addr()),
            accounts.settings.limits.login_failures_per_client,
        )
        .await?;
    let db = crate::request::db()?;
    let state: PasskeyAuthentication = take_own(&db, Kind::Confirm, token, user.id).await?;
    let answer: PublicKeyCredential =
        serde_json::from_str(credential).map_err(|_| refused(t().failed))?;
    let result = wa
        .finish_passkey_authentication(&answer, &state)
        .map_err(|e| {
            tracing::info!(error = ?e, "a passkey confirmation was refused");
            refused(t().failed)
        })?;
    // The state allowed only this account's keys; find the one that answered.
    let used = base64_url(result.cred_id());
    let Some((row, mut key)) = keys_of(&db, user.id)
        .await?
        .into_iter()
        .find(|(r, _)| r.credential_id == used)
    else {
        return Err(refused(t().unknown));
    };
    record_use(&db, row, &mut key, &result).await?;
    attempt.refund().await;
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_relying_party_is_the_sites_host_name_and_an_ip_address_has_none() {
        for site in [
            "http://localhost:3000",
            "https://ripen.example",
            "https://ripen.example/",
        ] {
            assert!(Passkeys::new(site).unwrap().is_some(), "{site}");
        }
        for site in ["http://127.0.0.1:3000", "http://[::1]:3000"] {
            assert!(Passkeys::new(site).unwrap().is_none(), "{site}");
        }
        assert!(Passkeys::new("not a url").is_err());
    }

    #[test]
    fn the_browser_is_asked_for_a_discoverable_verified_passkey_without_extensions() {
        let rp = Passkeys::new("https://ripen.example").unwrap().unwrap();
        let (ccr, _) = rp
            .webauthn
            .start_passkey_registration(Uuid::new_v4(), "ada", "ada", None)
            .unwrap();
        let options: serde_json::Value =
            serde_json::from_str(&creation_options(&ccr).unwrap()).unwrap();
        let pk = &options["publicKey"];
        assert_eq!(pk["authenticatorSelection"]["residentKey"], "required");
        assert_eq!(pk["authenticatorSelection"]["requireResidentKey"], true);
        assert_eq!(pk["authenticatorSelection"]["userVerification"], "required");
        assert!(pk.get("extensions").is_none());
        assert_eq!(pk["rp"]["id"], "ripen.example");
        let (rcr, _) = rp.webauthn.start_discoverable_authentication().unwrap();
        let options: serde_json::Value =
            serde_json::from_str(&request_options(&rcr).unwrap()).unwrap();
        assert!(options.get("mediation").is_none(), "the page chooses");
        assert_eq!(options["publicKey"]["userVerification"], "required");
        assert_eq!(
            options["publicKey"]["allowCredentials"],
            serde_json::json!([])
        );
    }

    #[test]
    fn names_are_trimmed_bounded_and_one_line() {
        assert_eq!(label("  Work laptop ").unwrap(), "Work laptop");
        assert!(label("   ").is_err());
        assert!(label(&"x".repeat(MAX_LABEL_CHARS)).is_ok());
        assert!(label(&"x".repeat(MAX_LABEL_CHARS + 1)).is_err());
        assert!(
            label(&"字".repeat(MAX_LABEL_CHARS)).is_ok(),
            "characters, not bytes"
        );
        assert!(label("two\nlines").is_err());
    }
}
