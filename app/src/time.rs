//! Which day an instant belongs to, for one user.
//!
//! Every user has an IANA time zone and a *day boundary*: the local wall-clock time,
//! in minutes after midnight (`0..=720`), at which their day starts. With a boundary of
//! 240 (04:00) a check-in at 01:30 local time still counts for the previous day.
//!
//! [`DayRule`] is the single place that turns an instant (milliseconds since the Unix
//! epoch, UTC) into a day ([`NaiveDate`]) and back. Its definition, which holds across
//! daylight-saving changes:
//!
//! * `day_start_ms(d)` is the first instant at which the local wall clock reaches
//!   `d` at the boundary time. If that wall time happens twice (the repeated hour when
//!   clocks go back) the *earlier* instant is used; if it never happens (the hour skipped
//!   when clocks go forward) the first instant after the skipped stretch is used.
//! * `day_of(t)` is the unique `d` with `day_start_ms(d) <= t < day_start_ms(d + 1)`.
//!
//! So days are contiguous, no instant belongs to two days, and `day_of` never goes
//! backwards as time moves forward, even when the boundary falls inside a repeated or
//! skipped hour. A day can be shorter or longer than 24 hours around a clock change.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone};
use chrono_tz::Tz;

/// The latest day boundary a user may choose: 720 minutes, i.e. 12:00 local time.
pub const MAX_BOUNDARY_MIN: i32 = 720;

