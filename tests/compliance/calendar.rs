//! The Russian production calendar data and its parser.

use chrono::NaiveDate;

use softcall::campaign::compliance::{ru_calendar, DayKind, HolidayCalendar};

fn date(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

#[test]
fn embedded_calendar_matches_the_published_working_day_totals() {
    let cal = ru_calendar();
    assert_eq!(cal.covered_years(), &[2025, 2026, 2027]);
    // Totals published with the decrees for 2025 and 2026 (five-day week).
    assert_eq!(cal.working_days_in_year(2025), 247);
    assert_eq!(cal.working_days_in_year(2026), 247);
    // 2027 is preliminary; its days off are never fewer than the Labour Code's own.
    assert!(cal.working_days_in_year(2027) <= 249);
}

#[test]
fn day_kinds_of_notable_dates() {
    let cal = ru_calendar();
    for (d, kind) in [
        ("2025-01-08", DayKind::DayOff),
        ("2025-05-02", DayKind::DayOff),
        ("2025-05-08", DayKind::DayOff),
        ("2025-06-13", DayKind::DayOff),
        ("2025-11-01", DayKind::Working),
        ("2025-11-03", DayKind::DayOff),
        ("2025-12-31", DayKind::DayOff),
        ("2026-01-09", DayKind::DayOff),
        ("2026-01-12", DayKind::Working),
        ("2026-02-23", DayKind::DayOff),
        ("2026-03-09", DayKind::DayOff),
        ("2026-05-11", DayKind::DayOff),
        ("2026-11-04", DayKind::DayOff),
        ("2026-11-23", DayKind::Working),
        ("2026-11-28", DayKind::DayOff),
        ("2027-05-03", DayKind::DayOff),
        ("2027-06-14", DayKind::DayOff),
        ("2028-03-08", DayKind::DayOff),
        ("2028-03-07", DayKind::Working),
    ] {
        assert_eq!(cal.day_kind(date(d)), kind, "{d}");
    }
}

#[test]
fn calendar_file_errors_name_the_problem() {
    let bad_date = "[years.2026]\ndays_off = [\"2026-13-01\"]\n";
    let e = HolidayCalendar::parse(bad_date).unwrap_err().to_string();
    assert!(e.contains("2026-13-01") && e.contains("YYYY-MM-DD"), "{e}");
    let wrong_year = "[years.2026]\ndays_off = [\"2025-01-01\"]\n";
    let e = HolidayCalendar::parse(wrong_year).unwrap_err().to_string();
    assert!(e.contains("another year"), "{e}");
    let not_weekend = "[years.2026]\nworking_weekends = [\"2026-11-23\"]\n";
    let e = HolidayCalendar::parse(not_weekend).unwrap_err().to_string();
    assert!(e.contains("not a Saturday or Sunday"), "{e}");
    let unknown_key = "[years.2026]\nholidays = []\n";
    assert!(HolidayCalendar::parse(unknown_key).is_err());
}
