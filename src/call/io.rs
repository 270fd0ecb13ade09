//! What goes into the call core and what comes out of it.

use super::report::{CallReport, CallbackTask, ContextCard};
use crate::audio::amd::AmdDecision;
use crate::audio::gate::FrameLevel;
use crate::dialog::engine::PromiseMade;
use chrono::{DateTime, Utc};

/// Identifies one prompt handed to the driver.
pub type PromptId = u64;

/// Something the driver observed on the call.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The debtor answered; the conversation starts (after answering-machine detection, when it is on).
    Answered,
    /// The answering-machine detector's decision or event, made at the end of the frame it was fed at `now`
    /// (its times are stream milliseconds: 0 = the answer).
    Amd(AmdDecision),
    /// The voice decision for one received 20 ms frame starting at `now`.
    Voice {
        /// Whether the VAD calls it speech.
        voiced: bool,
        /// Its energy and spectral flatness, for the barge-in rule's noise gate.
        level: FrameLevel,
    },
    /// Text recognised so far in the current utterance.
    Partial(String),
    /// A finished utterance; times are listener stream seconds (0 = first frame after the answer).
    Utterance {
        /// Recognised text (may be empty).
        text: String,
        /// Recogniser confidence, 0..1.
        confidence: f64,
        /// Stream time of the first voiced frame.
        start: f64,
        /// Stream time of the end of the last voiced frame.
        end: f64,
        /// Stream time at which the endpointer closed the utterance (its end plus the trailing silence):
        /// the reply latency is counted from here.
        closed: f64,
    },
    /// A key press, from RFC 4733 or SIP INFO alike.
    Dtmf(char),
    /// The first RTP packet of a prompt went out.
    PromptStarted {
        /// Which prompt.
        id: PromptId,
    },
    /// A prompt played to its end.
    PromptFinished {
        /// Which prompt.
        id: PromptId,
    },
    /// A prompt was stopped before its end.
    PromptStopped {
        /// Which prompt.
        id: PromptId,
    },
    /// A prompt could not be rendered or played.
    PromptFailed {
        /// Which prompt.
        id: PromptId,
        /// What went wrong.
        reason: String,
    },
    /// The debtor hung up (BYE).
    RemoteHangup,
    /// The agent queue took the transferred call.
    TransferAccepted,
    /// The transfer to the agent queue failed.
    TransferFailed {
        /// Why (status line, timeout…).
        reason: String,
    },
    /// Media stopped arriving.
    MediaTimeout,
    /// The campaign is stopping: end politely after the prompt playing, or at once.
    Stop {
        /// Hang up now instead of saying goodbye.
        at_once: bool,
    },
}

/// Something the driver must do, in order.
#[derive(Debug, Clone)]
pub enum Output {
    /// Render and play a prompt; report its progress with the same id.
    Play {
        /// Prompt id.
        id: PromptId,
        /// Speech-ready text.
        text: String,
        /// Whether the debtor may talk over it.
        interruptible: bool,
    },
    /// Render a prompt that will be played soon (no progress is reported; `Play` follows with the same text).
    Prepare {
        /// Speech-ready text.
        text: String,
    },
    /// Stop the prompt being played at once (flush within 100 ms); no progress is expected for it any more.
    StopPlayback,
    /// Switch the recogniser's phrase grammar (`None`: free speech).
    SetGrammar(Option<Vec<String>>),
    /// Transfer the call (SIP REFER) and report how it went.
    Transfer {
        /// The agent queue's URI.
        target: String,
    },
    /// Hang up (BYE).
    Hangup,
    /// Store a record now.
    Store(Record),
    /// The call is over; nothing follows.
    Ended(Box<CallReport>),
}

/// A record the driver stores as soon as the core hands it over.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "record", rename_all = "snake_case")]
pub enum Record {
    /// The debtor promised to pay.
    Promise(PromiseMade),
    /// A callback was scheduled by the flow.
    Callback {
        /// When to call.
        at: DateTime<Utc>,
    },
    /// The agent's context card, stored before the transfer.
    ContextCard(Box<ContextCard>),
    /// A task for agents to call back after a failed transfer.
    CallbackTask(CallbackTask),
}
