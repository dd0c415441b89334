//! Privacy: the devices list and account deletion.
//!
//! - `auth_session.ip`: the address a session was last used from, shown to its owner in the
//!   devices list. It lives only as long as the session: sessions end after 14 days idle or
//!   60 days in all, and the retention job deletes ended sessions.
//! - `user_account.deleted_ms`: when the owner closed the account. A closed account cannot
//!   be seen or used; signing in again within the grace period restores it, and after it
//!   the retention job erases the account and everything that is personal to it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSession::Table)
                    .add_column(string_len_null(AuthSession::Ip, 45))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(big_integer_null(UserAccount::DeletedMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_user_account_deleted")
                    .table(UserAccount::Table)
                    .col(UserAccount::DeletedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_auth_session_expires")
                    .table(AuthSession::Table)
                    .col(AuthSession::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_auth_session_expires")
                    .table(AuthSession::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ix_user_account_deleted")
                    .table(UserAccount::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .drop_column(UserAccount::DeletedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuthSession::Table)
                    .drop_column(AuthSession::Ip)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    DeletedMs,
}

#[derive(DeriveIden)]
enum AuthSession {
    Table,
    Ip,
    ExpiresAt,
}
