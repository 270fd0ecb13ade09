//! When debtor speech interrupts the robot: long enough, and not only a backchannel ("ага", "uh-huh").
//!
//! Pure: the detector is fed 20 ms voice decisions and recognised text with their times, and says when to stop
//! the prompt. A cough, a click or line noise is too short; a backchannel word is ignored however long. The
//! voice decisions it is fed have passed the noise gate ([`crate::audio::gate`]): hiss the VAD takes for
//! speech does not count.

use super::clock::FRAME;
use crate::audio::gate::GateConfig;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

/// The backchannel words shipped with softcall.
const SHIPPED_BACKCHANNELS: &str = include_str!("backchannels.txt");

/// Words that show the listener is following without taking the turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backchannels {
    words: HashSet<String>,
}

/// A backchannel list that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read the backchannel word list: {source} (one word a line, `#` starts a comment)")]
pub struct BackchannelsError {
    /// The file.
    pub path: String,
    /// The cause.
    pub source: std::io::Error,
}

impl Backchannels {
    /// Parses a list: one word a line, `#` comments and blank lines skipped.
    pub fn parse(text: &str) -> Self {
        let words = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        Self { words }
    }

    /// The shipped list (Russian and English).
    pub fn shipped() -> Self {
        Self::parse(SHIPPED_BACKCHANNELS)
    }

    /// Reads a list from a file.
    pub fn load(path: &Path) -> Result<Self, BackchannelsError> {
        std::fs::read_to_string(path)
            .map(|t| Self::parse(&t))
            .map_err(|source| BackchannelsError {
                path: path.display().to_string(),
                source,
            })
    }

    /// Whether `text` has words and every one of them is a backchannel.
    pub fn is_backchannel(&self, text: &str) -> bool {
        let mut words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .peekable();
        words.peek().is_some() && words.all(|w| self.words.contains(&w.to_lowercase()))
    }
}

/// The barge-in rule's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct BargeInRule {
    /// Voiced speech needed to stop an interruptible prompt (default 400 ms).
    pub min_speech: Duration,
    /// Longest unvoiced gap still counted as the same stretch of speech.
    pub max_gap: Duration,
    /// Words that never interrupt.
    pub backchannels: Backchannels,
    /// Which voiced frames count: line noise the VAD takes for speech does not.
    pub gate: GateConfig,
}

impl Default for BargeInRule {
    fn default() -> Self {
        Self {
            min_speech: Duration::from_millis(400),
            max_gap: Duration::from_millis(200),
            backchannels: Backchannels::shipped(),
            gate: GateConfig::default(),
        }
    }
}

impl BargeInRule {
    /// Whether `voiced` speech with the text heard so far (may be empty) takes the turn from the robot.
    pub fn interrupts(&self, voiced: Duration, text: &str) -> bool {
        voiced >= self.min_speech && !self.backchannels.is_backchannel(text)
    }
}

/// One stretch of debtor speech being measured.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    /// End of the last voiced frame.
    last_voiced_end: Instant,
    /// Voiced time so far.
    voiced: Duration,
    /// The latest partial text of the stretch.
    text: String,
}

/// Applies [`BargeInRule`] to a stream of voice decisions and partial results.
#[derive(Debug, Clone)]
pub struct BargeInDetector {
    rule: BargeInRule,
    run: Option<Run>,
}

impl BargeInDetector {
    /// A detector with no speech measured yet.
    pub fn new(rule: BargeInRule) -> Self {
        Self { rule, run: None }
    }

    /// The rule applied.
    pub fn rule(&self) -> &BargeInRule {
        &self.rule
    }

