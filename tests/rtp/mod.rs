//! Call media: codecs, packets, jitter buffer, DTMF, RTCP, recording and live sessions on loopback.

mod captures;
mod codec;
mod dtmf;
mod fuzz;
mod interop;
mod jitter;
mod pacing;
mod packet;
mod recording;
mod rtcp;
pub mod session;

use softcall::audio::frame::{Frame, FRAME_SAMPLES, SAMPLE_RATE};

/// `seconds` of a sine tone at `hz` and amplitude `amp`, in 20 ms frames.
pub fn tone(hz: f64, amp: f64, seconds: f64) -> Vec<Frame> {
    let n = (seconds * SAMPLE_RATE as f64) as usize;
    let samples: Vec<i16> = (0..n)
        .map(|i| {
            (amp * (2.0 * std::f64::consts::PI * hz * i as f64 / SAMPLE_RATE as f64).sin()) as i16
        })
        .collect();
    softcall::audio::frame::frames_of(&samples)
}

/// Power of frequency `hz` in `samples` relative to their total energy (Goertzel), 0..=1.
pub fn tone_share(samples: &[i16], hz: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * hz / SAMPLE_RATE as f64;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    let mut energy = 0.0f64;
    for &x in samples {
        let x = x as f64;
        energy += x * x;
        let s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    if energy == 0.0 {
        return 0.0;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    // A pure tone of N samples has Goertzel power N/2 × its energy.
    power / (energy * samples.len() as f64 / 2.0)
}

/// The samples from the first to the last one above the noise floor.
pub fn active(samples: &[i16]) -> &[i16] {
    let loud = |s: &i16| s.unsigned_abs() > 64;
    match (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) {
        (Some(first), Some(last)) => &samples[first..=last],
        _ => &[],
    }
}

/// Root-mean-square level of samples.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples.iter().map(|&s| (s as f64).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
}

/// Frame length, re-exported for submodules.
pub const N: usize = FRAME_SAMPLES;
