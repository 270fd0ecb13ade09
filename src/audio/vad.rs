//! WebRTC voice activity detection on 20 ms frames at 8 kHz.
//!
//! `webrtc_vad::Vad` holds a raw C pointer and is not `Send`: create one detector per call on the thread
//! (or `LocalSet`) that feeds it.

use super::frame::Frame;
use webrtc_vad::{SampleRate, Vad, VadMode};

/// How eagerly frames are classified as speech (WebRTC's four modes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggressiveness {
    /// Mode 0: fewest missed syllables, most noise taken for speech.
    Quality,
    /// Mode 1.
    LowBitrate,
    /// Mode 2: a good default for telephone lines.
    #[default]
    Aggressive,
    /// Mode 3: most noise rejected, may clip soft speech.
    VeryAggressive,
}

impl Aggressiveness {
    /// How long WebRTC's VAD keeps reporting speech after it stops, on 20 ms frames (its overhang after a
    /// talkspurt longer than 120 ms: 7 frames in modes 0–1, 5 frames in modes 2–3).
    pub fn hangover_ms(self) -> u32 {
        match self {
            Aggressiveness::Quality | Aggressiveness::LowBitrate => 140,
            Aggressiveness::Aggressive | Aggressiveness::VeryAggressive => 100,
        }
    }
}

/// Classifies 8 kHz frames as voiced or not.
pub struct VoiceDetector {
    vad: Vad,
}

impl VoiceDetector {
    /// Creates a detector for 8 kHz audio.
    pub fn new(aggressiveness: Aggressiveness) -> Self {
        let mode = match aggressiveness {
            Aggressiveness::Quality => VadMode::Quality,
            Aggressiveness::LowBitrate => VadMode::LowBitrate,
            Aggressiveness::Aggressive => VadMode::Aggressive,
            Aggressiveness::VeryAggressive => VadMode::VeryAggressive,
        };
        Self {
            vad: Vad::new_with_rate_and_mode(SampleRate::Rate8kHz, mode),
        }
    }

    /// True when the frame holds speech.
    pub fn is_voiced(&mut self, frame: &Frame) -> bool {
        // A 160-sample frame at 8 kHz is a length WebRTC accepts, so the error branch cannot occur.
        self.vad.is_voice_segment(frame).unwrap_or(false)
    }
}
