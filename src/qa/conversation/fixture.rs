//! A conversation fixture on disk: `conversation.yaml` (flow, the call's date and time, the debtor's turns),
//! `debtor.json` (the debtor record) and `expect.yaml` (what the call must come to). docs/qa.md describes
//! the fields.

use super::ConversationError;
use crate::audio::wav::read_telephony;
use crate::call::replay::{Act, Cue, DebtorTurn};
use crate::dialog::context::{CallContext, DebtorFile};
use crate::dialog::flow::{Flow, Pos};
use crate::dialog::nlu::Intent;
use crate::domain::Disposition;
use crate::qa::fixture::Clip;
use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The file that makes a folder a conversation fixture.
pub const CONVERSATION_FILE: &str = "conversation.yaml";
/// The debtor record of a fixture.
pub const DEBTOR_FILE: &str = "debtor.json";
/// The expectations of a fixture.
pub const EXPECT_FILE: &str = "expect.yaml";
/// Quiet time after the robot's prompt before a turn with no offset starts.
pub const DEFAULT_GAP: Duration = Duration::from_millis(400);
/// What `expect.yaml` writes for a turn the engine took without an intent (a silence).
pub const NO_INTENT: &str = "none";

/// How the agent queue behaves when the flow hands the call over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueSetting {
    /// The queue takes the call.
    #[default]
    Accepts,
    /// The queue refuses the call; the robot says so and a callback task is stored.
    Refuses,
    /// No queue is configured; the hand-off becomes a callback task at once.
    None,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConversationFile {
    #[serde(default)]
    description: Option<String>,
    flow: Spanned<String>,
    today: Spanned<String>,
    #[serde(default)]
    agent_queue: QueueSetting,
    turns: Vec<Spanned<TurnFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TurnFile {
    #[serde(default)]
    clip: Option<String>,
    #[serde(default)]
    keys: Option<String>,
    #[serde(default)]
    silence: Option<bool>,
    #[serde(default)]
    gap_ms: Option<u64>,
    #[serde(default)]
    at_prompt_ms: Option<u64>,
    #[serde(default)]
    prompt: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectFile {
    intents: Vec<Spanned<String>>,
    path: Vec<String>,
    outcome: Disposition,
    #[serde(default)]
    promise: Option<ExpectedPromise>,
    #[serde(default)]
    flags: Option<Vec<String>>,
    #[serde(default)]
    barge_in: Option<bool>,
}

/// The promise a fixture expects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedPromise {
    /// The promised date.
    pub date: NaiveDate,
    /// The promised amount (not compared when absent).
    #[serde(default)]
    pub amount: Option<f64>,
}

/// What a fixture expects of the call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expectation {
    /// The intent of every engine turn, in order (`None`: a turn without intent, such as a silence).
    pub intents: Vec<Option<Intent>>,
    /// Every node entered, in order.
    pub path: Vec<String>,
    /// The disposition.
    pub outcome: Disposition,
    /// The promise (`None`: the call must end without one).
    pub promise: Option<ExpectedPromise>,
    /// The flags raised, when the fixture says (`None`: not compared).
    pub flags: Option<Vec<String>>,
    /// Whether the debtor barged in, when the fixture says (`None`: not compared).
    pub barge_in: Option<bool>,
}

/// A conversation fixture, loaded and ready to replay.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The folder's name.
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
    /// What the fixture is about, for people.
    pub description: Option<String>,
    /// The flow file used.
    pub flow_path: PathBuf,
    /// The flow.
    pub flow: Arc<Flow>,
    /// The debtor and the call's start.
    pub ctx: CallContext,
    /// How the agent queue answers a hand-off.
    pub agent_queue: QueueSetting,
    /// The debtor's turns.
    pub turns: Vec<DebtorTurn>,
    /// A short description of each turn, for reports (`clip yes.wav`, `keys 1`, `silence`).
    pub turn_labels: Vec<String>,
    /// What the call must come to.
    pub expect: Expectation,
}

/// Loads the fixture in `dir`; a relative `flow` is looked up in `dir`, then in `repo`.
pub fn load(dir: &Path, repo: &Path) -> Result<Conversation, ConversationError> {
    let conversation_path = dir.join(CONVERSATION_FILE);
    let file: ConversationFile = parse_yaml(&conversation_path)?;
    let at = |pos: Pos, message: String| ConversationError::File {
        path: conversation_path.clone(),
        line: pos.line,
        column: pos.column,
        message,
    };
    let flow_path = [dir.join(&file.flow.value), repo.join(&file.flow.value)]
        .into_iter()
        .find(|p| p.is_file())
        .ok_or_else(|| {
            at(
                Pos::of(&file.flow),
                format!(
                    "flow `{}` is neither in the fixture folder nor in {}",
                    file.flow.value,
                    display_dir(repo)
                ),
            )
        })?;
    let flow = Arc::new(Flow::load(&flow_path)?);
    let debtor = DebtorFile::load(&dir.join(DEBTOR_FILE))?;
    let zone: chrono_tz::Tz = debtor
        .timezone
        .parse()
        .map_err(|_| crate::dialog::context::DebtorError::TimeZone(debtor.timezone.clone()))?;
    let local = parse_local_time(&file.today.value).ok_or_else(|| {
        at(
            Pos::of(&file.today),
            format!(
                "`{}` is not a date and time; write it like 2026-11-23 12:00 (in the debtor's time zone, {})",
                file.today.value, debtor.timezone
            ),
        )
    })?;
    let now = zone
        .from_local_datetime(&local)
        .single()
        .ok_or_else(|| {
            at(
                Pos::of(&file.today),
                format!(
                    "{} does not exist or is ambiguous in {} (a clock change); pick another time",
                    file.today.value, debtor.timezone
                ),
            )
        })?
        .with_timezone(&Utc);
    let ctx = debtor.into_context(now)?;
    if file.turns.is_empty() {
        return Err(at(
            Pos::default(),
            "`turns` is empty; give the debtor at least one turn".into(),
        ));
    }
    let mut turns = Vec::new();
    let mut turn_labels = Vec::new();
    for spanned in &file.turns {
        let (turn, label) = turn(dir, &spanned.value).map_err(|m| at(Pos::of(spanned), m))?;
        turns.push(turn);
        turn_labels.push(label);
    }
    let expect = load_expect(&dir.join(EXPECT_FILE))?;
    Ok(Conversation {
        name: dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        ),
        dir: dir.to_path_buf(),
        description: file.description,
        flow_path,
        flow,
        ctx,
        agent_queue: file.agent_queue,
        turns,
        turn_labels,
        expect,
    })
}

