//! Tasks: the caller's to-do list with estimates, the current task, order and completion.

use super::*;

pub(super) async fn own_task(
    db: &impl ConnectionTrait,
    user: Uuid,
    raw: &str,
) -> Result<task::Model, AppError> {
    let id = parse_id(raw)?;
    task::Entity::find_by_id(id)
        .filter(task::Column::UserId.eq(user))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}
pub async fn set_current_task(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    raw: Option<&str>,
) -> Result<TimerSnapshot, AppError> {
    let task_id = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(raw) => Some(own_task(db, user, raw).await?.id),
        None => None,
    };
    update_timer(db, hub, user, move |a| a.task_id = Set(task_id)).await
}
pub(super) fn task_title(raw: &str) -> Result<String, AppError> {
    let tx = &crate::i18n::t().timer;
    let t = raw.trim();
    match t.chars().count() {
        0 => Err(AppError::validation("title", tx.task_name_required)),
        1..=200 => Ok(t.to_owned()),
        _ => Err(AppError::validation(
            "title",
            crate::i18n::fill(tx.too_long, &[("n", &200)]),
        )),
    }
}
pub(super) fn estimate(raw: &str) -> Result<i32, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(1);
    }
    match raw.parse::<i32>() {
        Ok(v) if (0..=99).contains(&v) => Ok(v),
        _ => Err(AppError::validation(
            "estimate",
            crate::i18n::t().timer.estimate_invalid,
        )),
    }
}
/// Completed focus sessions that count (`focus::MIN_COUNTED_FOCUS_SECS`) per task of
/// `user` (only task `only`, when given).
pub(super) async fn actual_counts(
    db: &DatabaseConnection,
    user: Uuid,
    only: Option<Uuid>,
) -> Result<HashMap<Uuid, i64>, AppError> {
    let mut q = focus_session::Entity::find()
        .select_only()
        .column(focus_session::Column::TaskId)
        .column_as(focus_session::Column::Id.count(), "n")
        .filter(focus_session::Column::UserId.eq(user))
        .filter(focus_session::Column::Completed.eq(true))
        .filter(focus_session::Column::FocusedSeconds.gte(crate::focus::MIN_COUNTED_FOCUS_SECS));
    q = match only {
        Some(task) => q.filter(focus_session::Column::TaskId.eq(task)),
        None => q.filter(focus_session::Column::TaskId.is_not_null()),
    };
    let rows: Vec<(Option<Uuid>, i64)> = q
        .group_by(focus_session::Column::TaskId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}
pub(super) fn task_view(t: &task::Model, counts: &HashMap<Uuid, i64>) -> TaskView {
    TaskView {
        id: t.id,
        title: t.title.clone(),
        estimate: t.estimate.into(),
        actual: counts.get(&t.id).copied().unwrap_or(0),
        position: t.position.into(),
        completed_at: t.completed_at.map(|d| d.with_timezone(&Utc)),
    }
}
pub async fn list_tasks(db: &DatabaseConnection, user: Uuid) -> Result<Vec<TaskView>, AppError> {
    let counts = actual_counts(db, user, None).await?;
    let open = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.is_null())
        .order_by_asc(task::Column::Position)
        .all(db)
        .await?;
    let done = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.is_not_null())
        .order_by_desc(task::Column::CompletedAt)
        .limit(50)
        .all(db)
        .await?;
    Ok(open
        .iter()
        .chain(done.iter())
        .map(|t| task_view(t, &counts))
        .collect())
}
pub(super) async fn one_task_view(
    db: &DatabaseConnection,
    user: Uuid,
    t: &task::Model,
) -> Result<TaskView, AppError> {
    Ok(task_view(t, &actual_counts(db, user, Some(t.id)).await?))
}
pub async fn create_task(
    db: &DatabaseConnection,
    user: Uuid,
    title: &str,
    est: &str,
) -> Result<TaskView, AppError> {
    let (title, est) = both(task_title(title), estimate(est))?;
    let last: Option<i32> = task::Entity::find()
        .select_only()
        .column_as(task::Column::Position.max(), "p")
        .filter(task::Column::UserId.eq(user))
        .into_tuple::<Option<i32>>()
        .one(db)
        .await?
        .flatten();
    let now = Utc::now().fixed_offset();
    let t = task::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user),
        title: Set(title),
        estimate: Set(est),
        position: Set(last.map_or(0, |p| p + 1)),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    one_task_view(db, user, &t).await
}
/// Both results, or every field error of the two.
pub(super) fn both<A, B>(
    a: Result<A, AppError>,
    b: Result<B, AppError>,
) -> Result<(A, B), AppError> {
    match (a, b) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        (Err(AppError::Validation { fields: mut x }), Err(AppError::Validation { fields: y })) => {
            x.extend(y);
            Err(AppError::Validation { fields: x })
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    }
}
pub async fn update_task(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    title: &str,
    est: &str,
) -> Result<TaskView, AppError> {
    let t = own_task(db, user, id).await?;
    let (title, est) = both(task_title(title), estimate(est))?;
    let mut a = t.into_active_model();
    a.title = Set(title);
    a.estimate = Set(est);
    a.updated_at = Set(Utc::now().fixed_offset());
    let t = a.update(db).await?;
    one_task_view(db, user, &t).await
}
pub async fn complete_task(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    done: bool,
) -> Result<TaskView, AppError> {
    let t = own_task(db, user, id).await?;
    let now = Utc::now().fixed_offset();
    let mut a = t.into_active_model();
    a.completed_at = Set(done.then_some(now));
    a.updated_at = Set(now);
    let t = a.update(db).await?;
    one_task_view(db, user, &t).await
}
pub async fn delete_task(
    db: &DatabaseConnection,
    hub: &FocusHub,
    user: Uuid,
    id: &str,
) -> Result<(), AppError> {
    let t = own_task(db, user, id).await?;
    let m = load(db, user).await?;
    if m.task_id == Some(t.id) {
        update_timer(db, hub, user, |a| a.task_id = Set(None)).await?;
    }
    // Its sessions stay in the history, without the task (ON DELETE SET NULL).
    focus_session::Entity::update_many()
        .col_expr(
            focus_session::Column::TaskId,
            Expr::value(Option::<Uuid>::None),
        )
        .filter(focus_session::Column::TaskId.eq(t.id))
        .exec(db)
        .await?;
    task::Entity::delete_by_id(t.id).exec(db).await?;
    Ok(())
}
pub async fn move_task(
    db: &DatabaseConnection,
    user: Uuid,
    id: &str,
    direction: &str,
) -> Result<Vec<TaskView>, AppError> {
    let t = own_task(db, user, id).await?;
    let mut q = task::Entity::find()
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.is_null());
    q = match direction {
        "up" => q
            .filter(task::Column::Position.lt(t.position))
            .order_by_desc(task::Column::Position),
        "down" => q
            .filter(task::Column::Position.gt(t.position))
            .order_by_asc(task::Column::Position),
        _ => {
            return Err(AppError::validation(
                "direction",
                crate::i18n::t().timer.direction_invalid,
            ));
        }
    };
    if let Some(other) = q.one(db).await? {
        let txn = db.begin().await?;
        let (p1, p2) = (t.position, other.position);
        let mut a = t.into_active_model();
        a.position = Set(p2);
        a.update(&txn).await?;
        let mut b = other.into_active_model();
        b.position = Set(p1);
        b.update(&txn).await?;
        txn.commit().await?;
    }
    list_tasks(db, user).await
}
