//! The Russian production calendar: public holidays, transferred days off and working weekends.
//!
//! The data lives in `holidays_ru.toml` (embedded at build time); its header names the sources.

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;

/// Whether a date is a working day or a day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayKind {
    /// A working day (including a Saturday made a working day by a transfer).
    Working,
    /// A weekend, a public holiday or a transferred day off.
    DayOff,
}

/// Why a production-calendar file is not usable.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The file is not valid TOML of the expected shape.
    #[error("holiday calendar: {0} (expected [years.YYYY] tables with days_off and working_weekends lists)")]
    Toml(#[from] toml::de::Error),
    /// A date string is malformed.
    #[error("holiday calendar: year {year}: `{value}` is not a date (write YYYY-MM-DD)")]
    BadDate {
        /// The year table holding the value.
        year: String,
        /// The offending text.
        value: String,
    },
    /// A date sits in the wrong year table or a working weekend is not a weekend.
    #[error("holiday calendar: year {year}: {date} {problem}")]
    Inconsistent {
        /// The year table holding the value.
        year: String,
        /// The offending date.
        date: NaiveDate,
        /// What is wrong with it.
        problem: &'static str,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    years: BTreeMap<String, YearFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    #[serde(default)]
    source: String,
    #[serde(default)]
    days_off: Vec<String>,
    #[serde(default)]
    working_weekends: Vec<String>,
}

/// A production calendar: which dates are days off beyond plain Saturdays and Sundays.
#[derive(Debug, Clone, Default)]
pub struct HolidayCalendar {
    covered_years: Vec<i32>,
    days_off: HashSet<NaiveDate>,
    working_weekends: HashSet<NaiveDate>,
}

/// Fixed non-working public holidays of the Labour Code (art. 112), used for years the file lacks.
const FIXED_HOLIDAYS: [(u32, u32); 14] = [
    (1, 1),
    (1, 2),
    (1, 3),
    (1, 4),
    (1, 5),
    (1, 6),
    (1, 7),
    (1, 8),
    (2, 23),
    (3, 8),
    (5, 1),
    (5, 9),
    (6, 12),
    (11, 4),
];

impl HolidayCalendar {
    /// Parses a calendar file in the `holidays_ru.toml` format.
    pub fn parse(text: &str) -> Result<Self, CalendarError> {
        let file: CalendarFile = toml::from_str(text)?;
        let mut cal = HolidayCalendar::default();
        for (year_key, year) in &file.years {
            let _ = &year.source;
            let y: i32 = year_key.parse().map_err(|_| CalendarError::BadDate {
                year: year_key.clone(),
                value: year_key.clone(),
            })?;
            cal.covered_years.push(y);
            for (list, is_off) in [(&year.days_off, true), (&year.working_weekends, false)] {
                for value in list {
                    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| {
                        CalendarError::BadDate {
                            year: year_key.clone(),
                            value: value.clone(),
                        }
                    })?;
                    if date.year() != y {
                        return Err(CalendarError::Inconsistent {
                            year: year_key.clone(),
                            date,
                            problem: "is listed under another year",
                        });
                    }
                    if is_off {
                        cal.days_off.insert(date);
                    } else {
                        if !is_weekend(date) {
                            return Err(CalendarError::Inconsistent {
                                year: year_key.clone(),
                                date,
                                problem:
                                    "is listed as a working weekend but is not a Saturday or Sunday",
                            });
                        }
                        cal.working_weekends.insert(date);
                    }
                }
            }
        }
        Ok(cal)
    }

    /// The years the calendar has data for; other years use weekends and fixed holidays only.
    pub fn covered_years(&self) -> &[i32] {
        &self.covered_years
    }

    /// Whether `date` is a working day or a day off.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if self.covered_years.contains(&date.year()) {
            if self.days_off.contains(&date) {
                DayKind::DayOff
            } else if self.working_weekends.contains(&date) {
                DayKind::Working
            } else if is_weekend(date) {
                DayKind::DayOff
            } else {
                DayKind::Working
            }
        } else if is_weekend(date) || FIXED_HOLIDAYS.contains(&(date.month(), date.day())) {
            DayKind::DayOff
        } else {
            DayKind::Working
        }
    }

    /// Number of working days in a year (for checking the data against the published totals).
    pub fn working_days_in_year(&self, year: i32) -> u32 {
        let mut n = 0;
        let mut d = NaiveDate::from_ymd_opt(year, 1, 1);
        while let Some(date) = d.filter(|d| d.year() == year) {
            if self.day_kind(date) == DayKind::Working {
                n += 1;
            }
            d = date.succ_opt();
        }
        n
    }
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The embedded Russian production calendar text (2025–2027).
pub const RU_CALENDAR_TOML: &str = include_str!("holidays_ru.toml");

/// The embedded Russian production calendar, parsed once.
pub fn ru_calendar() -> &'static HolidayCalendar {
    static CAL: OnceLock<HolidayCalendar> = OnceLock::new();
    CAL.get_or_init(|| {
        // The embedded file is checked by the test suite; a parse failure here is a build defect.
        HolidayCalendar::parse(RU_CALENDAR_TOML).expect("embedded holidays_ru.toml is valid")
    })
}
