//! Server side of accounts: the flows behind the server functions in [`super`].

pub mod config;
pub mod entities;
pub mod hashing;
pub mod limiter;
pub mod live;
pub mod password;
pub mod security;
pub mod session;
pub mod time;
pub mod tokens;
pub mod two_step;
pub mod viewer;

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    Set,
};
use uuid::Uuid;

pub use self::config::AccountConfig;
use self::{
    entities::user_account,
    hashing::HashGate,
    limiter::{AuthLimits, Key, RateLimiter, Scope},
    live::LiveSessions,
    password::PasswordDigest,
    session::Started,
    tokens::Purpose,
};
use super::{
    RegisterInput, UserView,
    fields::{Email, LoginName, NewPassword, Phone, Username},
};
use crate::{
    AppError, FieldErrors,
    mail::{Mailer, templates},
    notifications::SecurityKind,
};

/// The version of the terms and privacy policy a new account accepts.
pub const TERMS_VERSION: &str = crate::policy::POLICY_VERSION;

/// The colour theme the visitor was shown when signing up (`system`, `light` or `dark`),
/// which the new account keeps. The server puts it into the request's extensions as it
/// decides each request's preferences (`server/src/prefs.rs`); accounts sit below the
/// preferences area and do not ask it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChosenTheme(pub &'static str);

fn chosen_theme() -> String {
    leptos::prelude::with_context::<http::request::Parts, _>(|parts| {
        parts.extensions.get::<ChosenTheme>().copied()
    })
    .flatten()
    .map_or("system", |t| t.0)
    .to_owned()
}

/// Account settings derived from the server's configuration.
#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// The configured public URL; every link in an email starts with it (never the `Host`).
    pub site_url: String,
    pub secure_cookies: bool,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    pub verify_ttl: Duration,
    pub reset_ttl: Duration,
    pub limits: AuthLimits,
}

impl AccountSettings {
    pub fn new(site_url: &str, limits: AuthLimits) -> Self {
        Self {
            site_url: site_url.trim_end_matches('/').to_owned(),
            secure_cookies: site_url.starts_with("https://"),
            session_idle: Duration::days(14),
            session_absolute: Duration::days(60),
            verify_ttl: Duration::hours(48),
            reset_ttl: Duration::minutes(60),
            limits,
        }
    }

    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.site_url)
    }
}

/// Everything the account flows need, shared by all requests.
pub struct Accounts {
    pub settings: AccountSettings,
    pub limiter: RateLimiter,
    /// How many password hashes run at once.
    pub hashing: HashGate,
    /// The open streams of each session (they end with it).
    pub live: LiveSessions,
}

impl Accounts {
    pub fn new(settings: AccountSettings, config: AccountConfig, db: DatabaseConnection) -> Self {
        password::warm_up();
        Self {
            settings,
            limiter: RateLimiter::new(db),
            hashing: HashGate::new(
                config.password_hashes_at_once,
                std::time::Duration::from_secs(config.password_hash_wait_secs),
            ),
            live: LiveSessions::new(config.streams_per_account),
        }
    }
}

/// The pieces of the request context the flows use.
struct Ctx {
    db: DatabaseConnection,
    mailer: Mailer,
    accounts: std::sync::Arc<Accounts>,
}

fn ctx() -> Result<Ctx, AppError> {
    Ok(Ctx {
        db: crate::request::db()?,
        mailer: crate::request::service()?,
        accounts: accounts()?,
    })
}

impl Ctx {
    /// Counts a sign-up against the client address's limit (the form's and a provider's
    /// alike), before any work.
    async fn reserve_signup(&self) -> Result<limiter::Reservation<'_>, AppError> {
        self.accounts
            .limiter
            .reserve(
                Scope::Signup,
                &Key::client(crate::request::client_addr()),
                self.accounts.settings.limits.signups_per_client,
            )
            .await
    }

    /// Raises a security alert about `account` (see [`security`]).
    async fn alert(
        &self,
        account: &user_account::Model,
        kind: SecurityKind,
    ) -> Result<(), AppError> {
        let keys = crate::request::service::<std::sync::Arc<crate::seal::Keyring>>()?;
        security::alerts_for_request(&self.db, &self.mailer, &keys, &self.accounts.settings)
            .raise(account, kind, true)
            .await
    }

    /// After the account's password was proven: signs in, or, where two-step verification
    /// is on, gives the browser a challenge for the code instead.
    async fn password_passed(&self, account: &user_account::Model) -> Result<SignIn, AppError> {
        if two_step::is_on(&self.db, account.id).await? {
            two_step::start_challenge(&self.db, &self.accounts.settings, account.id).await?;
            return Ok(SignIn::NeedsCode);
        }
        self.sign_in(account).await.map(SignIn::Done)
    }

    /// Emails `account`'s address a link to choose a new password (any earlier one stops
    /// working).
    async fn send_reset_link(&self, account: &user_account::Model) -> Result<(), AppError> {
        let settings = &self.accounts.settings;
        let token = tokens::issue(
            &self.db,
            account.id,
            Purpose::ResetPassword,
            None,
            settings.reset_ttl,
        )
        .await?;
        self.mailer.send_later(templates::reset_password(
            &account.username,
            &account.email,
            &settings.link(&format!("/reset-password?token={token}")),
            settings.reset_ttl.num_minutes(),
        ));
        Ok(())
    }

    /// Starts a session for `account` and raises what it found out: a reopened account, a
    /// browser the account had not been used from.
    async fn sign_in(&self, account: &user_account::Model) -> Result<Started, AppError> {
        let started = session::start(&self.db, &self.accounts, account.id).await?;
        if started.reopened {
            self.alert(account, SecurityKind::AccountRestored).await?;
        }
        if started.new_browser {
            self.alert(account, SecurityKind::NewBrowser).await?;
        }
        Ok(started)
    }
}

