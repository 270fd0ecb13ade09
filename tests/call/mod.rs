//! The call core running whole calls in simulated time: a small driver plays prompts for a time that grows
//! with their length, and the debtor's speech arrives as 20 ms voice decisions followed by an utterance.

mod amd;
mod calls;
mod endings;
mod props;

use chrono::{TimeZone, Utc};
use softcall::audio::frame::frames_of;
use softcall::audio::gate::FrameLevel;
use softcall::audio::vad::{Aggressiveness, VoiceDetector};
use softcall::audio::wav::read_mono;
use softcall::call::config::CallConfig;
use softcall::call::core::CallCore;
use softcall::call::io::{Input, Output, PromptId, Record};
use softcall::call::report::CallReport;
use softcall::dialog::context::DebtorFile;
use softcall::dialog::flow::Flow;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A file of the repository.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// How long the simulated driver takes to play a prompt: 60 ms a character.
pub fn prompt_length(text: &str) -> Duration {
    Duration::from_millis(60 * text.chars().count() as u64)
}

/// The level `Sim::speak` gives its voiced frames: a vowel at a talker's level (over a silent line).
pub const SPEECH_LEVEL: FrameLevel = FrameLevel {
    energy_db: -20.0,
    flatness: 0.05,
};

/// What the simulated driver did with one output.
#[derive(Debug, Clone, PartialEq)]
pub enum Did {
    /// Started playing a prompt.
    Play(String, bool),
    /// Stopped the prompt.
    Stop,
    /// Switched the grammar.
    Grammar(Option<Vec<String>>),
    /// Asked for a transfer.
    Transfer(String),
    /// Hung up.
    Hangup,
    /// Stored a promise, callback, context card or callback task (by kind).
    Store(&'static str),
    /// The call ended.
    Ended,
}

/// A call of the shipped English flow driven in simulated time.
pub struct Sim {
    /// The core under test.
    pub core: CallCore,
    /// Simulated now.
    pub now: Instant,
    /// The prompt playing and when it ends.
    pub playing: Option<(PromptId, Instant)>,
    /// Everything the driver did, in order.
    pub did: Vec<Did>,
    /// The records stored.
    pub stored: Vec<Record>,
    /// Every report handed over with `Ended`.
    pub reports: Vec<CallReport>,
    /// Prompts the core asked to render ahead of their turn.
    pub prepared: Vec<String>,
}

impl Sim {
    /// Answers a call of the shipped English flow with the example debtor.
    pub fn english(config: CallConfig) -> Sim {
        Sim::start(
            "dialogs/soft_collection_en.yaml",
            "dialogs/examples/debtor_en.json",
            config,
        )
    }

    /// Answers a call of `flow` with `debtor` at 12:00 UTC on a Monday.
    pub fn start(flow: &str, debtor: &str, config: CallConfig) -> Sim {
        let flow = Arc::new(Flow::load(&repo(flow)).unwrap_or_else(|e| panic!("{e}")));
        let debtor = DebtorFile::load(&repo(debtor)).unwrap_or_else(|e| panic!("{e}"));
        let wall = Utc.with_ymd_and_hms(2026, 11, 23, 18, 0, 0).unwrap();
        let ctx = debtor.into_context(wall).unwrap();
        let now = Instant::now();
        let core = CallCore::start(flow, ctx, config, now);
        let mut sim = Sim {
            core,
            now,
            playing: None,
            did: Vec::new(),
            stored: Vec::new(),
            reports: Vec::new(),
            prepared: Vec::new(),
        };
        sim.input(Input::Answered);
        sim
    }

    /// Feeds one input now and performs the outputs.
    pub fn input(&mut self, input: Input) {
        self.core.handle_input(self.now, input);
        self.pump();
    }

    fn pump(&mut self) {
        while let Some(out) = self.core.poll_output() {
            match out {
                Output::Play {
                    id,
                    text,
                    interruptible,
                } => {
                    self.playing = Some((id, self.now + prompt_length(&text)));
                    self.did.push(Did::Play(text, interruptible));
                    self.core
                        .handle_input(self.now, Input::PromptStarted { id });
                }
                Output::Prepare { text } => self.prepared.push(text),
                Output::StopPlayback => {
                    self.playing = None;
                    self.did.push(Did::Stop);
                }
                Output::SetGrammar(g) => self.did.push(Did::Grammar(g)),
                Output::Transfer { target } => self.did.push(Did::Transfer(target)),
                Output::Hangup => {
                    self.playing = None;
                    self.did.push(Did::Hangup);
                }
                Output::Store(record) => {
                    self.did.push(Did::Store(match &record {
                        Record::Promise(_) => "promise",
                        Record::Callback { .. } => "callback",
                        Record::ContextCard(_) => "context_card",
                        Record::CallbackTask(_) => "callback_task",
                    }));
                    self.stored.push(record);
                }
                Output::Ended(report) => {
                    self.playing = None;
                    self.did.push(Did::Ended);
                    self.reports.push(*report);
                }
            }
        }
    }

