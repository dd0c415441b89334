//! The wall's search index (`letter_search`): the words of every letter on the wall.
//!
//! Titles and bodies are sealed at rest, so the database cannot search `letter`; this
//! table keeps, for each letter on the wall ([`on_wall`]), its title and body as
//! [`crate::search::document`] splits them. Those letters are published, so their words
//! are no secret; no other letter has a row. Letters write the index (the wall only reads
//! it, joined to `letter` through [`on_wall`] again, so a row that outlived its letter's
//! place on the wall is never shown):
//!
//! - [`sync`] after every change that can put a letter on the wall or take it off: its
//!   delivery (`delivery::finish`), its author sharing or taking it down
//!   ([`super::set_public`]), a moderator hiding or showing it (`wall::ssr::moderate`);
//! - [`index_wall`] at start-up, for wall letters without a row (delivered before the
//!   index existed, or whose [`sync`] failed);
//! - a deleted letter's row goes with it (`ON DELETE CASCADE`).
//!
//! Each writer reads the letter *after* its own change is committed, so of two changes
//! made at once (a delivery and its author sharing the letter) at least one sees both.

use std::collections::HashSet;

use sea_orm::sea_query::{OnConflict, Query};

use super::*;
use crate::letters::{entities::letter_search, public::on_wall};

/// Letters read per step of [`index_wall`].
const PAGE: u64 = 100;
/// Rows per insert: a letter's words can be long, and sqlx leaves Nagle's algorithm on
/// (see `delivery::finish`), so statements stay small.
const ROWS: usize = 16;

/// What the index keeps for a letter: the words of its title and of its body's text
/// (Markdown removed, as the wall's excerpts show it).
pub fn words(text: &LetterText) -> String {
    let body = crate::markdown::excerpt(&text.body, usize::MAX);
    crate::search::document(&[&text.title, &body])
}

/// Brings the rows of these letters up to date: a letter on the wall gets its words, any
/// other loses its row. Failures are logged, not returned: the change that called it has
/// happened, the search finds only letters on the wall whatever the index holds, and the
/// next start fills in what is missing.
pub async fn sync(db: &impl ConnectionTrait, letters: &Letters, ids: &[Uuid]) {
    if let Err(e) = try_sync(db, letters, ids).await {
        tracing::warn!(error = %e, letters = ids.len(), "the wall's search index was not updated");
    }
}

async fn try_sync(
    db: &impl ConnectionTrait,
    letters: &Letters,
    ids: &[Uuid],
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    let walled = letter::Entity::find()
        .filter(letter::Column::Id.is_in(ids.iter().copied()))
        .filter(on_wall())
        .all(db)
        .await?;
    let keep: HashSet<Uuid> = walled.iter().map(|l| l.id).collect();
    let gone: Vec<Uuid> = ids
        .iter()
        .copied()
        .filter(|id| !keep.contains(id))
        .collect();
    if !gone.is_empty() {
        letter_search::Entity::delete_many()
            .filter(letter_search::Column::LetterId.is_in(gone))
            .exec(db)
            .await?;
    }
    write(db, letters, &walled).await?;
    Ok(())
}

/// Writes (or rewrites) the rows of these letters; answers how many. A letter that does
/// not open is logged and left out.
async fn write(
    db: &impl ConnectionTrait,
    letters: &Letters,
    walled: &[letter::Model],
) -> Result<u64, AppError> {
    let rows: Vec<letter_search::ActiveModel> = walled
        .iter()
        .filter_map(|l| match letters.text(l) {
            Ok(text) => Some(letter_search::ActiveModel {
                letter_id: Set(l.id),
                doc: Set(words(&text)),
            }),
            Err(e) => {
                tracing::error!(letter = %l.id, error = %e, "a wall letter does not open: not indexed");
                None
            }
        })
        .collect();
    let written = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        letter_search::Entity::insert_many(rows.by_ref().take(ROWS))
            .on_conflict(
                OnConflict::column(letter_search::Column::LetterId)
                    .update_column(letter_search::Column::Doc)
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(written)
}

/// Indexes every letter on the wall that has no row yet, in pages; answers how many were
/// written. Run at start-up: after the first run it is one query that finds nothing.
pub async fn index_wall(db: &DatabaseConnection, letters: &Letters) -> Result<u64, AppError> {
    let mut after: Option<Uuid> = None;
    let mut written = 0;
    loop {
        let mut q = letter::Entity::find().filter(on_wall()).filter(
            letter::Column::Id.not_in_subquery(
                Query::select()
                    .column(letter_search::Column::LetterId)
                    .from(letter_search::Entity)
                    .to_owned(),
            ),
        );
        if let Some(a) = after {
            q = q.filter(letter::Column::Id.gt(a));
        }
        let page = q
            .order_by_asc(letter::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let Some(last) = page.last() else {
            return Ok(written);
        };
        after = Some(last.id);
        written += write(db, letters, &page).await?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_letter_is_indexed_by_the_words_of_its_title_and_text_without_markup() {
        let text = LetterText {
            title: "Plum Tree".into(),
            body: "Dear **future** me,\n\n[今天很好](https://example.com/x) `code`".into(),
        };
        assert_eq!(words(&text), "plum tree dear future me 今天 天很 很好 code");
    }
}
