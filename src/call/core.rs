//! The call core: one call's conductor, free of I/O. The driver feeds [`Input`]s with the moment they
//! happened, calls [`CallCore::handle_timeout`] when [`CallCore::poll_timeout`] says, and performs the
//! [`Output`]s drained with [`CallCore::poll_output`]. No clock reads, no threads, no I/O: a whole call runs
//! in simulated time in a test.
//!
//! With answering-machine detection on ([`CallConfig::amd`]), the flow waits after the answer for the
//! detector's decision ([`Input::Amd`]): a person (or an undecided answer, by default) gets the flow at once; a
//! machine gets the call's policy — hang up, or wait for the beep and leave the limited-content message — and
//! the outcome `voicemail`.

use super::barge_in::BargeInDetector;
use super::clock::{CallClock, StreamClock, FRAME};
use super::config::{stopping_message, transfer_failed_message, CallConfig};
use super::io::{Input, Output, PromptId, Record};
use super::report::{
    AmdReport, BeepHeard, CallReport, CallbackTask, ContextCard, EndReason, Speaker, TimelineEntry,
    TranscriptLine, Transfer, TransferStatus, TurnLatency,
};
use crate::audio::amd::{AmdDecision, OnMachine, Party};
use crate::audio::gate::NoiseGate;
use crate::dialog::context::{CallContext, History};
use crate::dialog::engine::{Action, Engine, Event, Phase};
use crate::dialog::flow::Flow;
use crate::domain::{DebtorRecord, Disposition};
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A prompt waiting to be played.
#[derive(Debug, Clone)]
struct Prompt {
    text: String,
    interruptible: bool,
    /// Whether the driver was asked to render it ahead of its turn.
    prepared: bool,
}

/// The prompt the driver is playing.
#[derive(Debug, Clone)]
struct Playing {
    id: PromptId,
    interruptible: bool,
    started: bool,
    /// Its line in the transcript.
    line: usize,
}

/// What the listening step accepts.
#[derive(Debug, Clone)]
struct Listening {
    timeout: Duration,
}

/// Debtor input kept while a non-interruptible prompt plays, delivered when it ends.
#[derive(Debug, Clone)]
enum Held {
    Speech {
        text: String,
        confidence: f64,
        end: Instant,
    },
    Key(char, Instant),
}

/// What happens once the prompts queued so far have played.
/// A debtor turn the engine answered, waiting for the first packet of the reply (for its latency).
#[derive(Debug, Clone, Copy)]
struct AwaitingReply {
    /// The turn's number (1-based).
    turn: usize,
    /// The end of the debtor's last voiced frame, or the key.
    spoke: Instant,
    /// When the turn was taken: the endpointer closed the utterance, or the key arrived.
    taken: Instant,
    /// When the text (or the key) reached the conductor.
    delivered: Instant,
}

#[derive(Debug, Clone)]
enum AfterPrompts {
    /// The flow hung up with this disposition.
    Hangup,
    /// The flow hands the call to an agent.
    Handoff(String),
    /// The failed-transfer message has played: hang up.
    TransferFailedBye,
    /// The campaign is stopping and the goodbye has played: hang up.
    StoppedBye,
    /// The message left on an answering machine has played: hang up.
    MessageLeft,
}

/// Answering-machine detection's part of the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Screening {
    /// No detection, or a person answered: the flow runs.
    Off,
    /// Listening to the answer until the detector decides; at `deadline` (no audio reached the detector)
    /// the answer counts as undecided.
    Listening {
        /// When to stop waiting for the detector.
        deadline: Instant,
    },
    /// A machine: waiting for the beep or the greeting's end to leave the message, at the latest until
    /// `deadline`.
    AwaitingBeep {
        /// When to leave the message anyway.
        deadline: Instant,
    },
    /// A machine: the message is playing, or the robot hung up.
    Machine,
}

/// How long past the detector's own limits the core waits for it (its frames may stop arriving).
const DETECTOR_GRACE: Duration = Duration::from_secs(1);

/// One call's conductor.
pub struct CallCore {
    config: CallConfig,
    clock: CallClock,
    flow: Arc<Flow>,
    debtor: DebtorRecord,
    history: History,
    ctx: Option<CallContext>,
    engine: Option<Engine>,
    stream: Option<StreamClock>,
    max_deadline: Option<Instant>,
    transfer_deadline: Option<Instant>,
    queue: VecDeque<Prompt>,
    playing: Option<Playing>,
    next_id: PromptId,
    after_prompts: Option<AfterPrompts>,
    listening: Option<Listening>,
    listening_since: Option<Instant>,
    last_voice_end: Option<Instant>,
    last_activity: Instant,
    held: Vec<Held>,
    barge: BargeInDetector,
    /// Which voiced frames count towards barge-in; it hears every frame, so its floor follows the line.
    gate: NoiseGate,
    /// The debtor turn waiting for the robot's reply: its number, when the debtor stopped, when it was taken.
    awaiting_reply: Option<AwaitingReply>,
    outputs: VecDeque<Output>,
    timeline: Vec<TimelineEntry>,
    transcript: Vec<TranscriptLine>,
    latency: Vec<TurnLatency>,
    flags: Vec<String>,
    callback_at: Option<chrono::DateTime<chrono::Utc>>,
    transfer: Option<Transfer>,
    /// The campaign asked the call to end politely.
    stopping: bool,
    screening: Screening,
    /// What answering-machine detection found.
    amd: Option<AmdReport>,
    /// When the flow started (the answer, or the detector's decision for a person).
    flow_started: Option<Instant>,
    ended: Option<CallReport>,
}