    /// Moves simulated time to `until`, finishing prompts and running timers on the way.
    pub fn advance_to(&mut self, until: Instant) {
        loop {
            let prompt_end = self.playing.map(|(_, end)| end);
            let next = [prompt_end, self.core.poll_timeout()]
                .into_iter()
                .flatten()
                .filter(|t| *t <= until)
                .min();
            let Some(next) = next else { break };
            self.now = self.now.max(next);
            if let Some((id, end)) = self.playing {
                if end <= self.now {
                    self.playing = None;
                    self.core
                        .handle_input(self.now, Input::PromptFinished { id });
                    self.pump();
                    continue;
                }
            }
            self.core.handle_timeout(self.now);
            self.pump();
        }
        self.now = self.now.max(until);
    }

    /// Lets time pass.
    pub fn wait(&mut self, d: Duration) {
        let until = self.now + d;
        self.advance_to(until);
    }

    /// Waits until no prompt is playing (bounded to ten simulated minutes).
    pub fn wait_prompts(&mut self) {
        let limit = self.now + Duration::from_secs(600);
        while let Some((_, end)) = self.playing {
            if end > limit {
                break;
            }
            self.advance_to(end);
        }
    }

    /// The debtor speaks: `voiced` of voice frames at [`SPEECH_LEVEL`] from now (with the text as a partial
    /// result after 200 ms, as a recogniser gives it), then the recogniser's utterance.
    pub fn speak(&mut self, text: &str, voiced: Duration) {
        let answered = self.answered_at();
        let start = self.now;
        let frames = voiced.as_millis() / 20;
        for frame in 0..frames {
            self.input(Input::Voice {
                voiced: true,
                level: SPEECH_LEVEL,
            });
            if frame == 10 && !text.is_empty() {
                self.input(Input::Partial(text.to_string()));
            }
            let next = self.now + Duration::from_millis(20);
            self.advance_to(next);
        }
        for _ in 0..15 {
            self.input(Input::Voice {
                voiced: false,
                level: FrameLevel::SILENCE,
            });
            let next = self.now + Duration::from_millis(20);
            self.advance_to(next);
        }
        let secs = |t: Instant| t.duration_since(answered).as_secs_f64();
        self.input(Input::Utterance {
            text: text.to_string(),
            confidence: 0.9,
            start: secs(start),
            end: secs(start + voiced),
            closed: secs(self.now),
        });
    }

    /// The debtor's line sends a clip (8 kHz mono WAV) after `lead` of digital silence; each 20 ms frame goes
    /// through the WebRTC VAD as the listener's does and reaches the core as it would from a live call. Returns
    /// when playback was first stopped, counted from the start of the clip.
    pub fn play_clip(&mut self, clip: &str, lead: Duration) -> Option<Duration> {
        let audio = read_mono(&repo(clip)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(audio.sample_rate, 8000, "{clip}: an 8 kHz clip");
        let lead_frames = (lead.as_millis() / 20) as usize;
        let frames = std::iter::repeat_n([0i16; 160], lead_frames).chain(frames_of(&audio.samples));
        let mut vad = VoiceDetector::new(Aggressiveness::default());
        let stops = self.stops();
        let clip_start = self.now + lead;
        let mut stopped = None;
        for frame in frames {
            let voiced = vad.is_voiced(&frame);
            let level = FrameLevel::of(&frame);
            self.input(Input::Voice { voiced, level });
            if stopped.is_none() && self.stops() > stops {
                stopped = Some(self.now.saturating_duration_since(clip_start));
            }
            let next = self.now + Duration::from_millis(20);
            self.advance_to(next);
        }
        stopped
    }

    /// The debtor presses a key.
    pub fn key(&mut self, key: char) {
        self.input(Input::Dtmf(key));
    }

    /// The moment the call was answered (the sim answers at its start).
    fn answered_at(&self) -> Instant {
        self.core.clock().origin
    }

    /// The one report (panics unless exactly one `Ended` came).
    pub fn report(&self) -> &CallReport {
        assert_eq!(
            self.reports.len(),
            1,
            "expected exactly one Ended; did {:?}",
            self.did
        );
        &self.reports[0]
    }

    /// The prompts played, in order.
    pub fn prompts(&self) -> Vec<&str> {
        self.did
            .iter()
            .filter_map(|d| match d {
                Did::Play(text, _) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    /// How many times playback was stopped.
    pub fn stops(&self) -> usize {
        self.did.iter().filter(|d| **d == Did::Stop).count()
    }
}

impl Sim {
    /// Plays prompts until one containing `words` starts (panics if the call ends first).
    pub fn until_prompt(&mut self, words: &str) {
        for _ in 0..50 {
            if let (Some(_), Some(Did::Play(text, _))) = (
                self.playing,
                self.did.iter().rev().find(|d| matches!(d, Did::Play(..))),
            ) {
                if text.contains(words) {
                    return;
                }
            }
            match self.playing {
                Some((_, end)) => self.advance_to(end),
                None => panic!("no prompt with {words:?} came; did {:?}", self.did),
            }
        }
        panic!("no prompt with {words:?} came; did {:?}", self.did);
    }
}