/// After another first factor than the password was proven (a sign-in provider's answer):
/// signs in, or asks for the two-step code, exactly as after the password.
pub async fn first_factor_passed(account: &user_account::Model) -> Result<SignIn, AppError> {
    ctx()?.password_passed(account).await
}

/// After a factor that proves both what a password and a second step would (a passkey,
/// unlocked by the person's fingerprint, face or PIN): signs in without asking for a code.
pub async fn both_factors_passed(account: &user_account::Model) -> Result<Started, AppError> {
    ctx()?.sign_in(account).await
}

/// Raises a security alert about `account` for this request (email, notice, activity).
pub async fn raise_alert(
    account: &user_account::Model,
    kind: SecurityKind,
) -> Result<(), AppError> {
    ctx()?.alert(account, kind).await
}

/// Who an account made through a sign-in provider is: the provider confirmed the address.
pub struct ProvenAccount {
    pub username: Username,
    pub email: Email,
    pub timezone: Option<String>,
}

/// Makes an account whose address a sign-in provider confirmed, with no password of its
/// own (a random one no one knows; [`user_account::Model::has_password`] is `false`), in
/// `db`'s transaction. A taken username or address is a field error; each try counts
/// against the client's sign-up limit.
pub async fn create_proven_account(
    db: &impl sea_orm::ConnectionTrait,
    account: ProvenAccount,
) -> Result<user_account::Model, AppError> {
    let c = ctx()?;
    // Counted like the password sign-up: a burst from one place is refused the same way.
    let attempt = c.reserve_signup().await?;
    let taken = |field: &'static str, message: &'static str| AppError::validation(field, message);
    let t = crate::i18n::t();
    if email_in_use(db, &account.email).await? {
        return Err(taken("email", t.sign_in.email_has_account));
    }
    if username_in_use(db, &account.username).await? {
        return Err(taken("username", t.sign_in.username_taken));
    }
    let unknown = NewPassword::parse(&session::random_token()?)?;
    let digest = match password::hash(&c.accounts.hashing, &unknown).await {
        Ok(d) => d,
        Err(e) => return Err(not_counted_if_busy(e, [attempt]).await),
    };
    let timezone = timezone_or_utc(account.timezone.as_deref());
    let now = Utc::now().fixed_offset();
    let mut row = user_account::ActiveModel::new_account(user_account::NewAccount {
        id: Uuid::new_v4(),
        username: (
            account.username.as_str().to_owned(),
            account.username.canonical(),
        ),
        email: (account.email.as_str().to_owned(), account.email.canonical()),
        phone: None,
        password_hash: digest.into_stored(),
        terms_version: TERMS_VERSION.to_owned(),
        timezone: timezone.to_owned(),
        theme: chosen_theme(),
        language: Some(crate::i18n::lang().tag().to_owned()),
        now,
    });
    row.email_verified_at = Set(Some(now));
    row.has_password = Set(false);
    row.insert(db).await.map_err(|e| {
        if e.sql_err().is_some() {
            // A sign-up at the same moment took the name or the address.
            taken("username", t.sign_in.username_taken)
        } else {
            e.into()
        }
    })
}

/// Whether an account has this address (compared canonically).
async fn email_in_use(db: &impl sea_orm::ConnectionTrait, email: &Email) -> Result<bool, AppError> {
    Ok(user_account::Entity::find()
        .filter(user_account::Column::EmailCanonical.eq(email.canonical()))
        .one(db)
        .await?
        .is_some())
}

