//! A noise-floor gate on voiced frames: tells speech from line noise the VAD took for speech.
//!
//! Pure: [`FrameLevel::of`] measures one 20 ms frame (its energy and how flat its spectrum is), and
//! [`NoiseGate`] decides from the VAD's verdict and those measures whether the frame holds speech. The gate
//! tracks the line's noise floor in the frames that are not speech (down to a quieter frame at once, up
//! slowly), and passes a voiced frame when it stands `margin_db` above that floor and its spectrum is not
//! flat like hiss. Right after speech, voiced frames go on counting for the VAD's own hangover, so on a clean
//! line the gate counts what the VAD counts. A steady sound that is neither flat nor quiet (a hum the VAD
//! calls voiced) is not caught.

use super::frame::{Frame, FRAME_MS, FRAME_SAMPLES};
use std::sync::OnceLock;

/// Lowest level reported, dBFS (digital silence).
const SILENT_DB: f32 = -100.0;
/// First and last spectrum bins measured (50 Hz apart): 300–3400 Hz, the telephone band.
const BAND: std::ops::RangeInclusive<usize> = 6..=68;

/// What the gate needs to know of one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameLevel {
    /// Mean power, dBFS (−100 for digital silence).
    pub energy_db: f32,
    /// Spectral flatness over 300–3400 Hz: the geometric over the arithmetic mean of the power spectrum,
    /// from 0 (one tone) to 1 (white noise; a 20 ms frame of it measures about 0.56).
    pub flatness: f32,
}

impl FrameLevel {
    /// A frame of digital silence.
    pub const SILENCE: FrameLevel = FrameLevel {
        energy_db: SILENT_DB,
        flatness: 0.0,
    };

    /// Measures one frame.
    pub fn of(frame: &Frame) -> FrameLevel {
        let x: Vec<f32> = frame.iter().map(|&s| f32::from(s) / 32768.0).collect();
        let power = x.iter().map(|v| v * v).sum::<f32>() / FRAME_SAMPLES as f32;
        if power <= 1e-10 {
            return FrameLevel::SILENCE;
        }
        let energy_db = (10.0 * power.log10()).max(SILENT_DB);
        let table = dft_table();
        let windowed: Vec<f32> = x.iter().zip(&table.window).map(|(v, w)| v * w).collect();
        let mut log_sum = 0.0f64;
        let mut sum = 0.0f64;
        for k in BAND {
            let (mut re, mut im) = (0.0f32, 0.0f32);
            for (n, v) in windowed.iter().enumerate() {
                let (c, s) = table.twiddle[(k * n) % FRAME_SAMPLES];
                re += v * c;
                im -= v * s;
            }
            let p = f64::from(re * re + im * im) + 1e-20;
            log_sum += p.ln();
            sum += p;
        }
        let bins = BAND.count() as f64;
        let flatness = ((log_sum / bins).exp() / (sum / bins)) as f32;
        FrameLevel {
            energy_db,
            flatness,
        }
    }
}

/// A Hann window and the DFT's cosines and sines for one frame length.
struct DftTable {
    window: Vec<f32>,
    twiddle: Vec<(f32, f32)>,
}

fn dft_table() -> &'static DftTable {
    static TABLE: OnceLock<DftTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let n = FRAME_SAMPLES as f32;
        let tau = std::f32::consts::TAU;
        DftTable {
            window: (0..FRAME_SAMPLES)
                .map(|i| 0.5 - 0.5 * (tau * i as f32 / n).cos())
                .collect(),
            twiddle: (0..FRAME_SAMPLES)
                .map(|i| {
                    let a = tau * i as f32 / n;
                    (a.cos(), a.sin())
                })
                .collect(),
        }
    })
}

/// The gate's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GateConfig {
    /// How far above the noise floor a voiced frame must stand to count as speech, dB.
    pub margin_db: f32,
    /// Spectral flatness from which a frame is taken for hiss (white noise measures about 0.56, vowels
    /// under 0.1, speech over hiss under 0.4).
    pub max_flatness: f32,
    /// How slowly the floor rises towards a louder line: the time constant of its power, in seconds (it
    /// falls to a quieter frame at once).
    pub floor_rise_secs: f32,
    /// Voiced frames that still count after one that passed, as the VAD's own hangover counts them on a
    /// clean line.
    pub hangover_frames: u32,
}