    /// One 20 ms frame starting at `at`; returns whether the speech so far interrupts.
    pub fn voice(&mut self, at: Instant, voiced: bool) -> bool {
        let gap_over = |run: &Run, end: Instant| {
            end.saturating_duration_since(run.last_voiced_end) > self.rule.max_gap
        };
        let end = at + FRAME;
        if voiced {
            match &mut self.run {
                Some(run) if !gap_over(run, at) => {
                    run.voiced += FRAME;
                    run.last_voiced_end = end;
                }
                _ => {
                    self.run = Some(Run {
                        last_voiced_end: end,
                        voiced: FRAME,
                        text: String::new(),
                    })
                }
            }
        } else if self.run.as_ref().is_some_and(|run| gap_over(run, end)) {
            self.run = None;
        }
        self.interrupts()
    }

    /// Text recognised so far in the current stretch; returns whether the speech so far interrupts.
    pub fn partial(&mut self, text: &str) -> bool {
        if let Some(run) = &mut self.run {
            run.text = text.to_string();
        }
        self.interrupts()
    }

    /// Forgets the stretch being measured (a prompt started or stopped, or the utterance ended).
    pub fn reset(&mut self) {
        self.run = None;
    }

    fn interrupts(&self) -> bool {
        self.run
            .as_ref()
            .is_some_and(|run| self.rule.interrupts(run.voiced, &run.text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds a pattern of frames (`#` voiced, `.` unvoiced) and partial texts (`|text|` after a frame);
    /// returns the frame index at which the detector first said "stop".
    fn first_stop(pattern: &str, partials: &[(usize, &str)]) -> Option<usize> {
        let mut d = BargeInDetector::new(BargeInRule::default());
        let t0 = Instant::now();
        for (i, c) in pattern.chars().enumerate() {
            let mut stop = d.voice(t0 + FRAME * i as u32, c == '#');
            for (_, text) in partials.iter().filter(|(at, _)| *at == i) {
                stop = d.partial(text);
            }
            if stop {
                return Some(i);
            }
        }
        None
    }

    /// Name, frame pattern, partial texts by frame, the frame that stops.
    type Case<'a> = (&'a str, &'a str, &'a [(usize, &'a str)], Option<usize>);

    #[test]
    fn barge_in_table() {
        let speech = "#".repeat(40);
        let gappy = "#####..".repeat(8);
        let sparse = "##............".repeat(10);
        let cases: &[Case] = &[
            (
                "half a second of speech stops at 400 ms",
                &speech,
                &[],
                Some(19),
            ),
            (
                "a 150 ms click does not",
                "#######.........................",
                &[],
                None,
            ),
            (
                "a 300 ms cough burst does not",
                "###############.........",
                &[],
                None,
            ),
            ("gaps of 40 ms are the same stretch", &gappy, &[], Some(25)),
            ("short bursts apart are separate noises", &sparse, &[], None),
            (
                "a long \"uh-huh\" does not",
                &speech,
                &[(5, "uh huh")],
                None,
            ),
            ("\"угу\" does not", &speech, &[(8, "угу")], None),
            (
                "words that are not backchannel stop",
                &speech,
                &[(8, "угу подождите")],
                Some(19),
            ),
            (
                "speech with no text yet stops on length alone",
                &speech,
                &[(30, "no wait")],
                Some(19),
            ),
        ];
        for (name, pattern, partials, expected) in cases {
            assert_eq!(first_stop(pattern, partials), *expected, "{name}");
        }
    }

    #[test]
    fn backchannel_words_ignore_case_and_punctuation() {
        let b = Backchannels::shipped();
        assert!(b.is_backchannel("Uh-huh."));
        assert!(b.is_backchannel("ага ага"));
        assert!(!b.is_backchannel(""));
        assert!(!b.is_backchannel("yes"));
        assert!(!b.is_backchannel("ага нет"));
    }

    #[test]
    fn the_rule_needs_both_length_and_words() {
        let rule = BargeInRule::default();
        assert!(rule.interrupts(Duration::from_millis(400), ""));
        assert!(!rule.interrupts(Duration::from_millis(380), "stop"));
        assert!(!rule.interrupts(Duration::from_secs(2), "mm"));
    }
}
