//! The listening pipeline of a call: 8 kHz frames → VAD → endpointing → recognition.
//!
//! Only speech plus its padding reaches the recogniser (VAD gating). Built from a VAD that is not `Send`,
//! so a listener lives on the thread that feeds it.

use super::model::AsrModel;
use super::recognizer::Recognizer;
use super::{AsrError, Transcript, WordTiming};
use crate::audio::endpoint::{EndpointConfig, EndpointEvent, Endpointer};
use crate::audio::frame::{Frame, FRAME_MS};
use crate::audio::vad::{Aggressiveness, VoiceDetector};
use serde::Serialize;

/// One recognised utterance with its place in the stream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Utterance {
    /// Stream time of the first voiced frame, in seconds.
    pub start: f64,
    /// Stream time of the end of the last voiced frame, in seconds.
    pub end: f64,
    /// Recognised text (empty if the recogniser heard no words).
    pub text: String,
    /// Mean word confidence.
    pub confidence: f64,
    /// Words with stream times.
    pub words: Vec<WordTiming>,
}

/// What the listener reports while audio flows.
#[derive(Debug, Clone, PartialEq)]
pub enum ListenEvent {
    /// The caller started speaking (use it for barge-in).
    SpeechStarted {
        /// Stream time in seconds.
        at: f64,
    },
    /// Text recognised so far in the current utterance.
    Partial(String),
    /// A finished utterance.
    Utterance(Utterance),
}

/// Counters for the gating benchmark and QA.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ListenStats {
    /// Frames pushed.
    pub frames_in: u64,
    /// Frames passed to the recogniser.
    pub frames_recognised: u64,
    /// Utterances finished.
    pub utterances: u64,
    /// Time spent computing the final results of those utterances, in microseconds.
    pub final_result_us: u64,
}

/// VAD, endpointer and recogniser for one call.
pub struct Listener {
    vad: VoiceDetector,
    endpointer: Endpointer,
    /// The recogniser and its model; `None` for a listener that only finds utterances.
    recognizer: Option<(Recognizer, AsrModel)>,
    /// A grammar change requested mid-utterance, applied when the utterance ends.
    pending_grammar: Option<Option<Vec<String>>>,
    /// Stream time (s) of the first frame fed in this utterance, and the recogniser's clock then.
    utterance_origin: Option<(f64, f64)>,
    last_partial: String,
    stats: ListenStats,
}

impl Listener {
    /// Creates a listener on a shared model, with an optional phrase grammar.
    pub fn new(
        model: &AsrModel,
        grammar: Option<&[String]>,
        vad: Aggressiveness,
        endpoint: EndpointConfig,
    ) -> Result<Self, AsrError> {
        let mut listener = Self::without_recognizer(vad, endpoint);
        listener.recognizer = Some((Recognizer::new(model, grammar)?, model.clone()));
        Ok(listener)
    }

    /// The same VAD and endpointer with no recogniser: utterances carry their times and empty text (QA replay
    /// with reference transcripts).
    pub fn without_recognizer(vad: Aggressiveness, endpoint: EndpointConfig) -> Self {
        Self {
            vad: VoiceDetector::new(vad),
            endpointer: Endpointer::new(endpoint, vad.hangover_ms()),
            recognizer: None,
            pending_grammar: None,
            utterance_origin: None,
            last_partial: String::new(),
            stats: ListenStats::default(),
        }
    }

    /// Whether utterances are recognised (false for [`Listener::without_recognizer`]).
    pub fn recognizes(&self) -> bool {
        self.recognizer.is_some()
    }

    /// Switches the phrase grammar (each listening step may have its own; `None` is free speech). During an
    /// utterance the change waits for its end, so no audio is lost.
    pub fn set_grammar(&mut self, grammar: Option<&[String]>) -> Result<(), AsrError> {
        let Some((recognizer, model)) = self.recognizer.as_mut() else {
            return Ok(());
        };
        if self.endpointer.in_speech() {
            self.pending_grammar = Some(grammar.map(<[String]>::to_vec));
            return Ok(());
        }
        *recognizer = Recognizer::new(model, grammar)?;
        Ok(())
    }

    /// Frames in and frames recognised so far.
    pub fn stats(&self) -> ListenStats {
        self.stats
    }

    /// Pushes one 20 ms frame.
    pub fn push(&mut self, frame: &Frame) -> Vec<ListenEvent> {
        self.push_frame(frame).1
    }

