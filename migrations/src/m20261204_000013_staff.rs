//! Staff roles and the audit log.
//!
//! - `staff_role`: one row per role an account holds (administrator, moderator, support),
//!   replacing `user_account.is_admin` (whose holders become moderators).
//! - `audit_log`: one row per staff action — who (the account, kept while it exists), in
//!   which role, what, on which object, when. Rows are only ever added; the retention job
//!   deletes them after the period `docs/operations.md` states. The wall's moderation log
//!   (`letter_moderation`) becomes part of it and is dropped.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffRole::Table)
                    .col(uuid(StaffRole::UserId))
                    .col(string_len(StaffRole::Role, 16))
                    .col(big_integer(StaffRole::GrantedMs))
                    .primary_key(Index::create().col(StaffRole::UserId).col(StaffRole::Role))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffRole::Table, StaffRole::UserId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(uuid(AuditLog::Id).primary_key())
                    .col(big_integer(AuditLog::AtMs))
                    // Empty once the account is erased: "a former staff member".
                    .col(uuid_null(AuditLog::ActorId))
                    // The role the action needed; empty for the command line.
                    .col(string_len_null(AuditLog::Role, 16))
                    .col(string_len(AuditLog::Action, 40))
                    .col(string_len(AuditLog::ObjectKind, 24))
                    .col(string_len_null(AuditLog::ObjectId, 64))
                    .col(text_null(AuditLog::Detail))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AuditLog::Table, AuditLog::ActorId)
                            .to(UserAccount::Table, UserAccount::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_audit_log_at", AuditLog::AtMs),
            ("ix_audit_log_actor", AuditLog::ActorId),
            ("ix_audit_log_object", AuditLog::ObjectId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(AuditLog::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        let db = manager.get_connection();
        // Today's moderators keep their role.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis());
        db.execute_unprepared(&format!(
            "INSERT INTO staff_role (user_id, role, granted_ms) \
             SELECT id, 'moderator', {now_ms} FROM user_account WHERE is_admin"
        ))
        .await?;
        // The moderation log moves into the audit log, naming each letter by its address
        // on the wall (`/wall/<public id>`).
        db.execute_unprepared(
            "INSERT INTO audit_log (id, at_ms, actor_id, role, action, object_kind, object_id) \
             SELECT m.id, m.created_ms, m.admin_id, 'moderator', \
                    CASE WHEN m.action = 'hide' THEN 'wall.hide' ELSE 'wall.show' END, \
                    'letter', l.public_id \
             FROM letter_moderation m JOIN letter l ON l.id = m.letter_id",
        )
        .await?;
        manager
            .drop_table(Table::drop().table(LetterModeration::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .drop_column(UserAccount::IsAdmin)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(UserAccount::Table)
                    .add_column(boolean(UserAccount::IsAdmin).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE user_account SET is_admin = true WHERE id IN \
                 (SELECT user_id FROM staff_role)",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LetterModeration::Table)
                    .col(uuid(LetterModeration::Id).primary_key())
                    .col(uuid(LetterModeration::LetterId))
                    .col(uuid_null(LetterModeration::AdminId))
                    .col(string_len(LetterModeration::Action, 16))
                    .col(big_integer(LetterModeration::CreatedMs))
                    .to_owned(),
            )
            .await?;
        for table in [AuditLog::Table.into_iden(), StaffRole::Table.into_iden()] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum StaffRole {
    Table,
    UserId,
    Role,
    GrantedMs,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    AtMs,
    ActorId,
    Role,
    Action,
    ObjectKind,
    ObjectId,
    Detail,
}

#[derive(DeriveIden)]
enum LetterModeration {
    Table,
    Id,
    LetterId,
    AdminId,
    Action,
    CreatedMs,
}

#[derive(DeriveIden)]
enum UserAccount {
    Table,
    Id,
    IsAdmin,
}