impl CallCore {
    /// Prepares a call of `flow` with `ctx` (whose `now` is the wall-clock time of `now`); the conversation
    /// starts on [`Input::Answered`].
    pub fn start(flow: Arc<Flow>, ctx: CallContext, config: CallConfig, now: Instant) -> Self {
        let debtor = ctx.debtor.clone();
        let history = ctx.history.clone();
        let barge = BargeInDetector::new(config.barge_in.clone());
        let gate = NoiseGate::new(config.barge_in.gate.clone());
        Self {
            clock: CallClock::new(now, ctx.now),
            config,
            flow,
            debtor,
            history,
            ctx: Some(ctx),
            engine: None,
            stream: None,
            max_deadline: None,
            transfer_deadline: None,
            queue: VecDeque::new(),
            playing: None,
            next_id: 1,
            after_prompts: None,
            listening: None,
            listening_since: None,
            last_voice_end: None,
            last_activity: now,
            held: Vec::new(),
            barge,
            gate,
            awaiting_reply: None,
            outputs: VecDeque::new(),
            timeline: Vec::new(),
            transcript: Vec::new(),
            latency: Vec::new(),
            flags: Vec::new(),
            callback_at: None,
            transfer: None,
            stopping: false,
            screening: Screening::Off,
            amd: None,
            flow_started: None,
            ended: None,
        }
    }

    /// The call's clock (monotonic time ↔ wall-clock time).
    pub fn clock(&self) -> CallClock {
        self.clock
    }

    /// Whether the call is over.
    pub fn is_ended(&self) -> bool {
        self.ended.is_some()
    }

    /// The next thing the driver must do.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`CallCore::handle_timeout`] must be called next (`None`: only on input).
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.ended.is_some() {
            return None;
        }
        [
            self.max_deadline,
            self.transfer_deadline,
            self.screening_deadline(),
            self.silence_deadline(),
            self.no_input_deadline(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// The report so far (final once the call has ended).
    pub fn report(&self) -> CallReport {
        match &self.ended {
            Some(report) => report.clone(),
            None => self.build_report(self.last_activity, Disposition::Failed, EndReason::Flow),
        }
    }

    /// Feeds one input observed at `now`.
    pub fn handle_input(&mut self, now: Instant, input: Input) {
        if self.ended.is_some() {
            return;
        }
        let speech = match &input {
            Input::Voice { voiced, level } => self.gate.frame(*voiced, *level),
            _ => false,
        };
        match input {
            Input::Answered => self.answer(now),
            Input::RemoteHangup => {
                self.note(now, "remote_hangup", "");
                if let Some(engine) = &mut self.engine {
                    let wall = self.clock.wall(now);
                    engine.handle(Event::HungUp, wall);
                }
                self.end(now, EndReason::RemoteHangup, false);
            }
            Input::MediaTimeout => {
                self.note(now, "media_timeout", "");
                self.end(now, EndReason::MediaTimeout, true);
            }
            Input::Stop { at_once } => self.stop(now, at_once),
            Input::Amd(decision) => self.on_amd(now, decision),
            Input::PromptStarted { id } => self.on_prompt_started(now, id),
            Input::PromptFinished { id } => self.on_prompt_done(now, id, false),
            Input::PromptStopped { id } => self.on_prompt_done(now, id, true),
            Input::PromptFailed { id, reason } => {
                if self.playing.as_ref().is_some_and(|p| p.id == id) {
                    self.note(now, "prompt_failed", &reason);
                    self.playing = None;
                    self.end(now, EndReason::PromptFailed, true);
                }
            }
            _ if self.engine.is_none() => self.before_flow(now, input),
            // Once the goodbye is decided, what the debtor says or presses no longer moves the flow.
            Input::Voice { .. } | Input::Partial(_) | Input::Utterance { .. } | Input::Dtmf(_)
                if self.stopping => {}
            Input::Voice { voiced, .. } => self.on_voice(now, voiced, speech),
            Input::Partial(text) => {
                if self.playing_interruptible() && self.barge.partial(&text) {
                    self.barge_in(now);
                }
            }
            Input::Utterance {
                text,
                confidence,
                start,
                end,
                closed,
            } => self.on_utterance(now, text, confidence, (start, end, closed)),
            Input::Dtmf(key) => self.on_key(now, key),
            Input::TransferAccepted => {
                if let Some(t) = self.pending_transfer() {
                    t.status = TransferStatus::Accepted;
                    self.note(now, "transfer_accepted", "");
                    self.end(now, EndReason::Transferred, true);
                }
            }
            Input::TransferFailed { reason } => {
                if self.pending_transfer().is_some() {
                    self.transfer_failed(now, reason);
                }
            }
        }
    }

    /// Runs the timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ended.is_some() {
            return;
        }
        if self.max_deadline.is_some_and(|d| now >= d) {
            self.note(now, "max_length", "");
            self.end(now, EndReason::MaxLength, true);
            return;
        }
        if self.screening_deadline().is_some_and(|d| now >= d) {
            self.screening_timeout(now);
            return;
        }
        if self.engine.is_none() {
            return;
        }
        if self.transfer_deadline.is_some_and(|d| now >= d) {
            self.transfer_failed(now, "the agent queue did not answer the transfer".into());
            return;
        }
        if self.silence_deadline().is_some_and(|d| now >= d) {
            self.note(now, "silence_limit", "");
            self.end(now, EndReason::Silence, true);
            return;
        }
        if self.no_input_deadline().is_some_and(|d| now >= d) {
            self.note(now, "no_input", "");
            self.listening_since = Some(now);
            self.last_voice_end = None;
            let actions = self.engine_event(now, Event::SilenceTimeout);
            self.apply(now, actions);
        }
    }

