//! Security activity and alerts. When someone signs in from a browser the account has not
//! been used from, or changes how the account is signed in to (its password, its address),
//! or closes or reopens it, Ripen records it for a year (the settings' "Security activity"),
//! leaves an in-app notice and emails the account's address, in its language — so an
//! intruder cannot act unseen.
//!
//! A browser is known by a random cookie of its own (`ripen_browser`, 400 days, `HttpOnly`),
//! of which the database keeps only the SHA-256 per account. The first browser of an
//! account is not "new" (there is no one else to warn about); nor is any browser of an
//! account from before this existed, until it has one known browser.

use std::net::IpAddr;

use chrono::Utc;
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::OnConflict,
};
use uuid::Uuid;

use super::{
    AccountSettings,
    entities::{known_browser, security_event, user_account},
    session::{append_cookie, cookie_value, digest, random_token},
};
use crate::{
    AppError,
    account::SecurityEventView,
    clock::now_ms,
    mail::{Mailer, templates},
    notifications::{Notice, SecurityKind},
    seal::Keyring,
};

/// The browser cookie over plain http, and over https (`__Host-`: Secure, Path=/, no Domain).
pub const BROWSER_COOKIE: &str = "ripen_browser";
pub const SECURE_BROWSER_COOKIE: &str = "__Host-ripen_browser";
/// The longest lifetime browsers grant a cookie.
const BROWSER_COOKIE_SECS: i64 = 400 * 24 * 3600;
/// How long the activity list keeps an event.
pub const KEPT_DAYS: i64 = 365;

/// The network an address belongs to, as much as the person may want to recognise and no
/// more: the /24 of an IPv4 address, the /48 of an IPv6 one.
pub fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            format!("{a}.{b}.{c}.0/24")
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => network_of(IpAddr::V4(v4)),
            None => {
                let s = v6.segments();
                let prefix = std::net::Ipv6Addr::new(s[0], s[1], s[2], 0, 0, 0, 0, 0);
                format!("{prefix}/48")
            }
        },
    }
}

fn request_browser() -> Option<String> {
    let parts = leptos::prelude::use_context::<http::request::Parts>()?;
    let ua = parts.headers.get(http::header::USER_AGENT)?.to_str().ok()?;
    Some(
        crate::account::agent::browser_family(ua)
            .unwrap_or("Other")
            .to_owned(),
    )
}

fn request_network() -> Option<String> {
    crate::request::client_addr().map(network_of)
}

/// Whether this browser is new to the account (see the module's notes), remembering it
/// either way and giving it its cookie if it had none.
pub async fn is_new_browser(
    db: &DatabaseConnection,
    settings: &AccountSettings,
    user: Uuid,
) -> Result<bool, AppError> {
    let name = if settings.secure_cookies {
        SECURE_BROWSER_COOKIE
    } else {
        BROWSER_COOKIE
    };
    let presented = leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|p| cookie_value(&p.headers, name))
        .filter(|v| v.len() <= 64);
    let token = match presented {
        Some(t) => t,
        None => {
            let t = random_token()?;
            append_cookie(settings, name, &t, BROWSER_COOKIE_SECS);
            t
        }
    };
    let hashed = digest(&token);
    let now = now_ms();
    let known_before = known_browser::Entity::find()
        .filter(known_browser::Column::UserId.eq(user))
        .count(db)
        .await?;
    let inserted = known_browser::Entity::insert(known_browser::ActiveModel {
        user_id: Set(user),
        digest: Set(hashed.clone()),
        first_ms: Set(now),
        last_ms: Set(now),
    })
    .on_conflict(
        OnConflict::columns([known_browser::Column::UserId, known_browser::Column::Digest])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted == 0 {
        known_browser::Entity::update_many()
            .col_expr(known_browser::Column::LastMs, now.into())
            .filter(known_browser::Column::UserId.eq(user))
            .filter(known_browser::Column::Digest.eq(hashed))
            .exec(db)
            .await?;
    }
    Ok(inserted > 0 && known_before > 0)
}

