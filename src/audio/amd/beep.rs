//! Beep detection: a steady single tone, found with a bank of Goertzel filters on each 20 ms frame.
//!
//! A frame is tonal when one filter between `min_hz` and `max_hz` holds at least `purity` of the frame's
//! energy. Speech spreads its energy over many harmonics that glide with the pitch, so vowels stay below
//! that share; a voicemail beep is one sine and stays on one filter. A run of tonal frames on the same
//! frequency (within `max_drift_hz`) that covers `min_ms` is a beep.

use super::super::frame::{Frame, FRAME_MS, SAMPLE_RATE};
use super::config::BeepConfig;

/// What the beep detector reports.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BeepEvent {
    /// A tone has lasted `min_ms`: a beep is sounding since `start_ms`.
    Started {
        /// Stream time of the first tonal frame.
        start_ms: u64,
        /// The tone's frequency, Hz (the strongest filter).
        hz: f32,
    },
    /// The beep stopped at `end_ms`.
    Ended {
        /// Stream time of the first tonal frame.
        start_ms: u64,
        /// Stream time at the end of the last tonal frame.
        end_ms: u64,
        /// The tone's frequency, Hz.
        hz: f32,
    },
}

/// The strongest tone of one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    /// Frequency of the strongest filter, Hz.
    pub hz: f32,
    /// Share of the frame's energy in that filter (0–1).
    pub purity: f32,
    /// Frame level, dBFS (RMS).
    pub level_dbfs: f32,
}

/// A bank of Goertzel filters over a frequency band.
#[derive(Debug, Clone)]
pub struct ToneFinder {
    /// (frequency, 2·cos(2π·f/fs)) per filter.
    filters: Vec<(f32, f32)>,
}

impl ToneFinder {
    /// Filters every `step_hz` from `min_hz` to `max_hz` (inclusive); the caller validated the band.
    pub fn new(min_hz: f32, max_hz: f32, step_hz: f32) -> Self {
        let count = ((max_hz - min_hz) / step_hz).floor().max(0.0) as usize + 1;
        let filters = (0..count)
            .map(|i| {
                let hz = min_hz + step_hz * i as f32;
                let w = 2.0 * std::f32::consts::PI * hz / SAMPLE_RATE as f32;
                (hz, 2.0 * w.cos())
            })
            .collect();
        Self { filters }
    }

    /// The strongest filter of a block of samples and its share of the block's energy.
    pub fn strongest(&self, samples: &[i16]) -> Tone {
        let x: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
        let n = x.len().max(1) as f32;
        let mean_power = x.iter().map(|v| v * v).sum::<f32>() / n;
        let level_dbfs = 10.0 * mean_power.max(1e-12).log10();
        let mut best = Tone {
            hz: 0.0,
            purity: 0.0,
            level_dbfs,
        };
        if mean_power <= 1e-12 {
            return best;
        }
        for &(hz, coeff) in &self.filters {
            let (mut s1, mut s2) = (0.0f32, 0.0f32);
            for &v in &x {
                let s0 = v + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            // A sine of amplitude A on the filter's frequency gives power (N·A/2)²: 2·power/N² is its mean
            // power A²/2, the same scale as `mean_power`.
            let purity = (2.0 * power / (n * n) / mean_power).min(1.0);
            if purity > best.purity {
                best = Tone {
                    hz,
                    purity,
                    level_dbfs,
                };
            }
        }
        best
    }
}

#[derive(Debug, Clone, Copy)]
struct Run {
    start_frame: u64,
    frames: u32,
    hz: f32,
    reported: bool,
}

/// Finds beeps in a stream of 20 ms frames; time is the frame count.
#[derive(Debug, Clone)]
pub struct BeepDetector {
    config: BeepConfig,
    finder: ToneFinder,
    /// Tonal frames needed: a tone of `min_ms` covers at least this many whole frames however it is aligned.
    needed: u32,
    run: Option<Run>,
    frames: u64,
}

impl BeepDetector {
    /// Creates a detector; `config` must have passed [`BeepConfig::validate`].
    pub fn new(config: BeepConfig) -> Self {
        let needed = (config.min_ms.saturating_sub(FRAME_MS) / FRAME_MS).max(1);
        let finder = ToneFinder::new(config.min_hz, config.max_hz, config.step_hz);
        Self {
            config,
            finder,
            needed,
            run: None,
            frames: 0,
        }
    }

