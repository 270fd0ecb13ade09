//! Scoring the classifier on labelled recordings: the figures of `softcall bench amd` and the fixture test.
//!
//! A folder holds `NAME.wav` clips and `labels.csv` (`clip,label,set,beep_at_ms`): the true party, the set
//! the clip belongs to (`tune` clips chose the parameters, `holdout` clips did not), and where a beep
//! starts, if any. Each clip runs through the real WebRTC VAD and the detector from answer on.

use super::super::frame::{frames_of, FRAME_MS, SAMPLE_RATE};
use super::super::vad::{Aggressiveness, VoiceDetector};
use super::super::wav::read_telephony;
use super::super::AudioError;
use super::config::{AmdConfig, AmdConfigError, Party};
use super::detector::{AmdDecision, AmdDetector};
use std::path::{Path, PathBuf};

/// One labelled clip.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledClip {
    /// Clip name (the file without `.wav`).
    pub name: String,
    /// The WAV file.
    pub path: PathBuf,
    /// Who is really on the line.
    pub truth: Party,
    /// `tune` or `holdout`.
    pub set: String,
    /// Where a beep starts, if the clip has one.
    pub beep_at_ms: Option<u64>,
}

/// Why a fixture folder cannot be scored.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// `labels.csv` is missing or unreadable.
    #[error("{path}: cannot read the labels ({source}); make them with scripts/make-amd-fixtures")]
    Labels {
        /// The labels file.
        path: String,
        /// What the file system reported.
        source: std::io::Error,
    },
    /// A line of `labels.csv` is malformed.
    #[error("{path}:{line}: {message} (expected `clip,human|machine,tune|holdout,beep_at_ms`)")]
    BadLine {
        /// The labels file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A clip could not be read.
    #[error(transparent)]
    Audio(#[from] AudioError),
    /// The detector settings are unusable.
    #[error(transparent)]
    Config(#[from] AmdConfigError),
}

/// Reads `labels.csv` of a fixture folder.
pub fn read_labels(dir: &Path) -> Result<Vec<LabeledClip>, EvalError> {
    let path = dir.join("labels.csv");
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| EvalError::Labels {
        path: shown.clone(),
        source,
    })?;
    let bad = |line: usize, message: String| EvalError::BadLine {
        path: shown.clone(),
        line,
        message,
    };
    let mut clips = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split(',').map(str::trim).collect();
        let [name, label, set, beep] = cols[..] else {
            return Err(bad(i + 1, format!("{} columns", cols.len())));
        };
        let truth = match label {
            "human" => Party::Human,
            "machine" => Party::Machine,
            other => return Err(bad(i + 1, format!("label `{other}`"))),
        };
        let beep_at_ms = match beep {
            "" => None,
            ms => Some(
                ms.parse()
                    .map_err(|_| bad(i + 1, format!("beep_at_ms `{ms}`")))?,
            ),
        };
        clips.push(LabeledClip {
            name: name.to_string(),
            path: dir.join(format!("{name}.wav")),
            truth,
            set: set.to_string(),
            beep_at_ms,
        });
    }
    Ok(clips)
}

/// What the detector made of one clip.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipResult {
    /// The clip.
    pub clip: LabeledClip,
    /// The classification (`Human`, `Machine` or `Undecided`) and when it was made, ms after answer.
    pub decision: Option<(u64, AmdDecision)>,
    /// The party the decision means (`undecided_as` applied; a clip too short for any decision counts as
    /// undecided).
    pub verdict: Party,
    /// Where the detector found a beep's start, if it did.
    pub beep_found_ms: Option<u64>,
    /// Length of the clip, s.
    pub clip_secs: f64,
}

impl ClipResult {
    /// True when the verdict matches the label.
    pub fn correct(&self) -> bool {
        self.verdict == self.clip.truth
    }
}

/// Every decision and event the detector reports for 8 kHz samples from answer on, with their times.
pub fn detect(
    samples: &[i16],
    config: &AmdConfig,
    vad: Aggressiveness,
) -> Result<Vec<(u64, AmdDecision)>, AmdConfigError> {
    let mut detector = AmdDetector::new(config.clone())?;
    let mut voice = VoiceDetector::new(vad);
    let mut out = Vec::new();
    for frame in frames_of(samples) {
        let voiced = voice.is_voiced(&frame);
        if let Some(decision) = detector.push(&frame, voiced) {
            out.push((detector.now_ms(), decision));
        }
        if detector.is_done() {
            break;
        }
    }
    Ok(out)
}

