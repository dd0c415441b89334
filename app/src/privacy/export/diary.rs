//! The diary part of the archive: one Markdown file per day, and the list of entries.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use uuid::Uuid;

use super::archive::{Archive, export_row, stamp};
use super::{links, names_of, owned};
use crate::{
    AppError,
    diary::entities::{diary_entry, diary_entry_tag},
};

export_row! {
    /// A diary entry (`diary/entries`), whose text is also in `file`.
    Entry {
        day: String,
        mood: Option<i32>,
        tags: Vec<String>,
        body: String,
        file: String,
        created_at: Value,
        updated_at: Value,
    }
}

/// Writes `diary/<day>.md` for every entry, and `diary/entries`; `tag_names` are the
/// owner's tags by id.
pub(super) async fn write(
    db: &DatabaseConnection,
    user: Uuid,
    tag_names: &HashMap<Uuid, String>,
    zip: &mut Archive,
) -> Result<(), AppError> {
    let entry_tags = links(
        diary_entry_tag::Entity::find()
            .filter(diary_entry_tag::Column::EntryId.in_subquery(owned(
                diary_entry::Column::Id,
                diary_entry::Column::UserId,
                user,
            )))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.entry_id, l.tag_id)),
    );
    let mut entries = Vec::new();
    for e in diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .order_by_asc(diary_entry::Column::Day)
        .all(db)
        .await?
    {
        let tags = names_of(tag_names, &entry_tags, e.id);
        let file = format!("diary/{}.md", e.day);
        let mut md = format!("# {}\n\n", e.day.format("%A %-d %B %Y"));
        if let Some(mood) = e.mood {
            md.push_str(&format!("Mood: {mood} of 5\n"));
        }
        if !tags.is_empty() {
            md.push_str(&format!("Tags: {}\n", tags.join(", ")));
        }
        md.push('\n');
        md.push_str(&e.body);
        md.push('\n');
        zip.file(&file, md.as_bytes(), true)?;
        entries.push(Entry {
            day: e.day.to_string(),
            mood: e.mood,
            tags,
            body: e.body,
            file,
            created_at: stamp(e.created_at),
            updated_at: stamp(e.updated_at),
        });
    }
    zip.table("diary/entries", &entries)
}
