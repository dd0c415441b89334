//! `system_setting`: small key/value facts about this installation (when it was first
//! started, and later the current policy version). Not personal data.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SystemSetting::Table)
                    .if_not_exists()
                    .col(string_len(SystemSetting::Key, 64).primary_key())
                    .col(text(SystemSetting::Value))
                    .col(timestamp_with_time_zone(SystemSetting::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SystemSetting::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SystemSetting {
    Table,
    Key,
    Value,
    UpdatedAt,
}
