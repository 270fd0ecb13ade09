//! Call dispositions and what each means for the campaign: was the debtor reached, did a conversation happen.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Every disposition a call can end with (names are a contract shared with the dialogue and telephony).
pub const DISPOSITIONS: &[&str] = &[
    "promise_to_pay",
    "already_paid",
    "refused",
    "stop_calls",
    "wrong_person",
    "dispute",
    "callback",
    "handoff",
    "complaint",
    "no_answer",
    "busy",
    "rejected",
    "voicemail",
    "hung_up",
    "failed",
];

/// The debtor personally was on the line.
pub fn is_right_party(disposition: &str) -> bool {
    matches!(
        disposition,
        "promise_to_pay"
            | "already_paid"
            | "refused"
            | "stop_calls"
            | "dispute"
            | "callback"
            | "handoff"
            | "complaint"
    )
}

/// A person answered and talked (an "interaction" under 230-FZ), whoever it was.
pub fn is_conversation(disposition: &str) -> bool {
    is_right_party(disposition) || matches!(disposition, "wrong_person" | "hung_up")
}

/// Nobody was reached: the step's retry policy applies.
pub fn is_unanswered(disposition: &str) -> bool {
    matches!(
        disposition,
        "no_answer" | "busy" | "rejected" | "voicemail" | "failed"
    )
}

/// One event of a conversation (utterance, recognised intent, prompt played, node entered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationEvent {
    /// When.
    pub at: DateTime<Utc>,
    /// `robot`, `debtor` or `system`.
    pub speaker: String,
    /// `utterance`, `intent`, `prompt`, `node`…
    pub kind: String,
    /// The text or value.
    pub text: String,
}

/// Everything a finished call reports back to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOutcome {
    /// One of [`DISPOSITIONS`].
    pub disposition: String,
    /// When dialling began.
    pub started_at: DateTime<Utc>,
    /// When the call was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// The promised date and amount (minor units; none = the whole amount due) for `promise_to_pay`.
    pub promise: Option<(NaiveDate, Option<i64>)>,
    /// Why the robot handed over, for `handoff`.
    pub handoff_reason: Option<String>,
    /// Where the recording is kept.
    pub recording_path: Option<String>,
    /// What was said, in order.
    pub events: Vec<ConversationEvent>,
}
