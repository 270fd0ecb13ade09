//! A Piper voice producing 8 kHz telephony audio, with a pool of synthesisers so concurrent calls speak in
//! parallel.

use super::pool::{self, Pool};
use super::TtsError;
use crate::audio::frame::SAMPLE_RATE;
use crate::audio::resample::resample;
use crate::audio::wav::to_i16;
use crate::config::tts::TtsConfig;
use crate::config::{Config, SETUP_COMMAND};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// How a voice is loaded; `VoiceOptions::default()` suits calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoiceOptions {
    /// Most texts synthesised at once (at least 1); default [`pool::default_size`].
    pub synthesizers: usize,
    /// Leave out Piper's random variation (its noise scales set to 0) so a text always gives the same
    /// samples; by default each synthesis varies slightly, as Piper intends.
    pub repeatable: bool,
}

impl VoiceOptions {
    /// The options of a `[tts]` section: its `pool_size` synthesisers (else [`pool::default_size`]), speech
    /// varying as Piper intends.
    pub fn configured(tts: &TtsConfig) -> Self {
        VoiceOptions {
            synthesizers: tts.pool_size.unwrap_or_else(pool::default_size),
            ..VoiceOptions::default()
        }
    }
}

impl Default for VoiceOptions {
    fn default() -> Self {
        VoiceOptions {
            synthesizers: pool::default_size(),
            repeatable: false,
        }
    }
}

/// A loaded Piper voice. Each synthesiser runs one text at a time, so the voice keeps a pool of them
/// (see [`Voice::load_with`]): the first is loaded at once, the others when concurrent callers need them.
pub struct Voice {
    pool: Pool<piper_rs::Piper>,
    repeatable: bool,
    /// The eSpeak voice that turns text into phonemes for this model.
    espeak_voice: String,
    config: PathBuf,
    id: String,
    path: PathBuf,
}

impl std::fmt::Debug for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voice")
            .field("id", &self.id)
            .field("synthesizers", &self.pool)
            .finish()
    }
}

/// Points the phonemiser at `espeak_data` (a folder containing `espeak-ng-data`) once per process.
fn configure_espeak(espeak_data: &Path) {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if espeak_data.join("espeak-ng-data").is_dir()
            && std::env::var_os("PIPER_ESPEAKNG_DATA_DIRECTORY").is_none()
        {
            std::env::set_var("PIPER_ESPEAKNG_DATA_DIRECTORY", espeak_data);
        }
    });
}

/// Text to Piper's phoneme string. eSpeak keeps its voice and text cursor in process-wide state, so every
/// voice in the process phonemises under one lock; it takes a small share of a synthesis.
fn phonemize(text: &str, espeak_voice: &str) -> Result<String, TtsError> {
    static ESPEAK: Mutex<()> = Mutex::new(());
    // The guarded value is `()`: a panic elsewhere cannot leave it inconsistent.
    let _espeak = ESPEAK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let sentences = espeak_rs::text_to_phonemes(text, espeak_voice, None)
        .map_err(|e| TtsError::Synthesis(format!("phonemisation: {e}")))?;
    // Piper joins the sentences' phonemes the same way when it phonemises itself.
    Ok(sentences.join(" "))
}

impl Voice {
    /// Loads the voice `model` (`.onnx`, with `.onnx.json` beside it); `espeak_data` holds `espeak-ng-data`.
    /// Up to [`pool::default_size`] texts are synthesised at once.
    pub fn load(model: &Path, espeak_data: &Path) -> Result<Self, TtsError> {
        Self::load_with(model, espeak_data, VoiceOptions::default())
    }

    /// Loads the voice `model` as `config` says: its phonemiser data and its `[tts]` pool size.
    pub fn load_configured(model: &Path, config: &Config) -> Result<Self, TtsError> {
        Self::load_with(
            model,
            &config.espeak_data,
            VoiceOptions::configured(&config.tts),
        )
    }

    /// Loads the voice with `options`; one synthesiser is loaded now so a broken voice fails here, the
    /// others on first concurrent use.
    pub fn load_with(
        model: &Path,
        espeak_data: &Path,
        options: VoiceOptions,
    ) -> Result<Self, TtsError> {
        if !model.is_file() {
            return Err(TtsError::VoiceMissing {
                path: model.display().to_string(),
                setup: SETUP_COMMAND,
            });
        }
        let config = PathBuf::from(format!("{}.json", model.display()));
        if !config.is_file() {
            return Err(TtsError::VoiceMissing {
                path: config.display().to_string(),
                setup: SETUP_COMMAND,
            });
        }
        configure_espeak(espeak_data);
        let espeak_voice = read_espeak_voice(model, &config)?;
        let first = open(model, &config)?;
        let id = model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            pool: Pool::new(options.synthesizers, first),
            repeatable: options.repeatable,
            espeak_voice,
            config,
            id,
            path: model.to_path_buf(),
        })
    }

    /// A stable name of the voice (its file name), used in cache keys.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The voice's model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The most texts this voice synthesises at once.
    pub fn synthesizers(&self) -> usize {
        self.pool.size()
    }

    /// How many synthesisers are loaded so far (never more than [`Voice::synthesizers`]).
    pub fn synthesizers_loaded(&self) -> usize {
        self.pool.created()
    }

    /// Synthesises `text` and returns 8 kHz mono samples; concurrent callers beyond the pool size wait
    /// their turn in arrival order.
    pub fn synthesize(&self, text: &str) -> Result<Vec<i16>, TtsError> {
        let phonemes = phonemize(text, &self.espeak_voice)?;
        // `None` keeps the voice's own noise scales from its `.onnx.json`.
        let noise = self.repeatable.then_some(0.0);
        let (samples, rate) = self
            .pool
            .with(
                || open(&self.path, &self.config),
                |piper| piper.create(&phonemes, true, None, None, noise, noise),
            )?
            .map_err(|e| TtsError::Synthesis(e.to_string()))?;
        let pcm: Vec<i16> = samples.iter().map(|&s| to_i16(s)).collect();
        Ok(resample(&pcm, rate, SAMPLE_RATE)?)
    }
}

/// One Piper synthesiser of the voice.
fn open(model: &Path, config: &Path) -> Result<piper_rs::Piper, TtsError> {
    piper_rs::Piper::new(model, config).map_err(|e| TtsError::VoiceInvalid {
        path: model.display().to_string(),
        reason: e.to_string(),
    })
}

/// The eSpeak voice named in the model's `.onnx.json`.
fn read_espeak_voice(model: &Path, config: &Path) -> Result<String, TtsError> {
    let invalid = |reason: String| TtsError::VoiceInvalid {
        path: model.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(config)
        .map_err(|e| invalid(format!("cannot read {}: {e}", config.display())))?;
    let parsed: piper_rs::ModelConfig =
        serde_json::from_str(&text).map_err(|e| invalid(format!("{}: {e}", config.display())))?;
    Ok(parsed.espeak.voice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tts_section_sets_the_pool_size() {
        let set = TtsConfig { pool_size: Some(5) };
        assert_eq!(VoiceOptions::configured(&set).synthesizers, 5);
        assert!(!VoiceOptions::configured(&set).repeatable);
        assert_eq!(
            VoiceOptions::configured(&TtsConfig::default()).synthesizers,
            pool::default_size()
        );
    }
}