/// One turn of `conversation.yaml`, checked, with its clip read.
fn turn(dir: &Path, file: &TurnFile) -> Result<(DebtorTurn, String), String> {
    let (act, label) = match (&file.clip, &file.keys, file.silence) {
        (Some(clip), None, None) => {
            let wav = dir.join(clip);
            if !wav.is_file() {
                return Err(format!("clip `{clip}` is not in the fixture folder"));
            }
            let sidecars = Clip::open(&wav).map_err(|e| e.to_string())?;
            let reference = sidecars.reference.ok_or_else(|| {
                format!(
                    "clip `{clip}` has no reference transcript; write what it says in `{}`",
                    Path::new(clip).with_extension("txt").display()
                )
            })?;
            let samples = read_telephony(&wav).map_err(|e| e.to_string())?;
            (
                Act::Speech {
                    samples,
                    reference: Some(reference),
                },
                format!("clip {clip}"),
            )
        }
        (None, Some(keys), None) => {
            if keys.is_empty()
                || !keys
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '*' || c == '#')
            {
                return Err(format!(
                    "keys `{keys}` must be one or more of 0-9, * and # (quote them: keys: \"1\")"
                ));
            }
            (Act::Keys(keys.clone()), format!("keys {keys}"))
        }
        (None, None, Some(true)) => (Act::Silence, "silence".to_string()),
        (None, None, Some(false)) => {
            return Err(
                "`silence: false` says nothing; leave the turn out or give `clip` or `keys`".into(),
            )
        }
        _ => {
            return Err(
                "a turn has exactly one of `clip: NAME.wav`, `keys: \"1\"` or `silence: true`"
                    .into(),
            )
        }
    };
    let cue = match (file.at_prompt_ms, file.gap_ms, &file.prompt) {
        (Some(_), Some(_), _) => return Err(
            "give `at_prompt_ms` (start during the prompt) or `gap_ms` (start after it), not both"
                .into(),
        ),
        (Some(ms), None, prompt) => Cue::DuringPrompt {
            after: Duration::from_millis(ms),
            prompt: prompt.clone(),
        },
        (None, _, Some(_)) => {
            return Err(
                "`prompt` picks the prompt `at_prompt_ms` counts from; give `at_prompt_ms` too"
                    .into(),
            )
        }
        (None, gap, None) => Cue::AfterPrompt {
            gap: gap.map_or(DEFAULT_GAP, Duration::from_millis),
        },
    };
    Ok((DebtorTurn { cue, act }, label))
}

/// Reads `expect.yaml`.
pub fn load_expect(path: &Path) -> Result<Expectation, ConversationError> {
    let file: ExpectFile = parse_yaml(path)?;
    let mut intents = Vec::new();
    for spanned in &file.intents {
        let name = spanned.value.trim();
        if name == NO_INTENT {
            intents.push(None);
            continue;
        }
        match Intent::from_name(name) {
            Some(intent) => intents.push(Some(intent)),
            None => {
                let pos = Pos::of(spanned);
                let known: Vec<&str> = Intent::ALL.iter().map(|i| i.name()).collect();
                return Err(ConversationError::File {
                    path: path.to_path_buf(),
                    line: pos.line,
                    column: pos.column,
                    message: format!(
                        "`{name}` is not an intent; use one of {}, or `{NO_INTENT}` for a turn without one (a silence)",
                        known.join(", ")
                    ),
                });
            }
        }
    }
    Ok(Expectation {
        intents,
        path: file.path,
        outcome: file.outcome,
        promise: file.promise,
        flags: file.flags,
        barge_in: file.barge_in,
    })
}

/// Reads a YAML file into `T`, with unknown fields and bad values reported as `file:line:column`.
fn parse_yaml<T: DeserializeOwned>(path: &Path) -> Result<T, ConversationError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConversationError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_saphyr::from_str::<T>(&text).map_err(|err| {
        let (position, message) = crate::wording::yaml_error(&err);
        let (line, column) = position.unwrap_or((0, 0));
        ConversationError::File {
            path: path.to_path_buf(),
            line,
            column,
            message: crate::wording::plain(&message),
        }
    })
}

/// `2026-11-23 12:00`, `2026-11-23T12:00` or either with seconds.
fn parse_local_time(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        "the current folder".to_string()
    } else {
        dir.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_take_a_space_or_a_t() {
        let want = NaiveDate::from_ymd_opt(2026, 11, 23)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(parse_local_time("2026-11-23 12:00"), Some(want));
        assert_eq!(parse_local_time("2026-11-23T12:00:00"), Some(want));
        assert_eq!(parse_local_time("2026-11-23"), None);
        assert_eq!(parse_local_time("noon"), None);
    }
}
