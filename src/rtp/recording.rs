//! Call recording: a stereo 8 kHz 16-bit WAV (left: the remote party, right: what softcall sent), written
//! frame by frame with the header brought up to date every second so a crash keeps what was recorded.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::audio::frame::{Frame, SAMPLE_RATE};

/// Why a recording could not be written.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// The file could not be created or written.
    #[error("call recording {path}: {source} (check that the folder exists and is writable)")]
    Write {
        /// The recording file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: hound::Error,
    },
}

/// Frames between header updates (50 frames = 1 second).
pub const FLUSH_EVERY_FRAMES: u32 = 50;

/// An open stereo call recording.
pub struct CallRecorder {
    path: PathBuf,
    writer: hound::WavWriter<BufWriter<File>>,
    frames_since_flush: u32,
    frames: u64,
}

impl std::fmt::Debug for CallRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallRecorder")
            .field("path", &self.path)
            .field("frames", &self.frames)
            .finish()
    }
}

impl CallRecorder {
    /// Creates (or truncates) the WAV file.
    pub fn create(path: &Path) -> Result<CallRecorder, RecordingError> {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer =
            hound::WavWriter::create(path, spec).map_err(|source| RecordingError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(CallRecorder {
            path: path.to_path_buf(),
            writer,
            frames_since_flush: 0,
            frames: 0,
        })
    }

    /// The file being written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// 20 ms frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Appends one 20 ms slot: what the remote party said and what softcall sent.
    pub fn write(&mut self, remote: &Frame, sent: &Frame) -> Result<(), RecordingError> {
        for (&left, &right) in remote.iter().zip(sent.iter()) {
            self.writer.write_sample(left).map_err(|e| self.error(e))?;
            self.writer.write_sample(right).map_err(|e| self.error(e))?;
        }
        self.frames += 1;
        self.frames_since_flush += 1;
        if self.frames_since_flush >= FLUSH_EVERY_FRAMES {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes buffered samples and updates the header so the file is valid as it stands.
    pub fn flush(&mut self) -> Result<(), RecordingError> {
        self.frames_since_flush = 0;
        self.writer.flush().map_err(|e| self.error(e))
    }

    /// Finishes the file.
    pub fn finish(self) -> Result<(), RecordingError> {
        let path = self.path;
        self.writer
            .finalize()
            .map_err(|source| RecordingError::Write { path, source })
    }

    fn error(&self, source: hound::Error) -> RecordingError {
        RecordingError::Write {
            path: self.path.clone(),
            source,
        }
    }
}