    /// True while a reported beep is still sounding.
    pub fn sounding(&self) -> bool {
        self.run.is_some_and(|run| run.reported)
    }

    /// The tone of one frame, if it is tonal enough and loud enough to be part of a beep.
    pub fn tone_of(&self, frame: &Frame) -> Option<Tone> {
        let tone = self.finder.strongest(frame);
        (tone.purity >= self.config.purity && tone.level_dbfs >= self.config.min_level_dbfs)
            .then_some(tone)
    }

    /// Pushes the next frame; reports a beep once it has lasted `min_ms`, and again when it stops.
    pub fn push(&mut self, frame: &Frame) -> Option<BeepEvent> {
        let index = self.frames;
        self.frames += 1;
        let ms = |f: u64| f * u64::from(FRAME_MS);
        let tone = self.tone_of(frame);
        let continues =
            |run: &Run, tone: &Tone| (tone.hz - run.hz).abs() <= self.config.max_drift_hz;
        match (self.run, tone) {
            (Some(mut run), Some(tone)) if continues(&run, &tone) => {
                run.frames += 1;
                let event = (!run.reported && run.frames >= self.needed).then(|| {
                    run.reported = true;
                    BeepEvent::Started {
                        start_ms: ms(run.start_frame),
                        hz: run.hz,
                    }
                });
                self.run = Some(run);
                event
            }
            (previous, tone) => {
                self.run = tone.map(|tone| Run {
                    start_frame: index,
                    frames: 1,
                    hz: tone.hz,
                    reported: self.needed <= 1,
                });
                let started = match self.run {
                    Some(run) if run.reported => Some(BeepEvent::Started {
                        start_ms: ms(index),
                        hz: run.hz,
                    }),
                    _ => None,
                };
                let ended = previous
                    .filter(|run| run.reported)
                    .map(|run| BeepEvent::Ended {
                        start_ms: ms(run.start_frame),
                        end_ms: ms(run.start_frame + u64::from(run.frames)),
                        hz: run.hz,
                    });
                ended.or(started)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::frame::frames_of;

    /// A sine of `amplitude` (0–1 of full scale) at `hz` for `ms`, with white noise of `noise` RMS added.
    fn tone(hz: f32, amplitude: f32, ms: u32, noise: f32, seed: u64) -> Vec<i16> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let n = (SAMPLE_RATE * ms / 1000) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE as f32;
                let s = amplitude * (2.0 * std::f32::consts::PI * hz * t).sin();
                // Uniform noise in [-a, a] has RMS a/√3.
                let v = s + noise * 3f32.sqrt() * (2.0 * rng.f32() - 1.0);
                (v * 32767.0).clamp(-32768.0, 32767.0) as i16
            })
            .collect()
    }

    /// A synthetic vowel: harmonics of `f0` shaped by two formants, with the pitch gliding by `glide` Hz/s.
    fn vowel(f0: f32, formants: (f32, f32), ms: u32, glide: f32) -> Vec<i16> {
        let n = (SAMPLE_RATE * ms / 1000) as usize;
        let mut phase = [0.0f32; 40];
        (0..n)
            .map(|i| {
                let t = i as f32 / SAMPLE_RATE as f32;
                let pitch = f0 + glide * t;
                let mut v = 0.0;
                for (k, p) in phase.iter_mut().enumerate() {
                    let h = pitch * (k + 1) as f32;
                    if h >= 3800.0 {
                        break;
                    }
                    let gain = |f: f32, c: f32| 1.0 / (1.0 + ((f - c) / 120.0).powi(2));
                    let a = gain(h, formants.0) + 0.6 * gain(h, formants.1) + 0.02;
                    *p += 2.0 * std::f32::consts::PI * h / SAMPLE_RATE as f32;
                    v += a * p.sin();
                }
                (v * 3000.0).clamp(-32768.0, 32767.0) as i16
            })
            .collect()
    }

    fn events(samples: &[i16]) -> Vec<BeepEvent> {
        let mut d = BeepDetector::new(BeepConfig::default());
        let mut out: Vec<BeepEvent> = frames_of(samples)
            .iter()
            .filter_map(|f| d.push(f))
            .collect();
        out.extend(d.push(&[0; 160]));
        out
    }

    fn silence(ms: u32) -> Vec<i16> {
        vec![0; (SAMPLE_RATE * ms / 1000) as usize]
    }

