//! A month of a campaign driven by the scheduler in simulated time, then the independent checker.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;

use softcall::campaign::compliance::{
    Channel, Contact, ContactKind, Counting, DebtorFacts, DebtorFlags, Policy, Profile, Settings,
    Windows,
};
use softcall::campaign::scheduler::synthetic::{SplitMix64, RUSSIAN_ZONES};
use softcall::campaign::scheduler::{
    resolve_unknown_attempts, AttemptResult, DueStep, Limits, Load, RetryPolicy, RetryState,
    Scheduler, StepAction, UnknownAttempt, WaitReason, WorkItem,
};

use super::checker::{process_ops, violations, DebtorRecord, Entry, Law, Ops, RuDays};

/// 230-FZ read strictly: every attempt counts, windows roll.
const RU_STRICT: Law = Law::Ru {
    every_attempt: true,
    rolling: true,
};

/// 230-FZ read leniently: only conversations count, calendar windows.
const RU_LENIENT: Law = Law::Ru {
    every_attempt: false,
    rolling: false,
};

/// Scheduler settings for the lenient reading of 230-FZ.
fn lenient_settings() -> Settings {
    Settings {
        counting: Counting::Conversations,
        windows: Windows::Calendar,
        ..Settings::default()
    }
}

const US_ZONES: [Tz; 7] = [
    Tz::America__New_York,
    Tz::America__Chicago,
    Tz::America__Denver,
    Tz::America__Phoenix,
    Tz::America__Los_Angeles,
    Tz::America__Anchorage,
    Tz::Pacific__Honolulu,
];