/// Where an alert goes and what it needs: the services of the request (or of the
/// background work) that raised it.
pub struct Alerts<'a> {
    pub db: &'a DatabaseConnection,
    pub mailer: &'a Mailer,
    pub keys: &'a Keyring,
    pub site_url: &'a str,
}

impl Alerts<'_> {
    /// Records `kind` for `account`, leaves its notice and emails it to the account's
    /// address (`email: false` when the caller sends its own email about it, as closing an
    /// account does). The browser and network are the current request's.
    pub async fn raise(
        &self,
        account: &user_account::Model,
        kind: SecurityKind,
        email: bool,
    ) -> Result<(), AppError> {
        let browser = request_browser();
        let network = request_network();
        security_event::Entity::insert(security_event::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(account.id),
            kind: Set(kind.as_str().to_owned()),
            created_ms: Set(now_ms()),
            browser: Set(browser.clone()),
            network: Set(network.clone()),
        })
        .exec_without_returning(self.db)
        .await?;
        let notice = Notice::SecurityAlert {
            event: kind,
            browser,
            network,
        };
        crate::notifications::ssr::notify(self.db, self.keys, account.id, &notice).await?;
        if email {
            let lang = account.lang();
            let shown = notice.render(lang);
            let link = format!("{}/account#security-h", self.site_url);
            self.mailer.send_later(templates::security_alert(
                lang,
                &templates::SecurityAlert {
                    username: &account.username,
                    to: &account.email,
                    title: &shown.title,
                    body: &shown.body,
                    link: &link,
                },
            ));
        }
        tracing::info!(user = %account.id, kind = kind.as_str(), "security event");
        Ok(())
    }
}

/// The request's alert services.
pub fn alerts_for_request<'a>(
    db: &'a DatabaseConnection,
    mailer: &'a Mailer,
    keys: &'a Keyring,
    settings: &'a AccountSettings,
) -> Alerts<'a> {
    Alerts {
        db,
        mailer,
        keys,
        site_url: &settings.site_url,
    }
}

/// The account's security activity of the last year, newest first.
pub async fn activity(
    db: &DatabaseConnection,
    user: Uuid,
    timezone: &str,
) -> Result<Vec<SecurityEventView>, AppError> {
    let since = Utc::now().timestamp_millis() - KEPT_DAYS * 24 * 3600 * 1000;
    Ok(security_event::Entity::find()
        .filter(security_event::Column::UserId.eq(user))
        .filter(security_event::Column::CreatedMs.gte(since))
        .order_by_desc(security_event::Column::CreatedMs)
        .limit(200)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|e| {
            Some(SecurityEventView {
                kind: SecurityKind::parse(&e.kind)?,
                at_ms: e.created_ms,
                when: chrono::DateTime::from_timestamp_millis(e.created_ms)
                    .map(|at| crate::format::instant_in(at.fixed_offset(), timezone))
                    .unwrap_or_default(),
                browser: e.browser,
                network: e.network,
            })
        })
        .collect())
}

/// Deletes events older than a year and browsers unused for as long (the retention job).
pub async fn purge(db: &DatabaseConnection, now_ms: i64) -> Result<u64, AppError> {
    let before = now_ms - KEPT_DAYS * 24 * 3600 * 1000;
    let events = security_event::Entity::delete_many()
        .filter(security_event::Column::CreatedMs.lt(before))
        .exec(db)
        .await?
        .rows_affected;
    let browsers = known_browser::Entity::delete_many()
        .filter(known_browser::Column::LastMs.lt(before))
        .exec(db)
        .await?
        .rows_affected;
    Ok(events + browsers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_keep_only_the_prefix() {
        assert_eq!(
            network_of("203.0.113.77".parse().unwrap()),
            "203.0.113.0/24"
        );
        assert_eq!(
            network_of("2001:db8:abcd:12:1::7".parse().unwrap()),
            "2001:db8:abcd::/48"
        );
        assert_eq!(
            network_of("::ffff:198.51.100.9".parse().unwrap()),
            "198.51.100.0/24"
        );
    }
}
