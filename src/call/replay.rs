//! A whole call in virtual time, without SIP: the real [`CallCore`], the robot's prompts rendered by the real
//! [`Speaker`] (so each lasts as long as it would on the line), and a scripted debtor whose clips go frame by
//! frame through the real [`Listener`] (VAD → endpointer → recogniser), keys as [`Input::Dtmf`], silence
//! frames in between. Time advances 20 ms a frame and nothing sleeps, so a call replays far faster than it
//! would last.
//!
//! ```ignore
//! let call = replay::run(setup, &turns)?;   // turns: what the debtor does, and when
//! println!("{:?} after {:?}", call.report.outcome, call.virtual_time);
//! ```

use super::clock::FRAME;
use super::config::CallConfig;
use super::core::CallCore;
use super::io::{Input, Output, PromptId, Record};
use super::report::CallReport;
use crate::asr::listener::{ListenEvent, Listener, Utterance};
use crate::asr::model::AsrModel;
use crate::asr::AsrError;
use crate::audio::amd::{AmdConfigError, AmdDetector};
use crate::audio::frame::{Frame, FRAME_SAMPLES, SAMPLE_RATE};
use crate::audio::gate::FrameLevel;
use crate::config::ListenConfig;
use crate::dialog::context::CallContext;
use crate::dialog::flow::Flow;
use crate::tts::speaker::Speaker;
use serde::Serialize;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Time between two keys of one keys turn.
pub const KEY_SPACING: Duration = Duration::from_millis(200);
/// How long the agent queue takes to answer a transfer.
pub const TRANSFER_ANSWER_AFTER: Duration = Duration::from_secs(2);
/// Virtual time allowed past the call's maximum length before the replay gives up on a call that never ends.
const OVERRUN: Duration = Duration::from_secs(60);

/// What the debtor does in one turn.
#[derive(Debug, Clone, PartialEq)]
pub enum Act {
    /// Speaks a clip.
    Speech {
        /// The clip at 8 kHz.
        samples: Vec<i16>,
        /// What the clip says, when known.
        reference: Option<String>,
    },
    /// Presses keys, [`KEY_SPACING`] apart.
    Keys(String),
    /// Says nothing until the robot speaks again.
    Silence,
}

/// When a turn starts, relative to the robot's reply to the turn before (for the first turn: the robot's
/// opening prompts).
#[derive(Debug, Clone, PartialEq)]
pub enum Cue {
    /// Once the reply has played and the robot has been quiet for `gap`.
    AfterPrompt {
        /// Quiet time before the debtor acts.
        gap: Duration,
    },
    /// `after` from the start of a prompt of the reply (barge-in when that prompt is still playing).
    DuringPrompt {
        /// Time from the start of the prompt.
        after: Duration,
        /// The first prompt of the reply whose text contains this (any case); `None`: the reply's first prompt.
        prompt: Option<String>,
    },
}

/// One turn of the scripted debtor.
#[derive(Debug, Clone, PartialEq)]
pub struct DebtorTurn {
    /// When it starts.
    pub cue: Cue,
    /// What the debtor does.
    pub act: Act,
}

/// Where the text of what the debtor said comes from.
#[derive(Debug, Clone)]
pub enum Hearing {
    /// The recogniser, on this model, hears the clip.
    Recognizer(AsrModel),
    /// The clip's reference transcript; the recogniser is not run (times still come from the VAD and the
    /// endpointer on the clip's audio).
    Reference,
}

/// How the agent queue answers a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAnswer {
    /// It takes the call.
    Accept,
    /// It refuses the call.
    Reject,
}

/// Everything a replayed call needs.
pub struct Setup<'a> {
    /// The flow to run.
    pub flow: Arc<Flow>,
    /// The debtor and the call's wall-clock start.
    pub ctx: CallContext,
    /// How the call is conducted (its `transfer_target` decides whether hand-offs are transferred).
    pub config: CallConfig,
    /// VAD and endpointer settings.
    pub listen: ListenConfig,
    /// Renders the robot's prompts.
    pub speaker: &'a Speaker,
    /// Recogniser or reference transcripts.
    pub hearing: Hearing,
    /// How the agent queue answers a transfer.
    pub transfer: TransferAnswer,
}

