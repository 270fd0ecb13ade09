//! One scheduling tick: who is dialled or messaged now, and why everyone else waits.

use chrono::{DateTime, Duration, Utc};

use super::retry::RetryPolicy;
use super::{
    DebtorId, Limits, Load, Plan, PlannedAction, StepAction, WaitReason, Waiting, WorkItem,
};
use crate::campaign::compliance::local_time::{local_date, start_of_day, utc_label};
use crate::campaign::compliance::{Policy, Rule};

/// The scheduler: a compliance policy, a retry policy and throughput limits.
#[derive(Debug, Clone)]
pub struct Scheduler {
    policy: Policy,
    retry: RetryPolicy,
    limits: Limits,
    describe: bool,
}

/// What to do with one work item before throughput limits are applied.
enum Assessment {
    Act(PlannedAction, DateTime<Utc>),
    Wait(Waiting),
}

impl Scheduler {
    /// A scheduler applying `policy`, retrying by `retry` and dialling within `limits`.
    pub fn new(policy: Policy, retry: RetryPolicy, limits: Limits) -> Self {
        Scheduler {
            policy,
            retry,
            limits,
            describe: true,
        }
    }

    /// Whether plans carry human-readable reasons (on by default). A dialler loop that only needs
    /// the structured [`WaitReason`] and `until` turns them off to plan faster.
    pub fn with_descriptions(mut self, on: bool) -> Self {
        self.describe = on;
        self
    }

    /// The compliance policy in use.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The retry policy in use.
    pub fn retry(&self) -> &RetryPolicy {
        &self.retry
    }

    /// The throughput limits in use.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Plans one tick at `now`: actions to take (calls ordered by how long they have been due, then
    /// debtor id) and, for every other item, why it waits and until when. Deterministic in its inputs.
    pub fn plan(&self, items: &[WorkItem], load: Load, now: DateTime<Utc>) -> Plan {
        let mut calls: Vec<(DateTime<Utc>, DebtorId, PlannedAction)> = Vec::new();
        let mut messages: Vec<(DateTime<Utc>, DebtorId, PlannedAction)> = Vec::new();
        let mut waiting = Vec::new();
        for item in items {
            match self.assess(item, now) {
                Assessment::Act(action, due) => {
                    if matches!(action.action, StepAction::Call { .. }) {
                        calls.push((due, item.debtor, action));
                    } else {
                        messages.push((due, item.debtor, action));
                    }
                }
                Assessment::Wait(w) => waiting.push(w),
            }
        }
        calls.sort_by_key(|(due, debtor, _)| (*due, *debtor));
        messages.sort_by_key(|(due, debtor, _)| (*due, *debtor));

        let free_slots = self
            .limits
            .max_concurrent_calls
            .saturating_sub(load.calls_in_flight) as usize;
        let free_cps = self
            .limits
            .calls_per_second
            .saturating_sub(load.calls_started_last_second) as usize;
        let capacity = free_slots.min(free_cps);
        let mut actions: Vec<PlannedAction> = Vec::with_capacity(capacity + messages.len());
        let (slot_reason, slot_until, slot_detail) = if free_slots <= free_cps {
            (
                WaitReason::Concurrency,
                None,
                format!(
                    "all {} concurrent call slots are busy ({} in flight, {} dialled this tick)",
                    self.limits.max_concurrent_calls, load.calls_in_flight, capacity
                ),
            )
        } else {
            (
                WaitReason::CallsPerSecond,
                Some(now + Duration::seconds(1)),
                format!(
                    "calls-per-second limit {} used up ({} started in the last second, {} this tick)",
                    self.limits.calls_per_second, load.calls_started_last_second, capacity
                ),
            )
        };
        for (i, (_, debtor, action)) in calls.into_iter().enumerate() {
            if i < capacity {
                actions.push(action);
            } else {
                waiting.push(Waiting {
                    debtor,
                    reason: slot_reason,
                    detail: if self.describe {
                        slot_detail.clone()
                    } else {
                        String::new()
                    },
                    until: slot_until,
                });
            }
        }
        actions.extend(messages.into_iter().map(|(_, _, a)| a));
        Plan { actions, waiting }
    }

