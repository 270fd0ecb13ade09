//! Crash recovery: attempts written before dialling whose result is unknown.
//!
//! Such an attempt may have rung, or even been answered. It is resolved by the rule of [`super::attempt`]: it
//! counts as a conversation for compliance (the stricter assumption), it uses one of the day's attempts, the
//! phone rotates, and the debtor is held for a full retry interval from the moment of recovery, so nobody is
//! redialled right after a restart.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::attempt::{AttemptFacts, AttemptState, LOST};
use super::retry::RetryPolicy;
use super::{DebtorId, RetryState};
use crate::campaign::channel::Direction;
use crate::campaign::compliance::{Channel, Contact};

/// An attempt written before dialling whose result was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAttempt {
    /// The debtor.
    pub debtor: DebtorId,
    /// The channel it used.
    pub channel: Channel,
    /// When it was written (just before dialling or sending).
    pub written_at: DateTime<Utc>,
    /// The debtor's time zone.
    pub time_zone: Tz,
    /// How many phones the debtor has.
    pub phone_count: usize,
    /// The debtor's retry state before the attempt.
    pub retry: RetryState,
}

/// How to settle one unknown attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The debtor.
    pub debtor: DebtorId,
    /// The contact to add to the history (a conversation with outcome `unknown`).
    pub contact: Contact,
    /// The retry state to store.
    pub retry: RetryState,
}

/// Resolves attempts whose result a crash lost, at recovery time `now`.
///
/// Several unknown attempts of one debtor are applied in the order they were written.
pub fn resolve_unknown_attempts(
    attempts: &[UnknownAttempt],
    retry: &RetryPolicy,
    now: DateTime<Utc>,
) -> Vec<Resolution> {
    let mut sorted: Vec<&UnknownAttempt> = attempts.iter().collect();
    sorted.sort_by_key(|a| (a.debtor, a.written_at));
    let mut out: Vec<Resolution> = Vec::with_capacity(sorted.len());
    for a in sorted {
        let before = match out.last() {
            Some(prev) if prev.debtor == a.debtor => prev.retry.clone(),
            _ => a.retry.clone(),
        };
        let settled = AttemptFacts {
            channel: a.channel,
            direction: Direction::Outbound,
            at: a.written_at,
            state: AttemptState::Unknown,
            outcome: Some(LOST.outcome),
            finished_at: Some(now),
        };
        let state = retry.after_attempt(
            &before,
            a.time_zone,
            a.written_at,
            a.phone_count,
            settled.result(),
        );
        out.push(Resolution {
            debtor: a.debtor,
            contact: settled.contact(),
            retry: state,
        });
    }
    out
}
