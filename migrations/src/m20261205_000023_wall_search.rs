//! Searching the letter wall: `letter_search` holds, for each letter on the wall, the
//! words of its title and body (`app::search::document`: lowercase words, Chinese as
//! overlapping character pairs, joined by spaces). Letters are sealed at rest, so the
//! database cannot search `letter` itself; these words are of letters already published.
//!
//! Each engine searches the words its own way:
//! - PostgreSQL: a GIN index on `to_tsvector('simple', doc)`, asked with
//!   `to_tsquery('simple', …)`;
//! - SQLite: an FTS5 table `letter_search_fts` over `letter_search` (external content,
//!   `ascii` tokenizer: the words are already split and lowercased, and every non-ASCII
//!   character is part of a word), kept in step by triggers. Its rowids are
//!   `letter_search.id`, an `INTEGER PRIMARY KEY`, so a `VACUUM` cannot renumber them.
//!
//! Rows are written by `app::letters::ssr::search`; a letter's row goes with the letter
//! (`ON DELETE CASCADE`). The table starts empty: the server fills it for letters already
//! on the wall at start-up.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let sqlite = manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite;
        let mut table = Table::create();
        table.table(LetterSearch::Table);
        if sqlite {
            // The FTS5 table's rowid; the letter is a unique column beside it.
            table
                .col(
                    ColumnDef::new(LetterSearch::Id)
                        .integer()
                        .not_null()
                        .primary_key(),
                )
                .col(uuid_uniq(LetterSearch::LetterId));
        } else {
            table.col(uuid(LetterSearch::LetterId).primary_key());
        }
        manager
            .create_table(
                table
                    .col(text(LetterSearch::Doc))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LetterSearch::Table, LetterSearch::LetterId)
                            .to(Letter::Table, Letter::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        let statements: &[&str] = if sqlite {
            &[
                "CREATE VIRTUAL TABLE letter_search_fts USING fts5(doc, \
                 content='letter_search', content_rowid='id', tokenize='ascii')",
                "CREATE TRIGGER letter_search_ai AFTER INSERT ON letter_search BEGIN \
                 INSERT INTO letter_search_fts(rowid, doc) VALUES (new.id, new.doc); END",
                "CREATE TRIGGER letter_search_ad AFTER DELETE ON letter_search BEGIN \
                 INSERT INTO letter_search_fts(letter_search_fts, rowid, doc) \
                 VALUES ('delete', old.id, old.doc); END",
                "CREATE TRIGGER letter_search_au AFTER UPDATE ON letter_search BEGIN \
                 INSERT INTO letter_search_fts(letter_search_fts, rowid, doc) \
                 VALUES ('delete', old.id, old.doc); \
                 INSERT INTO letter_search_fts(rowid, doc) VALUES (new.id, new.doc); END",
            ]
        } else {
            &["CREATE INDEX ix_letter_search_doc ON letter_search \
               USING GIN (to_tsvector('simple', doc))"]
        };
        for sql in statements {
            manager.get_connection().execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == sea_orm::DatabaseBackend::Sqlite {
            for sql in [
                "DROP TRIGGER IF EXISTS letter_search_au",
                "DROP TRIGGER IF EXISTS letter_search_ad",
                "DROP TRIGGER IF EXISTS letter_search_ai",
                "DROP TABLE IF EXISTS letter_search_fts",
            ] {
                manager.get_connection().execute_unprepared(sql).await?;
            }
        }
        manager
            .drop_table(Table::drop().table(LetterSearch::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum LetterSearch {
    Table,
    Id,
    LetterId,
    Doc,
}

#[derive(DeriveIden)]
enum Letter {
    Table,
    Id,
}