/// Whether an account has this username (compared canonically).
async fn username_in_use(
    db: &impl sea_orm::ConnectionTrait,
    username: &Username,
) -> Result<bool, AppError> {
    Ok(user_account::Entity::find()
        .filter(user_account::Column::UsernameCanonical.eq(username.canonical()))
        .one(db)
        .await?
        .is_some())
}

/// The browser's time zone as a sign-up form sent it, if Ripen knows it; else UTC.
fn timezone_or_utc(sent: Option<&str>) -> &str {
    sent.map(str::trim)
        .filter(|tz| crate::time::is_valid_timezone(tz))
        .unwrap_or("UTC")
}

/// The account service the server provided for this request.
pub fn accounts() -> Result<std::sync::Arc<Accounts>, AppError> {
    crate::request::service()
}

/// The database and the signed-in user's id, or 401: the start of every server function
/// that works on the caller's own records.
pub async fn caller() -> Result<(DatabaseConnection, uuid::Uuid), AppError> {
    let (_, user) = require_user().await?;
    Ok((crate::request::db()?, user.id))
}

fn view(user: &user_account::Model) -> UserView {
    UserView {
        username: user.username.clone(),
        email: user.email.clone(),
        email_verified: user.email_verified_at.is_some(),
        phone: user.phone.clone(),
        provider_only: !user.has_password,
    }
}

/// Sign-up. Answers the same whether or not the email or username is taken: the address
/// gets an email that says what happened (confirm, or "you already have an account", or
/// "that username is taken").
pub async fn register(input: RegisterInput) -> Result<(), AppError> {
    let mut errors = FieldErrors::default();
    let username = errors.take(Username::parse(&input.username));
    let email = errors.take(Email::parse(&input.email));
    let phone = match input.phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(p) => errors.take(Phone::parse(p)),
    };
    let password = errors.take(new_password(&input.password));
    if !crate::request::ticked(&input.age) {
        errors.add("age", crate::i18n::t().auth.age_required);
    }
    if !crate::request::ticked(&input.consent) {
        errors.add("consent", crate::i18n::t().auth.consent_required);
    }
    let (Some(username), Some(email), Some(password), true) =
        (username, email, password, errors.is_empty())
    else {
        return Err(errors.into_error());
    };

    let timezone = timezone_or_utc(input.timezone.as_deref());

    let c = ctx()?;
    let attempt = c.reserve_signup().await?;

    // Hash first, on every path, so the answer takes the same time either way.
    let digest = match password::hash(&c.accounts.hashing, &password).await {
        Ok(d) => d,
        Err(e) => return Err(not_counted_if_busy(e, [attempt]).await),
    };
    let settings = &c.accounts.settings;

    if email_in_use(&c.db, &email).await? {
        c.mailer.send_later(templates::already_registered(
            email.as_str(),
            &settings.link("/login"),
            &settings.link("/forgot-password"),
        ));
        return Ok(());
    }
    if username_in_use(&c.db, &username).await? {
        c.mailer.send_later(templates::username_taken(
            username.as_str(),
            email.as_str(),
            &settings.link("/signup"),
        ));
        return Ok(());
    }

    let now = Utc::now().fixed_offset();
    let id = Uuid::new_v4();
    let inserted = user_account::ActiveModel::new_account(user_account::NewAccount {
        id,
        username: (username.as_str().to_owned(), username.canonical()),
        email: (email.as_str().to_owned(), email.canonical()),
        phone: phone.map(String::from),
        password_hash: digest.into_stored(),
        terms_version: TERMS_VERSION.to_owned(),
        timezone: timezone.to_owned(),
        // What the visitor chose before signing up stays.
        theme: chosen_theme(),
        language: Some(crate::i18n::lang().tag().to_owned()),
        now,
    })
    .insert(&c.db)
    .await;
    match inserted {
        Ok(_) => {}
        // A concurrent sign-up took the name or address between the checks and the insert.
        Err(e) if e.sql_err().is_some() => {
            tracing::info!("sign-up lost a race for a unique username or email");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    }
    send_verification(
        &c,
        id,
        username.as_str(),
        email.as_str(),
        Confirming::SignUp,
    )
    .await
}

/// Which address a confirmation link is for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Confirming {
    /// The address the account was signed up with.
    SignUp,
    /// A new address for an existing account (its page asks only for the password).
    Change,
}

async fn send_verification(
    c: &Ctx,
    user_id: Uuid,
    username: &str,
    address: &str,
    confirming: Confirming,
) -> Result<(), AppError> {
    let settings = &c.accounts.settings;
    let token = tokens::issue(
        &c.db,
        user_id,
        Purpose::VerifyEmail,
        Some(address.to_owned()),
        settings.verify_ttl,
    )
    .await?;
    c.mailer.send_later(templates::verify_email(
        username,
        address,
        &settings.link(&match confirming {
            Confirming::SignUp => format!("/verify-email?token={token}"),
            Confirming::Change => format!("/verify-email?for=change&token={token}"),
        }),
        settings.verify_ttl.num_hours(),
    ));
    Ok(())
}

