//! Turning a campaign's debtors, their histories and its strategy into the scheduler's work items, and its
//! decisions back into a plan people can read: what would be dialled, sent and handed over, and why others wait.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::channel::{Channel, Direction};
use super::compliance::{Contact, ContactKind, DebtorFacts, Policy};
use super::debtor::StoredDebtor;
use super::history::{summarize, DebtorHistory};
use super::scheduler::{
    DueStep, Limits, Load, RetryPolicy, RetryState, Scheduler, StepAction, WaitReason, WorkItem,
};
use super::standing::{self, DebtorStatus};
use super::strategy::{Step, Strategy};
use crate::domain::{Disposition, PromiseStatus};

/// One thing to do now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanLine {
    /// Debtor row id.
    pub debtor_id: i64,
    /// The loan system's id.
    pub external_id: String,
    /// Segment.
    pub segment: String,
    /// Ladder step (`day 7`).
    pub step: String,
    /// `call`, `sms`, `email` or `hand_over`.
    pub action: String,
    /// Flow (calls) or template (messages).
    pub what: String,
    /// Phone row id (calls and SMS).
    pub phone_id: Option<i64>,
    /// The number, masked for display (`+7912***6789`).
    pub phone_masked: Option<String>,
    /// The call should recall the last promise.
    pub recall_promise: bool,
    /// Why it is allowed now.
    pub reason: String,
}

/// One debtor (and channel) that waits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WaitLine {
    /// Debtor row id.
    pub debtor_id: i64,
    /// The loan system's id.
    pub external_id: String,
    /// Segment, when one matched.
    pub segment: Option<String>,
    /// The channel that waits, when a step is due.
    pub action: Option<String>,
    /// A short category (`not_due`, `compliance:hours`, `retry_backoff`…).
    pub reason: String,
    /// The details.
    pub detail: String,
    /// Worth planning again from this moment (`None`: never, or next tick for capacity waits).
    pub until: Option<DateTime<Utc>>,
}

/// What a campaign would do at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CampaignPlan {
    /// The moment planned for.
    pub at: String,
    /// Calls to dial now, in order.
    pub calls: Vec<PlanLine>,
    /// SMS and e-mails to send now.
    pub messages: Vec<PlanLine>,
    /// Debtors to hand over to hard collection now.
    pub hand_overs: Vec<PlanLine>,
    /// Everyone else and why.
    pub waiting: Vec<WaitLine>,
}

/// Masks a phone for display: keeps the country code, operator code and last four digits.
pub fn mask_phone(e164: &str) -> String {
    let n = e164.chars().count();
    if n <= 8 {
        return "***".into();
    }
    let head: String = e164.chars().take(5).collect();
    let tail: String = e164.chars().skip(n - 4).collect();
    format!("{head}***{tail}")
}

/// A debtor's history with pending promises settled as of `now` (without storing anything).
pub fn settle_promises(history: &DebtorHistory, tz: Tz, now: DateTime<Utc>) -> DebtorHistory {
    let mut h = history.clone();
    let today = now.with_timezone(&tz).date_naive();
    for p in &mut h.promises {
        if p.status == PromiseStatus::Pending {
            let made_on = p.made_at.with_timezone(&tz).date_naive();
            p.status = super::history::promise_fate(
                made_on,
                p.promised_date,
                p.amount,
                &history.payments,
                today,
            );
        }
    }
    h
}

/// Compliance facts for a debtor.
pub fn facts(d: &StoredDebtor, tz: Tz, history: &DebtorHistory) -> DebtorFacts {
    DebtorFacts {
        time_zone: tz,
        flags: d.record.flags,
        refusal_of_interaction: false,
        stop_calls: false,
    }
    .learn_from_history(history.refusals.iter().map(|r| r.kind.as_str()))
}