    #[test]
    fn goertzel_finds_the_frequency_of_a_sine_in_noise() {
        let finder = ToneFinder::new(400.0, 2000.0, 25.0);
        for (hz, noise) in [
            (1000.0, 0.0),
            (850.0, 0.05),
            (1400.0, 0.05),
            (440.0, 0.1),
            (1960.0, 0.05),
        ] {
            let t = finder.strongest(&tone(hz, 0.5, 20, noise, 7));
            assert!((t.hz - hz).abs() <= 12.5, "{hz} Hz found at {} Hz", t.hz);
            assert!(
                t.purity >= 0.8,
                "{hz} Hz with noise {noise}: purity {}",
                t.purity
            );
        }
        let white = finder.strongest(&tone(1000.0, 0.0, 20, 0.2, 3));
        assert!(white.purity < 0.3, "white noise purity {}", white.purity);
    }

    #[test]
    fn a_beep_is_reported_with_its_start_frequency_and_end() {
        for (hz, ms) in [(1000.0, 500), (850.0, 300), (1400.0, 150)] {
            let mut audio = silence(410);
            audio.extend(tone(hz, 0.4, ms, 0.02, 1));
            audio.extend(silence(300));
            let ev = events(&audio);
            assert_eq!(ev.len(), 2, "{hz} Hz {ms} ms: {ev:?}");
            let BeepEvent::Started {
                start_ms,
                hz: found,
            } = ev[0]
            else {
                panic!("first event {:?}", ev[0]);
            };
            assert!((400..=440).contains(&start_ms), "start {start_ms}");
            assert!((found - hz).abs() <= 12.5, "{found} vs {hz}");
            let BeepEvent::Ended { end_ms, .. } = ev[1] else {
                panic!("second event {:?}", ev[1]);
            };
            let true_end = 410 + u64::from(ms);
            assert!(
                end_ms.abs_diff(true_end) <= 40,
                "end {end_ms} vs {true_end}"
            );
        }
    }

    #[test]
    fn short_tones_quiet_tones_and_noise_are_not_beeps() {
        assert!(
            events(&tone(1000.0, 0.4, 100, 0.0, 1)).is_empty(),
            "100 ms tone"
        );
        assert!(
            events(&tone(1000.0, 0.003, 500, 0.0, 1)).is_empty(),
            "tone at -53 dBFS"
        );
        assert!(
            events(&tone(1000.0, 0.0, 1000, 0.3, 1)).is_empty(),
            "white noise"
        );
        assert!(
            events(&tone(300.0, 0.4, 500, 0.0, 1)).is_empty(),
            "300 Hz hum below the band"
        );
    }

    #[test]
    fn a_sweep_is_not_a_beep() {
        // 20 ms steps of 100 Hz: each frame tonal, but never the same tone for long.
        let audio: Vec<i16> = (0..15)
            .flat_map(|k| tone(500.0 + 100.0 * k as f32, 0.4, 20, 0.0, 1))
            .collect();
        assert!(events(&audio).is_empty());
    }

    #[test]
    fn vowels_do_not_trigger_the_beep_detector() {
        for (f0, formants, glide) in [
            (120.0, (700.0, 1200.0), 0.0),
            (120.0, (720.0, 1080.0), -20.0),
            (210.0, (420.0, 2000.0), 0.0),
            (200.0, (800.0, 1200.0), 30.0),
            (100.0, (300.0, 2300.0), 0.0),
            (250.0, (1000.0, 1500.0), 0.0),
        ] {
            let v = vowel(f0, formants, 600, glide);
            let purest = frames_of(&v)
                .iter()
                .map(|f| ToneFinder::new(400.0, 2000.0, 25.0).strongest(f).purity)
                .fold(0.0f32, f32::max);
            assert!(
                events(&v).is_empty(),
                "vowel f0 {f0} formants {formants:?}: purity up to {purest}"
            );
        }
    }

    #[test]
    fn a_beep_after_speech_is_found_once() {
        let mut audio = vowel(130.0, (700.0, 1200.0), 800, -10.0);
        audio.extend(silence(200));
        audio.extend(tone(1000.0, 0.3, 400, 0.01, 2));
        let ev = events(&audio);
        assert_eq!(ev.len(), 2, "{ev:?}");
        assert!(
            matches!(
                ev[0],
                BeepEvent::Started {
                    start_ms: 980..=1020,
                    ..
                }
            ),
            "{ev:?}"
        );
    }
}
