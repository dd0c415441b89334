//! Security activity: what happened to an account's sign-in (a sign-in from a browser not
//! seen before, a password or address changed, the account closed or reopened), kept a
//! year for the person to read in their settings; and the browsers an account has signed
//! in from, by the digest of a random cookie, so a new one can be told apart.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecurityEvent::Table)
                    .col(uuid(SecurityEvent::Id).primary_key())
                    .col(uuid(SecurityEvent::UserId))
                    .col(string_len(SecurityEvent::Kind, 32))
                    .col(big_integer(SecurityEvent::CreatedMs))
                    .col(string_len_null(SecurityEvent::Browser, 32))
                    .col(string_len_null(SecurityEvent::Network, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_security_event_account")
                            .from(SecurityEvent::Table, SecurityEvent::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_security_event_user_created")
                    .table(SecurityEvent::Table)
                    .col(SecurityEvent::UserId)
                    .col(SecurityEvent::CreatedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_security_event_created")
                    .table(SecurityEvent::Table)
                    .col(SecurityEvent::CreatedMs)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KnownBrowser::Table)
                    .col(uuid(KnownBrowser::UserId))
                    .col(string_len(KnownBrowser::Digest, 64))
                    .col(big_integer(KnownBrowser::FirstMs))
                    .col(big_integer(KnownBrowser::LastMs))
                    .primary_key(
                        Index::create()
                            .col(KnownBrowser::UserId)
                            .col(KnownBrowser::Digest),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_known_browser_account")
                            .from(KnownBrowser::Table, KnownBrowser::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_known_browser_last")
                    .table(KnownBrowser::Table)
                    .col(KnownBrowser::LastMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            KnownBrowser::Table.into_iden(),
            SecurityEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum SecurityEvent {
    Table,
    Id,
    UserId,
    Kind,
    CreatedMs,
    Browser,
    Network,
}

#[derive(DeriveIden)]
enum KnownBrowser {
    Table,
    UserId,
    Digest,
    FirstMs,
    LastMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
