//! Focus sessions: recording a finished phase, listing, annotating and deleting.

use super::*;

/// Stores one ended focus phase as a session under `id` and refreshes its day's roll-ups.
/// Returns `false` (and stores nothing) if a session with that id already exists.
pub(crate) async fn record_session(
    txn: &impl ConnectionTrait,
    user: Uuid,
    id: Uuid,
    task_id: Option<Uuid>,
    e: &FocusEnded,
    rule: Option<&crate::time::DayRule>,
) -> Result<bool, AppError> {
    // A session counts for the day it started on, by the user's time rules.
    let day = rule.map_or_else(|| Utc::now().date_naive(), |r| r.day_of(e.started_at));
    let row = focus_session::ActiveModel {
        id: Set(id),
        user_id: Set(user),
        task_id: Set(task_id),
        started_at: Set(e.started_at),
        ended_at: Set(e.ended_at),
        focused_seconds: Set(i32::try_from(e.focused_ms / 1000).unwrap_or(i32::MAX)),
        completed: Set(e.completed),
        note: Set(None),
        created_at: Set(Utc::now().fixed_offset()),
        day: Set(day),
    };
    let inserted = focus_session::Entity::insert(row)
        .on_conflict_do_nothing_on([focus_session::Column::Id])
        .exec_without_returning(txn)
        .await?;
    if !matches!(inserted, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
        return Ok(false);
    }
    refresh_focus_day(txn, user, day).await?;
    Ok(true)
}
pub(crate) async fn session_views(
    db: &DatabaseConnection,
    user: Uuid,
    sessions: Vec<focus_session::Model>,
) -> Result<Vec<SessionView>, AppError> {
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.id).collect();
    let tags: HashMap<Uuid, TagView> = list_tags(db, user)
        .await?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let links = focus_session_tag::Entity::find()
        .filter(focus_session_tag::Column::SessionId.is_in(ids))
        .all(db)
        .await?;
    let titles: HashMap<Uuid, String> = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.title))
        .collect();
    Ok(sessions
        .into_iter()
        .map(|s| SessionView {
            id: s.id,
            started_at: s.started_at,
            ended_at: s.ended_at,
            focused_seconds: s.focused_seconds.into(),
            completed: s.completed,
            task_id: s.task_id,
            task_title: s.task_id.and_then(|id| titles.get(&id).cloned()),
            note: s.note,
            day: s.day,
            tags: links
                .iter()
                .filter(|l| l.session_id == s.id)
                .filter_map(|l| tags.get(&l.tag_id).cloned())
                .collect(),
        })
        .collect())
}
pub async fn recent_sessions(
    db: &DatabaseConnection,
    user: Uuid,
    limit: u64,
) -> Result<Vec<SessionView>, AppError> {
    let sessions = focus_session::Entity::find()
        .filter(focus_session::Column::UserId.eq(user))
        .order_by_desc(focus_session::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await?;
    session_views(db, user, sessions).await
}
pub async fn annotate_session(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    note: Option<&str>,
    tag_ids: Option<&str>,
    task_id: Option<&str>,
) -> Result<SessionView, AppError> {
    let session = focus_session::Entity::find_by_id(parse_id(id)?)
        .filter(focus_session::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let note = clean_note(note, "note")?;
    let tags = own_tags(db, user, tag_ids).await?;
    let task = match task_id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(own_task(db, user, raw).await?.id),
        None => session.task_id,
    };
    let txn = db.begin().await?;
    let mut a = session.into_active_model();
    a.note = Set(note);
    a.task_id = Set(task);
    let session = a.update(&txn).await?;
    replace_tags(&txn, session.id, tags).await?;
    refresh_focus_day(&txn, user, session.day).await?;
    txn.commit().await?;
    session_views(db, user, vec![session])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal_while("annotating a session", "the session vanished"))
}
/// Gives a session exactly `tags`.
async fn replace_tags(
    txn: &impl ConnectionTrait,
    session: Uuid,
    tags: Vec<Uuid>,
) -> Result<(), AppError> {
    focus_session_tag::Entity::delete_many()
        .filter(focus_session_tag::Column::SessionId.eq(session))
        .exec(txn)
        .await?;
    for tag_id in tags {
        focus_session_tag::ActiveModel {
            session_id: Set(session),
            tag_id: Set(tag_id),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}
/// Changes only the tags of one of the caller's sessions (from the history); its day's
/// roll-ups follow in the same transaction, so the statistics by tag show the change.
pub async fn set_session_tags(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    tag_ids: Option<&str>,
) -> Result<SessionView, AppError> {
    let session = focus_session::Entity::find_by_id(parse_id(id)?)
        .filter(focus_session::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let tags = own_tags(db, user, tag_ids).await?;
    let txn = db.begin().await?;
    replace_tags(&txn, session.id, tags).await?;
    refresh_focus_day(&txn, user, session.day).await?;
    txn.commit().await?;
    session_views(db, user, vec![session])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal_while("tagging a session", "the session vanished"))
}
pub async fn delete_session(db: &DatabaseConnection, user: Uuid, id: &str) -> Result<(), AppError> {
    let s = focus_session::Entity::find_by_id(parse_id(id)?)
        .filter(focus_session::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let txn = db.begin().await?;
    focus_session::Entity::delete_by_id(s.id).exec(&txn).await?;
    refresh_focus_day(&txn, user, s.day).await?;
    txn.commit().await?;
    Ok(())
}

/// The one rule for the note of any record (a focus session, a check-in, a diary entry):
/// trimmed, empty means none, at most [`NOTE_MAX_CHARS`] characters.
pub fn clean_note(note: Option<&str>, field: &str) -> Result<Option<String>, AppError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > NOTE_MAX_CHARS) {
        return Err(AppError::validation(
            field,
            crate::i18n::t().timer.note_too_long,
        ));
    }
    Ok(note.map(str::to_owned))
}

/// Changes the note of one of the caller's focus sessions.
pub async fn set_note(
    db: &DatabaseConnection,
    user: Uuid,
    id: Uuid,
    note: &str,
) -> Result<(), AppError> {
    let note = clean_note(Some(note), "note")?;
    let n = focus_session::Entity::update_many()
        .col_expr(focus_session::Column::Note, Expr::value(note))
        .filter(focus_session::Column::Id.eq(id))
        .filter(focus_session::Column::UserId.eq(user))
        .exec(db)
        .await?
        .rows_affected;
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
