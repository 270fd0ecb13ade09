//! Sample-rate conversion with rubato: 8 kHz line audio to the recogniser's rate, voices to 8 kHz.
//!
//! [`StreamResampler`] accepts any number of samples at a time (e.g. 20 ms frames) and compensates
//! rubato's filter delay, so output sample `n` lines up with input time `n / to_rate`.

use super::frame::{to_f32, to_i16};
use super::AudioError;
use rubato::{FftFixedIn, Resampler};

/// Input chunk of the FFT resampler, in input samples.
const CHUNK: usize = 1024;

/// A streaming resampler between two fixed rates.
pub struct StreamResampler {
    from: u32,
    to: u32,
    inner: Option<FftFixedIn<f32>>,
    pending: Vec<f32>,
    delay_to_skip: usize,
    consumed: u64,
    produced: u64,
}

impl StreamResampler {
    /// Builds a resampler from `from` Hz to `to` Hz (equal rates pass audio through unchanged).
    pub fn new(from: u32, to: u32) -> Result<Self, AudioError> {
        let error = |reason: String| AudioError::Resample { from, to, reason };
        if from == 0 || to == 0 {
            return Err(error("sample rate must be above zero".into()));
        }
        let inner = if from == to {
            None
        } else {
            Some(
                FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 1, 1)
                    .map_err(|e| error(e.to_string()))?,
            )
        };
        let delay_to_skip = inner.as_ref().map_or(0, |r| r.output_delay());
        Ok(Self {
            from,
            to,
            inner,
            pending: Vec::new(),
            delay_to_skip,
            consumed: 0,
            produced: 0,
        })
    }

    /// Adds input samples and returns whatever output is ready.
    pub fn push(&mut self, input: &[i16]) -> Vec<i16> {
        self.consumed += input.len() as u64;
        let Some(inner) = self.inner.as_mut() else {
            self.produced += input.len() as u64;
            return input.to_vec();
        };
        self.pending.extend(input.iter().map(|&s| to_f32(s)));
        let mut out = Vec::new();
        while self.pending.len() >= inner.input_frames_next() {
            let need = inner.input_frames_next();
            let chunk: Vec<f32> = self.pending.drain(..need).collect();
            // A one-channel buffer of exactly `input_frames_next` samples is always accepted.
            if let Ok(result) = inner.process(&[chunk], None) {
                out.extend(result[0].iter().map(|&s| to_i16(s)));
            }
        }
        self.emit(out)
    }

    /// Flushes buffered input and the filter tail, returning exactly the output the whole input maps to.
    pub fn finish(&mut self) -> Vec<i16> {
        let Some(inner) = self.inner.as_mut() else {
            return Vec::new();
        };
        let expected = self.consumed * u64::from(self.to) / u64::from(self.from);
        let mut out = Vec::new();
        let mut input = Some(std::mem::take(&mut self.pending));
        for _ in 0..8 {
            let ready = self.produced + out.len().saturating_sub(self.delay_to_skip) as u64;
            if ready >= expected {
                break;
            }
            let result = match input.take() {
                Some(chunk) => inner.process_partial(Some(&[chunk]), None),
                None => inner.process_partial::<Vec<f32>>(None, None),
            };
            match result {
                Ok(result) => out.extend(result[0].iter().map(|&s| to_i16(s))),
                Err(_) => break,
            }
        }
        let before = self.produced;
        let mut out = self.emit(out);
        out.truncate(expected.saturating_sub(before) as usize);
        self.produced = before + out.len() as u64;
        out
    }

    fn emit(&mut self, mut out: Vec<i16>) -> Vec<i16> {
        let skip = self.delay_to_skip.min(out.len());
        out.drain(..skip);
        self.delay_to_skip -= skip;
        self.produced += out.len() as u64;
        out
    }
}

/// Resamples a whole buffer from `from` Hz to `to` Hz; the output has `len * to / from` samples.
pub fn resample(input: &[i16], from: u32, to: u32) -> Result<Vec<i16>, AudioError> {
    let mut resampler = StreamResampler::new(from, to)?;
    let mut out = resampler.push(input);
    out.extend(resampler.finish());
    Ok(out)
}
