//! Letters to the future: the letter, its recipients (one delivery each), its images, and
//! the in-app notifications that tell authors their letters arrived.
//!
//! Instants used by the scheduler are epoch milliseconds (`BIGINT`), so "due now" is one
//! integer comparison on both engines. Each recipient row is a unit of delivery with a
//! lease (`lease_owner`, `lease_until_ms`) so a crashed sender's work is taken over, and a
//! stable `message_id` so a re-send after a crash is recognisable.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(Alias::new(*c));
    }
    if unique {
        ix.unique();
    }
    manager.create_index(ix.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Letter::Table)
                    .col(uuid(Letter::Id).primary_key())
                    // Nullable: a public delivered letter outlives its author's account.
                    .col(uuid_null(Letter::UserId))
                    .col(string_len(Letter::PublicId, 32).unique_key())
                    .col(string_len(Letter::Title, 200))
                    .col(text(Letter::Body))
                    .col(string_len(Letter::Status, 16))
                    .col(big_integer_null(Letter::DeliverAtMs))
                    .col(string_len(Letter::Timezone, 64))
                    .col(boolean(Letter::ToSelf).default(true))
                    .col(boolean(Letter::SendSms).default(false))
                    .col(string_len(Letter::Visibility, 16).default("private"))
                    .col(string_len_null(Letter::PenName, 60))
                    .col(big_integer(Letter::CreatedMs))
                    .col(big_integer(Letter::UpdatedMs))
                    .col(big_integer_null(Letter::DeliveredMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Letter::Table, Letter::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_letter_user_status",
            Letter::Table,
            &["user_id", "status"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LetterRecipient::Table)
                    .col(uuid(LetterRecipient::Id).primary_key())
                    .col(uuid(LetterRecipient::LetterId))
                    .col(integer(LetterRecipient::Position))
                    .col(boolean(LetterRecipient::IsSelf))
                    .col(string_len_null(LetterRecipient::Name, 100))
                    .col(string_len(LetterRecipient::Email, 254))
                    .col(string_len_null(LetterRecipient::Phone, 16))
                    // draft | pending | sending | sent | failed | cancelled
                    .col(string_len(LetterRecipient::Status, 16))
                    .col(big_integer_null(LetterRecipient::NextAttemptMs))
                    .col(integer(LetterRecipient::Attempts).default(0))
                    .col(string_len_null(LetterRecipient::LeaseOwner, 64))
                    .col(big_integer_null(LetterRecipient::LeaseUntilMs))
                    .col(string_len(LetterRecipient::MessageId, 200))
                    .col(string_len_null(LetterRecipient::TokenHash, 64).unique_key())
                    .col(big_integer_null(LetterRecipient::SentMs))
                    .col(big_integer_null(LetterRecipient::SmsSentMs))
                    .col(string_len_null(LetterRecipient::LastError, 200))
                    .col(big_integer_null(LetterRecipient::ThankedMs))
                    .col(string_len_null(LetterRecipient::ThanksNote, 500))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterRecipient::Table, LetterRecipient::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // The scheduler's claim query scans by status and due instant.
        index(
            manager,
            "ix_letter_recipient_due",
            LetterRecipient::Table,
            &["status", "next_attempt_ms"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_letter_recipient_letter",
            LetterRecipient::Table,
            &["letter_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(LetterImage::Table)
                    .col(uuid(LetterImage::Id).primary_key())
                    .col(uuid(LetterImage::LetterId))
                    .col(uuid_null(LetterImage::UserId))
                    .col(integer(LetterImage::Position))
                    .col(string_len(LetterImage::StorageKey, 80))
                    .col(string_len(LetterImage::Mime, 32))
                    .col(big_integer(LetterImage::Bytes))
                    .col(integer(LetterImage::Width))
                    .col(integer(LetterImage::Height))
                    .col(string_len(LetterImage::Alt, 200))
                    .col(big_integer(LetterImage::CreatedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterImage::Table, LetterImage::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterImage::Table, LetterImage::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_letter_image_letter",
            LetterImage::Table,
            &["letter_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_letter_image_user",
            LetterImage::Table,
            &["user_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .col(uuid(Notification::Id).primary_key())
                    .col(uuid(Notification::UserId))
                    .col(string_len(Notification::Kind, 32))
                    .col(string_len(Notification::Title, 200))
                    .col(string_len(Notification::Body, 500))
                    .col(string_len_null(Notification::Link, 200))
                    .col(big_integer(Notification::CreatedMs))
                    .col(big_integer_null(Notification::ReadMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Notification::Table, Notification::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_notification_user",
            Notification::Table,
            &["user_id", "created_ms"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Notification::Table.into_iden(),
            LetterImage::Table.into_iden(),
            LetterRecipient::Table.into_iden(),
            Letter::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Letter {
    Table,
    Id,
    UserId,
    PublicId,
    Title,
    Body,
    Status,
    DeliverAtMs,
    Timezone,
    ToSelf,
    SendSms,
    Visibility,
    PenName,
    CreatedMs,
    UpdatedMs,
    DeliveredMs,
}

#[derive(DeriveIden)]
enum LetterRecipient {
    Table,
    Id,
    LetterId,
    Position,
    IsSelf,
    Name,
    Email,
    Phone,
    Status,
    NextAttemptMs,
    Attempts,
    LeaseOwner,
    LeaseUntilMs,
    MessageId,
    TokenHash,
    SentMs,
    SmsSentMs,
    LastError,
    ThankedMs,
    ThanksNote,
}

#[derive(DeriveIden)]
enum LetterImage {
    Table,
    Id,
    LetterId,
    UserId,
    Position,
    StorageKey,
    Mime,
    Bytes,
    Width,
    Height,
    Alt,
    CreatedMs,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    UserId,
    Kind,
    Title,
    Body,
    Link,
    CreatedMs,
    ReadMs,
}