/// Runs one labelled clip through the VAD and the detector.
pub fn run_clip(
    clip: &LabeledClip,
    config: &AmdConfig,
    vad: Aggressiveness,
) -> Result<ClipResult, EvalError> {
    let samples = read_telephony(&clip.path)?;
    let events = detect(&samples, config, vad)?;
    let decision = events
        .iter()
        .find(|(_, d)| d.party(config.undecided_as).is_some())
        .copied();
    let verdict = decision
        .and_then(|(_, d)| d.party(config.undecided_as))
        .unwrap_or(config.undecided_as);
    let beep_found_ms = events.iter().find_map(|(_, d)| match d {
        AmdDecision::Machine {
            beep_at: Some(at), ..
        } => Some(*at),
        AmdDecision::BeepDetected { start_ms, .. } => Some(*start_ms),
        _ => None,
    });
    Ok(ClipResult {
        clip: clip.clone(),
        decision,
        verdict,
        beep_found_ms,
        clip_secs: samples.len() as f64 / f64::from(SAMPLE_RATE),
    })
}

/// Runs every clip of a fixture folder.
pub fn run_folder(
    dir: &Path,
    config: &AmdConfig,
    vad: Aggressiveness,
) -> Result<Vec<ClipResult>, EvalError> {
    read_labels(dir)?
        .iter()
        .map(|clip| run_clip(clip, config, vad))
        .collect()
}

/// How far a found beep may be from the labelled start and still count as found.
pub const BEEP_TOLERANCE_MS: u64 = 3 * FRAME_MS as u64;

/// The figures over a set of clips.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Clips scored.
    pub clips: usize,
    /// Share classified correctly (0–1).
    pub accuracy: f64,
    /// People among the clips.
    pub humans: usize,
    /// People classified as machines (the costly error).
    pub humans_as_machine: usize,
    /// Machines among the clips.
    pub machines: usize,
    /// Machines classified as people (or undecided, treated as people).
    pub machines_missed: usize,
    /// Mean time from answer to the classification, ms.
    pub mean_decision_ms: f64,
    /// Mean time from answer to the classification on people's clips: how long a person waits, ms.
    pub mean_human_decision_ms: f64,
    /// Clips with a labelled beep.
    pub beeps: usize,
    /// Labelled beeps found within [`BEEP_TOLERANCE_MS`] of their start.
    pub beeps_found: usize,
    /// Beeps reported where the label has none, or far from the labelled one.
    pub false_beeps: usize,
}

impl Summary {
    /// Share of people wrongly classified as machines (0–1).
    pub fn false_machine_rate(&self) -> f64 {
        ratio(self.humans_as_machine, self.humans)
    }

    /// Share of machines classified as people (0–1).
    pub fn missed_machine_rate(&self) -> f64 {
        ratio(self.machines_missed, self.machines)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Figures over the results whose set is `set` (all results when `None`).
pub fn summarize(results: &[ClipResult], set: Option<&str>) -> Summary {
    let chosen: Vec<&ClipResult> = results
        .iter()
        .filter(|r| set.is_none_or(|s| r.clip.set == s))
        .collect();
    let count = |f: &dyn Fn(&ClipResult) -> bool| chosen.iter().filter(|r| f(r)).count();
    let beep_ok = |r: &ClipResult| match (r.clip.beep_at_ms, r.beep_found_ms) {
        (Some(truth), Some(found)) => truth.abs_diff(found) <= BEEP_TOLERANCE_MS,
        _ => false,
    };
    let mean_decision = |f: &dyn Fn(&ClipResult) -> bool| {
        let times: Vec<u64> = chosen
            .iter()
            .filter(|r| f(r))
            .filter_map(|r| r.decision.map(|(at, _)| at))
            .collect();
        if times.is_empty() {
            0.0
        } else {
            times.iter().sum::<u64>() as f64 / times.len() as f64
        }
    };
    Summary {
        clips: chosen.len(),
        accuracy: ratio(count(&|r| r.correct()), chosen.len()),
        humans: count(&|r| r.clip.truth == Party::Human),
        humans_as_machine: count(&|r| r.clip.truth == Party::Human && !r.correct()),
        machines: count(&|r| r.clip.truth == Party::Machine),
        machines_missed: count(&|r| r.clip.truth == Party::Machine && !r.correct()),
        mean_decision_ms: mean_decision(&|_| true),
        mean_human_decision_ms: mean_decision(&|r| r.clip.truth == Party::Human),
        beeps: count(&|r| r.clip.beep_at_ms.is_some()),
        beeps_found: count(&|r| beep_ok(r)),
        false_beeps: count(&|r| r.beep_found_ms.is_some() && !beep_ok(r)),
    }
}