/// The longest password the login form accepts; longer input is not hashed at all.
const MAX_LOGIN_PASSWORD: usize = 1024;

/// A check the server was too busy to run was no attempt: its reservations are given
/// back (any other error keeps them counted).
async fn not_counted_if_busy<'a>(
    e: AppError,
    reservations: impl IntoIterator<Item = limiter::Reservation<'a>>,
) -> AppError {
    if matches!(e, AppError::Busy { .. }) {
        for r in reservations {
            r.refund().await;
        }
    }
    e
}

/// Logs in by username or email. Unknown account and wrong password give the same error
/// after the same work (a dummy hash is verified for unknown accounts).
///
/// The attempt counts against the account name's and the client's limits *before* the
/// hash, so guesses sent together cannot all pass on the same count: beyond the limit they
/// are refused without any work. A correct password gives both back (and clears the
/// name's failures); a hash the server was too busy to run (503) gives both back too.
pub async fn login(identifier: &str, password: String) -> Result<SignIn, AppError> {
    let name = LoginName::parse(identifier)?;
    if password.len() > MAX_LOGIN_PASSWORD {
        return Err(AppError::validation(
            "password",
            crate::i18n::t().auth.password_too_long,
        ));
    }
    let c = ctx()?;
    let limits = c.accounts.settings.limits;
    let limiter = &c.accounts.limiter;
    let name_key = Key::name(&name.canonical());
    // The name first: a burst at one account is refused here without touching the
    // client's count, so others signing in from the same address are not locked out.
    let for_name = limiter
        .reserve(
            Scope::LoginAccount,
            &name_key,
            limits.login_failures_per_account,
        )
        .await?;
    let for_client = match limiter
        .reserve(
            Scope::LoginClient,
            &Key::client(crate::request::client_addr()),
            limits.login_failures_per_client,
        )
        .await
    {
        Ok(r) => r,
        Err(e) => {
            for_name.refund().await;
            return Err(e);
        }
    };

    let column = if name.is_email() {
        user_account::Column::EmailCanonical
    } else {
        user_account::Column::UsernameCanonical
    };
    let user = user_account::Entity::find()
        .filter(column.eq(name.canonical()))
        .one(&c.db)
        .await?;
    let stored = user
        .as_ref()
        .map(|u| PasswordDigest::from_stored(u.password_hash.clone()));
    let ok = match password::verify(&c.accounts.hashing, password, stored).await {
        Ok(ok) => ok,
        Err(e) => return Err(not_counted_if_busy(e, [for_name, for_client]).await),
    };
    let (true, Some(user)) = (ok, user) else {
        // Both reservations stay: this was a failed attempt.
        return Err(AppError::InvalidCredentials);
    };
    for_client.refund().await;
    drop(for_name);
    limiter.clear(Scope::LoginAccount, &name_key).await?;
    c.password_passed(&user).await
}

/// How a sign-in with the password ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in.
    Done(Started),
    /// The account has two-step verification: the browser holds a challenge, and a code
    /// (`login_code`) completes the sign-in.
    NeedsCode,
}

fn keyring() -> Result<std::sync::Arc<crate::seal::Keyring>, AppError> {
    crate::request::service::<std::sync::Arc<crate::seal::Keyring>>()
}

/// The second step of a sign-in: a code from the authenticator app, or a recovery code.
/// Wrong codes count against the account's limit before they are checked; a right one
/// uses up the challenge (of two requests with it, one signs in).
pub async fn login_code(code: &str) -> Result<Started, AppError> {
    let c = ctx()?;
    let t = &crate::i18n::t().security;
    let Some((challenge, user)) = two_step::challenged(&c.db, &c.accounts.settings).await? else {
        return Err(AppError::validation("code", t.login_code_expired));
    };
    let attempt = c
        .accounts
        .limiter
        .reserve(
            Scope::TwoStep,
            &Key::user(user.id),
            c.accounts.settings.limits.two_step_failures_per_account,
        )
        .await?;
    let keys = keyring()?;
    if !two_step::accept(&c.db, &keys, user.id, code).await? {
        // The reservation stays: this was a failed attempt.
        return Err(AppError::validation("code", t.two_step_wrong_code));
    }
    attempt.refund().await;
    if !two_step::end_challenge(&c.db, &c.accounts.settings, &challenge).await? {
        return Err(AppError::validation("code", t.login_code_expired));
    }
    c.sign_in(&user).await
}

