//! Third-party sign-in: the identities linked to an account — only the provider's issuer
//! and its subject for the person, nothing else from the provider — and the sign-ins in
//! flight (the digest of a short-lived cookie, single use, with what the callback must
//! check). An account made through a provider has no password of its own until one is
//! set (`has_password`), so the last way to sign in is never unlinked.
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
                    .add_column(boolean(UserAccount::HasPassword).default(true))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthIdentity::Table)
                    .col(uuid(AuthIdentity::Id).primary_key())
                    .col(uuid(AuthIdentity::UserId))
                    .col(string_len(AuthIdentity::Provider, 64))
                    .col(string_len(AuthIdentity::Issuer, 255))
                    .col(string_len(AuthIdentity::Subject, 255))
                    .col(big_integer(AuthIdentity::CreatedMs))
                    .col(big_integer_null(AuthIdentity::LastUsedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_identity_account")
                            .from(AuthIdentity::Table, AuthIdentity::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_auth_identity_subject")
                    .table(AuthIdentity::Table)
                    .col(AuthIdentity::Issuer)
                    .col(AuthIdentity::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_identity_user")
                    .table(AuthIdentity::Table)
                    .col(AuthIdentity::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuthFlow::Table)
                    .col(string_len(AuthFlow::IdHash, 64).primary_key())
                    .col(string_len(AuthFlow::Provider, 64))
                    .col(string_len(AuthFlow::Purpose, 16))
                    .col(uuid_null(AuthFlow::UserId))
                    .col(text(AuthFlow::State))
                    .col(big_integer(AuthFlow::CreatedMs))
                    .col(big_integer(AuthFlow::ExpiresMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_auth_flow_account")
                            .from(AuthFlow::Table, AuthFlow::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_flow_expires")
                    .table(AuthFlow::Table)
                    .col(AuthFlow::ExpiresMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [AuthFlow::Table.into_iden(), AuthIdentity::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .drop_column(UserAccount::HasPassword)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AuthIdentity {
    Table,
    Id,
    UserId,
    Provider,
    Issuer,
    Subject,
    CreatedMs,
    LastUsedMs,
}

#[derive(DeriveIden)]
enum AuthFlow {
    Table,
    IdHash,
    Provider,
    Purpose,
    UserId,
    State,
    CreatedMs,
    ExpiresMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    HasPassword,
}
