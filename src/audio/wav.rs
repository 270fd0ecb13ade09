//! Reading any WAV that hound understands as mono PCM, and writing 8 kHz telephony WAVs.

use super::frame::SAMPLE_RATE;
/// The sample conversions live with the frame format; re-exported for callers that read them here.
pub use super::frame::{to_f32, to_i16};
use super::resample::resample;
use super::AudioError;
use std::path::Path;

/// Mono 16-bit audio with its sample rate.
#[derive(Debug, Clone, PartialEq)]
pub struct MonoAudio {
    /// Samples, one channel.
    pub samples: Vec<i16>,
    /// Sample rate in Hz.
    pub sample_rate: u32,
}

impl MonoAudio {
    /// Duration in seconds.
    pub fn duration_secs(&self) -> f64 {
        self.samples.len() as f64 / f64::from(self.sample_rate.max(1))
    }
}

/// Which channel of a multi-channel file to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelPick {
    /// Average all channels.
    #[default]
    Mix,
    /// The first channel (in softcall's call recordings: the remote party).
    Left,
    /// The second channel (in softcall's call recordings: what the robot sent).
    Right,
}

/// Reads a WAV file of any rate, channel count and integer or float format, mixing channels down to mono.
pub fn read_mono(path: &Path) -> Result<MonoAudio, AudioError> {
    read_channel(path, ChannelPick::Mix)
}

/// Reads one channel (or the mix) of a WAV file of any rate and integer or float format.
pub fn read_channel(path: &Path, pick: ChannelPick) -> Result<MonoAudio, AudioError> {
    let bad = |source| AudioError::BadWav {
        path: path.display().to_string(),
        source,
    };
    let mut reader = hound::WavReader::open(path).map_err(bad)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(bad)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(bad)?
        }
    };
    let samples = interleaved
        .chunks(channels)
        .map(|frame| match pick {
            ChannelPick::Mix => to_i16(frame.iter().sum::<f32>() / frame.len() as f32),
            ChannelPick::Left => to_i16(frame[0]),
            ChannelPick::Right => to_i16(*frame.get(1).unwrap_or(&frame[0])),
        })
        .collect();
    Ok(MonoAudio {
        samples,
        sample_rate: spec.sample_rate,
    })
}

/// Reads a WAV file and converts it to 8 kHz mono, the rate of the telephone line.
pub fn read_telephony(path: &Path) -> Result<Vec<i16>, AudioError> {
    let audio = read_mono(path)?;
    resample(&audio.samples, audio.sample_rate, SAMPLE_RATE)
}

/// Writes mono 16-bit samples at `sample_rate` to `path`.
pub fn write_mono(path: &Path, samples: &[i16], sample_rate: u32) -> Result<(), AudioError> {
    let failed = |source| AudioError::WriteWav {
        path: path.display().to_string(),
        source,
    };
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).map_err(failed)?;
    for &s in samples {
        writer.write_sample(s).map_err(failed)?;
    }
    writer.finalize().map_err(failed)
}