struct SimConfig {
    debtors: usize,
    seed: u64,
    zones: &'static [Tz],
    profile: Profile,
    settings: Settings,
    law: Law,
    start: DateTime<Utc>,
    days: i64,
    crash_at: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct Stats {
    calls: usize,
    conversations: usize,
    messages: usize,
    compliance_waits: usize,
    capacity_waits: usize,
    recovered: usize,
    violations: Vec<String>,
}

struct Flight {
    debtor: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    reached: bool,
    /// 0 promise, 1 other talk, 2 refusal of interaction, 3 stop calls.
    talk: u8,
}

struct DebtorSim {
    messages: VecDeque<(DateTime<Utc>, StepAction)>,
    call_due: DateTime<Utc>,
}

fn current_step(ds: &DebtorSim, now: DateTime<Utc>) -> DueStep {
    match ds.messages.front() {
        Some((due, action)) if *due <= now => DueStep {
            action: action.clone(),
            due_at: *due,
        },
        _ => DueStep {
            action: StepAction::Call {
                flow: "soft_ru".into(),
            },
            due_at: ds.call_due,
        },
    }
}

fn simulate(cfg: SimConfig) -> Stats {
    let mut rng = SplitMix64::new(cfg.seed);
    let retry = RetryPolicy::default();
    let limits = Limits {
        max_concurrent_calls: 60,
        calls_per_second: 5,
    };
    let scheduler = Scheduler::new(
        Policy::new(cfg.profile.clone(), cfg.settings),
        retry,
        limits,
    );
    let tick = Duration::seconds(30);
    let end = cfg.start + Duration::days(cfg.days);

    let mut items: Vec<Option<WorkItem>> = Vec::with_capacity(cfg.debtors);
    let mut sims: Vec<DebtorSim> = Vec::with_capacity(cfg.debtors);
    let mut records: HashMap<i64, DebtorRecord> = HashMap::new();
    let mut queue: BinaryHeap<Reverse<(DateTime<Utc>, i64)>> = BinaryHeap::new();
    for i in 0..cfg.debtors {
        let tz = cfg.zones[i % cfg.zones.len()];
        let flags = DebtorFlags {
            hospital: rng.chance(0.005),
            bankruptcy: rng.chance(0.005),
            third_party_consent: rng.chance(0.1),
            ..DebtorFlags::default()
        };
        records.insert(
            i as i64,
            DebtorRecord {
                flagged: flags.hospital || flags.bankruptcy,
                ..DebtorRecord::default()
            },
        );
        let offset = Duration::minutes(rng.below(3 * 24 * 60) as i64);
        let mut messages = VecDeque::new();
        for day in [0i64, 2, 2, 5, 9, 9, 14, 20, 20, 27] {
            let action = if messages.len() % 3 == 2 {
                StepAction::Email {
                    template: "letter".into(),
                }
            } else {
                StepAction::Sms {
                    template: "reminder".into(),
                }
            };
            messages.push_back((cfg.start + offset + Duration::days(day), action));
        }
        let phones = (0..1 + rng.below(3))
            .map(|k| format!("+7900{:07}", i as u64 * 3 + k))
            .collect();
        items.push(Some(WorkItem {
            debtor: i as i64,
            phones,
            facts: DebtorFacts {
                time_zone: tz,
                flags,
                refusal_of_interaction: false,
                stop_calls: false,
            },
            history: Vec::new(),
            step: None,
            retry: RetryState::default(),
            in_flight: false,
        }));
        sims.push(DebtorSim {
            messages,
            call_due: cfg.start + offset + Duration::hours(rng.below(72) as i64),
        });
        queue.push(Reverse((cfg.start, i as i64)));
    }

    let mut flights: Vec<Flight> = Vec::new();
    let mut log: Vec<Entry> = Vec::new();
    let mut stats = Stats::default();
    let mut crashed = false;
    let mut now = cfg.start;
    while now < end {
        // Calls that ended.
        let mut still = Vec::with_capacity(flights.len());
        for f in flights.drain(..) {
            if f.end > now {
                still.push(f);
                continue;
            }
            let d = f.debtor as usize;
            let item = items[d].as_mut().expect("item present between ticks");
            item.in_flight = false;
            let kind = if f.reached {
                ContactKind::Conversation
            } else {
                ContactKind::Attempt
            };
            item.history
                .push(Contact::new(f.start, Channel::Call, kind));
            let result = if f.reached {
                AttemptResult::Reached
            } else {
                AttemptResult::NotReached
            };
            item.retry = retry.after_attempt(
                &item.retry,
                item.facts.time_zone,
                f.start,
                item.phones.len(),
                result,
            );
            if f.reached {
                stats.conversations += 1;
                let rec = records.get_mut(&f.debtor).expect("record");
                match f.talk {
                    0 => sims[d].call_due = f.end + Duration::days(4),
                    2 => {
                        item.facts.refusal_of_interaction = true;
                        rec.refusal_from = Some(f.end);
                    }
                    3 => {
                        item.facts.stop_calls = true;
                        rec.stop_calls_from = Some(f.end);
                    }
                    _ => sims[d].call_due = f.end + Duration::days(1),
                }
            }
            log.push(Entry {
                debtor: f.debtor,
                tz: item.facts.time_zone,
                channel: "call",
                start: f.start,
                end: f.end,
                reached: f.reached,
            });
            queue.push(Reverse((now, f.debtor)));
        }
        flights = still;

        // A crash: the results of calls in flight are lost and the calls drop with the process.
        if !crashed && now >= cfg.crash_at && !flights.is_empty() {
            crashed = true;
            let unknown: Vec<UnknownAttempt> = flights
                .iter()
                .map(|f| {
                    let item = items[f.debtor as usize].as_ref().expect("item");
                    UnknownAttempt {
                        debtor: f.debtor,
                        channel: Channel::Call,
                        written_at: f.start,
                        time_zone: item.facts.time_zone,
                        phone_count: item.phones.len(),
                        retry: item.retry.clone(),
                    }
                })
                .collect();
            for r in resolve_unknown_attempts(&unknown, &retry, now) {
                let item = items[r.debtor as usize].as_mut().expect("item");
                item.in_flight = false;
                item.retry = r.retry;
                log.push(Entry {
                    debtor: r.debtor,
                    tz: item.facts.time_zone,
                    channel: "call",
                    start: r.contact.at,
                    end: now,
                    reached: r.contact.kind == ContactKind::Conversation,
                });
                item.history.push(r.contact);
                records
                    .get_mut(&r.debtor)
                    .expect("record")
                    .recovered_at
                    .push(now);
                queue.push(Reverse((now, r.debtor)));
                stats.recovered += 1;
            }
            flights.clear();
        }

        // Debtors to plan this tick.
        let mut batch: Vec<WorkItem> = Vec::new();
        while let Some(Reverse((at, debtor))) = queue.peek().copied() {
            if at > now {
                break;
            }
            queue.pop();
            if let Some(mut item) = items[debtor as usize].take() {
                item.step = Some(current_step(&sims[debtor as usize], now));
                batch.push(item);
            }
        }
        let load = Load {
            calls_in_flight: flights.len() as u32,
            calls_started_last_second: 0,
        };
        let plan = scheduler.plan(&batch, load, now);
        let mut index: HashMap<i64, usize> = HashMap::with_capacity(batch.len());
        for (i, item) in batch.iter().enumerate() {
            index.insert(item.debtor, i);
        }
        for action in &plan.actions {
            let item = &mut batch[index[&action.debtor]];
            let d = action.debtor as usize;
            match &action.action {
                StepAction::Call { .. } => {
                    stats.calls += 1;
                    let reached = rng.chance(0.35);
                    let talk = if reached {
                        match rng.below(100) {
                            0..=49 => 0,
                            50..=84 => 1,
                            85..=89 => 2,
                            _ => 3,
                        }
                    } else {
                        0
                    };
                    let secs = if reached {
                        60 + rng.below(180)
                    } else {
                        20 + rng.below(30)
                    };
                    item.in_flight = true;
                    flights.push(Flight {
                        debtor: action.debtor,
                        start: now,
                        end: now + Duration::seconds(secs as i64),
                        reached,
                        talk,
                    });
                }
                StepAction::Sms { .. } | StepAction::Email { .. } => {
                    stats.messages += 1;
                    let channel = action.action.channel();
                    let delivered = rng.chance(0.9);
                    let kind = if delivered {
                        ContactKind::Conversation
                    } else {
                        ContactKind::Attempt
                    };
                    item.history.push(Contact::new(now, channel, kind));
                    sims[d].messages.pop_front();
                    log.push(Entry {
                        debtor: action.debtor,
                        tz: item.facts.time_zone,
                        channel: if channel == Channel::Sms {
                            "sms"
                        } else {
                            "email"
                        },
                        start: now,
                        end: now,
                        reached: delivered,
                    });
                    queue.push(Reverse((now + tick, action.debtor)));
                }
            }
        }
        for w in &plan.waiting {
            let d = w.debtor as usize;
            let next_message = sims[d]
                .messages
                .front()
                .map(|(due, _)| *due)
                .filter(|due| *due > now);
            let wake = match w.reason {
                WaitReason::Concurrency | WaitReason::CallsPerSecond => {
                    stats.capacity_waits += 1;
                    Some(now + tick)
                }
                WaitReason::InFlight => None,
                reason => {
                    if matches!(reason, WaitReason::Compliance(_)) {
                        stats.compliance_waits += 1;
                    }
                    match (w.until, next_message) {
                        (Some(u), Some(m)) => Some(u.min(m)),
                        (u, m) => u.or(m),
                    }
                }
            };
            if let Some(at) = wake {
                queue.push(Reverse((at.max(now + Duration::seconds(1)), w.debtor)));
            }
        }
        for item in batch {
            let d = item.debtor as usize;
            items[d] = Some(item);
        }
        now += tick;
    }

    // The checker's own reading of the retry practice, not the scheduler's retry policy.
    let ops = process_ops(
        limits.max_concurrent_calls as usize,
        limits.calls_per_second as usize,
    );
    stats.violations = violations(&log, &records, cfg.law, ops, &RuDays::load());
    stats
}

fn scale(full: usize) -> usize {
    if cfg!(debug_assertions) {
        full / 4
    } else {
        full
    }
}

fn assert_clean(name: &str, stats: &Stats, debtors: usize) {
    eprintln!(
        "{name}: {debtors} debtors, {} calls, {} conversations, {} messages, {} compliance waits, \
         {} capacity waits, {} recovered after crash, {} violations",
        stats.calls,
        stats.conversations,
        stats.messages,
        stats.compliance_waits,
        stats.capacity_waits,
        stats.recovered,
        stats.violations.len()
    );
    assert!(
        stats.violations.is_empty(),
        "{name}: {} violations, first: {:#?}",
        stats.violations.len(),
        &stats.violations[..stats.violations.len().min(10)]
    );
    assert!(
        stats.calls >= debtors * 2,
        "{name}: the campaign barely dialled"
    );
    assert!(stats.conversations > 0 && stats.messages > 0);
    assert!(
        stats.compliance_waits > 0,
        "{name}: compliance never held anyone back"
    );
    assert!(stats.capacity_waits > 0, "{name}: limits never bound");
    assert!(
        stats.recovered > 0,
        "{name}: the crash hit no call in flight"
    );
}

fn utc(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).single().unwrap()
}

