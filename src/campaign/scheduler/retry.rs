//! The retry policy: after an unanswered call try again later, a few times a day, rotating phones; after an
//! attempt a crash lost, hold the debtor a full interval from the moment of recovery.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::RetryState;
use crate::campaign::compliance::local_time::local_date;

/// How unanswered attempts are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait at least this long after an attempt before the next one.
    pub retry_after: Duration,
    /// Wait this long after a busy or rejected call.
    pub retry_after_busy: Duration,
    /// At most this many attempts per debtor-local day.
    pub max_attempts_per_day: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retry_after: Duration::hours(2),
            retry_after_busy: Duration::minutes(30),
            max_attempts_per_day: 3,
        }
    }
}

/// What an attempt means for the retry policy (see [`super::attempt::AttemptFacts::result`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// Answered / delivered: the step is done (the caller advances the ladder).
    Reached,
    /// No answer, voicemail, failed, or still in flight: retry on the next phone.
    NotReached,
    /// Busy or rejected: retry on the next phone after the busy interval.
    Busy,
    /// A crash lost the result: it counts, the phone rotates, and the debtor is held for a full retry interval
    /// from `recovered_at`.
    Lost {
        /// When recovery settled the attempt.
        recovered_at: DateTime<Utc>,
    },
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
            _ if phone_count > 0 => (state.next_phone + 1) % phone_count,
            _ => 0,
        };
        let next_retry_at = match result {
            AttemptResult::Reached | AttemptResult::NotReached => at + self.retry_after,
            AttemptResult::Busy => at + self.retry_after_busy,
            AttemptResult::Lost { recovered_at } => {
                let hold = recovered_at.max(at) + self.retry_after;
                // A later attempt's own hold never shortens one already running.
                state.next_retry_at.map_or(hold, |t| t.max(hold))
            }
        };
        RetryState {
            local_day: Some(day),
            attempts_today,
            next_retry_at: Some(next_retry_at),
            next_phone,
        }
    }

    /// The state after `attempts` (start time and result, oldest first), from a fresh state.
    pub fn replay(
        &self,
        attempts: impl IntoIterator<Item = (DateTime<Utc>, AttemptResult)>,
        tz: Tz,
        phone_count: usize,
    ) -> RetryState {
        attempts
            .into_iter()
            .fold(RetryState::default(), |state, (at, result)| {
                self.after_attempt(&state, tz, at, phone_count, result)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::NaiveDate;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn each_result_sets_the_hold_and_the_phone() {
        let p = RetryPolicy::default();
        let tz = Tz::Europe__Moscow;
        let t = at("2026-11-23T09:00:00Z");
        let recovered = at("2026-11-23T10:30:00Z");
        // (result, next retry, next phone) after one attempt from phone 0 of 3.
        let table = [
            (AttemptResult::Reached, t + Duration::hours(2), 0),
            (AttemptResult::NotReached, t + Duration::hours(2), 1),
            (AttemptResult::Busy, t + Duration::minutes(30), 1),
            (
                AttemptResult::Lost {
                    recovered_at: recovered,
                },
                recovered + Duration::hours(2),
                1,
            ),
            // Recovery can only hold from the attempt onward.
            (
                AttemptResult::Lost {
                    recovered_at: t - Duration::hours(1),
                },
                t + Duration::hours(2),
                1,
            ),
        ];
        for (result, next_retry, phone) in table {
            let s = p.after_attempt(&RetryState::default(), tz, t, 3, result);
            assert_eq!(
                (s.next_retry_at, s.next_phone, s.attempts_today),
                (Some(next_retry), phone, 1),
                "{result:?}"
            );
            assert_eq!(s.local_day, NaiveDate::from_ymd_opt(2026, 11, 23));
        }
    }

    #[test]
    fn replay_counts_the_day_and_rotates_phones() {
        let p = RetryPolicy::default();
        let tz = Tz::Europe__Moscow;
        let s = p.replay(
            [
                (at("2026-11-22T09:00:00Z"), AttemptResult::NotReached),
                (at("2026-11-23T07:00:00Z"), AttemptResult::Busy),
                (
                    at("2026-11-23T08:00:00Z"),
                    AttemptResult::Lost {
                        recovered_at: at("2026-11-23T09:00:00Z"),
                    },
                ),
            ],
            tz,
            2,
        );
        assert_eq!(s.attempts_today, 2);
        assert_eq!(s.next_phone, 1);
        assert_eq!(s.next_retry_at, Some(at("2026-11-23T11:00:00Z")));
        assert_eq!(p.attempts_today(&s, tz, at("2026-11-24T07:00:00Z")), 0);
        assert_eq!(p.replay([], tz, 2), RetryState::default());
    }
}
