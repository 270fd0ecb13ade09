//! Receive-side jitter buffer: orders packets by sequence number, drops duplicates and late packets,
//! holds a short playout delay and conceals losses (repeat the last frame, fading, then silence).
//!
//! No clock: the owner pushes decoded packets as they arrive and pulls one 20 ms frame per playout slot.

use std::collections::{BTreeMap, VecDeque};

use crate::audio::frame::{Frame, FRAME_SAMPLES};

/// Jitter buffer sizing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JitterConfig {
    /// Packets held before playout starts (the playout delay in 20 ms packets).
    pub prefill: usize,
    /// Most packets held; beyond this the oldest are dropped.
    pub capacity: usize,
    /// Most packets waiting at playout time; beyond this the oldest are dropped so a burst after a
    /// network stall (or a sender clock running fast) does not leave the call with a lasting delay.
    pub max_delay: usize,
    /// Consecutive lost frames concealed by repeating the last one (fading) before silence.
    pub max_repeat: u32,
}

impl Default for JitterConfig {
    fn default() -> Self {
        JitterConfig {
            prefill: 3,
            capacity: 50,
            max_delay: 10,
            max_repeat: 3,
        }
    }
}

/// Where a played-out frame came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameSource {
    /// Decoded from received packets.
    Received,
    /// Synthesised for a lost or missing packet by repeating the last frame, attenuated.
    Concealed,
    /// Silence: nothing received yet, buffering, or loss beyond what concealment covers.
    Silence,
}

/// Counters kept by the jitter buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JitterStats {
    /// Packets accepted into the buffer.
    pub accepted: u64,
    /// Packets dropped because the same sequence number was already buffered or played.
    pub duplicates: u64,
    /// Packets that arrived after their playout slot had passed.
    pub late: u64,
    /// Packets dropped because the buffer was full or held more than the maximum delay.
    pub overflow: u64,
    /// Packets never received by their playout time.
    pub lost: u64,
    /// Frames synthesised by concealment.
    pub concealed_frames: u64,
}

/// The receive jitter buffer for one RTP stream.
#[derive(Debug, Clone)]
pub struct JitterBuffer {
    config: JitterConfig,
    /// Decoded samples per extended sequence number; `None` marks a packet with nothing to play
    /// (telephone-event, comfort noise) that still fills its sequence number.
    packets: BTreeMap<u64, Option<Vec<i16>>>,
    highest: Option<u64>,
    next: Option<u64>,
    playing: bool,
    pending: VecDeque<i16>,
    last_frame: Frame,
    missing_run: u32,
    empty_pulls: u32,
    buffering_pulls: usize,
    stats: JitterStats,
}

/// Consecutive pulls with an empty buffer after which playout rebuffers (the stream paused).
const REBUFFER_AFTER: u32 = 5;