impl Default for GateConfig {
    fn default() -> Self {
        Self {
            margin_db: 6.0,
            max_flatness: 0.42,
            floor_rise_secs: 1.0,
            hangover_frames: 5,
        }
    }
}

/// Decides, frame by frame, whether a frame the VAD calls voiced holds speech.
#[derive(Debug, Clone)]
pub struct NoiseGate {
    config: GateConfig,
    /// The line's noise floor, dBFS (`None` before the first frame).
    floor_db: Option<f32>,
    /// Voiced frames that may still pass after the last speech frame.
    hangover: u32,
}

impl NoiseGate {
    /// A gate that has heard nothing yet.
    pub fn new(config: GateConfig) -> Self {
        Self {
            config,
            floor_db: None,
            hangover: 0,
        }
    }

    /// The line's noise floor so far, dBFS.
    pub fn floor_db(&self) -> Option<f32> {
        self.floor_db
    }

    /// One frame with the VAD's verdict; returns whether it counts as speech.
    pub fn frame(&mut self, voiced: bool, level: FrameLevel) -> bool {
        let floor = self.floor_db.unwrap_or(level.energy_db);
        let above = level.energy_db >= floor + self.config.margin_db;
        let speech = voiced && above && level.flatness < self.config.max_flatness;
        let counts = if speech {
            self.hangover = self.config.hangover_frames;
            true
        } else if voiced && self.hangover > 0 {
            self.hangover -= 1;
            true
        } else {
            self.hangover = 0;
            false
        };
        // Speech never lifts the floor; a quieter frame always lowers it.
        let next = if speech {
            floor.min(level.energy_db)
        } else {
            self.next_floor(floor, level.energy_db)
        };
        self.floor_db = Some(next);
        counts
    }

