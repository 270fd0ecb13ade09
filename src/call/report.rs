//! What is known about a call once it is over: timeline, transcript, path, outcome, promise, latency.
//! Serialised as JSON: what `softcall call` prints and what the store keeps.

use crate::audio::amd::Party;
use crate::dialog::context::History;
use crate::dialog::engine::{PromiseMade, Turn};
use crate::domain::{DebtorRecord, Disposition};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Who spoke a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Speaker {
    /// The robot's prompt.
    Robot,
    /// The debtor (speech or keys).
    Debtor,
}

/// One line of the transcript, with times in milliseconds from the start of the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TranscriptLine {
    /// Who spoke.
    pub speaker: Speaker,
    /// What was said (`#5` for a key).
    pub text: String,
    /// Start, ms from the start of the call.
    pub start_ms: u64,
    /// End, ms from the start of the call (`None` while unknown).
    pub end_ms: Option<u64>,
    /// Recogniser confidence (debtor speech only).
    pub confidence: Option<f64>,
    /// Whether the line was cut short (a prompt stopped by barge-in).
    pub interrupted: bool,
}

/// One entry of the event timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEntry {
    /// Milliseconds from the start of the call.
    pub at_ms: u64,
    /// What happened, e.g. `answered`, `prompt_started`, `barge_in`, `transfer_failed`.
    pub event: String,
    /// Details (prompt id, text, reason), empty when none.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Why the call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The flow reached an ending.
    Flow,
    /// The call was handed to an agent and the transfer was accepted.
    Transferred,
    /// The transfer to an agent failed; a callback task was stored.
    TransferFailed,
    /// The debtor hung up.
    RemoteHangup,
    /// Nothing was heard from the debtor for the silence limit.
    Silence,
    /// The call reached its maximum length.
    MaxLength,
    /// Media stopped arriving.
    MediaTimeout,
    /// A prompt could not be rendered or played.
    PromptFailed,
    /// The campaign was stopped while the call went on.
    Stopped,
    /// An answering machine answered: the robot hung up on it, or after leaving its message.
    AnsweringMachine,
}

/// What answering-machine detection found, with times in milliseconds from the start of the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AmdReport {
    /// The detector's decision: `human`, `machine` or `undecided`.
    pub decision: String,
    /// Who the call treated the answer as (`undecided` is settled by `undecided_as`).
    pub party: Party,
    /// Why, in words a person can check.
    pub reason: String,
    /// When the decision was made.
    pub at_ms: u64,
    /// The beep after a greeting, when one was heard.
    pub beep: Option<BeepHeard>,
    /// When a greeting without a beep fell silent (the moment a message could start).
    pub greeting_ended_ms: Option<u64>,
    /// The message left on the machine, when the policy leaves one.
    pub message: Option<String>,
    /// When the message started playing.
    pub message_started_ms: Option<u64>,
}

/// A voicemail beep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BeepHeard {
    /// Its start.
    pub start_ms: u64,
    /// Its end.
    pub end_ms: u64,
    /// Its frequency, Hz.
    pub hz: f32,
}

/// The state of a hand-off to an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// Transfer asked for, no answer yet.
    Pending,
    /// The agent queue took the call.
    Accepted,
    /// The transfer failed (or no queue is configured).
    Failed,
}

/// The hand-off of this call, when there was one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transfer {
    /// Why the robot handed over.
    pub reason: String,
    /// Where to (`None` when no agent queue is configured).
    pub target: Option<String>,
    /// How it went.
    pub status: TransferStatus,
    /// Why it failed, when it did.
    pub failure: Option<String>,
}

/// How long the debtor waited for the robot's reply to one turn.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TurnLatency {
    /// The debtor turn (1-based, as in `turns`).
    pub turn: usize,
    /// From the end of the debtor's last voiced frame (or the key) to the first packet of the reply: what
    /// the debtor feels, including the endpointer's trailing silence.
    pub ms: u64,
    /// From the moment the turn was taken (the endpointer closed the utterance, or the key arrived) to the
    /// first packet of the reply: the recogniser's catching up and final result, then `from_transcript_ms`.
    pub from_endpoint_ms: u64,
    /// From the moment the recognised text (or the key) reached the conductor to the first packet of the
    /// reply: understanding, the engine and rendering.
    pub from_transcript_ms: u64,
}

/// Everything about one call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallReport {
    /// The flow run.
    pub flow: String,
    /// Wall-clock start of the call.
    pub started_at: DateTime<Utc>,
    /// Call length in milliseconds.
    pub duration_ms: u64,
    /// The disposition.
    pub outcome: Disposition,
    /// Why the call ended.
    pub end_reason: EndReason,
    /// Hand-off reason, when handed off.
    pub handoff_reason: Option<String>,
    /// The promise made in this call.
    pub promise: Option<PromiseMade>,
    /// Flags raised (complaint, hardship, dispute…).
    pub flags: Vec<String>,
    /// Callback asked for, when the flow scheduled one.
    pub callback_at: Option<DateTime<Utc>>,
    /// The hand-off, when there was one.
    pub transfer: Option<Transfer>,
    /// Every node entered, in order.
    pub path: Vec<String>,
    /// Every debtor turn as the engine understood it.
    pub turns: Vec<Turn>,
    /// Both sides, in order.
    pub transcript: Vec<TranscriptLine>,
    /// Every event, in order.
    pub timeline: Vec<TimelineEntry>,
    /// Per-turn reply latency.
    pub latency: Vec<TurnLatency>,
    /// Where the two-sided recording is, when the driver kept one.
    pub recording: Option<String>,
    /// What produced the debtor's text (`vosk`, `reference transcripts`…), set by the driver.
    pub recognition: Option<String>,
    /// Answering-machine detection, when the call ran it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amd: Option<AmdReport>,
}

/// What a human agent sees when a call is handed over.
#[derive(Debug, Clone, Serialize)]
pub struct ContextCard {
    /// The debtor and the debt.
    pub debtor: DebtorRecord,
    /// The contact history (earlier promises, broken promises, refusals).
    pub history: History,
    /// Why the robot handed over.
    pub reason: String,
    /// Flags raised in this call.
    pub flags: Vec<String>,
    /// Nodes of the flow this call went through.
    pub path: Vec<String>,
    /// This call's transcript so far.
    pub transcript: Vec<TranscriptLine>,
    /// When the card was made.
    pub at: DateTime<Utc>,
}

/// A task for agents to call the debtor back (a failed hand-off).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallbackTask {
    /// Why the robot wanted an agent.
    pub reason: String,
    /// Why the transfer failed.
    pub failure: String,
    /// When the task was made.
    pub at: DateTime<Utc>,
}
