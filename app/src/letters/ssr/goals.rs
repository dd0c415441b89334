//! Letters that open on progress, and the figures a letter to oneself is sealed with.
//!
//! A goal is stored beside its letter (`letter_goal`); the letter's date stays its latest
//! delivery and its deliveries wait for that date as any letter's do. When the author's
//! records change, the goals of their scheduled letters are counted again
//! ([`check_user`]); a goal reached moves the letter's pending deliveries to now, in one
//! transaction that first marks the goal reached (once: only the check that makes that
//! change moves anything), and the scheduler delivers them exactly once as it delivers
//! every letter. A check that runs twice at once, on one instance or two, or after the
//! letter was cancelled or delivered, changes nothing.

use std::collections::HashSet;

use sea_orm::{QueryTrait, sea_query::Expr};
use tokio::sync::mpsc;

use super::*;
use crate::diary::ssr::Measure;
use crate::letters::entities::{letter_goal, letter_snapshot};
use crate::letters::goals::{Choice, GoalForm, GoalKind, GoalView, ThenNow};

/// How often the goals of every author with one waiting are counted, besides when their
/// records change (a safety net for news lost to a restart).
const SWEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

fn measure_of(kind: GoalKind, tag: Option<Uuid>, habit: Option<Uuid>) -> Measure {
    match kind {
        GoalKind::FocusSessions => Measure::FocusSessions { tag },
        GoalKind::FocusHours => Measure::FocusSeconds { tag },
        GoalKind::HabitStreak => Measure::HabitStreak {
            habit: habit.unwrap_or_default(),
        },
        GoalKind::DiaryEntries => Measure::Entries,
    }
}

/// The goal as it will be stored: a tag only for focus goals, a habit only for streaks.
fn normalised(g: &GoalForm) -> GoalForm {
    GoalForm {
        kind: g.kind,
        target: g.target,
        tag: g.tag.filter(|_| g.kind.takes_tag()),
        habit: g.habit.filter(|_| g.kind == GoalKind::HabitStreak),
    }
}

/// Checks a goal of a letter being scheduled: for the author alone, a target in range, a
/// tag or habit of the author's own, and a streak not already reached.
pub(super) async fn check_goal(
    db: &impl ConnectionTrait,
    problems: &mut FieldErrors,
    user: Uuid,
    goal: &GoalForm,
    to_self: bool,
    others: usize,
) -> Result<(), AppError> {
    let g = &t().progress;
    let goal = normalised(goal);
    if !to_self || others > 0 {
        problems.add("goal", g.err_goal_needs_self);
    }
    let max = goal.kind.max_target();
    if !(1..=max).contains(&goal.target) {
        problems.add("goal_target", fill(g.err_goal_target, &[("max", &max)]));
    }
    if let Some(tag) = goal.tag {
        let own = crate::focus::entities::tag::Entity::find_by_id(tag)
            .filter(crate::focus::entities::tag::Column::UserId.eq(user))
            .count(db)
            .await?;
        if own == 0 {
            problems.add("goal_tag", g.err_goal_tag);
        }
    }
    if goal.kind == GoalKind::HabitStreak {
        let habits = crate::diary::ssr::active_habits(db, user).await?;
        match goal.habit {
            Some(h) if habits.iter().any(|(id, _, _)| *id == h) => {
                let now =
                    crate::diary::ssr::measure(db, user, Measure::HabitStreak { habit: h }, 0)
                        .await?;
                if now >= i64::from(goal.target) && (1..=max).contains(&goal.target) {
                    problems.add("goal_target", g.err_goal_streak_reached.count(now));
                }
            }
            _ => problems.add("goal_habit", g.err_goal_habit),
        }
    }
    Ok(())
}

/// Stores the letter's goal (or removes it), counted from `since_ms`, arriving at
/// `latest_ms` at the latest.
pub(super) async fn store_goal(
    txn: &DatabaseTransaction,
    letter_id: Uuid,
    goal: Option<&GoalForm>,
    since_ms: i64,
    latest_ms: Option<i64>,
) -> Result<(), AppError> {
    letter_goal::Entity::delete_many()
        .filter(letter_goal::Column::LetterId.eq(letter_id))
        .exec(txn)
        .await?;
    if let Some(goal) = goal.map(normalised) {
        letter_goal::ActiveModel {
            letter_id: Set(letter_id),
            kind: Set(goal.kind),
            target: Set(i32::try_from(goal.target).unwrap_or(i32::MAX)),
            tag_id: Set(goal.tag),
            habit_id: Set(goal.habit),
            since_ms: Set(since_ms),
            latest_ms: Set(latest_ms.unwrap_or(0)),
            reached_ms: Set(None),
        }
        .insert(txn)
        .await?;
    }
    Ok(())
}

