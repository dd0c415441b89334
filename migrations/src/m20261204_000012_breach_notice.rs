//! Breach notices (`ripen notify-breach`): one row per incident and account that was told,
//! with when and by which channels. The unique key (incident, user) is what makes a second
//! run for the same incident, even one started at the same moment, tell no one twice. Rows
//! go with the account.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(BreachNotice::Table)
                    .col(uuid(BreachNotice::Id).primary_key())
                    .col(string_len(BreachNotice::Incident, 64))
                    .col(uuid(BreachNotice::UserId))
                    .col(big_integer(BreachNotice::NotifiedMs))
                    .col(string_len(BreachNotice::Email, 16))
                    .col(big_integer_null(BreachNotice::EmailedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(BreachNotice::Table, BreachNotice::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_breach_notice_incident_user")
                    .table(BreachNotice::Table)
                    .col(BreachNotice::Incident)
                    .col(BreachNotice::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_breach_notice_user")
                    .table(BreachNotice::Table)
                    .col(BreachNotice::UserId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(BreachNotice::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum BreachNotice {
    Table,
    Id,
    Incident,
    UserId,
    NotifiedMs,
    Email,
    EmailedMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
