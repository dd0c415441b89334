//! Statistics over all of a person's records, read from the per-day roll-ups.

use super::*;

pub(super) fn per_day_counts(
    days: impl Iterator<Item = NaiveDate>,
    from: NaiveDate,
) -> Vec<DayValue> {
    let mut map: BTreeMap<NaiveDate, u32> = BTreeMap::new();
    for d in days.filter(|d| *d >= from) {
        *map.entry(d).or_default() += 1;
    }
    map.into_iter()
        .map(|(day, value)| DayValue { day, value })
        .collect()
}
pub(super) fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Duration::days(d.weekday().num_days_from_monday().into())
}
pub(super) fn minutes(seconds: i64) -> f64 {
    ((seconds + 30) / 60) as f64
}
/// `user`'s focus day roll-ups, every day with any: `(day, focus seconds, sessions)`.
pub(super) async fn focus_days(
    db: &impl ConnectionTrait,
    user: Uuid,
) -> Result<Vec<(NaiveDate, i64, i32)>, AppError> {
    Ok(focus_day::Entity::find()
        .select_only()
        .column(focus_day::Column::Day)
        .column(focus_day::Column::FocusSeconds)
        .column(focus_day::Column::Sessions)
        .filter(focus_day::Column::UserId.eq(user))
        .into_tuple()
        .all(db)
        .await?)
}

pub async fn stats(db: &DatabaseConnection, user: Uuid) -> Result<StatsView, AppError> {
    let rule = rule_for(db, user).await?;
    let today = rule.day_of(now_ms());
    let year_ago = today - Duration::days(53 * 7);

    // Focus: the daily roll-ups (one row per active day).
    let days: Vec<(NaiveDate, i64, i32)> = focus_days(db, user).await?;
    let total_focus_seconds: i64 = days.iter().map(|d| d.1).sum();
    let total_sessions: i64 = days.iter().map(|d| i64::from(d.2)).sum();
    let this_week = monday_of(today);
    let focus = focus_charts(&days, today);

    // Per tag over the last twelve months, from the tag roll-ups.
    let tag_rows: Vec<(Uuid, i64)> = focus_tag_day::Entity::find()
        .select_only()
        .column(focus_tag_day::Column::TagId)
        .column(focus_tag_day::Column::FocusSeconds)
        .filter(focus_tag_day::Column::UserId.eq(user))
        .filter(focus_tag_day::Column::Day.gte(today - Duration::days(365)))
        .into_tuple()
        .all(db)
        .await?;
    let mut per_tag: HashMap<Uuid, i64> = HashMap::new();
    for (t, s) in tag_rows {
        *per_tag.entry(t).or_default() += s;
    }
    let mut tag_totals: Vec<TagTotal> = list_tags(db, user)
        .await?
        .into_iter()
        .filter_map(|tag| {
            per_tag.get(&tag.id).map(|s| TagTotal {
                minutes: (s + 30) / 60,
                tag,
            })
        })
        .collect();
    tag_totals.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.tag.name.cmp(&b.tag.name)));

    // Habits and check-ins.
    let habits = habits_of(db, user).await?;
    let checkins = checkin_days(db, user, None).await?;
    let checkin_heatmap = per_day_counts(checkins.iter().map(|(_, d)| *d), year_ago);
    let active: Vec<habit::Model> = habits
        .into_iter()
        .filter(|h| h.archived_at.is_none())
        .collect();
    let habit_stats = habit_days(&active, &checkins, today);

    // Tasks completed per week (last twelve weeks), by the user's days.
    let since = rule.day_start_ms(this_week - Duration::weeks(11));
    let since = chrono::DateTime::from_timestamp_millis(since)
        .unwrap_or_default()
        .fixed_offset();
    let done: Vec<Option<chrono::DateTime<chrono::FixedOffset>>> = task::Entity::find()
        .select_only()
        .column(task::Column::CompletedAt)
        .filter(task::Column::UserId.eq(user))
        .filter(task::Column::CompletedAt.gte(since))
        .into_tuple()
        .all(db)
        .await?;
    let mut task_weeks: BTreeMap<NaiveDate, i64> = (0..12)
        .map(|i| (this_week - Duration::weeks(i), 0))
        .collect();
    for at in done.into_iter().flatten() {
        let d = rule.day_of(at.timestamp_millis());
        if let Some(w) = task_weeks.get_mut(&monday_of(d)) {
            *w += 1;
        }
    }
    let tasks_by_week = task_weeks
        .iter()
        .map(|(w, n)| Bar {
            label: date(w, DateStyle::DayMonth),
            value: *n as f64,
        })
        .collect();

    let entries = diary_entry::Entity::find()
        .filter(diary_entry::Column::UserId.eq(user))
        .count(db)
        .await?;
    Ok(StatsView {
        today,
        focus_heatmap: focus.heatmap,
        checkin_heatmap,
        habits: habit_stats,
        focus_by_day: focus.by_day,
        focus_by_week: focus.by_week,
        focus_by_month: focus.by_month,
        tag_totals,
        tasks_by_week,
        total_focus_minutes: (total_focus_seconds + 30) / 60,
        total_sessions,
        total_checkins: i64::try_from(checkins.len()).unwrap_or(i64::MAX),
        entries: i64::try_from(entries).unwrap_or(i64::MAX),
    })
}

