//! Local-time arithmetic in a debtor's zone that stays right across DST changes.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The debtor-local calendar date of an instant.
pub fn local_date(tz: Tz, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The first instant at or after local wall-clock `time` on `date` (skips a DST gap forward).
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    // Gaps are at most a few hours long; step in 15-minute increments past them.
    for step in 0..=16 {
        let probe = naive + Duration::minutes(15 * step);
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => continue,
        }
    }
    // No real zone has a gap longer than four hours; fall back to reading the wall clock as UTC.
    Utc.from_utc_datetime(&naive)
}

/// The first instant of a local calendar date.
pub fn start_of_day(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    local_instant(tz, date, NaiveTime::MIN)
}

/// The Monday that starts the week of `date`.
pub fn week_start(date: NaiveDate) -> NaiveDate {
    date - Duration::days(i64::from(date.weekday().num_days_from_monday()))
}

/// The first day of the month of `date`.
pub fn month_start(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The first day of the month after the month of `date`.
pub fn next_month_start(date: NaiveDate) -> NaiveDate {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(date)
}

/// `HH:MM` of a wall-clock time (cheap, no format-string parsing).
pub fn hhmm(time: NaiveTime) -> String {
    use chrono::Timelike;
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// `Mon 2026-11-23` of a date.
pub fn day_label(date: NaiveDate) -> String {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    format!(
        "{} {:04}-{:02}-{:02}",
        DAYS[date.weekday().num_days_from_monday() as usize],
        date.year(),
        date.month(),
        date.day()
    )
}

/// `2026-11-23 18:30` of an instant in the debtor's local time.
pub fn local_label(tz: Tz, at: DateTime<Utc>) -> String {
    use chrono::Timelike;
    let l = at.with_timezone(&tz);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        l.year(),
        l.month(),
        l.day(),
        l.hour(),
        l.minute()
    )
}

/// `2026-11-23T18:30:00Z` of an instant.
pub fn utc_label(at: DateTime<Utc>) -> String {
    use chrono::Timelike;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}
