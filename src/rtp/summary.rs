//! The media figures of a call as reports show them.

use super::session::MediaStats;
use serde::Serialize;

/// A summary of the media session figures.
#[derive(Debug, Clone, Serialize)]
pub struct RtpReport {
    /// RTP packets sent.
    pub packets_sent: u64,
    /// RTP packets received.
    pub packets_received: u64,
    /// Lost packets reported by RFC 3550 accounting.
    pub packets_lost: i64,
    /// Interarrival jitter (ms).
    pub jitter_ms: f64,
    /// Received 20 ms frames dropped because the call did not read them (0 when nothing was lost).
    pub audio_frames_dropped: u64,
}

impl From<&MediaStats> for RtpReport {
    fn from(s: &MediaStats) -> Self {
        RtpReport {
            packets_sent: s.packets_sent,
            packets_received: s.packets_received,
            packets_lost: s.packets_lost,
            jitter_ms: s.jitter_ms,
            audio_frames_dropped: s.audio_events_dropped,
        }
    }
}
