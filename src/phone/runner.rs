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
    /// Carry out the transfer the robot asked for (REFER): call this URI; report
    /// [`Runner::transfer_finished`] with its result.
    FollowTransfer(String),
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

/// A transfer the robot asked of the phone (REFER), as the phone carried it out.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TransferReport {
    /// The Refer-To URI the phone called.
    pub target: String,
    /// When the REFER arrived, in ms since the call arrived.
    pub requested_ms: u64,
    /// When the new call was answered or failed.
    pub finished_ms: Option<u64>,
    /// Whether the transfer target answered (absent while it was still ringing at the end).
    pub answered: Option<bool>,
    /// The final status of the new call (200, 486 …) as reported to the robot.
    pub status: Option<u16>,
}

/// The phone's report of one call.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct CallReport {
    /// How the phone answered this call (by the scenario's `answer` and the call's number for the user).
    pub answer_mode: AnswerMode,
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
    /// The transfer the robot asked for, if it did.
    pub transfer: Option<TransferReport>,
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
    /// A transfer is being carried out: the steps wait.
    transferring: bool,
    /// After a successful transfer: hang up the original call if the robot has not by then.
    leave_at: Option<Instant>,
}

/// How long the phone waits for the robot's BYE after a transfer succeeded before it hangs up the
/// original call itself (RFC 5589 section 6: the transferor normally leaves).
pub const LEAVE_AFTER_TRANSFER: Duration = Duration::from_secs(5);

impl Runner {
    /// Starts the scenario for a call that arrived at `now`, the `call`-th (1-based) this phone got for
    /// the dialled user (it picks the answer mode): the phone rings.
    pub fn new(scenario: Scenario, call: u64, now: Instant) -> Self {
        let mode = scenario.answer.for_call(call);
        let ring_until =
            (mode != AnswerMode::RingOut).then(|| now + Duration::from_millis(scenario.ring_ms));
        let mut runner = Runner::start(scenario, now, Phase::Ringing, mode);
        runner.ring_until = ring_until;
        runner.act(now, PhoneAction::Ring, "ring".into());
        runner
    }

    /// Starts the scenario for a call the phone places at `now` (its answer mode and ringing do not apply):
    /// the steps begin when the callee answers ([`Runner::answered`]).
    pub fn calling(scenario: Scenario, now: Instant) -> Self {
        let mut runner = Runner::start(scenario, now, Phase::Answering, AnswerMode::default());
        runner.report.deeds.push(Deed {
            at_ms: 0,
            what: "call".into(),
        });
        runner
    }

