//! Where the robot's prompts start and end, from the voice activity of received 20 ms frames: a prompt
//! starts with a run of voiced frames and ends after a configurable silence.

use std::time::{Duration, Instant};

use crate::audio::frame::FRAME_MS;

/// Voiced frames in a row that start a prompt (60 ms: clicks and single noisy frames do not).
const MIN_VOICED_FRAMES: u32 = 3;

/// Frame energy (RMS, dBFS) above which a received frame counts as the robot speaking.
pub const VOICE_DBFS: f64 = -45.0;

/// Whether a received frame holds speech by its energy (the robot's line is clean, silence is silent).
pub fn is_voiced(frame: &crate::audio::frame::Frame) -> bool {
    let sum: f64 = frame.iter().map(|&s| f64::from(s) * f64::from(s)).sum();
    let rms = (sum / frame.len() as f64).sqrt();
    rms > 0.0 && 20.0 * (rms / 32768.0).log10() > VOICE_DBFS
}

/// A prompt boundary the detector found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptEvent {
    /// The robot started speaking at this moment (the first voiced frame).
    Started(Instant),
    /// The robot stopped: the prompt spanned `start` to `end` (the end of the last voiced frame).
    Ended {
        /// First voiced frame.
        start: Instant,
        /// End of the last voiced frame.
        end: Instant,
    },
}

/// Tracks prompts in the received audio.
#[derive(Debug, Clone)]
pub struct PromptDetector {
    silence: Duration,
    run: u32,
    run_start: Option<Instant>,
    prompt_start: Option<Instant>,
    last_voiced_end: Option<Instant>,
}

impl PromptDetector {
    /// A detector that ends a prompt after `silence` without voice.
    pub fn new(silence: Duration) -> Self {
        PromptDetector {
            silence,
            run: 0,
            run_start: None,
            prompt_start: None,
            last_voiced_end: None,
        }
    }

    /// The start of the prompt being spoken now, if any.
    pub fn current_start(&self) -> Option<Instant> {
        self.prompt_start
    }

    /// Feeds one received frame that arrived at `now`, voiced or not.
    pub fn frame(&mut self, now: Instant, voiced: bool) -> Option<PromptEvent> {
        let frame = Duration::from_millis(u64::from(FRAME_MS));
        if let Some(ended) = self.check(now) {
            // A long gap in the audio ended the prompt before this frame.
            self.run = u32::from(voiced);
            self.run_start = voiced.then_some(now);
            return Some(ended);
        }
        if !voiced {
            self.run = 0;
            self.run_start = None;
            return None;
        }
        self.run += 1;
        let run_start = *self.run_start.get_or_insert(now);
        if self.prompt_start.is_some() {
            self.last_voiced_end = Some(now + frame);
            return None;
        }
        if self.run >= MIN_VOICED_FRAMES {
            self.prompt_start = Some(run_start);
            self.last_voiced_end = Some(now + frame);
            return Some(PromptEvent::Started(run_start));
        }
        None
    }

    /// Ends the current prompt when its silence has lasted long enough by `now`.
    pub fn check(&mut self, now: Instant) -> Option<PromptEvent> {
        let start = self.prompt_start?;
        let end = self.last_voiced_end?;
        if now < end + self.silence {
            return None;
        }
        self.prompt_start = None;
        self.last_voiced_end = None;
        Some(PromptEvent::Ended { start, end })
    }

    /// When [`PromptDetector::check`] would end the current prompt.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.prompt_start?;
        self.last_voiced_end.map(|end| end + self.silence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds frames every 20 ms from `t0` following `pattern` (`#` voiced, `.` silent).
    fn feed(d: &mut PromptDetector, t0: Instant, pattern: &str) -> Vec<(u128, PromptEvent)> {
        pattern
            .chars()
            .enumerate()
            .filter_map(|(i, c)| {
                let now = t0 + Duration::from_millis(20 * i as u64);
                d.frame(now, c == '#').map(|e| ((now - t0).as_millis(), e))
            })
            .collect()
    }

    #[test]
    fn a_prompt_needs_three_voiced_frames_and_ends_after_the_silence() {
        let t0 = Instant::now();
        let mut d = PromptDetector::new(Duration::from_millis(100));
        // A click (two frames), then speech with a short pause inside, then silence.
        let evs = feed(&mut d, t0, "..##....####..###.........");
        let at = |ms: u64| t0 + Duration::from_millis(ms);
        assert_eq!(
            evs,
            vec![
                (200, PromptEvent::Started(at(160))),
                (
                    440,
                    PromptEvent::Ended {
                        start: at(160),
                        end: at(340)
                    }
                ),
            ]
        );
    }

    #[test]
    fn the_silence_timer_ends_a_prompt_when_audio_stops() {
        let t0 = Instant::now();
        let mut d = PromptDetector::new(Duration::from_millis(700));
        feed(&mut d, t0, "#####");
        let due = d.poll_timeout().unwrap();
        assert_eq!(due - t0, Duration::from_millis(800));
        assert_eq!(d.check(due - Duration::from_millis(1)), None);
        assert!(matches!(d.check(due), Some(PromptEvent::Ended { .. })));
        assert_eq!(d.poll_timeout(), None);
    }
}