/// Starts setting up two-step verification: a new secret, as text and as a QR code.
pub async fn begin_two_step() -> Result<(String, String), AppError> {
    let (_, user) = require_user().await?;
    let c = ctx()?;
    let keys = keyring()?;
    let (key, uri) = two_step::begin(&c.db, &keys, &user).await?;
    Ok((key, two_step::qr_svg(&uri)?))
}

/// Turns two-step verification on with the first code from the app; answers the
/// recovery codes, shown once.
pub async fn confirm_two_step(code: &str) -> Result<Vec<String>, AppError> {
    let (_, user) = require_user().await?;
    let c = ctx()?;
    let attempt = c
        .accounts
        .limiter
        .reserve(
            Scope::TwoStep,
            &Key::user(user.id),
            c.accounts.settings.limits.two_step_failures_per_account,
        )
        .await?;
    let keys = keyring()?;
    let codes = two_step::confirm(&c.db, &keys, user.id, code).await?;
    attempt.refund().await;
    c.alert(&user, SecurityKind::TwoStepOn).await?;
    Ok(codes)
}

/// Turns two-step verification off (the password is asked again).
pub async fn disable_two_step(current: String) -> Result<(), AppError> {
    let (_, user) = require_user().await?;
    let c = ctx()?;
    check_password(&c, &user, current, "current_password").await?;
    turn_off_two_step(&user, "current_password").await
}

/// Turns `account`'s two-step verification off and raises the alert, once its owner was
/// asked again (the password, or a passkey); an error names `field` if it was not on.
pub async fn turn_off_two_step(
    account: &user_account::Model,
    field: &'static str,
) -> Result<(), AppError> {
    let c = ctx()?;
    if !two_step::disable(&c.db, account.id).await? {
        return Err(AppError::validation(
            field,
            crate::i18n::t().security.two_step_not_on,
        ));
    }
    c.alert(account, SecurityKind::TwoStepOff).await
}

pub async fn logout() -> Result<(), AppError> {
    let c = ctx()?;
    session::end_current(&c.db, &c.accounts).await
}

/// The signed-in user, or `None`.
pub async fn current_user() -> Result<Option<user_account::Model>, AppError> {
    let c = ctx()?;
    Ok(session::current(&c.db, &c.accounts.settings)
        .await?
        .map(|(_, user)| user))
}

pub async fn current_view() -> Result<Option<UserView>, AppError> {
    Ok(current_user().await?.as_ref().map(view))
}

