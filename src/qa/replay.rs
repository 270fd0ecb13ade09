//! Replaying audio through the call's listening pipeline.

use super::fixture::Clip;
use super::wer::{word_errors, WordErrors};
use super::QaError;
use crate::asr::listener::{ListenEvent, ListenStats, Listener, Utterance};
use crate::asr::model::AsrModel;
use crate::audio::frame::frames_of;
use crate::audio::wav::read_channel;
use crate::audio::{frame::SAMPLE_RATE, resample::resample};
use crate::config::Config;
use serde::Serialize;
use std::path::PathBuf;

/// The result of replaying one clip.
#[derive(Debug, Clone, Serialize)]
pub struct ClipReplay {
    /// The WAV file.
    pub file: PathBuf,
    /// Language the clip was recognised in.
    pub lang: String,
    /// Clip length in seconds.
    pub duration: f64,
    /// Recognised utterances.
    pub utterances: Vec<Utterance>,
    /// Reference transcript, if any.
    pub reference: Option<String>,
    /// Word errors against the reference, if any.
    pub word_errors: Option<WordErrors>,
    /// Word error rate against the reference, if any.
    pub wer: Option<f64>,
    /// Frames pushed and frames the recogniser saw.
    pub stats: ListenStats,
}

impl ClipReplay {
    /// All utterances' text joined.
    pub fn transcript(&self) -> String {
        self.utterances
            .iter()
            .map(|u| u.text.as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Runs 8 kHz samples through a listener and collects the utterances.
pub fn listen_all(listener: &mut Listener, samples: &[i16]) -> Vec<Utterance> {
    let mut utterances = Vec::new();
    let mut take = |events: Vec<ListenEvent>| {
        utterances.extend(events.into_iter().filter_map(|e| match e {
            ListenEvent::Utterance(u) => Some(u),
            _ => None,
        }))
    };
    for frame in frames_of(samples) {
        take(listener.push(&frame));
    }
    take(listener.finish());
    utterances
}

/// Replays one clip; its `NAME.json` may set the language and grammar, else `default_lang` is used.
pub fn replay_clip(
    config: &Config,
    clip: &Clip,
    default_lang: Option<&str>,
) -> Result<ClipReplay, QaError> {
    let audio = read_channel(&clip.wav, clip.info.channel)?;
    let samples = resample(&audio.samples, audio.sample_rate, SAMPLE_RATE)?;
    let lang = clip
        .info
        .lang
        .as_deref()
        .or(default_lang)
        .unwrap_or(&config.default_language)
        .to_string();
    let model = AsrModel::load(&config.language(Some(&lang))?.asr_model)?;
    let mut listener = Listener::new(
        &model,
        clip.info.grammar.as_deref(),
        config.listen.vad,
        config.listen.endpoint,
    )?;
    let utterances = listen_all(&mut listener, &samples);
    let mut replay = ClipReplay {
        file: clip.wav.clone(),
        lang,
        duration: audio.duration_secs(),
        utterances,
        reference: clip.reference.clone(),
        word_errors: None,
        wer: None,
        stats: listener.stats(),
    };
    if let Some(reference) = &clip.reference {
        let errors = word_errors(reference, &replay.transcript());
        replay.word_errors = Some(errors);
        replay.wer = Some(errors.rate());
    }
    Ok(replay)
}
