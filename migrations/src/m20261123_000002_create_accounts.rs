//! Accounts: `user_account`, its server-side `auth_session`s and single-use `account_token`s
//! (email verification, password reset). Tokens and session ids are stored only as SHA-256
//! hashes, so a copy of the database cannot be replayed as cookies or links.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(UserAccount::Table)
                    .col(uuid(UserAccount::Id).primary_key())
                    .col(string_len(UserAccount::Username, 32))
                    .col(string_len_uniq(UserAccount::UsernameCanonical, 32))
                    .col(string_len(UserAccount::Email, 254))
                    .col(string_len_uniq(UserAccount::EmailCanonical, 254))
                    .col(timestamp_with_time_zone_null(UserAccount::EmailVerifiedAt))
                    .col(string_len_null(UserAccount::Phone, 16))
                    .col(text(UserAccount::PasswordHash))
                    .col(timestamp_with_time_zone(UserAccount::AgeConfirmedAt))
                    .col(string_len(UserAccount::TermsVersion, 32))
                    .col(timestamp_with_time_zone(UserAccount::TermsAcceptedAt))
                    .col(timestamp_with_time_zone(UserAccount::CreatedAt))
                    .col(timestamp_with_time_zone(UserAccount::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuthSession::Table)
                    .col(string_len(AuthSession::IdHash, 64).primary_key())
                    .col(uuid(AuthSession::UserId))
                    .col(timestamp_with_time_zone(AuthSession::CreatedAt))
                    .col(timestamp_with_time_zone(AuthSession::LastSeenAt))
                    .col(timestamp_with_time_zone(AuthSession::ExpiresAt))
                    .col(string_len_null(AuthSession::UserAgent, 256))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuthSession::Table, AuthSession::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_session_user")
                    .table(AuthSession::Table)
                    .col(AuthSession::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AccountToken::Table)
                    .col(uuid(AccountToken::Id).primary_key())
                    .col(uuid(AccountToken::UserId))
                    .col(string_len(AccountToken::Purpose, 16))
                    .col(string_len_uniq(AccountToken::TokenHash, 64))
                    .col(string_len_null(AccountToken::Email, 254))
                    .col(timestamp_with_time_zone(AccountToken::CreatedAt))
                    .col(timestamp_with_time_zone(AccountToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AccountToken::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccountToken::Table, AccountToken::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_account_token_user")
                    .table(AccountToken::Table)
                    .col(AccountToken::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AccountToken::Table.into_iden(),
            AuthSession::Table.into_iden(),
            UserAccount::Table.into_iden(),
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
    Username,
    UsernameCanonical,
    Email,
    EmailCanonical,
    EmailVerifiedAt,
    Phone,
    PasswordHash,
    AgeConfirmedAt,
    TermsVersion,
    TermsAcceptedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AuthSession {
    Table,
    IdHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    UserAgent,
}

#[derive(DeriveIden)]
enum AccountToken {
    Table,
    Id,
    UserId,
    Purpose,
    TokenHash,
    Email,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}