/// 10 000 debtors over Kaliningrad … Kamchatka through the New Year holidays, strict defaults.
#[test]
fn month_of_campaign_ru_strict_defaults_has_no_violations() {
    let debtors = scale(10_000);
    let stats = simulate(SimConfig {
        debtors,
        seed: 230,
        zones: &RUSSIAN_ZONES,
        profile: Profile::ru_230fz(),
        settings: Settings::default(),
        law: RU_STRICT,
        start: utc(2025, 12, 25, 0),
        days: 31,
        crash_at: utc(2026, 1, 13, 7),
    });
    assert_clean("ru-230fz strict", &stats, debtors);
}

/// The lenient readings (conversations only, calendar windows) still keep every rule as read.
#[test]
fn month_of_campaign_ru_conversations_calendar_has_no_violations() {
    let debtors = scale(4_000);
    let stats = simulate(SimConfig {
        debtors,
        seed: 467,
        zones: &RUSSIAN_ZONES,
        profile: Profile::ru_230fz(),
        settings: lenient_settings(),
        law: RU_LENIENT,
        start: utc(2026, 10, 20, 0),
        days: 31,
        crash_at: utc(2026, 11, 5, 8),
    });
    assert_clean("ru-230fz conversations+calendar", &stats, debtors);
}

/// US zones across the end of DST (2026-11-01) under Regulation F.
#[test]
fn month_of_campaign_us_across_dst_has_no_violations() {
    let debtors = scale(4_000);
    let stats = simulate(SimConfig {
        debtors,
        seed: 1006,
        zones: &US_ZONES,
        profile: Profile::us_regf(),
        settings: Settings::default(),
        law: Law::Us { rolling: true },
        start: utc(2026, 10, 15, 0),
        days: 31,
        crash_at: utc(2026, 11, 2, 16),
    });
    assert_clean("us-regf", &stats, debtors);
}

