//! Appearance and language preferences of an account: `theme` (`system`, `light` or
//! `dark`) and `language` (a BCP 47 tag Ripen speaks, or NULL to follow the browser).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(string_len(UserAccount::Theme, 8).default("system"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(string_len_null(UserAccount::Language, 16))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [UserAccount::Language, UserAccount::Theme] {
            manager
                .alter_table(
                    Table::alter()
                        .table(UserAccount::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Theme,
    Language,
}
