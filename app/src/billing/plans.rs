//! What each plan allows, and how a paid period extends Plus: pure rules shared by the
//! pricing page (to show them) and the server (which decides).

use chrono::{DateTime, Months, Utc};
use serde::{Deserialize, Serialize};

use super::Product;

/// The limits of a plan. Free and Plus each have one (`[billing.free]`, `[billing.plus]`).
///
/// Never limited by any plan: exporting, deleting, privacy choices, and the delivery of a
/// letter already scheduled — a lapsed Plus never cancels or pauses one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Letters waiting to be delivered at once (scheduled, not yet delivered).
    pub letters_waiting: u32,
    /// Pictures in one letter.
    pub pictures_per_letter: u32,
    /// The latest delivery, in years from now.
    pub years_ahead: u32,
    /// People (besides oneself) one letter goes to.
    pub recipients_per_letter: u32,
    /// Whether a letter may also be sent as a text message.
    pub sms: bool,
}

impl Limits {
    /// The Free plan.
    pub const FREE: Self = Self {
        letters_waiting: 10,
        pictures_per_letter: 1,
        years_ahead: 5,
        recipients_per_letter: 3,
        sms: false,
    };
    /// Ripen Plus.
    pub const PLUS: Self = Self {
        letters_waiting: 200,
        pictures_per_letter: 5,
        years_ahead: 50,
        recipients_per_letter: 10,
        sms: true,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::FREE
    }
}

/// Where an account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PlanState {
    /// Never had Plus, or its grace period has ended.
    Free,
    /// Plus, paid until `until_ms`.
    Active,
    /// Plus ended at `until_ms` less than the grace period ago: its limits still hold, and
    /// the pages ask to renew.
    Grace,
}

impl PlanState {
    /// Whether Plus's limits apply.
    pub fn is_plus(self) -> bool {
        matches!(self, Self::Active | Self::Grace)
    }
}

/// The state of an account paid up to `plus_until_ms` (none: never paid), at `now_ms`.
/// `cut_ms` is when a refund last cut Plus short: Plus that ended there (rather than
/// running its course) has no grace period — the money for it was given back.
pub fn state_at(
    plus_until_ms: Option<i64>,
    cut_ms: Option<i64>,
    now_ms: i64,
    grace_ms: i64,
) -> PlanState {
    let grace = match cut_ms {
        Some(cut) if plus_until_ms.is_some_and(|u| u <= cut) => 0,
        _ => grace_ms,
    };
    match plus_until_ms {
        Some(until) if now_ms < until => PlanState::Active,
        Some(until) if now_ms < until.saturating_add(grace) => PlanState::Grace,
        _ => PlanState::Free,
    }
}

impl Product {
    /// Calendar months one order of this product buys.
    pub fn months(self) -> u32 {
        match self {
            Self::PlusMonth => 1,
            Self::PlusYear => 12,
        }
    }
}

/// The span a paid order of `product` buys for an account paid up to `plus_until_ms`:
/// it starts when the current period ends (or now, if that has passed: a lapse is not
/// paid for twice) and lasts the product's calendar months (UTC).
pub fn period(product: Product, plus_until_ms: Option<i64>, now_ms: i64) -> (i64, i64) {
    let start = plus_until_ms.map_or(now_ms, |until| until.max(now_ms));
    let end = DateTime::<Utc>::from_timestamp_millis(start)
        .and_then(|s| s.checked_add_months(Months::new(product.months())))
        .map_or(i64::MAX, |e| e.timestamp_millis());
    (start, end)
}

const DAY_MS: i64 = 86_400_000;