/// One utterance the listener found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Heard {
    /// The script turn (1-based) whose clip the utterance falls in; `None` when it falls in none.
    pub turn: Option<usize>,
    /// Start, in seconds from the answer.
    pub start: f64,
    /// End, in seconds from the answer.
    pub end: f64,
    /// What the recogniser heard (`None`: the recogniser was not run).
    pub recognised: Option<String>,
    /// The clip's reference transcript, when it has one.
    pub reference: Option<String>,
    /// The text handed to the call core.
    pub text: String,
    /// The confidence handed to the call core.
    pub confidence: f64,
}

/// One prompt the robot played.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromptPlayed {
    /// The prompt's text.
    pub text: String,
    /// Whether the debtor could talk over it.
    pub interruptible: bool,
    /// Start, ms from the answer.
    pub start_ms: u64,
    /// End (played out or stopped), ms from the answer; `None` if the replay ended first.
    pub end_ms: Option<u64>,
    /// Its rendered length in ms.
    pub length_ms: u64,
    /// Whether it was stopped before its end.
    pub stopped: bool,
}

/// What a replayed call produced.
#[derive(Debug, Clone)]
pub struct ReplayedCall {
    /// The call core's report; `recognition` says where the debtor's text came from.
    pub report: CallReport,
    /// Every utterance the listener found, with what was heard.
    pub heard: Vec<Heard>,
    /// Every prompt played, in order.
    pub prompts: Vec<PromptPlayed>,
    /// The records the core handed over for storing.
    pub records: Vec<Record>,
    /// How many script turns started.
    pub turns_played: usize,
    /// Things a reader of the result should know (turns not played, grammars not applied…).
    pub notes: Vec<String>,
    /// Virtual time from the answer to the end of the replay.
    pub virtual_time: Duration,
}

/// Why a call could not be replayed.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The recogniser could not be created.
    #[error(transparent)]
    Asr(#[from] AsrError),
    /// Answering-machine detection has unusable settings.
    #[error(transparent)]
    Amd(#[from] AmdConfigError),
}

/// Replays one call: answers at virtual time 0 and runs until the core ends the call.
pub fn run(setup: Setup<'_>, turns: &[DebtorTurn]) -> Result<ReplayedCall, ReplayError> {
    let Setup {
        flow,
        ctx,
        config,
        listen,
        speaker,
        hearing,
        transfer,
    } = setup;
    let (listener, recognition) = match &hearing {
        Hearing::Recognizer(model) => (
            Listener::new(model, None, listen.vad, listen.endpoint)?,
            format!("vosk recogniser, model {}", model.path().display()),
        ),
        Hearing::Reference => (
            Listener::without_recognizer(listen.vad, listen.endpoint),
            "reference transcripts (each clip's NAME.txt); the recogniser was not run".to_string(),
        ),
    };
    let amd = config
        .amd
        .as_ref()
        .map(|a| a.start_detector())
        .transpose()?;
    let limit = config.max_length + OVERRUN;
    // The origin of virtual time; the clock is never read again.
    let origin = Instant::now();
    let core = CallCore::start(flow, ctx, config, origin);
    let mut call = VirtualCall {
        core,
        origin,
        speaker,
        listener,
        amd,
        transfer,
        playing: None,
        quiet_since: Some(origin),
        transfer_due: None,
        heard: Vec::new(),
        prompts: Vec::new(),
        records: Vec::new(),
        notes: Vec::new(),
        report: None,
    };
    let mut script = Script::new(turns, origin);
    call.input(origin, Input::Answered);
    let mut now = origin;
    while call.report.is_none() {
        if now.duration_since(origin) > limit {
            call.notes.push(format!(
                "the call had not ended after {} s of virtual time; the replay stopped it",
                limit.as_secs()
            ));
            break;
        }
        call.step(now, &mut script);
        now += FRAME;
    }
    let mut report = call.report.take().unwrap_or_else(|| call.core.report());
    report.recognition = Some(recognition);
    call.notes.extend(script.unplayed());
    Ok(ReplayedCall {
        report,
        heard: call.heard,
        prompts: call.prompts,
        records: call.records,
        turns_played: script.next,
        notes: call.notes,
        virtual_time: now.duration_since(origin),
    })
}

/// The prompt being played.
#[derive(Debug, Clone, Copy)]
struct Playing {
    id: PromptId,
    end: Instant,
    /// Its entry in the prompts played.
    index: usize,
}

/// The driver: the core, the listener and the robot's playback in virtual time.
struct VirtualCall<'a> {
    core: CallCore,
    origin: Instant,
    speaker: &'a Speaker,
    listener: Listener,
    /// The answering-machine detector, while it has something to report.
    amd: Option<AmdDetector>,
    transfer: TransferAnswer,
    playing: Option<Playing>,
    /// When the robot last fell quiet (`None` while it plays).
    quiet_since: Option<Instant>,
    transfer_due: Option<Instant>,
    heard: Vec<Heard>,
    prompts: Vec<PromptPlayed>,
    records: Vec<Record>,
    notes: Vec<String>,
    report: Option<CallReport>,
}

