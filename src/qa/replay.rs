//! Replaying audio through the call's listening pipeline.

use super::fixture::Clip;
use super::wer::{word_errors, WordErrors};
use super::QaError;
use crate::asr::listener::{ListenEvent, ListenStats, Listener, Utterance};
use crate::asr::model::AsrModel;
use crate::audio::frame::frames_of;
use crate::audio::wav::{read_channel, ChannelPick};
use crate::audio::AudioError;
use crate::audio::{frame::SAMPLE_RATE, resample::resample};
use crate::config::Config;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The result of replaying one clip.
#[derive(Debug, Clone, Serialize)]
pub struct ClipReplay {
    /// The WAV file.
    pub file: PathBuf,
    /// Language the clip was recognised in.
    pub lang: String,
    /// Clip length in seconds.
    pub duration: f64,
    /// The channel replayed (`left`: the debtor in softcall's call recordings, `right`: the robot, `mix`).
    pub channel: ChannelPick,
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

/// The channel of `clip` to replay: `asked` (the command line), else the clip's `NAME.json`, else the debtor
/// side (left) of a stereo 8 kHz 16-bit file — the layout softcall records calls in (`rtp::recording`) — else
/// the mix of all channels.
pub fn channel_to_replay(clip: &Clip, asked: Option<ChannelPick>) -> Result<ChannelPick, QaError> {
    if let Some(pick) = asked.or(clip.info.channel) {
        return Ok(pick);
    }
    let spec = hound::WavReader::open(&clip.wav)
        .map_err(|source| AudioError::BadWav {
            path: clip.wav.display().to_string(),
            source,
        })?
        .spec();
    let call_recording = spec.channels == 2
        && spec.sample_rate == SAMPLE_RATE
        && spec.bits_per_sample == 16
        && spec.sample_format == hound::SampleFormat::Int;
    Ok(if call_recording {
        ChannelPick::Left
    } else {
        ChannelPick::Mix
    })
}

/// Replays one clip; its `NAME.json` may set the language, grammar and channel, else `default_lang` and
/// `channel` (see [`channel_to_replay`]) are used. Every clip gets its own recogniser.
pub fn replay_clip(
    config: &Config,
    clip: &Clip,
    default_lang: Option<&str>,
    channel: Option<ChannelPick>,
) -> Result<ClipReplay, QaError> {
    let channel = channel_to_replay(clip, channel)?;
    let audio = read_channel(&clip.wav, channel)?;
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
        channel,
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

/// The results of replaying several files.
#[derive(Debug, Default)]
pub struct Replayed {
    /// One result per file that could be replayed, in the order given.
    pub results: Vec<ClipReplay>,
    /// The files that could not be replayed, with why.
    pub failures: Vec<(PathBuf, QaError)>,
    /// Word errors summed over the files with references.
    pub overall: WordErrors,
}

/// Replays `wavs` one after the other, each with a fresh recogniser so no file's result depends on the files
/// before it; `before_each` is told which file starts (for progress).
pub fn replay_files(
    config: &Config,
    wavs: &[PathBuf],
    default_lang: Option<&str>,
    channel: Option<ChannelPick>,
    mut before_each: impl FnMut(&Path),
) -> Replayed {
    let mut replayed = Replayed::default();
    for wav in wavs {
        before_each(wav);
        match Clip::open(wav).and_then(|clip| replay_clip(config, &clip, default_lang, channel)) {
            Ok(result) => {
                if let Some(errors) = result.word_errors {
                    replayed.overall.add(errors);
                }
                replayed.results.push(result);
            }
            Err(e) => replayed.failures.push((wav.clone(), e)),
        }
    }
    replayed
}
