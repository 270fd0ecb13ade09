//! What a finished call reports back to the campaign: its [`Disposition`], times, promise and conversation.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Disposition;

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
    /// How the call ended.
    pub disposition: Disposition,
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

impl CallOutcome {
    /// A call that never reached a conversation (not answered, failed, lost): its disposition and times only.
    pub fn without_conversation(
        disposition: Disposition,
        started_at: DateTime<Utc>,
        ended_at: DateTime<Utc>,
    ) -> Self {
        Self {
            disposition,
            started_at,
            answered_at: None,
            ended_at,
            promise: None,
            handoff_reason: None,
            recording_path: None,
            events: Vec::new(),
        }
    }
}
