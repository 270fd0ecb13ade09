//! Configuration (`softcall.toml`): which recognition model and voice each language uses, and where data lives.
//!
//! Relative paths are resolved against the folder holding the configuration file.

use crate::audio::endpoint::EndpointConfig;
use crate::audio::vad::Aggressiveness;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod sip;

/// The command that fetches models and native libraries.
pub const SETUP_COMMAND: &str = "scripts/setup";

/// Errors loading the configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("{path}: cannot read configuration ({source})")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML for this schema.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong and where.
        message: String,
    },
    /// No language of that name is configured.
    #[error("language `{lang}` is not configured in {path}; configured: {known}. Add a [languages.{lang}] table")]
    UnknownLanguage {
        /// The requested language.
        lang: String,
        /// The configuration file.
        path: String,
        /// Languages that are configured.
        known: String,
    },
    /// A value in the `[sip]` section is wrong.
    #[error("{path}: {source}")]
    Sip {
        /// The configuration file.
        path: String,
        /// The field and the problem.
        source: sip::SipConfigError,
    },
    /// The language has no voice configured.
    #[error("language `{lang}` has no `voice` in {path}; set [languages.{lang}].voice to a Piper .onnx file")]
    NoVoice {
        /// The language.
        lang: String,
        /// The configuration file.
        path: String,
    },
}

/// Models for one language.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageConfig {
    /// Folder of the Vosk model.
    pub asr_model: PathBuf,
    /// Piper voice (`.onnx`, with its `.onnx.json` beside it), if the robot speaks this language.
    #[serde(default)]
    pub voice: Option<PathBuf>,
}

/// Listening settings shared by calls and QA replay.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListenConfig {
    /// WebRTC VAD mode.
    pub vad: Aggressiveness,
    /// Endpointer timings.
    pub endpoint: EndpointConfig,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Language used when a command is given none.
    pub default_language: String,
    /// Folder for the database, recordings and caches.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Folder holding `espeak-ng-data` (Piper's phonemiser data).
    #[serde(default = "default_espeak_data")]
    pub espeak_data: PathBuf,
    /// Listening settings.
    #[serde(default)]
    pub listen: ListenConfig,
    /// Models per language code (`ru`, `en`, …).
    pub languages: BTreeMap<String, LanguageConfig>,
    /// SIP and RTP settings (`[sip]`).
    #[serde(default)]
    pub sip: sip::SipConfig,
    /// Where this configuration was read from.
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_espeak_data() -> PathBuf {
    PathBuf::from("native/share")
}

impl Config {
    /// Loads `path`, resolving relative paths against its folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut config.data_dir);
        resolve(&mut config.espeak_data);
        for lang in config.languages.values_mut() {
            resolve(&mut lang.asr_model);
            if let Some(voice) = lang.voice.as_mut() {
                resolve(voice);
            }
        }
        config.sip.validate().map_err(|source| ConfigError::Sip {
            path: path.display().to_string(),
            source,
        })?;
        config.source = path.to_path_buf();
        Ok(config)
    }

    /// The models for `lang`, or the default language when `None`.
    pub fn language(&self, lang: Option<&str>) -> Result<&LanguageConfig, ConfigError> {
        let lang = lang.unwrap_or(&self.default_language);
        self.languages
            .get(lang)
            .ok_or_else(|| ConfigError::UnknownLanguage {
                lang: lang.to_string(),
                path: self.source.display().to_string(),
                known: self
                    .languages
                    .keys()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The voice file for `lang`.
    pub fn voice(&self, lang: Option<&str>) -> Result<&Path, ConfigError> {
        let name = lang.unwrap_or(&self.default_language);
        self.language(lang)?
            .voice
            .as_deref()
            .ok_or_else(|| ConfigError::NoVoice {
                lang: name.to_string(),
                path: self.source.display().to_string(),
            })
    }

    /// Folder of the content-addressed prompt cache.
    pub fn prompt_cache_dir(&self) -> PathBuf {
        self.data_dir.join("prompt-cache")
    }
}
