//! Data exports ("Export my data"): one row per requested archive.
//!
//! The archive itself is a file in the blob store (`storage_key`); the row tracks the
//! background build (`status`, `progress`, `step`) and the download link's end
//! (`expires_ms`). Rows and files go with the account (cascade, and the retention job deletes
//! the files of expired exports and of erased accounts).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DataExport::Table)
                    .col(uuid(DataExport::Id).primary_key())
                    .col(uuid(DataExport::UserId))
                    // building | ready | failed
                    .col(string_len(DataExport::Status, 16))
                    .col(integer(DataExport::Progress))
                    .col(string_len(DataExport::Step, 64))
                    .col(string_len_null(DataExport::StorageKey, 80))
                    .col(big_integer_null(DataExport::Bytes))
                    .col(big_integer(DataExport::CreatedMs))
                    .col(big_integer(DataExport::UpdatedMs))
                    .col(big_integer_null(DataExport::ExpiresMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DataExport::Table, DataExport::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_data_export_user")
                    .table(DataExport::Table)
                    .col(DataExport::UserId)
                    .col(DataExport::CreatedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_data_export_expires")
                    .table(DataExport::Table)
                    .col(DataExport::ExpiresMs)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DataExport::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum DataExport {
    Table,
    Id,
    UserId,
    Status,
    Progress,
    Step,
    StorageKey,
    Bytes,
    CreatedMs,
    UpdatedMs,
    ExpiresMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
