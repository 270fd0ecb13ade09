//! RFC 4733 telephone-events: the payload format, a receiver that reports each key press once, and a
//! sender that emits start, continuation and three end packets on the 20 ms slot clock.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::audio::frame::FRAME_SAMPLES;

/// Why a telephone-event payload or digit is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DtmfError {
    /// The payload is shorter than the 4-byte event block.
    #[error("telephone-event payload has {0} bytes, needs 4")]
    Truncated(usize),
    /// The character is not a DTMF key (0-9, *, #, A-D).
    #[error("{0:?} is not a DTMF key (use 0-9, *, #, A-D)")]
    NotADigit(char),
}

/// One RFC 4733 event block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code (0-15 are the DTMF keys).
    pub event: u8,
    /// End bit: the last packets of the event.
    pub end: bool,
    /// Volume in -dBm0 (0..=63).
    pub volume: u8,
    /// Duration so far in timestamp units.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event block of a payload.
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, DtmfError> {
        if payload.len() < 4 {
            return Err(DtmfError::Truncated(payload.len()));
        }
        Ok(TelephoneEvent {
            event: payload[0],
            end: payload[1] & 0x80 != 0,
            volume: payload[1] & 0x3F,
            duration: u16::from_be_bytes([payload[2], payload[3]]),
        })
    }

    /// Serialises the event block.
    pub fn to_bytes(self) -> [u8; 4] {
        let duration = self.duration.to_be_bytes();
        [
            self.event,
            ((self.end as u8) << 7) | (self.volume & 0x3F),
            duration[0],
            duration[1],
        ]
    }
}

/// The event code of a DTMF key.
pub fn event_of_digit(digit: char) -> Result<u8, DtmfError> {
    match digit.to_ascii_uppercase() {
        d @ '0'..='9' => Ok(d as u8 - b'0'),
        '*' => Ok(10),
        '#' => Ok(11),
        d @ 'A'..='D' => Ok(d as u8 - b'A' + 12),
        _ => Err(DtmfError::NotADigit(digit)),
    }
}

/// The DTMF key of an event code, if it is one.
pub fn digit_of_event(event: u8) -> Option<char> {
    match event {
        0..=9 => Some((b'0' + event) as char),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some((b'A' + event - 12) as char),
        _ => None,
    }
}

/// After this long without packets of the current event, a packet with the same timestamp is a new event.
const EVENT_MEMORY: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
struct ReceivedEvent {
    event: u8,
    timestamp: u32,
    duration: u16,
    ended: bool,
    last_seen: Instant,
}

/// Turns received telephone-event packets into key presses, each reported exactly once: repeated
/// continuation packets, the three end packets and the segments of a long event (RFC 4733 §2.5.1.3)
/// are folded into the event they belong to.
#[derive(Debug, Clone, Default)]
pub struct DtmfReceiver {
    current: Option<ReceivedEvent>,
}

impl DtmfReceiver {
    /// A receiver that has seen no event.
    pub fn new() -> DtmfReceiver {
        DtmfReceiver::default()
    }

    /// Feeds one packet (its RTP timestamp and event block) received at `now`; returns the key if this
    /// packet starts a new key press.
    pub fn on_packet(
        &mut self,
        timestamp: u32,
        event: TelephoneEvent,
        now: Instant,
    ) -> Option<char> {
        let digit = digit_of_event(event.event)?;
        if let Some(current) = &mut self.current {
            let fresh = now.saturating_duration_since(current.last_seen) < EVENT_MEMORY;
            let same_event = current.event == event.event;
            let same_segment = current.timestamp == timestamp;
            let next_segment = !current.ended
                && timestamp == current.timestamp.wrapping_add(current.duration as u32);
            if fresh && same_event && (same_segment || next_segment) {
                current.timestamp = timestamp;
                current.duration = current.duration.max(event.duration);
                if next_segment && !same_segment {
                    current.duration = event.duration;
                }
                current.ended |= event.end;
                current.last_seen = now;
                return None;
            }
        }
        self.current = Some(ReceivedEvent {
            event: event.event,
            timestamp,
            duration: event.duration,
            ended: event.end,
            last_seen: now,
        });
        Some(digit)
    }
}

/// One telephone-event packet to send: marker, RTP timestamp (the event's start) and event block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DtmfPacket {
    /// Set on the first packet of an event.
    pub marker: bool,
    /// The RTP timestamp of the event's first slot, the same in every packet of the event.
    pub timestamp: u32,
    /// The event block.
    pub event: TelephoneEvent,
}

#[derive(Debug, Clone, Copy)]
struct SendingEvent {
    event: u8,
    timestamp: u32,
    duration: u32,
    ends_sent: u8,
}

