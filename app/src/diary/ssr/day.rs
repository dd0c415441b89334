//! One day of the diary: its habits, check-ins, entry, focus, and memories of the
//! same date in earlier years.

use super::*;

pub(super) fn habit_days(
    habits: &[habit::Model],
    checkins: &[(Uuid, NaiveDate)],
    today: NaiveDate,
) -> Vec<(HabitView, HabitStats)> {
    let mut by_habit: HashMap<Uuid, BTreeSet<NaiveDate>> = HashMap::new();
    for (h, d) in checkins {
        by_habit.entry(*h).or_default().insert(*d);
    }
    habits
        .iter()
        .map(|h| {
            let days = by_habit.remove(&h.id).unwrap_or_default();
            (
                habit_view(h),
                habit_stats(schedule_of(h), h.start_day, today, &days),
            )
        })
        .collect()
}
/// Entries, focus and check-ins from the same date in up to ten earlier years.
pub(super) async fn memories(
    db: &DatabaseConnection,
    user: Uuid,
    day: NaiveDate,
    habits: &[habit::Model],
) -> Result<Vec<Memory>, AppError> {
    let t = &crate::i18n::t().diary;
    let earlier: Vec<(i32, NaiveDate)> = (1..=10)
        .filter_map(|y| {
            NaiveDate::from_ymd_opt(day.year() - y, day.month(), day.day()).map(|d| (y, d))
        })
        .collect();
    let dates: Vec<NaiveDate> = earlier.iter().map(|(_, d)| *d).collect();
    let years = |d: NaiveDate| day.year() - d.year();
    let mut out = Vec::new();
    for e in diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.is_in(dates.clone()))
        .all(db)
        .await?
    {
        let mood = e
            .mood
            .map(|m| fill(t.memory_mood, &[("mood", &mood_label(m))]))
            .unwrap_or_default();
        out.push(Memory {
            day: e.day,
            years_ago: years(e.day),
            kind: "entry".into(),
            text: format!("{mood}{}", crate::markdown::excerpt(&e.body, 160)),
        });
    }
    for f in focus_day::Entity::find()
        .filter(focus_day::Column::UserId.eq(user))
        .filter(focus_day::Column::Day.is_in(dates.clone()))
        .all(db)
        .await?
    {
        out.push(Memory {
            day: f.day,
            years_ago: years(f.day),
            kind: "focus".into(),
            text: fill(
                t.memory_focus.form(f.sessions),
                &[("n", &f.sessions), ("min", &((f.focus_seconds + 30) / 60))],
            ),
        });
    }
    let names: HashMap<Uuid, &str> = habits.iter().map(|h| (h.id, h.name.as_str())).collect();
    let mut checked: BTreeMap<NaiveDate, Vec<&str>> = BTreeMap::new();
    for c in checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::Day.is_in(dates))
        .all(db)
        .await?
    {
        if let Some(name) = names.get(&c.habit_id) {
            checked.entry(c.day).or_default().push(name);
        }
    }
    for (d, list) in checked {
        out.push(Memory {
            day: d,
            years_ago: years(d),
            kind: "checkin".into(),
            text: fill(t.memory_checked_in, &[("names", &list.join(t.list_sep))]),
        });
    }
    out.sort_by(|a, b| a.years_ago.cmp(&b.years_ago).then(a.kind.cmp(&b.kind)));
    Ok(out)
}
pub async fn day_view(
    db: &DatabaseConnection,
    user: Uuid,
    day: Option<&str>,
) -> Result<DayView, AppError> {
    let rule = rule_for(db, user).await?;
    let today = rule.day_of(now_ms());
    let day = match day.map(str::trim).filter(|d| !d.is_empty()) {
        Some(raw) => parse_day(raw, today, "day")?,
        None => today,
    };
    let habits = habits_of(db, user).await?;
    let checkins = checkin_days(db, user, None).await?;
    let heat_from = today - Duration::days(26 * 7);
    let checkin_heatmap = per_day_counts(checkins.iter().map(|(_, d)| *d), heat_from);
    let on_day: Vec<checkin::Model> = checkin::Entity::find()
        .filter(checkin::Column::UserId.eq(user))
        .filter(checkin::Column::Day.eq(day))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = on_day.iter().map(|c| c.id).collect();
    let mut tags = tags_of(db, user, LinkKind::Checkin, &ids).await?;
    let mut on_day: HashMap<Uuid, CheckinView> = on_day
        .into_iter()
        .map(|c| {
            let t = tags.remove(&c.id).unwrap_or_default();
            (c.habit_id, checkin_view(c, t))
        })
        .collect();
    let (active, archived): (Vec<_>, Vec<_>) = habits
        .iter()
        .cloned()
        .partition(|h| h.archived_at.is_none());
    let habit_rows = habit_days(&active, &checkins, today)
        .into_iter()
        .map(|(habit, stats)| HabitDay {
            checkin: on_day.remove(&habit.id),
            habit,
            stats,
        })
        .collect();
    let entry = match diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .filter(diary_entry::Column::Day.eq(day))
        .one(db)
        .await?
    {
        Some(e) => {
            let t = tags_of(db, user, LinkKind::Entry, &[e.id])
                .await?
                .remove(&e.id);
            Some(entry_view(e, t.unwrap_or_default()))
        }
        None => None,
    };
    let focus = focus_day::Entity::find_by_id((user, day)).one(db).await?;
    Ok(DayView {
        day,
        today,
        habits: habit_rows,
        archived: archived.iter().map(habit_view).collect(),
        entry,
        focus_minutes: focus.as_ref().map_or(0, |f| (f.focus_seconds + 30) / 60),
        focus_sessions: focus.as_ref().map_or(0, |f| f.sessions.into()),
        memories: memories(db, user, day, &habits).await?,
        tags: list_tags(db, user).await?,
        checkin_heatmap,
        viewer: crate::account::ssr::viewer::viewer_key(user),
    })
}