    fn answer(&mut self, now: Instant) {
        if self.stream.is_some() || self.ctx.is_none() {
            return;
        }
        self.stream = Some(StreamClock { answered_at: now });
        self.max_deadline = Some(now + self.config.max_length);
        self.last_activity = now;
        self.note(now, "answered", "");
        let Some(amd) = &self.config.amd else {
            self.start_flow(now);
            return;
        };
        let wait = Duration::from_millis(u64::from(amd.detector.window_ms)) + DETECTOR_GRACE;
        self.screening = Screening::Listening {
            deadline: now + wait,
        };
        self.note(now, "amd_listening", "");
        // The opening is rendered while the detector listens, so a person hears it without a gap.
        if let Some(ctx) = &self.ctx {
            let (_, opening) = Engine::start(Arc::clone(&self.flow), ctx.clone());
            for action in opening {
                if let Action::Say { text, .. } = action {
                    self.outputs.push_back(Output::Prepare { text });
                }
            }
        }
    }

    /// Starts the dialogue: at the answer, or when the detector found a person.
    fn start_flow(&mut self, now: Instant) {
        let Some(mut ctx) = self.ctx.take() else {
            return;
        };
        ctx.now = self.clock.wall(now);
        self.flow_started = Some(now);
        self.last_activity = now;
        let (engine, actions) = Engine::start(Arc::clone(&self.flow), ctx);
        self.engine = Some(engine);
        self.apply(now, actions);
    }

    /// Input that arrives before the flow started: what the far end said goes into the transcript, and a key
    /// while the detector listens means a person.
    fn before_flow(&mut self, now: Instant, input: Input) {
        match input {
            Input::Utterance {
                text,
                confidence,
                start,
                end,
                ..
            } if self.screening != Screening::Off => {
                let stream = self.stream.unwrap_or(StreamClock { answered_at: now });
                self.heard_before_flow(now, (stream.at(start), stream.at(end)), text, confidence);
            }
            Input::Dtmf(key) if matches!(self.screening, Screening::Listening { .. }) => {
                self.transcribe_key(now, key);
                self.decide(now, "human", Party::Human, "a key was pressed".into());
            }
            _ => {}
        }
    }

    /// Keeps what was said before the flow started in the transcript; it answers no prompt.
    fn heard_before_flow(
        &mut self,
        now: Instant,
        (start, end): (Instant, Instant),
        text: String,
        confidence: f64,
    ) {
        let text = text.trim().to_string();
        self.note(now, "heard_before_flow", &text);
        if text.is_empty() {
            return;
        }
        self.transcript.push(TranscriptLine {
            speaker: Speaker::Debtor,
            text,
            start_ms: self.clock.millis(start),
            end_ms: Some(self.clock.millis(end.max(start))),
            confidence: Some(confidence),
            interrupted: false,
        });
    }

