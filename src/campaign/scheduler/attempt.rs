//! The one rule for a written attempt: its state and outcome as types, what it counts as for compliance, what it
//! means for retries and for the ladder step, and what an attempt whose result a crash lost becomes.
//!
//! The store only applies this rule (it writes [`LOST`] on recovery and stores the moment), the planner and the
//! simulation read attempts through it, and [`super::RetryPolicy::after_attempt`] turns [`AttemptResult`]s into
//! the retry state. The stricter reading wins everywhere: an attempt in flight or lost counts as a conversation,
//! uses one of the day's attempts, rotates to the next phone, and a lost one holds the debtor for a full retry
//! interval from the moment of recovery. A contact the debtor started (an inbound call) never counts towards the
//! outbound limits and never uses a step's attempts, daily cap or retries; it reaches the step when the debtor
//! talked as themselves.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Serialize, Serializer};

use super::retry::AttemptResult;
use crate::campaign::channel::{Channel, Direction};
use crate::campaign::compliance::{Contact, ContactKind};
use crate::domain::Disposition;

/// Where an attempt stands; the snake_case names are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptState {
    /// Written just before dialling or sending; the result is not in yet.
    Dialing,
    /// Finished with a known outcome.
    Done,
    /// Left in flight by a crash and resolved on recovery: what happened is unknown.
    Unknown,
}

