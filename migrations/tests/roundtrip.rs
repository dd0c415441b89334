//! Every migration applies and reverts cleanly (on an in-memory SQLite database; the server's
//! integration suite applies them to PostgreSQL too).

use migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[tokio::test]
async fn migrations_apply_revert_and_reapply() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(&db)
            .await
            .unwrap()
            .is_empty()
    );
    let applied = Migrator::get_applied_migrations(&db).await.unwrap().len();
    assert_eq!(applied, Migrator::migrations().len());

    Migrator::down(&db, None).await.unwrap();
    assert_eq!(
        Migrator::get_applied_migrations(&db).await.unwrap().len(),
        0
    );
    let manager = sea_orm_migration::SchemaManager::new(&db);
    assert!(!manager.has_table("system_setting").await.unwrap());

    Migrator::up(&db, None).await.unwrap();
    assert!(manager.has_table("system_setting").await.unwrap());
}
