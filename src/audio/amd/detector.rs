//! The answering-machine classifier: a person or a machine, from the timing of the first speech and beeps.
//!
//! Pure and deterministic, like the endpointer: the caller passes each 20 ms frame after answer with the
//! VAD's verdict; time is the frame count, so a whole call can be replayed in a test. The rule:
//!
//! 1. a beep (a steady tone of `beep.min_ms`) → `Machine`, with the beep's start;
//! 2. a greeting that goes on past `max_greeting_ms`, or has more than `max_words` words → `Machine`;
//! 3. a short greeting followed by `after_greeting_silence_ms` of silence (a person said "hello?" and waits
//!    for us) → `Human`;
//! 4. no speech within `max_initial_silence_ms`, or nothing decided within `window_ms` → `Undecided`,
//!    which `undecided_as` (a person, by default) settles.
//!
//! After `Machine` the detector keeps listening so a message can start at the right moment: `BeepDetected`
//! when the beep ends, or `GreetingEnded` when a beepless greeting falls silent.

use super::super::frame::{Frame, FRAME_MS};
use super::beep::{BeepDetector, BeepEvent};
use super::config::{AmdConfig, AmdConfigError, Party};

/// Why the detector decided what it did, in words a person can check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// A beep started at `at_ms`.
    Beep {
        /// Stream time of the beep's start.
        at_ms: u64,
        /// Its frequency, Hz.
        hz: f32,
    },
    /// The greeting lasted `greeting_ms` and was still going.
    LongGreeting {
        /// Length of the greeting so far.
        greeting_ms: u64,
    },
    /// The greeting had `words` words.
    ManyWords {
        /// Words (voiced segments) counted.
        words: u32,
    },
    /// A greeting of `greeting_ms` was followed by silence: someone waiting for an answer.
    SilenceAfterGreeting {
        /// Length of the greeting.
        greeting_ms: u64,
        /// Its words.
        words: u32,
    },
    /// Nobody spoke within `max_initial_silence_ms`.
    InitialSilence,
    /// The window ended with a greeting neither short nor long enough to tell.
    WindowEnded,
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Reason::Beep { at_ms, hz } => write!(f, "beep of {hz:.0} Hz at {at_ms} ms"),
            Reason::LongGreeting { greeting_ms } => {
                write!(f, "greeting still going after {greeting_ms} ms")
            }
            Reason::ManyWords { words } => write!(f, "greeting of {words} words"),
            Reason::SilenceAfterGreeting { greeting_ms, words } => write!(
                f,
                "silence after a {greeting_ms} ms greeting of {words} word(s)"
            ),
            Reason::InitialSilence => write!(f, "nobody spoke"),
            Reason::WindowEnded => write!(f, "nothing decisive within the window"),
        }
    }
}

/// What the detector reports; each is reported once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AmdDecision {
    /// A person answered.
    Human {
        /// Why.
        reason: Reason,
    },
    /// A voicemail greeting or a call-screening robot.
    Machine {
        /// When a beep has already started, its stream time.
        beep_at: Option<u64>,
        /// Why.
        reason: Reason,
    },
    /// Nothing decisive within the window; [`AmdConfig::undecided_as`] says how to treat it.
    Undecided {
        /// Why.
        reason: Reason,
    },
    /// After `Machine`: the beep ended at `end_ms`, the moment to leave a message.
    BeepDetected {
        /// Stream time of the beep's start.
        start_ms: u64,
        /// Stream time of the beep's end.
        end_ms: u64,
        /// Its frequency, Hz.
        hz: f32,
    },
    /// After `Machine`: a greeting without a beep fell silent (or `message_wait_ms` passed) at `at_ms`; a
    /// message may start.
    GreetingEnded {
        /// Stream time at which the silence reached `message_after_silence_ms`.
        at_ms: u64,
    },
}

