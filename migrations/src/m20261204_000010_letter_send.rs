//! The daily allowance of recipients: one row per scheduling of a letter to other people,
//! with the time and the number of recipients it added. Rows are counted over the last
//! 24 hours under the account's row lock, deleted after a day, and go with the account.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LetterSend::Table)
                    .col(uuid(LetterSend::Id).primary_key())
                    .col(uuid(LetterSend::UserId))
                    .col(big_integer(LetterSend::SentMs))
                    .col(integer(LetterSend::Recipients))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterSend::Table, LetterSend::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_send_user")
                    .table(LetterSend::Table)
                    .col(LetterSend::UserId)
                    .col(LetterSend::SentMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_send_sent")
                    .table(LetterSend::Table)
                    .col(LetterSend::SentMs)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LetterSend::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LetterSend {
    Table,
    Id,
    UserId,
    SentMs,
    Recipients,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
