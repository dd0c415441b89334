//! Focus sessions shorter than a minute no longer count (`app::focus::MIN_COUNTED_FOCUS_SECS`,
//! the same 60 seconds as [`MIN_COUNTED_SECS`] here): the day roll-ups `focus_day` and
//! `focus_tag_day`, which the statistics read, are recomputed from the sessions that do.
//! Nothing is deleted from `focus_session`: a short session stays a record (history,
//! export). `down` recomputes the roll-ups from every session, as they were before.
//!
//! Both run in one transaction on either engine, so the roll-ups are never seen half built.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The shortest focus that counts, in seconds (`app::focus::MIN_COUNTED_FOCUS_SECS`).
const MIN_COUNTED_SECS: i64 = 60;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        recount(manager, MIN_COUNTED_SECS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        recount(manager, 0).await
    }
}

/// Rebuilds both roll-ups from the sessions with at least `min_secs` of focus.
async fn recount(manager: &SchemaManager<'_>, min_secs: i64) -> Result<(), DbErr> {
    manager
        .exec_stmt(Query::delete().from_table(FocusDay::Table).to_owned())
        .await?;
    manager
        .exec_stmt(Query::delete().from_table(FocusTagDay::Table).to_owned())
        .await?;

    let completed = Expr::case(Expr::col(FocusSession::Completed).eq(true), 1).finally(0);
    let days = Query::select()
        .column(FocusSession::UserId)
        .column(FocusSession::Day)
        .expr(Func::sum(Expr::col(FocusSession::FocusedSeconds)))
        .expr(Func::count(Expr::col(FocusSession::Id)))
        .expr(Func::sum(completed))
        .from(FocusSession::Table)
        .and_where(Expr::col(FocusSession::FocusedSeconds).gte(min_secs))
        .group_by_col(FocusSession::UserId)
        .group_by_col(FocusSession::Day)
        .to_owned();
    manager
        .exec_stmt(
            Query::insert()
                .into_table(FocusDay::Table)
                .columns([
                    FocusDay::UserId,
                    FocusDay::Day,
                    FocusDay::FocusSeconds,
                    FocusDay::Sessions,
                    FocusDay::Completed,
                ])
                .select_from(days)
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned(),
        )
        .await?;

    let tag_days = Query::select()
        .column((FocusSession::Table, FocusSession::UserId))
        .column((FocusSession::Table, FocusSession::Day))
        .column((FocusSessionTag::Table, FocusSessionTag::TagId))
        .expr(Func::sum(Expr::col((
            FocusSession::Table,
            FocusSession::FocusedSeconds,
        ))))
        .from(FocusSession::Table)
        .inner_join(
            FocusSessionTag::Table,
            Expr::col((FocusSessionTag::Table, FocusSessionTag::SessionId))
                .equals((FocusSession::Table, FocusSession::Id)),
        )
        .and_where(Expr::col((FocusSession::Table, FocusSession::FocusedSeconds)).gte(min_secs))
        .group_by_col((FocusSession::Table, FocusSession::UserId))
        .group_by_col((FocusSession::Table, FocusSession::Day))
        .group_by_col((FocusSessionTag::Table, FocusSessionTag::TagId))
        .to_owned();
    manager
        .exec_stmt(
            Query::insert()
                .into_table(FocusTagDay::Table)
                .columns([
                    FocusTagDay::UserId,
                    FocusTagDay::Day,
                    FocusTagDay::TagId,
                    FocusTagDay::FocusSeconds,
                ])
                .select_from(tag_days)
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .to_owned(),
        )
        .await?;
    Ok(())
}

#[derive(DeriveIden)]
enum FocusSession {
    Table,
    Id,
    UserId,
    Day,
    FocusedSeconds,
    Completed,
}

#[derive(DeriveIden)]
enum FocusSessionTag {
    Table,
    SessionId,
    TagId,
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
