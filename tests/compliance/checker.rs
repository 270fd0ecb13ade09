//! An independent checker: recomputes the contact rules straight from an attempt log, without calling
//! the policy (its own calendar parsing, its own window arithmetic), and lists every violation.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

/// A logged contact.
#[derive(Debug, Clone)]
pub struct Entry {
    pub debtor: i64,
    pub tz: Tz,
    /// "call", "sms" or "email".
    pub channel: &'static str,
    pub start: DateTime<Utc>,
    /// Calls: when the line was released; messages: the send moment.
    pub end: DateTime<Utc>,
    /// Answered / delivered (unknown results after a crash are logged as reached).
    pub reached: bool,
}

/// What the debtor's file said over time.
#[derive(Debug, Clone, Default)]
pub struct DebtorRecord {
    pub flagged: bool,
    pub refusal_from: Option<DateTime<Utc>>,
    pub stop_calls_from: Option<DateTime<Utc>>,
    /// Crash recoveries: no call to the debtor for `retry_gap` after these moments.
    pub recovered_at: Vec<DateTime<Utc>>,
}

/// The law as this checker reads it, written out here from the texts (not taken from the implementation's
/// profiles): for each rule, the channels it groups, the window, and the most contacts allowed in it.
pub const LAW: &[(&str, &[&str], &str, usize)] = &[
    // 230-FZ art. 7 part 3 (as amended by 467-FZ): phone interactions.
    ("230-FZ calls", &["call"], "day", 1),
    ("230-FZ calls", &["call"], "week", 2),
    ("230-FZ calls", &["call"], "month", 8),
    // 230-FZ art. 7 part 5: text and voice messages (e-mail counted with them, the stricter reading).
    ("230-FZ messages", &["sms", "email"], "day", 2),
    ("230-FZ messages", &["sms", "email"], "week", 4),
    ("230-FZ messages", &["sms", "email"], "month", 16),
    // Regulation F § 1006.14(b)(2): call attempts per debt in seven consecutive days.
    ("Regulation F calls", &["call"], "7 days", 7),
];

/// The most contacts `LAW` allows for `rule` in `window`.
fn limit(rule: &str, window: &str) -> usize {
    LAW.iter()
        .find(|(r, _, w, _)| *r == rule && *w == window)
        .map(|(_, _, _, max)| *max)
        .unwrap_or_else(|| panic!("no {rule} limit for a {window} in LAW"))
}

/// The retry practice of the soft-collection process (PRODUCT.md): unanswered calls are retried every
/// 2 hours, at most 3 attempts a day.
pub fn process_ops(max_concurrent: usize, calls_per_second: usize) -> Ops {
    Ops {
        max_concurrent,
        calls_per_second,
        max_attempts_per_day: 3,
        retry_gap: Duration::hours(2),
    }
}

/// Which law and which reading to check.
#[derive(Debug, Clone, Copy)]
pub enum Law {
    Ru { every_attempt: bool, rolling: bool },
    Us { rolling: bool },
}

/// Operational limits to check as well.
#[derive(Debug, Clone, Copy)]
pub struct Ops {
    pub max_concurrent: usize,
    pub calls_per_second: usize,
    pub max_attempts_per_day: usize,
    pub retry_gap: Duration,
}

/// Days off and working weekends read directly from the calendar file.
pub struct RuDays {
    off: HashSet<NaiveDate>,
    working: HashSet<NaiveDate>,
}

impl RuDays {
    pub fn load() -> Self {
        let text = include_str!("../../src/campaign/compliance/holidays_ru.toml");
        let value: toml::Value = text.parse().expect("calendar file is TOML");
        let mut off = HashSet::new();
        let mut working = HashSet::new();
        for (_, year) in value["years"].as_table().expect("years table") {
            for (key, set) in [("days_off", &mut off), ("working_weekends", &mut working)] {
                for d in year[key].as_array().expect("date list") {
                    set.insert(
                        NaiveDate::parse_from_str(d.as_str().expect("string"), "%Y-%m-%d")
                            .expect("date"),
                    );
                }
            }
        }
        RuDays { off, working }
    }

