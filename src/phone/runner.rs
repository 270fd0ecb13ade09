//! One call's scenario as a state machine without I/O: the driver feeds the call's progress, the voice
//! activity of received frames and time; the runner says when to ring, answer or refuse, what to play,
//! which keys to send and when to hang up, and keeps the call's report.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::prompt::{PromptDetector, PromptEvent};
use super::scenario::{Action, AnswerMode, Ending, Scenario, Trigger};

/// What the driver must do for the phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PhoneAction {
    /// Send 180 Ringing.
    Ring,
    /// Answer the call (200 OK).
    Answer,
    /// Refuse the call with this status (486 busy, 603 decline).
    Reject(u16),
    /// Play a clip; report [`Runner::playback_finished`] when it ends.
    Play(PathBuf),
    /// Send keys as RFC 4733 events (and as SIP INFO when `info`).
    SendKeys {
        /// The keys, in order.
        keys: String,
        /// Also send each key as SIP INFO.
        info: bool,
    },
    /// Hang up.
    Hangup,
}

/// One robot prompt the phone heard, in ms since the call arrived.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PromptSpan {
    /// First voiced frame.
    pub start_ms: u64,
    /// End of the last voiced frame (absent while the robot still spoke at the end of the call).
    pub end_ms: Option<u64>,
}

/// One thing the phone did, in ms since the call arrived.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Deed {
    /// When.
    pub at_ms: u64,
    /// What: `ring`, `answer`, `reject 486`, `play clip.wav`, `keys 12#`, `wait 500`, `hangup`.
    pub what: String,
}

/// How the call ended for the phone.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallEnding {
    /// When, in ms since the call arrived.
    pub at_ms: u64,
    /// What ended it (`robot hung up`, `we hung up`, `cancelled while ringing`, …).
    pub reason: String,
}

/// The phone's report of one call.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallReport {
    /// When the phone answered, in ms since the call arrived.
    pub answered_ms: Option<u64>,
    /// Everything the phone did, in order.
    pub deeds: Vec<Deed>,
    /// The robot's prompts as the phone detected them.
    pub prompts: Vec<PromptSpan>,
    /// All keys sent, in order.
    pub keys_sent: String,
    /// How the call ended.
    pub ended: Option<CallEnding>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Ringing,
    Answering,
    Talking,
    Over,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepState {
    /// Waiting for the trigger of the current step.
    Armed,
    /// The step's action fires at this moment.
    FiresAt(Instant),
    /// A clip is playing.
    Playing,
    /// A `wait_ms` step ends at this moment.
    Waiting(Instant),
    /// All steps done.
    Finished,
}

/// The scenario runner of one call.
#[derive(Debug)]
pub struct Runner {
    scenario: Scenario,
    t0: Instant,
    phase: Phase,
    ring_until: Option<Instant>,
    step: usize,
    state: StepState,
    detector: PromptDetector,
    actions: VecDeque<PhoneAction>,
    report: CallReport,
    hang_up_at: Option<Instant>,
}

impl Runner {
    /// Starts the scenario for a call that arrived at `now`: the phone rings.
    pub fn new(scenario: Scenario, now: Instant) -> Self {
        let ring_until = (scenario.answer != AnswerMode::RingOut)
            .then(|| now + Duration::from_millis(scenario.ring_ms));
        let detector = PromptDetector::new(Duration::from_millis(scenario.silence_ms));
        let mut runner = Runner {
            scenario,
            t0: now,
            phase: Phase::Ringing,
            ring_until,
            step: 0,
            state: StepState::Armed,
            detector,
            actions: VecDeque::new(),
            report: CallReport::default(),
            hang_up_at: None,
        };
        runner.act(now, PhoneAction::Ring, "ring".into());
        runner
    }

    /// Starts the scenario for a call the phone places at `now` (its answer mode and ringing do not apply):
    /// the steps begin when the callee answers ([`Runner::answered`]).
    pub fn calling(scenario: Scenario, now: Instant) -> Self {
        let detector = PromptDetector::new(Duration::from_millis(scenario.silence_ms));
        let mut runner = Runner {
            scenario,
            t0: now,
            phase: Phase::Answering,
            ring_until: None,
            step: 0,
            state: StepState::Armed,
            detector,
            actions: VecDeque::new(),
            report: CallReport::default(),
            hang_up_at: None,
        };
        runner.report.deeds.push(Deed {
            at_ms: 0,
            what: "call".into(),
        });
        runner
    }

    /// Next thing the driver must do.
    pub fn poll_action(&mut self) -> Option<PhoneAction> {
        self.actions.pop_front()
    }

