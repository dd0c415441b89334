//! The account's part of the archive: profile, settings, privacy choices, devices and
//! security activity.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use uuid::Uuid;

use super::archive::{Archive, at, export_row, stamp, stamp_opt};
use crate::{
    AppError,
    account::ssr::entities::{auth_session, consent_record, security_event, user_account},
    focus::entities::focus_timer,
    identity::ssr::entities::{auth_identity, passkey},
};

export_row! {
    /// A privacy choice (`consent`).
    Consent {
        at: Value,
        policy_version: String,
        language_and_theme: bool,
        usage_statistics: bool,
        improve_features: bool,
        made_in: String,
        browser_id: String,
    }
}

export_row! {
    /// A browser signed in to the account (`devices`).
    Device {
        browser: String,
        user_agent: Option<String>,
        ip_address: Option<String>,
        signed_in_at: Value,
        last_used_at: Value,
        ends_at: Value,
    }
}

export_row! {
    /// A sign-in from a new browser, or a change to how the account is signed in to
    /// (`security_activity`).
    SecurityEvent {
        at: Value,
        event: String,
        browser: Option<String>,
        network: Option<String>,
    }
}

export_row! {
    /// A service linked to sign in with (`sign_in_services`): what Ripen keeps of it.
    SignInService {
        provider: String,
        issuer: String,
        subject: String,
        linked_at: Value,
        last_used_at: Option<Value>,
    }
}

export_row! {
    /// A passkey (`passkeys`): its name, its credential id, and when it was added and last
    /// used (its public key is in the archive's JSON only as Ripen keeps it: no secret).
    PasskeyRow {
        name: String,
        credential_id: String,
        added_at: Value,
        last_used_at: Option<Value>,
    }
}

/// Writes `profile.json`, `settings.json`, `consent`, `devices`, `security_activity`,
/// `sign_in_services` and `passkeys`.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    profile(db, user, zip).await?;
    choices_and_devices(db, user, zip).await
}

/// `profile.json` and `settings.json`.
async fn profile(db: &DatabaseConnection, user: Uuid, zip: &mut Archive) -> Result<(), AppError> {
    let account = user_account::Entity::find_by_id(user)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    zip.json(
        "profile.json",
        &json!({
            "username": account.username,
            "email": account.email,
            "email_confirmed_at": stamp_opt(account.email_verified_at),
            "phone": account.phone,
            "time_zone": account.timezone,
            "day_starts_at": format!("{:02}:{:02}", account.day_boundary_min / 60, account.day_boundary_min % 60),
            "created_at": stamp(account.created_at),
            "updated_at": stamp(account.updated_at),
            "age_confirmed_at": stamp(account.age_confirmed_at),
            "terms_version_accepted": account.terms_version,
            "terms_accepted_at": stamp(account.terms_accepted_at),
        }),
    )?;
    let timer = focus_timer::Entity::find_by_id(user).one(db).await?;
    zip.json(
        "settings.json",
        &json!({
            "focus_timer": timer.map(|t| json!({
                "focus_minutes": t.focus_min,
                "short_break_minutes": t.short_break_min,
                "long_break_minutes": t.long_break_min,
                "long_break_every": t.long_break_every,
                "auto_start_breaks": t.auto_start_breaks,
                "auto_start_focus": t.auto_start_focus,
                "sound": t.sound,
                "volume": t.volume,
                "notifications": t.notify,
                "daily_goal": t.daily_goal,
            })),
        }),
    )
}

/// The `consent` and `devices` tables.
async fn choices_and_devices(
    db: &DatabaseConnection,
    user: Uuid,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let consent: Vec<Consent> = consent_record::Entity::find()
        .filter(consent_record::Column::UserId.eq(user))
        .order_by_asc(consent_record::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|c| Consent {
            at: at(c.created_ms),
            policy_version: c.policy_version,
            language_and_theme: c.functional,
            usage_statistics: c.statistics,
            improve_features: c.improvement,
            made_in: c.source,
            browser_id: c.anon_id,
        })
        .collect();
    zip.table("consent", &consent)?;
    let devices: Vec<Device> = auth_session::Entity::find()
        .filter(auth_session::Column::UserId.eq(user))
        .order_by_asc(auth_session::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| Device {
            browser: crate::privacy::device_summary(s.user_agent.as_deref()),
            user_agent: s.user_agent,
            ip_address: s.ip,
            signed_in_at: stamp(s.created_at),
            last_used_at: stamp(s.last_seen_at),
            ends_at: stamp(s.expires_at),
        })
        .collect();
    zip.table("devices", &devices)?;
    let events: Vec<SecurityEvent> = security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(user))
        .order_by_asc(security_event::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|e| SecurityEvent {
            at: at(e.created_ms),
            event: e.kind,
            browser: e.browser,
            network: e.network,
        })
        .collect();
    zip.table("security_activity", &events)?;
    let services: Vec<SignInService> = auth_identity::Entity::find()
        .filter(auth_identity::Column::UserId.eq(user))
        .order_by_asc(auth_identity::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|i| SignInService {
            provider: i.provider,
            issuer: i.issuer,
            subject: i.subject,
            linked_at: at(i.created_ms),
            last_used_at: i.last_used_ms.map(at),
        })
        .collect();
    zip.table("sign_in_services", &services)?;
    let passkeys: Vec<PasskeyRow> = passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user))
        .order_by_asc(passkey::Column::CreatedMs)
        .all(db)
        .await?
        .into_iter()
        .map(|p| PasskeyRow {
            name: p.label,
            credential_id: p.credential_id,
            added_at: at(p.created_ms),
            last_used_at: p.last_used_ms.map(at),
        })
        .collect();
    zip.table("passkeys", &passkeys)
}
