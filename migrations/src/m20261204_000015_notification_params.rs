//! Notifications are stored as what happened — a kind and its parameters (sealed, as JSON)
//! — and put into words in the reader's language when shown, instead of as a title and a
//! body written once in the language of the moment. The rows written as text move to
//! `notification_text`, which the server turns into the new form at start-up (it needs
//! the seal keys and the letters, which a migration has not), then empties.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Index names are per schema (PostgreSQL) or per database (SQLite): the old one goes
        // before its table is renamed, so the new table can have one of that shape again.
        manager
            .drop_index(
                Index::drop()
                    .name("ix_notification_user")
                    .table(Notification::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(Notification::Table, Alias::new("notification_text"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(uuid(Notification::Id).primary_key())
                    .col(uuid(Notification::UserId))
                    .col(string_len(Notification::Kind, 32))
                    .col(text(Notification::Params))
                    .col(big_integer(Notification::CreatedMs))
                    .col(big_integer_null(Notification::ReadMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_notification_account")
                            .from(Notification::Table, Notification::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_user_created")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Notification::CreatedMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The rows written in the new form have no text to go back to: they go.
        manager
            .drop_table(Table::drop().table(Notification::Table).to_owned())
            .await?;
        manager
            .rename_table(
                Table::rename()
                    .table(Alias::new("notification_text"), Notification::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_notification_user")
                    .table(Notification::Table)
                    .col(Notification::UserId)
                    .col(Notification::CreatedMs)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    UserId,
    Kind,
    Params,
    CreatedMs,
    ReadMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
