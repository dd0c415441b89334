//! Privacy: the devices list and account deletion.
//!
//! - `auth_session.ip`: the address a session was last used from, shown to its owner in the
//!   devices list. It lives only as long as the session: sessions end after 14 days idle or
//!   60 days in all, and the retention job deletes ended sessions.
//! - `consent_record`: every privacy choice made (first-visit dialog or settings): the
//!   browser's random id, the account if signed in, the policy version and the choices.
//!   An account's records go with it; anonymous ones are deleted after 13 months.
//! - `page_view_day`: anonymous usage statistics (views per UTC day and page pattern), for
//!   visitors who allowed them. Nothing in it identifies anyone.
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
            .create_table(
                Table::create()
                    .table(ConsentRecord::Table)
                    .col(uuid(ConsentRecord::Id).primary_key())
                    .col(uuid_null(ConsentRecord::UserId))
                    .col(string_len(ConsentRecord::AnonId, 36))
                    .col(string_len(ConsentRecord::PolicyVersion, 32))
                    .col(boolean(ConsentRecord::Functional))
                    .col(boolean(ConsentRecord::Statistics))
                    .col(boolean(ConsentRecord::Improvement))
                    .col(string_len(ConsentRecord::Source, 16))
                    .col(big_integer(ConsentRecord::CreatedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConsentRecord::Table, ConsentRecord::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PageViewDay::Table)
                    .col(string_len(PageViewDay::Day, 10))
                    .col(string_len(PageViewDay::Page, 64))
                    .col(big_integer(PageViewDay::Views))
                    .primary_key(Index::create().col(PageViewDay::Day).col(PageViewDay::Page))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consent_record_user")
                    .table(ConsentRecord::Table)
                    .col(ConsentRecord::UserId)
                    .col(ConsentRecord::CreatedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_consent_record_created")
                    .table(ConsentRecord::Table)
                    .col(ConsentRecord::CreatedMs)
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
            .drop_table(Table::drop().table(PageViewDay::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ConsentRecord::Table).to_owned())
            .await?;
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
    Id,
    DeletedMs,
}

#[derive(DeriveIden)]
enum ConsentRecord {
    Table,
    Id,
    UserId,
    AnonId,
    PolicyVersion,
    Functional,
    Statistics,
    Improvement,
    Source,
    CreatedMs,
}

#[derive(DeriveIden)]
enum AuthSession {
    Table,
    Ip,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PageViewDay {
    Table,
    Day,
    Page,
    Views,
}
