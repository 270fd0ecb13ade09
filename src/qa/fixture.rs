//! Sidecar files of a clip `NAME.wav`: `NAME.txt` (reference transcript) and `NAME.json` (language,
//! phrase grammar, known utterance boundaries).

use super::QaError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A known stretch of speech in a clip, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    /// Start of speech.
    pub start: f64,
    /// End of speech.
    pub end: f64,
}

/// What a clip's `NAME.json` may say about it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClipInfo {
    /// Language code of the speech (a `[languages.*]` entry of softcall.toml).
    pub lang: Option<String>,
    /// Phrases the recogniser is restricted to, as in a listening step with a grammar.
    pub grammar: Option<Vec<String>>,
    /// Channel to replay from a stereo file (call recordings: `left` is the debtor); unset: see
    /// [`super::replay::channel_to_replay`].
    pub channel: Option<crate::audio::wav::ChannelPick>,
    /// Known utterance boundaries.
    pub utterances: Vec<Span>,
    /// How the clip was made.
    pub made_with: Option<String>,
}

/// A clip and its sidecars.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// The WAV file.
    pub wav: PathBuf,
    /// Reference transcript, if `NAME.txt` exists.
    pub reference: Option<String>,
    /// Metadata from `NAME.json`.
    pub info: ClipInfo,
}

impl Clip {
    /// Reads the sidecars of `wav`.
    pub fn open(wav: &Path) -> Result<Self, QaError> {
        let sidecar = |ext: &str| wav.with_extension(ext);
        let reference = match std::fs::read_to_string(sidecar("txt")) {
            Ok(text) => Some(text.trim().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(QaError::Sidecar {
                    path: sidecar("txt").display().to_string(),
                    message: e.to_string(),
                })
            }
        };
        let info = match std::fs::read_to_string(sidecar("json")) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| QaError::Sidecar {
                path: sidecar("json").display().to_string(),
                message: format!("line {} column {}: {e}", e.line(), e.column()),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ClipInfo::default(),
            Err(e) => {
                return Err(QaError::Sidecar {
                    path: sidecar("json").display().to_string(),
                    message: e.to_string(),
                })
            }
        };
        Ok(Self {
            wav: wav.to_path_buf(),
            reference,
            info,
        })
    }
}

/// The `.wav` files under `path` (itself if it is a file), sorted; conversation fixture folders are skipped.
pub fn find_wavs(path: &Path) -> Result<Vec<PathBuf>, QaError> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.is_dir() {
        return Err(QaError::NotFound(path.display().to_string()));
    }
    let mut found = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| QaError::Sidecar {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                // A conversation fixture's clips are turns of one call, replayed with `qa replay <fixture>`.
                if !super::conversation::is_fixture(&p) {
                    stack.push(p);
                }
            } else if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("wav")) {
                found.push(p);
            }
        }
    }
    found.sort();
    Ok(found)
}
