//! Jurisdiction profiles (the numbers of the law) and the settings that choose between readings of it.

use chrono::NaiveTime;
use serde::{Deserialize, Serialize};

/// A set of contact rules for one jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Profile name as on the command line (`ru-230fz`, `us-regf`).
    pub name: &'static str,
    /// Contact hours on working days, debtor's local time, `[start, end)`.
    pub workday_hours: (NaiveTime, NaiveTime),
    /// Contact hours on weekends and public holidays; `None` means the same as working days.
    pub day_off_hours: Option<(NaiveTime, NaiveTime)>,
    /// Limits on phone interactions (calls).
    pub call_limits: Vec<CountLimit>,
    /// Limits on text and voice messages.
    pub message_limits: Vec<CountLimit>,
    /// Whether the limits count interactions (so the counting setting applies) or attempts by
    /// the rule's own wording (US: "call attempts").
    pub limits_count_interactions: bool,
    /// No calls for this many days after a phone conversation (US: 7).
    pub quiet_days_after_conversation: Option<u32>,
    /// A voice message counts as a call (US: a voicemail left is a call placed) rather than as a message.
    pub voice_message_is_call: bool,
}

/// "At most `max` within one `period`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CountLimit {
    /// The window the contacts are counted in.
    pub period: Period,
    /// The largest number allowed within the window.
    pub max: u32,
}

/// A counting window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    /// A day: a local calendar date, or 24 hours when rolling.
    Day,
    /// A week: Monday–Sunday local, or 7 × 24 hours when rolling.
    Week,
    /// A month: a local calendar month, or 31 × 24 hours when rolling (covers every calendar month).
    Month,
    /// Seven consecutive days: the local date and the six before it, or 7 × 24 hours when rolling.
    SevenDays,
}

impl Period {
    /// How the period is named in reasons.
    pub fn describe(self, windows: Windows) -> &'static str {
        match (self, windows) {
            (Period::Day, Windows::Calendar) => "calendar day",
            (Period::Day, Windows::Rolling) => "24 hours",
            (Period::Week, Windows::Calendar) => "calendar week (Mon–Sun)",
            (Period::Week, Windows::Rolling) => "7 days (rolling)",
            (Period::Month, Windows::Calendar) => "calendar month",
            (Period::Month, Windows::Rolling) => "31 days (rolling month)",
            (Period::SevenDays, Windows::Calendar) => "7 consecutive days",
            (Period::SevenDays, Windows::Rolling) => "7 days (rolling)",
        }
    }
}

/// What counts toward the interaction limits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// Every attempt counts, answered or not (the stricter reading, default).
    #[default]
    EveryAttempt,
    /// Only conversations (answered calls, delivered messages) count.
    Conversations,
}

/// How week and month windows are laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Windows {
    /// Sliding windows ending at the moment (the stricter reading, default): every calendar
    /// window is one of them or lies inside one.
    #[default]
    Rolling,
    /// Local calendar days, Monday–Sunday weeks and calendar months.
    Calendar,
}

/// The readings of the law a campaign chooses; [`Settings::default`] is the stricter one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// What counts toward interaction limits.
    pub counting: Counting,
    /// Rolling or calendar windows.
    pub windows: Windows,
    /// E-mails share the text-message limits ("other messages over telecom networks").
    pub email_counts_as_message: bool,
    /// Calls start at least this many minutes before the hours close, so the conversation itself
    /// ends within the hours (0 reads the closing time as the last moment a call may start).
    pub call_end_margin_minutes: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            counting: Counting::EveryAttempt,
            windows: Windows::Rolling,
            email_counts_as_message: true,
            call_end_margin_minutes: 10,
        }
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    // Constant, valid hours and minutes only.
    NaiveTime::from_hms_opt(h, m, 0).expect("valid constant time")
}

impl Profile {
    /// Russia, 230-FZ as amended by 467-FZ.
    pub fn ru_230fz() -> Self {
        Profile {
            name: "ru-230fz",
            workday_hours: (hm(8, 0), hm(22, 0)),
            day_off_hours: Some((hm(9, 0), hm(20, 0))),
            call_limits: vec![
                CountLimit {
                    period: Period::Day,
                    max: 1,
                },
                CountLimit {
                    period: Period::Week,
                    max: 2,
                },
                CountLimit {
                    period: Period::Month,
                    max: 8,
                },
            ],
            message_limits: vec![
                CountLimit {
                    period: Period::Day,
                    max: 2,
                },
                CountLimit {
                    period: Period::Week,
                    max: 4,
                },
                CountLimit {
                    period: Period::Month,
                    max: 16,
                },
            ],
            limits_count_interactions: true,
            quiet_days_after_conversation: None,
            voice_message_is_call: false,
        }
    }

    /// USA, CFPB Regulation F and TCPA.
    pub fn us_regf() -> Self {
        Profile {
            name: "us-regf",
            workday_hours: (hm(8, 0), hm(21, 0)),
            day_off_hours: None,
            call_limits: vec![CountLimit {
                period: Period::SevenDays,
                max: 7,
            }],
            message_limits: Vec::new(),
            limits_count_interactions: false,
            quiet_days_after_conversation: Some(7),
            voice_message_is_call: true,
        }
    }

    /// The profile with this command-line name.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "ru-230fz" => Some(Self::ru_230fz()),
            "us-regf" => Some(Self::us_regf()),
            _ => None,
        }
    }

    /// Every profile name [`Profile::by_name`] knows.
    pub const NAMES: [&'static str; 2] = ["ru-230fz", "us-regf"];
}