impl VirtualCall<'_> {
    /// One 20 ms frame starting at `now`: answers, timers, playback progress, then the debtor's frame.
    fn step(&mut self, now: Instant, script: &mut Script<'_>) {
        if self.transfer_due.is_some_and(|due| due <= now) {
            self.transfer_due = None;
            let answer = match self.transfer {
                TransferAnswer::Accept => Input::TransferAccepted,
                TransferAnswer::Reject => Input::TransferFailed {
                    reason: "the agent queue refused the call (as the fixture asks)".into(),
                },
            };
            self.input(now, answer);
        }
        // A timer may start a prompt that makes another timer due; a few rounds settle it.
        for _ in 0..4 {
            match self.core.poll_timeout() {
                Some(due) if due <= now && self.report.is_none() => {
                    self.core.handle_timeout(now);
                    self.pump(now);
                }
                _ => break,
            }
        }
        if let Some(playing) = self.playing.filter(|p| p.end <= now) {
            self.playing = None;
            self.close_prompt(playing, now, false);
            self.input(now, Input::PromptFinished { id: playing.id });
        }
        if self.report.is_some() {
            return;
        }
        let (frame, keys) =
            script.frame(now, self.playing.is_some(), self.quiet_since, &self.prompts);
        for key in keys {
            self.input(now, Input::Dtmf(key));
        }
        let (voiced, events) = self.listener.push_frame(&frame);
        let level = FrameLevel::of(&frame);
        self.input(now, Input::Voice { voiced, level });
        if let Some(detector) = self.amd.as_mut() {
            let decision = detector.push(&frame, voiced);
            if detector.is_done() {
                self.amd = None;
            }
            if let Some(decision) = decision {
                self.input(now + FRAME, Input::Amd(decision));
            }
        }
        for event in events {
            match event {
                ListenEvent::SpeechStarted { .. } => {}
                ListenEvent::Partial(text) => self.input(now, Input::Partial(text)),
                ListenEvent::Utterance(utterance) => {
                    let heard = self.hear(utterance, script);
                    let input = Input::Utterance {
                        text: heard.text.clone(),
                        confidence: heard.confidence,
                        start: heard.start,
                        end: heard.end,
                        // The endpointer decides at the end of this frame.
                        closed: (now + FRAME).duration_since(self.origin).as_secs_f64(),
                    };
                    self.heard.push(heard);
                    // The endpointer decides at the end of this frame.
                    self.input(now + FRAME, input);
                }
            }
        }
    }

    /// What the core is told about an utterance: the recogniser's text, or the clip's reference transcript.
    fn hear(&mut self, utterance: Utterance, script: &mut Script<'_>) -> Heard {
        let turn = script.turn_of(utterance.start, utterance.end);
        let reference = turn.and_then(|t| script.reference(t));
        let (recognised, text, confidence) = if self.listener.recognizes() {
            (
                Some(utterance.text.clone()),
                utterance.text,
                utterance.confidence,
            )
        } else {
            // One reference transcript per clip: later utterances of the same clip get no text.
            let text = match turn {
                Some(t) if script.take_reference(t) => reference.clone().unwrap_or_default(),
                Some(t) => {
                    self.notes.push(format!(
                        "turn {}: the clip held more than one utterance; its reference transcript went with the first",
                        t + 1
                    ));
                    String::new()
                }
                None => String::new(),
            };
            (None, text, 1.0)
        };
        Heard {
            turn: turn.map(|t| t + 1),
            start: utterance.start,
            end: utterance.end,
            recognised,
            reference,
            text,
            confidence,
        }
    }

    fn input(&mut self, now: Instant, input: Input) {
        self.core.handle_input(now, input);
        self.pump(now);
    }

    /// Carries out what the core asks, in order.
    fn pump(&mut self, now: Instant) {
        while let Some(output) = self.core.poll_output() {
            match output {
                Output::Play {
                    id,
                    text,
                    interruptible,
                } => self.play(now, id, text, interruptible),
                Output::StopPlayback | Output::Hangup => {
                    if let Some(playing) = self.playing.take() {
                        self.close_prompt(playing, now, true);
                        self.core
                            .handle_input(now, Input::PromptStopped { id: playing.id });
                    }
                }
                // Rendering takes no virtual time: each prompt is rendered when it plays.
                Output::Prepare { .. } => {}
                Output::SetGrammar(grammar) => {
                    if let Err(e) = self.listener.set_grammar(grammar.as_deref()) {
                        self.notes
                            .push(format!("a phrase grammar was not applied: {e}"));
                    }
                }
                Output::Transfer { .. } => self.transfer_due = Some(now + TRANSFER_ANSWER_AFTER),
                Output::Store(record) => self.records.push(record),
                Output::Ended(report) => self.report = Some(*report),
            }
        }
    }

    /// Renders a prompt to learn its length and starts it now.
    fn play(&mut self, now: Instant, id: PromptId, text: String, interruptible: bool) {
        match self.speaker.render_prompt(&text) {
            Ok(samples) => {
                let frames =
                    u32::try_from(samples.len().div_ceil(FRAME_SAMPLES)).unwrap_or(u32::MAX);
                let length = FRAME * frames;
                self.playing = Some(Playing {
                    id,
                    end: now + length,
                    index: self.prompts.len(),
                });
                self.prompts.push(PromptPlayed {
                    text,
                    interruptible,
                    start_ms: self.millis(now),
                    end_ms: None,
                    length_ms: u64::try_from(length.as_millis()).unwrap_or(u64::MAX),
                    stopped: false,
                });
                self.quiet_since = None;
                self.core.handle_input(now, Input::PromptStarted { id });
            }
            Err(e) => {
                let reason = format!("the prompt could not be rendered: {e}");
                self.notes.push(format!("{reason} ({text:?})"));
                self.core
                    .handle_input(now, Input::PromptFailed { id, reason });
            }
        }
    }

    fn close_prompt(&mut self, playing: Playing, now: Instant, stopped: bool) {
        let end_ms = self.millis(now);
        if let Some(prompt) = self.prompts.get_mut(playing.index) {
            prompt.end_ms = Some(end_ms);
            prompt.stopped = stopped;
        }
        self.quiet_since = Some(now);
    }

    fn millis(&self, now: Instant) -> u64 {
        u64::try_from(now.saturating_duration_since(self.origin).as_millis()).unwrap_or(u64::MAX)
    }
}

