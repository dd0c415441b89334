//! Passkeys: the public keys an account's authenticators made for Ripen (the credential's
//! id, its public key and signature counter as `webauthn-rs` keeps them, and the name the
//! person gave it), and the ceremonies in flight — a challenge waits for its answer
//! server-side, found by the digest of a token the page holds, used once, for minutes.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Passkey::Table)
                    .col(uuid(Passkey::Id).primary_key())
                    .col(uuid(Passkey::UserId))
                    .col(string_len(Passkey::CredentialId, 1400))
                    .col(string_len(Passkey::Label, 120))
                    .col(text(Passkey::Credential))
                    .col(big_integer(Passkey::CreatedMs))
                    .col(big_integer_null(Passkey::LastUsedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_passkey_account")
                            .from(Passkey::Table, Passkey::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_passkey_credential")
                    .table(Passkey::Table)
                    .col(Passkey::CredentialId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_passkey_user")
                    .table(Passkey::Table)
                    .col(Passkey::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasskeyCeremony::Table)
                    .col(string_len(PasskeyCeremony::IdHash, 64).primary_key())
                    .col(string_len(PasskeyCeremony::Kind, 16))
                    .col(uuid_null(PasskeyCeremony::UserId))
                    .col(text(PasskeyCeremony::State))
                    .col(big_integer(PasskeyCeremony::ExpiresMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_passkey_ceremony_account")
                            .from(PasskeyCeremony::Table, PasskeyCeremony::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_passkey_ceremony_expires")
                    .table(PasskeyCeremony::Table)
                    .col(PasskeyCeremony::ExpiresMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PasskeyCeremony::Table.into_iden(),
            Passkey::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Passkey {
    Table,
    Id,
    UserId,
    CredentialId,
    Label,
    Credential,
    CreatedMs,
    LastUsedMs,
}

#[derive(DeriveIden)]
enum PasskeyCeremony {
    Table,
    IdHash,
    Kind,
    UserId,
    State,
    ExpiresMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
