//! A Piper voice producing 8 kHz telephony audio.

use super::TtsError;
use crate::audio::frame::SAMPLE_RATE;
use crate::audio::resample::resample;
use crate::audio::wav::to_i16;
use crate::config::SETUP_COMMAND;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// A loaded Piper voice; synthesis is serialised because Piper's session needs exclusive access.
pub struct Voice {
    piper: Mutex<piper_rs::Piper>,
    id: String,
    path: PathBuf,
}

impl std::fmt::Debug for Voice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Voice").field("id", &self.id).finish()
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

impl Voice {
    /// Loads the voice `model` (`.onnx`, with `.onnx.json` beside it); `espeak_data` holds `espeak-ng-data`.
    pub fn load(model: &Path, espeak_data: &Path) -> Result<Self, TtsError> {
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
        let piper = piper_rs::Piper::new(model, &config).map_err(|e| TtsError::VoiceInvalid {
            path: model.display().to_string(),
            reason: e.to_string(),
        })?;
        let id = model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Self {
            piper: Mutex::new(piper),
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

    /// Synthesises `text` and returns 8 kHz mono samples.
    pub fn synthesize(&self, text: &str) -> Result<Vec<i16>, TtsError> {
        let (samples, rate) = {
            let mut piper = self
                .piper
                .lock()
                .map_err(|_| TtsError::Synthesis("voice poisoned by an earlier panic".into()))?;
            piper
                .create(text, false, None, None, None, None)
                .map_err(|e| TtsError::Synthesis(e.to_string()))?
        };
        let pcm: Vec<i16> = samples.iter().map(|&s| to_i16(s)).collect();
        Ok(resample(&pcm, rate, SAMPLE_RATE)?)
    }
}
