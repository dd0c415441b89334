//! Announcements: what staff (or a new policy version) tell everyone, or a group, in a
//! banner and optionally by email. An announcement holds its text in both languages; who
//! dismissed it (so it stays dismissed on every device) and who was emailed it (so no one
//! gets it twice) are rows that go with the account. A policy version is announced once:
//! its column is unique.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Announcement::Table)
                    .col(uuid(Announcement::Id).primary_key())
                    .col(big_integer(Announcement::CreatedMs))
                    .col(string_len(Announcement::Source, 16))
                    .col(string_len_null(Announcement::PolicyVersion, 32))
                    .col(string_len(Announcement::Audience, 32))
                    .col(string_len(Announcement::TitleEn, 200))
                    .col(text(Announcement::BodyEn))
                    .col(string_len(Announcement::TitleZh, 200))
                    .col(text(Announcement::BodyZh))
                    .col(string_len_null(Announcement::Link, 200))
                    .col(boolean(Announcement::Email))
                    .col(big_integer(Announcement::EndsMs))
                    .col(big_integer_null(Announcement::WithdrawnMs))
                    .col(big_integer_null(Announcement::EmailsDoneMs))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_announcement_policy_version")
                    .table(Announcement::Table)
                    .col(Announcement::PolicyVersion)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_announcement_ends")
                    .table(Announcement::Table)
                    .col(Announcement::EndsMs)
                    .to_owned(),
            )
            .await?;
        for (table, state) in [
            (AnnouncementRow::Dismissal, false),
            (AnnouncementRow::Email, true),
        ] {
            let mut create = Table::create();
            create
                .table(table)
                .col(uuid(AnnouncementRow::AnnouncementId))
                .col(uuid(AnnouncementRow::UserId))
                .primary_key(
                    Index::create()
                        .col(AnnouncementRow::AnnouncementId)
                        .col(AnnouncementRow::UserId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(table, AnnouncementRow::AnnouncementId)
                        .to(Announcement::Table, Announcement::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(table, AnnouncementRow::UserId)
                        .to(UserAccount::Table, UserAccount::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                );
            if state {
                create
                    .col(string_len(AnnouncementRow::State, 16))
                    .col(big_integer_null(AnnouncementRow::EmailedMs));
            } else {
                create.col(big_integer(AnnouncementRow::DismissedMs));
            }
            manager.create_table(create.to_owned()).await?;
            manager
                .create_index(
                    Index::create()
                        .name(if state {
                            "ix_announcement_email_user"
                        } else {
                            "ix_announcement_dismissal_user"
                        })
                        .table(table)
                        .col(AnnouncementRow::UserId)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [AnnouncementRow::Email, AnnouncementRow::Dismissal] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_table(Table::drop().table(Announcement::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Announcement {
    Table,
    Id,
    CreatedMs,
    Source,
    PolicyVersion,
    Audience,
    TitleEn,
    BodyEn,
    TitleZh,
    BodyZh,
    Link,
    Email,
    EndsMs,
    WithdrawnMs,
    EmailsDoneMs,
}

/// The two per-account tables.
#[derive(DeriveIden, Clone, Copy)]
enum AnnouncementRow {
    #[sea_orm(iden = "announcement_dismissal")]
    Dismissal,
    #[sea_orm(iden = "announcement_email")]
    Email,
    AnnouncementId,
    UserId,
    DismissedMs,
    State,
    EmailedMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
}