    /// The detector's decision, or its beep / greeting-end event after a machine decision.
    fn on_amd(&mut self, now: Instant, decision: AmdDecision) {
        let Some(undecided_as) = self.config.amd.as_ref().map(|a| a.detector.undecided_as) else {
            return;
        };
        match (self.screening, decision) {
            (Screening::Listening { .. }, d) => {
                let (name, reason) = match d {
                    AmdDecision::Human { reason } => ("human", reason),
                    AmdDecision::Machine { reason, .. } => ("machine", reason),
                    AmdDecision::Undecided { reason } => ("undecided", reason),
                    AmdDecision::BeepDetected { .. } | AmdDecision::GreetingEnded { .. } => return,
                };
                let party = d.party(undecided_as).unwrap_or(Party::Human);
                self.decide(now, name, party, reason.to_string());
                // After an undecided answer the detector reports nothing more: a message goes at once.
                if party == Party::Machine && !matches!(d, AmdDecision::Machine { .. }) {
                    self.leave_message(now);
                }
            }
            (
                Screening::AwaitingBeep { .. },
                AmdDecision::BeepDetected {
                    start_ms,
                    end_ms,
                    hz,
                },
            ) => {
                let beep = BeepHeard {
                    start_ms: self.stream_millis(start_ms),
                    end_ms: self.stream_millis(end_ms),
                    hz,
                };
                self.note(
                    now,
                    "beep",
                    &format!("{hz:.0} Hz, {} ms", end_ms - start_ms),
                );
                if let Some(amd) = &mut self.amd {
                    amd.beep = Some(beep);
                }
                self.leave_message(now);
            }
            (Screening::AwaitingBeep { .. }, AmdDecision::GreetingEnded { at_ms }) => {
                let at = self.stream_millis(at_ms);
                self.note(now, "greeting_ended", "");
                if let Some(amd) = &mut self.amd {
                    amd.greeting_ended_ms = Some(at);
                }
                self.leave_message(now);
            }
            _ => {}
        }
    }

    /// Records who answered and acts on it: the flow for a person, the machine policy for a machine.
    fn decide(&mut self, now: Instant, decision: &str, party: Party, reason: String) {
        self.note(now, "amd", &format!("{decision}: {reason}"));
        self.amd = Some(AmdReport {
            decision: decision.to_string(),
            party,
            reason,
            at_ms: self.clock.millis(now),
            beep: None,
            greeting_ended_ms: None,
            message: None,
            message_started_ms: None,
        });
        let policy = self
            .config
            .amd
            .as_ref()
            .map(|a| (a.on_machine, a.message.clone()));
        match (party, policy) {
            (Party::Human, _) | (_, None) => {
                self.screening = Screening::Off;
                self.start_flow(now);
            }
            (Party::Machine, Some((OnMachine::LeaveMessage, Some(text)))) => {
                let wait = self.config.amd.as_ref().map_or(Duration::ZERO, |a| {
                    Duration::from_millis(u64::from(a.detector.message_wait_ms))
                });
                self.screening = Screening::AwaitingBeep {
                    deadline: now + wait + DETECTOR_GRACE,
                };
                self.outputs.push_back(Output::Prepare { text });
            }
            (Party::Machine, Some(_)) => {
                self.screening = Screening::Machine;
                self.end(now, EndReason::AnsweringMachine, true);
            }
        }
    }

    /// Plays the limited-content message on a machine, then hangs up.
    fn leave_message(&mut self, now: Instant) {
        if !matches!(self.screening, Screening::AwaitingBeep { .. }) {
            return;
        }
        self.screening = Screening::Machine;
        let Some(text) = self.config.amd.as_ref().and_then(|a| a.message.clone()) else {
            self.end(now, EndReason::AnsweringMachine, true);
            return;
        };
        if let Some(amd) = &mut self.amd {
            amd.message = Some(text.clone());
        }
        self.note(now, "voicemail_message", "");
        self.queue.push_back(Prompt {
            text,
            interruptible: false,
            prepared: true,
        });
        self.after_prompts = Some(AfterPrompts::MessageLeft);
        self.advance(now);
    }

    /// The detector did not answer in time: its frames stopped, or no beep or silence came.
    fn screening_timeout(&mut self, now: Instant) {
        match self.screening {
            Screening::Listening { .. } => {
                let undecided_as = self
                    .config
                    .amd
                    .as_ref()
                    .map_or(Party::Human, |a| a.detector.undecided_as);
                self.decide(
                    now,
                    "undecided",
                    undecided_as,
                    "the detector heard no audio".into(),
                );
                if undecided_as == Party::Machine {
                    self.leave_message(now);
                }
            }
            Screening::AwaitingBeep { .. } => {
                self.note(now, "greeting_ended", "stopped waiting for a beep");
                self.leave_message(now);
            }
            Screening::Off | Screening::Machine => {}
        }
    }

    /// Call-clock milliseconds of a detector's stream time.
    fn stream_millis(&self, stream_ms: u64) -> u64 {
        let stream = self.stream.unwrap_or(StreamClock {
            answered_at: self.clock.origin,
        });
        self.clock
            .millis(stream.at(Duration::from_millis(stream_ms).as_secs_f64()))
    }

    fn screening_deadline(&self) -> Option<Instant> {
        match self.screening {
            Screening::Listening { deadline } | Screening::AwaitingBeep { deadline } => {
                Some(deadline)
            }
            Screening::Off | Screening::Machine => None,
        }
    }

