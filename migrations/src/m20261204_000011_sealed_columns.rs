//! Sealed letters (`app::seal`): titles, recipients' names, emails and phones, and
//! notification texts are stored sealed (`sealed:<key>:<base64>`), longer than the plain
//! limits the columns were sized for. PostgreSQL enforces those lengths, so the columns
//! become `text`; the app still checks the plain lengths before sealing. SQLite does not
//! enforce declared lengths and needs no change.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, column) of every column that holds sealed text.
const SEALED: [(&str, &str); 6] = [
    ("letter", "title"),
    ("letter_recipient", "name"),
    ("letter_recipient", "email"),
    ("letter_recipient", "phone"),
    ("notification", "title"),
    ("notification", "body"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        for (table, column) in SEALED {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .modify_column(ColumnDef::new(Alias::new(column)).text())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // Sealed values do not fit the old lengths; going back means unsealing first.
        Ok(())
    }
}
