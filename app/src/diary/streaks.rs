//! Streaks and completion rates for check-in habits, honouring each habit's schedule.
//!
//! Pure functions over calendar days (`NaiveDate`, already resolved in the user's timezone
//! by the caller); compiled into both the server and the browser. Nothing here panics,
//! whatever the dates or the schedule.
//!
//! # Rules
//!
//! * Only check-ins on days with `start <= day <= today` count; the others are ignored.
//!   If `today < start`, every number is 0.
//! * **Daily / Weekdays** (unit [`StreakUnit::Days`]): the periods are the *due* days from
//!   `start` to `today` (every day for `Daily`; the days whose bit is set for `Weekdays`).
//!   A due day is fulfilled when it has a check-in. A streak is a run of consecutive
//!   fulfilled due days: non-due days in between neither break nor extend it, and a
//!   check-in on a non-due day does not count. `current` is the run ending at the latest
//!   due day `<= today`, except that a due `today` without a check-in yet does not break
//!   the streak: then it is the run ending at the previous due day. `best` is the longest
//!   run.
//! * **TimesPerWeek { n }** (unit [`StreakUnit::Weeks`]): the periods are the ISO weeks
//!   (Monday to Sunday) overlapping `[start, today]`. A week is fulfilled when it has at
//!   least `n` check-ins; for the first, partial week (the one containing `start`) only
//!   `min(n, days from start to that Sunday)` are required. A streak is a run of
//!   consecutive fulfilled weeks. The current week (the one containing `today`) does not
//!   break the streak while it is not yet fulfilled, and extends it once it is.
//! * `expected` is the number of periods that were due: for days, the due days from
//!   `start` to `today`, leaving out `today` if it is due and not checked in; for weeks,
//!   the weeks overlapping `[start, today]`, leaving out the current week if it is not yet
//!   fulfilled. `done` is the number of fulfilled periods among those, so
//!   `done <= expected` and `completion_rate = done / expected` (0.0 when `expected` is 0)
//!   is within `0..=1`.
//! * Invalid schedules (see [`Schedule::validate`]) never panic: `times` is clamped to
//!   1..=7, bit 7 of a weekday mask is ignored, and an empty mask has no due days (all 0).
//!
//! Each day (or week) in the range and each check-in in the range is visited once, so
//! years of data take microseconds.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// When a habit is meant to be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// Every day.
    Daily,
    /// `times` (1 to 7) check-ins in each ISO week (Monday to Sunday), on any days.
    TimesPerWeek { times: u8 },
    /// On the weekdays whose bit is set: bit 0 = Monday … bit 6 = Sunday. At least one
    /// bit must be set; bit 7 never is.
    Weekdays { mask: u8 },
}

/// The unit a streak is counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StreakUnit {
    /// Due days (`Daily`, `Weekdays`).
    Days,
    /// ISO weeks (`TimesPerWeek`).
    Weeks,
}

impl StreakUnit {
    /// A streak of `n` in this unit, in words: "5 days", "1 week".
    pub fn count(self, n: u32) -> String {
        let t = &crate::i18n::t().diary;
        match self {
            Self::Days => t.day_count.count(n),
            Self::Weeks => t.week_count.count(n),
        }
    }
}

/// Streaks and completion of one habit between its start and today.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HabitStats {
    /// Current streak, in `unit`.
    pub current: u32,
    /// Best streak ever, in `unit`; always `>= current`.
    pub best: u32,
    /// What `current` and `best` count.
    pub unit: StreakUnit,
    /// Periods (due days, or weeks) fulfilled among the `expected` ones.
    pub done: u32,
    /// Periods that were due between start and today (see the module rules).
    pub expected: u32,
    /// `done / expected`, or 0.0 when `expected` is 0; always within `0..=1`.
    pub completion_rate: f64,
}

/// The weekdays, Monday first (bit order of [`Schedule::Weekdays`]).
const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];
/// The valid bits of a weekday mask.
const ALL_DAYS: u8 = 0b0111_1111;
const MON_TO_FRI: u8 = 0b0001_1111;
const SAT_SUN: u8 = 0b0110_0000;

