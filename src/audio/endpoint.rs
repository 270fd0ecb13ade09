//! Endpointing: turns a stream of voiced/unvoiced frames into utterances.
//!
//! Pure and deterministic: the caller passes each frame with the VAD's verdict; time is the frame count.
//! Speech starts after `min_speech_ms` of voiced audio (short gaps allowed), ends after `trailing_silence_ms`
//! of silence. On start, `pre_roll_ms` of audio before the first voiced frame is released so the first
//! syllable reaches the recogniser; afterwards every frame until the end is released (VAD gating).

use super::frame::{Frame, FRAME_MS};
use std::collections::VecDeque;

/// Endpointer settings, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct EndpointConfig {
    /// Voiced audio needed before speech counts as started.
    pub min_speech_ms: u32,
    /// Silence that ends an utterance.
    pub trailing_silence_ms: u32,
    /// Audio kept before the first voiced frame and released with it.
    pub pre_roll_ms: u32,
    /// Longest unvoiced gap tolerated while speech is still being confirmed.
    pub onset_gap_ms: u32,
    /// An utterance is cut here even if the speaker goes on (0 = no limit).
    pub max_utterance_ms: u32,
}

impl Default for EndpointConfig {
    fn default() -> Self {
        Self {
            min_speech_ms: 200,
            trailing_silence_ms: 600,
            pre_roll_ms: 300,
            onset_gap_ms: 100,
            max_utterance_ms: 20_000,
        }
    }
}

/// What the endpointer reports for a frame.
#[derive(Debug, Clone, PartialEq)]
pub enum EndpointEvent {
    /// Speech began at `start_ms` (the first voiced frame).
    SpeechStarted {
        /// Stream time of the first voiced frame.
        start_ms: u64,
    },
    /// Audio to feed the recogniser: pre-roll, speech and trailing padding.
    Audio(Box<Frame>),
    /// Speech ended; `end_ms` is the end of the last voiced frame.
    SpeechEnded {
        /// Stream time of the first voiced frame.
        start_ms: u64,
        /// Stream time of the end of the last voiced frame.
        end_ms: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Silence,
    Onset {
        first_voiced: u64,
        voiced: u32,
        gap: u32,
    },
    Speech {
        start: u64,
        last_voiced_end: u64,
        silence: u32,
    },
}

/// Turns per-frame voice decisions into utterance boundaries and gated audio.
#[derive(Debug)]
pub struct Endpointer {
    config: EndpointConfig,
    /// How long the VAD keeps saying "voiced" after speech stops; taken off ends and trailing silence.
    hangover_ms: u32,
    state: State,
    /// Recent frames with their index, kept while no speech is confirmed.
    history: VecDeque<(u64, Box<Frame>)>,
    next_index: u64,
}

impl Endpointer {
    /// Creates an endpointer; `vad_hangover_ms` is how long the VAD stays voiced after speech stops
    /// ([`crate::audio::vad::Aggressiveness::hangover_ms`]), so reported ends and trailing silence are measured
    /// from the real end of speech.
    pub fn new(config: EndpointConfig, vad_hangover_ms: u32) -> Self {
        let hangover_ms = vad_hangover_ms.min(config.trailing_silence_ms.saturating_sub(FRAME_MS));
        Self {
            config,
            hangover_ms,
            state: State::Silence,
            history: VecDeque::new(),
            next_index: 0,
        }
    }

    /// True while an utterance is in progress.
    pub fn in_speech(&self) -> bool {
        matches!(self.state, State::Speech { .. })
    }

    /// Stream time at the end of the frames pushed so far.
    pub fn now_ms(&self) -> u64 {
        self.next_index * u64::from(FRAME_MS)
    }

