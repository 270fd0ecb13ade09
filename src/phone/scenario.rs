//! The scenario a simulated phone follows on one call (YAML; see docs/phone.md).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// How the phone reacts to the INVITE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AnswerMode {
    /// Rings for `ring_ms`, then answers.
    #[default]
    Answer,
    /// Rings for `ring_ms`, then answers 486 Busy Here.
    Busy,
    /// Rings for `ring_ms`, then answers 603 Decline.
    Decline,
    /// Rings until the caller gives up (also written `no_answer`).
    #[serde(alias = "no_answer")]
    RingOut,
}

/// How the phone answers each call for its user: one mode for every call, or one per call in order (the
/// last one for every later call), e.g. `[no_answer, answer]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerPlan(Vec<AnswerMode>);

impl AnswerPlan {
    /// The same mode for every call.
    pub fn always(mode: AnswerMode) -> Self {
        AnswerPlan(vec![mode])
    }

    /// The mode for the `call`-th call (1-based) this phone got for the user.
    pub fn for_call(&self, call: u64) -> AnswerMode {
        let index = usize::try_from(call.saturating_sub(1)).unwrap_or(usize::MAX);
        self.0
            .get(index)
            .or(self.0.last())
            .copied()
            .unwrap_or_default()
    }

    /// The modes, in call order.
    pub fn modes(&self) -> &[AnswerMode] {
        &self.0
    }
}

impl Default for AnswerPlan {
    fn default() -> Self {
        AnswerPlan::always(AnswerMode::default())
    }
}

impl<'de> Deserialize<'de> for AnswerPlan {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Plan;
        impl<'de> serde::de::Visitor<'de> for Plan {
            type Value = AnswerPlan;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "an answer mode (answer, busy, decline, ring_out or no_answer) or a list of them, one per call",
                )
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<AnswerPlan, E> {
                let mode = AnswerMode::deserialize(serde::de::value::StrDeserializer::<E>::new(v))?;
                Ok(AnswerPlan::always(mode))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<AnswerPlan, A::Error> {
                let mut modes = Vec::new();
                while let Some(mode) = seq.next_element::<AnswerMode>()? {
                    modes.push(mode);
                }
                if modes.is_empty() {
                    return Err(serde::de::Error::custom(
                        "`answer` lists no mode: write one mode, or one per call such as [no_answer, answer]",
                    ));
                }
                Ok(AnswerPlan(modes))
            }
        }
        deserializer.deserialize_any(Plan)
    }
}

/// When a step starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// When the robot's current or next prompt ends (the default).
    #[default]
    PromptEnd,
    /// Right after the previous step.
    Now,
}

/// What a step does.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Plays a WAV clip (any rate and format; resampled to 8 kHz), path relative to the scenario file.
    Play(PathBuf),
    /// Sends keys (`0-9*#A-D`) as RFC 4733 events.
    Keys(String),
    /// Waits this many milliseconds.
    WaitMs(u64),
    /// Hangs up (the value is ignored; write `hangup: true`).
    Hangup(bool),
}

/// One step: a trigger and an action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// When the step starts (default: at the end of the robot's prompt).
    #[serde(default)]
    pub after: Trigger,
    /// Instead of `after`: this many ms after the robot's current or next prompt starts (barge-in).
    #[serde(default)]
    pub at_prompt_ms: Option<u64>,
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
    /// Send `keys` also (or only, with `rtp: false`) as SIP INFO.
    #[serde(default)]
    pub info: bool,
}

/// How the call ends after the last step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// Wait for the robot's BYE (the default).
    #[default]
    WaitBye,
    /// Hang up at once.
    Hangup,
}

fn default_ring_ms() -> u64 {
    1000
}
fn default_silence_ms() -> u64 {
    700
}
fn default_max_call_ms() -> u64 {
    120_000
}

/// A whole scenario.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Answer, busy, decline or ring out: for every call, or per call to this user in order.
    #[serde(default)]
    pub answer: AnswerPlan,
    /// Ringing time before the answer or the refusal.
    #[serde(default = "default_ring_ms")]
    pub ring_ms: u64,
    /// Silence after robot speech that ends a prompt.
    #[serde(default = "default_silence_ms")]
    pub silence_ms: u64,
    /// The phone hangs up after this long whatever happens.
    #[serde(default = "default_max_call_ms")]
    pub max_call_ms: u64,
    /// What the phone does, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// After the last step.
    #[serde(default)]
    pub end: Ending,
}

/// Why a scenario cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read.
    #[error("cannot read scenario {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The YAML does not describe a scenario.
    #[error("{path}:{line}:{column}: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: u64,
        /// 1-based column (0 when unknown).
        column: u64,
        /// What is wrong.
        message: String,
    },
    /// A step is not usable.
    #[error("{path}: step {step}: {problem}")]
    Step {
        /// The file.
        path: PathBuf,
        /// 1-based step number.
        step: usize,
        /// What is wrong and how to fix it.
        problem: String,
    },
}

