//! The decision: may this debtor be contacted through this channel at this moment, and if not, when.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::calendar::{ru_calendar, DayKind, HolidayCalendar};
use super::facts::{Channel, Contact, ContactKind, DebtorFacts};
use super::local_time::{
    local_date, local_instant, month_start, next_month_start, start_of_day, week_start,
};
use super::profile::{CountLimit, Counting, Period, Profile, Settings, Windows};

/// The answer of [`Policy::decide`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the contact may be made at the asked moment.
    pub allowed: bool,
    /// Which rules decided it, with the windows, counts and local times involved.
    pub reason: String,
    /// The first moment the contact will be allowed (the asked moment when allowed); `None` means never.
    pub next_allowed_at: Option<DateTime<Utc>>,
    /// The rules that block the contact at the asked moment (empty when allowed).
    #[serde(skip)]
    pub blocked_by: Vec<Rule>,
}

/// A rule that can block a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A debtor flag forbids any contact (bankruptcy, hospital, minor, disability group I).
    Flag,
    /// A formal refusal of interaction is on file.
    Refusal,
    /// The debtor asked not to be called.
    StopCalls,
    /// Outside the contact hours in the debtor's local time.
    Hours,
    /// A per-period count limit is used up.
    Limit(Period),
    /// Within the quiet days after a phone conversation.
    QuietAfterConversation,
}

/// Which count limits a channel draws on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    /// Phone interaction limits.
    Calls,
    /// Text and voice message limits.
    Messages,
    /// No count limits (hours and flags still apply).
    Unlimited,
}

/// A jurisdiction profile with the chosen settings: the pure compliance policy.
#[derive(Debug, Clone)]
pub struct Policy {
    profile: Profile,
    settings: Settings,
    calendar: &'static HolidayCalendar,
}

/// Safety bound on the search for the next allowed moment (each step moves past one blocking rule).
const MAX_SEARCH_STEPS: usize = 512;

impl Policy {
    /// A policy for `profile` read with `settings`, using the embedded Russian production calendar.
    pub fn new(profile: Profile, settings: Settings) -> Self {
        Policy {
            profile,
            settings,
            calendar: ru_calendar(),
        }
    }

    /// The profile's rules.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The chosen readings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Which count limits `channel` draws on under this profile and settings.
    pub fn budget_of(&self, channel: Channel) -> Budget {
        match channel {
            Channel::Call => Budget::Calls,
            Channel::VoiceMessage if self.profile.voice_message_is_call => Budget::Calls,
            Channel::VoiceMessage | Channel::Sms => Budget::Messages,
            Channel::Email if self.settings.email_counts_as_message => Budget::Messages,
            Channel::Email => Budget::Unlimited,
        }
    }

    /// Whether a past contact counts toward the limits.
    pub fn counts(&self, contact: &Contact) -> bool {
        !self.profile.limits_count_interactions
            || self.settings.counting == Counting::EveryAttempt
            || contact.kind == ContactKind::Conversation
    }

    /// Contact hours `[start, end)` in local time for a day of this kind.
    pub fn hours_for(&self, kind: DayKind) -> (NaiveTime, NaiveTime) {
        match (kind, self.profile.day_off_hours) {
            (DayKind::DayOff, Some(h)) => h,
            _ => self.profile.workday_hours,
        }
    }

    /// The kind of a local date (always working when the profile has no separate day-off hours).
    pub fn day_kind(&self, date: chrono::NaiveDate) -> DayKind {
        if self.profile.day_off_hours.is_some() {
            self.calendar.day_kind(date)
        } else {
            DayKind::Working
        }
    }

