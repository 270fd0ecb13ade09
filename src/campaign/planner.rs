//! Turning a campaign's debtors, their histories and its strategy into the scheduler's work items, and its
//! decisions back into a plan people can read: what would be dialled, sent and handed over, and why others wait.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::channel::{Channel, Direction};
use super::compliance::{Contact, DebtorFacts, Policy};
use super::debtor::StoredDebtor;
use super::history::{summarize, AttemptEntry, DebtorHistory, CONFIRMATION_STEP};
use super::scheduler::{
    AttemptResult, DueStep, Limits, Load, RetryPolicy, RetryState, Scheduler, StepAction,
    WaitReason, WorkItem,
};
use super::standing::{self, DebtorStatus};
use super::strategy::{Retry, Strategy};
use crate::domain::PromiseStatus;

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
    /// The promise a confirmation message confirms (`None` for ladder steps).
    pub promise_id: Option<i64>,
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

/// The contacts compliance sees, as the rule of [`crate::campaign::scheduler::attempt`] reads each attempt:
/// answered calls, sent messages, calls in flight and calls lost in a crash count as interactions (the stricter
/// reading); each keeps its direction, and the policy counts only outbound ones towards the limits (a debtor's own
/// call is shown, never counted).
pub fn contacts(history: &DebtorHistory) -> Vec<Contact> {
    history
        .attempts
        .iter()
        .map(|a| a.facts().contact())
        .collect()
}

struct Meta {
    debtor_id: i64,
    external_id: String,
    segment: String,
    step: String,
    recall_promise: bool,
    phone_ids: Vec<i64>,
    phones: Vec<String>,
    /// The promise a confirmation confirms.
    promise_id: Option<i64>,
    /// The last attempt was lost in a crash: a backoff is the hold after recovery.
    held_after_loss: bool,
}

fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    let naive = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The message action of `channel` with `template`.
fn message_action(channel: Channel, template: &str) -> StepAction {
    if channel == Channel::Email {
        StepAction::Email {
            template: template.to_string(),
        }
    } else {
        StepAction::Sms {
            template: template.to_string(),
        }
    }
}

/// The retry state after `attempts`, each read by the one attempt rule.
fn replay(policy: &RetryPolicy, attempts: &[&AttemptEntry], tz: Tz, phones: usize) -> RetryState {
    policy.replay(
        attempts.iter().map(|a| (a.at, a.facts().result())),
        tz,
        phones,
    )
}