impl Schedule {
    /// Checks the schedule's parameters; the error message (in the current language) names
    /// the problem and can be shown next to the form field.
    pub fn validate(&self) -> Result<(), &'static str> {
        let t = &crate::i18n::t().diary;
        match *self {
            Schedule::Daily => Ok(()),
            Schedule::TimesPerWeek { times } if (1..=7).contains(&times) => Ok(()),
            Schedule::TimesPerWeek { .. } => Err(t.err_times_range),
            Schedule::Weekdays { mask } if mask & !ALL_DAYS != 0 => Err(t.err_weekday_mask),
            Schedule::Weekdays { mask: 0 } => Err(t.err_no_weekday),
            Schedule::Weekdays { .. } => Ok(()),
        }
    }

    /// The unit streaks are counted in: weeks for `TimesPerWeek`, days otherwise.
    pub fn unit(&self) -> StreakUnit {
        match self {
            Schedule::TimesPerWeek { .. } => StreakUnit::Weeks,
            Schedule::Daily | Schedule::Weekdays { .. } => StreakUnit::Days,
        }
    }

    /// Whether a check-in may be made (and counts) on `day`: always for `Daily` and
    /// `TimesPerWeek` (any day of the week may count), and for `Weekdays` when the bit of
    /// the day's weekday is set.
    pub fn is_due(&self, day: NaiveDate) -> bool {
        match *self {
            Schedule::Daily | Schedule::TimesPerWeek { .. } => true,
            Schedule::Weekdays { mask } => mask & weekday_bit(day) != 0,
        }
    }

    /// A short description in the current language: "Every day", "Once a week",
    /// "3 times a week", "Weekdays" (Mon–Fri), "Weekends" (Sat + Sun), or the days listed,
    /// e.g. "Mon, Wed, Fri". A weekday schedule with all seven days reads "Every day".
    pub fn describe(&self) -> String {
        let lang = crate::i18n::lang();
        let t = &lang.texts().diary;
        match *self {
            Schedule::Daily => t.every_day.to_owned(),
            Schedule::TimesPerWeek { times: 1 } => t.once_a_week.to_owned(),
            Schedule::TimesPerWeek { times } => {
                crate::i18n::fill(t.times_per_week, &[("n", &times)])
            }
            Schedule::Weekdays { mask } => match mask & ALL_DAYS {
                ALL_DAYS => t.every_day.to_owned(),
                MON_TO_FRI => t.weekdays.to_owned(),
                SAT_SUN => t.weekends.to_owned(),
                0 => t.no_days.to_owned(),
                mask => WEEKDAYS
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, day)| crate::i18n::weekday(lang, *day, true))
                    .collect::<Vec<_>>()
                    .join(t.list_sep),
            },
        }
    }
}

/// Computes the streaks and completion of a habit with `schedule`, started on `start`, as
/// of `today`, from the days it was checked in on. See the module documentation for the
/// exact rules.
pub fn habit_stats(
    schedule: Schedule,
    start: NaiveDate,
    today: NaiveDate,
    checkins: &BTreeSet<NaiveDate>,
) -> HabitStats {
    let mut walk = Walk::default();
    if start <= today {
        match schedule {
            Schedule::Daily | Schedule::Weekdays { .. } => {
                walk_days(&mut walk, schedule, start, today, checkins);
            }
            Schedule::TimesPerWeek { times } => {
                walk_weeks(&mut walk, times.clamp(1, 7), start, today, checkins);
            }
        }
    }
    let completion_rate = if walk.expected == 0 {
        0.0
    } else {
        (f64::from(walk.done) / f64::from(walk.expected)).clamp(0.0, 1.0)
    };
    HabitStats {
        current: walk.run,
        best: walk.best,
        unit: schedule.unit(),
        done: walk.done,
        expected: walk.expected,
        completion_rate,
    }
}

/// Running totals while walking the periods in order.
#[derive(Default)]
struct Walk {
    run: u32,
    best: u32,
    done: u32,
    expected: u32,
}

