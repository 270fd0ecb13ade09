//! Telephony audio: frames, WAV files, resampling, voice activity detection and endpointing.
//!
//! Audio enters a call here: 8 kHz mono 16-bit frames of 20 ms ([`frame`]). [`resample`] converts between
//! the line rate and the models' rates, [`vad`] marks voiced frames and [`endpoint`] turns them into
//! utterances with pre-roll and trailing padding, so only speech reaches the recogniser.
//! [`gate`] keeps line noise the VAD took for speech out of barge-in. [`amd`] tells a person from an answering
//! machine in the first seconds after answer.

pub mod amd;
pub mod endpoint;
pub mod frame;
pub mod gate;
pub mod resample;
pub mod vad;
pub mod wav;

/// Errors reading, writing or converting audio.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// The file could not be opened or is not a WAV file hound can read.
    #[error("{path}: not a readable WAV file ({source}); convert it with `sox IN -r 8000 -c 1 -b 16 OUT.wav`")]
    BadWav {
        /// The file.
        path: String,
        /// What hound reported.
        source: hound::Error,
    },
    /// The WAV file could not be written.
    #[error("{path}: cannot write WAV ({source})")]
    WriteWav {
        /// The file.
        path: String,
        /// What hound reported.
        source: hound::Error,
    },
    /// A resampler could not be built for this pair of rates.
    #[error("cannot resample {from} Hz to {to} Hz: {reason}")]
    Resample {
        /// Input rate.
        from: u32,
        /// Output rate.
        to: u32,
        /// What rubato reported.
        reason: String,
    },
}