/// Whether the last of `attempts` was lost in a crash.
fn last_lost(attempts: &[&AttemptEntry]) -> bool {
    attempts
        .last()
        .is_some_and(|a| matches!(a.facts().result(), AttemptResult::Lost { .. }))
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
            if a.channel == Channel::Call && a.facts().in_flight() {
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
        let step = segment.step_at(dpd);
        if let Some(step) = step.filter(|s| s.hand_over) {
            out.hand_overs.push(PlanLine {
                debtor_id: d.id,
                external_id: d.record.external_id.clone(),
                segment: segment.name.clone(),
                step: step.label(),
                action: "hand_over".into(),
                what: "hard_collection".into(),
                phone_id: None,
                phone_masked: None,
                recall_promise: false,
                promise_id: None,
                reason: format!("{dpd} days overdue: soft collection ends"),
            });
            continue;
        }
        let facts = facts(d, tz, &history);
        let contacts = contacts(&history);
        let in_flight = history.attempts.iter().any(|a| a.facts().in_flight());
        let phone_ids: Vec<i64> = d.phones.iter().map(|p| p.id).collect();
        let phones: Vec<String> = d.phones.iter().map(|p| p.e164.clone()).collect();
        let meta = |step: String, recall_promise: bool, promise_id, held_after_loss| Meta {
            debtor_id: d.id,
            external_id: d.record.external_id.clone(),
            segment: segment.name.clone(),
            step,
            recall_promise,
            phone_ids: phone_ids.clone(),
            phones: phones.clone(),
            promise_id,
            held_after_loss,
        };
        let item = |action: StepAction, due_at, retry| WorkItem {
            debtor: d.id,
            phones: phones.clone(),
            facts: facts.clone(),
            history: contacts.clone(),
            step: Some(DueStep { action, due_at }),
            retry,
            in_flight: false,
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

        // Promise confirmations: the oldest pending promise not yet confirmed on a channel, one per channel and
        // tick; a ladder message on that channel waits for it.
        let confirm_policy = Retry::default();
        let mut confirming: Vec<Channel> = Vec::new();
        for (channel, template) in strategy.confirmation.messages() {
            for p in history
                .promises
                .iter()
                .filter(|p| p.status == PromiseStatus::Pending)
            {
                let tries: Vec<&AttemptEntry> = history
                    .attempts
                    .iter()
                    .filter(|a| a.promise_id == Some(p.id) && a.channel == channel)
                    .collect();
                if tries.iter().any(|a| !a.facts().failed_send()) {
                    continue;
                }
                confirming.push(channel);
                if tries.len() as u32 >= confirm_policy.max_attempts {
                    step_wait(
                        channel.as_str(),
                        "attempts_used",
                        format!(
                            "{CONFIRMATION_STEP} of promise {}: {} failed sends",
                            p.id,
                            tries.len()
                        ),
                        None,
                    );
                    break;
                }
                if channel == Channel::Email && d.record.email.is_none() {
                    step_wait(
                        "email",
                        "no_address",
                        format!("{CONFIRMATION_STEP}: no e-mail address on file"),
                        None,
                    );
                    break;
                }
                let retry = replay(&confirm_policy.policy(), &tries, tz, phones.len());
                items.push(item(message_action(channel, template), p.made_at, retry));
                metas.push(meta(
                    CONFIRMATION_STEP.to_string(),
                    false,
                    Some(p.id),
                    last_lost(&tries),
                ));
                break;
            }
        }

        let Some(step) = step else {
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
        // The step's own attempts: made for this step of this segment, so a debtor who moves to another segment
        // (a broken promise) starts that segment's step afresh. A call the debtor placed belongs to no step: it
        // counts for the step active when it came.
        let in_step: Vec<&AttemptEntry> = history
            .attempts
            .iter()
            .filter(|a| {
                a.at >= due_at
                    && (a.direction == Direction::Inbound
                        || (a.segment == segment.name && a.step == label))
            })
            .collect();
        let step_policy = step.retry.policy();
        for (channel, template) in [(Channel::Sms, &step.sms), (Channel::Email, &step.email)] {
            let Some(template) = template else { continue };
            let tries: Vec<&AttemptEntry> = in_step
                .iter()
                .copied()
                .filter(|a| a.channel == channel)
                .collect();
            if tries.iter().any(|a| !a.facts().failed_send()) {
                continue;
            }
            if confirming.contains(&channel) {
                step_wait(
                    channel.as_str(),
                    "confirmation_first",
                    format!("the {CONFIRMATION_STEP} goes out first; {label} follows"),
                    Some(now + Duration::minutes(1)),
                );
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
            let retry = replay(&step_policy, &tries, tz, phones.len());
            items.push(item(message_action(channel, template), due_at, retry));
            metas.push(meta(label.clone(), false, None, last_lost(&tries)));
        }
        if let Some(flow) = &step.call {
            // A debtor who called us and talked as themselves (a promise, a refusal, a dispute…) reached the step
            // like an answered call; the step's attempts, daily cap and retries count only the calls we dialled.
            if in_step
                .iter()
                .any(|a| a.channel == Channel::Call && a.facts().reaches_step())
            {
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
            let calls: Vec<&AttemptEntry> = in_step
                .iter()
                .copied()
                .filter(|a| a.channel == Channel::Call && a.facts().dialled())
                .collect();
            if calls.len() as u32 >= step.retry.max_attempts {
                step_wait(
                    "call",
                    "attempts_used",
                    format!("{} calls in {label}, none answered", calls.len()),
                    None,
                );
                continue;
            }
            let retry = replay(&step_policy, &calls, tz, phones.len());
            let today_calls = step_policy.attempts_today(&retry, tz, now);
            if today_calls >= step_policy.max_attempts_per_day {
                let tomorrow = local_midnight(tz, today + Duration::days(1));
                step_wait(
                    "call",
                    "daily_attempt_cap",
                    format!("{today_calls} of {} calls today", step.retry.max_per_day),
                    Some(tomorrow),
                );
                continue;
            }
            items.push(WorkItem {
                in_flight,
                ..item(StepAction::Call { flow: flow.clone() }, due_at, retry)
            });
            metas.push(meta(
                label.clone(),
                step.recall_promise,
                None,
                last_lost(&calls),
            ));
        }
    }
    let scheduler = Scheduler::new(
        policy,
        RetryPolicy {
            // Per-step caps are applied above; the scheduler must not cap lower.
            max_attempts_per_day: u32::MAX,
            ..RetryPolicy::default()
        },
        Limits {
            max_concurrent_calls: strategy.limits.concurrency,
            calls_per_second: strategy.limits.calls_per_second,
        },
    );
    let decided = scheduler.plan(&items, load, now);
    // Items of one debtor in order; actions take the item they came from, waits take what is left in order.
    let mut left: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        left.entry(item.debtor).or_default().push(i);
    }
    let action_of = |i: usize| items[i].step.as_ref().map(|s| &s.action);
    for a in decided.actions {
        let Some(slots) = left.get_mut(&a.debtor) else {
            continue;
        };
        let Some(pos) = slots.iter().position(|&i| action_of(i) == Some(&a.action)) else {
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
            step: m.step.clone(),
            action: action.into(),
            what,
            phone_id: phone.as_ref().map(|p| p.0),
            phone_masked: phone.map(|p| p.1),
            recall_promise: m.recall_promise && action == "call",
            promise_id: m.promise_id,
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
            (WaitReason::RetryBackoff, Some(at)) if m.is_some_and(|m| m.held_after_loss) => {
                format!(
                    "held after an attempt whose result a crash lost, until {}",
                    at.to_rfc3339()
                )
            }
            (WaitReason::RetryBackoff, Some(at)) => {
                format!("retry after the last attempt, from {}", at.to_rfc3339())
            }
            _ => w.detail,
        };
        let detail = match m {
            Some(m) if m.promise_id.is_some() => format!("{}: {detail}", m.step),
            _ => detail,
        };
        out.waiting.push(WaitLine {
            debtor_id: w.debtor,
            external_id: m.map(|m| m.external_id.clone()).unwrap_or_default(),
            segment: m.map(|m| m.segment.clone()),
            action: slot
                .and_then(action_of)
                .map(|a| a.channel().as_str().to_string()),
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

    use crate::campaign::compliance::{ContactKind, Profile, Settings};
    use crate::campaign::debtor::StoredPhone;
    use crate::campaign::history::{AttemptEntry, PaymentEntry, PromiseEntry, RefusalEntry};
    use crate::campaign::scheduler::{AttemptOutcome, AttemptState};
    use crate::domain::{DebtorFlags, DebtorRecord, Disposition};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn entry(
        channel: Channel,
        when: &str,
        state: AttemptState,
        outcome: Option<AttemptOutcome>,
    ) -> AttemptEntry {
        AttemptEntry {
            id: 1,
            channel,
            direction: Direction::Outbound,
            at: at(when),
            state,
            outcome,
            right_party: false,
            conversation: outcome
                .and_then(AttemptOutcome::disposition)
                .is_some_and(Disposition::is_conversation),
            finished_at: None,
            segment: "all".into(),
            step: "day 7".into(),
            promise_id: None,
        }
    }

    fn attempt(
        channel: Channel,
        state: AttemptState,
        outcome: Option<AttemptOutcome>,
    ) -> AttemptEntry {
        entry(channel, "2026-11-23T07:00:00Z", state, outcome)
    }

    #[test]
    fn contacts_count_in_flight_and_lost_calls_as_interactions() {
        use AttemptState::{Dialing, Done, Unknown};
        let history = DebtorHistory {
            attempts: vec![
                attempt(
                    Channel::Call,
                    Done,
                    Some(AttemptOutcome::Call(Disposition::NoAnswer)),
                ),
                attempt(Channel::Call, Dialing, None),
                attempt(Channel::Call, Unknown, Some(AttemptOutcome::Unknown)),
                attempt(Channel::Sms, Done, Some(AttemptOutcome::Sent)),
                attempt(Channel::Email, Done, Some(AttemptOutcome::NotSent)),
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

    const STRATEGY: &str = "name: unit
sms: { url: 'http://127.0.0.1:9/send' }
templates:
  hi: { sms: 'hi {full_name}' }
  firm: { sms: 'you broke a promise' }
  thanks: { sms: 'promised {promise_amount} by {promise_date}' }
confirmation: { sms: thanks }
segments:
  - name: broken
    when: { broken_promises: { min: 1 } }
    ladder:
      - day: 1
        sms: firm
  - name: all
    ladder:
      - day: 1
        sms: hi
      - day: 7
        call: soft
        retry: { no_answer: 2h, max_per_day: 3 }
";

    fn strategy() -> Strategy {
        crate::campaign::strategy::file::parse_stored(std::path::Path::new("unit.yaml"), STRATEGY)
            .unwrap()
    }

    /// Overdue since 2026-11-15 in Moscow, two phones.
    fn debtor() -> StoredDebtor {
        StoredDebtor {
            id: 7,
            record: DebtorRecord {
                external_id: "U-7".into(),
                full_name: "Unit".into(),
                phones: vec!["+79120000001".into(), "+79120000002".into()],
                time_zone: "Europe/Moscow".into(),
                region: None,
                amount_due: 1_000_000,
                currency: "RUB".into(),
                due_date: NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
                product: None,
                creditor: None,
                creditor_phone: None,
                email: None,
                language: None,
                prior_delinquencies: 0,
                flags: DebtorFlags::default(),
                extra: Default::default(),
            },
            phones: vec![
                StoredPhone {
                    id: 71,
                    e164: "+79120000001".into(),
                },
                StoredPhone {
                    id: 72,
                    e164: "+79120000002".into(),
                },
            ],
            status: "active".into(),
        }
    }

    fn plan_with(history: DebtorHistory, now: &str) -> CampaignPlan {
        plan(
            &strategy(),
            Policy::new(Profile::ru_230fz(), Settings::default()),
            &[debtor()],
            &HashMap::from([(7, history)]),
            &HashMap::new(),
            at(now),
        )
    }

    fn pending_promise(id: i64, made: &str, date: (i32, u32, u32)) -> PromiseEntry {
        PromiseEntry {
            id,
            made_at: at(made),
            promised_date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
            amount: 500_000,
            status: PromiseStatus::Pending,
        }
    }

    #[test]
    fn a_lost_call_holds_the_debtor_from_recovery_and_rotates_the_phone() {
        // Written 10:00 Moscow on Monday, recovered 11:30: one of the day's attempts, an interaction.
        let mut lost = entry(
            Channel::Call,
            "2026-11-23T07:00:00Z",
            AttemptState::Unknown,
            Some(AttemptOutcome::Unknown),
        );
        lost.finished_at = Some(at("2026-11-23T08:30:00Z"));
        let history = DebtorHistory {
            attempts: vec![lost],
            ..Default::default()
        };
        let soon = plan_with(history.clone(), "2026-11-23T08:31:00Z");
        assert!(soon.calls.is_empty(), "{soon:#?}");
        let w = &soon.waiting[0];
        assert_eq!(w.action.as_deref(), Some("call"));
        assert!(
            w.until.is_some_and(|u| u >= at("2026-11-23T10:30:00Z")),
            "held two hours from recovery, not from dialling: {w:?}"
        );
        // The next day the debtor is dialled again, on the next phone.
        let next_day = plan_with(history, "2026-11-24T07:00:00Z");
        assert_eq!(next_day.calls.len(), 1, "{next_day:#?}");
        assert_eq!(next_day.calls[0].phone_id, Some(72));
    }

    #[test]
    fn a_lost_call_alone_is_held_by_the_retry_interval() {
        // With compliance limits that never bind, the hold itself shows: retry_backoff until recovery + 2 h.
        let mut lost = entry(
            Channel::Call,
            "2026-11-23T07:00:00Z",
            AttemptState::Unknown,
            Some(AttemptOutcome::Unknown),
        );
        lost.finished_at = Some(at("2026-11-23T08:30:00Z"));
        let history = DebtorHistory {
            attempts: vec![lost],
            ..Default::default()
        };
        let mut profile = Profile::ru_230fz();
        profile.call_limits.clear();
        let run = |now: &str| {
            plan(
                &strategy(),
                Policy::new(profile.clone(), Settings::default()),
                &[debtor()],
                &HashMap::from([(7, history.clone())]),
                &HashMap::new(),
                at(now),
            )
        };
        let held = run("2026-11-23T10:29:00Z");
        assert!(held.calls.is_empty());
        assert_eq!(held.waiting[0].reason, "retry_backoff", "{held:#?}");
        assert_eq!(held.waiting[0].until, Some(at("2026-11-23T10:30:00Z")));
        assert!(held.waiting[0].detail.contains("crash"), "{held:#?}");
        let after = run("2026-11-23T10:30:00Z");
        assert_eq!(after.calls.len(), 1, "{after:#?}");
        assert_eq!(after.calls[0].phone_id, Some(72), "the next phone");
    }

    #[test]
    fn attempts_of_another_segment_do_not_finish_this_step() {
        // Reached on day 8 in segment `all`; then the promise broke: segment `broken` starts its own step.
        let reached = entry(
            Channel::Call,
            "2026-11-23T07:00:00Z",
            AttemptState::Done,
            Some(AttemptOutcome::Call(Disposition::PromiseToPay)),
        );
        let mut promise = pending_promise(3, "2026-11-23T07:05:00Z", (2026, 11, 25));
        promise.status = PromiseStatus::Broken;
        let history = DebtorHistory {
            attempts: vec![reached],
            promises: vec![promise],
            ..Default::default()
        };
        let p = plan_with(history, "2026-11-27T08:00:00Z");
        assert_eq!(p.messages.len(), 1, "{p:#?}");
        assert_eq!(
            (p.messages[0].segment.as_str(), p.messages[0].what.as_str()),
            ("broken", "firm")
        );
    }

    #[test]
    fn a_pending_promise_is_confirmed_once() {
        let promise = pending_promise(3, "2026-11-23T07:05:00Z", (2026, 11, 25));
        let reached = entry(
            Channel::Call,
            "2026-11-23T07:00:00Z",
            AttemptState::Done,
            Some(AttemptOutcome::Call(Disposition::PromiseToPay)),
        );
        let history = DebtorHistory {
            attempts: vec![reached.clone()],
            promises: vec![promise.clone()],
            ..Default::default()
        };
        let p = plan_with(history, "2026-11-23T07:10:00Z");
        assert_eq!(p.messages.len(), 1, "{p:#?}");
        let line = &p.messages[0];
        assert_eq!(
            (
                line.action.as_str(),
                line.what.as_str(),
                line.step.as_str(),
                line.promise_id,
                line.phone_id
            ),
            ("sms", "thanks", CONFIRMATION_STEP, Some(3), Some(71))
        );

        // Once sent (or while in flight, or lost), never again; after a failed send, again after the backoff.
        for (state, outcome, again) in [
            (AttemptState::Done, Some(AttemptOutcome::Sent), false),
            (AttemptState::Dialing, None, false),
            (AttemptState::Unknown, Some(AttemptOutcome::Unknown), false),
            (AttemptState::Done, Some(AttemptOutcome::NotSent), true),
        ] {
            let mut sent = entry(Channel::Sms, "2026-11-23T07:10:00Z", state, outcome);
            sent.step = CONFIRMATION_STEP.into();
            sent.promise_id = Some(3);
            let history = DebtorHistory {
                attempts: vec![reached.clone(), sent],
                promises: vec![promise.clone()],
                ..Default::default()
            };
            let later = plan_with(history, "2026-11-23T10:00:00Z");
            let confirmations = later
                .messages
                .iter()
                .filter(|m| m.promise_id.is_some())
                .count();
            assert_eq!(confirmations, usize::from(again), "{state:?} {later:#?}");
        }
    }

    #[test]
    fn a_confirmation_beyond_the_message_limit_waits_and_says_why() {
        // Two SMS today already: 230-FZ allows two a day.
        let mut attempts = vec![entry(
            Channel::Call,
            "2026-11-23T07:00:00Z",
            AttemptState::Done,
            Some(AttemptOutcome::Call(Disposition::PromiseToPay)),
        )];
        for when in ["2026-11-23T06:00:00Z", "2026-11-23T06:30:00Z"] {
            attempts.push(entry(
                Channel::Sms,
                when,
                AttemptState::Done,
                Some(AttemptOutcome::Sent),
            ));
        }
        let history = DebtorHistory {
            attempts,
            promises: vec![pending_promise(3, "2026-11-23T07:05:00Z", (2026, 11, 25))],
            ..Default::default()
        };
        let p = plan_with(history, "2026-11-23T07:10:00Z");
        assert!(p.messages.is_empty(), "{p:#?}");
        let w = p
            .waiting
            .iter()
            .find(|w| w.action.as_deref() == Some("sms"))
            .expect("the confirmation waits");
        assert!(w.reason.starts_with("compliance:limit"), "{w:?}");
        assert!(w.detail.starts_with(CONFIRMATION_STEP), "{w:?}");
        assert!(
            w.until.is_some_and(|u| u >= at("2026-11-23T21:00:00Z")),
            "tomorrow in Moscow: {w:?}"
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

    /// One call at 10:00 Moscow time on 23 November (day 8: the call step), placed by us or by the debtor.
    fn call_at_ten(direction: Direction, d: Disposition) -> AttemptEntry {
        let mut a = entry(
            Channel::Call,
            "2026-11-23T07:00:00Z",
            AttemptState::Done,
            Some(AttemptOutcome::Call(d)),
        );
        a.direction = direction;
        a.right_party = d.is_right_party();
        if direction == Direction::Inbound {
            a.segment = "inbound".into();
            a.step = "inbound".into();
        }
        a
    }

    /// The plan at 12:00 Moscow time on 23 November after `attempts`.
    fn plan_after(attempts: Vec<AttemptEntry>) -> CampaignPlan {
        plan_with(
            DebtorHistory {
                attempts,
                ..Default::default()
            },
            "2026-11-23T09:00:00Z",
        )
    }

    #[test]
    fn a_debtors_own_call_never_uses_up_the_outbound_limits() {
        // 230-FZ allows one interaction a day. The debtor called us this morning and hung up: they may still be
        // called today.
        let own = call_at_ten(Direction::Inbound, Disposition::HungUp);
        let p = plan_after(vec![own.clone()]);
        assert_eq!(p.calls.len(), 1, "{p:#?}");
        // The same conversation started by us uses the day's interaction (and reaches the step).
        let p = plan_after(vec![call_at_ten(Direction::Outbound, Disposition::HungUp)]);
        assert!(p.calls.is_empty(), "{p:#?}");
        // Three calls of their own use neither the step's daily cap (three) nor its attempts.
        let p = plan_after(vec![own.clone(), own.clone(), own.clone()]);
        assert_eq!(p.calls.len(), 1, "{p:#?}");

        let contacts = contacts(&DebtorHistory {
            attempts: vec![own],
            ..Default::default()
        });
        assert_eq!(contacts[0].direction, Direction::Inbound);
        let policy = Policy::new(Profile::ru_230fz(), Settings::default());
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
        let p = plan_after(vec![call_at_ten(
            Direction::Inbound,
            Disposition::PromiseToPay,
        )]);
        assert!(p.calls.is_empty(), "{p:#?}");
        assert!(
            p.waiting.iter().any(|w| w.reason == "step_done"),
            "{:#?}",
            p.waiting
        );
        // Someone else calling from the debtor's phone does not.
        let p = plan_after(vec![call_at_ten(
            Direction::Inbound,
            Disposition::WrongPerson,
        )]);
        assert_eq!(p.calls.len(), 1, "{p:#?}");
    }
}