    fn start(scenario: Scenario, now: Instant, phase: Phase, mode: AnswerMode) -> Self {
        let detector = PromptDetector::new(Duration::from_millis(scenario.silence_ms));
        Runner {
            scenario,
            t0: now,
            phase,
            ring_until: None,
            step: 0,
            state: StepState::Armed,
            detector,
            actions: VecDeque::new(),
            report: CallReport {
                answer_mode: mode,
                ..CallReport::default()
            },
            hang_up_at: None,
            transferring: false,
            leave_at: None,
        }
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
        let step = step.filter(|_| !self.transferring);
        [
            self.ring_until,
            step,
            self.detector.poll_timeout(),
            self.hang_up_at,
            self.leave_at,
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

    /// The robot asked the phone to transfer itself to `target` (REFER, already accepted): the steps
    /// wait and the phone calls `target`.
    pub fn transfer_requested(&mut self, now: Instant, target: &str) {
        if self.phase != Phase::Talking {
            return;
        }
        self.transferring = true;
        self.report.transfer = Some(TransferReport {
            target: target.to_string(),
            requested_ms: self.ms(now),
            finished_ms: None,
            answered: None,
            status: None,
        });
        self.act(
            now,
            PhoneAction::FollowTransfer(target.to_string()),
            format!("follow transfer to {target}"),
        );
    }

    /// The call placed for the transfer was answered (`answered`) or failed, with its final `status`.
    /// After an answer the phone leaves the original call unless the robot hangs up first; after a
    /// failure the steps go on.
    pub fn transfer_finished(&mut self, now: Instant, answered: bool, status: Option<u16>) {
        if !self.transferring {
            return;
        }
        self.transferring = false;
        let at = self.ms(now);
        if let Some(t) = self.report.transfer.as_mut() {
            t.finished_ms = Some(at);
            t.answered = Some(answered);
            t.status = status;
        }
        let status = status.map_or("no status".to_string(), |s| s.to_string());
        if answered {
            self.report.deeds.push(Deed {
                at_ms: at,
                what: format!("transfer answered {status}"),
            });
            if self.phase == Phase::Talking {
                self.leave_at = Some(now + LEAVE_AFTER_TRANSFER);
            }
            return;
        }
        // The steps go on; one whose moment passed meanwhile is due at the next timeout.
        self.report.deeds.push(Deed {
            at_ms: at,
            what: format!("transfer failed {status}"),
        });
    }

    /// Runs what is due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.ring_until.is_some_and(|t| t <= now) {
            self.ring_until = None;
            match self.report.answer_mode {
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
            _ if self.transferring => {}
            StepState::FiresAt(at) if at <= now => self.fire(now),
            StepState::Waiting(at) if at <= now => self.next_step(now),
            _ => {}
        }
        if self.phase == Phase::Talking && self.leave_at.is_some_and(|t| t <= now) {
            self.hang_up(now, "transferred; the robot did not hang up");
        } else if self.phase == Phase::Talking && self.hang_up_at.is_some_and(|t| t <= now) {
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
                if self.state == StepState::Armed && !self.transferring {
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
                    && !self.transferring
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
        let mut runner = Runner::new(scenario, 1, t0);
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
        let mut runner = Runner::new(s, 1, t0);
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

    /// A call answered at `t0` following `scenario`, its ring and answer actions drained.
    fn talking(scenario: &str, call: u64, t0: Instant) -> Runner {
        let s = Scenario::parse(scenario, Path::new("s.yaml")).unwrap();
        let mut runner = Runner::new(s, call, t0);
        runner.handle_timeout(t0);
        assert_eq!(runner.poll_action(), Some(PhoneAction::Ring));
        assert_eq!(runner.poll_action(), Some(PhoneAction::Answer));
        runner.answered(t0);
        runner
    }

    /// The robot speaks from `from_ms` to `to_ms` (20 ms frames).
    fn robot_speaks(runner: &mut Runner, t0: Instant, from_ms: u64, to_ms: u64) {
        for ms in (from_ms..to_ms).step_by(20) {
            runner.frame(t0 + Duration::from_millis(ms), true);
        }
    }

    #[test]
    fn a_transfer_pauses_the_steps_and_an_answered_one_leaves_the_call() {
        let t0 = Instant::now();
        let mut runner = talking("ring_ms: 0\nsteps:\n  - keys: \"1\"\n", 1, t0);
        runner.transfer_requested(
            t0 + Duration::from_secs(1),
            "sip:agent-queue@127.0.0.1:5070",
        );
        assert_eq!(
            runner.poll_action(),
            Some(PhoneAction::FollowTransfer(
                "sip:agent-queue@127.0.0.1:5070".into()
            ))
        );
        // A prompt ends while the transfer is carried out: the key waits.
        robot_speaks(&mut runner, t0, 1000, 2000);
        runner.handle_timeout(t0 + Duration::from_secs(3));
        assert_eq!(runner.poll_action(), None);
        runner.transfer_finished(t0 + Duration::from_secs(4), true, Some(200));
        let leave = t0 + Duration::from_secs(4) + LEAVE_AFTER_TRANSFER;
        assert_eq!(runner.poll_timeout(), Some(leave));
        runner.handle_timeout(leave);
        assert_eq!(runner.poll_action(), Some(PhoneAction::Hangup));
        let report = runner.report();
        assert_eq!(
            report.transfer,
            Some(TransferReport {
                target: "sip:agent-queue@127.0.0.1:5070".into(),
                requested_ms: 1000,
                finished_ms: Some(4000),
                answered: Some(true),
                status: Some(200),
            })
        );
        assert_eq!(report.keys_sent, "");
        assert_eq!(
            report.ended.as_ref().map(|e| e.reason.as_str()),
            Some("we hung up (transferred; the robot did not hang up)")
        );
        assert_eq!(report.answer_mode, AnswerMode::Answer);
    }

    #[test]
    fn after_a_failed_transfer_the_steps_go_on() {
        let t0 = Instant::now();
        let mut runner = talking("ring_ms: 0\nsteps:\n  - keys: \"1\"\n", 1, t0);
        runner.transfer_requested(t0, "sip:q@127.0.0.1:5070");
        runner.poll_action();
        runner.transfer_finished(t0 + Duration::from_secs(1), false, Some(486));
        robot_speaks(&mut runner, t0, 1000, 2000);
        let end = runner.poll_timeout().unwrap();
        runner.handle_timeout(end);
        assert_eq!(
            runner.poll_action(),
            Some(PhoneAction::SendKeys {
                keys: "1".into(),
                info: false
            })
        );
        let t = runner.report().transfer.clone().unwrap();
        assert_eq!((t.answered, t.status), (Some(false), Some(486)));
        let deeds: Vec<&str> = runner
            .report()
            .deeds
            .iter()
            .map(|d| d.what.as_str())
            .collect();
        assert_eq!(
            deeds,
            [
                "ring",
                "answer",
                "follow transfer to sip:q@127.0.0.1:5070",
                "transfer failed 486",
                "keys 1"
            ]
        );
    }

    #[test]
    fn the_answer_mode_follows_the_call_number() {
        let t0 = Instant::now();
        let scenario = "answer: [no_answer, busy, answer]\nring_ms: 100\n";
        let first = |call| {
            let s = Scenario::parse(scenario, Path::new("s.yaml")).unwrap();
            let mut runner = Runner::new(s, call, t0);
            runner.handle_timeout(t0 + Duration::from_millis(100));
            let actions: Vec<PhoneAction> = std::iter::from_fn(|| runner.poll_action()).collect();
            (runner.report().answer_mode, actions)
        };
        assert_eq!(first(1), (AnswerMode::RingOut, vec![PhoneAction::Ring]));
        assert_eq!(
            first(2),
            (
                AnswerMode::Busy,
                vec![PhoneAction::Ring, PhoneAction::Reject(486)]
            )
        );
        for call in [3, 4, 9] {
            assert_eq!(
                first(call),
                (
                    AnswerMode::Answer,
                    vec![PhoneAction::Ring, PhoneAction::Answer]
                )
            );
        }
    }
}