    fn is_day_off(&self, d: NaiveDate) -> bool {
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        self.off.contains(&d) || (weekend && !self.working.contains(&d))
    }
}

fn t(h: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, 0, 0).unwrap()
}

/// Every violation in the log, as readable lines.
pub fn violations(
    log: &[Entry],
    debtors: &HashMap<i64, DebtorRecord>,
    law: Law,
    ops: Ops,
    days: &RuDays,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut by_debtor: BTreeMap<i64, Vec<&Entry>> = BTreeMap::new();
    for e in log {
        by_debtor.entry(e.debtor).or_default().push(e);
    }
    for (debtor, entries) in &mut by_debtor {
        entries.sort_by_key(|e| e.start);
        let rec = debtors.get(debtor).cloned().unwrap_or_default();
        for e in entries.iter() {
            let local = e.start.with_timezone(&e.tz);
            let (open, close) = match law {
                Law::Ru { .. } if days.is_day_off(local.date_naive()) => (t(9), t(20)),
                Law::Ru { .. } => (t(8), t(22)),
                Law::Us { .. } => (t(8), t(21)),
            };
            if local.time() < open || local.time() >= close {
                out.push(format!(
                    "debtor {debtor}: {} at {local} outside hours",
                    e.channel
                ));
            }
            // A call is an interaction until it ends: it must end within the same day's hours.
            let end = e.end.with_timezone(&e.tz);
            if e.channel == "call" && (end.date_naive() != local.date_naive() || end.time() > close)
            {
                out.push(format!(
                    "debtor {debtor}: call from {local} ran past closing until {end}"
                ));
            }
            if rec.flagged {
                out.push(format!("debtor {debtor}: contacted although flagged"));
            }
            if rec.refusal_from.is_some_and(|r| e.start >= r) {
                out.push(format!("debtor {debtor}: contacted after refusal"));
            }
            if e.channel == "call" && rec.stop_calls_from.is_some_and(|r| e.start >= r) {
                out.push(format!("debtor {debtor}: called after stop-calls request"));
            }
        }
        check_limits(*debtor, entries, law, &mut out);
        check_retry(*debtor, entries, &rec, ops, &mut out);
    }
    check_capacity(log, ops, &mut out);
    out
}

fn check_limits(debtor: i64, entries: &[&Entry], law: Law, out: &mut Vec<String>) {
    match law {
        Law::Ru {
            every_attempt,
            rolling,
        } => {
            for rule in ["230-FZ calls", "230-FZ messages"] {
                let group = LAW
                    .iter()
                    .find(|(r, ..)| *r == rule)
                    .map(|(_, channels, ..)| *channels)
                    .expect("the rule is in LAW");
                let limits = [
                    limit(rule, "day"),
                    limit(rule, "week"),
                    limit(rule, "month"),
                ];
                let counted: Vec<&Entry> = entries
                    .iter()
                    .copied()
                    .filter(|e| group.contains(&e.channel) && (every_attempt || e.reached))
                    .collect();
                for (i, e) in counted.iter().enumerate() {
                    let upto = &counted[..=i];
                    let (day, week, month) = if rolling {
                        let n =
                            |len: Duration| upto.iter().filter(|c| c.start > e.start - len).count();
                        (
                            n(Duration::hours(24)),
                            n(Duration::days(7)),
                            n(Duration::days(31)),
                        )
                    } else {
                        let ld = |c: &Entry| c.start.with_timezone(&c.tz).date_naive();
                        let d = ld(e);
                        let n = |same: &dyn Fn(NaiveDate) -> bool| {
                            upto.iter().filter(|c| same(ld(c))).count()
                        };
                        (
                            n(&|c| c == d),
                            n(&|c| c.iso_week() == d.iso_week()),
                            n(&|c| c.year() == d.year() && c.month() == d.month()),
                        )
                    };
                    for (name, count, max) in [
                        ("day", day, limits[0]),
                        ("week", week, limits[1]),
                        ("month", month, limits[2]),
                    ] {
                        if count > max {
                            out.push(format!(
                                "debtor {debtor}: {count} {} in the {name} ending {} (max {max})",
                                group.join("+"),
                                e.start
                            ));
                        }
                    }
                }
            }
        }
        Law::Us { rolling } => {
            let calls: Vec<&Entry> = entries
                .iter()
                .copied()
                .filter(|e| e.channel == "call")
                .collect();
            for (i, e) in calls.iter().enumerate() {
                let ld = |c: &Entry| c.start.with_timezone(&c.tz).date_naive();
                let n = if rolling {
                    calls[..=i]
                        .iter()
                        .filter(|c| c.start > e.start - Duration::days(7))
                        .count()
                } else {
                    calls[..=i]
                        .iter()
                        .filter(|c| ld(c) > ld(e) - Duration::days(7))
                        .count()
                };
                if n > limit("Regulation F calls", "7 days") {
                    out.push(format!(
                        "debtor {debtor}: {n} call attempts in 7 days ending {}",
                        e.start
                    ));
                }
                for c in &calls[..i] {
                    let quiet = if rolling {
                        e.start < c.start + Duration::days(7)
                    } else {
                        ld(e) < ld(c) + Duration::days(7)
                    };
                    if c.reached && quiet {
                        out.push(format!(
                            "debtor {debtor}: call at {} within 7 days after conversation at {}",
                            e.start, c.start
                        ));
                    }
                }
            }
        }
    }
}