/// The checker has teeth: a campaign run under the lenient readings breaks the strict ones, and the
/// checker says so.
#[test]
fn checker_finds_violations_of_a_stricter_reading() {
    let stats = simulate(SimConfig {
        debtors: 300,
        seed: 7,
        zones: &RUSSIAN_ZONES,
        profile: Profile::ru_230fz(),
        settings: lenient_settings(),
        law: RU_STRICT,
        start: utc(2026, 10, 20, 0),
        days: 10,
        crash_at: utc(2026, 10, 25, 8),
    });
    assert!(
        stats.violations.iter().any(|v| v.contains("in the day")),
        "expected daily-limit violations under the strict reading, got {:?}",
        &stats.violations[..stats.violations.len().min(5)]
    );
}

/// The checker flags calls outside hours, after refusals and beyond the US 7-in-7 rule.
#[test]
fn checker_flags_hand_made_violations() {
    let tz = Tz::Europe__Moscow;
    let call = |debtor: i64, start: DateTime<Utc>, reached: bool| Entry {
        debtor,
        tz,
        channel: "call",
        start,
        end: start + Duration::seconds(40),
        reached,
    };
    let ops = Ops {
        max_concurrent: 10,
        calls_per_second: 10,
        max_attempts_per_day: 3,
        retry_gap: Duration::hours(2),
    };
    let days = RuDays::load();
    let strict = RU_STRICT;
    // 22:00 Moscow on a working day (19:00 UTC).
    let late = vec![call(1, utc(2026, 11, 23, 19), false)];
    let v = violations(&late, &HashMap::new(), strict, ops, &days);
    assert!(v.iter().any(|v| v.contains("outside hours")), "{v:?}");
    // 08:30 Moscow on Monday 2026-01-05, a public holiday (09:00 opening).
    let holiday = vec![call(
        1,
        Utc.with_ymd_and_hms(2026, 1, 5, 5, 30, 0).unwrap(),
        false,
    )];
    let v = violations(&holiday, &HashMap::new(), strict, ops, &days);
    assert!(v.iter().any(|v| v.contains("outside hours")), "{v:?}");
    // Two calls 20 hours apart on different local days: breaks the rolling 24 h reading only.
    let two = vec![
        call(1, utc(2026, 11, 23, 15), false),
        call(1, utc(2026, 11, 24, 11), false),
    ];
    let v = violations(&two, &HashMap::new(), strict, ops, &days);
    assert!(v.iter().any(|v| v.contains("in the day")), "{v:?}");
    let calendar = Law::Ru {
        every_attempt: true,
        rolling: false,
    };
    assert!(violations(&two, &HashMap::new(), calendar, ops, &days).is_empty());
    // A call that starts at 21:58 and talks past 22:00.
    let long = vec![Entry {
        end: Utc.with_ymd_and_hms(2026, 11, 23, 19, 3, 0).unwrap(),
        ..call(
            1,
            Utc.with_ymd_and_hms(2026, 11, 23, 18, 58, 0).unwrap(),
            true,
        )
    }];
    let v = violations(&long, &HashMap::new(), strict, ops, &days);
    assert!(v.iter().any(|v| v.contains("ran past closing")), "{v:?}");
    // A call after a refusal.
    let mut recs = HashMap::new();
    recs.insert(
        1,
        DebtorRecord {
            refusal_from: Some(utc(2026, 11, 20, 10)),
            ..DebtorRecord::default()
        },
    );
    let after = vec![call(1, utc(2026, 11, 23, 10), false)];
    let v = violations(&after, &recs, strict, ops, &days);
    assert!(v.iter().any(|v| v.contains("refusal")), "{v:?}");
    // US: eight attempts in seven days, and a call four days after a conversation.
    let ny = Tz::America__New_York;
    let us: Vec<Entry> = (0..8)
        .map(|k| Entry {
            tz: ny,
            ..call(2, utc(2026, 11, 2, 15) + Duration::hours(20 * k), k == 0)
        })
        .collect();
    let v = violations(&us, &HashMap::new(), Law::Us { rolling: true }, ops, &days);
    assert!(v.iter().any(|v| v.contains("8 call attempts")), "{v:?}");
    assert!(v.iter().any(|v| v.contains("after conversation")), "{v:?}");
}

