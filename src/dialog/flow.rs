//! The YAML dialogue-graph schema: a flow of named nodes that say, listen, set values and end the call.

use crate::dialog::nlu::Lang;
use crate::domain::Disposition;
use indexmap::IndexMap;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::Deserialize;
use serde_saphyr::Spanned;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A position in a flow file (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line, 1-based.
    pub line: u64,
    /// Column, 1-based.
    pub column: u64,
}

impl Pos {
    /// The position where a spanned value was written.
    pub fn of<T>(spanned: &Spanned<T>) -> Pos {
        Pos {
            line: spanned.referenced.line(),
            column: spanned.referenced.column(),
        }
    }
}

/// A whole dialogue flow as written in one YAML file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// Name of the flow (shown in reports and renders).
    pub flow: String,
    /// Conversation language; decides understanding and how amounts and dates are spoken.
    pub lang: Lang,
    /// The first node.
    pub start: Spanned<String>,
    /// Tunable numbers (turn limit, confidence threshold, horizon…).
    #[serde(default)]
    pub settings: Settings,
    /// Flow-wide intent handlers that apply at every listening node unless the node handles the intent itself.
    #[serde(default)]
    pub handlers: IndexMap<String, Spanned<Target>>,
    /// The nodes, in file order.
    pub nodes: IndexMap<String, Spanned<Node>>,
    /// The file the flow was read from (set by [`Flow::load`]).
    #[serde(skip)]
    pub source: PathBuf,
}

/// Flow-wide numbers; every field has a sensible default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// At most this many debtor turns (utterances, keys, silences); then the call is handed off.
    pub turn_limit: u32,
    /// Utterances recognised with a lower confidence count as a no-match.
    pub min_confidence: f64,
    /// This many low-confidence utterances in a row hand the call off.
    pub low_confidence_limit: u32,
    /// Default number of re-prompts after a no-match or silence before a node's `no_match` target.
    pub no_match_retries: u32,
    /// Default silence timeout of a listening node.
    #[serde(with = "duration_text")]
    pub silence_timeout: Duration,
    /// Payment dates later than this many days from today need negotiation (`horizon_days` in guards).
    pub horizon_days: i64,
    /// Said before repeating a node's prompt after a no-match or silence.
    pub reprompt: Option<String>,
    /// Hour of day (debtor's local time) for a callback on a named date without a time.
    pub callback_hour: u32,
    /// Delay of a callback when the debtor named no date.
    #[serde(with = "duration_text")]
    pub callback_after: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            turn_limit: 20,
            min_confidence: 0.5,
            low_confidence_limit: 3,
            no_match_retries: 1,
            silence_timeout: Duration::from_secs(6),
            horizon_days: 7,
            reprompt: None,
            callback_hour: 12,
            callback_after: Duration::from_secs(2 * 3600),
        }
    }
}

/// One node of the graph. Runs in this order: `set`, `flag`, `record_promise`, `say`, then exactly one of
/// `listen`, `next`, `hangup`, `handoff`, `callback`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    /// Values to store: YAML booleans, numbers and strings are literals; a string starting with `$` copies a variable.
    #[serde(default)]
    pub set: IndexMap<String, Spanned<SetValue>>,
    /// Flags raised for the call record (e.g. `complaint`, `hardship`).
    #[serde(default)]
    pub flag: Vec<String>,
    /// Emit a promise record from `promise_date` and `promise_amount`.
    #[serde(default)]
    pub record_promise: bool,
    /// The prompt, with `{variable}` placeholders.
    pub say: Option<Spanned<String>>,
    /// Whether the debtor may talk over the prompt (default true; legal disclosures set false).
    pub interruptible: Option<bool>,
    /// Overrides the disclosure check's own judgement of whether this prompt reveals the debt.
    pub discloses_debt: Option<bool>,
    /// Waits for the debtor.
    pub listen: Option<Listen>,
    /// Goes on without waiting.
    pub next: Option<Spanned<Target>>,
    /// Ends the call with an outcome.
    pub hangup: Option<Spanned<Disposition>>,
    /// Hands the call to the agent queue with a reason.
    pub handoff: Option<Spanned<String>>,
    /// Schedules a callback and ends the call.
    pub callback: Option<Spanned<CallbackSpec>>,
}

/// How a node listens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listen {
    /// Intent name → where to go (a node name or guarded branches).
    #[serde(default)]
    pub on: IndexMap<String, Spanned<Target>>,
    /// Key → intent name, so a key press works like saying it.
    #[serde(default)]
    pub dtmf: IndexMap<String, Spanned<String>>,
    /// Phrases the recogniser should expect (optional hint).
    #[serde(default)]
    pub grammar: Vec<String>,
    /// Silence timeout (e.g. `6s`, `1500ms`); defaults to the flow setting.
    #[serde(default, with = "opt_duration_text")]
    pub timeout: Option<Duration>,
    /// Re-prompts before going to `no_match`; defaults to the flow setting.
    pub retries: Option<u32>,
    /// Said instead of the flow's re-prompt before repeating this node's prompt.
    pub reprompt: Option<String>,
    /// Where to go when retries are used up (no match, silence or low confidence).
    pub no_match: Option<Spanned<Target>>,
}

