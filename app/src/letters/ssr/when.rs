//! When a letter arrives: local dates and times in the author's zone, the delivery window,
//! and how instants are spelled out.

use super::*;

/// A letter's time zone (UTC if the stored name is unknown to this build).
pub(crate) fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}
/// The instant a local date and time in `tz` names. A time skipped by a clock change is
/// an error; a repeated one means its first occurrence.
pub fn local_instant(tz: Tz, date: &str, time: &str) -> Result<i64, AppError> {
    let d = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("deliver_date", t().letters.pick_date))?;
    let t = NaiveTime::parse_from_str(time.trim(), "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(time.trim(), "%H:%M"))
        .map_err(|_| AppError::validation("deliver_time", t().letters.pick_time))?;
    match tz.from_local_datetime(&d.and_time(t)) {
        LocalResult::Single(dt) => Ok(dt.timestamp_millis()),
        LocalResult::Ambiguous(first, _) => Ok(first.timestamp_millis()),
        LocalResult::None => Err(AppError::validation(
            "deliver_time",
            fill(
                crate::i18n::t().letters.time_skipped,
                &[("time", &time), ("zone", &tz)],
            ),
        )),
    }
}
/// Refuses instants sooner than the minimum lead or more than 50 years ahead.
pub fn check_window(at_ms: i64, now_ms: i64, min_lead_secs: i64) -> Result<(), AppError> {
    let earliest = now_ms + min_lead_secs * 1000;
    if at_ms < earliest {
        let msg = if at_ms <= now_ms {
            t().letters.time_passed.to_owned()
        } else {
            fill(
                t().letters.min_lead,
                &[("span", &rules::duration_words(min_lead_secs * 1000))],
            )
        };
        return Err(AppError::validation("deliver_date", msg));
    }
    let latest = DateTime::<Utc>::from_timestamp_millis(now_ms)
        .and_then(|n| n.checked_add_months(chrono::Months::new(12 * rules::MAX_YEARS_AHEAD)))
        .map_or(i64::MAX, |t| t.timestamp_millis());
    if at_ms > latest {
        return Err(AppError::validation(
            "deliver_date",
            fill(t().letters.max_ahead, &[("years", &rules::MAX_YEARS_AHEAD)]),
        ));
    }
    Ok(())
}
/// (local, UTC) descriptions of an instant; the local one in the current language
/// ("Friday 1 May 2026, 09:00 (Europe/London)").
pub fn describe(at_ms: i64, tz: Tz) -> (String, String) {
    let Some(utc) = DateTime::<Utc>::from_timestamp_millis(at_ms) else {
        return (String::new(), String::new());
    };
    let local = utc.with_timezone(&tz);
    let lang = crate::i18n::lang();
    (
        fill(
            lang.texts().letters.local_when,
            &[
                ("date", &date_in(lang, &local, DateStyle::Full)),
                ("time", &local.format("%H:%M")),
                ("zone", &tz),
            ],
        ),
        format!("{} UTC", utc.format("%Y-%m-%d %H:%M")),
    )
}
/// "1 May 2026" in `tz`, in the current language.
pub(crate) fn long_date(at_ms: i64, tz: Tz) -> String {
    long_date_in(crate::i18n::lang(), at_ms, tz)
}
/// "1 May 2026" in `tz`, in `lang`.
pub(crate) fn long_date_in(lang: Lang, at_ms: i64, tz: Tz) -> String {
    DateTime::<Utc>::from_timestamp_millis(at_ms)
        .map(|at| date_in(lang, &at.with_timezone(&tz), DateStyle::Long))
        .unwrap_or_default()
}
/// Spells out a date and time in the caller's zone, or refuses it on the field as
/// scheduling would ([`check_window`]): the editor says a time has passed as it is typed.
pub async fn preview(
    db: &DatabaseConnection,
    user: Uuid,
    date: &str,
    time: &str,
    min_lead_secs: i64,
) -> Result<DeliveryPreview, AppError> {
    let account = user_row(db, user).await?;
    let tz = zone(&account.timezone);
    let at = local_instant(tz, date, time)?;
    let now = now_ms();
    check_window(at, now, min_lead_secs)?;
    let (local, utc) = describe(at, tz);
    let delta = at - now;
    let in_words = if delta <= 0 {
        t().letters.in_past.to_owned()
    } else {
        fill(
            t().letters.in_span,
            &[("span", &rules::duration_words(delta))],
        )
    };
    Ok(DeliveryPreview {
        local,
        utc,
        in_words,
    })
}
