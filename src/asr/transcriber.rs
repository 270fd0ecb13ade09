//! The recognising half of a call's listening pipeline: the endpointer's gated audio and utterance ends in,
//! partial texts and finished utterances with stream times out. It may run behind the line (on its own thread
//! in a live call) without delaying the voice decisions.

use super::listener::{ListenEvent, ListenStats, Utterance};
use super::model::AsrModel;
use super::recognizer::Recognizer;
use super::{AsrError, Transcript, WordTiming};
use crate::audio::endpoint::EndpointEvent;
use crate::audio::frame::{Frame, FRAME_MS};

/// A recogniser fed by the endpointer.
pub struct Transcriber {
    /// The recogniser and its model; `None` for a transcriber that only times utterances.
    recognizer: Option<(Recognizer, AsrModel)>,
    /// A grammar change requested mid-utterance, applied when the utterance ends.
    pending_grammar: Option<Option<Vec<String>>>,
    /// Stream time (s) of the first frame fed in this utterance, and the recogniser's clock then.
    utterance_origin: Option<(f64, f64)>,
    /// Whether an utterance is in progress (speech started, not yet ended).
    in_speech: bool,
    last_partial: String,
    stats: ListenStats,
}

impl Transcriber {
    /// A transcriber on a shared model, with an optional phrase grammar.
    pub fn new(model: &AsrModel, grammar: Option<&[String]>) -> Result<Self, AsrError> {
        let mut t = Self::without_recognizer();
        t.recognizer = Some((Recognizer::new(model, grammar)?, model.clone()));
        Ok(t)
    }

    /// A transcriber with no recogniser: utterances carry their times and empty text.
    pub fn without_recognizer() -> Self {
        Self {
            recognizer: None,
            pending_grammar: None,
            utterance_origin: None,
            in_speech: false,
            last_partial: String::new(),
            stats: ListenStats::default(),
        }
    }

    /// Whether utterances are recognised.
    pub fn recognizes(&self) -> bool {
        self.recognizer.is_some()
    }

    /// Switches the phrase grammar (`None` is free speech). During an utterance the change waits for its end,
    /// so no audio is lost.
    pub fn set_grammar(&mut self, grammar: Option<&[String]>) -> Result<(), AsrError> {
        let Some((recognizer, model)) = self.recognizer.as_mut() else {
            return Ok(());
        };
        if self.in_speech {
            self.pending_grammar = Some(grammar.map(<[String]>::to_vec));
            return Ok(());
        }
        *recognizer = Recognizer::new(model, grammar)?;
        Ok(())
    }

    /// Frames recognised and utterances finished so far (`frames_in` is the listener's to count).
    pub fn stats(&self) -> ListenStats {
        self.stats
    }

    /// Handles what the endpointer reported for the frame that started at `frame_start_ms`.
    pub fn handle(&mut self, events: Vec<EndpointEvent>, frame_start_ms: u64) -> Vec<ListenEvent> {
        let mut out = Vec::new();
        let mut pending_audio = Vec::new();
        for event in events {
            match event {
                EndpointEvent::SpeechStarted { start_ms } => {
                    self.in_speech = true;
                    out.push(ListenEvent::SpeechStarted {
                        at: start_ms as f64 / 1000.0,
                    });
                }
                EndpointEvent::Audio(frame) => pending_audio.push(*frame),
                EndpointEvent::SpeechEnded { start_ms, end_ms } => {
                    self.in_speech = false;
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