impl JitterBuffer {
    /// An empty buffer.
    pub fn new(config: JitterConfig) -> JitterBuffer {
        let prefill = config.prefill.max(1);
        let max_delay = config.max_delay.max(prefill);
        let config = JitterConfig {
            prefill,
            capacity: config.capacity.max(max_delay),
            max_delay,
            max_repeat: config.max_repeat,
        };
        JitterBuffer {
            config,
            packets: BTreeMap::new(),
            highest: None,
            next: None,
            playing: false,
            pending: VecDeque::new(),
            last_frame: [0; FRAME_SAMPLES],
            missing_run: 0,
            empty_pulls: 0,
            buffering_pulls: 0,
            stats: JitterStats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> JitterStats {
        self.stats
    }

    /// Packets currently held.
    pub fn len(&self) -> usize {
        self.packets.len()
    }

    /// Whether no packet is held.
    pub fn is_empty(&self) -> bool {
        self.packets.is_empty()
    }

    /// Forgets everything (new SSRC): the next packet starts a fresh stream.
    pub fn reset(&mut self) {
        self.packets.clear();
        self.highest = None;
        self.next = None;
        self.playing = false;
        self.pending.clear();
        self.missing_run = 0;
        self.empty_pulls = 0;
        self.buffering_pulls = 0;
    }

    /// Extends a 16-bit sequence number to 64 bits relative to the highest seen.
    fn extend(&self, sequence: u16) -> u64 {
        let Some(highest) = self.highest else {
            // Start high so sequence numbers just below the first one stay representable.
            return (1u64 << 32) + sequence as u64;
        };
        let base = highest & !0xFFFF;
        let candidates = [
            base.wrapping_sub(0x1_0000) | sequence as u64,
            base | sequence as u64,
            (base + 0x1_0000) | sequence as u64,
        ];
        // The candidate closest to the highest seen wins.
        let mut best = candidates[1];
        for candidate in candidates {
            if candidate.abs_diff(highest) < best.abs_diff(highest) {
                best = candidate;
            }
        }
        best
    }

    /// Adds a received packet: its sequence number and decoded samples (`None` for a packet that
    /// occupies a sequence number but has nothing to play, such as a telephone-event).
    pub fn push(&mut self, sequence: u16, samples: Option<Vec<i16>>) {
        let ext = self.extend(sequence);
        if let Some(next) = self.next {
            if ext < next {
                // Far behind playout: either a stale duplicate or a restarted stream.
                if next - ext > 1000 {
                    self.reset();
                    return self.push(sequence, samples);
                }
                self.stats.late += 1;
                return;
            }
        }
        if self.packets.contains_key(&ext) {
            self.stats.duplicates += 1;
            return;
        }
        if let Some(highest) = self.highest {
            if ext > highest + 1000 {
                // A jump far ahead: the sender restarted its sequence space.
                self.reset();
                return self.push(sequence, samples);
            }
        }
        self.highest = Some(self.highest.map_or(ext, |h| h.max(ext)));
        self.packets.insert(ext, samples);
        self.stats.accepted += 1;
        while self.packets.len() > self.config.capacity {
            // Full: skip playout ahead past the oldest packet.
            if let Some((&oldest, _)) = self.packets.iter().next() {
                self.packets.remove(&oldest);
                self.next = Some(oldest + 1);
                self.stats.overflow += 1;
            }
        }
    }

    /// Takes the frame for the next 20 ms playout slot.
    pub fn pop(&mut self) -> (Frame, FrameSource) {
        if !self.playing {
            // Playout starts once `prefill` packets wait, or the first has waited `prefill` slots (so a
            // short burst still plays).
            self.buffering_pulls = if self.packets.is_empty() {
                0
            } else {
                self.buffering_pulls + 1
            };
            if self.packets.len() < self.config.prefill
                && self.buffering_pulls < self.config.prefill
            {
                return self.silence_or_fade();
            }
            self.buffering_pulls = 0;
            self.playing = true;
            self.empty_pulls = 0;
            let first = *self.packets.keys().next().unwrap_or(&0);
            self.next = Some(self.next.map_or(first, |n| n.max(first)));
        }
        while self.packets.len() > self.config.max_delay {
            if let Some((&oldest, _)) = self.packets.iter().next() {
                self.packets.remove(&oldest);
                self.next = Some(oldest + 1);
                self.stats.overflow += 1;
            }
        }
        let mut concealed = false;
        while self.pending.len() < FRAME_SAMPLES {
            let next = self.next.unwrap_or(0);
            if let Some(slot) = self.packets.remove(&next) {
                self.next = Some(next + 1);
                self.missing_run = 0;
                if let Some(samples) = slot {
                    self.pending.extend(samples);
                }
                continue;
            }
            if self.packets.is_empty() {
                // Nothing buffered: the stream paused or the network stalls. Wait without skipping.
                self.empty_pulls += 1;
                if self.empty_pulls >= REBUFFER_AFTER {
                    self.playing = false;
                }
                if self.pending.is_empty() {
                    return self.silence_or_fade();
                }
                break;
            }
            // A gap with later packets waiting: the missing one is lost.
            self.stats.lost += 1;
            self.next = Some(next + 1);
            concealed = true;
            let (fill, _) = self.silence_or_fade();
            self.pending.extend(fill);
            break;
        }
        self.empty_pulls = if self.packets.is_empty() {
            self.empty_pulls
        } else {
            0
        };
        let mut frame = [0i16; FRAME_SAMPLES];
        for sample in frame.iter_mut() {
            match self.pending.pop_front() {
                Some(value) => *sample = value,
                None => break,
            }
        }
        if concealed {
            return (frame, FrameSource::Concealed);
        }
        self.last_frame = frame;
        (frame, FrameSource::Received)
    }

    /// Concealment for one missing frame: the last frame attenuated 6 dB per repeat, then silence.
    fn silence_or_fade(&mut self) -> (Frame, FrameSource) {
        self.missing_run += 1;
        if self.missing_run > self.config.max_repeat || self.last_frame.iter().all(|&s| s == 0) {
            self.last_frame = [0; FRAME_SAMPLES];
            return ([0; FRAME_SAMPLES], FrameSource::Silence);
        }
        for sample in self.last_frame.iter_mut() {
            *sample /= 2;
        }
        self.stats.concealed_frames += 1;
        (self.last_frame, FrameSource::Concealed)
    }
}