    /// Pushes one 20 ms frame and also says whether the VAD found speech in it (for barge-in and timers).
    pub fn push_frame(&mut self, frame: &Frame) -> (bool, Vec<ListenEvent>) {
        self.stats.frames_in += 1;
        let voiced = self.vad.is_voiced(frame);
        let frame_start = self.endpointer.now_ms();
        let events = self.endpointer.push(frame, voiced);
        (voiced, self.handle(events, frame_start))
    }

    /// Ends the stream, finishing an utterance in progress.
    pub fn finish(&mut self) -> Vec<ListenEvent> {
        let events = self.endpointer.finish();
        let now = self.endpointer.now_ms();
        self.handle(events, now)
    }

    fn handle(&mut self, events: Vec<EndpointEvent>, frame_start_ms: u64) -> Vec<ListenEvent> {
        let mut out = Vec::new();
        let mut pending_audio = Vec::new();
        for event in events {
            match event {
                EndpointEvent::SpeechStarted { start_ms } => {
                    out.push(ListenEvent::SpeechStarted {
                        at: start_ms as f64 / 1000.0,
                    });
                }
                EndpointEvent::Audio(frame) => pending_audio.push(*frame),
                EndpointEvent::SpeechEnded { start_ms, end_ms } => {
                    self.feed(&mut pending_audio, frame_start_ms);
                    let finishing = std::time::Instant::now();
                    let transcript = self.recognizer.as_mut().map_or_else(
                        || Transcript::from_words(Vec::new()),
                        |(r, _)| r.finish_utterance(),
                    );
                    self.stats.utterances += 1;
                    self.stats.final_result_us +=
                        u64::try_from(finishing.elapsed().as_micros()).unwrap_or(u64::MAX);
                    out.push(ListenEvent::Utterance(
                        self.place(transcript, start_ms, end_ms),
                    ));
                    self.utterance_origin = None;
                    self.last_partial.clear();
                    if let (Some(grammar), Some((recognizer, model))) =
                        (self.pending_grammar.take(), self.recognizer.as_mut())
                    {
                        // The grammar was accepted when first requested on the same model, so this cannot fail
                        // for a new reason; keep the old recogniser if it somehow does.
                        if let Ok(fresh) = Recognizer::new(model, grammar.as_deref()) {
                            *recognizer = fresh;
                        }
                    }
                }
            }
        }
        if !pending_audio.is_empty() {
            let partial = self.feed(&mut pending_audio, frame_start_ms);
            if !partial.is_empty() && partial != self.last_partial {
                self.last_partial = partial.clone();
                out.push(ListenEvent::Partial(partial));
            }
        }
        out
    }

    /// Feeds gated frames; the last frame in `frames` is the one that ends at `frame_start_ms + 20`.
    fn feed(&mut self, frames: &mut Vec<Frame>, frame_start_ms: u64) -> String {
        let Some((recognizer, _)) = self.recognizer.as_mut() else {
            frames.clear();
            return String::new();
        };
        if frames.is_empty() {
            return String::new();
        }
        if self.utterance_origin.is_none() {
            let first_ms = (frame_start_ms + u64::from(FRAME_MS))
                .saturating_sub(frames.len() as u64 * u64::from(FRAME_MS));
            self.utterance_origin = Some((first_ms as f64 / 1000.0, recognizer.fed_secs()));
        }
        let samples: Vec<i16> = frames.iter().flat_map(|f| f.iter().copied()).collect();
        self.stats.frames_recognised += frames.len() as u64;
        frames.clear();
        recognizer.accept(&samples)
    }

    /// Moves word times from the recogniser's clock onto the stream's.
    fn place(&self, transcript: Transcript, start_ms: u64, end_ms: u64) -> Utterance {
        let (stream_origin, recognizer_origin) = self
            .utterance_origin
            .unwrap_or((start_ms as f64 / 1000.0, 0.0));
        let words: Vec<WordTiming> = transcript
            .words
            .into_iter()
            .map(|w| WordTiming {
                start: stream_origin + (w.start - recognizer_origin).max(0.0),
                end: stream_origin + (w.end - recognizer_origin).max(0.0),
                ..w
            })
            .collect();
        Utterance {
            start: start_ms as f64 / 1000.0,
            end: end_ms as f64 / 1000.0,
            text: transcript.text,
            confidence: transcript.confidence,
            words,
        }
    }
}
