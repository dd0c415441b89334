//! Two-step verification: an account's authenticator secret (sealed, bound to the account)
//! with the last time step a code was accepted for, so no code works twice; its ten
//! single-use recovery codes, kept only as SHA-256; and the sign-ins waiting for their
//! second step (the digest of a short-lived cookie, single use).
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TwoStep::Table)
                    .col(uuid(TwoStep::UserId).primary_key())
                    .col(text(TwoStep::Secret))
                    .col(big_integer(TwoStep::CreatedMs))
                    .col(big_integer_null(TwoStep::ConfirmedMs))
                    .col(big_integer_null(TwoStep::LastStep))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_two_step_account")
                            .from(TwoStep::Table, TwoStep::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCode::Table)
                    .col(uuid(RecoveryCode::Id).primary_key())
                    .col(uuid(RecoveryCode::UserId))
                    .col(string_len(RecoveryCode::CodeHash, 64))
                    .col(big_integer(RecoveryCode::CreatedMs))
                    .col(big_integer_null(RecoveryCode::UsedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_recovery_code_account")
                            .from(RecoveryCode::Table, RecoveryCode::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_recovery_code_user")
                    .table(RecoveryCode::Table)
                    .col(RecoveryCode::UserId)
                    .col(RecoveryCode::CodeHash)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInChallenge::Table)
                    .col(string_len(SignInChallenge::IdHash, 64).primary_key())
                    .col(uuid(SignInChallenge::UserId))
                    .col(big_integer(SignInChallenge::CreatedMs))
                    .col(big_integer(SignInChallenge::ExpiresMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_sign_in_challenge_account")
                            .from(SignInChallenge::Table, SignInChallenge::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sign_in_challenge_expires")
                    .table(SignInChallenge::Table)
                    .col(SignInChallenge::ExpiresMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SignInChallenge::Table.into_iden(),
            RecoveryCode::Table.into_iden(),
            TwoStep::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum TwoStep {
    Table,
    UserId,
    Secret,
    CreatedMs,
    ConfirmedMs,
    LastStep,
}

#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    UserId,
    CodeHash,
    CreatedMs,
    UsedMs,
}

#[derive(DeriveIden)]
enum SignInChallenge {
    Table,
    IdHash,
    UserId,
    CreatedMs,
    ExpiresMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