/// A callback ending.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallbackSpec {
    /// Delay when the debtor named no date; defaults to the flow setting.
    #[serde(default, with = "opt_duration_text")]
    pub after: Option<Duration>,
}

/// A value stored by `set`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum SetValue {
    /// `true` / `false`.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A literal string, or `$name` to copy a variable.
    Text(String),
}

/// Where a transition goes: one node, or guarded branches tried in order.
#[derive(Debug, Clone)]
pub enum Target {
    /// Straight to a node.
    Node(String),
    /// The first branch whose guard holds (a branch without `if` always holds).
    Branches(Vec<Branch>),
}

/// One guarded branch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    /// The guard, e.g. `broken_promises >= 2 and not negotiated`.
    #[serde(rename = "if")]
    pub guard: Option<Spanned<String>>,
    /// The node to go to.
    pub goto: Spanned<String>,
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TargetVisitor;
        impl<'de> Visitor<'de> for TargetVisitor {
            type Value = Target;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a node name or a list of `{if, goto}` branches")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Target, E> {
                Ok(Target::Node(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Target, A::Error> {
                let mut branches = Vec::new();
                while let Some(branch) = seq.next_element::<Branch>()? {
                    branches.push(branch);
                }
                Ok(Target::Branches(branches))
            }
        }
        deserializer.deserialize_any(TargetVisitor)
    }
}

/// Why a flow file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// The file could not be read.
    #[error("{path}: cannot read the flow file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid YAML or does not follow the schema.
    #[error("{path}:{line}:{column}: {message} (see dialogs/README.md for the schema)")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// Line, 1-based (0 when unknown).
        line: u64,
        /// Column, 1-based (0 when unknown).
        column: u64,
        /// What is wrong.
        message: String,
    },
}

impl Flow {
    /// Reads and parses a flow file.
    pub fn load(path: &Path) -> Result<Flow, FlowError> {
        let text = std::fs::read_to_string(path).map_err(|source| FlowError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Flow::parse(&text, path)
    }

    /// Parses flow text; `path` names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Flow, FlowError> {
        match serde_saphyr::from_str::<Flow>(text) {
            Ok(mut flow) => {
                flow.source = path.to_path_buf();
                Ok(flow)
            }
            Err(err) => {
                let (position, message) = crate::wording::yaml_error(&err);
                let (line, column) = position.unwrap_or((0, 0));
                Err(FlowError::Yaml {
                    path: path.to_path_buf(),
                    line,
                    column,
                    message,
                })
            }
        }
    }

    /// The node with this name.
    pub fn node(&self, name: &str) -> Option<&Node> {
        self.nodes.get(name).map(|n| &n.value)
    }

    /// Silence timeout of a listening node.
    pub fn timeout_of(&self, listen: &Listen) -> Duration {
        listen.timeout.unwrap_or(self.settings.silence_timeout)
    }

    /// Re-prompt count of a listening node.
    pub fn retries_of(&self, listen: &Listen) -> u32 {
        listen.retries.unwrap_or(self.settings.no_match_retries)
    }
}

impl Target {
    /// Every node this target can go to, with where it was written.
    pub fn destinations(spanned: &Spanned<Target>) -> Vec<(&str, Pos)> {
        match &spanned.value {
            Target::Node(name) => vec![(name.as_str(), Pos::of(spanned))],
            Target::Branches(branches) => branches
                .iter()
                .map(|b| (b.goto.value.as_str(), Pos::of(&b.goto)))
                .collect(),
        }
    }
}

/// Parses `6s`, `1500ms`, `2m`, `2h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "" | "s" | "sec" => number,
        "ms" => number / 1000.0,
        "m" | "min" => number * 60.0,
        "h" => number * 3600.0,
        _ => return None,
    };
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

mod duration_text {
    use super::parse_duration;
    use serde::{de, Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let text = DurationText::deserialize(d)?;
        text.into_duration().map_err(de::Error::custom)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(super) enum DurationText {
        Number(f64),
        Text(String),
    }

    impl DurationText {
        pub(super) fn into_duration(self) -> Result<Duration, String> {
            match self {
                DurationText::Number(n) if n.is_finite() && n >= 0.0 => {
                    Ok(Duration::from_secs_f64(n))
                }
                DurationText::Number(n) => Err(format!("`{n}` is not a duration")),
                DurationText::Text(t) => parse_duration(&t).ok_or_else(|| {
                    format!("`{t}` is not a duration; write e.g. `6s`, `1500ms`, `2h`")
                }),
            }
        }
    }
}

mod opt_duration_text {
    use super::duration_text::DurationText;
    use serde::{de, Deserialize, Deserializer};
    use std::time::Duration;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
        match Option::<DurationText>::deserialize(d)? {
            None => Ok(None),
            Some(text) => text.into_duration().map(Some).map_err(de::Error::custom),
        }
    }
}