    /// Decides whether `debtor` may be contacted through `channel` at `at`, given the contacts in
    /// `history` made up to `at` (later entries are ignored), and when it will next be allowed.
    pub fn decide(
        &self,
        debtor: &DebtorFacts,
        history: &[Contact],
        channel: Channel,
        at: DateTime<Utc>,
    ) -> Decision {
        if let Some(never) = self.permanent_block(debtor, channel) {
            return never;
        }
        let tz = debtor.time_zone;
        let budget = self.budget_of(channel);
        let limits: &[CountLimit] = match budget {
            Budget::Calls => &self.profile.call_limits,
            Budget::Messages => &self.profile.message_limits,
            Budget::Unlimited => &[],
        };
        let mut counted: Vec<DateTime<Utc>> = if limits.is_empty() {
            Vec::new()
        } else {
            history
                .iter()
                .filter(|c| c.at <= at && self.budget_of(c.channel) == budget && self.counts(c))
                .map(|c| c.at)
                .collect()
        };
        counted.sort_unstable();
        let last_conversation = match (budget, self.profile.quiet_days_after_conversation) {
            (Budget::Calls, Some(_)) => history
                .iter()
                .filter(|c| {
                    c.at <= at && c.channel == Channel::Call && c.kind == ContactKind::Conversation
                })
                .map(|c| c.at)
                .max(),
            _ => None,
        };

        let mut t = at;
        let mut first: Vec<(Rule, String)> = Vec::new();
        for step in 0..MAX_SEARCH_STEPS {
            let mut blocks: Vec<(Rule, String, DateTime<Utc>)> = Vec::new();
            if let Some(b) = self.hours_block(tz, t) {
                blocks.push(b);
            }
            for limit in limits {
                if let Some(b) = self.limit_block(tz, &counted, *limit, t, budget) {
                    blocks.push(b);
                }
            }
            if let Some(q) = last_conversation {
                if let Some(b) = self.quiet_block(tz, q, t) {
                    blocks.push(b);
                }
            }
            if blocks.is_empty() {
                if step == 0 {
                    return Decision {
                        allowed: true,
                        reason: self.allowed_reason(tz, &counted, limits, budget, at),
                        next_allowed_at: Some(at),
                        blocked_by: Vec::new(),
                    };
                }
                return Decision {
                    allowed: false,
                    reason: first
                        .iter()
                        .map(|(_, r)| r.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    next_allowed_at: Some(t),
                    blocked_by: first.iter().map(|(rule, _)| *rule).collect(),
                };
            }
            let next = blocks.iter().map(|b| b.2).max().unwrap_or(t);
            if step == 0 {
                first = blocks.into_iter().map(|(r, s, _)| (r, s)).collect();
            }
            if next <= t {
                break;
            }
            t = next;
        }
        Decision {
            allowed: false,
            reason: format!(
                "{}; no allowed moment found within {MAX_SEARCH_STEPS} search steps",
                first
                    .iter()
                    .map(|(_, r)| r.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            next_allowed_at: None,
            blocked_by: first.iter().map(|(rule, _)| *rule).collect(),
        }
    }

    fn permanent_block(&self, debtor: &DebtorFacts, channel: Channel) -> Option<Decision> {
        let ru = self.profile.name == "ru-230fz";
        let (rule, reason) = if let Some(flag) = debtor.flags.blocking() {
            let law = if ru {
                "230-FZ art. 7"
            } else {
                "profile flag rule"
            };
            (
                Rule::Flag,
                format!("no contact ever: the debtor is flagged `{flag}` ({law})"),
            )
        } else if debtor.refusal_of_interaction {
            let law = if ru {
                "230-FZ art. 8"
            } else {
                "Reg F §1006.6(c)"
            };
            (
                Rule::Refusal,
                format!("no contact ever: a refusal of interaction is on file ({law})"),
            )
        } else if debtor.stop_calls && matches!(channel, Channel::Call | Channel::VoiceMessage) {
            (
                Rule::StopCalls,
                format!(
                    "no {channel} ever: the debtor asked not to be called (messages by text or e-mail stay possible)"
                ),
            )
        } else {
            return None;
        };
        Some(Decision {
            allowed: false,
            reason,
            next_allowed_at: None,
            blocked_by: vec![rule],
        })
    }

    fn hours_block(&self, tz: Tz, t: DateTime<Utc>) -> Option<(Rule, String, DateTime<Utc>)> {
        let local = t.with_timezone(&tz);
        let date = local.date_naive();
        let kind = self.day_kind(date);
        let (start, end) = self.hours_for(kind);
        let time = local.time();
        if time >= start && time < end {
            return None;
        }
        let today_open = local_instant(tz, date, start);
        let next = if time < start && today_open > t {
            today_open
        } else {
            let d = date.succ_opt().unwrap_or(date);
            local_instant(tz, d, self.hours_for(self.day_kind(d)).0)
        };
        let what = match (kind, self.profile.day_off_hours.is_some()) {
            (_, false) => "every day",
            (DayKind::Working, true) => "a working day",
            (DayKind::DayOff, true) => "a day off (weekend or public holiday)",
        };
        let reason = format!(
            "outside contact hours: local time {} ({tz}) on {} — {what}, allowed {}–{} local time",
            local.format("%H:%M"),
            local.format("%a %Y-%m-%d"),
            start.format("%H:%M"),
            end.format("%H:%M"),
        );
        Some((Rule::Hours, reason, next.max(t + Duration::seconds(1))))
    }

    fn limit_block(
        &self,
        tz: Tz,
        counted: &[DateTime<Utc>],
        limit: CountLimit,
        t: DateTime<Utc>,
        budget: Budget,
    ) -> Option<(Rule, String, DateTime<Utc>)> {
        let windows = self.settings.windows;
        let (in_window, until): (Vec<DateTime<Utc>>, DateTime<Utc>) = match windows {
            Windows::Rolling => {
                let len = rolling_length(limit.period);
                let inside: Vec<_> = counted
                    .iter()
                    .copied()
                    .filter(|c| *c > t - len && *c <= t)
                    .collect();
                if inside.len() < limit.max as usize {
                    return None;
                }
                let leave = inside[inside.len() - limit.max as usize] + len;
                (inside, leave)
            }
            Windows::Calendar => {
                let d = local_date(tz, t);
                match limit.period {
                    Period::Day | Period::Week | Period::Month => {
                        let (from, to) = calendar_period(limit.period, d);
                        let inside: Vec<_> = counted
                            .iter()
                            .copied()
                            .filter(|c| {
                                let cd = local_date(tz, *c);
                                cd >= from && cd < to && *c <= t
                            })
                            .collect();
                        if inside.len() < limit.max as usize {
                            return None;
                        }
                        (inside, start_of_day(tz, to))
                    }
                    Period::SevenDays => {
                        let from = d - Duration::days(6);
                        let inside: Vec<_> = counted
                            .iter()
                            .copied()
                            .filter(|c| local_date(tz, *c) >= from && *c <= t)
                            .collect();
                        if inside.len() < limit.max as usize {
                            return None;
                        }
                        let oldest = local_date(tz, inside[inside.len() - limit.max as usize]);
                        (inside, start_of_day(tz, oldest + Duration::days(7)))
                    }
                }
            }
        };
        let what = match budget {
            Budget::Calls => "calls",
            _ => "messages",
        };
        let counting = if !self.profile.limits_count_interactions {
            "call attempts"
        } else if self.settings.counting == Counting::EveryAttempt {
            "every attempt counts"
        } else {
            "conversations only"
        };
        let law = if self.profile.name == "ru-230fz" {
            "230-FZ art. 7"
        } else {
            "Reg F §1006.14(b)(2)(i)"
        };
        let reason = format!(
            "{what} limit reached: {} within the {} ending {} (at most {}; {counting}; {law}); the oldest counted is {}",
            in_window.len(),
            limit.period.describe(windows),
            t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z"),
            limit.max,
            fmt_utc(in_window[in_window.len() - limit.max as usize]),
        );
        Some((Rule::Limit(limit.period), reason, until))
    }

    fn quiet_block(
        &self,
        tz: Tz,
        conversation: DateTime<Utc>,
        t: DateTime<Utc>,
    ) -> Option<(Rule, String, DateTime<Utc>)> {
        let days = i64::from(self.profile.quiet_days_after_conversation?);
        let until = match self.settings.windows {
            Windows::Rolling => conversation + Duration::days(days),
            Windows::Calendar => {
                start_of_day(tz, local_date(tz, conversation) + Duration::days(days))
            }
        };
        if t >= until {
            return None;
        }
        let reason = format!(
            "no calls within {days} days after the phone conversation at {} (Reg F §1006.14(b)(2)(ii)); calls resume {}",
            fmt_utc(conversation),
            until.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z"),
        );
        Some((Rule::QuietAfterConversation, reason, until))
    }

    fn allowed_reason(
        &self,
        tz: Tz,
        counted: &[DateTime<Utc>],
        limits: &[CountLimit],
        budget: Budget,
        at: DateTime<Utc>,
    ) -> String {
        let local = at.with_timezone(&tz);
        let kind = self.day_kind(local.date_naive());
        let (start, end) = self.hours_for(kind);
        let day = match (kind, self.profile.day_off_hours.is_some()) {
            (_, false) => "",
            (DayKind::Working, true) => " (working day)",
            (DayKind::DayOff, true) => " (day off)",
        };
        let mut reason = format!(
            "allowed: local time {} ({tz}) on {}{day} is within {}–{}",
            local.format("%H:%M"),
            local.format("%a %Y-%m-%d"),
            start.format("%H:%M"),
            end.format("%H:%M"),
        );
        let what = match budget {
            Budget::Calls => "calls",
            Budget::Messages => "messages",
            Budget::Unlimited => "",
        };
        for limit in limits {
            let n = self.count_in_window(tz, counted, limit.period, at);
            reason.push_str(&format!(
                "; {what} {n}/{} in the {}",
                limit.max,
                limit.period.describe(self.settings.windows)
            ));
        }
        if budget == Budget::Unlimited {
            reason.push_str("; no count limits for this channel");
        }
        reason
    }

    fn count_in_window(
        &self,
        tz: Tz,
        counted: &[DateTime<Utc>],
        period: Period,
        t: DateTime<Utc>,
    ) -> usize {
        match self.settings.windows {
            Windows::Rolling => {
                let len = rolling_length(period);
                counted.iter().filter(|c| **c > t - len && **c <= t).count()
            }
            Windows::Calendar => {
                let d = local_date(tz, t);
                let (from, to) = match period {
                    Period::SevenDays => (d - Duration::days(6), d + Duration::days(1)),
                    p => calendar_period(p, d),
                };
                counted
                    .iter()
                    .filter(|c| {
                        let cd = local_date(tz, **c);
                        cd >= from && cd < to && **c <= t
                    })
                    .count()
            }
        }
    }
}

/// The length of a rolling window.
pub fn rolling_length(period: Period) -> Duration {
    match period {
        Period::Day => Duration::hours(24),
        Period::Week | Period::SevenDays => Duration::days(7),
        Period::Month => Duration::days(31),
    }
}

/// The local dates `[from, to)` of the calendar day, week or month holding `date`.
fn calendar_period(
    period: Period,
    date: chrono::NaiveDate,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    match period {
        Period::Day => (date, date + Duration::days(1)),
        Period::Week => {
            let w = week_start(date);
            (w, w + Duration::days(7))
        }
        Period::Month => (month_start(date), next_month_start(date)),
        Period::SevenDays => (date - Duration::days(6), date + Duration::days(1)),
    }
}

fn fmt_utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