/// The contacts compliance sees: every attempt with its direction; answered calls, sent messages, calls in
/// flight and calls lost in a crash count as interactions (the stricter reading). The policy counts only outbound
/// ones towards the limits: a debtor's own call is shown, never counted.
pub fn contacts(history: &DebtorHistory) -> Vec<Contact> {
    history
        .attempts
        .iter()
        .map(|a| {
            let reached = match a.channel {
                Channel::Call => a.conversation || a.state == "dialing" || a.state == "unknown",
                _ => a.outcome.as_deref() != Some("failed"),
            };
            Contact {
                at: a.at,
                channel: a.channel,
                kind: if reached {
                    ContactKind::Conversation
                } else {
                    ContactKind::Attempt
                },
                direction: a.direction,
                outcome: a.outcome.clone(),
            }
        })
        .collect()
}

struct Meta {
    debtor_id: i64,
    external_id: String,
    segment: String,
    step: Step,
    phone_ids: Vec<i64>,
    phones: Vec<String>,
}

fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// Plans one moment for a campaign. `histories` holds every debtor's full history (all campaigns, so legal
/// limits see every contact); `statuses` the campaign status per debtor. Status and segment come from
/// [`standing`], as in results and analytics.
pub fn plan(
    strategy: &Strategy,
    policy: Policy,
    debtors: &[StoredDebtor],
    histories: &HashMap<i64, DebtorHistory>,
    statuses: &HashMap<i64, String>,
    now: DateTime<Utc>,
) -> CampaignPlan {
    let mut out = CampaignPlan {
        at: now.to_rfc3339(),
        ..Default::default()
    };
    let empty = DebtorHistory::default();
    let mut items = Vec::new();
    let mut metas = Vec::new();
    let mut load = Load::default();
    for d in debtors {
        let raw = histories.get(&d.id).unwrap_or(&empty);
        for a in &raw.attempts {
            if a.channel == Channel::Call && a.state == "dialing" {
                load.calls_in_flight += 1;
                if a.at > now - Duration::seconds(1) && a.at <= now {
                    load.calls_started_last_second += 1;
                }
            }
        }
        let wait = |reason: &str,
                    detail: String,
                    segment: Option<String>,
                    until: Option<DateTime<Utc>>| WaitLine {
            debtor_id: d.id,
            external_id: d.record.external_id.clone(),
            segment,
            action: None,
            reason: reason.into(),
            detail,
            until,
        };
        let status = DebtorStatus::derive(
            &d.status,
            statuses.get(&d.id).map(String::as_str),
            d.record.amount_due,
        );
        if status != DebtorStatus::Active {
            let detail = match status {
                DebtorStatus::Paid => "paid in full".to_string(),
                _ => "handed over to hard collection".to_string(),
            };
            out.waiting.push(wait("closed", detail, None, None));
            continue;
        }
        let Ok(tz) = d.record.time_zone.parse::<Tz>() else {
            out.waiting.push(wait(
                "bad_time_zone",
                format!("unknown time zone {}", d.record.time_zone),
                None,
                None,
            ));
            continue;
        };
        let history = settle_promises(raw, tz, now);
        let summary = summarize(&history);
        let today = now.with_timezone(&tz).date_naive();
        let segment_name = standing::segment(strategy, &d.record, today, &summary);
        let Some(segment) = segment_name
            .as_deref()
            .and_then(|n| strategy.segments.iter().find(|s| s.name == n))
        else {
            out.waiting.push(wait(
                "no_segment",
                "no segment's rules match".into(),
                None,
                None,
            ));
            continue;
        };
        let dpd = d.record.days_overdue(today);
        let Some(step) = segment.step_at(dpd) else {
            let first = segment.ladder.first().map_or(0, |s| s.day);
            let until = local_midnight(tz, d.record.due_date + Duration::days(first));
            out.waiting.push(wait(
                "not_due",
                format!("{dpd} days overdue; the ladder starts on day {first}"),
                Some(segment.name.clone()),
                Some(until),
            ));
            continue;
        };
        let label = step.label();
        let due_at = local_midnight(tz, d.record.due_date + Duration::days(step.day));
        let in_step: Vec<_> = history
            .attempts
            .iter()
            .filter(|a| a.at >= due_at && a.outcome.as_deref() != Some("skipped"))
            .collect();
        if step.hand_over {
            out.hand_overs.push(PlanLine {
                debtor_id: d.id,
                external_id: d.record.external_id.clone(),
                segment: segment.name.clone(),
                step: label.clone(),
                action: "hand_over".into(),
                what: "hard_collection".into(),
                phone_id: None,
                phone_masked: None,
                recall_promise: false,
                reason: format!("{dpd} days overdue: soft collection ends"),
            });
            continue;
        }
        let facts = facts(d, tz, &history);
        let contacts = contacts(&history);
        let in_flight = history.attempts.iter().any(|a| a.state == "dialing");
        let meta = |step: &Step| Meta {
            debtor_id: d.id,
            external_id: d.record.external_id.clone(),
            segment: segment.name.clone(),
            step: step.clone(),
            phone_ids: d.phones.iter().map(|p| p.id).collect(),
            phones: d.phones.iter().map(|p| p.e164.clone()).collect(),
        };
        let mut step_wait =
            |channel: &str, reason: &str, detail: String, until: Option<DateTime<Utc>>| {
                out.waiting.push(WaitLine {
                    debtor_id: d.id,
                    external_id: d.record.external_id.clone(),
                    segment: Some(segment.name.clone()),
                    action: Some(channel.into()),
                    reason: reason.into(),
                    detail,
                    until,
                })
            };
        for (channel, template) in [(Channel::Sms, &step.sms), (Channel::Email, &step.email)] {
            let Some(template) = template else { continue };
            let tries: Vec<_> = in_step.iter().filter(|a| a.channel == channel).collect();
            if tries.iter().any(|a| a.outcome.as_deref() != Some("failed")) {
                continue;
            }
            if tries.len() as u32 >= step.retry.max_attempts {
                step_wait(
                    channel.as_str(),
                    "attempts_used",
                    format!("{} failed sends in {label}", tries.len()),
                    None,
                );
                continue;
            }
            if channel == Channel::Email && d.record.email.is_none() {
                step_wait(
                    "email",
                    "no_address",
                    "no e-mail address on file".into(),
                    None,
                );
                continue;
            }
            let next_retry_at = tries.last().map(|a| a.at + step.retry.no_answer);
            items.push(WorkItem {
                debtor: d.id,
                phones: d.phones.iter().map(|p| p.e164.clone()).collect(),
                facts: facts.clone(),
                history: contacts.clone(),
                step: Some(DueStep {
                    action: if channel == Channel::Sms {
                        StepAction::Sms {
                            template: template.clone(),
                        }
                    } else {
                        StepAction::Email {
                            template: template.clone(),
                        }
                    },
                    due_at,
                }),
                retry: RetryState {
                    local_day: Some(today),
                    attempts_today: 0,
                    next_retry_at,
                    next_phone: 0,
                },
                in_flight: false,
            });
            metas.push(meta(step));
        }
        if let Some(flow) = &step.call {
            let step_calls = in_step.iter().filter(|a| a.channel == Channel::Call);
            // A debtor who called us and talked as themselves (a promise, a refusal, a dispute…) is reached for the
            // ladder like an answered call; someone else on their phone is not. The step's attempts, daily cap and
            // retries count only the calls we dialled.
            let reached = step_calls.clone().any(|a| match a.direction {
                Direction::Outbound => {
                    a.right_party || (a.conversation && a.outcome.as_deref() != Some("unknown"))
                }
                Direction::Inbound => a.right_party,
            });
            let calls: Vec<_> = step_calls
                .filter(|a| a.direction == Direction::Outbound)
                .collect();
            if reached {
                let next = segment.ladder.iter().find(|s| s.day > step.day);
                step_wait(
                    "call",
                    "step_done",
                    format!(
                        "reached in {label}; next step {}",
                        next.map_or("none".into(), |s| s.label())
                    ),
                    next.map(|s| local_midnight(tz, d.record.due_date + Duration::days(s.day))),
                );
                continue;
            }
            if calls.len() as u32 >= step.retry.max_attempts {
                step_wait(
                    "call",
                    "attempts_used",
                    format!("{} calls in {label}, none answered", calls.len()),
                    None,
                );
                continue;
            }
            let today_calls = calls
                .iter()
                .filter(|a| a.at.with_timezone(&tz).date_naive() == today)
                .count() as u32;
            if today_calls >= step.retry.max_per_day {
                let tomorrow = local_midnight(tz, today + Duration::days(1));
                step_wait(
                    "call",
                    "daily_attempt_cap",
                    format!("{today_calls} of {} calls today", step.retry.max_per_day),
                    Some(tomorrow),
                );
                continue;
            }
            let next_retry_at = calls.last().map(|a| {
                let busy = a.disposition().is_some_and(Disposition::is_line_busy);
                a.at + if busy {
                    step.retry.busy
                } else {
                    step.retry.no_answer
                }
            });
            let unanswered = calls
                .iter()
                .filter(|a| {
                    a.outcome.is_none() || a.disposition().is_some_and(Disposition::is_unanswered)
                })
                .count();
            items.push(WorkItem {
                debtor: d.id,
                phones: d.phones.iter().map(|p| p.e164.clone()).collect(),
                facts: facts.clone(),
                history: contacts.clone(),
                step: Some(DueStep {
                    action: StepAction::Call { flow: flow.clone() },
                    due_at,
                }),
                retry: RetryState {
                    local_day: Some(today),
                    attempts_today: today_calls,
                    next_retry_at,
                    next_phone: if d.phones.is_empty() {
                        0
                    } else {
                        unanswered % d.phones.len()
                    },
                },
                in_flight,
            });
            metas.push(meta(step));
        }
    }
    let scheduler = Scheduler::new(
        policy,
        RetryPolicy {
            retry_after: Duration::hours(2),
            // Per-step caps are applied above; the scheduler must not cap lower.
            max_attempts_per_day: u32::MAX,
        },
        Limits {
            max_concurrent_calls: strategy.limits.concurrency,
            calls_per_second: strategy.limits.calls_per_second,
        },
    );
    let decided = scheduler.plan(&items, load, now);
    // Items of one debtor in order; actions take theirs by channel, waits take what is left in order.
    let mut left: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        left.entry(item.debtor).or_default().push(i);
    }
    let channel_of = |i: usize| items[i].step.as_ref().map(|s| s.action.channel());
    for a in decided.actions {
        let Some(slots) = left.get_mut(&a.debtor) else {
            continue;
        };
        let Some(pos) = slots
            .iter()
            .position(|&i| channel_of(i) == Some(a.action.channel()))
        else {
            continue;
        };
        let m = &metas[slots.remove(pos)];
        let (action, what) = match &a.action {
            StepAction::Call { flow } => ("call", flow.clone()),
            StepAction::Sms { template } => ("sms", template.clone()),
            StepAction::Email { template } => ("email", template.clone()),
        };
        let phone = a
            .phone_index
            .and_then(|i| m.phones.get(i).map(|p| (m.phone_ids[i], mask_phone(p))));
        let line = PlanLine {
            debtor_id: m.debtor_id,
            external_id: m.external_id.clone(),
            segment: m.segment.clone(),
            step: m.step.label(),
            action: action.into(),
            what,
            phone_id: phone.as_ref().map(|p| p.0),
            phone_masked: phone.map(|p| p.1),
            recall_promise: m.step.recall_promise && action == "call",
            reason: a.reason,
        };
        if action == "call" {
            out.calls.push(line);
        } else {
            out.messages.push(line);
        }
    }
    for w in decided.waiting {
        let slot = left
            .get_mut(&w.debtor)
            .and_then(|s| (!s.is_empty()).then(|| s.remove(0)));
        let m = slot.map(|i| &metas[i]);
        // The scheduler words backoffs with its own default wait; the step's retry policy decided this one.
        let detail = match (w.reason, slot.and_then(|i| items[i].retry.next_retry_at)) {
            (WaitReason::RetryBackoff, Some(at)) => {
                format!("retry after the last attempt, from {}", at.to_rfc3339())
            }
            _ => w.detail,
        };
        out.waiting.push(WaitLine {
            debtor_id: w.debtor,
            external_id: m.map(|m| m.external_id.clone()).unwrap_or_default(),
            segment: m.map(|m| m.segment.clone()),
            action: slot.and_then(channel_of).map(|c| c.as_str().to_string()),
            reason: wait_name(w.reason),
            detail,
            until: w.until,
        });
    }
    out.waiting
        .sort_by(|a, b| (a.debtor_id, &a.action).cmp(&(b.debtor_id, &b.action)));
    out
}

