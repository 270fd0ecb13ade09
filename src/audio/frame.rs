//! Telephony audio as it travels through a call: 8 kHz mono 16-bit PCM in 20 ms frames.

/// Telephony sample rate in Hz.
pub const SAMPLE_RATE: u32 = 8000;
/// Length of one frame in milliseconds.
pub const FRAME_MS: u32 = 20;
/// Samples in one 20 ms frame at 8 kHz.
pub const FRAME_SAMPLES: usize = (SAMPLE_RATE * FRAME_MS / 1000) as usize;

/// One 20 ms frame of 8 kHz mono linear PCM.
pub type Frame = [i16; FRAME_SAMPLES];

/// Splits 8 kHz samples into whole 20 ms frames, padding the last one with silence.
pub fn frames_of(samples: &[i16]) -> Vec<Frame> {
    samples
        .chunks(FRAME_SAMPLES)
        .map(|chunk| {
            let mut frame = [0i16; FRAME_SAMPLES];
            frame[..chunk.len()].copy_from_slice(chunk);
            frame
        })
        .collect()
}

/// Converts a float sample in [-1, 1] to 16-bit, clipping.
pub fn to_i16(sample: f32) -> i16 {
    (sample * 32768.0).round().clamp(-32768.0, 32767.0) as i16
}

/// Converts a 16-bit sample to a float in [-1, 1).
pub fn to_f32(sample: i16) -> f32 {
    f32::from(sample) / 32768.0
}