    /// The floor after a frame at `energy_db`: down to a quieter frame at once, up slowly (in power, so a
    /// floor that starts in digital silence reaches the line's hiss within a few time constants).
    fn next_floor(&self, floor: f32, energy_db: f32) -> f32 {
        if energy_db <= floor {
            return energy_db;
        }
        let frame_secs = FRAME_MS as f32 / 1000.0;
        let step = 1.0 - (-frame_secs / self.config.floor_rise_secs.max(frame_secs)).exp();
        let power = |db: f32| 10f32.powf(db / 10.0);
        let risen = power(floor) + (power(energy_db) - power(floor)) * step;
        (10.0 * risen.log10()).clamp(floor, energy_db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::frame::SAMPLE_RATE;

    /// What one test frame holds.
    #[derive(Debug, Clone, Copy)]
    enum Sound {
        /// Digital silence.
        Silence,
        /// White noise at this RMS level, dBFS.
        Hiss(f32),
        /// A vowel-like sound: a 150 Hz voice's harmonics up to 3 kHz, at this RMS level, dBFS.
        Vowel(f32),
        /// The vowel over the hiss.
        VowelOverHiss(f32, f32),
    }

    fn frame(sound: Sound, index: usize, rng: &mut fastrand::Rng) -> Frame {
        let amplitude = |db: f32| 10f32.powf(db / 20.0) * 32768.0;
        let hiss = |db: f32, rng: &mut fastrand::Rng| {
            // Uniform noise has an RMS of 1/√3 of its peak.
            (rng.f32() * 2.0 - 1.0) * amplitude(db) * 3f32.sqrt()
        };
        let vowel = |db: f32, n: usize| {
            let t = (index * FRAME_SAMPLES + n) as f32 / SAMPLE_RATE as f32;
            let harmonics = 20;
            let sum: f32 = (1..=harmonics)
                .map(|h| (std::f32::consts::TAU * 150.0 * h as f32 * t).sin() / h as f32)
                .sum();
            // The harmonics' powers add up to Σ 1/(2h²) ≈ 0.8.
            sum * amplitude(db) / 0.8f32.sqrt()
        };
        let mut out = [0i16; FRAME_SAMPLES];
        for (n, s) in out.iter_mut().enumerate() {
            let v = match sound {
                Sound::Silence => 0.0,
                Sound::Hiss(db) => hiss(db, rng),
                Sound::Vowel(db) => vowel(db, n),
                Sound::VowelOverHiss(v, h) => vowel(v, n) + hiss(h, rng),
            };
            *s = v.round().clamp(-32768.0, 32767.0) as i16;
        }
        out
    }

    #[test]
    fn levels_tell_hiss_from_a_vowel() {
        let mut rng = fastrand::Rng::with_seed(7);
        assert_eq!(
            FrameLevel::of(&frame(Sound::Silence, 0, &mut rng)),
            FrameLevel::SILENCE
        );
        let hiss = FrameLevel::of(&frame(Sound::Hiss(-30.0), 0, &mut rng));
        assert!((hiss.energy_db + 30.0).abs() < 1.0, "{hiss:?}");
        assert!(hiss.flatness > 0.45, "{hiss:?}");
        let vowel = FrameLevel::of(&frame(Sound::Vowel(-20.0), 3, &mut rng));
        assert!((vowel.energy_db + 20.0).abs() < 1.0, "{vowel:?}");
        assert!(vowel.flatness < 0.1, "{vowel:?}");
        let over = FrameLevel::of(&frame(Sound::VowelOverHiss(-20.0, -30.0), 3, &mut rng));
        assert!(over.flatness < 0.3, "{over:?}");
    }

    /// Name, stretches of (frames, VAD verdict, sound), how many frames of the last stretch count as speech.
    type Case = (&'static str, &'static [(usize, bool, Sound)], usize);

    #[test]
    fn gate_table() {
        use Sound::*;
        let cases: &[Case] = &[
            (
                "a vowel after silence counts from its first frame",
                &[(25, false, Silence), (10, true, Vowel(-20.0))],
                10,
            ),
            (
                "hiss the VAD calls voiced right after speech counts only for the hangover",
                &[
                    (25, false, Silence),
                    (10, true, Vowel(-20.0)),
                    (50, true, Hiss(-28.0)),
                ],
                5,
            ),
            (
                "hiss the VAD calls voiced from the start never counts",
                &[(25, false, Silence), (50, true, Hiss(-28.0))],
                0,
            ),
            (
                "a vowel over that hiss counts",
                &[
                    (50, true, Hiss(-28.0)),
                    (10, true, VowelOverHiss(-18.0, -28.0)),
                ],
                10,
            ),
            (
                "a voiced frame close to the floor does not",
                &[(50, false, Hiss(-40.0)), (10, true, Vowel(-37.0))],
                0,
            ),
            (
                "one clearly above the floor does",
                &[(50, false, Hiss(-40.0)), (10, true, Vowel(-30.0))],
                10,
            ),
            (
                "what the VAD calls unvoiced never counts",
                &[(25, false, Silence), (10, false, Vowel(-20.0))],
                0,
            ),
        ];
        for (name, stretches, expected) in cases {
            let mut rng = fastrand::Rng::with_seed(11);
            let mut gate = NoiseGate::new(GateConfig::default());
            let mut index = 0;
            let mut counted = 0;
            for (frames, voiced, sound) in stretches.iter() {
                counted = 0;
                for _ in 0..*frames {
                    let level = FrameLevel::of(&frame(*sound, index, &mut rng));
                    counted += usize::from(gate.frame(*voiced, level));
                    index += 1;
                }
            }
            assert_eq!(counted, *expected, "{name}");
        }
    }

    #[test]
    fn the_floor_falls_at_once_and_rises_slowly() {
        let level = |energy_db| FrameLevel {
            energy_db,
            flatness: 0.6,
        };
        let mut gate = NoiseGate::new(GateConfig::default());
        assert_eq!(gate.floor_db(), None);
        gate.frame(false, level(-40.0));
        assert_eq!(gate.floor_db(), Some(-40.0));
        gate.frame(false, level(-70.0));
        assert_eq!(gate.floor_db(), Some(-70.0));
        // Half a second of louder noise: the floor has risen, but not to it.
        for _ in 0..25 {
            gate.frame(false, level(-30.0));
        }
        let half = gate.floor_db().expect("a floor");
        assert!((-40.0..-33.0).contains(&half), "{half}");
        // Three time constants: within 2 dB of it.
        for _ in 0..125 {
            gate.frame(false, level(-30.0));
        }
        let later = gate.floor_db().expect("a floor");
        assert!(later > -32.0 && later <= -30.0, "{later}");
        // Speech does not lift it.
        let vowel = FrameLevel {
            energy_db: -10.0,
            flatness: 0.05,
        };
        for _ in 0..50 {
            assert!(gate.frame(true, vowel));
        }
        assert_eq!(gate.floor_db(), Some(later));
    }
}
