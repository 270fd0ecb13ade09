use softcall::audio::resample::{resample, StreamResampler};
use std::f64::consts::PI;

/// A linear sweep from `f0` to `f1` Hz over `secs` at `rate`.
fn sweep(rate: u32, secs: f64, f0: f64, f1: f64) -> Vec<i16> {
    let n = (f64::from(rate) * secs) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let phase = 2.0 * PI * (f0 * t + (f1 - f0) * t * t / (2.0 * secs));
            (phase.sin() * 12000.0) as i16
        })
        .collect()
}

/// Power of frequency `f` in `samples` (Goertzel), normalised by length.
fn power(samples: &[i16], rate: u32, f: f64) -> f64 {
    let w = 2.0 * PI * f / f64::from(rate);
    let (mut s1, mut s2) = (0.0, 0.0);
    for &x in samples {
        let s0 = f64::from(x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2) / (samples.len() as f64).powi(2)
}

/// Checks that in windows along the sweep the expected instantaneous frequency dominates neighbours.
fn assert_follows_sweep(samples: &[i16], rate: u32, secs: f64, f0: f64, f1: f64) {
    let window = (rate / 25) as usize; // 40 ms
    for k in 1..9 {
        let t = secs * k as f64 / 10.0;
        let start = (t * f64::from(rate)) as usize - window / 2;
        let chunk = &samples[start..start + window];
        let expected = f0 + (f1 - f0) * t / secs;
        let on = power(chunk, rate, expected);
        for off in [expected - 600.0, expected + 600.0] {
            if off > 50.0 && off < f64::from(rate) / 2.0 {
                assert!(
                    on > 20.0 * power(chunk, rate, off),
                    "at {t:.2} s {expected:.0} Hz should dominate {off:.0} Hz"
                );
            }
        }
    }
}

#[test]
fn sweep_keeps_its_frequencies_from_8k_to_16k() {
    let input = sweep(8000, 2.0, 200.0, 3400.0);
    let output = resample(&input, 8000, 16000).unwrap();
    assert_eq!(output.len(), input.len() * 2);
    assert_follows_sweep(&output, 16000, 2.0, 200.0, 3400.0);
}

#[test]
fn sweep_keeps_its_frequencies_from_22050_to_8k_and_drops_what_8k_cannot_carry() {
    let input = sweep(22050, 2.0, 200.0, 3400.0);
    let output = resample(&input, 22050, 8000).unwrap();
    assert_eq!(output.len(), input.len() * 8000 / 22050);
    assert_follows_sweep(&output, 8000, 2.0, 200.0, 3400.0);
    // A 6 kHz tone is above the 4 kHz Nyquist limit of the line: it must not alias into the band.
    let tone: Vec<i16> = (0..22050)
        .map(|i| ((2.0 * PI * 6000.0 * i as f64 / 22050.0).sin() * 12000.0) as i16)
        .collect();
    let out = resample(&tone, 22050, 8000).unwrap();
    let energy = out[400..7600]
        .iter()
        .map(|&s| f64::from(s).powi(2))
        .sum::<f64>()
        / 7200.0;
    assert!(
        energy.sqrt() < 12000.0 * 0.01,
        "6 kHz leaks into 8 kHz audio at rms {}",
        energy.sqrt()
    );
}

#[test]
fn streaming_in_frames_matches_whole_buffer_resampling() {
    let input = sweep(8000, 1.0, 300.0, 3000.0);
    let whole = resample(&input, 8000, 16000).unwrap();
    let mut stream = StreamResampler::new(8000, 16000).unwrap();
    let mut pieces = Vec::new();
    for frame in input.chunks(160) {
        pieces.extend(stream.push(frame));
    }
    pieces.extend(stream.finish());
    assert_eq!(pieces, whole);
}
