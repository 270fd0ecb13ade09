//! The models a call listens and speaks with, chosen for the flow's language from the configuration.

use crate::asr::model::AsrModel;
use crate::asr::AsrError;
use crate::config::{Config, ConfigError, ListenConfig, Need};
use crate::dialog::nlu::Lang;
use crate::tts::cache::PromptCache;
use crate::tts::speaker::Speaker;
use crate::tts::voice::Voice;
use crate::tts::TtsError;
use std::sync::Arc;

/// Why a call's models could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpeechError {
    /// The configuration names no usable model.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The voice could not be loaded.
    #[error(transparent)]
    Voice(#[from] TtsError),
    /// The recognition model could not be loaded.
    #[error(transparent)]
    Recogniser(#[from] AsrError),
}

/// How a call hears the debtor.
#[derive(Debug, Clone)]
pub struct Hearing {
    /// The loaded Vosk model.
    pub model: AsrModel,
    /// VAD and endpointing settings.
    pub listen: ListenConfig,
    /// The language the model recognises.
    pub model_lang: String,
}

/// The voice and the ears of a call.
#[derive(Debug, Clone)]
pub struct CallSpeech {
    /// Renders prompts (through the prompt cache).
    pub speaker: Speaker,
    /// The recogniser; `None` when no model is installed (the debtor can then answer by keys only).
    pub hearing: Option<Hearing>,
    /// What produces the debtor's text, said plainly in every report.
    pub recognition: String,
}

impl CallSpeech {
    /// Loads the voice and recogniser for a flow in `lang`. The voice must exist; when the language's
    /// recogniser is missing, another installed one is used and `recognition` says the speech is not
    /// expected to be understood; with none at all the call goes on by keys.
    pub fn for_language(config: &Config, lang: Lang) -> Result<CallSpeech, SpeechError> {
        let code = lang.code();
        let voice = Voice::load_configured(config.voice(Some(code))?, config)?;
        let speaker = Speaker::new(Arc::new(voice), PromptCache::new(config.prompt_cache_dir()));
        let own_model = config
            .language(Some(code))
            .ok()
            .map(|l| l.asr_model.clone())
            .filter(|p| p.exists());
        let (model_lang, path) = match own_model {
            Some(path) => (code.to_string(), Some(path)),
            None => match config.usable_language(Need::Recogniser) {
                Ok(choice) => {
                    let path = config.language(Some(&choice.lang))?.asr_model.clone();
                    (choice.lang, Some(path))
                }
                Err(_) => (String::new(), None),
            },
        };
        let Some(path) = path else {
            return Ok(CallSpeech {
                speaker,
                hearing: None,
                recognition: format!(
                    "none: no recognition model is installed, so only keys are understood (install the \
                     `{code}` model: see models/README.md)"
                ),
            });
        };
        let model = AsrModel::load(&path)?;
        let recognition = if model_lang == code {
            format!("vosk ({model_lang} model {})", path.display())
        } else {
            format!(
                "vosk ({model_lang} model {}) on a `{code}` conversation: the `{code}` model is not installed, \
                 so speech is transcribed as {model_lang} and is not expected to be understood; keys still work",
                path.display()
            )
        };
        Ok(CallSpeech {
            speaker,
            hearing: Some(Hearing {
                model,
                listen: config.listen.clone(),
                model_lang,
            }),
            recognition,
        })
    }
}