    /// Pushes the next frame with the VAD's verdict; returns what happened.
    pub fn push(&mut self, frame: &Frame, voiced: bool) -> Vec<EndpointEvent> {
        let index = self.next_index;
        self.next_index += 1;
        let frames = |ms: u32| ms.div_ceil(FRAME_MS);
        let mut events = Vec::new();
        match self.state {
            State::Silence | State::Onset { .. } => {
                self.remember(index, frame);
                self.state = match (self.state, voiced) {
                    (State::Silence, false) => State::Silence,
                    (State::Silence, true) => State::Onset {
                        first_voiced: index,
                        voiced: 1,
                        gap: 0,
                    },
                    (
                        State::Onset {
                            first_voiced,
                            voiced: v,
                            ..
                        },
                        true,
                    ) => State::Onset {
                        first_voiced,
                        voiced: v + 1,
                        gap: 0,
                    },
                    (
                        State::Onset {
                            first_voiced,
                            voiced: v,
                            gap,
                        },
                        false,
                    ) => {
                        if gap + 1 > frames(self.config.onset_gap_ms) {
                            State::Silence
                        } else {
                            State::Onset {
                                first_voiced,
                                voiced: v,
                                gap: gap + 1,
                            }
                        }
                    }
                    (State::Speech { .. }, _) => unreachable!("handled by the outer match"),
                };
                if let State::Onset {
                    first_voiced,
                    voiced: v,
                    gap,
                } = self.state
                {
                    if v >= frames(self.config.min_speech_ms).max(1) {
                        let start_ms = first_voiced * u64::from(FRAME_MS);
                        events.push(EndpointEvent::SpeechStarted { start_ms });
                        let from =
                            first_voiced.saturating_sub(u64::from(frames(self.config.pre_roll_ms)));
                        for (i, f) in self.history.drain(..) {
                            if i >= from {
                                events.push(EndpointEvent::Audio(f));
                            }
                        }
                        let last_voiced_end = (index + 1 - u64::from(gap)) * u64::from(FRAME_MS);
                        self.state = State::Speech {
                            start: start_ms,
                            last_voiced_end,
                            silence: gap,
                        };
                    }
                }
            }
            State::Speech {
                start,
                last_voiced_end,
                silence,
            } => {
                events.push(EndpointEvent::Audio(Box::new(*frame)));
                let (last_voiced_end, silence) = if voiced {
                    ((index + 1) * u64::from(FRAME_MS), 0)
                } else {
                    (last_voiced_end, silence + 1)
                };
                let too_long = self.config.max_utterance_ms > 0
                    && (index + 1) * u64::from(FRAME_MS) - start
                        >= u64::from(self.config.max_utterance_ms);
                if silence >= frames(self.config.trailing_silence_ms - self.hangover_ms) || too_long
                {
                    events.push(EndpointEvent::SpeechEnded {
                        start_ms: start,
                        end_ms: self.speech_end(start, last_voiced_end),
                    });
                    self.state = State::Silence;
                } else {
                    self.state = State::Speech {
                        start,
                        last_voiced_end,
                        silence,
                    };
                }
            }
        }
        events
    }

    /// Ends the stream: an utterance in progress ends at its last voiced frame.
    pub fn finish(&mut self) -> Vec<EndpointEvent> {
        let events = match self.state {
            State::Speech {
                start,
                last_voiced_end,
                silence,
            } => {
                // Only frames of real silence past the hangover show the speaker stopped before the stream did.
                let end_ms = if silence > 0 {
                    self.speech_end(start, last_voiced_end)
                } else {
                    last_voiced_end
                };
                vec![EndpointEvent::SpeechEnded {
                    start_ms: start,
                    end_ms,
                }]
            }
            _ => Vec::new(),
        };
        self.state = State::Silence;
        self.history.clear();
        events
    }

    /// The end of speech: the last voiced frame less the VAD's hangover, never before the start.
    fn speech_end(&self, start: u64, last_voiced_end: u64) -> u64 {
        last_voiced_end
            .saturating_sub(u64::from(self.hangover_ms))
            .max(start + u64::from(FRAME_MS))
    }

    fn remember(&mut self, index: u64, frame: &Frame) {
        let keep = (self.config.pre_roll_ms + self.config.min_speech_ms + self.config.onset_gap_ms)
            .div_ceil(FRAME_MS) as usize
            + 1;
        self.history.push_back((index, Box::new(*frame)));
        while self.history.len() > keep {
            self.history.pop_front();
        }
    }
}