    /// One frame: `voiced` is the VAD's verdict (the debtor's silence is measured by it), `speech` the noise
    /// gate's (what barge-in counts).
    fn on_voice(&mut self, now: Instant, voiced: bool, speech: bool) {
        if voiced {
            self.last_voice_end = Some(now + FRAME);
            self.last_activity = self.last_activity.max(now + FRAME);
        }
        if self.playing_interruptible() && self.barge.voice(now, speech) {
            self.barge_in(now);
        }
    }

    /// `times` are the utterance's start, end and the moment the endpointer closed it, in stream seconds.
    fn on_utterance(
        &mut self,
        now: Instant,
        text: String,
        confidence: f64,
        times: (f64, f64, f64),
    ) {
        let stream = self.stream.unwrap_or(StreamClock { answered_at: now });
        let (start, end) = (
            stream.at(times.0),
            stream.at(times.1).max(stream.at(times.0)),
        );
        let closed = stream.at(times.2).clamp(end, now.max(end));
        if self.flow_started.is_some_and(|f| start < f) {
            // Said while the detector listened ("hello?"): it answers no prompt of the flow.
            self.heard_before_flow(now, (start, end), text, confidence);
            return;
        }
        self.last_activity = self.last_activity.max(end);
        self.last_voice_end = Some(self.last_voice_end.map_or(end, |v| v.max(end)));
        let text = text.trim().to_string();
        if text.is_empty() {
            self.note(now, "heard_nothing", "");
            return;
        }
        self.transcript.push(TranscriptLine {
            speaker: Speaker::Debtor,
            text: text.clone(),
            start_ms: self.clock.millis(start),
            end_ms: Some(self.clock.millis(end)),
            confidence: Some(confidence),
            interrupted: false,
        });
        let takes_turn = self
            .config
            .barge_in
            .interrupts(end.saturating_duration_since(start), &text);
        let heard = Held::Speech {
            text: text.clone(),
            confidence,
            end,
        };
        if self.after_prompts.is_some() || self.transfer.is_some() {
            self.note(now, "heard_after_ending", "");
        } else if self.playing_interruptible() {
            if takes_turn {
                self.barge_in(now);
                self.deliver(now, heard, closed);
            } else {
                self.note(now, "backchannel_ignored", &text);
                self.barge.reset();
            }
        } else if self.playing.is_some() || !self.queue.is_empty() {
            if takes_turn {
                self.note(now, "held_during_prompt", "");
                self.held.push(heard);
            } else {
                self.note(now, "backchannel_ignored", &text);
            }
        } else {
            self.deliver(now, heard, closed);
        }
    }

    /// Writes a pressed key into the transcript as `#key`.
    fn transcribe_key(&mut self, now: Instant, key: char) {
        self.transcript.push(TranscriptLine {
            speaker: Speaker::Debtor,
            text: format!("#{key}"),
            start_ms: self.clock.millis(now),
            end_ms: Some(self.clock.millis(now)),
            confidence: None,
            interrupted: false,
        });
    }

    fn on_key(&mut self, now: Instant, key: char) {
        self.last_activity = self.last_activity.max(now);
        self.transcribe_key(now, key);
        if self.after_prompts.is_some() || self.transfer.is_some() {
            self.note(now, "heard_after_ending", "");
        } else if self.playing_interruptible() {
            self.barge_in(now);
            self.deliver(now, Held::Key(key, now), now);
        } else if self.playing.is_some() || !self.queue.is_empty() {
            self.note(now, "held_during_prompt", "");
            self.held.push(Held::Key(key, now));
        } else {
            self.deliver(now, Held::Key(key, now), now);
        }
    }

    fn on_prompt_started(&mut self, now: Instant, id: PromptId) {
        let Some(playing) = self.playing.as_mut().filter(|p| p.id == id && !p.started) else {
            return;
        };
        playing.started = true;
        let line = playing.line;
        if let Some(l) = self.transcript.get_mut(line) {
            l.start_ms = self.clock.millis(now);
        }
        self.barge.reset();
        if self.screening == Screening::Machine {
            let at = self.clock.millis(now);
            if let Some(amd) = self.amd.as_mut().filter(|a| a.message_started_ms.is_none()) {
                amd.message_started_ms = Some(at);
            }
        }
        if let Some(awaiting) = self.awaiting_reply.take() {
            let millis = |since: Instant| {
                u64::try_from(now.saturating_duration_since(since).as_millis()).unwrap_or(u64::MAX)
            };
            self.latency.push(TurnLatency {
                turn: awaiting.turn,
                ms: millis(awaiting.spoke),
                from_endpoint_ms: millis(awaiting.taken),
                from_transcript_ms: millis(awaiting.delivered),
            });
        }
        self.note(now, "prompt_started", &id.to_string());
    }

