//! Configuration (`softcall.toml`): which recognition model and voice each language uses, and where data lives.
//!
//! Relative paths are resolved against the folder holding the configuration file.

use crate::audio::endpoint::EndpointConfig;
use crate::audio::vad::Aggressiveness;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod sip;
pub mod tts;

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
    /// A value in the `[tts]` section is wrong.
    #[error("{path}: [tts]: {source}")]
    Tts {
        /// The configuration file.
        path: String,
        /// The key and the problem.
        source: tts::TtsConfigError,
    },
    /// A value in the `[amd]` section is wrong.
    #[error("{path}: [amd]: {source}")]
    Amd {
        /// The configuration file.
        path: String,
        /// The field and the problem.
        source: crate::audio::amd::AmdConfigError,
    },
    /// No configured language has the models a command needs.
    #[error("no language configured in {path} has its {need} installed ({missing}); see models/README.md, or run scripts/fetch-models to fetch the production models")]
    NoModels {
        /// The configuration file.
        path: String,
        /// What was needed ("recognition model", "voice").
        need: &'static str,
        /// Each language and the file it lacks.
        missing: String,
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

/// Which model a command needs in its language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// A Vosk recognition model (QA replay, calls).
    Recogniser,
    /// A Piper voice (`say`, prompts).
    Voice,
}

impl Need {
    fn noun(self) -> &'static str {
        match self {
            Need::Recogniser => "recognition model",
            Need::Voice => "voice",
        }
    }
}

/// The language picked for a command, and a note for the user when it is not the configured default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LanguageChoice {
    /// The language code.
    pub lang: String,
    /// Why another language than `default_language` was picked, and how to get the missing models.
    pub note: Option<String>,
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Language used when a command is given none.
    pub default_language: String,
    /// Folder for everything softcall writes: the database, recordings, caches, hand-over exports.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// Folder of the dialogue flows campaign files name (`<flow>.yaml`).
    #[serde(default = "default_dialogs_dir")]
    pub dialogs_dir: PathBuf,
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
    /// Answering-machine detection parameters (`[amd]`, docs/amd.md); whether a call runs it is the
    /// campaign's or the command's choice.
    #[serde(default)]
    pub amd: crate::audio::amd::AmdConfig,
    /// Speech synthesis settings (`[tts]`): the synthesiser pool of each voice.
    #[serde(default)]
    pub tts: tts::TtsConfig,
    /// Where this configuration was read from.
    #[serde(skip)]
    pub source: PathBuf,
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_dialogs_dir() -> PathBuf {
    PathBuf::from("dialogs")
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
            message: crate::wording::plain(&e.to_string()),
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut config.data_dir);
        resolve(&mut config.dialogs_dir);
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
        config.amd.validate().map_err(|source| ConfigError::Amd {
            path: path.display().to_string(),
            source,
        })?;
        config.tts.validate().map_err(|source| ConfigError::Tts {
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

    /// The language a command uses when none is given: `default_language` when the model `need`s is installed,
    /// otherwise the first configured language that has it, with a note saying so and how to get the others.
    pub fn usable_language(&self, need: Need) -> Result<LanguageChoice, ConfigError> {
        let model = |l: &LanguageConfig| match need {
            Need::Recogniser => Some(l.asr_model.clone()),
            Need::Voice => l.voice.clone(),
        };
        let present = |name: &str| {
            self.languages
                .get(name)
                .and_then(model)
                .is_some_and(|p| p.exists())
        };
        if present(&self.default_language) {
            return Ok(LanguageChoice {
                lang: self.default_language.clone(),
                note: None,
            });
        }
        let what = need.noun();
        let missing: Vec<String> = self
            .languages
            .iter()
            .filter(|(name, _)| !present(name))
            .map(|(name, l)| match model(l) {
                Some(p) => format!("`{name}`: {} is missing", p.display()),
                None => format!("`{name}`: no {what} configured"),
            })
            .collect();
        let Some(lang) = self.languages.keys().find(|name| present(name)).cloned() else {
            return Err(ConfigError::NoModels {
                path: self.source.display().to_string(),
                need: what,
                missing: missing.join("; "),
            });
        };
        let default = &self.default_language;
        let note = format!(
            "default_language `{default}` has no {what} installed, so `{lang}` is used (pass --lang to choose); \
             missing: {}. To get the others see models/README.md or run scripts/fetch-models",
            missing.join("; ")
        );
        Ok(LanguageChoice {
            lang,
            note: Some(note),
        })
    }

    /// Folder of the content-addressed prompt cache.
    pub fn prompt_cache_dir(&self) -> PathBuf {
        self.data_dir.join("prompt-cache")
    }
}

/// The folders data commands use: where softcall writes and where flows are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folders {
    /// Everything softcall writes goes here (database, hand-over exports, caches).
    pub data_dir: PathBuf,
    /// Dialogue flows.
    pub dialogs_dir: PathBuf,
}

impl Folders {
    /// The folders of the configuration at `path` (relative to that file), or `data/` and `dialogs/` in the
    /// current folder when there is no such file.
    pub fn from_config(path: &Path) -> Result<Self, ConfigError> {
        if !path.exists() {
            return Ok(Folders {
                data_dir: default_data_dir(),
                dialogs_dir: default_dialogs_dir(),
            });
        }
        let config = Config::load(path)?;
        Ok(Folders {
            data_dir: config.data_dir,
            dialogs_dir: config.dialogs_dir,
        })
    }

    /// The default database: `softcall.db` in the data folder.
    pub fn database_url(&self) -> String {
        crate::store::default_url(&self.data_dir)
    }
}
