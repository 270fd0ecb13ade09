//! The robot's mouth: a voice plus the prompt cache, rendering prompts piece by piece (sentences, and the
//! first sentence's opening clause on its own).

use super::cache::PromptCache;
use super::sentences::{speech_pieces, Piece};
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

    /// The prompt's pieces ([`speech_pieces`]), rendered lazily in order with the silence to play before
    /// each: play each as soon as it is yielded.
    pub fn pieces<'a>(
        &'a self,
        text: &str,
    ) -> impl Iterator<Item = Result<RenderedPiece, TtsError>> + 'a {
        speech_pieces(text).into_iter().map(move |piece| {
            let Piece { text, pause_frames } = piece;
            self.render(&text).map(|samples| RenderedPiece {
                pause_frames,
                samples,
            })
        })
    }

    /// The whole prompt as one buffer, with the pauses between its pieces.
    pub fn render_prompt(&self, text: &str) -> Result<Vec<i16>, TtsError> {
        let mut out = Vec::new();
        for piece in self.pieces(text) {
            let piece = piece?;
            out.extend(std::iter::repeat_n(
                0i16,
                piece.pause_frames * crate::audio::frame::FRAME_SAMPLES,
            ));
            out.extend(piece.samples);
        }
        Ok(out)
    }
}

/// One rendered piece of a prompt.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPiece {
    /// Frames of silence to play before it.
    pub pause_frames: usize,
    /// Its 8 kHz audio.
    pub samples: Vec<i16>,
}
