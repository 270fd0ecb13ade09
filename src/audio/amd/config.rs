//! Answering-machine detection settings: the `[amd]` section of `softcall.toml` or a campaign profile.

use super::super::frame::SAMPLE_RATE;
use serde::{Deserialize, Serialize};

/// Who is on the line, as far as the campaign is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    /// A person: run the conversation.
    Human,
    /// A voicemail greeting or a call-screening robot.
    Machine,
}

/// The classifier's rule parameters; every field has a default, so a section may set only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AmdConfig {
    /// How long after answer the classifier may take; at the end it reports `Undecided`.
    pub window_ms: u32,
    /// No speech for this long after answer: `Undecided` at once (a person waiting silently is likely).
    pub max_initial_silence_ms: u32,
    /// A voiced run shorter than this is a click or noise, not a word.
    pub min_word_ms: u32,
    /// Silence that separates two words (segments) of the greeting.
    pub between_words_ms: u32,
    /// Silence after a short greeting that means a person is waiting for us: `Human`.
    pub after_greeting_silence_ms: u32,
    /// A greeting that goes on longer than this (first word to last voiced frame, pauses included) is a
    /// machine.
    pub max_greeting_ms: u32,
    /// A greeting of more words (voiced segments) than this is a machine.
    pub max_words: u32,
    /// How an `Undecided` call is treated; wrongly hanging up on a person is the costly error.
    pub undecided_as: Party,
    /// After a machine decision, silence this long without a beep ends the greeting (`GreetingEnded`).
    pub message_after_silence_ms: u32,
    /// After a machine decision, give up waiting for a beep or the greeting's end after this long.
    pub message_wait_ms: u32,
    /// The beep detector.
    pub beep: BeepConfig,
}

impl Default for AmdConfig {
    fn default() -> Self {
        Self {
            window_ms: 4000,
            max_initial_silence_ms: 2500,
            min_word_ms: 100,
            between_words_ms: 200,
            after_greeting_silence_ms: 800,
            max_greeting_ms: 3000,
            max_words: 6,
            undecided_as: Party::Human,
            message_after_silence_ms: 2000,
            message_wait_ms: 20_000,
            beep: BeepConfig::default(),
        }
    }
}

/// Beep detector settings: a steady single tone in a frequency band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BeepConfig {
    /// Lowest tone frequency searched, Hz.
    pub min_hz: f32,
    /// Highest tone frequency searched, Hz.
    pub max_hz: f32,
    /// Spacing of the Goertzel filters between `min_hz` and `max_hz`, Hz.
    pub step_hz: f32,
    /// Share of a frame's energy the strongest filter must hold (0–1) for the frame to count as a tone.
    pub purity: f32,
    /// Quietest frame that can hold a beep, dBFS (RMS).
    pub min_level_dbfs: f32,
    /// How far the tone may wander between frames and still be the same beep, Hz.
    pub max_drift_hz: f32,
    /// Shortest beep, ms; a steady tone this long counts.
    pub min_ms: u32,
}

impl Default for BeepConfig {
    fn default() -> Self {
        Self {
            min_hz: 400.0,
            max_hz: 2000.0,
            step_hz: 25.0,
            purity: 0.8,
            min_level_dbfs: -40.0,
            max_drift_hz: 30.0,
            min_ms: 150,
        }
    }
}

/// A setting that makes the detector meaningless.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AmdConfigError {
    /// A duration or count that must be positive is zero.
    #[error("amd.{0} must be greater than 0")]
    ZeroDuration(&'static str),
    /// The beep band is empty or outside what an 8 kHz line carries.
    #[error("amd.beep: band {min_hz}–{max_hz} Hz must satisfy 0 < min_hz < max_hz < 4000 Hz")]
    BadBand {
        /// Lowest frequency given.
        min_hz: f32,
        /// Highest frequency given.
        max_hz: f32,
    },
    /// A ratio outside 0–1 or a non-positive spacing.
    #[error("amd.beep.{name} = {value} is out of range ({range})")]
    OutOfRange {
        /// The field.
        name: &'static str,
        /// The value given.
        value: f32,
        /// What is allowed.
        range: &'static str,
    },
}

impl AmdConfig {
    /// Checks that every setting is usable.
    pub fn validate(&self) -> Result<(), AmdConfigError> {
        for (name, ms) in [
            ("window_ms", self.window_ms),
            ("max_initial_silence_ms", self.max_initial_silence_ms),
            ("min_word_ms", self.min_word_ms),
            ("between_words_ms", self.between_words_ms),
            ("after_greeting_silence_ms", self.after_greeting_silence_ms),
            ("max_greeting_ms", self.max_greeting_ms),
            ("max_words", self.max_words),
            ("message_after_silence_ms", self.message_after_silence_ms),
            ("message_wait_ms", self.message_wait_ms),
        ] {
            if ms == 0 {
                return Err(AmdConfigError::ZeroDuration(name));
            }
        }
        self.beep.validate()
    }
}

impl BeepConfig {
    /// Checks the band, ratios and durations.
    pub fn validate(&self) -> Result<(), AmdConfigError> {
        let nyquist = SAMPLE_RATE as f32 / 2.0;
        if !(self.min_hz > 0.0 && self.min_hz < self.max_hz && self.max_hz < nyquist) {
            return Err(AmdConfigError::BadBand {
                min_hz: self.min_hz,
                max_hz: self.max_hz,
            });
        }
        let checks = [
            (
                "step_hz",
                self.step_hz,
                self.step_hz > 0.0,
                "greater than 0",
            ),
            (
                "purity",
                self.purity,
                self.purity > 0.0 && self.purity <= 1.0,
                "above 0, at most 1",
            ),
            (
                "max_drift_hz",
                self.max_drift_hz,
                self.max_drift_hz >= 0.0,
                "0 or more",
            ),
            (
                "min_level_dbfs",
                self.min_level_dbfs,
                self.min_level_dbfs <= 0.0,
                "0 dBFS or below",
            ),
        ];
        for (name, value, ok, range) in checks {
            if !ok || value.is_nan() {
                return Err(AmdConfigError::OutOfRange { name, value, range });
            }
        }
        if self.min_ms == 0 {
            return Err(AmdConfigError::ZeroDuration("beep.min_ms"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_section_keeps_the_other_defaults() {
        let c: AmdConfig =
            toml::from_str("window_ms = 4000\n[beep]\nmin_ms = 200\n").expect("parses");
        assert_eq!(c.window_ms, 4000);
        assert_eq!(c.beep.min_ms, 200);
        assert_eq!(c.max_greeting_ms, AmdConfig::default().max_greeting_ms);
        assert_eq!(c.beep.purity, BeepConfig::default().purity);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        assert!(toml::from_str::<AmdConfig>("windw_ms = 1").is_err());
        let mut c = AmdConfig::default();
        c.beep.max_hz = 4500.0;
        assert!(matches!(c.validate(), Err(AmdConfigError::BadBand { .. })));
        let mut c = AmdConfig::default();
        c.beep.purity = 1.5;
        assert!(matches!(
            c.validate(),
            Err(AmdConfigError::OutOfRange { name: "purity", .. })
        ));
        let c = AmdConfig {
            window_ms: 0,
            ..AmdConfig::default()
        };
        assert_eq!(c.validate(), Err(AmdConfigError::ZeroDuration("window_ms")));
    }
}
