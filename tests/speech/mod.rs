//! Speech core against the real models that setup fetches: Vosk (the registry-shipped Korean model) and
//! Piper (the registry-shipped en_US-joe-medium voice).

mod asr;
mod bad_input;
mod cli;
mod endpoint;
mod qa_replay;
mod resample;
mod tts;

use softcall::config::Config;
use std::path::{Path, PathBuf};

/// The project folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped configuration.
pub fn config() -> Config {
    Config::load(&root().join("softcall.toml")).expect("softcall.toml loads")
}

/// A fixture path.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("audio-fixtures").join(rel)
}

/// True when `path` exists; otherwise the test is skipped through [`crate::skip`].
pub fn available(path: &Path) -> bool {
    crate::skip::file(path, "run scripts/setup")
}

/// The Korean recognition model, if present.
pub fn ko_model() -> Option<softcall::asr::model::AsrModel> {
    let path = config()
        .language(Some("ko"))
        .expect("ko configured")
        .asr_model
        .clone();
    available(&path).then(|| softcall::asr::model::AsrModel::load(&path).expect("model loads"))
}

/// Root-mean-square level of samples, 0..1.
pub fn rms(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    (samples
        .iter()
        .map(|&s| (f64::from(s) / 32768.0).powi(2))
        .sum::<f64>()
        / samples.len() as f64)
        .sqrt()
}