/// A turn under way.
#[derive(Debug, Clone)]
enum Active {
    Speech {
        turn: usize,
        pos: usize,
    },
    Keys {
        turn: usize,
        /// The keys still to press, last first.
        keys: Vec<char>,
        next_at: Instant,
    },
    Silence {
        turn: usize,
        started: Instant,
    },
}

/// The scripted debtor: which turn is due, and the audio and keys it produces frame by frame.
struct Script<'t> {
    turns: &'t [DebtorTurn],
    /// Virtual time zero: the answer.
    origin: Instant,
    /// The next turn to start.
    next: usize,
    active: Option<Active>,
    /// When the previous turn ended (the answer, before the first).
    since: Instant,
    /// Stream spans (seconds) of the speech turns: turn index, start, end.
    spans: Vec<(usize, f64, f64)>,
    /// Speech turns whose reference transcript was handed out.
    referenced: Vec<usize>,
}

impl<'t> Script<'t> {
    fn new(turns: &'t [DebtorTurn], origin: Instant) -> Self {
        Self {
            turns,
            origin,
            next: 0,
            active: None,
            since: origin,
            spans: Vec::new(),
            referenced: Vec::new(),
        }
    }

    /// The debtor's audio frame starting at `now`, and the keys pressed at `now`.
    fn frame(
        &mut self,
        now: Instant,
        robot_playing: bool,
        quiet_since: Option<Instant>,
        prompts: &[PromptPlayed],
    ) -> (Frame, Vec<char>) {
        let origin = self.origin;
        let at_ms = |t: Instant| {
            u64::try_from(t.saturating_duration_since(origin).as_millis()).unwrap_or(u64::MAX)
        };
        let since_ms = at_ms(self.since);
        // The prompts of the robot's reply: those started since the previous turn ended.
        let reply: Vec<&PromptPlayed> = prompts.iter().filter(|p| p.start_ms >= since_ms).collect();
        if self.active.is_none() && self.next < self.turns.len() {
            let due = match &self.turns[self.next].cue {
                Cue::AfterPrompt { gap } => {
                    !reply.is_empty()
                        && !robot_playing
                        && quiet_since.is_some_and(|quiet| now >= quiet + *gap)
                }
                Cue::DuringPrompt { after, prompt } => {
                    let wanted = prompt.as_deref().map(str::to_lowercase);
                    reply
                        .iter()
                        .find(|p| {
                            wanted
                                .as_deref()
                                .is_none_or(|w| p.text.to_lowercase().contains(w))
                        })
                        .is_some_and(|p| at_ms(now) >= p.start_ms + duration_ms(*after))
                }
            };
            if due {
                self.start(now);
            }
        }
        let mut frame = [0i16; FRAME_SAMPLES];
        let mut keys = Vec::new();
        let mut ended = false;
        match &mut self.active {
            None => {}
            Some(Active::Speech { turn, pos }) => {
                if let Act::Speech { samples, .. } = &self.turns[*turn].act {
                    let chunk = &samples[(*pos).min(samples.len())..];
                    let n = chunk.len().min(FRAME_SAMPLES);
                    frame[..n].copy_from_slice(&chunk[..n]);
                    *pos += FRAME_SAMPLES;
                    ended = *pos >= samples.len();
                } else {
                    ended = true;
                }
                if ended {
                    self.since = now + FRAME;
                }
            }
            Some(Active::Keys {
                keys: left,
                next_at,
                ..
            }) if now >= *next_at => {
                keys.extend(left.pop());
                *next_at = now + KEY_SPACING;
                if left.is_empty() {
                    ended = true;
                    self.since = now;
                }
            }
            Some(Active::Keys { .. }) => {}
            Some(Active::Silence { started, .. }) => {
                let started_ms = at_ms(*started);
                if let Some(p) = prompts.iter().find(|p| p.start_ms > started_ms) {
                    ended = true;
                    self.since = origin + Duration::from_millis(p.start_ms);
                }
            }
        }
        if ended {
            self.active = None;
        }
        (frame, keys)
    }

