//! Conversation fixtures: whole calls replayed through the real call core in virtual time
//! ([`crate::call::replay`]) and checked against what they must come to.
//!
//! A fixture is a folder with `conversation.yaml`, `debtor.json` and `expect.yaml` ([`fixture`]); [`Runner`]
//! replays one and compares the call with the expectation ([`check`]); [`junit`] writes the results as JUnit
//! XML. docs/qa.md describes the files.

pub mod check;
pub mod fixture;
pub mod junit;

use crate::asr::model::AsrModel;
use crate::call::config::CallConfig;
use crate::call::replay::{self, Heard, Hearing, PromptPlayed, Setup, TransferAnswer};
use crate::call::report::CallReport;
use crate::config::{Config, Need};
use crate::dialog::nlu::Lang;
use crate::tts::cache::PromptCache;
use crate::tts::speaker::Speaker;
use crate::tts::voice::Voice;
use check::Mismatch;
use fixture::{Conversation, QueueSetting, CONVERSATION_FILE};
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The agent queue a replayed hand-off is transferred to (no call leaves the machine).
pub const REPLAY_QUEUE: &str = "sip:agents@replay.invalid";

/// Why a fixture could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// A fixture file could not be read.
    #[error("{path}: cannot read: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A fixture file is malformed, has an unknown field or a value that cannot be used.
    #[error("{path}:{line}:{column}: {message} (see docs/qa.md)")]
    File {
        /// The file.
        path: PathBuf,
        /// Line, 1-based (0 when unknown).
        line: u64,
        /// Column, 1-based (0 when unknown).
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// The flow could not be loaded.
    #[error(transparent)]
    Flow(#[from] crate::dialog::flow::FlowError),
    /// The debtor record could not be used.
    #[error(transparent)]
    Debtor(#[from] crate::dialog::context::DebtorError),
    /// The configuration names no model or voice for the flow's language.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The voice could not be loaded.
    #[error(transparent)]
    Tts(#[from] crate::tts::TtsError),
    /// The recogniser could not be loaded.
    #[error(transparent)]
    Asr(#[from] crate::asr::AsrError),
    /// The replay could not start.
    #[error(transparent)]
    Replay(#[from] replay::ReplayError),
}

/// The conversation fixtures `path` holds: itself when it has `conversation.yaml`, else its subfolders that
/// have one (sorted); `None` when it is neither (a WAV file, or a folder of clips).
pub fn find(path: &Path) -> Option<Vec<PathBuf>> {
    if path.join(CONVERSATION_FILE).is_file() {
        return Some(vec![path.to_path_buf()]);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir(path)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(CONVERSATION_FILE).is_file())
        .collect();
    found.sort();
    (!found.is_empty()).then_some(found)
}

/// Whether `dir` is a conversation fixture (its clips are turns of a call, not clips to replay alone).
pub fn is_fixture(dir: &Path) -> bool {
    dir.join(CONVERSATION_FILE).is_file()
}

/// Where the debtor's words come from in a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Asr {
    /// The Vosk recogniser hears the clips.
    Recognizer,
    /// Each clip's reference transcript (`NAME.txt`) stands for what was heard.
    Reference,
}

/// The replayed call of one fixture.
#[derive(Debug, Clone, Serialize)]
pub struct CallResult {
    /// The flow file run.
    pub flow: PathBuf,
    /// Where the debtor's text came from (the report's `recognition`).
    pub recognition: String,
    /// The fixture's turns (`clip yes.wav`, `keys 1`, `silence`).
    pub turns: Vec<String>,
    /// How many of them started before the call ended.
    pub turns_played: usize,
    /// Virtual seconds from the answer to the end of the call.
    pub virtual_secs: f64,
    /// Every utterance found, with what the recogniser heard and the reference.
    pub heard: Vec<Heard>,
    /// Every prompt the robot played.
    pub prompts: Vec<PromptPlayed>,
    /// Things to know about this replay.
    pub notes: Vec<String>,
    /// The call core's report.
    pub report: CallReport,
}

/// The result of one fixture.
#[derive(Debug, Clone, Serialize)]
pub struct FixtureRun {
    /// The fixture's folder name.
    pub name: String,
    /// The fixture's folder.
    pub dir: PathBuf,
    /// Whether the call met every expectation.
    pub passed: bool,
    /// Why the fixture could not be replayed, when it could not.
    pub error: Option<String>,
    /// What differs from the expectation.
    pub mismatches: Vec<Mismatch>,
    /// The differences (or the error) as text.
    pub diff: String,
    /// Wall-clock seconds the replay took.
    pub wall_secs: f64,
    /// The replayed call.
    pub call: Option<CallResult>,
}

/// Replays conversation fixtures, loading each voice and recogniser once.
pub struct Runner<'c> {
    config: &'c Config,
    asr: Asr,
    speakers: HashMap<Lang, Speaker>,
}

impl<'c> Runner<'c> {
    /// A runner with models and voices from `config`.
    pub fn new(config: &'c Config, asr: Asr) -> Self {
        Self {
            config,
            asr,
            speakers: HashMap::new(),
        }
    }

    /// Replays the fixture in `dir` and checks it; a fixture that cannot be replayed fails with the reason.
    pub fn run(&mut self, dir: &Path) -> FixtureRun {
        let started = Instant::now();
        let name = dir.file_name().map_or_else(
            || dir.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let result = self.replay(dir);
        let wall_secs = started.elapsed().as_secs_f64();
        match result {
            Ok((conversation, call)) => {
                let mismatches = check::compare(&conversation.expect, &call.report);
                FixtureRun {
                    name: conversation.name,
                    dir: dir.to_path_buf(),
                    passed: mismatches.is_empty(),
                    error: None,
                    diff: check::render(&mismatches),
                    mismatches,
                    wall_secs,
                    call: Some(call),
                }
            }
            Err(e) => FixtureRun {
                name,
                dir: dir.to_path_buf(),
                passed: false,
                error: Some(e.to_string()),
                mismatches: Vec::new(),
                diff: e.to_string(),
                wall_secs,
                call: None,
            },
        }
    }

    fn replay(&mut self, dir: &Path) -> Result<(Conversation, CallResult), ConversationError> {
        let repo = self
            .config
            .source
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let conversation = fixture::load(dir, &repo)?;
        let lang = conversation.flow.lang;
        let (hearing, note) = self.hearing(lang)?;
        let listen = self.config.listen.clone();
        let speaker = self.speaker(lang)?;
        let mut config = CallConfig::default();
        let transfer = match conversation.agent_queue {
            QueueSetting::Accepts => TransferAnswer::Accept,
            QueueSetting::Refuses => TransferAnswer::Reject,
            QueueSetting::None => TransferAnswer::Reject,
        };
        if conversation.agent_queue != QueueSetting::None {
            config.transfer_target = Some(REPLAY_QUEUE.to_string());
        }
        let setup = Setup {
            flow: Arc::clone(&conversation.flow),
            ctx: conversation.ctx.clone(),
            config,
            listen,
            speaker,
            hearing,
            transfer,
        };
        let call = replay::run(setup, &conversation.turns)?;
        let mut notes: Vec<String> = note.into_iter().collect();
        notes.extend(call.notes);
        let report = call.report;
        let result = CallResult {
            flow: conversation.flow_path.clone(),
            recognition: report.recognition.clone().unwrap_or_default(),
            turns: conversation.turn_labels.clone(),
            turns_played: call.turns_played,
            virtual_secs: call.virtual_time.as_secs_f64(),
            heard: call.heard,
            prompts: call.prompts,
            notes,
            report,
        };
        Ok((conversation, result))
    }

    /// How the debtor is heard in a flow of `lang`, and a note when the recogniser is not of the flow's language.
    fn hearing(&self, lang: Lang) -> Result<(Hearing, Option<String>), ConversationError> {
        if self.asr == Asr::Reference {
            return Ok((Hearing::Reference, None));
        }
        let own = self
            .config
            .language(Some(lang.code()))
            .ok()
            .map(|l| l.asr_model.clone())
            .filter(|p| p.is_dir());
        let (model_path, note) = match own {
            Some(path) => (path, None),
            None => {
                let choice = self.config.usable_language(Need::Recogniser)?;
                let path = self.config.language(Some(&choice.lang))?.asr_model.clone();
                let note = format!(
                    "the flow speaks `{}` but no `{}` recognition model is installed, so the `{}` model heard the clips: \
                     expect them misheard (pass --asr reference to check the call logic alone)",
                    lang.code(),
                    lang.code(),
                    choice.lang
                );
                (path, Some(note))
            }
        };
        Ok((Hearing::Recognizer(AsrModel::load(&model_path)?), note))
    }

    /// The speaker of `lang`, loaded on first use.
    fn speaker(&mut self, lang: Lang) -> Result<&Speaker, ConversationError> {
        match self.speakers.entry(lang) {
            Entry::Occupied(entry) => Ok(entry.into_mut()),
            Entry::Vacant(entry) => {
                let voice =
                    Voice::load_configured(self.config.voice(Some(lang.code()))?, self.config)?;
                Ok(entry.insert(Speaker::new(
                    Arc::new(voice),
                    PromptCache::new(self.config.prompt_cache_dir()),
                )))
            }
        }
    }
}

/// Counts over a run of fixtures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    /// Fixtures that met their expectations.
    pub passed: usize,
    /// Fixtures that did not, or could not be replayed.
    pub failed: usize,
    /// Virtual seconds of calls replayed.
    pub virtual_secs: f64,
    /// Wall-clock seconds the replays took.
    pub wall_secs: f64,
}

impl Summary {
    /// Adds up `runs`.
    pub fn of(runs: &[FixtureRun]) -> Self {
        let mut summary = Summary::default();
        for run in runs {
            if run.passed {
                summary.passed += 1;
            } else {
                summary.failed += 1;
            }
            summary.wall_secs += run.wall_secs;
            summary.virtual_secs += run.call.as_ref().map_or(0.0, |c| c.virtual_secs);
        }
        summary
    }

    /// Virtual seconds replayed per wall-clock second (`None` when nothing was replayed).
    pub fn speed(&self) -> Option<f64> {
        (self.wall_secs > 0.0 && self.virtual_secs > 0.0)
            .then(|| self.virtual_secs / self.wall_secs)
    }
}
