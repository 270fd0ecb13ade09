//! The retry policy: after an unanswered call try again later, a few times a day, rotating phones.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::RetryState;
use crate::campaign::compliance::local_time::local_date;

/// How unanswered attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait at least this long after an attempt before the next one.
    pub retry_after: Duration,
    /// At most this many attempts per debtor-local day.
    pub max_attempts_per_day: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retry_after: Duration::hours(2),
            max_attempts_per_day: 3,
        }
    }
}

/// Whether an attempt reached the debtor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// Answered / delivered: the step is done (the caller advances the ladder).
    Reached,
    /// No answer, busy, rejected, failed, or unknown: retry on the next phone.
    NotReached,
}

impl RetryPolicy {
    /// Attempts already made on the debtor-local day of `now`.
    pub fn attempts_today(&self, state: &RetryState, tz: Tz, now: DateTime<Utc>) -> u32 {
        if state.local_day == Some(local_date(tz, now)) {
            state.attempts_today
        } else {
            0
        }
    }

    /// The state after an attempt started at `at` with `result`, for a debtor with `phone_count` phones.
    pub fn after_attempt(
        &self,
        state: &RetryState,
        tz: Tz,
        at: DateTime<Utc>,
        phone_count: usize,
        result: AttemptResult,
    ) -> RetryState {
        let day = local_date(tz, at);
        let attempts_today = if state.local_day == Some(day) {
            state.attempts_today + 1
        } else {
            1
        };
        let next_phone = match result {
            AttemptResult::Reached => state.next_phone,
            AttemptResult::NotReached if phone_count > 0 => (state.next_phone + 1) % phone_count,
            AttemptResult::NotReached => 0,
        };
        RetryState {
            local_day: Some(day),
            attempts_today,
            next_retry_at: Some(at + self.retry_after),
            next_phone,
        }
    }
}
