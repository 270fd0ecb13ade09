//! Strategies: a campaign file (YAML) that splits debtors into segments by rules and gives each segment a
//! ladder of steps by day overdue (SMS, e-mail, robot call with a flow, hand-over to hard collection), with a
//! retry policy per step. See `docs/campaigns.md` for the format.

pub mod file;
pub mod rules;

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};

pub use file::{check_placeholders, load, parse, StrategyError};
pub use rules::Rules;

use super::channel::Channel;
use super::history::HistorySummary;
use super::scheduler::RetryPolicy;
use crate::audio::amd::{AmdConfig, MachinePolicy};
use crate::call::config::{creditor_of, AmdSettings, AmdSettingsError};
use crate::domain::DebtorRecord;

/// A loaded and checked campaign strategy.
#[derive(Debug, Clone)]
pub struct Strategy {
    /// Strategy name (reported in analytics).
    pub name: String,
    /// Concurrency and calls-per-second limits.
    pub limits: Limits,
    /// SMS gateway settings, when the strategy sends SMS.
    pub sms: Option<SmsGateway>,
    /// SMTP settings, when the strategy sends e-mail.
    pub email: Option<EmailSettings>,
    /// Message templates by name.
    pub templates: BTreeMap<String, Template>,
    /// The messages that confirm a promise to pay once it is made.
    pub confirmation: Confirmation,
    /// Segments in order: the first whose rules match takes the debtor.
    pub segments: Vec<Segment>,
    /// What calls do about answering machines.
    pub answering_machine: AnsweringMachine,
    /// How calls debtors place to us are answered, when the campaign answers them.
    pub inbound: Option<Inbound>,
}

/// A campaign's answering-machine profile (`answering_machine:` in the campaign file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnsweringMachine {
    /// Whether calls listen for a machine after the answer before the flow speaks (on unless the file
    /// says `detect: false`).
    pub detect: bool,
    /// Hang up on a machine or leave the limited-content message.
    pub policy: MachinePolicy,
}

impl Default for AnsweringMachine {
    fn default() -> Self {
        Self {
            detect: true,
            policy: MachinePolicy::default(),
        }
    }
}

impl AnsweringMachine {
    /// The detection settings of one call to `debtor` (`detector` is the `[amd]` section); `None` when the
    /// campaign does not detect machines. Fails when the message needs a creditor name or phone the record
    /// lacks.
    pub fn settings(
        &self,
        detector: &AmdConfig,
        debtor: &DebtorRecord,
    ) -> Result<Option<AmdSettings>, AmdSettingsError> {
        if !self.detect {
            return Ok(None);
        }
        AmdSettings::new(detector.clone(), &self.policy, &creditor_of(debtor)).map(Some)
    }
}

/// How a campaign answers calls debtors place to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The flow a known caller is talked to with (`dialogs/<flow>.yaml`): identity first, then the conversation.
    pub flow: String,
    /// What a caller whose number no debtor has gets.
    pub unknown_caller: UnknownCaller,
}

/// What a caller whose number no debtor has gets: never anything about a debt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownCaller {
    /// A neutral message, then the call ends.
    #[default]
    Message,
    /// Put through to the agent queue (`sip.queue_uri`).
    Queue,
}

impl UnknownCaller {
    /// The name used in campaign files and in the store.
    pub fn as_str(self) -> &'static str {
        match self {
            UnknownCaller::Message => "message",
            UnknownCaller::Queue => "queue",
        }
    }
}

/// Throughput limits of a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Calls in flight at once.
    pub concurrency: u32,
    /// New calls per second.
    pub calls_per_second: u32,
}

/// An HTTP SMS gateway: where to send and how to shape the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmsGateway {
    /// Gateway URL; `{phone}` and `{text}` are replaced URL-encoded.
    pub url: String,
    /// `POST` or `GET`.
    pub method: String,
    /// Content type of the body.
    pub content_type: String,
    /// Body template; `{phone}` and `{text}` are replaced (JSON-escaped when the content type is JSON).
    pub body: String,
    /// Extra headers, e.g. an API key.
    pub headers: BTreeMap<String, String>,
}