fn wait_name(r: WaitReason) -> String {
    match r {
        WaitReason::NothingDue => "nothing_due".into(),
        WaitReason::NotDue => "not_due".into(),
        WaitReason::InFlight => "in_flight".into(),
        WaitReason::RetryBackoff => "retry_backoff".into(),
        WaitReason::DailyAttemptCap => "daily_attempt_cap".into(),
        WaitReason::NoPhone => "no_phone".into(),
        WaitReason::Compliance(rule) => {
            format!("compliance:{}", format!("{rule:?}").to_lowercase())
        }
        WaitReason::Concurrency => "concurrency".into(),
        WaitReason::CallsPerSecond => "calls_per_second".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::campaign::history::{AttemptEntry, PaymentEntry, PromiseEntry, RefusalEntry};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn attempt(
        channel: Channel,
        state: &str,
        outcome: Option<&str>,
        conversation: bool,
    ) -> AttemptEntry {
        AttemptEntry {
            id: 1,
            channel,
            direction: Direction::Outbound,
            at: at("2026-11-23T07:00:00Z"),
            state: state.into(),
            outcome: outcome.map(str::to_string),
            right_party: false,
            conversation,
        }
    }

    #[test]
    fn contacts_count_in_flight_and_lost_calls_as_interactions() {
        let history = DebtorHistory {
            attempts: vec![
                attempt(Channel::Call, "done", Some("no_answer"), false),
                attempt(Channel::Call, "dialing", None, false),
                attempt(Channel::Call, "unknown", Some("unknown"), true),
                attempt(Channel::Sms, "done", Some("sent"), false),
                attempt(Channel::Email, "done", Some("failed"), false),
            ],
            ..Default::default()
        };
        let kinds: Vec<ContactKind> = contacts(&history).iter().map(|c| c.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ContactKind::Attempt,
                ContactKind::Conversation,
                ContactKind::Conversation,
                ContactKind::Conversation,
                ContactKind::Attempt
            ]
        );
    }

    #[test]
    fn promises_are_settled_in_memory_in_the_debtor_zone() {
        let tz: Tz = "Asia/Vladivostok".parse().unwrap();
        let history = DebtorHistory {
            promises: vec![PromiseEntry {
                id: 1,
                // 2026-11-20 08:00 in Vladivostok.
                made_at: at("2026-11-19T22:00:00Z"),
                promised_date: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
                amount: 500,
                status: PromiseStatus::Pending,
            }],
            payments: vec![PaymentEntry {
                paid_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
                amount: 200,
            }],
            refusals: vec![RefusalEntry {
                at: at("2026-11-19T22:00:00Z"),
                kind: "stop_calls".into(),
            }],
            ..Default::default()
        };
        // 2026-11-22 23:30 in Vladivostok: the promised day has not ended there yet.
        let before = settle_promises(&history, tz, at("2026-11-22T13:30:00Z"));
        assert_eq!(before.promises[0].status, PromiseStatus::Pending);
        let after = settle_promises(&history, tz, at("2026-11-22T14:30:00Z"));
        assert_eq!(after.promises[0].status, PromiseStatus::Broken);
        assert_eq!(
            history.promises[0].status,
            PromiseStatus::Pending,
            "the stored history is untouched"
        );
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("+79123456789"), "+7912***6789");
        assert_eq!(mask_phone("+7912"), "***");
    }

    fn debtor() -> StoredDebtor {
        use crate::campaign::debtor::StoredPhone;
        use crate::domain::{DebtorFlags, DebtorRecord};
        StoredDebtor {
            id: 7,
            record: DebtorRecord {
                external_id: "L-7".into(),
                full_name: "Test".into(),
                phones: vec!["+79123456789".into()],
                time_zone: "Europe/Moscow".into(),
                region: None,
                amount_due: 1_000_000,
                currency: "RUB".into(),
                due_date: NaiveDate::from_ymd_opt(2026, 11, 14).unwrap(),
                product: None,
                creditor: None,
                creditor_phone: None,
                email: None,
                language: None,
                prior_delinquencies: 0,
                flags: DebtorFlags::default(),
                extra: Default::default(),
            },
            phones: vec![StoredPhone {
                id: 1,
                e164: "+79123456789".into(),
            }],
            status: "active".into(),
        }
    }

    /// The plan at 12:00 Moscow time on 23 November for one debtor with one call at 10:00 that morning.
    fn plan_after(direction: Direction, outcome: &str, right_party: bool) -> CampaignPlan {
        let strategy = crate::campaign::strategy::file::parse_stored(
            std::path::Path::new("c.yaml"),
            "name: s\nsegments:\n  - name: all\n    ladder:\n      - day: 7\n        call: soft\n",
        )
        .unwrap();
        let history = DebtorHistory {
            attempts: vec![AttemptEntry {
                direction,
                right_party,
                ..attempt(Channel::Call, "done", Some(outcome), true)
            }],
            ..Default::default()
        };
        let d = debtor();
        plan(
            &strategy,
            Policy::new(
                crate::campaign::compliance::Profile::ru_230fz(),
                crate::campaign::compliance::Settings::default(),
            ),
            std::slice::from_ref(&d),
            &HashMap::from([(d.id, history)]),
            &HashMap::new(),
            at("2026-11-23T09:00:00Z"),
        )
    }

    #[test]
    fn a_debtors_own_call_never_uses_up_the_outbound_limits() {
        // 230-FZ allows one interaction a day. The debtor called us this morning and hung up: they may still be
        // called today.
        let p = plan_after(Direction::Inbound, "hung_up", false);
        assert_eq!(p.calls.len(), 1, "{p:#?}");
        // The same conversation started by us uses the day's interaction (and reaches the step).
        let p = plan_after(Direction::Outbound, "hung_up", false);
        assert!(p.calls.is_empty(), "{p:#?}");

        let contacts = contacts(&DebtorHistory {
            attempts: vec![AttemptEntry {
                direction: Direction::Inbound,
                ..attempt(Channel::Call, "done", Some("hung_up"), true)
            }],
            ..Default::default()
        });
        assert_eq!(contacts[0].direction, Direction::Inbound);
        let policy = Policy::new(
            crate::campaign::compliance::Profile::ru_230fz(),
            crate::campaign::compliance::Settings::default(),
        );
        let facts = facts(
            &debtor(),
            chrono_tz::Europe::Moscow,
            &DebtorHistory::default(),
        );
        let now = at("2026-11-23T09:00:00Z");
        assert!(policy.decide(&facts, &contacts, Channel::Call, now).allowed);
        let outbound = vec![Contact {
            direction: Direction::Outbound,
            ..contacts[0].clone()
        }];
        assert!(!policy.decide(&facts, &outbound, Channel::Call, now).allowed);
    }

    #[test]
    fn a_debtors_own_call_with_a_promise_reaches_the_step() {
        let p = plan_after(Direction::Inbound, "promise_to_pay", true);
        assert!(p.calls.is_empty(), "{p:#?}");
        assert!(
            p.waiting.iter().any(|w| w.reason == "step_done"),
            "{:#?}",
            p.waiting
        );
    }
}