impl Walk {
    /// A finished period that was fulfilled (or a current one that already is).
    fn fulfilled(&mut self) {
        self.run = self.run.saturating_add(1);
        self.best = self.best.max(self.run);
        self.done = self.done.saturating_add(1);
        self.expected = self.expected.saturating_add(1);
    }

    /// A finished period that was missed.
    fn missed(&mut self) {
        self.run = 0;
        self.expected = self.expected.saturating_add(1);
    }
}

/// Daily / Weekdays: one step per day in `[start, today]`, consuming the check-ins in
/// step (each check-in is consumed on its own day, due or not).
fn walk_days(
    walk: &mut Walk,
    schedule: Schedule,
    start: NaiveDate,
    today: NaiveDate,
    checkins: &BTreeSet<NaiveDate>,
) {
    let mut pending = checkins.range(start..=today).peekable();
    // A manual loop rather than `iter_days`, which never yields `NaiveDate::MAX`.
    let mut day = start;
    loop {
        let checked = pending.next_if(|d| **d == day).is_some();
        if schedule.is_due(day) {
            if checked {
                walk.fulfilled();
            } else if day != today {
                walk.missed();
            }
            // A due, unchecked `today` is still open: it neither breaks nor counts.
        }
        if day >= today {
            break;
        }
        day = match day.succ_opt() {
            Some(next) => next,
            None => break,
        };
    }
}

/// TimesPerWeek: one step per ISO week overlapping `[start, today]`.
fn walk_weeks(
    walk: &mut Walk,
    times: u8,
    start: NaiveDate,
    today: NaiveDate,
    checkins: &BTreeSet<NaiveDate>,
) {
    let mut pending = checkins.range(start..=today).peekable();
    let start_offset = start.weekday().num_days_from_monday();
    // Only at the very beginning of the calendar can this underflow; the first "week" is
    // then simply shorter.
    let mut monday = start
        .checked_sub_days(Days::new(u64::from(start_offset)))
        .unwrap_or(NaiveDate::MIN);
    // The first week only has the days from `start` to its Sunday.
    let mut required = u32::from(times).min(7 - start_offset);
    loop {
        let sunday = monday
            .checked_add_days(Days::new(6))
            .unwrap_or(NaiveDate::MAX);
        let mut count: u32 = 0;
        while pending.next_if(|d| **d <= sunday).is_some() {
            count += 1;
        }
        let is_current = sunday >= today;
        if count >= required {
            walk.fulfilled();
        } else if !is_current {
            walk.missed();
        }
        // An unfulfilled current week is still open: it neither breaks nor counts.
        if is_current {
            break;
        }
        monday = match monday.checked_add_days(Days::new(7)) {
            Some(next) => next,
            None => break,
        };
        required = u32::from(times);
    }
}

