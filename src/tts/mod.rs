//! Speech synthesis: Piper voices rendered at the line rate (8 kHz), with a content-addressed prompt cache.
//!
//! [`voice::Voice`] runs Piper (a [`pool::Pool`] of synthesisers, so concurrent calls speak in parallel)
//! and resamples its output to 8 kHz; [`cache::PromptCache`] stores each rendered text once on disk;
//! [`speaker::Speaker`] joins them and renders long prompts sentence by sentence so the first sentence can
//! play while the rest is synthesised.

pub mod cache;
pub mod pool;
pub mod sentences;
pub mod speaker;
pub mod voice;

/// Errors loading a voice or synthesising speech.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    /// The voice model file does not exist.
    #[error("Piper voice not found at {path} (run `{setup}` to fetch voices, or set voice in softcall.toml)")]
    VoiceMissing {
        /// Where the voice was expected.
        path: String,
        /// The setup command.
        setup: &'static str,
    },
    /// Piper could not load the voice or its phonemiser data.
    #[error("cannot load Piper voice {path}: {reason}")]
    VoiceInvalid {
        /// The voice file.
        path: String,
        /// What Piper reported.
        reason: String,
    },
    /// Synthesis failed for a text.
    #[error("synthesis failed: {0}")]
    Synthesis(String),
    /// The prompt cache could not be read or written.
    #[error("prompt cache at {path}: {source}")]
    Cache {
        /// The cache file or folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Audio conversion failed.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
}
