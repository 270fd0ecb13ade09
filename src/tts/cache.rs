//! Content-addressed prompt cache: 8 kHz WAV files named by the hash of voice and exact text.

use super::TtsError;
use crate::audio::frame::SAMPLE_RATE;
use crate::audio::wav::{read_mono, write_mono};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Rendered prompts on disk, one WAV per (voice, text).
#[derive(Debug, Clone)]
pub struct PromptCache {
    dir: PathBuf,
    enabled: bool,
}

impl PromptCache {
    /// A cache in `dir` (created on first store).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            enabled: true,
        }
    }

    /// A cache that keeps nothing, so every prompt is synthesised (to measure synthesis on a live call).
    pub fn off() -> Self {
        Self {
            dir: PathBuf::new(),
            enabled: false,
        }
    }

    /// The cache's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `text` spoken by `voice_id`.
    pub fn path_for(&self, voice_id: &str, text: &str) -> PathBuf {
        let mut hash = Sha256::new();
        hash.update(voice_id.as_bytes());
        hash.update([0u8]);
        hash.update(text.as_bytes());
        let key = hex::encode(hash.finalize());
        self.dir.join(&key[..2]).join(format!("{key}.wav"))
    }

    /// The cached audio, if present and readable.
    pub fn get(&self, voice_id: &str, text: &str) -> Option<Vec<i16>> {
        if !self.enabled {
            return None;
        }
        let audio = read_mono(&self.path_for(voice_id, text)).ok()?;
        (audio.sample_rate == SAMPLE_RATE).then_some(audio.samples)
    }

    /// Stores audio atomically (write to a temporary file, then rename).
    pub fn put(&self, voice_id: &str, text: &str, samples: &[i16]) -> Result<(), TtsError> {
        if !self.enabled {
            return Ok(());
        }
        let path = self.path_for(voice_id, text);
        let io = |source| TtsError::Cache {
            path: path.display().to_string(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        // Unique per process and per store, so concurrent renders of the same text never share a file.
        static STORES: AtomicU64 = AtomicU64::new(0);
        let store = STORES.fetch_add(1, Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}-{store}", std::process::id()));
        write_mono(&tmp, samples, SAMPLE_RATE)?;
        std::fs::rename(&tmp, &path).map_err(io)
    }
}