/// The part of a paid period not yet used at `now_ms`, in fen, out of `amount_fen` paid
/// for `start..end`: the days not begun, in proportion — so on the day it starts (or
/// before) all of it, and nothing once its last day has begun. Rounded down, so a refund
/// never exceeds what was paid.
pub fn unused_fen(amount_fen: i64, start_ms: i64, end_ms: i64, now_ms: i64) -> i64 {
    if end_ms <= start_ms || now_ms >= end_ms {
        return 0;
    }
    // Days begun are used, whole — except within the first day, which is forgiven:
    // changing one's mind on the day one pays costs nothing.
    let elapsed = now_ms - start_ms;
    let used = if elapsed < DAY_MS {
        0
    } else {
        (elapsed / DAY_MS + 1) * DAY_MS
    };
    let left = i128::from((end_ms - start_ms - used).max(0));
    let whole = i128::from(end_ms - start_ms);
    i64::try_from(i128::from(amount_fen) * left / whole).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ms(y: i32, m: u32, d: u32) -> i64 {
        Utc.with_ymd_and_hms(y, m, d, 0, 0, 0)
            .single()
            .unwrap()
            .timestamp_millis()
    }
    const DAY: i64 = 86_400_000;

    #[test]
    fn plus_holds_until_its_end_then_through_the_grace_period() {
        let until = ms(2027, 1, 31);
        let grace = 7 * DAY;
        assert_eq!(state_at(None, None, until, grace), PlanState::Free);
        assert_eq!(
            state_at(Some(until), None, until - 1, grace),
            PlanState::Active
        );
        assert_eq!(state_at(Some(until), None, until, grace), PlanState::Grace);
        assert_eq!(
            state_at(Some(until), None, until + grace - 1, grace),
            PlanState::Grace
        );
        assert_eq!(
            state_at(Some(until), None, until + grace, grace),
            PlanState::Free
        );
        assert!(PlanState::Grace.is_plus() && !PlanState::Free.is_plus());
    }

    #[test]
    fn plus_cut_short_by_a_refund_has_no_grace_period() {
        let (cut, grace) = (ms(2027, 1, 10), 7 * DAY);
        // Refunded in full on the 10th: Plus ends there, no grace.
        assert_eq!(state_at(Some(cut), Some(cut), cut, grace), PlanState::Free);
        // Refunded in part: what is left runs its course, then the grace period.
        let until = ms(2027, 1, 20);
        assert_eq!(
            state_at(Some(until), Some(cut), until - 1, grace),
            PlanState::Active
        );
        assert_eq!(
            state_at(Some(until), Some(cut), until, grace),
            PlanState::Grace
        );
    }

    #[test]
    fn a_period_follows_the_current_one_or_starts_now_after_a_lapse() {
        let now = ms(2026, 12, 5);
        assert_eq!(period(Product::PlusMonth, None, now), (now, ms(2027, 1, 5)));
        // Renewing early adds to the end, not to today.
        let until = ms(2027, 1, 31);
        assert_eq!(
            period(Product::PlusMonth, Some(until), now),
            (until, ms(2027, 2, 28))
        );
        assert_eq!(
            period(Product::PlusYear, Some(until), now),
            (until, ms(2028, 1, 31))
        );
        // After a lapse, the time without Plus is not charged.
        assert_eq!(
            period(Product::PlusYear, Some(ms(2026, 1, 1)), now),
            (now, ms(2027, 12, 5))
        );
    }

    #[test]
    fn the_unused_part_of_a_period_is_its_days_not_begun_and_never_more_than_paid() {
        let (start, end) = (ms(2027, 1, 1), ms(2027, 1, 11));
        assert_eq!(unused_fen(1000, start, end, start - DAY), 1000);
        assert_eq!(unused_fen(1000, start, end, start), 1000);
        // The first day is forgiven.
        assert_eq!(unused_fen(1000, start, end, start + DAY - 1), 1000);
        // Into the second day: two days used of ten.
        assert_eq!(unused_fen(1000, start, end, start + DAY), 800);
        assert_eq!(unused_fen(1000, start, end, start + 3 * DAY + 1), 600);
        assert_eq!(unused_fen(1000, start, end, end - 1), 0);
        assert_eq!(unused_fen(1000, start, end, end), 0);
        assert_eq!(unused_fen(1000, end, start, start), 0);
        // A month of ¥12.00 (31 days), refunded on day 11: 20 days of 31 back.
        let (s, e) = (ms(2027, 1, 1), ms(2027, 2, 1));
        assert_eq!(unused_fen(1200, s, e, s + 10 * DAY + 5), 1200 * 20 / 31);
    }
}