/// The signed-in user and their session, or `Unauthorized`.
pub async fn require_user() -> Result<(entities::auth_session::Model, user_account::Model), AppError>
{
    let c = ctx()?;
    session::current(&c.db, &c.accounts.settings)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// How the person confirming an address shows that the account is theirs. Holding the
/// link proves the address, not the password: anyone can sign up with someone else's
/// address and a password of their own, and wait for its owner to confirm it.
pub enum Proof {
    /// The account's password.
    Password(String),
    /// A new password that replaces the one set at sign-up: for the owner of an address
    /// someone else signed up with (or who forgot the password). Only when confirming the
    /// address the account was created with, before it was ever confirmed.
    NewPassword(NewPassword),
}

impl Proof {
    /// From the confirmation page's two forms: `new_password` if given, else `password`.
    pub fn parse(password: Option<&str>, new_password: Option<&str>) -> Result<Self, AppError> {
        match (password, new_password.filter(|p| !p.is_empty())) {
            (_, Some(raw)) => new_password_field(raw, NEW_PASSWORD_FIELD).map(Self::NewPassword),
            (Some(given), None) if !given.is_empty() => {
                if given.len() > MAX_LOGIN_PASSWORD {
                    return Err(AppError::validation(
                        "password",
                        crate::i18n::t().auth.password_too_long,
                    ));
                }
                Ok(Self::Password(given.to_owned()))
            }
            _ => Err(AppError::validation(
                "password",
                crate::i18n::t().auth.verify_password_required,
            )),
        }
    }
}

/// The confirmation page's field for a new password.
pub const NEW_PASSWORD_FIELD: &str = "new_password";

/// Confirms an email address from its link, once the person shows the account is theirs
/// ([`Proof`]). Then every other session of the account ends, every other link it was
/// sent stops working, and the person is signed in with a fresh session. So someone who
/// signed up with another person's address keeps nothing: not their session, not their
/// password (if the owner chose a new one), not a pending address change.
pub async fn verify_email(token: &str, proof: Proof) -> Result<SignIn, AppError> {
    let c = ctx()?;
    let Some((t, user)) = tokens::find(&c.db, token, Purpose::VerifyEmail).await? else {
        return Err(invalid_link());
    };
    // An email change: the new address becomes the account's once it is confirmed.
    let change = match t.email.as_deref().filter(|a| *a != user.email) {
        Some(address) => {
            let new = Email::parse(address)?;
            if email_taken_by_other(&c.db, &new, user.id).await? {
                return Err(AppError::validation(
                    "email",
                    crate::i18n::t().auth.email_taken_now,
                ));
            }
            Some(new)
        }
        None => None,
    };
    let new_digest = match proof {
        Proof::Password(given) => {
            check_password(&c, &user, given, "password").await?;
            None
        }
        Proof::NewPassword(_) if change.is_some() || user.email_verified_at.is_some() => {
            return Err(AppError::validation(
                NEW_PASSWORD_FIELD,
                crate::i18n::t().auth.verify_new_password_not_here,
            ));
        }
        Proof::NewPassword(password) => Some(password::hash(&c.accounts.hashing, &password).await?),
    };
    // Single use: of two confirmations at once, one wins.
    if tokens::consume(&c.db, token, Purpose::VerifyEmail)
        .await?
        .is_none()
    {
        return Err(invalid_link());
    }
    let now = Utc::now().fixed_offset();
    let mut active = user.clone().into_active_model();
    if let Some(new) = change {
        active.email = Set(new.as_str().to_owned());
        active.email_canonical = Set(new.canonical());
    }
    if let Some(digest) = new_digest {
        active.password_hash = Set(digest.into_stored());
    }
    active.email_verified_at = Set(Some(now));
    active.updated_at = Set(now);
    let updated = active.update(&c.db).await?;
    tokens::void_all(&c.db, user.id).await?;
    session::end_all(&c.db, &c.accounts, user.id, None).await?;
    if updated.email != user.email {
        // The new address is told like any change; the old one is told too, with a way
        // to take the account back if the change was not its owner's.
        c.alert(&updated, SecurityKind::EmailChanged).await?;
        let settings = &c.accounts.settings;
        let report = tokens::issue(
            &c.db,
            user.id,
            Purpose::ReportEmailChange,
            Some(user.email.clone()),
            Duration::days(REPORT_DAYS),
        )
        .await?;
        c.mailer.send_later(templates::email_changed_old_address(
            updated.lang(),
            &user.username,
            &user.email,
            &updated.email,
            &settings.link(&format!("/account/not-me?token={report}")),
        ));
    }
    // The address is confirmed; signing in still takes the second step where it is on.
    c.password_passed(&updated).await
}

/// How long the link sent to an account's old address can take the account back.
pub const REPORT_DAYS: i64 = 7;

/// Takes an account back from an address change its owner did not make (the link sent to
/// the old address): the old address is the account's again, confirmed; the password is
/// replaced by a random one no one knows; every session ends and every other link stops
/// working; and a link to choose a new password goes to the old address.
pub async fn report_email_change(token: &str) -> Result<(), AppError> {
    let c = ctx()?;
    let Some((t, user)) = tokens::find(&c.db, token, Purpose::ReportEmailChange).await? else {
        return Err(invalid_link());
    };
    let old = Email::parse(t.email.as_deref().unwrap_or_default())?;
    if email_taken_by_other(&c.db, &old, user.id).await? {
        return Err(AppError::validation(
            "token",
            crate::i18n::t().auth.email_taken_now,
        ));
    }
    let scrambled = NewPassword::parse(&session::random_token()?)?;
    let digest = password::hash(&c.accounts.hashing, &scrambled).await?;
    if tokens::consume(&c.db, token, Purpose::ReportEmailChange)
        .await?
        .is_none()
    {
        return Err(invalid_link());
    }
    let now = Utc::now().fixed_offset();
    let mut active = user.clone().into_active_model();
    active.email = Set(old.as_str().to_owned());
    active.email_canonical = Set(old.canonical());
    active.email_verified_at = Set(Some(now));
    active.password_hash = Set(digest.into_stored());
    active.updated_at = Set(now);
    let user = active.update(&c.db).await?;
    tokens::void_all(&c.db, user.id).await?;
    session::end_all(&c.db, &c.accounts, user.id, None).await?;
    c.alert(&user, SecurityKind::EmailChanged).await?;
    c.send_reset_link(&user).await?;
    tracing::info!(user = %user.id, "address change reported and undone");
    Ok(())
}

/// Uses up a link token and returns it with its account, or the "invalid link" error.
async fn redeem(
    c: &Ctx,
    token: &str,
    purpose: Purpose,
) -> Result<(entities::account_token::Model, user_account::Model), AppError> {
    let Some(t) = tokens::consume(&c.db, token, purpose).await? else {
        return Err(invalid_link());
    };
    let user = user_account::Entity::find_by_id(t.user_id)
        .one(&c.db)
        .await?
        .ok_or_else(invalid_link)?;
    Ok((t, user))
}

/// Whether another account than `user_id` already uses this address.
async fn email_taken_by_other(
    db: &DatabaseConnection,
    email: &Email,
    user_id: Uuid,
) -> Result<bool, AppError> {
    Ok(user_account::Entity::find()
        .filter(user_account::Column::EmailCanonical.eq(email.canonical()))
        .filter(user_account::Column::Id.ne(user_id))
        .one(db)
        .await?
        .is_some())
}

/// A new password that passes the length rules and is not a common one.
fn new_password(raw: &str) -> Result<NewPassword, AppError> {
    new_password_field(raw, NewPassword::FIELD)
}

/// [`new_password`] for a form whose field is named `field`.
fn new_password_field(raw: &str, field: &str) -> Result<NewPassword, AppError> {
    NewPassword::parse(raw)
        .and_then(|p| password::reject_common(&p).map(|()| p))
        .map_err(|e| match e {
            AppError::Validation { mut fields } => {
                for f in &mut fields {
                    f.field = field.to_owned();
                }
                AppError::Validation { fields }
            }
            other => other,
        })
}

fn invalid_link() -> AppError {
    AppError::validation("token", crate::i18n::t().auth.link_invalid)
}

/// Sends a reset link if the address has an account; answers the same either way.
pub async fn request_password_reset(email: &str) -> Result<(), AppError> {
    let email = Email::parse(email)?;
    let c = ctx()?;
    let limits = c.accounts.settings.limits;
    let limiter = &c.accounts.limiter;
    limiter
        .take(
            Scope::ResetClient,
            &Key::client(crate::request::client_addr()),
            limits.reset_requests_per_client,
        )
        .await?;
    limiter
        .take(
            Scope::ResetEmail,
            &Key::name(&email.canonical()),
            limits.reset_requests_per_email,
        )
        .await?;
    let user = user_account::Entity::find()
        .filter(user_account::Column::EmailCanonical.eq(email.canonical()))
        .one(&c.db)
        .await?;
    if let Some(user) = user {
        c.send_reset_link(&user).await?;
    }
    Ok(())
}

/// Sets a new password from a reset link. Every session of the account ends; the user is
/// not signed in (they log in with the new password).
pub async fn reset_password(token: &str, raw_password: &str) -> Result<(), AppError> {
    let password = new_password(raw_password)?;
    let c = ctx()?;
    let (_, user) = redeem(&c, token, Purpose::ResetPassword).await?;
    let digest = password::hash(&c.accounts.hashing, &password).await?;
    let now = Utc::now().fixed_offset();
    let verified = user.email_verified_at.unwrap_or(now);
    let mut active = user.into_active_model();
    active.password_hash = Set(digest.into_stored());
    active.has_password = Set(true);
    // The link reached this address: that proves it as well as a verification link would.
    active.email_verified_at = Set(Some(verified));
    active.updated_at = Set(now);
    let user = active.update(&c.db).await?;
    session::end_all(&c.db, &c.accounts, user.id, None).await?;
    c.alert(&user, SecurityKind::PasswordChanged).await?;
    c.accounts
        .limiter
        .clear(Scope::LoginAccount, &Key::name(&user.username_canonical))
        .await?;
    c.accounts
        .limiter
        .clear(Scope::LoginAccount, &Key::name(&user.email_canonical))
        .await?;
    Ok(())
}

/// Checks the signed-in user's password again before a grave action (closing the
/// account); failures count towards the same limit as logins.
pub(crate) async fn verify_current_password(
    user: &user_account::Model,
    given: String,
) -> Result<(), AppError> {
    check_password(&ctx()?, user, given, "current_password").await
}

/// Checks the account's password given in the form's `field`. Each check counts against
/// the account's login limit before the hash, and is given back when it was right.
async fn check_password(
    c: &Ctx,
    user: &user_account::Model,
    given: String,
    field: &str,
) -> Result<(), AppError> {
    let limits = c.accounts.settings.limits;
    let attempt = c
        .accounts
        .limiter
        .reserve(
            Scope::LoginAccount,
            &Key::user(user.id),
            limits.login_failures_per_account,
        )
        .await?;
    let stored = PasswordDigest::from_stored(user.password_hash.clone());
    let right = match password::verify(&c.accounts.hashing, given, Some(stored)).await {
        Ok(right) => right,
        Err(e) => return Err(not_counted_if_busy(e, [attempt]).await),
    };
    if right {
        attempt.refund().await;
        Ok(())
    } else {
        Err(AppError::validation(
            field,
            crate::i18n::t().auth.wrong_current_password,
        ))
    }
}

/// Changes the password (the current one is required) and ends every other session.
pub async fn change_password(current: String, raw_password: &str) -> Result<(), AppError> {
    let (session, user) = require_user().await?;
    let password = new_password(raw_password)?;
    let c = ctx()?;
    check_password(&c, &user, current, "current_password").await?;
    let digest = password::hash(&c.accounts.hashing, &password).await?;
    let mut active = user.clone().into_active_model();
    active.password_hash = Set(digest.into_stored());
    active.updated_at = Set(Utc::now().fixed_offset());
    active.update(&c.db).await?;
    session::end_all(&c.db, &c.accounts, user.id, Some(&session.id_hash)).await?;
    c.alert(&user, SecurityKind::PasswordChanged).await
}

/// Starts an email change: the new address gets a confirmation link and becomes the
/// account's address only once it is confirmed. Answers the same if the address is taken.
pub async fn change_email(new_email: &str, current: String) -> Result<(), AppError> {
    let (_, user) = require_user().await?;
    let email = Email::parse(new_email)?;
    let c = ctx()?;
    check_password(&c, &user, current, "current_password").await?;
    let settings = &c.accounts.settings;
    if email_taken_by_other(&c.db, &email, user.id).await? {
        c.mailer.send_later(templates::already_registered(
            email.as_str(),
            &settings.link("/login"),
            &settings.link("/forgot-password"),
        ));
        return Ok(());
    }
    send_verification(
        &c,
        user.id,
        &user.username,
        email.as_str(),
        Confirming::Change,
    )
    .await
}

/// Sends a new confirmation link to the account's current address.
pub async fn resend_verification() -> Result<(), AppError> {
    let (_, user) = require_user().await?;
    if user.email_verified_at.is_some() {
        return Ok(());
    }
    let c = ctx()?;
    let limits = c.accounts.settings.limits;
    c.accounts
        .limiter
        .take(
            Scope::Resend,
            &Key::user(user.id),
            limits.verification_resends_per_account,
        )
        .await?;
    send_verification(&c, user.id, &user.username, &user.email, Confirming::SignUp).await
}

/// Changes the username and phone number.
pub async fn update_profile(username: &str, phone: Option<&str>) -> Result<UserView, AppError> {
    let (_, user) = require_user().await?;
    let mut errors = FieldErrors::default();
    let username = errors.take(Username::parse(username));
    let phone = match phone.map(str::trim) {
        None | Some("") => Some(None),
        Some(p) => errors.take(Phone::parse(p)).map(Some),
    };
    let (Some(username), Some(phone)) = (username, phone) else {
        return Err(errors.into_error());
    };
    let c = ctx()?;
    if username.canonical() != user.username_canonical {
        let taken = user_account::Entity::find()
            .filter(user_account::Column::UsernameCanonical.eq(username.canonical()))
            .one(&c.db)
            .await?
            .is_some();
        if taken {
            return Err(AppError::validation(
                Username::FIELD,
                crate::i18n::t().auth.username_taken,
            ));
        }
    }
    let mut active = user.into_active_model();
    active.username = Set(username.as_str().to_owned());
    active.username_canonical = Set(username.canonical());
    active.phone = Set(phone.map(String::from));
    active.updated_at = Set(Utc::now().fixed_offset());
    let user = active.update(&c.db).await.map_err(|e| {
        if e.sql_err().is_some() {
            AppError::validation(Username::FIELD, crate::i18n::t().auth.username_taken)
        } else {
            e.into()
        }
    })?;
    Ok(view(&user))
}

/// Makes the account's row the lock for the rest of `txn`: a second transaction that does
/// the same waits here until `txn` ends. Checks that must hold across requests (a letter's
/// picture count, the storage quota, recipients per day) count and write after this, so
/// two requests at once cannot both pass on the same count (a data export started once). PostgreSQL locks the row
/// (`FOR NO KEY UPDATE`, which still lets other transactions insert rows that refer to
/// it); SQLite has no row locks, so a write that changes nothing takes its one write lock
/// now rather than at the transaction's first real write. Call it first in `txn`: on
/// SQLite a transaction that has read before it asks to write cannot wait for the lock.
pub async fn lock_account(txn: &sea_orm::DatabaseTransaction, user: Uuid) -> Result<(), AppError> {
    use sea_orm::{
        ConnectionTrait, QuerySelect,
        sea_query::{Expr, LockType},
    };
    let found = match txn.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            user_account::Entity::update_many()
                .col_expr(
                    user_account::Column::CreatedAt,
                    Expr::col(user_account::Column::CreatedAt),
                )
                .filter(user_account::Column::Id.eq(user))
                .exec(txn)
                .await?
                .rows_affected
                > 0
        }
        _ => user_account::Entity::find_by_id(user)
            .select_only()
            .column(user_account::Column::Id)
            .lock(LockType::NoKeyUpdate)
            .into_tuple::<Uuid>()
            .one(txn)
            .await?
            .is_some(),
    };
    if found {
        Ok(())
    } else {
        Err(AppError::Unauthorized)
    }
}