/// Earliest day this module works with; earlier days and instants saturate to it.
const MIN_DAY: NaiveDate = match NaiveDate::from_ymd_opt(-262_000, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// Latest day this module works with; later days and instants saturate to it.
const MAX_DAY: NaiveDate = match NaiveDate::from_ymd_opt(262_000, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// The day after `MAX_DAY`; its start is the end of `MAX_DAY`.
const AFTER_MAX_DAY: NaiveDate = match NaiveDate::from_ymd_opt(262_001, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// Instants within ± this many milliseconds of the epoch (about ±255,000 years) are well
/// inside `MIN_DAY..=MAX_DAY` in every zone, so `day_of` needs no clamping for them.
const SAFE_MS: u64 = 8_000_000_000_000_000;

/// A skipped stretch of local time is searched for its end at most this far (3 days);
/// real gaps are at most a day long.
const MAX_GAP_PROBE_MIN: i64 = 3 * 24 * 60;

/// `day_of` corrects its first guess by at most this many days (one is enough for
/// ordinary zones; historic zone changes of a whole day may need two).
const MAX_CORRECTIONS: usize = 4;

const MS_PER_MIN: i64 = 60_000;

/// How a user's instants are grouped into days: a time zone plus a day boundary.
///
/// A rule is a plain value. When a user changes their zone or boundary, build a new rule;
/// instants judged with the new rule get the new days, and nothing is remembered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DayRule {
    tz: Tz,
    boundary_min: u32,
}

/// Why a [`DayRule`] could not be built from user input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayRuleError {
    /// The time zone name is not an IANA zone name known to `chrono-tz`.
    #[error("unknown time zone")]
    UnknownTimezone,
    /// The boundary is outside `0..=MAX_BOUNDARY_MIN` minutes.
    #[error("the day must start between 00:00 and 12:00")]
    BoundaryOutOfRange,
}

impl DayRule {
    /// Builds a rule from an exact IANA zone name (`"America/New_York"`,
    /// `"Asia/Shanghai"`, `"UTC"`, …) and a day boundary in minutes after local
    /// midnight, `0..=MAX_BOUNDARY_MIN`.
    ///
    /// The zone is checked first, so a bad zone is reported even if the boundary is also
    /// bad.
    pub fn new(timezone: &str, boundary_min: i32) -> Result<Self, DayRuleError> {
        let tz = timezone
            .parse::<Tz>()
            .map_err(|_| DayRuleError::UnknownTimezone)?;
        if !(0..=MAX_BOUNDARY_MIN).contains(&boundary_min) {
            return Err(DayRuleError::BoundaryOutOfRange);
        }
        let boundary_min =
            u32::try_from(boundary_min).map_err(|_| DayRuleError::BoundaryOutOfRange)?;
        Ok(Self { tz, boundary_min })
    }

    /// UTC days starting at 00:00 UTC.
    pub fn utc() -> Self {
        Self {
            tz: Tz::UTC,
            boundary_min: 0,
        }
    }

    /// The IANA name of the rule's time zone (as `chrono-tz` spells it).
    pub fn timezone(&self) -> &'static str {
        self.tz.name()
    }

    /// The day boundary in minutes after local midnight (`0..=720`).
    pub fn boundary_min(&self) -> u32 {
        self.boundary_min
    }

    /// The day that the instant `instant_ms` (milliseconds since the Unix epoch) belongs
    /// to: the unique `d` with `day_start_ms(d) <= instant_ms < day_end_ms(d)`.
    ///
    /// Monotone: a later instant never belongs to an earlier day.
    ///
    /// Instants beyond roughly ±262,000 years (including `i64::MIN` / `i64::MAX`)
    /// saturate: they map to the first or last supported day (-262000-01-01 or
    /// 262000-12-31), so for them the `day_start_ms`/`day_end_ms` bracket does not hold.
    pub fn day_of(&self, instant_ms: i64) -> NaiveDate {
        let t = if instant_ms.unsigned_abs() <= SAFE_MS {
            instant_ms
        } else {
            instant_ms
                .max(self.day_start_ms(MIN_DAY))
                .min(self.day_end_ms(MAX_DAY).saturating_sub(1))
        };
        // First guess: the local wall-clock date after moving the boundary back to midnight.
        let mut day = match DateTime::from_timestamp_millis(t) {
            Some(utc) => {
                let wall = utc.with_timezone(&self.tz).naive_local();
                wall.checked_sub_signed(self.boundary())
                    .unwrap_or(wall)
                    .date()
            }
            None if t < 0 => MIN_DAY,
            None => MAX_DAY,
        }
        .max(MIN_DAY)
        .min(MAX_DAY);
        // The guess can be off by a day when the boundary lies in a repeated hour (the
        // second pass through it already belongs to the new day) or, in historic data,
        // around larger jumps. Correct it against the real day starts.
        let mut start = self.day_start_ms(day);
        let mut end = self.day_end_ms(day);
        for _ in 0..MAX_CORRECTIONS {
            if t < start {
                match day.pred_opt() {
                    Some(prev) if prev >= MIN_DAY => {
                        day = prev;
                        end = start;
                        start = self.day_start_ms(day);
                    }
                    _ => break,
                }
            } else if t >= end {
                match day.succ_opt() {
                    Some(next) if next <= MAX_DAY => {
                        day = next;
                        start = end;
                        end = self.day_end_ms(day);
                    }
                    _ => break,
                }
            } else {
                break;
            }
        }
        day
    }

    /// The first instant (milliseconds since the Unix epoch) that belongs to `day`.
    ///
    /// That is when the local wall clock first reaches `day` at the boundary time: the
    /// earlier instant if that wall time occurs twice, the end of the skipped stretch if
    /// it does not occur at all. Days outside -262000-01-01..=262000-12-31 are clamped to
    /// that range (days after it all start where its last day ends).
    pub fn day_start_ms(&self, day: NaiveDate) -> i64 {
        let day = day.max(MIN_DAY).min(AFTER_MAX_DAY);
        let midnight = day.and_time(NaiveTime::MIN);
        let wall = midnight
            .checked_add_signed(self.boundary())
            .unwrap_or(midnight);
        self.first_instant_reaching(wall)
    }

    /// The end (exclusive) of `day`: `day_start_ms` of the following day. Usually 24 hours
    /// after `day_start_ms(day)`, but 23 or 25 (or other lengths) around clock changes.
    pub fn day_end_ms(&self, day: NaiveDate) -> i64 {
        let day = day.max(MIN_DAY).min(MAX_DAY);
        // `MAX_DAY` is far below `NaiveDate::MAX`, so there is always a next day.
        self.day_start_ms(day.succ_opt().unwrap_or(AFTER_MAX_DAY))
    }

    fn boundary(&self) -> TimeDelta {
        TimeDelta::minutes(i64::from(self.boundary_min))
    }

    /// The local wall-clock time at the instant `instant_ms`, if representable.
    fn wall_at(&self, instant_ms: i64) -> Option<NaiveDateTime> {
        DateTime::from_timestamp_millis(instant_ms)
            .map(|utc| utc.with_timezone(&self.tz).naive_local())
    }

    /// The first instant whose local wall-clock time is `wall`, or, if `wall` falls in a
    /// skipped stretch, the instant the stretch ends.
    fn first_instant_reaching(&self, wall: NaiveDateTime) -> i64 {
        match self.tz.from_local_datetime(&wall) {
            LocalResult::Single(at) => at.timestamp_millis(),
            LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
            LocalResult::None => self.gap_end(wall),
        }
    }

    /// `wall` does not exist locally (clocks jumped over it). Find the first local minute
    /// after it that exists; the jump happened less than a minute of real time before
    /// that minute's instant, so a binary search there finds the exact first instant
    /// whose wall time is at or after `wall` — the end of the gap.
    fn gap_end(&self, wall: NaiveDateTime) -> i64 {
        for k in 1..=MAX_GAP_PROBE_MIN {
            let Some(probe) = wall.checked_add_signed(TimeDelta::minutes(k)) else {
                break;
            };
            let first = match self.tz.from_local_datetime(&probe) {
                LocalResult::Single(at) => at.timestamp_millis(),
                LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
                LocalResult::None => continue,
            };
            // Invariant: the wall time at `hi` is >= `wall`, at `lo` it is < `wall`.
            let mut lo = first.saturating_sub(MS_PER_MIN);
            let mut hi = first;
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                match self.wall_at(mid) {
                    Some(w) if w < wall => lo = mid,
                    _ => hi = mid,
                }
            }
            return hi;
        }
        // No zone skips days on end; read the wall time as UTC rather than fail.
        wall.and_utc().timestamp_millis()
    }
}

