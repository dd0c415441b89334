//! Attempt limits kept in the database, so every instance counts against one window and a
//! restart forgets nothing: one row per limited thing (a scope and the digest of what it
//! counts, never the raw address or name), with when its window started and ends and how
//! many attempts it holds. Rows whose window has ended are swept by the retention job.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AttemptWindow::Table)
                    .col(string_len(AttemptWindow::Bucket, 64).primary_key())
                    .col(big_integer(AttemptWindow::StartedMs))
                    .col(big_integer(AttemptWindow::EndsMs))
                    .col(integer(AttemptWindow::Hits))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_attempt_window_ends")
                    .table(AttemptWindow::Table)
                    .col(AttemptWindow::EndsMs)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AttemptWindow::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum AttemptWindow {
    Table,
    Bucket,
    StartedMs,
    EndsMs,
    Hits,
}