    /// When [`Runner::handle_timeout`] must run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.phase == Phase::Over {
            return None;
        }
        let step = match self.state {
            StepState::FiresAt(at) | StepState::Waiting(at) if self.phase == Phase::Talking => {
                Some(at)
            }
            _ => None,
        };
        [
            self.ring_until,
            step,
            self.detector.poll_timeout(),
            self.hang_up_at,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether the call is over for the phone.
    pub fn is_over(&self) -> bool {
        self.phase == Phase::Over
    }

    /// The report so far (complete once the call is over).
    pub fn report(&self) -> &CallReport {
        &self.report
    }

    /// The call is answered and confirmed (the ACK arrived): the steps begin.
    pub fn answered(&mut self, now: Instant) {
        if self.phase != Phase::Answering {
            return;
        }
        self.phase = Phase::Talking;
        self.report.answered_ms = Some(self.ms(now));
        self.hang_up_at = Some(now + Duration::from_millis(self.scenario.max_call_ms));
        self.arm(now);
    }

    /// One received 20 ms frame arrived at `now`; `voiced` from the driver's voice detector.
    pub fn frame(&mut self, now: Instant, voiced: bool) {
        if self.phase != Phase::Talking {
            return;
        }
        if let Some(ev) = self.detector.frame(now, voiced) {
            self.on_prompt(now, ev);
        }
    }

    /// The clip started by [`PhoneAction::Play`] finished.
    pub fn playback_finished(&mut self, now: Instant) {
        if self.phase == Phase::Talking && self.state == StepState::Playing {
            self.next_step(now);
        }
    }

    /// The call is over (BYE, CANCEL, refusal or failure); `reason` goes into the report.
    pub fn ended(&mut self, now: Instant, reason: impl Into<String>) {
        if self.report.ended.is_none() {
            self.report.ended = Some(CallEnding {
                at_ms: self.ms(now),
                reason: reason.into(),
            });
        }
        if let Some(start) = self.detector.current_start() {
            if self
                .report
                .prompts
                .last()
                .is_none_or(|p| p.end_ms.is_some())
            {
                self.report.prompts.push(PromptSpan {
                    start_ms: self.ms(start),
                    end_ms: None,
                });
            }
        }
        self.phase = Phase::Over;
    }

    /// Runs what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ring_until.is_some_and(|t| t <= now) {
            self.ring_until = None;
            match self.scenario.answer {
                AnswerMode::Answer => {
                    self.phase = Phase::Answering;
                    self.act(now, PhoneAction::Answer, "answer".into());
                }
                AnswerMode::Busy => self.refuse(now, 486),
                AnswerMode::Decline => self.refuse(now, 603),
                AnswerMode::RingOut => {}
            }
        }
        if self.phase != Phase::Talking {
            return;
        }
        if let Some(ev) = self.detector.check(now) {
            self.on_prompt(now, ev);
        }
        match self.state {
            StepState::FiresAt(at) if at <= now => self.fire(now),
            StepState::Waiting(at) if at <= now => self.next_step(now),
            _ => {}
        }
        if self.phase == Phase::Talking && self.hang_up_at.is_some_and(|t| t <= now) {
            self.hang_up(now, "maximum call length");
        }
    }

    fn refuse(&mut self, now: Instant, code: u16) {
        self.act(now, PhoneAction::Reject(code), format!("reject {code}"));
        self.phase = Phase::Over;
    }

    fn ms(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.t0).as_millis() as u64
    }

    fn act(&mut self, now: Instant, action: PhoneAction, what: String) {
        self.report.deeds.push(Deed {
            at_ms: self.ms(now),
            what,
        });
        self.actions.push_back(action);
    }

    fn on_prompt(&mut self, now: Instant, ev: PromptEvent) {
        match ev {
            PromptEvent::Started(start) => {
                self.report.prompts.push(PromptSpan {
                    start_ms: self.ms(start),
                    end_ms: None,
                });
                if self.state == StepState::Armed {
                    if let Some(offset) = self.current_offset() {
                        self.state = StepState::FiresAt(start + offset);
                        if start + offset <= now {
                            self.fire(now);
                        }
                    }
                }
            }
            PromptEvent::Ended { start, end } => {
                let span = PromptSpan {
                    start_ms: self.ms(start),
                    end_ms: Some(self.ms(end)),
                };
                match self.report.prompts.last_mut() {
                    Some(last) if last.end_ms.is_none() => *last = span,
                    _ => self.report.prompts.push(span),
                }
                let waits_for_end = self.state == StepState::Armed
                    && self.current_offset().is_none()
                    && self
                        .scenario
                        .steps
                        .get(self.step)
                        .is_some_and(|s| s.after == Trigger::PromptEnd);
                if waits_for_end {
                    self.fire(now);
                }
            }
        }
    }

    fn current_offset(&self) -> Option<Duration> {
        self.scenario
            .steps
            .get(self.step)
            .and_then(|s| s.at_prompt_ms)
            .map(Duration::from_millis)
    }

    /// Makes the current step wait for its trigger (or fire at once).
    fn arm(&mut self, now: Instant) {
        let Some(step) = self.scenario.steps.get(self.step) else {
            self.state = StepState::Finished;
            if self.scenario.end == Ending::Hangup {
                self.hang_up(now, "scenario finished");
            }
            return;
        };
        self.state = StepState::Armed;
        if let Some(offset) = step.at_prompt_ms.map(Duration::from_millis) {
            // A prompt already being spoken counts.
            if let Some(start) = self.detector.current_start() {
                self.state = StepState::FiresAt(start + offset);
                if start + offset <= now {
                    self.fire(now);
                }
            }
        } else if step.after == Trigger::Now {
            self.fire(now);
        }
    }

    fn fire(&mut self, now: Instant) {
        let Some(step) = self.scenario.steps.get(self.step).cloned() else {
            return;
        };
        match step.action {
            Action::Play(clip) => {
                self.state = StepState::Playing;
                let what = format!("play {}", clip.display());
                self.act(now, PhoneAction::Play(clip), what);
            }
            Action::Keys(keys) => {
                self.report.keys_sent.push_str(&keys);
                let what = format!("keys {keys}");
                self.act(
                    now,
                    PhoneAction::SendKeys {
                        keys,
                        info: step.info,
                    },
                    what,
                );
                self.next_step(now);
            }
            Action::WaitMs(ms) => {
                self.report.deeds.push(Deed {
                    at_ms: self.ms(now),
                    what: format!("wait {ms}"),
                });
                self.state = StepState::Waiting(now + Duration::from_millis(ms));
            }
            Action::Hangup(_) => self.hang_up(now, "scenario hangs up"),
        }
    }

    fn next_step(&mut self, now: Instant) {
        self.step += 1;
        self.arm(now);
    }

    fn hang_up(&mut self, now: Instant, why: &str) {
        self.act(now, PhoneAction::Hangup, "hangup".into());
        self.ended(now, format!("we hung up ({why})"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Runs a call on a 20 ms grid until `until_ms`: the robot speaks while `robot(ms)` is true, the
    /// caller's ACK arrives at once, clips take `clip_ms`. Returns each action with its time.
    fn simulate(
        scenario: &str,
        robot: impl Fn(u64) -> bool,
        clip_ms: u64,
        until_ms: u64,
    ) -> (Vec<(u64, PhoneAction)>, CallReport) {
        let scenario = Scenario::parse(scenario, Path::new("s.yaml")).unwrap();
        let t0 = Instant::now();
        let mut runner = Runner::new(scenario, t0);
        let mut log = Vec::new();
        let mut answered = false;
        let mut clip_end = None;
        for ms in (0..=until_ms).step_by(20) {
            let now = t0 + Duration::from_millis(ms);
            if runner.poll_timeout().is_some_and(|t| t <= now) {
                runner.handle_timeout(now);
            }
            if clip_end == Some(ms) {
                runner.playback_finished(now);
            }
            if answered {
                runner.frame(now, robot(ms));
            }
            while let Some(action) = runner.poll_action() {
                match &action {
                    PhoneAction::Answer => {
                        runner.answered(now);
                        answered = true;
                    }
                    PhoneAction::Play(_) => clip_end = Some(ms + clip_ms),
                    _ => {}
                }
                log.push((ms, action));
            }
            if runner.is_over() {
                break;
            }
        }
        (log, runner.report().clone())
    }

    #[test]
    fn replies_after_the_prompt_ends_and_barges_into_the_next() {
        let (log, report) = simulate(
            "ring_ms: 200\nsteps:\n  - play: yes.wav\n  - at_prompt_ms: 500\n    keys: \"1\"\n  - after: now\n    wait_ms: 300\n  - after: now\n    hangup: true\n",
            |ms| (300..2300).contains(&ms) || (4500..6500).contains(&ms),
            1000,
            8000,
        );
        assert_eq!(
            log,
            vec![
                (0, PhoneAction::Ring),
                (200, PhoneAction::Answer),
                (3000, PhoneAction::Play("yes.wav".into())),
                (
                    5000,
                    PhoneAction::SendKeys {
                        keys: "1".into(),
                        info: false
                    }
                ),
                (5300, PhoneAction::Hangup),
            ]
        );
        assert_eq!(
            report.prompts,
            vec![
                PromptSpan {
                    start_ms: 300,
                    end_ms: Some(2300)
                },
                PromptSpan {
                    start_ms: 4500,
                    end_ms: None
                },
            ]
        );
        assert_eq!(report.keys_sent, "1");
        assert_eq!(report.answered_ms, Some(200));
        let ended = report.ended.unwrap();
        assert_eq!(
            (ended.at_ms, ended.reason.as_str()),
            (5300, "we hung up (scenario hangs up)")
        );
        let deeds: Vec<&str> = report.deeds.iter().map(|d| d.what.as_str()).collect();
        assert_eq!(
            deeds,
            [
                "ring",
                "answer",
                "play yes.wav",
                "keys 1",
                "wait 300",
                "hangup"
            ]
        );
    }

    #[test]
    fn a_reply_waits_for_the_configured_silence() {
        // The robot pauses 500 ms inside its prompt: with silence_ms 700 that is one prompt.
        let (log, report) = simulate(
            "ring_ms: 0\nsilence_ms: 700\nend: hangup\nsteps:\n  - keys: \"#\"\n",
            |ms| (100..1000).contains(&ms) || (1500..2000).contains(&ms),
            0,
            5000,
        );
        let times: Vec<u64> = log.iter().map(|(t, _)| *t).collect();
        assert_eq!(times, vec![0, 0, 2700, 2700]);
        assert_eq!(log[3].1, PhoneAction::Hangup);
        assert_eq!(report.prompts.len(), 1);
    }

    #[test]
    fn busy_decline_and_ring_out() {
        let (log, _) = simulate("answer: busy\nring_ms: 400\n", |_| false, 0, 2000);
        assert_eq!(
            log,
            vec![(0, PhoneAction::Ring), (400, PhoneAction::Reject(486))]
        );
        let (log, _) = simulate("answer: decline\nring_ms: 0\n", |_| false, 0, 2000);
        assert_eq!(
            log,
            vec![(0, PhoneAction::Ring), (0, PhoneAction::Reject(603))]
        );

        let t0 = Instant::now();
        let s = Scenario::parse("answer: ring_out\n", Path::new("s.yaml")).unwrap();
        let mut runner = Runner::new(s, t0);
        assert_eq!(runner.poll_action(), Some(PhoneAction::Ring));
        assert_eq!(
            runner.poll_timeout(),
            None,
            "rings until the caller gives up"
        );
        runner.ended(t0 + Duration::from_secs(30), "cancelled while ringing");
        let report = runner.report();
        assert_eq!(report.answered_ms, None);
        assert_eq!(report.ended.as_ref().unwrap().at_ms, 30_000);
    }

    #[test]
    fn the_maximum_call_length_hangs_up_a_silent_line() {
        let (log, report) = simulate(
            "ring_ms: 0\nmax_call_ms: 3000\nsteps:\n  - keys: \"1\"\n",
            |_| false,
            0,
            10_000,
        );
        assert_eq!(log.last(), Some(&(3000, PhoneAction::Hangup)));
        assert!(report.keys_sent.is_empty(), "no prompt ever ended");
    }

    #[test]
    fn a_call_the_phone_places_starts_its_steps_when_answered() {
        let scenario = Scenario::parse("steps:\n  - keys: \"1\"\n", Path::new("s.yaml")).unwrap();
        let t0 = Instant::now();
        let mut runner = Runner::calling(scenario, t0);
        assert_eq!(
            runner.poll_action(),
            None,
            "no ringing or answer of its own"
        );
        let answered = t0 + Duration::from_millis(300);
        runner.answered(answered);
        assert_eq!(runner.report().answered_ms, Some(300));
        // A 1 s robot prompt, then silence: the keys go out after it.
        let mut sent = None;
        for ms in (300..3000).step_by(20) {
            let now = t0 + Duration::from_millis(ms);
            runner.frame(now, ms < 1300);
            if runner.poll_timeout().is_some_and(|t| t <= now) {
                runner.handle_timeout(now);
            }
            if let Some(action) = runner.poll_action() {
                sent = Some((ms, action));
                break;
            }
        }
        let (ms, action) = sent.expect("the keys are sent");
        assert_eq!(
            action,
            PhoneAction::SendKeys {
                keys: "1".into(),
                info: false
            }
        );
        assert!((1900..=2200).contains(&ms), "sent at {ms} ms");
    }
}