/// Whether `name` is an IANA time zone name that [`DayRule::new`] accepts.
pub fn is_valid_timezone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Days, Timelike};
    use proptest::prelude::*;

    const HOUR_MS: i64 = 60 * MS_PER_MIN;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Milliseconds for a UTC date-time.
    fn utc_ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        date(y, mo, d)
            .and_hms_opt(h, mi, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    /// Milliseconds for an unambiguous local date-time in `tz`.
    fn local_ms(tz: &str, y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
        let tz: Tz = tz.parse().unwrap();
        tz.from_local_datetime(&date(y, mo, d).and_hms_opt(h, mi, 0).unwrap())
            .single()
            .unwrap()
            .timestamp_millis()
    }

    fn rule(tz: &str, b: i32) -> DayRule {
        DayRule::new(tz, b).unwrap()
    }

    fn length_h(r: &DayRule, d: NaiveDate) -> f64 {
        (r.day_end_ms(d) - r.day_start_ms(d)) as f64 / HOUR_MS as f64
    }

    /// Samples every minute from the start of `first` to the end of `last` (plus a margin
    /// on both sides) and checks that days never go backwards or skip, that each sample
    /// lies within its day's bracket, and that every day in between is seen.
    fn sweep_minutes(r: &DayRule, first: NaiveDate, last: NaiveDate) {
        let from = r.day_start_ms(first) - 2 * HOUR_MS;
        let to = r.day_end_ms(last) + 2 * HOUR_MS;
        let mut prev = r.day_of(from);
        let mut seen = vec![prev];
        let mut t = from;
        while t <= to {
            let d = r.day_of(t);
            assert!(d >= prev, "{r:?}: day went backwards at {t}: {prev} -> {d}");
            assert!(
                d <= prev.succ_opt().unwrap(),
                "{r:?}: day skipped at {t}: {prev} -> {d}"
            );
            assert!(
                r.day_start_ms(d) <= t && t < r.day_end_ms(d),
                "{r:?}: {t} outside {d}"
            );
            if d != prev {
                // The change happens exactly at the day start.
                assert_eq!(
                    r.day_start_ms(d),
                    t,
                    "{r:?}: {d} starts off the minute grid"
                );
                seen.push(d);
            }
            prev = d;
            t += MS_PER_MIN;
        }
        let mut d = first;
        while d <= last {
            assert!(seen.contains(&d), "{r:?}: day {d} never seen");
            d = d.succ_opt().unwrap();
        }
    }

    #[test]
    fn new_york_midnight_boundary_across_dst() {
        let r = rule("America/New_York", 0);
        // Spring forward 2026-03-08 02:00 EST -> 03:00 EDT.
        assert_eq!(length_h(&r, date(2026, 3, 7)), 24.0);
        assert_eq!(length_h(&r, date(2026, 3, 8)), 23.0);
        assert_eq!(length_h(&r, date(2026, 3, 9)), 24.0);
        // Fall back 2026-11-01 02:00 EDT -> 01:00 EST.
        assert_eq!(length_h(&r, date(2026, 10, 31)), 24.0);
        assert_eq!(length_h(&r, date(2026, 11, 1)), 25.0);
        assert_eq!(length_h(&r, date(2026, 11, 2)), 24.0);
        assert_eq!(r.day_start_ms(date(2026, 3, 8)), utc_ms(2026, 3, 8, 5, 0));
        assert_eq!(r.day_start_ms(date(2026, 11, 2)), utc_ms(2026, 11, 2, 5, 0));
        sweep_minutes(&r, date(2026, 3, 7), date(2026, 3, 9));
        sweep_minutes(&r, date(2026, 10, 31), date(2026, 11, 2));
    }

    #[test]
    fn new_york_boundary_in_the_skipped_hour() {
        // 02:30 does not exist on 2026-03-08: that day starts when the gap ends, 03:00 EDT.
        let r = rule("America/New_York", 150);
        assert_eq!(r.day_start_ms(date(2026, 3, 7)), utc_ms(2026, 3, 7, 7, 30)); // 02:30 EST
        assert_eq!(r.day_start_ms(date(2026, 3, 8)), utc_ms(2026, 3, 8, 7, 0)); // 03:00 EDT
        assert_eq!(r.day_start_ms(date(2026, 3, 9)), utc_ms(2026, 3, 9, 6, 30)); // 02:30 EDT
        // So the hour lost is split between the two days around the gap.
        assert_eq!(length_h(&r, date(2026, 3, 6)), 24.0);
        assert_eq!(length_h(&r, date(2026, 3, 7)), 23.5);
        assert_eq!(length_h(&r, date(2026, 3, 8)), 23.5);
        assert_eq!(length_h(&r, date(2026, 3, 9)), 24.0);
        // 01:59 EST on 03-08 is still 03-07; 03:00 EDT is 03-08.
        assert_eq!(r.day_of(utc_ms(2026, 3, 8, 6, 59)), date(2026, 3, 7));
        assert_eq!(r.day_of(utc_ms(2026, 3, 8, 7, 0)), date(2026, 3, 8));
        // 02:30 is unambiguous on 11-01 (after the repeat), so 10-31 gets the extra hour.
        assert_eq!(length_h(&r, date(2026, 10, 31)), 25.0);
        assert_eq!(length_h(&r, date(2026, 11, 1)), 24.0);
        sweep_minutes(&r, date(2026, 3, 6), date(2026, 3, 9));
        sweep_minutes(&r, date(2026, 10, 30), date(2026, 11, 2));
    }

    #[test]
    fn new_york_boundary_in_the_repeated_hour() {
        // 01:30 happens twice on 2026-11-01; the day starts at the first one (EDT).
        let r = rule("America/New_York", 90);
        assert_eq!(
            r.day_start_ms(date(2026, 11, 1)),
            utc_ms(2026, 11, 1, 5, 30)
        );
        assert_eq!(length_h(&r, date(2026, 10, 31)), 24.0);
        assert_eq!(length_h(&r, date(2026, 11, 1)), 25.0);
        assert_eq!(length_h(&r, date(2026, 11, 2)), 24.0);
        // Second pass through 01:00-01:29 (EST) has a wall time before the boundary but
        // already belongs to 11-01: the day must not go back to 10-31.
        assert_eq!(r.day_of(utc_ms(2026, 11, 1, 5, 29)), date(2026, 10, 31)); // 01:29 EDT
        assert_eq!(r.day_of(utc_ms(2026, 11, 1, 6, 15)), date(2026, 11, 1)); // 01:15 EST
        assert_eq!(r.day_of(utc_ms(2026, 11, 1, 6, 45)), date(2026, 11, 1)); // 01:45 EST
        // Spring: 01:30 exists on both sides; the short day is 03-08.
        assert_eq!(length_h(&r, date(2026, 3, 7)), 24.0);
        assert_eq!(length_h(&r, date(2026, 3, 8)), 23.0);
        assert_eq!(length_h(&r, date(2026, 3, 9)), 24.0);
        sweep_minutes(&r, date(2026, 10, 30), date(2026, 11, 2));
        sweep_minutes(&r, date(2026, 3, 7), date(2026, 3, 9));
    }

    #[test]
    fn gap_end_is_exact_to_the_second() {
        // Historic changes away from local mean time skip odd stretches: Kolkata went
        // from +05:21:10 to +05:30 at local midnight of 1906-01-01 (00:00:00-00:08:49 never
        // happened), São Paulo from -03:06:28 to -03:00 at midnight of 1914-01-01.
        let kolkata = rule("Asia/Kolkata", 0);
        let start = utc_ms(1905, 12, 31, 18, 38) + 50_000;
        assert_eq!(kolkata.day_start_ms(date(1906, 1, 1)), start);
        assert_eq!(kolkata.day_of(start - 1), date(1905, 12, 31));
        assert_eq!(kolkata.day_of(start), date(1906, 1, 1));
        let sao_paulo = rule("America/Sao_Paulo", 0);
        let start = utc_ms(1914, 1, 1, 3, 6) + 28_000;
        assert_eq!(sao_paulo.day_start_ms(date(1914, 1, 1)), start);
        assert_eq!(sao_paulo.day_of(start - 1), date(1913, 12, 31));
        assert_eq!(sao_paulo.day_of(start), date(1914, 1, 1));
    }

    #[test]
    fn shanghai_midnight_and_four_am() {
        let tz = "Asia/Shanghai";
        let r0 = rule(tz, 0);
        assert_eq!(
            r0.day_of(local_ms(tz, 2026, 11, 23, 23, 59)),
            date(2026, 11, 23)
        );
        assert_eq!(
            r0.day_of(local_ms(tz, 2026, 11, 24, 0, 0)),
            date(2026, 11, 24)
        );
        assert_eq!(
            r0.day_of(local_ms(tz, 2026, 11, 24, 0, 0) - 1),
            date(2026, 11, 23)
        );
        let r4 = rule(tz, 240);
        assert_eq!(
            r4.day_of(local_ms(tz, 2026, 11, 24, 1, 30)),
            date(2026, 11, 23)
        );
        assert_eq!(
            r4.day_of(local_ms(tz, 2026, 11, 24, 3, 59)),
            date(2026, 11, 23)
        );
        assert_eq!(
            r4.day_of(local_ms(tz, 2026, 11, 24, 4, 0)),
            date(2026, 11, 24)
        );
        assert_eq!(
            r4.day_start_ms(date(2026, 11, 24)),
            local_ms(tz, 2026, 11, 24, 4, 0)
        );
        assert_eq!(
            r4.day_end_ms(date(2026, 11, 24)),
            local_ms(tz, 2026, 11, 25, 4, 0)
        );
    }

    #[test]
    fn utc_four_am_boundary() {
        let r = rule("UTC", 240);
        assert_eq!(
            r.day_start_ms(date(2026, 11, 24)),
            utc_ms(2026, 11, 24, 4, 0)
        );
        assert_eq!(r.day_of(utc_ms(2026, 11, 24, 4, 0) - 1), date(2026, 11, 23));
        assert_eq!(r.day_of(utc_ms(2026, 11, 24, 4, 0)), date(2026, 11, 24));
        assert_eq!(r.day_of(utc_ms(2026, 11, 25, 3, 59)), date(2026, 11, 24));
        assert_eq!(length_h(&r, date(2026, 11, 24)), 24.0);
        // The plain UTC rule starts days at midnight.
        let u = DayRule::utc();
        assert_eq!((u.timezone(), u.boundary_min()), ("UTC", 0));
        assert_eq!(u.day_of(utc_ms(2026, 11, 24, 0, 0)), date(2026, 11, 24));
        assert_eq!(u.day_of(utc_ms(2026, 11, 24, 0, 0) - 1), date(2026, 11, 23));
    }

    #[test]
    fn changing_timezone_changes_the_day() {
        let t = utc_ms(2026, 11, 24, 2, 0);
        let shanghai = rule("Asia/Shanghai", 0);
        let new_york = rule("America/New_York", 0);
        assert_eq!(shanghai.day_of(t), date(2026, 11, 24)); // 10:00 local
        assert_eq!(new_york.day_of(t), date(2026, 11, 23)); // 21:00 local
        // A user moving from Shanghai to New York: the new rule applies from then on.
        let mut user = shanghai;
        assert_eq!(user.day_of(t), date(2026, 11, 24));
        user = new_york;
        assert_eq!(user.day_of(t + HOUR_MS), date(2026, 11, 23));
        assert_eq!(user.timezone(), "America/New_York");
    }

    #[test]
    fn new_validates_input() {
        assert_eq!(
            DayRule::new("Mars/Olympus", 0),
            Err(DayRuleError::UnknownTimezone)
        );
        assert_eq!(DayRule::new("", 0), Err(DayRuleError::UnknownTimezone));
        assert_eq!(
            DayRule::new("Mars/Olympus", 721),
            Err(DayRuleError::UnknownTimezone)
        );
        assert_eq!(
            DayRule::new("UTC", -1),
            Err(DayRuleError::BoundaryOutOfRange)
        );
        assert_eq!(
            DayRule::new("UTC", 721),
            Err(DayRuleError::BoundaryOutOfRange)
        );
        assert_eq!(
            DayRule::new("UTC", i32::MIN),
            Err(DayRuleError::BoundaryOutOfRange)
        );
        assert_eq!(rule("UTC", 0).boundary_min(), 0);
        assert_eq!(rule("Asia/Kolkata", MAX_BOUNDARY_MIN).boundary_min(), 720);
        assert_eq!(rule("Asia/Shanghai", 0).timezone(), "Asia/Shanghai");
        assert!(is_valid_timezone("America/New_York"));
        assert!(is_valid_timezone("UTC"));
        assert!(!is_valid_timezone("America/Nowhere"));
        assert_eq!(
            DayRuleError::BoundaryOutOfRange.to_string(),
            "the day must start between 00:00 and 12:00"
        );
    }

    #[test]
    fn extreme_inputs_saturate_without_panicking() {
        for r in [
            rule("UTC", 0),
            rule("Australia/Lord_Howe", 720),
            rule("America/New_York", 150),
        ] {
            let lo = r.day_of(i64::MIN);
            let hi = r.day_of(i64::MAX);
            assert_eq!(lo, MIN_DAY);
            assert_eq!(hi, MAX_DAY);
            assert!(r.day_start_ms(NaiveDate::MIN) <= r.day_start_ms(NaiveDate::MAX));
            assert_eq!(r.day_start_ms(NaiveDate::MIN), r.day_start_ms(MIN_DAY));
            // Days past the range are empty and sit at the end of the last day.
            assert_eq!(r.day_start_ms(NaiveDate::MAX), r.day_end_ms(MAX_DAY));
            assert_eq!(r.day_end_ms(NaiveDate::MAX), r.day_end_ms(MAX_DAY));
            assert!(r.day_end_ms(MAX_DAY) > r.day_start_ms(MAX_DAY));
            // Just inside the supported range the bracket still holds.
            for t in [r.day_start_ms(MIN_DAY), r.day_end_ms(MAX_DAY) - 1, 0, -1] {
                let d = r.day_of(t);
                assert!(r.day_start_ms(d) <= t && t < r.day_end_ms(d));
            }
        }
    }

    const ZONES: [&str; 8] = [
        "America/New_York",
        "Asia/Shanghai",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "UTC",
        "America/Sao_Paulo",
        "Europe/London",
        "Pacific/Auckland",
    ];
    /// 1970-01-01 .. 2100-01-01 in milliseconds.
    const END_2100_MS: i64 = 4_102_444_800_000;

    fn any_rule() -> impl Strategy<Value = DayRule> {
        (0..ZONES.len(), 0..=MAX_BOUNDARY_MIN).prop_map(|(z, b)| rule(ZONES[z], b))
    }

    /// Minutes since local midnight at `t`.
    fn local_minute_of_day(tz: &str, t: i64) -> u32 {
        let tz: Tz = tz.parse().unwrap();
        let wall = DateTime::from_timestamp_millis(t)
            .unwrap()
            .with_timezone(&tz);
        wall.num_seconds_from_midnight() / 60
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn instant_lies_within_its_day(r in any_rule(), t in 0..END_2100_MS) {
            let d = r.day_of(t);
            prop_assert!(r.day_start_ms(d) <= t, "{r:?} {t} {d}");
            prop_assert!(t < r.day_end_ms(d), "{r:?} {t} {d}");
        }

        #[test]
        fn day_of_is_monotone(r in any_rule(), a in 0..END_2100_MS, b in 0..END_2100_MS) {
            let (t1, t2) = (a.min(b), a.max(b));
            prop_assert!(r.day_of(t1) <= r.day_of(t2), "{r:?} {t1} {t2}");
            // Also right around a random instant, where clock changes are most likely
            // to be caught only if we look closely.
            prop_assert!(r.day_of(t1) <= r.day_of(t1 + 1));
        }

        #[test]
        fn day_start_is_the_first_instant_at_the_boundary(
            r in any_rule(),
            days in 0u64..47_000,
        ) {
            let d = date(1970, 1, 1).checked_add_days(Days::new(days)).unwrap();
            let start = r.day_start_ms(d);
            let boundary_wall = d.and_time(NaiveTime::MIN) + r.boundary();
            // The wall clock has reached the boundary at the start, and not just before.
            prop_assert!(r.wall_at(start).unwrap() >= boundary_wall, "{r:?} {d}");
            prop_assert!(r.wall_at(start - 1).unwrap() < boundary_wall, "{r:?} {d}");
            prop_assert_eq!(r.day_of(start), d);
            prop_assert_eq!(r.day_of(start - 1), d.pred_opt().unwrap());
            prop_assert_eq!(r.day_end_ms(d), r.day_start_ms(d.succ_opt().unwrap()));
            let hours = (r.day_end_ms(d) - start) as f64 / HOUR_MS as f64;
            prop_assert!((22.0..=26.0).contains(&hours), "{r:?} {d} {hours}");
        }

        #[test]
        fn moving_the_boundary_shifts_exactly_the_instants_between(
            shanghai in any::<bool>(),
            b1 in 0..=MAX_BOUNDARY_MIN,
            b2 in 0..=MAX_BOUNDARY_MIN,
            t in 0..END_2100_MS,
        ) {
            prop_assume!(b1 != b2);
            let (b1, b2) = (b1.min(b2), b1.max(b2));
            // Shanghai has had a fixed +08:00 offset since 1992.
            let (tz, t) = if shanghai {
                ("Asia/Shanghai", t.max(utc_ms(1992, 1, 1, 0, 0)))
            } else {
                ("UTC", t)
            };
            let old = rule(tz, b1);
            let new = rule(tz, b2);
            let minute = local_minute_of_day(tz, t);
            let (old_day, new_day) = (old.day_of(t), new.day_of(t));
            if (b1 as u32..b2 as u32).contains(&minute) {
                prop_assert_eq!(new_day, old_day.pred_opt().unwrap(), "{} {} {} {}", tz, b1, b2, t);
            } else {
                prop_assert_eq!(new_day, old_day, "{} {} {} {}", tz, b1, b2, t);
            }
        }
    }
}
