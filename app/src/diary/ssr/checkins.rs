//! Check-ins of habits: for today or a past day, undone, deleted.

use super::*;

pub(super) fn checkin_view(c: checkin::Model, tags: Vec<TagView>) -> CheckinView {
    CheckinView {
        id: c.id,
        habit_id: c.habit_id,
        day: c.day,
        note: c.note,
        tags,
    }
}
pub async fn check_in(
    db: &DatabaseConnection,
    user: Uuid,
    habit_id: &str,
    day: &str,
    note: Option<&str>,
    tag_ids: Option<&str>,
) -> Result<CheckinView, AppError> {
    let h = own_habit(db, user, habit_id).await?;
    let today = rule_for(db, user).await?.day_of(now_ms());
    let day = parse_day(day, today, "day")?;
    let note = clean_note(note, "note")?;
    let tags = own_tags(db, user, tag_ids).await?;
    let now = Utc::now().fixed_offset();
    let txn = db.begin().await?;
    // Backfilling before the habit existed moves its start back to that day.
    if day < h.start_day {
        let mut a = h.clone().into_active_model();
        a.start_day = Set(day);
        a.update(&txn).await?;
    }
    let existing = checkin::Entity::find()
        .filter(checkin::Column::HabitId.eq(h.id))
        .filter(checkin::Column::Day.eq(day))
        .one(&txn)
        .await?;
    let row = match existing {
        Some(c) => {
            let mut a = c.into_active_model();
            a.note = Set(note);
            a.updated_at = Set(now);
            a.update(&txn).await?
        }
        None => {
            checkin::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(user),
                habit_id: Set(h.id),
                day: Set(day),
                note: Set(note),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?
        }
    };
    set_links(&txn, LinkKind::Checkin, row.id, &tags).await?;
    txn.commit().await?;
    let tags = tags_of(db, user, LinkKind::Checkin, &[row.id])
        .await?
        .remove(&row.id)
        .unwrap_or_default();
    Ok(checkin_view(row, tags))
}
pub async fn undo_check_in(
    db: &DatabaseConnection,
    user: Uuid,
    habit_id: &str,
    day: &str,
) -> Result<(), AppError> {
    let h = own_habit(db, user, habit_id).await?;
    let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("day", crate::i18n::t().diary.err_date_format))?;
    checkin::Entity::delete_many()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::HabitId.eq(h.id))
        .filter(checkin::Column::Day.eq(day))
        .exec(db)
        .await?;
    Ok(())
}
pub async fn delete_checkin(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let n = checkin::Entity::delete_many()
        .filter(checkin::Column::Id.eq(parse_id(id)?))
        .filter(checkin::Column::UserId.eq(user))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
/// `(habit id, day)` of all the user's check-ins since `from`.
pub(super) async fn checkin_days(
    db: &DatabaseConnection,
    user: Uuid,
    from: Option<NaiveDate>,
) -> Result<Vec<(Uuid, NaiveDate)>, AppError> {
    let mut q = checkin::Entity::find()
        .select_only()
        .column(checkin::Column::HabitId)
        .column(checkin::Column::Day)
        .filter(checkin::Column::UserId.eq(user));
    if let Some(from) = from {
        q = q.filter(checkin::Column::Day.gte(from));
    }
    Ok(q.into_tuple().all(db).await?)
}
