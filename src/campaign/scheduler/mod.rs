//! The campaign scheduler: a pure core that, given a snapshot of campaign work and the moment `now`,
//! decides which debtors to dial or message now and why everyone else waits, and until when.
//!
//! - [`plan`] — [`Scheduler::plan`], one tick's decisions.
//! - [`attempt`] — the one rule for a written attempt: state and outcome, what it counts as, how a lost one is
//!   settled.
//! - [`retry`] — the retry policy (no answer → again after 2 h, at most 3 attempts a day, rotate phones).
//! - [`recovery`] — resolving attempts written before dialling whose result a crash lost.
//! - [`synthetic`] — a reproducible synthetic snapshot for benchmarks and simulations.

pub mod attempt;
pub mod plan;
pub mod recovery;
pub mod retry;
pub mod synthetic;

use chrono::{DateTime, NaiveDate, Utc};

use super::compliance::{Channel, Contact, DebtorFacts, Rule};

pub use attempt::{AttemptFacts, AttemptOutcome, AttemptState};
pub use plan::Scheduler;
pub use recovery::{resolve_unknown_attempts, Resolution, UnknownAttempt};
pub use retry::{AttemptResult, RetryPolicy};

/// A debtor's identifier in the campaign store.
pub type DebtorId = i64;

/// What a due step does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    /// A robot call running the named dialogue flow.
    Call {
        /// The dialogue flow to run.
        flow: String,
    },
    /// A text message from the named template.
    Sms {
        /// The message template.
        template: String,
    },
    /// An e-mail from the named template.
    Email {
        /// The message template.
        template: String,
    },
}

impl StepAction {
    /// The compliance channel this action uses.
    pub fn channel(&self) -> Channel {
        match self {
            StepAction::Call { .. } => Channel::Call,
            StepAction::Sms { .. } => Channel::Sms,
            StepAction::Email { .. } => Channel::Email,
        }
    }
}

/// The strategy step a debtor is due for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueStep {
    /// What to do.
    pub action: StepAction,
    /// From when it may be done (its day on the ladder).
    pub due_at: DateTime<Utc>,
}

/// Where a debtor stands in the retry policy for the current step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RetryState {
    /// The debtor-local date `attempts_today` refers to; another date means zero attempts today.
    pub local_day: Option<NaiveDate>,
    /// Attempts made on `local_day`.
    pub attempts_today: u32,
    /// No new attempt before this moment (backoff after the last attempt).
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Index into the debtor's phones of the number to dial next (rotates after each unanswered call).
    pub next_phone: usize,
}

/// One debtor's work in the snapshot a tick plans from.
#[derive(Debug, Clone)]
pub struct WorkItem {
    /// The debtor.
    pub debtor: DebtorId,
    /// The debtor's phones in E.164, in dialling preference order.
    pub phones: Vec<String>,
    /// Facts the compliance policy needs (time zone, flags, refusals).
    pub facts: DebtorFacts,
    /// Every contact so far (all channels), as the compliance policy reads it.
    pub history: Vec<Contact>,
    /// The step due, or `None` when nothing is due.
    pub step: Option<DueStep>,
    /// Retry state for the step.
    pub retry: RetryState,
    /// A call to this debtor is in flight (or written and unresolved).
    pub in_flight: bool,
}

/// Campaign throughput limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls that may be in flight at once.
    pub max_concurrent_calls: u32,
    /// New calls that may start within one second.
    pub calls_per_second: u32,
}

/// What the dialler is doing as the tick starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Load {
    /// Calls in flight now.
    pub calls_in_flight: u32,
    /// Calls started within the last second (`(now - 1 s, now]`).
    pub calls_started_last_second: u32,
}

/// An action to take now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAction {
    /// The debtor.
    pub debtor: DebtorId,
    /// What to do.
    pub action: StepAction,
    /// Index into the debtor's phones (calls and SMS; `None` for e-mail).
    pub phone_index: Option<usize>,
    /// Why it is allowed now (the compliance reason).
    pub reason: String,
}

/// Why a debtor is not acted on this tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WaitReason {
    /// No step is due for the debtor.
    NothingDue,
    /// The step's day has not come.
    NotDue,
    /// A call to the debtor is already in flight.
    InFlight,
    /// Backoff after the previous attempt.
    RetryBackoff,
    /// The day's attempts are used up.
    DailyAttemptCap,
    /// The debtor has no phone to dial or text.
    NoPhone,
    /// The compliance policy blocks it (first blocking rule).
    Compliance(Rule),
    /// All concurrent call slots are busy.
    Concurrency,
    /// The calls-per-second limit is used up.
    CallsPerSecond,
}

/// A debtor who waits, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// The debtor.
    pub debtor: DebtorId,
    /// The main reason.
    pub reason: WaitReason,
    /// Human-readable detail (the compliance reason, the backoff end, the slot counts).
    pub detail: String,
    /// The earliest moment worth planning the debtor again; `None` when never (or next tick for
    /// capacity waits, see [`WaitReason`]).
    pub until: Option<DateTime<Utc>>,
}

/// One tick's decisions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// What to do now, calls in dialling order.
    pub actions: Vec<PlannedAction>,
    /// Everyone else.
    pub waiting: Vec<Waiting>,
}