    fn on_prompt_done(&mut self, now: Instant, id: PromptId, stopped: bool) {
        let Some(playing) = self.playing.take_if(|p| p.id == id) else {
            return;
        };
        if let Some(l) = self.transcript.get_mut(playing.line) {
            l.end_ms = Some(self.clock.millis(now));
            l.interrupted = stopped;
        }
        self.last_activity = self.last_activity.max(now);
        self.note(
            now,
            if stopped {
                "prompt_stopped"
            } else {
                "prompt_finished"
            },
            &id.to_string(),
        );
        self.advance(now);
    }

    fn barge_in(&mut self, now: Instant) {
        let Some(playing) = self.playing.take() else {
            return;
        };
        self.outputs.push_back(Output::StopPlayback);
        if let Some(l) = self.transcript.get_mut(playing.line) {
            l.end_ms = Some(self.clock.millis(now));
            l.interrupted = true;
        }
        self.note(now, "barge_in", &playing.id.to_string());
        self.queue.clear();
        self.barge.reset();
        self.playback_over(now);
    }

    /// Tells the engine the prompts are over (played or cut) and delivers what was held meanwhile.
    fn playback_over(&mut self, now: Instant) {
        if let Some(engine) = &self.engine {
            if matches!(
                engine.phase(),
                Phase::Speaking {
                    interruptible: true
                }
            ) {
                let actions = self.engine_event(now, Event::BargeIn);
                self.apply_quiet(now, actions);
            }
        }
        if self
            .engine
            .as_ref()
            .is_some_and(|e| matches!(e.phase(), Phase::Speaking { .. }))
        {
            let actions = self.engine_event(now, Event::PlaybackFinished);
            self.apply(now, actions);
        }
        self.listening_since = Some(now);
        self.last_voice_end = None;
        for held in std::mem::take(&mut self.held) {
            if self.engine.as_ref().is_some_and(|e| e.is_finished()) {
                break;
            }
            self.deliver(now, held, now);
        }
    }

    /// Hands debtor input to the engine; `taken` is when the turn was taken (the endpointer closed the
    /// utterance, the key arrived, or a held turn was released), for the reply latency.
    fn deliver(&mut self, now: Instant, input: Held, taken: Instant) {
        let (event, end) = match input {
            Held::Speech {
                text,
                confidence,
                end,
            } => (Event::Utterance { text, confidence }, end),
            Held::Key(key, at) => (Event::Dtmf(key), at),
        };
        let turns_before = self.engine.as_ref().map_or(0, |e| e.turns().len());
        let actions = self.engine_event(now, event);
        let turns = self.engine.as_ref().map_or(0, |e| e.turns().len());
        if turns > turns_before {
            self.awaiting_reply = Some(AwaitingReply {
                turn: turns,
                spoke: end,
                taken: taken.min(now),
                delivered: now,
            });
        }
        self.listening_since = Some(now);
        self.last_voice_end = None;
        self.apply(now, actions);
    }

    fn engine_event(&mut self, now: Instant, event: Event) -> Vec<Action> {
        let wall = self.clock.wall(now);
        self.engine
            .as_mut()
            .map_or_else(Vec::new, |e| e.handle(event, wall))
    }

    /// Applies actions whose prompts are not new (the engine's reply to a barge-in).
    fn apply_quiet(&mut self, now: Instant, actions: Vec<Action>) {
        let rest: Vec<Action> = actions
            .into_iter()
            .filter(|a| !matches!(a, Action::StopPlayback))
            .collect();
        if !rest.is_empty() {
            self.apply(now, rest);
        }
    }

    fn apply(&mut self, now: Instant, actions: Vec<Action>) {
        for action in actions {
            match action {
                Action::Say {
                    text,
                    interruptible,
                } => self.queue.push_back(Prompt {
                    text,
                    interruptible,
                    prepared: false,
                }),
                Action::Listen {
                    timeout, grammar, ..
                } => {
                    self.listening = Some(Listening { timeout });
                    let grammar = (!grammar.is_empty()).then_some(grammar);
                    self.outputs.push_back(Output::SetGrammar(grammar));
                }
                Action::StopPlayback => {}
                Action::Handoff { reason } => {
                    self.after_prompts = Some(AfterPrompts::Handoff(reason))
                }
                Action::Hangup { .. } => self.after_prompts = Some(AfterPrompts::Hangup),
                Action::RecordPromise { date, amount } => {
                    self.note(now, "promise", &date.to_string());
                    self.outputs.push_back(Output::Store(Record::Promise(
                        crate::dialog::engine::PromiseMade { date, amount },
                    )));
                }
                Action::Flag { flag } => {
                    self.note(now, "flag", &flag);
                    self.flags.push(flag);
                }
                Action::ScheduleCallback { at } => {
                    self.note(now, "callback", &at.to_rfc3339());
                    self.callback_at = Some(at);
                    self.outputs
                        .push_back(Output::Store(Record::Callback { at }));
                }
            }
        }
        self.advance(now);
    }