/// The focus charts, in minutes: the last year as a heatmap, and bars for the last 14
/// days, 12 weeks (from Mondays) and 12 months.
pub(super) struct FocusCharts {
    pub(super) heatmap: Vec<DayValue>,
    pub(super) by_day: Vec<Bar>,
    pub(super) by_week: Vec<Bar>,
    pub(super) by_month: Vec<Bar>,
}

/// The focus charts from the daily roll-ups `(day, focus seconds, sessions)`, as seen on
/// `today`.
pub(super) fn focus_charts(days: &[(NaiveDate, i64, i32)], today: NaiveDate) -> FocusCharts {
    let year_ago = today - Duration::days(53 * 7);
    let heatmap = days
        .iter()
        .filter(|d| d.0 >= year_ago && d.1 > 0)
        .map(|d| DayValue {
            day: d.0,
            value: u32::try_from((d.1 + 30) / 60).unwrap_or(u32::MAX),
        })
        .collect();
    let per_day: HashMap<NaiveDate, i64> = days.iter().map(|d| (d.0, d.1)).collect();
    let by_day = (0..14)
        .rev()
        .map(|i| {
            let d = today - Duration::days(i);
            Bar {
                label: date(&d, DateStyle::DayMonth),
                value: minutes(per_day.get(&d).copied().unwrap_or(0)),
            }
        })
        .collect();
    let this_week = monday_of(today);
    let mut weeks: BTreeMap<NaiveDate, i64> = (0..12)
        .map(|i| (this_week - Duration::weeks(i), 0))
        .collect();
    let mut months: BTreeMap<(i32, u32), i64> = BTreeMap::new();
    let mut ym = (today.year(), today.month());
    for _ in 0..12 {
        months.insert(ym, 0);
        ym = if ym.1 == 1 {
            (ym.0 - 1, 12)
        } else {
            (ym.0, ym.1 - 1)
        };
    }
    for (d, secs, _) in days {
        if let Some(w) = weeks.get_mut(&monday_of(*d)) {
            *w += secs;
        }
        if let Some(m) = months.get_mut(&(d.year(), d.month())) {
            *m += secs;
        }
    }
    let by_week = weeks
        .iter()
        .map(|(w, s)| Bar {
            label: date(w, DateStyle::DayMonth),
            value: minutes(*s),
        })
        .collect();
    let by_month = months
        .iter()
        .map(|((y, m), s)| Bar {
            label: NaiveDate::from_ymd_opt(*y, *m, 1)
                .map(|d| date(&d, DateStyle::MonthYear))
                .unwrap_or_default(),
            value: minutes(*s),
        })
        .collect();
    FocusCharts {
        heatmap,
        by_day,
        by_week,
        by_month,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn focus_is_summed_into_days_weeks_and_months() {
        // Wednesday 2026-12-02; the week starts on Monday 2026-11-30.
        let today = day("2026-12-02");
        let days = [
            (day("2026-12-02"), 1500, 1),
            (day("2026-11-30"), 3000, 2),
            (day("2026-11-29"), 600, 1),
            (day("2025-12-01"), 6000, 4),
            (day("2024-01-01"), 60, 1),
        ];
        let c = focus_charts(&days, today);
        assert_eq!(c.by_day.len(), 14);
        assert_eq!(c.by_day.last().map(|b| b.value), Some(25.0));
        assert_eq!(c.by_week.len(), 12);
        // This week: Monday and Wednesday; the Sunday before is last week.
        assert_eq!(c.by_week.last().map(|b| b.value), Some(75.0));
        assert_eq!(c.by_week[10].value, 10.0);
        assert_eq!(c.by_month.len(), 12);
        // December 2026 and November 2026; December 2025 is 12 months back (not shown).
        assert_eq!(c.by_month.last().map(|b| b.value), Some(25.0));
        assert_eq!(c.by_month[10].value, 60.0);
        assert_eq!(c.by_month.iter().map(|b| b.value).sum::<f64>(), 85.0);
        // The heatmap covers 53 weeks back: not 2024.
        let heat: Vec<NaiveDate> = c.heatmap.iter().map(|d| d.day).collect();
        assert!(heat.contains(&day("2025-12-01")));
        assert!(!heat.contains(&day("2024-01-01")));
    }
}
