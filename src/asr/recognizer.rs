//! One streaming recogniser per call: 8 kHz audio in, partial and final transcripts out.

use super::model::AsrModel;
use super::{AsrError, Transcript, WordTiming};
use crate::audio::frame::SAMPLE_RATE;
use crate::audio::resample::StreamResampler;

extern "C" {
    /// The C library's seed of `rand()`.
    fn srand(seed: std::ffi::c_uint);
}

/// The seed Kaldi's dithering starts from in every recogniser.
const DITHER_SEED: std::ffi::c_uint = 1;

/// Makes what a recogniser hears depend only on its own audio. Kaldi dithers each feature window with noise
/// seeded from the C library's process-wide `rand()`, so without a reset the transcript of one stream depends
/// on how much audio earlier recognisers in the process decoded (the model's `mfcc.conf` leaves dithering on).
fn reset_dither() {
    // SAFETY: srand only stores the seed of the C library's generator; it reads or writes no memory of ours.
    unsafe { srand(DITHER_SEED) }
}

/// A streaming recogniser fed with 8 kHz audio.
pub struct Recognizer {
    inner: vosk::Recognizer,
    resampler: StreamResampler,
    model_rate: u32,
    /// Final results Vosk produced on its own inside the current stretch of speech.
    segments: Vec<WordTiming>,
    /// Model-rate samples fed since creation.
    fed: u64,
}

impl Recognizer {
    /// Creates a recogniser; with `grammar`, output is restricted to those phrases (plus `[unk]`).
    /// Every recogniser starts from the same dithering seed, so one stream's transcript does not depend on the
    /// streams decoded before it.
    pub fn new(model: &AsrModel, grammar: Option<&[String]>) -> Result<Self, AsrError> {
        reset_dither();
        let rate = model.sample_rate() as f32;
        let mut inner = match grammar {
            Some(phrases) => {
                if !model.supports_grammar() {
                    return Err(AsrError::Recognizer(format!(
                        "the model at {} has no dynamic graph (graph/HCLr.fst, graph/Gr.fst), so it cannot use a phrase grammar",
                        model.path().display()
                    )));
                }
                let mut phrases: Vec<String> = phrases.iter().map(|p| p.to_lowercase()).collect();
                phrases.push("[unk]".to_string());
                vosk::Recognizer::new_with_grammar(&model.model, rate, &phrases)
            }
            None => vosk::Recognizer::new(&model.model, rate),
        }
        .ok_or_else(|| AsrError::Recognizer("Vosk returned no recogniser (check the model and grammar)".into()))?;
        inner.set_words(true);
        inner.set_partial_words(false);
        Ok(Self {
            inner,
            resampler: StreamResampler::new(SAMPLE_RATE, model.sample_rate())?,
            model_rate: model.sample_rate(),
            segments: Vec::new(),
            fed: 0,
        })
    }

    /// Seconds of model-rate audio fed so far.
    pub fn fed_secs(&self) -> f64 {
        self.fed as f64 / f64::from(self.model_rate)
    }

    /// Feeds 8 kHz audio; returns the current partial text.
    pub fn accept(&mut self, samples: &[i16]) -> String {
        let converted = self.resampler.push(samples);
        self.feed_model(&converted);
        self.inner.partial_result().partial.to_string()
    }

    /// Ends the current stretch of speech and returns everything recognised in it.
    pub fn finish_utterance(&mut self) -> Transcript {
        let tail = self.resampler.finish();
        self.feed_model(&tail);
        // Gated speech is discontinuous: each stretch starts with a fresh resampler.
        if let Ok(fresh) = StreamResampler::new(SAMPLE_RATE, self.model_rate) {
            self.resampler = fresh;
        }
        let words = extract_words(self.inner.final_result());
        let mut all = std::mem::take(&mut self.segments);
        all.extend(words);
        Transcript::from_words(all)
    }

    fn feed_model(&mut self, samples: &[i16]) {
        if samples.is_empty() {
            return;
        }
        self.fed += samples.len() as u64;
        if let Ok(vosk::DecodingState::Finalized) = self.inner.accept_waveform(samples) {
            let words = extract_words(self.inner.result());
            self.segments.extend(words);
        }
    }
}

fn extract_words(result: vosk::CompleteResult<'_>) -> Vec<WordTiming> {
    let Some(single) = result.single() else {
        return Vec::new();
    };
    single
        .result
        .iter()
        .filter(|w| w.word != "[unk]")
        .map(|w| WordTiming {
            word: w.word.to_string(),
            start: f64::from(w.start),
            end: f64::from(w.end),
            conf: f64::from(w.conf),
        })
        .collect()
}