/// How many times the end packet is sent (RFC 4733 §2.5.1.4).
pub const END_PACKETS: u8 = 3;

/// Queues keys to send and produces one telephone-event packet per 20 ms slot while a key is active.
#[derive(Debug, Clone)]
pub struct DtmfSender {
    queue: VecDeque<u8>,
    current: Option<SendingEvent>,
    tone_samples: u32,
    gap_slots: u32,
    gap_left: u32,
    volume: u8,
}

impl DtmfSender {
    /// A sender making tones of `tone` length (rounded up to 20 ms), separated by `gap`, at `volume` -dBm0.
    pub fn new(tone: Duration, gap: Duration, volume: u8) -> DtmfSender {
        let slot = FRAME_SAMPLES as u32;
        // Capped at 60 s so absurd settings cannot overflow; 16-bit durations cap the wire value anyway.
        let tone_ms = tone.as_millis().min(60_000) as u32;
        let tone_samples = ((tone_ms * 8).div_ceil(slot)).max(1) * slot;
        DtmfSender {
            queue: VecDeque::new(),
            current: None,
            tone_samples,
            gap_slots: (gap.as_millis().min(60_000) as u32).div_ceil(20),
            gap_left: 0,
            volume: volume.min(63),
        }
    }

    /// Queues a key; fails on characters that are not DTMF keys.
    pub fn push(&mut self, digit: char) -> Result<(), DtmfError> {
        self.queue.push_back(event_of_digit(digit)?);
        Ok(())
    }

    /// Whether a key is being sent or waits in the queue.
    pub fn is_busy(&self) -> bool {
        self.current.is_some() || !self.queue.is_empty()
    }

    /// Advances one 20 ms slot whose RTP timestamp is `slot_timestamp`; returns the packet to send in
    /// this slot instead of audio, or `None` when the slot is free for audio.
    pub fn tick(&mut self, slot_timestamp: u32) -> Option<DtmfPacket> {
        let slot = FRAME_SAMPLES as u32;
        if self.current.is_none() {
            if self.gap_left > 0 {
                self.gap_left -= 1;
                return None;
            }
            let event = self.queue.pop_front()?;
            self.current = Some(SendingEvent {
                event,
                timestamp: slot_timestamp,
                duration: 0,
                ends_sent: 0,
            });
        }
        // The branch above either returned or filled `current`.
        let sending = self.current.as_mut()?;
        let marker = sending.duration == 0 && sending.ends_sent == 0;
        let end = if sending.duration < self.tone_samples {
            sending.duration += slot;
            false
        } else {
            sending.ends_sent += 1;
            true
        };
        let packet = DtmfPacket {
            marker,
            timestamp: sending.timestamp,
            event: TelephoneEvent {
                event: sending.event,
                end,
                volume: self.volume,
                duration: sending.duration.min(u16::MAX as u32) as u16,
            },
        };
        if sending.ends_sent >= END_PACKETS {
            self.current = None;
            self.gap_left = self.gap_slots;
        }
        Some(packet)
    }
}

/// Row and column frequencies (Hz) of a DTMF event code.
pub fn frequencies(event: u8) -> Option<(f64, f64)> {
    const ROWS: [f64; 4] = [697.0, 770.0, 852.0, 941.0];
    const COLS: [f64; 4] = [1209.0, 1336.0, 1477.0, 1633.0];
    // Keypad positions (row, column) of 0-9, *, #, A-D.
    const KEYS: [(usize, usize); 16] = [
        (3, 1),
        (0, 0),
        (0, 1),
        (0, 2),
        (1, 0),
        (1, 1),
        (1, 2),
        (2, 0),
        (2, 1),
        (2, 2),
        (3, 0),
        (3, 2),
        (0, 3),
        (1, 3),
        (2, 3),
        (3, 3),
    ];
    let (row, col) = *KEYS.get(event as usize)?;
    Some((ROWS[row], COLS[col]))
}

/// The audible dual tone of a DTMF event for one 20 ms frame starting `offset` samples into the tone
/// (each component at about -10 dBm0) — what a phone would play; used to make recordings audible.
pub fn tone_frame(event: u8, offset: u32) -> Option<crate::audio::frame::Frame> {
    let (low, high) = frequencies(event)?;
    let mut frame = [0i16; FRAME_SAMPLES];
    let rate = crate::audio::frame::SAMPLE_RATE as f64;
    for (i, sample) in frame.iter_mut().enumerate() {
        let t = (offset as f64 + i as f64) / rate;
        let value = 5000.0
            * ((std::f64::consts::TAU * low * t).sin() + (std::f64::consts::TAU * high * t).sin());
        *sample = value as i16;
    }
    Some(frame)
}
