//! The per-day roll-ups of focus (`focus_day`, `focus_tag_day`) that statistics read,
//! recomputed in the same transaction as every change to a session of that day. They sum
//! the sessions that count (`focus::MIN_COUNTED_FOCUS_SECS`); a shorter one is a record
//! without weight.

use super::*;

/// Recomputes the roll-ups of one user's day from its focus sessions that count. Called in
/// the same transaction as every change to a session of that day.
pub async fn refresh_focus_day(
    db: &impl ConnectionTrait,
    user: Uuid,
    day: NaiveDate,
) -> Result<(), AppError> {
    let sessions = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .filter(focus_session::Column::Day.eq(day))
        .filter(focus_session::Column::FocusedSeconds.gte(crate::focus::MIN_COUNTED_FOCUS_SECS))
        .all(db)
        .await?;
    focus_day::Entity::delete_many()
        .filter(focus_day::Column::UserId.eq(user))
        .filter(focus_day::Column::Day.eq(day))
        .exec(db)
        .await?;
    focus_tag_day::Entity::delete_many()
        .filter(focus_tag_day::Column::UserId.eq(user))
        .filter(focus_tag_day::Column::Day.eq(day))
        .exec(db)
        .await?;
    if sessions.is_empty() {
        return Ok(());
    }
    let seconds: HashMap<Uuid, i64> = sessions
        .iter()
        .map(|s| (s.id, i64::from(s.focused_seconds)))
        .collect();
    focus_day::ActiveModel {
        user_id: Set(user),
        day: Set(day),
        focus_seconds: Set(seconds.values().sum()),
        sessions: Set(i32::try_from(sessions.len()).unwrap_or(i32::MAX)),
        completed: Set(
            i32::try_from(sessions.iter().filter(|s| s.completed).count()).unwrap_or(i32::MAX),
        ),
    }
    .insert(db)
    .await?;
    let links = focus_session_tag::Entity::find()
        .filter(focus_session_tag::Column::SessionId.is_in(seconds.keys().copied()))
        .all(db)
        .await?;
    let mut per_tag: BTreeMap<Uuid, i64> = BTreeMap::new();
    for l in links {
        *per_tag.entry(l.tag_id).or_default() += seconds.get(&l.session_id).copied().unwrap_or(0);
    }
    for (tag_id, secs) in per_tag {
        focus_tag_day::ActiveModel {
            user_id: Set(user),
            day: Set(day),
            tag_id: Set(tag_id),
            focus_seconds: Set(secs),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
