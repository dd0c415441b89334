//! The diary: each user's time rules (IANA time zone and day boundary), habits and their
//! check-ins, one diary entry per day, and daily focus roll-ups for the statistics.
//!
//! Days are calendar dates (`DATE`) already decided by the user's time rules when a record
//! is made, so a later change of time zone never moves old records between days. Focus
//! sessions get the same `day` column; `focus_day` and `focus_tag_day` hold per-day sums
//! recomputed whenever a session of that day changes, so statistics over years read a few
//! hundred rows instead of tens of thousands.
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

fn cascade<T: IntoIden + 'static, U: IntoIden + 'static>(
    from: (T, impl IntoIden),
    to: (U, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut ix = Index::create();
    ix.name(name).table(table);
    for c in cols {
        ix.col(Alias::new(*c));
    }
    if unique {
        ix.unique();
    }
    manager.create_index(ix.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(string_len(UserAccount::Timezone, 64).default("UTC"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(integer(UserAccount::DayBoundaryMin).default(0))
                    .to_owned(),
            )
            .await?;

        // Focus sessions get the day they count for; existing rows take their UTC day.
        manager
            .alter_table(
                Table::alter()
                    .table(FocusSession::Table)
                    .add_column(date_null(FocusSession::Day))
                    .to_owned(),
            )
            .await?;
        let backfill = match manager.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => {
                "UPDATE focus_session SET day = date(started_at / 1000, 'unixepoch') WHERE day IS NULL"
            }
            _ => {
                "UPDATE focus_session SET day = (to_timestamp(started_at / 1000.0) AT TIME ZONE 'UTC')::date WHERE day IS NULL"
            }
        };
        manager
            .get_connection()
            .execute_unprepared(backfill)
            .await?;
        index(
            manager,
            "ix_focus_session_user_day",
            FocusSession::Table,
            &["user_id", "day"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Habit::Table)
                    .col(uuid(Habit::Id).primary_key())
                    .col(uuid(Habit::UserId))
                    .col(string_len(Habit::Name, 60))
                    .col(string_len(Habit::Colour, 7))
                    .col(string_len(Habit::ScheduleKind, 16))
                    .col(integer(Habit::ScheduleValue))
                    .col(integer(Habit::Position))
                    .col(date(Habit::StartDay))
                    .col(timestamp_with_time_zone_null(Habit::ArchivedAt))
                    .col(timestamp_with_time_zone(Habit::CreatedAt))
                    .foreign_key(&mut user_fk(Habit::Table, Habit::UserId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_habit_user",
            Habit::Table,
            &["user_id", "position"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Checkin::Table)
                    .col(uuid(Checkin::Id).primary_key())
                    .col(uuid(Checkin::UserId))
                    .col(uuid(Checkin::HabitId))
                    .col(date(Checkin::Day))
                    .col(text_null(Checkin::Note))
                    .col(timestamp_with_time_zone(Checkin::CreatedAt))
                    .col(timestamp_with_time_zone(Checkin::UpdatedAt))
                    .foreign_key(&mut user_fk(Checkin::Table, Checkin::UserId))
                    .foreign_key(&mut cascade(
                        (Checkin::Table, Checkin::HabitId),
                        (Habit::Table, Habit::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_checkin_habit_day",
            Checkin::Table,
            &["habit_id", "day"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_checkin_user_day",
            Checkin::Table,
            &["user_id", "day"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(DiaryEntry::Table)
                    .col(uuid(DiaryEntry::Id).primary_key())
                    .col(uuid(DiaryEntry::UserId))
                    .col(date(DiaryEntry::Day))
                    .col(text(DiaryEntry::Body))
                    .col(integer_null(DiaryEntry::Mood))
                    .col(timestamp_with_time_zone(DiaryEntry::CreatedAt))
                    .col(timestamp_with_time_zone(DiaryEntry::UpdatedAt))
                    .foreign_key(&mut user_fk(DiaryEntry::Table, DiaryEntry::UserId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_diary_entry_user_day",
            DiaryEntry::Table,
            &["user_id", "day"],
            true,
        )
        .await?;

        // Tags of check-ins and entries (tags are the focus timer's, reused across Ripen).
        for (table, owner, owner_table) in [
            (
                CheckinTag::Table.into_iden(),
                "checkin_id",
                Checkin::Table.into_iden(),
            ),
            (
                DiaryEntryTag::Table.into_iden(),
                "entry_id",
                DiaryEntry::Table.into_iden(),
            ),
        ] {
            manager
                .create_table(
                    Table::create()
                        .table(table.clone())
                        .col(uuid(Alias::new(owner)))
                        .col(uuid(Alias::new("tag_id")))
                        .primary_key(
                            Index::create()
                                .col(Alias::new(owner))
                                .col(Alias::new("tag_id")),
                        )
                        .foreign_key(&mut cascade(
                            (table.clone(), Alias::new(owner)),
                            (owner_table, Alias::new("id")),
                        ))
                        .foreign_key(&mut cascade(
                            (table.clone(), Alias::new("tag_id")),
                            (Tag::Table, Tag::Id),
                        ))
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            "ix_checkin_tag_tag",
            CheckinTag::Table,
            &["tag_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_diary_entry_tag_tag",
            DiaryEntryTag::Table,
            &["tag_id"],
            false,
        )
        .await?;

        // Daily roll-ups of focus sessions (sums of one user's sessions of one day).
        manager
            .create_table(
                Table::create()
                    .table(FocusDay::Table)
                    .col(uuid(FocusDay::UserId))
                    .col(date(FocusDay::Day))
                    .col(big_integer(FocusDay::FocusSeconds))
                    .col(integer(FocusDay::Sessions))
                    .col(integer(FocusDay::Completed))
                    .primary_key(Index::create().col(FocusDay::UserId).col(FocusDay::Day))
                    .foreign_key(&mut user_fk(FocusDay::Table, FocusDay::UserId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FocusTagDay::Table)
                    .col(uuid(FocusTagDay::UserId))
                    .col(date(FocusTagDay::Day))
                    .col(uuid(FocusTagDay::TagId))
                    .col(big_integer(FocusTagDay::FocusSeconds))
                    .primary_key(
                        Index::create()
                            .col(FocusTagDay::UserId)
                            .col(FocusTagDay::Day)
                            .col(FocusTagDay::TagId),
                    )
                    .foreign_key(&mut user_fk(FocusTagDay::Table, FocusTagDay::UserId))
                    .foreign_key(&mut cascade(
                        (FocusTagDay::Table, FocusTagDay::TagId),
                        (Tag::Table, Tag::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        // Existing sessions (if any) into the roll-ups.
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO focus_day (user_id, day, focus_seconds, sessions, completed) \
             SELECT user_id, day, SUM(focused_seconds), COUNT(*), \
                    SUM(CASE WHEN completed THEN 1 ELSE 0 END) \
             FROM focus_session GROUP BY user_id, day",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO focus_tag_day (user_id, day, tag_id, focus_seconds) \
             SELECT s.user_id, s.day, t.tag_id, SUM(s.focused_seconds) \
             FROM focus_session s JOIN focus_session_tag t ON t.session_id = s.id \
             GROUP BY s.user_id, s.day, t.tag_id",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FocusTagDay::Table.into_iden(),
            FocusDay::Table.into_iden(),
            DiaryEntryTag::Table.into_iden(),
            CheckinTag::Table.into_iden(),
            DiaryEntry::Table.into_iden(),
            Checkin::Table.into_iden(),
            Habit::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_focus_session_user_day")
                    .table(FocusSession::Table)
                    .to_owned(),
            )
            .await?;
        for (table, col) in [
            (
                FocusSession::Table.into_iden(),
                FocusSession::Day.into_iden(),
            ),
            (
                UserAccount::Table.into_iden(),
                UserAccount::DayBoundaryMin.into_iden(),
            ),
            (
                UserAccount::Table.into_iden(),
                UserAccount::Timezone.into_iden(),
            ),
        ] {
            manager
                .alter_table(Table::alter().table(table).drop_column(col).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    Timezone,
    DayBoundaryMin,
}

#[derive(DeriveIden)]
enum FocusSession {
    Table,
    Day,
}

#[derive(DeriveIden)]
enum Tag {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Habit {
    Table,
    Id,
    UserId,
    Name,
    Colour,
    ScheduleKind,
    ScheduleValue,
    Position,
    StartDay,
    ArchivedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Checkin {
    Table,
    Id,
    UserId,
    HabitId,
    Day,
    Note,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CheckinTag {
    Table,
}

#[derive(DeriveIden)]
enum DiaryEntry {
    Table,
    Id,
    UserId,
    Day,
    Body,
    Mood,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiaryEntryTag {
    Table,
}

#[derive(DeriveIden)]
enum FocusDay {
    Table,
    UserId,
    Day,
    FocusSeconds,
    Sessions,
    Completed,
}

#[derive(DeriveIden)]
enum FocusTagDay {
    Table,
    UserId,
    Day,
    TagId,
    FocusSeconds,
}