/// The checker catches each rule it claims to check, fed a history that breaks exactly that rule (and
/// passes a history that keeps it): flags, stop-calls, message limits, retry gaps, attempts per day, crash
/// recovery.
#[test]
fn checker_catches_flags_stop_calls_message_limits_and_retry_gaps() {
    let tz = Tz::Europe__Moscow;
    let contact = |channel: &'static str, start: DateTime<Utc>| Entry {
        debtor: 1,
        tz,
        channel,
        start,
        end: start + Duration::seconds(40),
        reached: true,
    };
    let ops = process_ops(10, 10);
    let days = RuDays::load();
    let check = |log: &[Entry], rec: DebtorRecord| {
        let recs = HashMap::from([(1, rec)]);
        violations(log, &recs, RU_STRICT, ops, &days)
    };
    // Monday 2026-11-23, 12:00 Moscow (09:00 UTC): one call is within every limit.
    let one_call = vec![contact("call", utc(2026, 11, 23, 9))];
    assert!(check(&one_call, DebtorRecord::default()).is_empty());
    // Flags: any contact with a flagged debtor.
    let flagged = DebtorRecord {
        flagged: true,
        ..DebtorRecord::default()
    };
    let v = check(&one_call, flagged);
    assert!(v.iter().any(|v| v.contains("flagged")), "{v:?}");
    // Stop-calls: a call after the request breaks it, a text message does not.
    let stop = DebtorRecord {
        stop_calls_from: Some(utc(2026, 11, 20, 9)),
        ..DebtorRecord::default()
    };
    let v = check(&one_call, stop.clone());
    assert!(v.iter().any(|v| v.contains("stop-calls")), "{v:?}");
    assert!(check(&[contact("sms", utc(2026, 11, 23, 9))], stop).is_empty());
    // Message limits: three messages in a day (two allowed), five in a week (four allowed).
    let day_messages: Vec<Entry> = [9, 10, 11]
        .iter()
        .map(|h| contact("sms", utc(2026, 11, 23, *h)))
        .collect();
    assert!(check(&day_messages[..2], DebtorRecord::default()).is_empty());
    let v = check(&day_messages, DebtorRecord::default());
    assert!(
        v.iter().any(|v| v.contains("3 sms+email in the day")),
        "{v:?}"
    );
    let week_messages: Vec<Entry> = (0..5)
        .map(|d| {
            contact(
                if d % 2 == 0 { "sms" } else { "email" },
                utc(2026, 11, 23 + d, 9),
            )
        })
        .collect();
    assert!(check(&week_messages[..4], DebtorRecord::default()).is_empty());
    let v = check(&week_messages, DebtorRecord::default());
    assert!(
        v.iter().any(|v| v.contains("5 sms+email in the week")),
        "{v:?}"
    );
    // Retry gap and attempts per day: unanswered calls an hour apart, and a fourth attempt in a day, under
    // the lenient reading so the legal call limits stay out of the way.
    let lenient = |log: &[Entry]| violations(log, &HashMap::new(), RU_LENIENT, ops, &days);
    let unanswered = |h: u32, m: u32| Entry {
        reached: false,
        ..contact("call", Utc.with_ymd_and_hms(2026, 11, 23, h, m, 0).unwrap())
    };
    assert!(lenient(&[unanswered(6, 0), unanswered(8, 0), unanswered(10, 0)]).is_empty());
    let v = lenient(&[unanswered(6, 0), unanswered(7, 0)]);
    assert!(
        v.iter().any(|v| v.contains("redialled 60 min after")),
        "{v:?}"
    );
    let v = lenient(&[
        unanswered(6, 0),
        unanswered(8, 0),
        unanswered(10, 0),
        unanswered(12, 0),
    ]);
    assert!(
        v.iter().any(|v| v.contains("4 attempts on 2026-11-23")),
        "{v:?}"
    );
    // Crash recovery: a call within the retry gap after an attempt left in flight was resolved.
    let recovered = DebtorRecord {
        recovered_at: vec![Utc.with_ymd_and_hms(2026, 11, 23, 8, 30, 0).unwrap()],
        ..DebtorRecord::default()
    };
    let recs = HashMap::from([(1, recovered)]);
    let v = violations(&[unanswered(9, 0)], &recs, RU_LENIENT, ops, &days);
    assert!(v.iter().any(|v| v.contains("crash recovery")), "{v:?}");
}