    /// Starts the next prompt, or — when none is left — listens or carries out the ending; prompts still
    /// queued behind the one playing are handed to the driver to render ahead.
    fn advance(&mut self, now: Instant) {
        if self.ended.is_some() {
            return;
        }
        if self.playing.is_none() {
            self.start_next(now);
        }
        if self.ended.is_none() {
            for prompt in self.queue.iter_mut().filter(|p| !p.prepared) {
                prompt.prepared = true;
                self.outputs.push_back(Output::Prepare {
                    text: prompt.text.clone(),
                });
            }
        }
    }

    fn start_next(&mut self, now: Instant) {
        if !self.held.is_empty() && self.queue.iter().all(|p| p.interruptible) {
            // The debtor already answered during the disclosure; the question that follows is skipped.
            if !self.queue.is_empty() {
                self.note(now, "prompts_skipped", &self.queue.len().to_string());
                self.queue.clear();
            }
        }
        if let Some(prompt) = self.queue.pop_front() {
            let id = self.next_id;
            self.next_id += 1;
            self.transcript.push(TranscriptLine {
                speaker: Speaker::Robot,
                text: prompt.text.clone(),
                start_ms: self.clock.millis(now),
                end_ms: None,
                confidence: None,
                interrupted: false,
            });
            self.playing = Some(Playing {
                id,
                interruptible: prompt.interruptible,
                started: false,
                line: self.transcript.len() - 1,
            });
            self.barge.reset();
            self.outputs.push_back(Output::Play {
                id,
                text: prompt.text,
                interruptible: prompt.interruptible,
            });
            return;
        }
        match self.after_prompts.take() {
            Some(AfterPrompts::Hangup) => self.end(now, EndReason::Flow, true),
            Some(AfterPrompts::TransferFailedBye) => self.end(now, EndReason::TransferFailed, true),
            Some(AfterPrompts::StoppedBye) => self.end(now, EndReason::Stopped, true),
            Some(AfterPrompts::MessageLeft) => self.end(now, EndReason::AnsweringMachine, true),
            Some(AfterPrompts::Handoff(reason)) => self.hand_off(now, reason),
            None => {
                let speaking = self
                    .engine
                    .as_ref()
                    .is_some_and(|e| matches!(e.phase(), Phase::Speaking { .. }));
                if speaking || !self.held.is_empty() {
                    self.playback_over(now);
                }
            }
        }
    }

    /// The campaign stops: at once, or after the prompt playing with a short goodbye. An ending the flow
    /// already chose (its goodbye, a hand-off, the failed-transfer message) is left to finish.
    fn stop(&mut self, now: Instant, at_once: bool) {
        let leaving_message = matches!(
            self.screening,
            Screening::AwaitingBeep { .. } | Screening::Machine
        );
        if !at_once && leaving_message {
            // The short message to the machine is left; the call then ends by itself.
            return;
        }
        if at_once || self.engine.is_none() {
            self.note(
                now,
                "stopped",
                if at_once { "at once" } else { "before answer" },
            );
            self.end(now, EndReason::Stopped, true);
            return;
        }
        if self.stopping {
            return;
        }
        self.stopping = true;
        self.note(now, "stopping", "");
        if self.after_prompts.is_some() || self.transfer.is_some() {
            return;
        }
        self.queue.clear();
        self.held.clear();
        self.listening = None;
        self.listening_since = None;
        self.queue.push_back(Prompt {
            text: stopping_message(self.flow.lang).to_string(),
            interruptible: false,
            prepared: false,
        });
        self.after_prompts = Some(AfterPrompts::StoppedBye);
        self.advance(now);
    }

    fn hand_off(&mut self, now: Instant, reason: String) {
        let card = ContextCard {
            debtor: self.debtor.clone(),
            history: self.history.clone(),
            reason: reason.clone(),
            flags: self.flags.clone(),
            path: self
                .engine
                .as_ref()
                .map_or_else(Vec::new, |e| e.path().to_vec()),
            transcript: self.transcript.clone(),
            at: self.clock.wall(now),
        };
        self.outputs
            .push_back(Output::Store(Record::ContextCard(Box::new(card))));
        self.note(now, "handoff", &reason);
        let target = self.config.transfer_target.clone();
        self.transfer = Some(Transfer {
            reason,
            target: target.clone(),
            status: TransferStatus::Pending,
            failure: None,
        });
        match target {
            Some(target) => {
                self.transfer_deadline = Some(now + self.config.transfer_timeout);
                self.outputs.push_back(Output::Transfer { target });
            }
            None => self.transfer_failed(now, "no agent queue is configured".into()),
        }
    }

    fn pending_transfer(&mut self) -> Option<&mut Transfer> {
        self.transfer
            .as_mut()
            .filter(|t| t.status == TransferStatus::Pending)
    }

