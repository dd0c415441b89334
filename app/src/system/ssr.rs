//! Server side of the status area: the `system_setting` table and its queries.

use std::sync::Arc;

use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, Set, Statement};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::StatusDetails;

/// The secret that shows `/status`'s details (`status_token` in the server's
/// configuration). Without one, nobody sees them.
#[derive(Clone, Default)]
pub struct StatusToken(Option<Arc<SecretString>>);

impl StatusToken {
    pub fn new(token: Option<SecretString>) -> Self {
        Self(token.map(Arc::new))
    }

    /// Whether `headers` carry `Authorization: Bearer <the token>`. Compared in constant
    /// time (as SHA-256 digests, so not even the length shows).
    pub fn admits(&self, headers: &http::HeaderMap) -> bool {
        let Some(token) = &self.0 else {
            return false;
        };
        let Some(given) = headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim())
        else {
            return false;
        };
        let expected = Sha256::digest(token.expose_secret().as_bytes());
        let given = Sha256::digest(given.as_bytes());
        bool::from(expected.ct_eq(&given))
    }
}

impl std::fmt::Debug for StatusToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "StatusToken(set)"
        } else {
            "StatusToken(none)"
        })
    }
}

pub mod system_setting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "system_setting")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        #[sea_orm(column_type = "Text")]
        pub value: String,
        pub updated_at: DateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

const INSTALLED_AT: &str = "installed_at";

/// The value of the setting `key`, if it is set.
pub async fn setting(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(system_setting::Entity::find_by_id(key)
        .one(db)
        .await?
        .map(|s| s.value))
}

/// Sets (or replaces) the setting `key`.
pub async fn set_setting(db: &impl ConnectionTrait, key: &str, value: &str) -> Result<(), DbErr> {
    let row = system_setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(Utc::now().fixed_offset()),
    };
    system_setting::Entity::insert(row)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(system_setting::Column::Key)
                .update_columns([
                    system_setting::Column::Value,
                    system_setting::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec(db)
        .await
        .map(|_| ())
}

/// Sets `key` unless it is set already.
pub async fn insert_setting_if_absent(
    db: &impl ConnectionTrait,
    key: &str,
    value: &str,
) -> Result<(), DbErr> {
    let row = system_setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(Utc::now().fixed_offset()),
    };
    system_setting::Entity::insert(row)
        .on_conflict_do_nothing_on([system_setting::Column::Key])
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Removes the setting `key` (nothing happens if it is not set).
pub async fn remove_setting(db: &impl ConnectionTrait, key: &str) -> Result<(), DbErr> {
    system_setting::Entity::delete_by_id(key)
        .exec(db)
        .await
        .map(|_| ())
}

/// Records the first start of this installation; later starts leave it alone.
pub async fn record_first_start(db: &DatabaseConnection) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = system_setting::ActiveModel {
        key: Set(INSTALLED_AT.to_owned()),
        value: Set(now.to_rfc3339()),
        updated_at: Set(now.fixed_offset()),
    };
    system_setting::Entity::insert(row)
        .on_conflict_do_nothing_on([system_setting::Column::Key])
        .exec(db)
        .await
        .map(|_| ())
}

/// What only the operator sees at `/status`.
pub async fn details(db: &DatabaseConnection) -> Result<StatusDetails, DbErr> {
    let backend = db.get_database_backend();
    let schema_version = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT version FROM seaql_migrations ORDER BY version DESC LIMIT 1",
        ))
        .await?
        .map(|row| row.try_get::<String>("", "version"))
        .transpose()?
        .unwrap_or_default();
    let installed_at = system_setting::Entity::find_by_id(INSTALLED_AT)
        .one(db)
        .await?
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(&s.value).ok())
        .map(|t| t.with_timezone(&Utc));
    Ok(StatusDetails {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        database: match backend {
            DbBackend::Postgres => "PostgreSQL",
            DbBackend::Sqlite => "SQLite",
            _ => "other",
        }
        .to_owned(),
        schema_version,
        installed_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_str(value).unwrap(),
        );
        h
    }

    #[test]
    fn only_the_exact_token_is_admitted() {
        let token = StatusToken::new(Some(SecretString::from("0123456789abcdef")));
        assert!(token.admits(&bearer("Bearer 0123456789abcdef")));
        assert!(token.admits(&bearer("bearer 0123456789abcdef")));
        for wrong in [
            "Bearer 0123456789abcde",
            "Bearer 0123456789abcdefg",
            "Basic 0123456789abcdef",
            "0123456789abcdef",
            "Bearer ",
        ] {
            assert!(!token.admits(&bearer(wrong)), "{wrong}");
        }
        assert!(!token.admits(&http::HeaderMap::new()));
        let none = StatusToken::default();
        assert!(!none.admits(&bearer("Bearer ")));
        assert!(!format!("{token:?}").contains("0123"));
    }
}