impl AmdDecision {
    /// Who is on the line for a classification (`undecided_as` settles `Undecided`); `None` for the
    /// events that follow a machine decision.
    pub fn party(&self, undecided_as: Party) -> Option<Party> {
        match self {
            AmdDecision::Human { .. } => Some(Party::Human),
            AmdDecision::Machine { .. } => Some(Party::Machine),
            AmdDecision::Undecided { .. } => Some(undecided_as),
            AmdDecision::BeepDetected { .. } | AmdDecision::GreetingEnded { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Greeting {
    start_ms: u64,
    last_voiced_end_ms: u64,
    words: u32,
    in_word: bool,
}

impl Greeting {
    fn length_ms(&self) -> u64 {
        self.last_voiced_end_ms - self.start_ms
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Classifying,
    /// Decided `Machine` at `at_ms`; waiting for the beep's end or the greeting's end.
    AwaitingMessage {
        at_ms: u64,
    },
    Done,
}

/// Tells a person from an answering machine in the first seconds after answer.
#[derive(Debug, Clone)]
pub struct AmdDetector {
    config: AmdConfig,
    beeps: BeepDetector,
    frames: u64,
    voiced_run: u32,
    silence_run: u32,
    greeting: Option<Greeting>,
    phase: Phase,
}

impl AmdDetector {
    /// Creates a detector for one call, refusing settings that make no sense.
    pub fn new(config: AmdConfig) -> Result<Self, AmdConfigError> {
        config.validate()?;
        Ok(Self {
            beeps: BeepDetector::new(config.beep.clone()),
            config,
            frames: 0,
            voiced_run: 0,
            silence_run: 0,
            greeting: None,
            phase: Phase::Classifying,
        })
    }

    /// Stream time after the frames pushed so far (0 = answer).
    pub fn now_ms(&self) -> u64 {
        self.frames * u64::from(FRAME_MS)
    }

    /// True once nothing more will be reported.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Pushes the next frame after answer with the VAD's verdict; returns a decision or event when one is
    /// made.
    pub fn push(&mut self, frame: &Frame, voiced: bool) -> Option<AmdDecision> {
        if self.phase == Phase::Done {
            return None;
        }
        self.frames += 1;
        let beep = self.beeps.push(frame);
        self.track_speech(voiced);
        match self.phase {
            Phase::Classifying => {
                let decision = self.classify(beep);
                if let Some(d) = decision {
                    self.phase = match d {
                        AmdDecision::Machine { .. } => Phase::AwaitingMessage {
                            at_ms: self.now_ms(),
                        },
                        _ => Phase::Done,
                    };
                }
                decision
            }
            Phase::AwaitingMessage { at_ms } => {
                let event = self.await_message(beep, at_ms);
                if event.is_some() {
                    self.phase = Phase::Done;
                }
                event
            }
            Phase::Done => None,
        }
    }

    fn track_speech(&mut self, voiced: bool) {
        let ms = |frames: u32| u64::from(frames * FRAME_MS);
        let now = self.now_ms();
        if voiced {
            self.voiced_run += 1;
            self.silence_run = 0;
            if self.voiced_run * FRAME_MS >= self.config.min_word_ms {
                let start = now - ms(self.voiced_run);
                let g = self.greeting.get_or_insert(Greeting {
                    start_ms: start,
                    last_voiced_end_ms: now,
                    words: 0,
                    in_word: false,
                });
                if !g.in_word {
                    g.in_word = true;
                    g.words += 1;
                }
            }
            if let Some(g) = self.greeting.as_mut() {
                g.last_voiced_end_ms = now;
            }
        } else {
            self.voiced_run = 0;
            self.silence_run += 1;
            if let Some(g) = self.greeting.as_mut() {
                if self.silence_run * FRAME_MS >= self.config.between_words_ms {
                    g.in_word = false;
                }
            }
        }
    }

    fn classify(&self, beep: Option<BeepEvent>) -> Option<AmdDecision> {
        let c = &self.config;
        if let Some(BeepEvent::Started { start_ms, hz }) = beep {
            return Some(AmdDecision::Machine {
                beep_at: Some(start_ms),
                reason: Reason::Beep {
                    at_ms: start_ms,
                    hz,
                },
            });
        }
        let now = self.now_ms();
        if let Some(g) = self.greeting {
            if g.length_ms() >= u64::from(c.max_greeting_ms) {
                return Some(AmdDecision::Machine {
                    beep_at: None,
                    reason: Reason::LongGreeting {
                        greeting_ms: g.length_ms(),
                    },
                });
            }
            if g.words > c.max_words {
                return Some(AmdDecision::Machine {
                    beep_at: None,
                    reason: Reason::ManyWords { words: g.words },
                });
            }
            if self.silence_run * FRAME_MS >= c.after_greeting_silence_ms {
                return Some(AmdDecision::Human {
                    reason: Reason::SilenceAfterGreeting {
                        greeting_ms: g.length_ms(),
                        words: g.words,
                    },
                });
            }
        } else if now >= u64::from(c.max_initial_silence_ms) {
            return Some(AmdDecision::Undecided {
                reason: Reason::InitialSilence,
            });
        }
        (now >= u64::from(c.window_ms)).then_some(AmdDecision::Undecided {
            reason: Reason::WindowEnded,
        })
    }

    fn await_message(&self, beep: Option<BeepEvent>, decided_at: u64) -> Option<AmdDecision> {
        if let Some(BeepEvent::Ended {
            start_ms,
            end_ms,
            hz,
        }) = beep
        {
            return Some(AmdDecision::BeepDetected {
                start_ms,
                end_ms,
                hz,
            });
        }
        let now = self.now_ms();
        if self.beeps.sounding() {
            return None;
        }
        let quiet = self.silence_run * FRAME_MS >= self.config.message_after_silence_ms;
        let waited = now - decided_at >= u64::from(self.config.message_wait_ms);
        (quiet || waited).then_some(AmdDecision::GreetingEnded { at_ms: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds a pattern of `V<ms>` (voiced) and `S<ms>` (silence) spans of silent frames; returns every
    /// decision with the stream time it was made at.
    fn run(config: AmdConfig, pattern: &str) -> Vec<(u64, AmdDecision)> {
        let mut d = AmdDetector::new(config).expect("valid config");
        let mut out = Vec::new();
        for span in pattern.split_whitespace() {
            let (kind, ms) = span.split_at(1);
            let ms: u32 = ms.parse().expect("span length");
            for _ in 0..ms / FRAME_MS {
                if let Some(decision) = d.push(&[0; 160], kind == "V") {
                    out.push((d.now_ms(), decision));
                }
            }
        }
        out
    }

    fn first(pattern: &str) -> (u64, AmdDecision) {
        *run(AmdConfig::default(), pattern)
            .first()
            .unwrap_or_else(|| panic!("no decision for {pattern}"))
    }

    #[test]
    fn timing_patterns_are_classified() {
        // (pattern, expected party, decision time in ms)
        let table: &[(&str, Party, u64)] = &[
            // "hello?" then silence: a person waiting for us.
            ("S500 V600 S3000", Party::Human, 1900),
            // "алло, да, слушаю, кто это?": words with short pauses, then silence.
            (
                "S400 V300 S140 V200 S160 V400 S120 V500 S3000",
                Party::Human,
                3020,
            ),
            // "hello?" … "hello?" again after 1.4 s: decided at the first silence.
            ("S400 V500 S1400 V500 S2000", Party::Human, 1700),
            // A greeting that goes on: machine once it passes max_greeting_ms.
            ("S500 V4000", Party::Machine, 3500),
            // Sentences with pauses shorter than the after-greeting silence still make one long greeting.
            ("S400 V900 S600 V900 S500 V2000", Party::Machine, 3400),
            // Nobody speaks: undecided, treated as a person.
            ("S4000", Party::Human, 2500),
            // Speech that starts late and is still short when the window ends: undecided.
            ("S2200 V1500 S1000", Party::Human, 4000),
        ];
        for &(pattern, party, at) in table {
            let (t, decision) = first(pattern);
            assert_eq!(
                decision.party(Party::Human),
                Some(party),
                "{pattern}: {decision:?}"
            );
            assert_eq!(t, at, "{pattern}: {decision:?}");
        }
    }

    #[test]
    fn many_short_words_make_a_machine() {
        let config = AmdConfig {
            max_words: 3,
            ..AmdConfig::default()
        };
        let got = run(config, "S300 V200 S200 V200 S200 V200 S200 V200 S2000");
        assert!(
            matches!(
                got[0].1,
                AmdDecision::Machine {
                    reason: Reason::ManyWords { words: 4 },
                    ..
                }
            ),
            "{got:?}"
        );
    }

    #[test]
    fn clicks_shorter_than_a_word_are_not_speech() {
        let (_, d) = first("S300 V60 S500 V40 S3000");
        assert_eq!(
            d,
            AmdDecision::Undecided {
                reason: Reason::InitialSilence
            }
        );
    }

    #[test]
    fn undecided_follows_the_configured_treatment() {
        let (_, d) = first("S4000");
        assert_eq!(d.party(Party::Machine), Some(Party::Machine));
        assert_eq!(d.party(Party::Human), Some(Party::Human));
    }

    #[test]
    fn a_beepless_greeting_ends_after_the_machine_decision() {
        let got = run(AmdConfig::default(), "S500 V4000 S2500");
        assert_eq!(got.len(), 2, "{got:?}");
        assert!(matches!(
            got[0].1,
            AmdDecision::Machine { beep_at: None, .. }
        ));
        assert_eq!(got[1], (6500, AmdDecision::GreetingEnded { at_ms: 6500 }));
    }

    #[test]
    fn nothing_is_reported_after_a_person_is_found() {
        let got = run(AmdConfig::default(), "S500 V600 S1000 V5000 S3000");
        assert_eq!(got.len(), 1, "{got:?}");
    }

    #[test]
    fn decisions_scale_with_the_settings() {
        let config = AmdConfig {
            after_greeting_silence_ms: 500,
            max_greeting_ms: 1000,
            ..AmdConfig::default()
        };
        let got = run(config.clone(), "S500 V600 S3000");
        assert_eq!(got[0].0, 1600);
        let got = run(config, "S500 V1200 S3000");
        assert!(
            matches!(got[0], (1500, AmdDecision::Machine { .. })),
            "{got:?}"
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        let config = AmdConfig {
            min_word_ms: 0,
            ..AmdConfig::default()
        };
        assert!(AmdDetector::new(config).is_err());
    }
}
