//! Loading Vosk models once per process.

use super::AsrError;
use crate::config::SETUP_COMMAND;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A loaded Vosk model with the sample rate it expects; cheap to clone and shared by all calls.
#[derive(Clone)]
pub struct AsrModel {
    pub(crate) model: Arc<vosk::Model>,
    sample_rate: u32,
    path: PathBuf,
}

impl std::fmt::Debug for AsrModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsrModel")
            .field("path", &self.path)
            .field("sample_rate", &self.sample_rate)
            .finish()
    }
}

fn loaded() -> &'static Mutex<HashMap<PathBuf, AsrModel>> {
    static LOADED: OnceLock<Mutex<HashMap<PathBuf, AsrModel>>> = OnceLock::new();
    LOADED.get_or_init(Default::default)
}

impl AsrModel {
    /// Loads the model in `path`, or returns the copy this process already loaded.
    pub fn load(path: &Path) -> Result<Self, AsrError> {
        if !path.is_dir() {
            return Err(AsrError::ModelMissing {
                path: path.display().to_string(),
                setup: SETUP_COMMAND,
            });
        }
        let key = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        let mut cache = loaded()
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(model) = cache.get(&key) {
            return Ok(model.clone());
        }
        vosk::set_log_level(vosk::LogLevel::Error);
        let model =
            vosk::Model::new(key.to_string_lossy()).ok_or_else(|| AsrError::ModelInvalid {
                path: path.display().to_string(),
                setup: SETUP_COMMAND,
            })?;
        let loaded = AsrModel {
            model: Arc::new(model),
            sample_rate: model_sample_rate(&key),
            path: key.clone(),
        };
        cache.insert(key, loaded.clone());
        Ok(loaded)
    }

    /// True when both handles use the same loaded Vosk model.
    pub fn shares_model_with(&self, other: &AsrModel) -> bool {
        Arc::ptr_eq(&self.model, &other.model)
    }

    /// Sample rate the model was trained on.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The model's folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the model can decode with a phrase grammar (it has a dynamic graph).
    pub fn supports_grammar(&self) -> bool {
        self.path.join("graph/HCLr.fst").exists() && self.path.join("graph/Gr.fst").exists()
    }
}

/// Reads `--sample-frequency` from the model's `conf/mfcc.conf`; Vosk models default to 16 kHz.
fn model_sample_rate(path: &Path) -> u32 {
    std::fs::read_to_string(path.join("conf/mfcc.conf"))
        .ok()
        .and_then(|conf| {
            conf.lines().find_map(|line| {
                line.trim()
                    .strip_prefix("--sample-frequency=")
                    .and_then(|v| v.trim().parse().ok())
            })
        })
        .unwrap_or(16_000)
}