/// The mask bit of `day`'s weekday (bit 0 = Monday … bit 6 = Sunday).
fn weekday_bit(day: NaiveDate) -> u8 {
    1 << day.weekday().num_days_from_monday()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A day in January 2024 (the 1st is a Monday), or later via overflow into February.
    fn jan(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1)
            .unwrap()
            .checked_add_days(Days::new(u64::from(day) - 1))
            .unwrap()
    }

    fn set(days: impl IntoIterator<Item = u32>) -> BTreeSet<NaiveDate> {
        days.into_iter().map(jan).collect()
    }

    fn stats(schedule: Schedule, start: u32, today: u32, days: &[u32]) -> HabitStats {
        habit_stats(schedule, jan(start), jan(today), &set(days.iter().copied()))
    }

    /// (current, best, done, expected)
    fn nums(s: HabitStats) -> (u32, u32, u32, u32) {
        (s.current, s.best, s.done, s.expected)
    }

    const MON_WED_FRI: Schedule = Schedule::Weekdays { mask: 0b0001_0101 };
    const THREE: Schedule = Schedule::TimesPerWeek { times: 3 };

    // ---- Daily ----

    #[test]
    fn daily_run_broken_by_gap() {
        // 1–3 checked, 4 missed, 5–10 checked (today = 10).
        let s = stats(Schedule::Daily, 1, 10, &[1, 2, 3, 5, 6, 7, 8, 9, 10]);
        assert_eq!(nums(s), (6, 6, 9, 10));
        assert_eq!(s.unit, StreakUnit::Days);
        assert!((s.completion_rate - 0.9).abs() < 1e-12);

        // 1–4 checked, 5 missed, 6–7 checked, 8–9 missed, today (10) open.
        let s = stats(Schedule::Daily, 1, 10, &[1, 2, 3, 4, 6, 7]);
        assert_eq!(nums(s), (0, 4, 6, 9));
    }

    #[test]
    fn daily_today_unchecked_keeps_yesterdays_streak() {
        let s = stats(Schedule::Daily, 1, 5, &[1, 2, 3, 4]);
        assert_eq!(nums(s), (4, 4, 4, 4));
        assert_eq!(s.completion_rate, 1.0);
        // Checking in today extends it and today counts.
        let s = stats(Schedule::Daily, 1, 5, &[1, 2, 3, 4, 5]);
        assert_eq!(nums(s), (5, 5, 5, 5));
        // But a missed yesterday is a break even while today is open.
        let s = stats(Schedule::Daily, 1, 5, &[1, 2, 3]);
        assert_eq!(nums(s), (0, 3, 3, 4));
        // First day, nothing yet: nothing expected.
        let s = stats(Schedule::Daily, 5, 5, &[]);
        assert_eq!(nums(s), (0, 0, 0, 0));
        assert_eq!(s.completion_rate, 0.0);
    }

    // ---- Weekdays ----

    #[test]
    fn weekdays_skip_non_due_days() {
        // Mon/Wed/Fri from Mon 1 to Fri 12: due 1, 3, 5, 8, 10, 12. Tue 2 / Thu 4 check-ins
        // don't count; Tue/Thu without check-ins don't break. Today (12) open.
        let s = stats(MON_WED_FRI, 1, 12, &[1, 2, 3, 4, 5, 8, 10]);
        assert_eq!(nums(s), (5, 5, 5, 5));
        // Saturday 13 is not due: the streak still ends at Friday 12.
        let s = stats(MON_WED_FRI, 1, 13, &[1, 3, 5, 8, 10, 12]);
        assert_eq!(nums(s), (6, 6, 6, 6));
        // A missed Wednesday 10 breaks it.
        let s = stats(MON_WED_FRI, 1, 12, &[1, 3, 5, 8, 12]);
        assert_eq!(nums(s), (1, 4, 5, 6));
        // Check-ins only on non-due days count for nothing.
        let s = stats(MON_WED_FRI, 1, 12, &[2, 4, 6, 7, 9, 11]);
        assert_eq!(nums(s), (0, 0, 0, 5));
    }

    #[test]
    fn weekdays_starting_on_a_non_due_day() {
        // Start Tue 2; due 3, 5, 8; today Tue 9 (not due).
        let s = stats(MON_WED_FRI, 2, 9, &[2, 3, 5, 8, 9]);
        assert_eq!(nums(s), (3, 3, 3, 3));
    }

    // ---- Times per week ----

    #[test]
    fn three_times_a_week_across_several_weeks() {
        // W1 1–7: 3 ✓ · W2 8–14: 3 ✓ · W3 15–21: 4 ✓ · W4 22–28: 2 ✗ ·
        // W5 29–Feb 4: 3 ✓ · W6 Feb 5–11 (current, today Wed Feb 7): 1, open.
        let base = [1, 2, 3, 8, 10, 14, 15, 16, 17, 18, 22, 28, 29, 30, 31, 36];
        let s = stats(THREE, 1, 38, &base);
        assert_eq!(s.unit, StreakUnit::Weeks);
        assert_eq!(nums(s), (1, 3, 4, 5));
        assert!((s.completion_rate - 0.8).abs() < 1e-12);
        // Two more this week: the current week is fulfilled and counts.
        let mut more = base.to_vec();
        more.extend([37, 38]);
        let s = stats(THREE, 1, 38, &more);
        assert_eq!(nums(s), (2, 3, 5, 6));
        // Today is Sunday of W5 (Feb 4): W5 is the current week and is fulfilled.
        let s = stats(THREE, 1, 35, &base);
        assert_eq!(nums(s), (1, 3, 4, 5));
    }

    #[test]
    fn partial_first_week() {
        // Start Sat 6: the first week has 2 days, so 2 check-ins suffice.
        let s = stats(THREE, 6, 16, &[6, 7, 9, 11, 13]);
        assert_eq!(nums(s), (2, 2, 2, 2));
        // One check-in is not enough: once the week is over it is missed.
        let s = stats(THREE, 6, 16, &[6, 9, 11, 13]);
        assert_eq!(nums(s), (1, 1, 1, 2));
        // … but while it is the current week it is merely open.
        let s = stats(THREE, 6, 7, &[6]);
        assert_eq!(nums(s), (0, 0, 0, 0));
        // Start on a Sunday: one check-in fulfils the first week.
        let s = stats(THREE, 7, 7, &[7]);
        assert_eq!(nums(s), (1, 1, 1, 1));
        // Once a week from Saturday: still only one needed.
        let s = stats(Schedule::TimesPerWeek { times: 1 }, 6, 8, &[6]);
        assert_eq!(nums(s), (1, 1, 1, 1));
        // Start Wed 3 with 5 days left: the full 3 are still required.
        let s = stats(THREE, 3, 8, &[3, 4]);
        assert_eq!(nums(s), (0, 0, 0, 1));
    }

    // ---- Range ----

    #[test]
    fn checkins_outside_start_and_today_are_ignored() {
        let inside = [5, 6, 7, 8, 9];
        let with_outside = [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12];
        for schedule in [Schedule::Daily, MON_WED_FRI, THREE] {
            assert_eq!(
                stats(schedule, 5, 10, &inside),
                stats(schedule, 5, 10, &with_outside),
                "{schedule:?}"
            );
        }
        // Mon 1 and Tue 2 are in the first week but before start (Wed 3).
        let s = stats(Schedule::TimesPerWeek { times: 2 }, 3, 8, &[1, 2, 3]);
        assert_eq!(nums(s), (0, 0, 0, 1));
    }

    #[test]
    fn today_before_start_is_all_zero() {
        for schedule in [Schedule::Daily, MON_WED_FRI, THREE] {
            let s = stats(schedule, 10, 9, &[8, 9, 10]);
            assert_eq!(nums(s), (0, 0, 0, 0));
            assert_eq!(s.completion_rate, 0.0);
            assert_eq!(s.unit, schedule.unit());
        }
    }

    #[test]
    fn extreme_dates_do_not_panic() {
        let all = [
            Schedule::Daily,
            Schedule::TimesPerWeek { times: 7 },
            Schedule::Weekdays { mask: ALL_DAYS },
        ];
        for schedule in all {
            for (start, today) in [
                (
                    NaiveDate::MIN,
                    NaiveDate::MIN.checked_add_days(Days::new(20)).unwrap(),
                ),
                (
                    NaiveDate::MAX.checked_sub_days(Days::new(20)).unwrap(),
                    NaiveDate::MAX,
                ),
                (NaiveDate::MAX, NaiveDate::MAX),
                (NaiveDate::MIN, NaiveDate::MIN),
            ] {
                // Not `iter_days`: it stops before `NaiveDate::MAX`.
                let checkins: BTreeSet<_> = (0..=20)
                    .filter_map(|i| start.checked_add_days(Days::new(i)))
                    .collect();
                let s = habit_stats(schedule, start, today, &checkins);
                assert_eq!(s.current, s.best, "{schedule:?} {s:?}");
                assert_eq!(s.done, s.expected, "{schedule:?} {s:?}");
                if schedule.unit() == StreakUnit::Days {
                    assert_eq!(s.current, s.expected, "{schedule:?} {s:?}");
                    assert!(s.current >= 1);
                }
            }
        }
    }

    #[test]
    fn invalid_schedules_do_not_panic() {
        let days: Vec<u32> = (1..=30).collect();
        for schedule in [
            Schedule::TimesPerWeek { times: 0 },
            Schedule::TimesPerWeek { times: 200 },
            Schedule::Weekdays { mask: 0 },
            Schedule::Weekdays { mask: 0x80 },
        ] {
            assert!(schedule.validate().is_err());
            let _ = schedule.describe();
            let s = stats(schedule, 1, 30, &days);
            assert!(s.done <= s.expected && s.current <= s.best);
        }
        // An empty mask has no due days at all.
        assert_eq!(
            nums(stats(Schedule::Weekdays { mask: 0x80 }, 1, 30, &days)),
            (0, 0, 0, 0)
        );
        // Out-of-range times behave like the nearest valid value.
        assert_eq!(
            stats(Schedule::TimesPerWeek { times: 0 }, 1, 30, &[1, 8]),
            stats(Schedule::TimesPerWeek { times: 1 }, 1, 30, &[1, 8]),
        );
        assert_eq!(
            stats(Schedule::TimesPerWeek { times: 9 }, 1, 30, &days),
            stats(Schedule::TimesPerWeek { times: 7 }, 1, 30, &days),
        );
    }

    #[test]
    fn two_thousand_days() {
        let start = jan(1);
        let today = start.checked_add_days(Days::new(1999)).unwrap();
        let all: BTreeSet<_> = start.iter_days().take(2000).collect();
        let s = habit_stats(Schedule::Daily, start, today, &all);
        assert_eq!(nums(s), (2000, 2000, 2000, 2000));
        let s = habit_stats(THREE, start, today, &all);
        // Mon 2024-01-01 + 1999 days = Fri 2029-06-22, in the 286th week.
        assert_eq!(nums(s), (286, 286, 286, 286));
    }

    // ---- Schedule helpers ----

    #[test]
    fn describe_strings() {
        assert_eq!(Schedule::Daily.describe(), "Every day");
        assert_eq!(
            Schedule::TimesPerWeek { times: 1 }.describe(),
            "Once a week"
        );
        assert_eq!(
            Schedule::TimesPerWeek { times: 3 }.describe(),
            "3 times a week"
        );
        assert_eq!(MON_WED_FRI.describe(), "Mon, Wed, Fri");
        assert_eq!(
            Schedule::Weekdays { mask: MON_TO_FRI }.describe(),
            "Weekdays"
        );
        assert_eq!(Schedule::Weekdays { mask: SAT_SUN }.describe(), "Weekends");
        assert_eq!(
            Schedule::Weekdays { mask: ALL_DAYS }.describe(),
            "Every day"
        );
        assert_eq!(
            Schedule::Weekdays { mask: 0b0100_0010 }.describe(),
            "Tue, Sun"
        );
        assert_eq!(
            Schedule::Weekdays { mask: 0b0001_1110 }.describe(),
            "Tue, Wed, Thu, Fri"
        );
    }

    #[test]
    fn validate_messages() {
        assert_eq!(Schedule::Daily.validate(), Ok(()));
        for times in 1..=7 {
            assert_eq!(Schedule::TimesPerWeek { times }.validate(), Ok(()));
        }
        for times in [0, 8, 255] {
            assert_eq!(
                Schedule::TimesPerWeek { times }.validate(),
                Err("times per week must be 1 to 7")
            );
        }
        for mask in 1..=ALL_DAYS {
            assert_eq!(Schedule::Weekdays { mask }.validate(), Ok(()));
        }
        assert_eq!(
            Schedule::Weekdays { mask: 0 }.validate(),
            Err("choose at least one weekday")
        );
        assert_eq!(
            Schedule::Weekdays { mask: 0x81 }.validate(),
            Err("weekday mask has an unknown bit set")
        );
    }

    #[test]
    fn unit_and_is_due() {
        assert_eq!(Schedule::Daily.unit(), StreakUnit::Days);
        assert_eq!(MON_WED_FRI.unit(), StreakUnit::Days);
        assert_eq!(THREE.unit(), StreakUnit::Weeks);
        let due: Vec<bool> = (1..=7).map(|d| MON_WED_FRI.is_due(jan(d))).collect();
        assert_eq!(due, [true, false, true, false, true, false, false]);
        assert!((1..=7).all(|d| Schedule::Daily.is_due(jan(d)) && THREE.is_due(jan(d))));
        let sun = Schedule::Weekdays { mask: 1 << 6 };
        assert!(sun.is_due(jan(7)) && !sun.is_due(jan(6)));
    }

    #[test]
    fn serde_shape() {
        let json = |s: &Schedule| serde_json::to_string(s).unwrap();
        assert_eq!(json(&Schedule::Daily), r#"{"kind":"daily"}"#);
        assert_eq!(json(&THREE), r#"{"kind":"times_per_week","times":3}"#);
        assert_eq!(json(&MON_WED_FRI), r#"{"kind":"weekdays","mask":21}"#);
        for s in [Schedule::Daily, THREE, MON_WED_FRI] {
            assert_eq!(serde_json::from_str::<Schedule>(&json(&s)).unwrap(), s);
        }
        assert_eq!(
            serde_json::to_string(&StreakUnit::Weeks).unwrap(),
            r#""weeks""#
        );
        let stats = stats(Schedule::Daily, 1, 2, &[1]);
        let back: HabitStats =
            serde_json::from_str(&serde_json::to_string(&stats).unwrap()).unwrap();
        assert_eq!(back, stats);
    }

    // ---- Properties ----

    /// A straightforward re-implementation: list every period's status, then scan it.
    fn oracle(
        schedule: Schedule,
        start: NaiveDate,
        today: NaiveDate,
        c: &BTreeSet<NaiveDate>,
    ) -> (u32, u32, u32, u32) {
        // Some(true) fulfilled, Some(false) missed, None open.
        let mut periods: Vec<Option<bool>> = Vec::new();
        let days: Vec<NaiveDate> = start.iter_days().take_while(|d| *d <= today).collect();
        match schedule {
            Schedule::TimesPerWeek { times } => {
                let n = usize::from(times.clamp(1, 7));
                let mut weeks: Vec<Vec<NaiveDate>> = Vec::new();
                for d in &days {
                    match weeks.last_mut() {
                        Some(w) if w[0].iso_week() == d.iso_week() => w.push(*d),
                        _ => weeks.push(vec![*d]),
                    }
                }
                let count = weeks.len();
                for (i, w) in weeks.iter().enumerate() {
                    let days_in_week = if i == 0 {
                        7 - w[0].weekday().num_days_from_monday() as usize
                    } else {
                        7
                    };
                    let hits = w.iter().filter(|d| c.contains(d)).count();
                    let ok = hits >= n.min(days_in_week);
                    periods.push(if !ok && i + 1 == count {
                        None
                    } else {
                        Some(ok)
                    });
                }
            }
            _ => {
                for d in days.iter().filter(|d| schedule.is_due(**d)) {
                    let ok = c.contains(d);
                    periods.push(if !ok && *d == today { None } else { Some(ok) });
                }
            }
        }
        let closed: Vec<bool> = periods.iter().flatten().copied().collect();
        let done = closed.iter().filter(|ok| **ok).count() as u32;
        let current = closed.iter().rev().take_while(|ok| **ok).count() as u32;
        let best = closed
            .split(|ok| !ok)
            .map(|run| run.len() as u32)
            .max()
            .unwrap_or(0);
        (current, best, done, closed.len() as u32)
    }

    fn base() -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, 1, 1).unwrap()
    }

    fn day(offset: i64) -> NaiveDate {
        base() + chrono::Duration::days(offset)
    }

    fn any_schedule() -> impl Strategy<Value = Schedule> {
        prop_oneof![
            Just(Schedule::Daily),
            (1u8..=7).prop_map(|times| Schedule::TimesPerWeek { times }),
            (1u8..=ALL_DAYS).prop_map(|mask| Schedule::Weekdays { mask }),
        ]
    }

    /// (schedule, start, today, check-ins): start within 2022–2024, today up to ~3 years
    /// later (sometimes before start), check-ins sparse or dense, some outside the range.
    fn scenario() -> impl Strategy<Value = (Schedule, NaiveDate, NaiveDate, BTreeSet<NaiveDate>)> {
        (
            any_schedule(),
            0i64..1100,
            -10i64..1100,
            prop_oneof![Just(3usize), Just(40), Just(400), Just(1000)],
        )
            .prop_flat_map(|(schedule, s, len, max)| {
                let days = proptest::collection::btree_set(s - 20..s + len.max(0) + 20, 0..max);
                (Just(schedule), Just(day(s)), Just(day(s + len)), days)
            })
            .prop_map(|(schedule, start, today, offsets)| {
                (
                    schedule,
                    start,
                    today,
                    offsets.into_iter().map(day).collect(),
                )
            })
    }

    fn periods_in_range(schedule: Schedule, start: NaiveDate, today: NaiveDate) -> u32 {
        if today < start {
            return 0;
        }
        let days = (today - start).num_days() as u32 + 1;
        match schedule.unit() {
            StreakUnit::Days => days,
            StreakUnit::Weeks => {
                let first_monday = start
                    - chrono::Duration::days(i64::from(start.weekday().num_days_from_monday()));
                ((today - first_monday).num_days() / 7) as u32 + 1
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        #[test]
        fn prop_bounds((schedule, start, today, checkins) in scenario()) {
            let s = habit_stats(schedule, start, today, &checkins);
            prop_assert!(s.best <= periods_in_range(schedule, start, today));
            prop_assert!(s.current <= s.best);
            prop_assert!(s.done <= s.expected);
            prop_assert!(s.expected <= periods_in_range(schedule, start, today));
            prop_assert!((0.0..=1.0).contains(&s.completion_rate));
            prop_assert_eq!(s.unit, schedule.unit());
            if s.expected == 0 {
                prop_assert_eq!(s.completion_rate, 0.0);
            } else {
                prop_assert!((s.completion_rate - f64::from(s.done) / f64::from(s.expected)).abs() < 1e-12);
            }
        }

        #[test]
        fn prop_matches_oracle((schedule, start, today, checkins) in scenario()) {
            let s = habit_stats(schedule, start, today, &checkins);
            prop_assert_eq!(nums(s), oracle(schedule, start, today, &checkins));
        }

        #[test]
        fn prop_extra_checkin_never_shortens_a_streak(
            (schedule, start, today, checkins) in scenario(),
            extra in -25i64..1130,
        ) {
            let before = habit_stats(schedule, start, today, &checkins);
            let mut more = checkins.clone();
            more.insert(start + chrono::Duration::days(extra));
            let after = habit_stats(schedule, start, today, &more);
            prop_assert!(after.current >= before.current, "{:?} -> {:?}", before, after);
            prop_assert!(after.best >= before.best, "{:?} -> {:?}", before, after);
            prop_assert!(after.done >= before.done);
        }

        #[test]
        fn prop_superset_never_lowers_done(
            (schedule, start, today, checkins) in scenario(),
            extra in proptest::collection::btree_set(-20i64..1130, 0..200),
        ) {
            let before = habit_stats(schedule, start, today, &checkins);
            let mut more = checkins.clone();
            more.extend(extra.into_iter().map(|o| start + chrono::Duration::days(o)));
            let after = habit_stats(schedule, start, today, &more);
            prop_assert!(after.done >= before.done, "{:?} -> {:?}", before, after);
        }

        #[test]
        fn prop_any_schedule_bytes_never_panic(kind in 0u8..3, byte in any::<u8>(), (_, start, today, checkins) in scenario()) {
            let schedule = match kind {
                0 => Schedule::Daily,
                1 => Schedule::TimesPerWeek { times: byte },
                _ => Schedule::Weekdays { mask: byte },
            };
            let s = habit_stats(schedule, start, today, &checkins);
            prop_assert!(s.current <= s.best && s.done <= s.expected);
            prop_assert!(!schedule.describe().is_empty());
            prop_assert_eq!(schedule.validate().is_ok(), match schedule {
                Schedule::Daily => true,
                Schedule::TimesPerWeek { times } => (1..=7).contains(&times),
                Schedule::Weekdays { mask } => mask != 0 && mask < 0x80,
            });
        }
    }
}
