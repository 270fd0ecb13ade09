//! Telephony audio: frames, resampling, voice activity detection and endpointing.
pub mod frame;
