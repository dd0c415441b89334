//! Letters that open on progress, the figures sealed with a letter to oneself, and years in
//! review shared by their owner.
//!
//! - `letter_goal`: a letter to oneself that arrives when its author reaches a goal (a
//!   number of focus sessions or hours, overall or on a tag; a streak on a habit; diary
//!   entries), counted from `since_ms`, or at `letter.deliver_at_ms` at the latest, which
//!   `latest_ms` keeps once the goal moved the delivery earlier. `reached_ms` is set once.
//! - `letter_snapshot`: the author's figures when the letter was sealed (sealed JSON).
//! - `year_share`: a year in review its owner chose to share, by an unguessable token.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LetterGoal::Table)
                    .col(uuid(LetterGoal::LetterId).primary_key())
                    .col(string_len(LetterGoal::Kind, 24))
                    .col(integer(LetterGoal::Target))
                    .col(uuid_null(LetterGoal::TagId))
                    .col(uuid_null(LetterGoal::HabitId))
                    .col(big_integer(LetterGoal::SinceMs))
                    .col(big_integer(LetterGoal::LatestMs))
                    .col(big_integer_null(LetterGoal::ReachedMs))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_letter_goal_letter")
                            .from(LetterGoal::Table, LetterGoal::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LetterSnapshot::Table)
                    .col(uuid(LetterSnapshot::LetterId).primary_key())
                    .col(big_integer(LetterSnapshot::TakenMs))
                    .col(text(LetterSnapshot::Figures))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_letter_snapshot_letter")
                            .from(LetterSnapshot::Table, LetterSnapshot::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(YearShare::Table)
                    .col(uuid(YearShare::UserId))
                    .col(integer(YearShare::Year))
                    .col(string_len(YearShare::Token, 64))
                    .col(big_integer(YearShare::CreatedMs))
                    .primary_key(Index::create().col(YearShare::UserId).col(YearShare::Year))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_year_share_account")
                            .from(YearShare::Table, YearShare::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_year_share_token")
                    .table(YearShare::Table)
                    .col(YearShare::Token)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            YearShare::Table.into_iden(),
            LetterSnapshot::Table.into_iden(),
            LetterGoal::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum LetterGoal {
    Table,
    LetterId,
    Kind,
    Target,
    TagId,
    HabitId,
    SinceMs,
    LatestMs,
    ReachedMs,
}

#[derive(DeriveIden)]
enum LetterSnapshot {
    Table,
    LetterId,
    TakenMs,
    Figures,
}

#[derive(DeriveIden)]
enum YearShare {
    Table,
    UserId,
    Year,
    Token,
    CreatedMs,
}

#[derive(DeriveIden)]
enum Letter {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
