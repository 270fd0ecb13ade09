//! The decision: may this debtor be contacted through this channel at this moment, and if not, when.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::calendar::{ru_calendar, DayKind, HolidayCalendar};
use super::facts::{Contact, ContactKind, DebtorFacts};
use super::local_time::{
    day_label, hhmm, local_date, local_instant, local_label, month_start, next_month_start,
    start_of_day, utc_label, week_start,
};
use super::profile::{CountLimit, Counting, Period, Profile, Settings, Windows};
use crate::campaign::channel::{Channel, Direction};

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

    /// Whether a past contact counts toward the limits: only contacts we started do (230-FZ limits the
    /// interactions the creditor initiates, Regulation F the calls the collector places); a debtor's own call
    /// never uses up the budget.
    pub fn counts(&self, contact: &Contact) -> bool {
        contact.direction == Direction::Outbound
            && (!self.profile.limits_count_interactions
                || self.settings.counting == Counting::EveryAttempt
                || contact.kind == ContactKind::Conversation)
    }

    /// Contact hours `[start, end)` in local time for a day of this kind.
    pub fn hours_for(&self, kind: DayKind) -> (NaiveTime, NaiveTime) {
        match (kind, self.profile.day_off_hours) {
            (DayKind::DayOff, Some(h)) => h,
            _ => self.profile.workday_hours,
        }
    }

    /// The window `[start, end)` in which a contact through `channel` may start on a day of this kind:
    /// the contact hours, with calls ending `call_end_margin_minutes` early.
    pub fn start_window(&self, kind: DayKind, channel: Channel) -> (NaiveTime, NaiveTime) {
        let (start, end) = self.hours_for(kind);
        if channel != Channel::Call || self.settings.call_end_margin_minutes == 0 {
            return (start, end);
        }
        let margin = Duration::minutes(i64::from(self.settings.call_end_margin_minutes));
        let (last, _) = end.overflowing_sub_signed(margin);
        (start, last.clamp(start, end))
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
        self.evaluate(debtor, history, channel, at, true)
    }

    /// The first moment at or after `at` the contact is allowed (`None`: never) — [`Policy::decide`]
    /// without building the reason text, for callers that only need the time.
    pub fn next_allowed_at(
        &self,
        debtor: &DebtorFacts,
        history: &[Contact],
        channel: Channel,
        at: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        self.evaluate(debtor, history, channel, at, false)
            .next_allowed_at
    }

    /// [`Policy::decide`], building the reason text only when `describe` is set (the rules in
    /// `blocked_by` and `next_allowed_at` are the same either way).
    pub fn evaluate(
        &self,
        debtor: &DebtorFacts,
        history: &[Contact],
        channel: Channel,
        at: DateTime<Utc>,
        describe: bool,
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
        // A conversation the debtor started counts here too: the quiet period follows any conversation, whoever
        // called (the stricter reading).
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
        let mut blocks: Vec<(Rule, String, DateTime<Utc>)> = Vec::new();
        for step in 0..MAX_SEARCH_STEPS {
            let describe = describe && step == 0;
            blocks.clear();
            if let Some(b) = self.hours_block(tz, t, channel, describe) {
                blocks.push(b);
            }
            for limit in limits {
                if let Some(b) = self.limit_block(tz, &counted, *limit, t, budget, describe) {
                    blocks.push(b);
                }
            }
            if let Some(q) = last_conversation {
                if let Some(b) = self.quiet_block(tz, q, t, describe) {
                    blocks.push(b);
                }
            }
            if blocks.is_empty() {
                if step == 0 {
                    let reason = if describe {
                        self.allowed_reason(tz, &counted, limits, budget, channel, at)
                    } else {
                        String::new()
                    };
                    return Decision {
                        allowed: true,
                        reason,
                        next_allowed_at: Some(at),
                        blocked_by: Vec::new(),
                    };
                }
                return Decision {
                    allowed: false,
                    reason: join_reasons(&first),
                    next_allowed_at: Some(t),
                    blocked_by: first.iter().map(|(rule, _)| *rule).collect(),
                };
            }
            let next = blocks.iter().map(|b| b.2).max().unwrap_or(t);
            if step == 0 {
                first = blocks.drain(..).map(|(r, s, _)| (r, s)).collect();
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
                join_reasons(&first)
            ),
            next_allowed_at: None,
            blocked_by: first.iter().map(|(rule, _)| *rule).collect(),
        }
    }

    fn permanent_block(&self, debtor: &DebtorFacts, channel: Channel) -> Option<Decision> {
        let ru = self.profile.name == "ru-230fz";
        let (rule, reason) = if let Some(flag) = debtor.flags.blocking() {
            let law = match (ru, flag) {
                (true, _) => "230-FZ art. 7",
                (false, "bankruptcy") => "bankruptcy automatic stay, 11 U.S.C. §362",
                (false, _) => "campaign rule for flagged debtors",
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

    fn hours_block(
        &self,
        tz: Tz,
        t: DateTime<Utc>,
        channel: Channel,
        describe: bool,
    ) -> Option<(Rule, String, DateTime<Utc>)> {
        let local = t.with_timezone(&tz);
        let date = local.date_naive();
        let kind = self.day_kind(date);
        let (start, end) = self.start_window(kind, channel);
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
        let next = next.max(t + Duration::seconds(1));
        if !describe {
            return Some((Rule::Hours, String::new(), next));
        }
        let what = match (kind, self.profile.day_off_hours.is_some()) {
            (_, false) => "every day",
            (DayKind::Working, true) => "a working day",
            (DayKind::DayOff, true) => "a day off (weekend or public holiday)",
        };
        let reason = format!(
            "outside contact hours: local time {} ({tz}) on {} — {what}, {} local time; hours open again {} local",
            hhmm(local.time()),
            day_label(local.date_naive()),
            self.describe_window(kind, channel),
            local_label(tz, next),
        );
        Some((Rule::Hours, reason, next))
    }

    fn limit_block(
        &self,
        tz: Tz,
        counted: &[DateTime<Utc>],
        limit: CountLimit,
        t: DateTime<Utc>,
        budget: Budget,
        describe: bool,
    ) -> Option<(Rule, String, DateTime<Utc>)> {
        let windows = self.settings.windows;
        let max = limit.max as usize;
        let (from, upto) = self.window_range(tz, counted, limit.period, t);
        let n = upto - from;
        if n < max {
            return None;
        }
        // The contact whose leaving brings the count below the limit.
        let freeing = counted[upto - max];
        let until = match (windows, limit.period) {
            (Windows::Rolling, period) => freeing + rolling_length(period),
            (Windows::Calendar, Period::SevenDays) => {
                start_of_day(tz, local_date(tz, freeing) + Duration::days(7))
            }
            (Windows::Calendar, period) => {
                start_of_day(tz, calendar_period(period, local_date(tz, t)).1)
            }
        };
        if !describe {
            return Some((Rule::Limit(limit.period), String::new(), until));
        }
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
            "{what} limit reached: {n} within the {} ending {} local (at most {max}; {counting}; {law}); a slot frees at {} local",
            limit.period.describe(windows),
            local_label(tz, t),
            local_label(tz, until),
        );
        Some((Rule::Limit(limit.period), reason, until))
    }

    /// The index range of `counted` (sorted) inside the `period` window that ends at `t`.
    fn window_range(
        &self,
        tz: Tz,
        counted: &[DateTime<Utc>],
        period: Period,
        t: DateTime<Utc>,
    ) -> (usize, usize) {
        let upto = counted.partition_point(|c| *c <= t);
        let from = match self.settings.windows {
            Windows::Rolling => {
                let edge = t - rolling_length(period);
                counted.partition_point(|c| *c <= edge)
            }
            Windows::Calendar => {
                let first_day = calendar_period(period, local_date(tz, t)).0;
                let edge = start_of_day(tz, first_day);
                counted.partition_point(|c| *c < edge)
            }
        };
        (from.min(upto), upto)
    }

    fn quiet_block(
        &self,
        tz: Tz,
        conversation: DateTime<Utc>,
        t: DateTime<Utc>,
        describe: bool,
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
        if !describe {
            return Some((Rule::QuietAfterConversation, String::new(), until));
        }
        let reason = format!(
            "no calls within {days} days after the phone conversation at {} (Reg F §1006.14(b)(2)(ii)); calls resume {} local",
            fmt_utc(conversation),
            local_label(tz, until),
        );
        Some((Rule::QuietAfterConversation, reason, until))
    }

    fn describe_window(&self, kind: DayKind, channel: Channel) -> String {
        let (start, end) = self.hours_for(kind);
        let (_, last) = self.start_window(kind, channel);
        if last == end {
            format!("allowed {}–{}", hhmm(start), hhmm(end))
        } else {
            format!(
                "allowed {}–{} (calls start by {} to end by {})",
                hhmm(start),
                hhmm(end),
                hhmm(last),
                hhmm(end)
            )
        }
    }

    fn allowed_reason(
        &self,
        tz: Tz,
        counted: &[DateTime<Utc>],
        limits: &[CountLimit],
        budget: Budget,
        channel: Channel,
        at: DateTime<Utc>,
    ) -> String {
        let local = at.with_timezone(&tz);
        let kind = self.day_kind(local.date_naive());
        let day = match (kind, self.profile.day_off_hours.is_some()) {
            (_, false) => "",
            (DayKind::Working, true) => " (working day)",
            (DayKind::DayOff, true) => " (day off)",
        };
        let mut reason = format!(
            "allowed: local time {} ({tz}) on {}{day} — {}",
            hhmm(local.time()),
            day_label(local.date_naive()),
            self.describe_window(kind, channel),
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
        let (from, upto) = self.window_range(tz, counted, period, t);
        upto - from
    }
}

/// The reasons of the blocking rules, `; `-separated (empty when they were not described).
fn join_reasons(blocks: &[(Rule, String)]) -> String {
    let mut out = String::new();
    for (_, reason) in blocks.iter().filter(|(_, r)| !r.is_empty()) {
        if !out.is_empty() {
            out.push_str("; ");
        }
        out.push_str(reason);
    }
    out
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
    utc_label(t)
}