    fn transfer_failed(&mut self, now: Instant, failure: String) {
        self.transfer_deadline = None;
        let Some(t) = self.pending_transfer() else {
            return;
        };
        t.status = TransferStatus::Failed;
        t.failure = Some(failure.clone());
        let reason = t.reason.clone();
        self.note(now, "transfer_failed", &failure);
        self.outputs
            .push_back(Output::Store(Record::CallbackTask(CallbackTask {
                reason,
                failure,
                at: self.clock.wall(now),
            })));
        let text = self
            .config
            .transfer_failed_message
            .clone()
            .unwrap_or_else(|| transfer_failed_message(self.flow.lang).to_string());
        self.queue.push_back(Prompt {
            text,
            interruptible: false,
            prepared: false,
        });
        self.after_prompts = Some(AfterPrompts::TransferFailedBye);
        self.advance(now);
    }

    fn end(&mut self, now: Instant, reason: EndReason, hang_up: bool) {
        if self.ended.is_some() {
            return;
        }
        if self.playing.take().is_some() && hang_up {
            self.outputs.push_back(Output::StopPlayback);
        }
        if hang_up {
            self.outputs.push_back(Output::Hangup);
        }
        let outcome = self.outcome(reason);
        self.note(now, "ended", outcome.as_str());
        let report = self.build_report(now, outcome, reason);
        self.ended = Some(report.clone());
        self.outputs.push_back(Output::Ended(Box::new(report)));
    }

    /// The disposition: the flow's own ending when it has one, else what ended the call.
    fn outcome(&self, reason: EndReason) -> Disposition {
        if self.amd.as_ref().is_some_and(|a| a.party == Party::Machine) {
            return Disposition::Voicemail;
        }
        if let Some(ending) = self.engine.as_ref().and_then(|e| e.ending()) {
            return ending.outcome;
        }
        if self
            .engine
            .as_ref()
            .is_some_and(|e| e.summary().promise.is_some())
        {
            return Disposition::PromiseToPay;
        }
        match reason {
            EndReason::Transferred | EndReason::TransferFailed => Disposition::Handoff,
            EndReason::RemoteHangup | EndReason::Silence | EndReason::Flow => Disposition::HungUp,
            EndReason::AnsweringMachine => Disposition::Voicemail,
            EndReason::MaxLength | EndReason::MediaTimeout | EndReason::PromptFailed => {
                Disposition::Failed
            }
            // Cut short by us: the debtor, once identified, is told we will call back.
            EndReason::Stopped if self.identity_confirmed() => Disposition::Callback,
            EndReason::Stopped => Disposition::HungUp,
        }
    }

    fn build_report(
        &self,
        now: Instant,
        outcome: Disposition,
        end_reason: EndReason,
    ) -> CallReport {
        let summary = self.engine.as_ref().map(|e| e.summary());
        let (path, turns, promise, handoff_reason) = match summary {
            Some(s) => (s.path, s.turns, s.promise, s.ending.and_then(|e| e.reason)),
            None => (Vec::new(), Vec::new(), None, None),
        };
        // Lines are written when a prompt is queued or input arrives; the report lists them as they happened.
        let mut transcript = self.transcript.clone();
        transcript.sort_by_key(|l| l.start_ms);
        CallReport {
            flow: self.flow.flow.clone(),
            started_at: self.clock.wall_at_origin,
            duration_ms: self.clock.millis(now),
            outcome,
            end_reason,
            handoff_reason,
            promise,
            flags: self.flags.clone(),
            callback_at: self.callback_at,
            transfer: self.transfer.clone(),
            path,
            turns,
            transcript,
            timeline: self.timeline.clone(),
            latency: self.latency.clone(),
            recording: None,
            recognition: None,
            amd: self.amd.clone(),
        }
    }

    fn note(&mut self, now: Instant, event: &str, detail: &str) {
        self.timeline.push(TimelineEntry {
            at_ms: self.clock.millis(now),
            event: event.to_string(),
            detail: detail.to_string(),
        });
    }

    fn identity_confirmed(&self) -> bool {
        self.engine
            .as_ref()
            .is_some_and(|e| e.vars().get("identity_confirmed").truthy())
    }

    fn playing_interruptible(&self) -> bool {
        self.playing
            .as_ref()
            .is_some_and(|p| p.interruptible && p.started)
    }

    fn is_listening(&self) -> bool {
        self.playing.is_none()
            && self.queue.is_empty()
            && self.after_prompts.is_none()
            && self.transfer.is_none()
            && self
                .engine
                .as_ref()
                .is_some_and(|e| e.phase() == Phase::Listening)
    }

    fn silence_deadline(&self) -> Option<Instant> {
        (self.engine.is_some() && self.playing.is_none() && self.transfer.is_none())
            .then(|| self.last_activity + self.config.silence_limit)
    }

    fn no_input_deadline(&self) -> Option<Instant> {
        if !self.is_listening() {
            return None;
        }
        let listening = self.listening.as_ref()?;
        let since = self.listening_since?;
        let from = self.last_voice_end.map_or(since, |v| v.max(since));
        Some(from + listening.timeout)
    }
}