fn check_retry(
    debtor: i64,
    entries: &[&Entry],
    rec: &DebtorRecord,
    ops: Ops,
    out: &mut Vec<String>,
) {
    let calls: Vec<&Entry> = entries
        .iter()
        .copied()
        .filter(|e| e.channel == "call")
        .collect();
    let mut per_day: HashMap<NaiveDate, usize> = HashMap::new();
    for (i, e) in calls.iter().enumerate() {
        *per_day
            .entry(e.start.with_timezone(&e.tz).date_naive())
            .or_default() += 1;
        if i > 0 {
            let prev = calls[i - 1];
            if e.start < prev.end {
                out.push(format!(
                    "debtor {debtor}: dialled at {} while a call was in flight",
                    e.start
                ));
            }
            if e.start - prev.start < ops.retry_gap {
                out.push(format!(
                    "debtor {debtor}: redialled {} min after the previous attempt",
                    (e.start - prev.start).num_minutes()
                ));
            }
        }
        for r in &rec.recovered_at {
            if e.start >= *r && e.start < *r + ops.retry_gap {
                out.push(format!(
                    "debtor {debtor}: redialled right after crash recovery at {r}"
                ));
            }
        }
    }
    for (day, n) in per_day {
        if n > ops.max_attempts_per_day {
            out.push(format!("debtor {debtor}: {n} attempts on {day}"));
        }
    }
}

fn check_capacity(log: &[Entry], ops: Ops, out: &mut Vec<String>) {
    let mut events: Vec<(DateTime<Utc>, i32)> = Vec::new();
    let mut starts: Vec<DateTime<Utc>> = Vec::new();
    for e in log.iter().filter(|e| e.channel == "call") {
        events.push((e.start, 1));
        events.push((e.end, -1));
        starts.push(e.start);
    }
    // Ends sort before starts at the same instant: a line released at t is free for a call at t.
    events.sort_by_key(|(at, delta)| (*at, *delta));
    let mut open = 0i32;
    let mut worst = 0i32;
    for (_, delta) in events {
        open += delta;
        worst = worst.max(open);
    }
    if worst as usize > ops.max_concurrent {
        out.push(format!(
            "{worst} concurrent calls (max {})",
            ops.max_concurrent
        ));
    }
    starts.sort();
    let mut lo = 0;
    for hi in 0..starts.len() {
        while starts[hi] - starts[lo] >= Duration::seconds(1) {
            lo += 1;
        }
        if hi - lo + 1 > ops.calls_per_second {
            out.push(format!(
                "{} calls started within one second at {}",
                hi - lo + 1,
                starts[hi]
            ));
            break;
        }
    }
}