/// SMTP settings for e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailSettings {
    /// SMTP server host.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// `none` (plain, for a local relay), `starttls` or `tls`.
    pub security: String,
    /// Login, when the server needs one.
    pub username: Option<String>,
    /// Password, when the server needs one (prefer `password_env`).
    pub password: Option<String>,
    /// Sender address, e.g. `МФО Ромашка <noreply@example.ru>`.
    pub from: String,
}

/// A message template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    /// SMS text.
    pub sms: Option<String>,
    /// E-mail subject.
    pub subject: Option<String>,
    /// E-mail body.
    pub body: Option<String>,
}

/// A segment: who belongs to it and what is done with them day by day.
#[derive(Debug, Clone)]
pub struct Segment {
    /// Segment name.
    pub name: String,
    /// Membership rules (all must hold).
    pub rules: Rules,
    /// Steps in ascending day order.
    pub ladder: Vec<Step>,
}

/// One rung of a ladder: from `day` overdue until the next step's day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The day overdue this step starts on.
    pub day: i64,
    /// SMS template to send.
    pub sms: Option<String>,
    /// E-mail template to send.
    pub email: Option<String>,
    /// Call with this flow.
    pub call: Option<String>,
    /// The call should recall the debtor's last promise.
    pub recall_promise: bool,
    /// Hand the debtor over to hard collection (export and status change).
    pub hand_over: bool,
    /// Retry policy for the call.
    pub retry: Retry,
}

impl Step {
    /// A label for reports: `day 7`.
    pub fn label(&self) -> String {
        format!("day {}", self.day)
    }
}

/// Retry policy of a call step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// Wait after an unanswered call (no answer, voicemail, failed).
    pub no_answer: Duration,
    /// Wait after a busy or rejected call.
    pub busy: Duration,
    /// Attempts per debtor-local day.
    pub max_per_day: u32,
    /// Attempts over the whole step.
    pub max_attempts: u32,
}

impl Retry {
    /// The step's retry policy as the scheduler applies it.
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            retry_after: self.no_answer,
            retry_after_busy: self.busy,
            max_attempts_per_day: self.max_per_day,
        }
    }
}

/// The messages that confirm a promise to pay: the promised date and amount and how to pay, sent once per promise
/// and channel, within the compliance message limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confirmation {
    /// SMS template (may use `{promise_date}` and `{promise_amount}`).
    pub sms: Option<String>,
    /// E-mail template (may use `{promise_date}` and `{promise_amount}`).
    pub email: Option<String>,
}

impl Confirmation {
    /// The channels and templates configured, SMS first.
    pub fn messages(&self) -> impl Iterator<Item = (Channel, &str)> {
        [(Channel::Sms, &self.sms), (Channel::Email, &self.email)]
            .into_iter()
            .filter_map(|(c, t)| t.as_deref().map(|t| (c, t)))
    }
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            no_answer: Duration::hours(2),
            busy: Duration::minutes(30),
            max_per_day: 3,
            max_attempts: 9,
        }
    }
}

impl Strategy {
    /// The segment a debtor belongs to on `today`: the first whose rules match.
    pub fn segment_for(
        &self,
        debtor: &DebtorRecord,
        today: NaiveDate,
        history: &HistorySummary,
    ) -> Option<&Segment> {
        self.segments
            .iter()
            .find(|s| s.rules.matches(debtor, debtor.days_overdue(today), history))
    }
}

impl Segment {
    /// The step active at `days_overdue`: the last one whose day has come.
    pub fn step_at(&self, days_overdue: i64) -> Option<&Step> {
        self.ladder.iter().rev().find(|s| s.day <= days_overdue)
    }
}