/// Seals the author's figures with a letter to oneself being scheduled (replacing any
/// earlier ones); a letter to others keeps none.
pub(super) async fn seal_figures(
    txn: &DatabaseTransaction,
    keys: &Keyring,
    letter_id: Uuid,
    user: Uuid,
    to_self: bool,
    now: i64,
) -> Result<(), AppError> {
    letter_snapshot::Entity::delete_many()
        .filter(letter_snapshot::Column::LetterId.eq(letter_id))
        .exec(txn)
        .await?;
    if !to_self {
        return Ok(());
    }
    let figures = crate::diary::ssr::figures(txn, user).await?;
    let json = serde_json::to_string(&figures).or_internal("writing a letter's figures")?;
    letter_snapshot::ActiveModel {
        letter_id: Set(letter_id),
        taken_ms: Set(now),
        figures: Set(keys.seal(Field::LetterFigures, letter_id, &json)),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The tags and habits a goal may be on.
pub(super) async fn choices(
    db: &DatabaseConnection,
    user: Uuid,
) -> Result<(Vec<Choice>, Vec<Choice>), AppError> {
    let tags = crate::focus::ssr::list_tags(db, user)
        .await?
        .into_iter()
        .map(|t| Choice {
            id: t.id,
            name: t.name,
        })
        .collect();
    let habits = crate::diary::ssr::active_habits(db, user)
        .await?
        .into_iter()
        .map(|(id, name, _)| Choice { id, name })
        .collect();
    Ok((tags, habits))
}

/// The goals of `letters` (of `user`'s), keyed by letter, with how far `user` is on each.
pub(super) async fn goal_views(
    db: &impl ConnectionTrait,
    user: Uuid,
    letters: &[&letter::Model],
) -> Result<std::collections::HashMap<Uuid, GoalView>, AppError> {
    let mut out = std::collections::HashMap::new();
    let ids: Vec<Uuid> = letters.iter().map(|l| l.id).collect();
    let goals = letter_goal::Entity::find()
        .filter(letter_goal::Column::LetterId.is_in(ids))
        .all(db)
        .await?;
    if goals.is_empty() {
        return Ok(out);
    }
    let tags: std::collections::HashMap<Uuid, String> = crate::focus::entities::tag::Entity::find()
        .filter(crate::focus::entities::tag::Column::UserId.eq(user))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let habits: std::collections::HashMap<Uuid, (String, bool)> =
        crate::diary::ssr::active_habits(db, user)
            .await?
            .into_iter()
            .map(|(id, name, weekly)| (id, (name, weekly)))
            .collect();
    for g in goals {
        let Some(l) = letters.iter().find(|l| l.id == g.letter_id) else {
            continue;
        };
        let on = match (g.tag_id, g.habit_id) {
            (Some(t), _) => tags.get(&t).cloned(),
            (_, Some(h)) => habits.get(&h).map(|h| h.0.clone()),
            _ => None,
        };
        // Progress counts only once the letter is sealed; a draft shows none.
        let done = if l.status == LetterStatus::Draft {
            0
        } else {
            crate::diary::ssr::measure(
                db,
                user,
                measure_of(g.kind, g.tag_id, g.habit_id),
                g.since_ms,
            )
            .await?
        };
        out.insert(
            g.letter_id,
            GoalView {
                kind: g.kind,
                target: u32::try_from(g.target).unwrap_or(0),
                tag: g.tag_id,
                habit: g.habit_id,
                on,
                done,
                in_weeks: g
                    .habit_id
                    .is_some_and(|h| habits.get(&h).is_some_and(|h| h.1)),
                reached_ms: g.reached_ms,
                latest_local: describe(g.latest_ms, zone(&l.timezone)).0,
            },
        );
    }
    Ok(out)
}

/// A delivered letter to oneself: the figures it was sealed with, beside `user`'s now.
pub(super) async fn then_now(
    db: &impl ConnectionTrait,
    keys: &Keyring,
    user: Uuid,
    l: &letter::Model,
) -> Result<Option<ThenNow>, AppError> {
    if !l.to_self || l.status != LetterStatus::Delivered {
        return Ok(None);
    }
    let Some(s) = letter_snapshot::Entity::find_by_id(l.id).one(db).await? else {
        return Ok(None);
    };
    let json = keys
        .open(Field::LetterFigures, l.id, &s.figures)
        .or_internal("opening a letter's figures")?;
    let then = serde_json::from_str(&json).or_internal("reading a letter's figures")?;
    let day = DateTime::<Utc>::from_timestamp_millis(s.taken_ms)
        .unwrap_or_default()
        .with_timezone(&zone(&l.timezone))
        .date_naive();
    Ok(Some(ThenNow {
        then_date: crate::i18n::date(&day, DateStyle::Long),
        then,
        now: crate::diary::ssr::figures(db, user).await?,
    }))
}

/// Counts the goals of `user`'s scheduled letters and sends each letter whose goal is
/// reached (waking the scheduler with `wake`). Returns how many letters it sent on their
/// way.
pub async fn check_user(
    db: &DatabaseConnection,
    wake: &Notify,
    user: Uuid,
    now: i64,
) -> Result<usize, AppError> {
    let mine = letter::Entity::find()
        .select_only()
        .column(letter::Column::Id)
        .filter(letter::Column::UserId.eq(user))
        .filter(letter::Column::Status.eq(LetterStatus::Scheduled))
        .into_query();
    let waiting = letter_goal::Entity::find()
        .filter(letter_goal::Column::ReachedMs.is_null())
        .filter(letter_goal::Column::LetterId.in_subquery(mine))
        .all(db)
        .await?;
    let mut sent = 0;
    for g in waiting {
        let done = crate::diary::ssr::measure(
            db,
            user,
            measure_of(g.kind, g.tag_id, g.habit_id),
            g.since_ms,
        )
        .await?;
        if done >= i64::from(g.target) * g.kind.scale() && reach(db, g.letter_id, now).await? {
            tracing::info!(letter = %g.letter_id, "letter goal reached");
            sent += 1;
        }
    }
    if sent > 0 {
        wake.notify_waiters();
    }
    Ok(sent)
}

/// Marks the goal reached and makes the letter's pending deliveries due now, if this is
/// the check that reached it.
async fn reach(db: &DatabaseConnection, letter_id: Uuid, now: i64) -> Result<bool, AppError> {
    let txn = db.begin().await?;
    let marked = letter_goal::Entity::update_many()
        .col_expr(letter_goal::Column::ReachedMs, Expr::value(now))
        .filter(letter_goal::Column::LetterId.eq(letter_id))
        .filter(letter_goal::Column::ReachedMs.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        txn.rollback().await?;
        return Ok(false);
    }
    letter::Entity::update_many()
        .col_expr(letter::Column::DeliverAtMs, Expr::value(now))
        .filter(letter::Column::Id.eq(letter_id))
        .filter(letter::Column::Status.eq(LetterStatus::Scheduled))
        .filter(letter::Column::DeliverAtMs.gt(now))
        .exec(&txn)
        .await?;
    letter_recipient::Entity::update_many()
        .col_expr(letter_recipient::Column::NextAttemptMs, Expr::value(now))
        .filter(letter_recipient::Column::LetterId.eq(letter_id))
        .filter(letter_recipient::Column::Status.eq(RecipientStatus::Pending))
        .filter(letter_recipient::Column::NextAttemptMs.gt(now))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(true)
}

/// The authors with a goal waiting on a scheduled letter.
async fn waiting_authors(db: &DatabaseConnection) -> Result<Vec<Uuid>, AppError> {
    let waiting = letter_goal::Entity::find()
        .select_only()
        .column(letter_goal::Column::LetterId)
        .filter(letter_goal::Column::ReachedMs.is_null())
        .into_query();
    let authors: Vec<Option<Uuid>> = letter::Entity::find()
        .select_only()
        .column(letter::Column::UserId)
        .distinct()
        .filter(letter::Column::Status.eq(LetterStatus::Scheduled))
        .filter(letter::Column::Id.in_subquery(waiting))
        .into_tuple()
        .all(db)
        .await?;
    Ok(authors.into_iter().flatten().collect())
}

/// Counts goals again whenever an author's records change (`news`), and every author's
/// with a goal waiting at start and every ten minutes.
pub fn spawn_watcher(
    db: DatabaseConnection,
    letters: Arc<Letters>,
    mut news: mpsc::UnboundedReceiver<Uuid>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut sweep = tokio::time::interval(SWEEP_EVERY);
        sweep.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut open = true;
        loop {
            let users: HashSet<Uuid> = tokio::select! {
                _ = sweep.tick() => match waiting_authors(&db).await {
                    Ok(users) => users.into_iter().collect(),
                    Err(e) => {
                        tracing::error!(error = %e, "finding letters waiting on goals failed");
                        HashSet::new()
                    }
                },
                user = news.recv(), if open => match user {
                    Some(user) => {
                        // Whatever else arrived meanwhile is counted in the same pass.
                        let mut users = HashSet::from([user]);
                        while let Ok(more) = news.try_recv() {
                            users.insert(more);
                        }
                        users
                    }
                    None => {
                        open = false;
                        HashSet::new()
                    }
                },
            };
            for user in users {
                if let Err(e) = check_user(&db, &letters.wake, user, now_ms()).await {
                    tracing::error!(error = %e, "counting a letter's goal failed");
                }
            }
        }
    })
}
