//! The staff migration keeps what an installation had: moderators (`is_admin`) become
//! `moderator` staff, and the wall's moderation log moves into the audit log.

use migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

#[tokio::test]
async fn moderators_and_their_moderation_log_carry_over_into_staff_roles_and_the_audit_log() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let before = Migrator::migrations()
        .iter()
        .filter(|m| m.name() < "m20261204_000013_staff")
        .count();
    Migrator::up(&db, Some(u32::try_from(before).unwrap()))
        .await
        .unwrap();
    for sql in [
        "INSERT INTO user_account (id, username, username_canonical, email, email_canonical, \
         password_hash, age_confirmed_at, terms_version, terms_accepted_at, created_at, \
         updated_at, is_admin) VALUES \
         (X'00000000000000000000000000000001', 'Mod', 'mod', 'm@x.org', 'm@x.org', 'h', \
          '2026-01-01T00:00:00Z', '1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', \
          '2026-01-01T00:00:00Z', true), \
         (X'00000000000000000000000000000002', 'Ann', 'ann', 'a@x.org', 'a@x.org', 'h', \
          '2026-01-01T00:00:00Z', '1', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', \
          '2026-01-01T00:00:00Z', false)",
        "INSERT INTO letter (id, user_id, public_id, title, body, status, timezone, \
         created_ms, updated_ms) VALUES (X'000000000000000000000000000000AA', \
         X'00000000000000000000000000000002', 'wall-letter-1', 't', 'b', 'delivered', 'UTC', 1, 1)",
        "INSERT INTO letter_moderation (id, letter_id, admin_id, action, created_ms) VALUES \
         (X'000000000000000000000000000000B1', X'000000000000000000000000000000AA', \
          X'00000000000000000000000000000001', 'hide', 100), \
         (X'000000000000000000000000000000B2', X'000000000000000000000000000000AA', \
          X'00000000000000000000000000000001', 'show', 200)",
    ] {
        db.execute_unprepared(sql).await.unwrap();
    }
    Migrator::up(&db, None).await.unwrap();

    let rows = |sql: &str| {
        let db = &db;
        let sql = sql.to_owned();
        async move {
            db.query_all_raw(Statement::from_string(DbBackend::Sqlite, sql))
                .await
                .unwrap()
        }
    };
    let roles = rows("SELECT hex(user_id) AS u, role FROM staff_role").await;
    assert_eq!(roles.len(), 1, "only the moderator has a role");
    assert_eq!(
        roles[0].try_get::<String>("", "u").unwrap(),
        "00000000000000000000000000000001"
    );
    assert_eq!(roles[0].try_get::<String>("", "role").unwrap(), "moderator");
    let log = rows(
        "SELECT hex(actor_id) AS a, role, action, object_kind, object_id, at_ms \
         FROM audit_log ORDER BY at_ms",
    )
    .await;
    let log: Vec<(String, String, String, String, String, i64)> = log
        .iter()
        .map(|r| {
            (
                r.try_get("", "a").unwrap(),
                r.try_get("", "role").unwrap(),
                r.try_get("", "action").unwrap(),
                r.try_get("", "object_kind").unwrap(),
                r.try_get("", "object_id").unwrap(),
                r.try_get("", "at_ms").unwrap(),
            )
        })
        .collect();
    let one = |action: &str, at: i64| {
        (
            "00000000000000000000000000000001".to_owned(),
            "moderator".to_owned(),
            action.to_owned(),
            "letter".to_owned(),
            "wall-letter-1".to_owned(),
            at,
        )
    };
    assert_eq!(log, vec![one("wall.hide", 100), one("wall.show", 200)]);
    let manager = sea_orm_migration::SchemaManager::new(&db);
    assert!(!manager.has_table("letter_moderation").await.unwrap());
    assert!(
        !manager
            .has_column("user_account", "is_admin")
            .await
            .unwrap()
    );
}
