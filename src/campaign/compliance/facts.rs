//! The inputs of a compliance decision: facts about the debtor and the contacts made so far.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::campaign::channel::{Channel, Direction};
use crate::domain::{DebtorFlags, Disposition};

/// Facts about one debtor (one debt) that decide whether and when they may be contacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebtorFacts {
    /// The debtor's IANA time zone; every hour limit is in this local time.
    pub time_zone: Tz,
    /// Circumstances recorded for the debtor (some forbid any contact).
    #[serde(default)]
    pub flags: DebtorFlags,
    /// A formal refusal of interaction is on file: no contact at all.
    #[serde(default)]
    pub refusal_of_interaction: bool,
    /// The debtor asked not to be called: no calls and no voice messages.
    #[serde(default)]
    pub stop_calls: bool,
}

impl DebtorFacts {
    /// Adds what the contact history says (outcomes of contacts, recorded refusals): `stop_calls` stops calls
    /// and voice messages, `formal_refusal` stops every contact. The one place both the campaign planner and
    /// `compliance explain` learn these facts, so both decide alike on the same history.
    pub fn learn_from_history<'a>(mut self, outcomes: impl IntoIterator<Item = &'a str>) -> Self {
        for outcome in outcomes {
            if outcome == FORMAL_REFUSAL {
                self.refusal_of_interaction = true;
            } else if outcome.parse().is_ok_and(Disposition::stops_calls) {
                self.stop_calls = true;
            }
        }
        self
    }
}

/// The refusal kind of a written refusal of interaction under 230-FZ (stops every contact).
pub const FORMAL_REFUSAL: &str = "formal_refusal";

/// Whether a contact reached the debtor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// Tried but did not reach the debtor: no answer, busy, rejected, failed, message not delivered.
    Attempt,
    /// Reached the debtor: an answered call (a conversation) or a delivered message.
    #[serde(alias = "interaction")]
    Conversation,
}

/// One contact made with the debtor (or tried).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// When the contact started (a call's dial time, a message's send time).
    pub at: DateTime<Utc>,
    /// The channel used.
    pub channel: Channel,
    /// Whether it reached the debtor.
    pub kind: ContactKind,
    /// Outbound (we contacted the debtor) or inbound (the debtor called us); only outbound contacts count
    /// towards the limits.
    #[serde(default)]
    pub direction: Direction,
    /// The disposition, e.g. `no_answer`, `promise_to_pay` (informational).
    #[serde(default)]
    pub outcome: Option<String>,
}

impl Contact {
    /// An outbound contact without a recorded outcome.
    pub fn new(at: DateTime<Utc>, channel: Channel, kind: ContactKind) -> Self {
        Contact {
            at,
            channel,
            kind,
            direction: Direction::Outbound,
            outcome: None,
        }
    }
}

/// The contact kind a call disposition or message result implies (`no_answer` → attempt, `promise_to_pay` →
/// conversation, `delivered` → conversation; an attempt lost in a crash, `unknown`, counts as a conversation).
///
/// Returns `None` for an unknown disposition.
pub fn kind_of_outcome(outcome: &str) -> Option<ContactKind> {
    if let Ok(disposition) = outcome.parse::<Disposition>() {
        return Some(if disposition.is_conversation() {
            ContactKind::Conversation
        } else {
            ContactKind::Attempt
        });
    }
    match outcome {
        "not_delivered" => Some(ContactKind::Attempt),
        "delivered" | "unknown" => Some(ContactKind::Conversation),
        _ => None,
    }
}