impl Scenario {
    /// Reads a scenario file; clip paths become relative to its folder.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut scenario = Scenario::parse(&text, path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        for step in &mut scenario.steps {
            if let Action::Play(clip) = &mut step.action {
                if clip.is_relative() {
                    *clip = base.join(&*clip);
                }
            }
        }
        Ok(scenario)
    }

    /// Parses scenario text; `path` names the source in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ScenarioError> {
        let scenario: Scenario = serde_saphyr::from_str(text).map_err(|err| {
            let (line, column) = err
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((0, 0));
            let message = err.without_snippet().to_string();
            ScenarioError::Yaml {
                path: path.to_path_buf(),
                line,
                column,
                message: message.lines().next().unwrap_or("").to_string(),
            }
        })?;
        for (i, step) in scenario.steps.iter().enumerate() {
            let problem = match &step.action {
                Action::Keys(k) if k.is_empty() => Some("`keys` is empty".to_string()),
                Action::Keys(k) => k
                    .chars()
                    .find(|c| !(c.is_ascii_digit() || "*#ABCD".contains(*c)))
                    .map(|c| format!("key `{c}` is not one of 0-9 * # A-D")),
                _ if step.info => Some("`info: true` only goes with `keys`".to_string()),
                _ => None,
            };
            if let Some(problem) = problem {
                return Err(ScenarioError::Step {
                    path: path.to_path_buf(),
                    step: i + 1,
                    problem,
                });
            }
        }
        Ok(scenario)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_steps_with_defaults_and_rejects_bad_keys() {
        let s = Scenario::parse(
            "answer: answer\nring_ms: 200\nsteps:\n  - play: hello.wav\n  - at_prompt_ms: 800\n    keys: \"1#\"\n    info: true\n  - after: now\n    wait_ms: 500\n  - hangup: true\n",
            Path::new("s.yaml"),
        )
        .unwrap();
        assert_eq!(s.ring_ms, 200);
        assert_eq!(s.silence_ms, 700);
        assert_eq!(s.steps.len(), 4);
        assert_eq!(s.steps[0].after, Trigger::PromptEnd);
        assert_eq!(s.steps[0].action, Action::Play("hello.wav".into()));
        assert_eq!(s.steps[1].at_prompt_ms, Some(800));
        assert_eq!(s.steps[1].action, Action::Keys("1#".into()));
        assert!(s.steps[1].info);
        assert_eq!(s.steps[2].after, Trigger::Now);
        assert_eq!(s.steps[3].action, Action::Hangup(true));
        assert_eq!(s.end, Ending::WaitBye);

        let err = Scenario::parse("steps:\n  - keys: \"1x\"\n", Path::new("s.yaml")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "s.yaml: step 1: key `x` is not one of 0-9 * # A-D"
        );
        let err = Scenario::parse("answer: maybe\n", Path::new("s.yaml")).unwrap_err();
        assert!(matches!(err, ScenarioError::Yaml { line: 1, .. }), "{err}");
    }

    #[test]
    fn answer_takes_one_mode_or_one_per_call() {
        let parse = |text: &str| Scenario::parse(text, Path::new("s.yaml"));
        let one = parse("answer: busy\n").unwrap();
        assert_eq!(one.answer, AnswerPlan::always(AnswerMode::Busy));
        assert_eq!(one.answer.for_call(5), AnswerMode::Busy);
        assert_eq!(
            parse("ring_ms: 1\n").unwrap().answer.for_call(1),
            AnswerMode::Answer
        );
        let plan = parse("answer: [no_answer, answer]\n").unwrap().answer;
        assert_eq!(plan.modes(), [AnswerMode::RingOut, AnswerMode::Answer]);
        assert_eq!(plan.for_call(1), AnswerMode::RingOut);
        assert_eq!(plan.for_call(2), AnswerMode::Answer);
        assert_eq!(
            plan.for_call(3),
            AnswerMode::Answer,
            "the last mode repeats"
        );
        let block = parse("answer:\n  - busy\n  - decline\n").unwrap().answer;
        assert_eq!(block.modes(), [AnswerMode::Busy, AnswerMode::Decline]);

        let empty = parse("answer: []\n").unwrap_err().to_string();
        assert!(
            empty.starts_with("s.yaml:1:") && empty.contains("lists no mode"),
            "{empty}"
        );
        let unknown = parse("ring_ms: 5\nanswer: [no_answer, maybe]\n")
            .unwrap_err()
            .to_string();
        assert!(
            unknown.starts_with("s.yaml:2:") && unknown.contains("maybe"),
            "{unknown}"
        );
        let number = parse("answer: 3\n").unwrap_err().to_string();
        assert!(number.contains("answer mode"), "{number}");
    }
}