impl AttemptState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Dialing => "dialing",
            AttemptState::Done => "done",
            AttemptState::Unknown => "unknown",
        }
    }

    /// The state a stored name stands for.
    pub fn parse(s: &str) -> Option<Self> {
        [
            AttemptState::Dialing,
            AttemptState::Done,
            AttemptState::Unknown,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptOutcome {
    /// A call ended with this disposition.
    Call(Disposition),
    /// The gateway accepted the message.
    Sent,
    /// The message could not be sent (stored as `failed`).
    NotSent,
    /// A crash lost the result.
    Unknown,
}

impl AttemptOutcome {
    /// The stored name: the disposition for calls, `sent`, `failed` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Call(d) => d.as_str(),
            AttemptOutcome::Sent => "sent",
            AttemptOutcome::NotSent => "failed",
            AttemptOutcome::Unknown => "unknown",
        }
    }

    /// The outcome a stored name stands for on `channel` (`failed` is a disposition for calls, a failed send for
    /// messages).
    pub fn parse(channel: Channel, s: &str) -> Option<Self> {
        match (channel, s) {
            (_, "unknown") => Some(AttemptOutcome::Unknown),
            (Channel::Call, _) => s.parse().ok().map(AttemptOutcome::Call),
            (_, "sent") => Some(AttemptOutcome::Sent),
            (_, "failed") => Some(AttemptOutcome::NotSent),
            _ => None,
        }
    }

    /// The disposition of a finished call.
    pub fn disposition(self) -> Option<Disposition> {
        match self {
            AttemptOutcome::Call(d) => Some(d),
            _ => None,
        }
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for AttemptOutcome {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// What recovery writes for an attempt a crash left in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// The state it moves to.
    pub state: AttemptState,
    /// The outcome stored.
    pub outcome: AttemptOutcome,
    /// Whether it counts as a conversation (an interaction under 230-FZ).
    pub conversation: bool,
}

/// The settlement of a lost attempt: `unknown`, counted as a conversation. The recovery moment is stored with it
/// (as the attempt's finish time): the debtor's hold runs from there.
pub const LOST: Settlement = Settlement {
    state: AttemptState::Unknown,
    outcome: AttemptOutcome::Unknown,
    conversation: true,
};

/// The states recovery settles: attempts still in flight.
pub const SETTLED_FROM: AttemptState = AttemptState::Dialing;

/// The states a call's real result may still be stored over (in flight, or lost and recovered meanwhile).
pub const FINISHABLE: [AttemptState; 2] = [AttemptState::Dialing, AttemptState::Unknown];

/// An attempt as the rule reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptFacts {
    /// The channel.
    pub channel: Channel,
    /// Whether we started it (dialled or sent) or the debtor called us.
    pub direction: Direction,
    /// When it was written (just before dialling or sending).
    pub at: DateTime<Utc>,
    /// Where it stands.
    pub state: AttemptState,
    /// How it ended, once known.
    pub outcome: Option<AttemptOutcome>,
    /// When it finished; for a lost attempt, the moment of recovery.
    pub finished_at: Option<DateTime<Utc>>,
}

impl AttemptFacts {
    /// How compliance counts it: a call in flight or lost, an answered call and a message sent (or being sent)
    /// are interactions; an unanswered call and a failed send are attempts.
    pub fn contact_kind(&self) -> ContactKind {
        let reached = match (self.state, self.outcome) {
            (AttemptState::Dialing | AttemptState::Unknown, _) => true,
            (AttemptState::Done, Some(AttemptOutcome::Call(d))) => d.is_conversation(),
            (AttemptState::Done, Some(AttemptOutcome::NotSent) | None) => false,
            (AttemptState::Done, Some(AttemptOutcome::Sent | AttemptOutcome::Unknown)) => true,
        };
        if reached {
            ContactKind::Conversation
        } else {
            ContactKind::Attempt
        }
    }

    /// The contact compliance sees: its kind and direction (the policy counts only outbound contacts towards the
    /// limits) and the stored outcome.
    pub fn contact(&self) -> Contact {
        Contact {
            at: self.at,
            channel: self.channel,
            kind: self.contact_kind(),
            direction: self.direction,
            outcome: self.outcome.map(|o| o.as_str().to_string()),
        }
    }

    /// We started it: only such attempts use a step's attempts, its daily cap and its retries.
    pub fn dialled(&self) -> bool {
        self.direction == Direction::Outbound
    }

    /// Whether it reaches the ladder step it belongs to: an attempt we made that reached the debtor (see
    /// [`AttemptFacts::result`]), or a call the debtor placed in which they talked as themselves (someone else
    /// calling from their phone does not).
    pub fn reaches_step(&self) -> bool {
        match self.direction {
            Direction::Outbound => self.result() == AttemptResult::Reached,
            Direction::Inbound => {
                self.state == AttemptState::Done
                    && self
                        .outcome
                        .and_then(AttemptOutcome::disposition)
                        .is_some_and(Disposition::is_right_party)
            }
        }
    }

    /// What it means for the retry policy (which replays only [`AttemptFacts::dialled`] ones): a call someone answered or a message sent reached the debtor; a lost
    /// attempt holds the debtor from its recovery; in flight, unanswered and failed ones did not reach anyone.
    pub fn result(&self) -> AttemptResult {
        match (self.state, self.outcome) {
            (AttemptState::Unknown, _) | (_, Some(AttemptOutcome::Unknown)) => {
                AttemptResult::Lost {
                    recovered_at: self.finished_at.unwrap_or(self.at),
                }
            }
            (AttemptState::Dialing, _) | (AttemptState::Done, None) => AttemptResult::NotReached,
            (AttemptState::Done, Some(AttemptOutcome::Call(d))) if d.is_conversation() => {
                AttemptResult::Reached
            }
            (AttemptState::Done, Some(AttemptOutcome::Call(d))) if d.is_line_busy() => {
                AttemptResult::Busy
            }
            (AttemptState::Done, Some(AttemptOutcome::Call(_) | AttemptOutcome::NotSent)) => {
                AttemptResult::NotReached
            }
            (AttemptState::Done, Some(AttemptOutcome::Sent)) => AttemptResult::Reached,
        }
    }

    /// A message the gateway did not take: the only attempt a message step (or a confirmation) sends again.
    pub fn failed_send(&self) -> bool {
        self.state == AttemptState::Done
            && matches!(self.outcome, Some(AttemptOutcome::NotSent) | None)
    }

    /// The call is in flight (written, no result yet).
    pub fn in_flight(&self) -> bool {
        self.state == AttemptState::Dialing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::Duration;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn stored_names_round_trip() {
        for s in [
            AttemptState::Dialing,
            AttemptState::Done,
            AttemptState::Unknown,
        ] {
            assert_eq!(AttemptState::parse(s.as_str()), Some(s));
        }
        assert_eq!(AttemptState::parse("ringing"), None);
        for d in Disposition::ALL {
            let o = AttemptOutcome::Call(d);
            assert_eq!(AttemptOutcome::parse(Channel::Call, o.as_str()), Some(o));
        }
        for o in [
            AttemptOutcome::Sent,
            AttemptOutcome::NotSent,
            AttemptOutcome::Unknown,
        ] {
            assert_eq!(AttemptOutcome::parse(Channel::Sms, o.as_str()), Some(o));
            assert_eq!(AttemptOutcome::parse(Channel::Email, o.as_str()), Some(o));
        }
        assert_eq!(
            AttemptOutcome::parse(Channel::Call, "failed"),
            Some(AttemptOutcome::Call(Disposition::Failed))
        );
        assert_eq!(AttemptOutcome::parse(Channel::Sms, "no_answer"), None);
        assert_eq!(AttemptOutcome::parse(Channel::Call, "sent"), None);
    }

    #[test]
    fn the_rule_table() {
        use AttemptOutcome as O;
        use AttemptResult as R;
        use AttemptState as S;
        use ContactKind::{Attempt, Conversation};
        let written = at("2026-11-23T09:00:00Z");
        let recovered = written + Duration::minutes(90);
        let d = |x| Some(O::Call(x));
        // (channel, state, outcome, finished_at) → (compliance counts it as, the retry policy reads it as)
        let table = [
            (
                Channel::Call,
                S::Dialing,
                None,
                None,
                Conversation,
                R::NotReached,
            ),
            (
                Channel::Call,
                S::Unknown,
                Some(O::Unknown),
                Some(recovered),
                Conversation,
                R::Lost {
                    recovered_at: recovered,
                },
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::NoAnswer),
                None,
                Attempt,
                R::NotReached,
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::Voicemail),
                None,
                Attempt,
                R::NotReached,
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::Busy),
                None,
                Attempt,
                R::Busy,
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::Rejected),
                None,
                Attempt,
                R::Busy,
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::Failed),
                None,
                Attempt,
                R::NotReached,
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::PromiseToPay),
                None,
                Conversation,
                R::Reached,
            ),
            (
                Channel::Call,
                S::Done,
                d(Disposition::WrongPerson),
                None,
                Conversation,
                R::Reached,
            ),
            (
                Channel::Sms,
                S::Dialing,
                None,
                None,
                Conversation,
                R::NotReached,
            ),
            (
                Channel::Sms,
                S::Done,
                Some(O::Sent),
                None,
                Conversation,
                R::Reached,
            ),
            (
                Channel::Sms,
                S::Done,
                Some(O::NotSent),
                None,
                Attempt,
                R::NotReached,
            ),
            (
                Channel::Email,
                S::Done,
                Some(O::Sent),
                None,
                Conversation,
                R::Reached,
            ),
            (
                Channel::Email,
                S::Unknown,
                Some(O::Unknown),
                None,
                Conversation,
                R::Lost {
                    recovered_at: written,
                },
            ),
        ];
        for (channel, state, outcome, finished_at, kind, result) in table {
            let a = AttemptFacts {
                channel,
                direction: Direction::Outbound,
                at: written,
                state,
                outcome,
                finished_at,
            };
            assert_eq!(
                (a.contact_kind(), a.result()),
                (kind, result),
                "{channel} {state:?} {outcome:?}"
            );
        }
    }

    #[test]
    fn a_lost_attempt_read_back_is_a_conversation_held_from_recovery() {
        let written = at("2026-11-23T09:00:00Z");
        let recovered = at("2026-11-23T09:40:00Z");
        let stored = AttemptFacts {
            channel: Channel::Call,
            direction: Direction::Outbound,
            at: written,
            state: LOST.state,
            outcome: Some(LOST.outcome),
            finished_at: Some(recovered),
        };
        assert_eq!(stored.contact_kind(), ContactKind::Conversation);
        assert_eq!(
            stored.result(),
            AttemptResult::Lost {
                recovered_at: recovered
            }
        );
        assert!(!stored.in_flight() && !stored.failed_send());
        assert!(FINISHABLE.contains(&SETTLED_FROM) && FINISHABLE.contains(&LOST.state));
    }

    #[test]
    fn a_debtors_own_call_is_shown_never_dialled_and_reaches_the_step_when_they_talked() {
        let written = at("2026-11-23T09:00:00Z");
        let call = |direction, d| AttemptFacts {
            channel: Channel::Call,
            direction,
            at: written,
            state: AttemptState::Done,
            outcome: Some(AttemptOutcome::Call(d)),
            finished_at: None,
        };
        let promise = call(Direction::Inbound, Disposition::PromiseToPay);
        assert!(!promise.dialled() && promise.reaches_step());
        assert_eq!(promise.contact().direction, Direction::Inbound);
        assert_eq!(promise.contact().kind, ContactKind::Conversation);
        // Someone else calling from the debtor's phone, or a caller who hung up, does not reach the step; the
        // same calls placed by us do (an answered call).
        for d in [Disposition::WrongPerson, Disposition::HungUp] {
            assert!(!call(Direction::Inbound, d).reaches_step(), "{d}");
            assert!(call(Direction::Outbound, d).reaches_step(), "{d}");
        }
        let in_flight = AttemptFacts {
            state: AttemptState::Dialing,
            outcome: None,
            ..promise
        };
        assert!(!in_flight.reaches_step() && in_flight.in_flight());
        assert!(call(Direction::Outbound, Disposition::NoAnswer).dialled());
    }
}
