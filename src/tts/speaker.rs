//! The robot's mouth: a voice plus the prompt cache, rendering prompts sentence by sentence.

use super::cache::PromptCache;
use super::sentences::split_sentences;
use super::voice::Voice;
use super::TtsError;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Renders prompts at 8 kHz, synthesising each distinct sentence at most once.
#[derive(Debug, Clone)]
pub struct Speaker {
    voice: Arc<Voice>,
    cache: PromptCache,
    syntheses: Arc<AtomicU64>,
}

impl Speaker {
    /// Joins a voice and a cache.
    pub fn new(voice: Arc<Voice>, cache: PromptCache) -> Self {
        Self {
            voice,
            cache,
            syntheses: Arc::new(AtomicU64::new(0)),
        }
    }

    /// The same voice over another prompt cache (its synthesis count starts afresh).
    pub fn with_cache(&self, cache: PromptCache) -> Self {
        Self::new(Arc::clone(&self.voice), cache)
    }

    /// How many times the synthesiser actually ran (cache misses).
    pub fn synthesis_count(&self) -> u64 {
        self.syntheses.load(Ordering::Relaxed)
    }

    /// The voice in use.
    pub fn voice(&self) -> &Voice {
        &self.voice
    }

    /// One sentence (or any exact text) as 8 kHz audio, from the cache when possible.
    pub fn render(&self, text: &str) -> Result<Vec<i16>, TtsError> {
        if let Some(samples) = self.cache.get(self.voice.id(), text) {
            return Ok(samples);
        }
        self.syntheses.fetch_add(1, Ordering::Relaxed);
        let samples = self.voice.synthesize(text)?;
        self.cache.put(self.voice.id(), text, &samples)?;
        Ok(samples)
    }

    /// The prompt's sentences, rendered lazily in order: play each as soon as it is yielded.
    pub fn sentences<'a>(
        &'a self,
        text: &str,
    ) -> impl Iterator<Item = Result<Vec<i16>, TtsError>> + 'a {
        split_sentences(text)
            .into_iter()
            .map(move |sentence| self.render(&sentence))
    }

    /// The whole prompt as one buffer, with a short pause between sentences.
    pub fn render_prompt(&self, text: &str) -> Result<Vec<i16>, TtsError> {
        const PAUSE: usize = crate::audio::frame::FRAME_SAMPLES * 10;
        let mut out = Vec::new();
        for (i, sentence) in self.sentences(text).enumerate() {
            if i > 0 {
                out.extend(std::iter::repeat_n(0i16, PAUSE));
            }
            out.extend(sentence?);
        }
        Ok(out)
    }
}
