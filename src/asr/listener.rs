//! The listening pipeline of a call: 8 kHz frames → VAD → endpointing → recognition.
//!
//! Only speech plus its padding reaches the recogniser (VAD gating). Built from a VAD that is not `Send`,
//! so a listener lives on the thread that feeds it.

use super::model::AsrModel;
use super::transcriber::Transcriber;
use super::{AsrError, WordTiming};
use crate::audio::endpoint::{EndpointConfig, Endpointer};
use crate::audio::frame::Frame;
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

/// VAD, endpointer and recogniser for one call, on one thread (QA replay, benchmarks). A live call runs the
/// same parts on two threads: the [`VoiceDetector`] and [`Endpointer`] keep pace with the line while the
/// [`Transcriber`] catches up.
pub struct Listener {
    vad: VoiceDetector,
    endpointer: Endpointer,
    transcriber: Transcriber,
    frames_in: u64,
}

impl Listener {
    /// Creates a listener on a shared model, with an optional phrase grammar.
    pub fn new(
        model: &AsrModel,
        grammar: Option<&[String]>,
        vad: Aggressiveness,
        endpoint: EndpointConfig,
    ) -> Result<Self, AsrError> {
        Ok(Self::with_transcriber(
            Transcriber::new(model, grammar)?,
            vad,
            endpoint,
        ))
    }

    /// The same VAD and endpointer with no recogniser: utterances carry their times and empty text (QA replay
    /// with reference transcripts).
    pub fn without_recognizer(vad: Aggressiveness, endpoint: EndpointConfig) -> Self {
        Self::with_transcriber(Transcriber::without_recognizer(), vad, endpoint)
    }

    fn with_transcriber(
        transcriber: Transcriber,
        vad: Aggressiveness,
        endpoint: EndpointConfig,
    ) -> Self {
        Self {
            vad: VoiceDetector::new(vad),
            endpointer: Endpointer::new(endpoint, vad.hangover_ms()),
            transcriber,
            frames_in: 0,
        }
    }

    /// Whether utterances are recognised (false for [`Listener::without_recognizer`]).
    pub fn recognizes(&self) -> bool {
        self.transcriber.recognizes()
    }

    /// Switches the phrase grammar (each listening step may have its own; `None` is free speech). During an
    /// utterance the change waits for its end, so no audio is lost.
    pub fn set_grammar(&mut self, grammar: Option<&[String]>) -> Result<(), AsrError> {
        self.transcriber.set_grammar(grammar)
    }

    /// Frames in and frames recognised so far.
    pub fn stats(&self) -> ListenStats {
        ListenStats {
            frames_in: self.frames_in,
            ..self.transcriber.stats()
        }
    }

    /// Pushes one 20 ms frame.
    pub fn push(&mut self, frame: &Frame) -> Vec<ListenEvent> {
        self.push_frame(frame).1
    }

    /// Pushes one 20 ms frame and also says whether the VAD found speech in it (for barge-in and timers).
    pub fn push_frame(&mut self, frame: &Frame) -> (bool, Vec<ListenEvent>) {
        self.frames_in += 1;
        let voiced = self.vad.is_voiced(frame);
        let frame_start = self.endpointer.now_ms();
        let events = self.endpointer.push(frame, voiced);
        (voiced, self.transcriber.handle(events, frame_start))
    }

    /// Ends the stream, finishing an utterance in progress.
    pub fn finish(&mut self) -> Vec<ListenEvent> {
        let events = self.endpointer.finish();
        let now = self.endpointer.now_ms();
        self.transcriber.handle(events, now)
    }
}
