//! QA replay: recorded debtor audio through the exact listening pipeline of a call, scored against references.
//!
//! [`replay`] runs files and folders through [`crate::asr::listener::Listener`]; [`wer`] scores transcripts;
//! [`fixture`] reads a clip's sidecar files (reference transcript, language, grammar, known boundaries).
//! [`conversation`] replays whole calls — prompts, the debtor's clips and keys — through the call core in
//! virtual time and checks what they come to.

pub mod conversation;
pub mod fixture;
pub mod replay;
pub mod wer;

/// Errors replaying audio.
#[derive(Debug, thiserror::Error)]
pub enum QaError {
    /// The path is neither a WAV file nor a folder.
    #[error("{0}: no such file or folder (give a .wav file or a folder of them)")]
    NotFound(String),
    /// A sidecar file is unreadable or malformed.
    #[error("{path}: {message}")]
    Sidecar {
        /// The sidecar file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The audio could not be read.
    #[error(transparent)]
    Audio(#[from] crate::audio::AudioError),
    /// The recogniser could not be set up.
    #[error(transparent)]
    Asr(#[from] crate::asr::AsrError),
    /// The configuration does not cover the clip's language.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}
