//! Diary entries: one per day, Markdown body, mood and tags.

use super::*;

pub(super) const BODY_MAX: usize = 20_000;
pub(super) fn entry_view(e: diary_entry::Model, tags: Vec<TagView>) -> EntryView {
    EntryView {
        id: e.id,
        day: e.day,
        html: markdown::render(&e.body, BODY_MAX),
        body: e.body,
        mood: e.mood,
        tags,
    }
}
pub async fn save_entry(
    db: &DatabaseConnection,
    user: Uuid,
    day: &str,
    body: &str,
    mood: Option<&str>,
    tag_ids: Option<&str>,
) -> Result<EntryView, AppError> {
    let t = &crate::i18n::t().diary;
    let today = rule_for(db, user).await?.day_of(now_ms());
    let day = parse_day(day, today, "day")?;
    let body = body.trim();
    if body.chars().count() > BODY_MAX {
        return Err(AppError::validation("body", t.err_entry_long));
    }
    let mood = match mood.map(str::trim).filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match m.parse::<i32>() {
            Ok(n @ 1..=5) => Some(n),
            _ => return Err(AppError::validation("mood", t.err_mood)),
        },
    };
    if body.is_empty() && mood.is_none() {
        return Err(AppError::validation("body", t.err_entry_empty));
    }
    let tags = own_tags(db, user, tag_ids).await?;
    let now = Utc::now().fixed_offset();
    let txn = db.begin().await?;
    let existing = diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.eq(day))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(e) => {
            let mut a = e.into_active_model();
            a.body = Set(body.to_owned());
            a.mood = Set(mood);
            a.updated_at = Set(now);
            a.update(&txn).await?
        }
        None => {
            diary_entry::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user),
                day: Set(day),
                body: Set(body.to_owned()),
                mood: Set(mood),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    set_links(&txn, LinkKind::Entry, row.id, &tags).await?;
    txn.commit().await?;
    let tags = tags_of(db, user, LinkKind::Entry, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(entry_view(row, tags))
}
pub async fn delete_entry(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let n = diary_entry::Entity::delete_many()
        .filter(diary_entry::Column::Id.eq(parse_id(id)?))
        .filter(diary_entry::Column::UserId.eq(user))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