    fn start(&mut self, now: Instant) {
        let turn = self.next;
        self.next += 1;
        self.active = Some(match &self.turns[turn].act {
            Act::Speech { samples, .. } => {
                let start = now.saturating_duration_since(self.origin).as_secs_f64();
                let length = samples.len() as f64 / f64::from(SAMPLE_RATE);
                self.spans.push((turn, start, start + length));
                Active::Speech { turn, pos: 0 }
            }
            Act::Keys(keys) => Active::Keys {
                turn,
                // Reversed, so the next key is popped from the end.
                keys: keys.chars().rev().collect(),
                next_at: now,
            },
            Act::Silence => Active::Silence { turn, started: now },
        });
    }

    /// The speech turn whose clip the stream span `start..end` (seconds) overlaps most.
    fn turn_of(&self, start: f64, end: f64) -> Option<usize> {
        self.spans
            .iter()
            .map(|&(turn, s, e)| (turn, end.min(e) - start.max(s)))
            .filter(|&(_, overlap)| overlap > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(turn, _)| turn)
    }

    fn reference(&self, turn: usize) -> Option<String> {
        match &self.turns.get(turn)?.act {
            Act::Speech { reference, .. } => reference.clone(),
            _ => None,
        }
    }

    /// Marks the reference transcript of `turn` as handed out; false if it already was.
    fn take_reference(&mut self, turn: usize) -> bool {
        if self.referenced.contains(&turn) {
            return false;
        }
        self.referenced.push(turn);
        true
    }

    /// Notes for the turns that never started or were cut short.
    fn unplayed(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if let Some(active) = &self.active {
            let turn = match active {
                Active::Speech { turn, .. }
                | Active::Keys { turn, .. }
                | Active::Silence { turn, .. } => *turn,
            };
            if !matches!(active, Active::Silence { .. }) {
                notes.push(format!(
                    "turn {} was cut short: the call ended during it",
                    turn + 1
                ));
            }
        }
        if self.next < self.turns.len() {
            notes.push(format!(
                "turn(s) {}..{} were not played: the call ended first",
                self.next + 1,
                self.turns.len()
            ));
        }
        notes
    }
}

fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prompt(text: &str, start_ms: u64, end_ms: Option<u64>) -> PromptPlayed {
        PromptPlayed {
            text: text.into(),
            interruptible: true,
            start_ms,
            end_ms,
            length_ms: end_ms.map_or(5000, |e| e - start_ms),
            stopped: false,
        }
    }

    /// Steps the script frame by frame from `from_ms` to `to_ms`; returns the frames (ms) where a turn was under
    /// way and the keys pressed with their times.
    fn run(
        script: &mut Script<'_>,
        origin: Instant,
        from_ms: u64,
        to_ms: u64,
        prompts: &[PromptPlayed],
    ) -> (Vec<u64>, Vec<(u64, char)>) {
        let mut active = Vec::new();
        let mut keys = Vec::new();
        for ms in (from_ms..to_ms).step_by(20) {
            let now = origin + Duration::from_millis(ms);
            let playing = prompts
                .iter()
                .any(|p| p.start_ms <= ms && p.end_ms.is_none_or(|e| ms < e));
            let quiet = prompts
                .iter()
                .filter_map(|p| p.end_ms)
                .filter(|e| *e <= ms)
                .max()
                .map(|e| origin + Duration::from_millis(e));
            // The driver knows only the prompts started so far.
            let started: Vec<PromptPlayed> = prompts
                .iter()
                .filter(|p| p.start_ms <= ms)
                .cloned()
                .collect();
            let (frame, pressed) = script.frame(now, playing, quiet, &started);
            if script.active.is_some() || frame.iter().any(|s| *s != 0) || !pressed.is_empty() {
                active.push(ms);
            }
            keys.extend(pressed.into_iter().map(|k| (ms, k)));
        }
        (active, keys)
    }

    #[test]
    fn a_turn_waits_for_the_reply_and_a_quiet_gap() {
        let turns = [DebtorTurn {
            cue: Cue::AfterPrompt {
                gap: Duration::from_millis(400),
            },
            act: Act::Speech {
                samples: vec![1000; 1600],
                reference: None,
            },
        }];
        let origin = Instant::now();
        let mut script = Script::new(&turns, origin);
        let prompts = [
            prompt("Hello.", 0, Some(3000)),
            prompt("Is it you?", 3000, Some(5000)),
        ];
        let (active, _) = run(&mut script, origin, 0, 8000, &prompts);
        assert_eq!(
            active.first(),
            Some(&5400),
            "starts 400 ms after the robot falls quiet"
        );
        assert_eq!(active.len(), 10, "200 ms of audio is ten frames");
        let (turn, start, end) = script.spans[0];
        assert_eq!(turn, 0);
        assert!(
            (start - 5.4).abs() < 1e-9 && (end - 5.6).abs() < 1e-9,
            "{start}..{end}"
        );
        assert_eq!(script.turn_of(5.45, 5.58), Some(0));
        assert_eq!(script.turn_of(6.0, 6.5), None);
    }

    #[test]
    fn a_barge_in_turn_counts_from_the_prompt_it_names() {
        let turns = [DebtorTurn {
            cue: Cue::DuringPrompt {
                after: Duration::from_millis(1500),
                prompt: Some("is it YOU".into()),
            },
            act: Act::Keys("12".into()),
        }];
        let origin = Instant::now();
        let mut script = Script::new(&turns, origin);
        let prompts = [
            prompt("Hello.", 0, Some(3000)),
            prompt("Is it you?", 3000, None),
        ];
        let (_, keys) = run(&mut script, origin, 0, 6000, &prompts);
        assert_eq!(
            keys,
            vec![(4500, '1'), (4700, '2')],
            "keys 200 ms apart from 1.5 s into the prompt"
        );
        assert!(script.active.is_none());
        assert!(script.unplayed().is_empty());
    }

    #[test]
    fn a_silence_lasts_until_the_robot_speaks_again() {
        let turns = [
            DebtorTurn {
                cue: Cue::AfterPrompt {
                    gap: Duration::ZERO,
                },
                act: Act::Silence,
            },
            DebtorTurn {
                cue: Cue::AfterPrompt {
                    gap: Duration::ZERO,
                },
                act: Act::Keys("1".into()),
            },
            DebtorTurn {
                cue: Cue::AfterPrompt {
                    gap: Duration::ZERO,
                },
                act: Act::Keys("2".into()),
            },
        ];
        let origin = Instant::now();
        let mut script = Script::new(&turns, origin);
        let prompts = [
            prompt("Pay when?", 0, Some(2000)),
            prompt("Sorry?", 8000, Some(9000)),
        ];
        let (_, keys) = run(&mut script, origin, 0, 12000, &prompts);
        assert_eq!(
            keys,
            vec![(9000, '1')],
            "the key follows the re-prompt; no reply came for the next turn"
        );
        assert_eq!(
            script.unplayed(),
            vec!["turn(s) 3..3 were not played: the call ended first"]
        );
    }
}
