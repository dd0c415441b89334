//! The public letter wall: topics, likes, reports and moderation, and the admin role.
//!
//! A letter is on the wall while it is delivered, public and not hidden (`hidden_ms` is
//! null). Likes and reports are one per user and letter (their primary keys), so a
//! repeated report counts once. `letter_moderation` records which admin hid or showed a
//! letter, and when.
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
                    .add_column(boolean(UserAccount::IsAdmin).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Letter::Table)
                    .add_column(big_integer_null(Letter::HiddenMs))
                    .to_owned(),
            )
            .await?;
        // The wall's keyset: newest delivered first, the public id breaking ties.
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_wall")
                    .table(Letter::Table)
                    .col(Letter::Visibility)
                    .col(Letter::Status)
                    .col(Letter::DeliveredMs)
                    .col(Letter::PublicId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LetterTopic::Table)
                    .col(uuid(LetterTopic::LetterId))
                    .col(string_len(LetterTopic::Topic, 24))
                    .primary_key(
                        Index::create()
                            .col(LetterTopic::LetterId)
                            .col(LetterTopic::Topic),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterTopic::Table, LetterTopic::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_topic_topic")
                    .table(LetterTopic::Table)
                    .col(LetterTopic::Topic)
                    .col(LetterTopic::LetterId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LetterLike::Table)
                    .col(uuid(LetterLike::LetterId))
                    .col(uuid(LetterLike::UserId))
                    .col(big_integer(LetterLike::CreatedMs))
                    .primary_key(
                        Index::create()
                            .col(LetterLike::LetterId)
                            .col(LetterLike::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterLike::Table, LetterLike::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterLike::Table, LetterLike::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_like_user")
                    .table(LetterLike::Table)
                    .col(LetterLike::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LetterReport::Table)
                    .col(uuid(LetterReport::LetterId))
                    .col(uuid(LetterReport::UserId))
                    .col(string_len(LetterReport::Reason, 24))
                    .col(string_len(LetterReport::Note, 500))
                    .col(big_integer(LetterReport::CreatedMs))
                    .col(big_integer_null(LetterReport::ResolvedMs))
                    .primary_key(
                        Index::create()
                            .col(LetterReport::LetterId)
                            .col(LetterReport::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterReport::Table, LetterReport::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterReport::Table, LetterReport::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_report_user")
                    .table(LetterReport::Table)
                    .col(LetterReport::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LetterModeration::Table)
                    .col(uuid(LetterModeration::Id).primary_key())
                    .col(uuid(LetterModeration::LetterId))
                    .col(uuid_null(LetterModeration::AdminId))
                    .col(string_len(LetterModeration::Action, 16))
                    .col(big_integer(LetterModeration::CreatedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterModeration::Table, LetterModeration::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterModeration::Table, LetterModeration::AdminId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_letter_moderation_letter")
                    .table(LetterModeration::Table)
                    .col(LetterModeration::LetterId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            LetterModeration::Table.into_iden(),
            LetterReport::Table.into_iden(),
            LetterLike::Table.into_iden(),
            LetterTopic::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_letter_wall")
                    .table(Letter::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Letter::Table)
                    .drop_column(Letter::HiddenMs)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .drop_column(UserAccount::IsAdmin)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    IsAdmin,
}

#[derive(DeriveIden)]
enum Letter {
    Table,
    Id,
    PublicId,
    Status,
    Visibility,
    DeliveredMs,
    HiddenMs,
}

#[derive(DeriveIden)]
enum LetterTopic {
    Table,
    LetterId,
    Topic,
}

#[derive(DeriveIden)]
enum LetterLike {
    Table,
    LetterId,
    UserId,
    CreatedMs,
}

#[derive(DeriveIden)]
enum LetterReport {
    Table,
    LetterId,
    UserId,
    Reason,
    Note,
    CreatedMs,
    ResolvedMs,
}

#[derive(DeriveIden)]
enum LetterModeration {
    Table,
    Id,
    LetterId,
    AdminId,
    Action,
    CreatedMs,
}
