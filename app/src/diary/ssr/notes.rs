//! Editing the note of any record the history shows.

use super::*;

pub async fn edit_note(
    db: &DatabaseConnection,
    user: Uuid,
    kind: &str,
    id: &str,
    note: &str,
) -> Result<(), AppError> {
    let id = parse_id(id)?;
    match kind {
        "focus" => crate::focus::ssr::set_note(db, user, id, note).await?,
        "checkin" => {
            let note = clean_note(Some(note), "note")?;
            let n = checkin::Entity::update_many()
                .col_expr(checkin::Column::Note, Expr::value(note))
                .col_expr(
                    checkin::Column::UpdatedAt,
                    Expr::value(Utc::now().fixed_offset()),
                )
                .filter(checkin::Column::Id.eq(id))
                .filter(checkin::Column::UserId.eq(user))
                .exec(db)
                .await?
                .rows_affected;
            if n == 0 {
                return Err(AppError::NotFound);
            }
        }
        "entry" => {
            let e = diary_entry::Entity::find_by_id(id)
                .filter(diary_entry::Column::UserId.eq(user))
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            let tags: Vec<String> = tags_of(db, user, LinkKind::Entry, &[e.id])
                .await?
                .remove(&e.id)
                .unwrap_or_default()
                .iter()
                .map(|t| t.id.to_string())
                .collect();
            let mood = e.mood.map(|m| m.to_string());
            save_entry(
                db,
                user,
                &e.day.to_string(),
                note,
                mood.as_deref(),
                Some(&tags.join(",")),
            )
            .await?;
        }
        _ => {
            return Err(AppError::validation(
                "kind",
                crate::i18n::t().diary.err_kind,
            ));
        }
    }
    Ok(())
}