    fn assess(&self, item: &WorkItem, now: DateTime<Utc>) -> Assessment {
        let describe = self.describe;
        let wait = |reason, detail: String, until| {
            Assessment::Wait(Waiting {
                debtor: item.debtor,
                reason,
                detail,
                until,
            })
        };
        let text = |make: &dyn Fn() -> String| if describe { make() } else { String::new() };
        if item.in_flight {
            return wait(
                WaitReason::InFlight,
                "a call to the debtor is in flight".to_string(),
                None,
            );
        }
        let Some(step) = &item.step else {
            return wait(WaitReason::NothingDue, "no step is due".to_string(), None);
        };
        let channel = step.action.channel();
        let needs_phone = !matches!(step.action, StepAction::Email { .. });
        if needs_phone && item.phones.is_empty() {
            return wait(
                WaitReason::NoPhone,
                "the debtor has no phone number".to_string(),
                None,
            );
        }
        let tz = item.facts.time_zone;
        let decision = self
            .policy
            .evaluate(&item.facts, &item.history, channel, now, describe);
        let Some(compliance_next) = decision.next_allowed_at else {
            return wait(
                WaitReason::Compliance(decision.blocked_by.first().copied().unwrap_or(Rule::Flag)),
                decision.reason,
                None,
            );
        };

        // Timing of the ladder and the retry policy.
        let mut earliest = now;
        let mut timing: Option<(WaitReason, String)> = None;
        if step.due_at > earliest {
            earliest = step.due_at;
            timing = Some((
                WaitReason::NotDue,
                text(&|| format!("step due at {}", utc_label(step.due_at))),
            ));
        }
        if let Some(retry_at) = item.retry.next_retry_at.filter(|r| *r > earliest) {
            earliest = retry_at;
            timing = Some((
                WaitReason::RetryBackoff,
                text(&|| {
                    format!(
                        "retry backoff of {} min after the last attempt, until {}",
                        self.retry.retry_after.num_minutes(),
                        utc_label(retry_at)
                    )
                }),
            ));
        }
        let made = self.retry.attempts_today(&item.retry, tz, now);
        if made >= self.retry.max_attempts_per_day {
            let tomorrow = start_of_day(tz, local_date(tz, now) + Duration::days(1));
            if tomorrow > earliest {
                earliest = tomorrow;
                timing = Some((
                    WaitReason::DailyAttemptCap,
                    text(&|| {
                        format!(
                            "{made} of {} attempts made today (debtor-local day)",
                            self.retry.max_attempts_per_day
                        )
                    }),
                ));
            }
        }

        match timing {
            None if decision.allowed => {
                let phone_index = needs_phone.then(|| item.retry.next_phone % item.phones.len());
                Assessment::Act(
                    PlannedAction {
                        debtor: item.debtor,
                        action: step.action.clone(),
                        phone_index,
                        reason: decision.reason,
                    },
                    step.due_at,
                )
            }
            None => wait(
                WaitReason::Compliance(decision.blocked_by.first().copied().unwrap_or(Rule::Hours)),
                decision.reason,
                Some(compliance_next),
            ),
            Some((reason, detail)) => {
                let from = earliest.max(compliance_next);
                let until = self
                    .policy
                    .next_allowed_at(&item.facts, &item.history, channel, from);
                if compliance_next > earliest {
                    wait(
                        WaitReason::Compliance(
                            decision.blocked_by.first().copied().unwrap_or(Rule::Hours),
                        ),
                        text(&|| format!("{}; also {detail}", decision.reason)),
                        until,
                    )
                } else {
                    wait(reason, detail, until)
                }
            }
        }
    }
}
