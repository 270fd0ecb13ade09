//! Offline speech recognition with Vosk.
//!
//! [`model::AsrModel`] is loaded once per process and shared by every call; each call gets its own
//! [`recognizer::Recognizer`]. [`listener::Listener`] is the listening pipeline of a call — VAD, endpointing
//! and recognition ([`transcriber::Transcriber`]) on 8 kHz frames — used unchanged by QA replay; a live call
//! runs the same parts on two threads.

pub mod listener;
pub mod model;
pub mod recognizer;
pub mod transcriber;

use serde::Serialize;

/// Errors loading a model or creating a recogniser.
#[derive(Debug, thiserror::Error)]
pub enum AsrError {
    /// The model folder does not exist.
    #[error("speech recognition model not found at {path} (run `{setup}` to fetch models, or set asr_model in softcall.toml)")]
    ModelMissing {
        /// Where the model was expected.
        path: String,
        /// The setup command.
        setup: &'static str,
    },
    /// Vosk refused to load the folder.
    #[error(
        "{path} is not a usable Vosk model (Vosk could not load it; fetch it again with `{setup}`)"
    )]
    ModelInvalid {
        /// The folder.
        path: String,
        /// The setup command.
        setup: &'static str,
    },
    /// Vosk could not build a recogniser (e.g. a grammar on a model without a dynamic graph).
    #[error("cannot create a recogniser: {0}")]
    Recognizer(String),
    /// Audio conversion failed.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
}

/// One recognised word with its timing (seconds from the start of the stream) and confidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordTiming {
    /// The word.
    pub word: String,
    /// Start, in seconds.
    pub start: f64,
    /// End, in seconds.
    pub end: f64,
    /// Confidence in [0, 1].
    pub conf: f64,
}

/// The final result for one stretch of speech.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transcript {
    /// Words joined by spaces.
    pub text: String,
    /// Every word with timing and confidence.
    pub words: Vec<WordTiming>,
    /// Mean word confidence (0 when nothing was recognised).
    pub confidence: f64,
}

impl Transcript {
    /// Builds a transcript from words, computing text and confidence.
    pub fn from_words(words: Vec<WordTiming>) -> Self {
        let text = words
            .iter()
            .map(|w| w.word.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let confidence = if words.is_empty() {
            0.0
        } else {
            words.iter().map(|w| w.conf).sum::<f64>() / words.len() as f64
        };
        Self {
            text,
            words,
            confidence,
        }
    }
}
