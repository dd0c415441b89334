//! The focus timer: per-user settings and running state, tasks, tags, and focus-session
//! records (the check-in history the diary builds on: one row per focus session, indexed by
//! user and start time; tags through `focus_session_tag`). Timer instants are stored as
//! milliseconds since the epoch (`BIGINT`), the unit the timer engine computes in.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn user_fk<T: IntoIden + 'static>(table: T, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(UserAccount::Table, UserAccount::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FocusTimer::Table)
                    .col(uuid(FocusTimer::UserId).primary_key())
                    .col(integer(FocusTimer::FocusMin))
                    .col(integer(FocusTimer::ShortBreakMin))
                    .col(integer(FocusTimer::LongBreakMin))
                    .col(integer(FocusTimer::LongBreakEvery))
                    .col(boolean(FocusTimer::AutoStartBreaks))
                    .col(boolean(FocusTimer::AutoStartFocus))
                    .col(string_len(FocusTimer::Sound, 16))
                    .col(integer(FocusTimer::Volume))
                    .col(boolean(FocusTimer::Notify))
                    .col(integer(FocusTimer::DailyGoal))
                    .col(string_len(FocusTimer::Phase, 16))
                    .col(string_len(FocusTimer::Status, 16))
                    .col(big_integer_null(FocusTimer::StartedAt))
                    .col(big_integer_null(FocusTimer::PlannedEnd))
                    .col(big_integer_null(FocusTimer::PausedAt))
                    .col(big_integer(FocusTimer::PausedTotal))
                    .col(integer(FocusTimer::FocusDoneInCycle))
                    .col(uuid_null(FocusTimer::TaskId))
                    .col(big_integer(FocusTimer::Version))
                    .foreign_key(&mut user_fk(FocusTimer::Table, FocusTimer::UserId))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Task::Table)
                    .col(uuid(Task::Id).primary_key())
                    .col(uuid(Task::UserId))
                    .col(string_len(Task::Title, 200))
                    .col(integer(Task::Estimate))
                    .col(integer(Task::Position))
                    .col(timestamp_with_time_zone_null(Task::CompletedAt))
                    .col(timestamp_with_time_zone(Task::CreatedAt))
                    .col(timestamp_with_time_zone(Task::UpdatedAt))
                    .foreign_key(&mut user_fk(Task::Table, Task::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_task_user_position")
                    .table(Task::Table)
                    .col(Task::UserId)
                    .col(Task::Position)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Tag::Table)
                    .col(uuid(Tag::Id).primary_key())
                    .col(uuid(Tag::UserId))
                    .col(string_len(Tag::Name, 32))
                    .col(string_len(Tag::NameCanonical, 32))
                    .col(string_len(Tag::Colour, 7))
                    .col(timestamp_with_time_zone(Tag::CreatedAt))
                    .foreign_key(&mut user_fk(Tag::Table, Tag::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_tag_user_name")
                    .table(Tag::Table)
                    .col(Tag::UserId)
                    .col(Tag::NameCanonical)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FocusSession::Table)
                    .col(uuid(FocusSession::Id).primary_key())
                    .col(uuid(FocusSession::UserId))
                    .col(uuid_null(FocusSession::TaskId))
                    .col(big_integer(FocusSession::StartedAt))
                    .col(big_integer(FocusSession::EndedAt))
                    .col(integer(FocusSession::FocusedSeconds))
                    .col(boolean(FocusSession::Completed))
                    .col(text_null(FocusSession::Note))
                    .col(timestamp_with_time_zone(FocusSession::CreatedAt))
                    .foreign_key(&mut user_fk(FocusSession::Table, FocusSession::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FocusSession::Table, FocusSession::TaskId)
                            .to(Task::Table, Task::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_focus_session_user_started")
                    .table(FocusSession::Table)
                    .col(FocusSession::UserId)
                    .col(FocusSession::StartedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_focus_session_task")
                    .table(FocusSession::Table)
                    .col(FocusSession::TaskId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FocusSessionTag::Table)
                    .col(uuid(FocusSessionTag::SessionId))
                    .col(uuid(FocusSessionTag::TagId))
                    .primary_key(
                        Index::create()
                            .col(FocusSessionTag::SessionId)
                            .col(FocusSessionTag::TagId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FocusSessionTag::Table, FocusSessionTag::SessionId)
                            .to(FocusSession::Table, FocusSession::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FocusSessionTag::Table, FocusSessionTag::TagId)
                            .to(Tag::Table, Tag::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_focus_session_tag_tag")
                    .table(FocusSessionTag::Table)
                    .col(FocusSessionTag::TagId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FocusSessionTag::Table.into_iden(),
            FocusSession::Table.into_iden(),
            Tag::Table.into_iden(),
            Task::Table.into_iden(),
            FocusTimer::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum FocusTimer {
    Table,
    UserId,
    FocusMin,
    ShortBreakMin,
    LongBreakMin,
    LongBreakEvery,
    AutoStartBreaks,
    AutoStartFocus,
    Sound,
    Volume,
    Notify,
    DailyGoal,
    Phase,
    Status,
    StartedAt,
    PlannedEnd,
    PausedAt,
    PausedTotal,
    FocusDoneInCycle,
    TaskId,
    Version,
}

#[derive(DeriveIden)]
enum Task {
    Table,
    Id,
    UserId,
    Title,
    Estimate,
    Position,
    CompletedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tag {
    Table,
    Id,
    UserId,
    Name,
    NameCanonical,
    Colour,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FocusSession {
    Table,
    Id,
    UserId,
    TaskId,
    StartedAt,
    EndedAt,
    FocusedSeconds,
    Completed,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FocusSessionTag {
    Table,
    SessionId,
    TagId,
}
