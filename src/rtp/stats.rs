//! RFC 3550 reception statistics (appendix A.1, A.3, A.8): sequence tracking with wrap-around, loss,
//! interarrival jitter and the timing of the last sender report — the content of a report block.

use std::time::{Duration, Instant};

use super::rtcp::ReportBlock;
use crate::audio::frame::SAMPLE_RATE;

const MAX_DROPOUT: u16 = 3000;
const MAX_MISORDER: u16 = 100;

/// What was received from one remote source; time is passed in.
#[derive(Debug, Clone)]
pub struct ReceptionStats {
    ssrc: u32,
    base_seq: u32,
    max_seq: u16,
    cycles: u32,
    bad_seq: Option<u16>,
    received: u32,
    octets: u64,
    expected_prior: u32,
    received_prior: u32,
    last_transit: Option<i64>,
    jitter: f64,
    epoch: Option<Instant>,
    last_sr: Option<(u32, Instant)>,
    started: bool,
}

impl Default for ReceptionStats {
    fn default() -> Self {
        ReceptionStats::new()
    }
}

impl ReceptionStats {
    /// Statistics for a source not heard yet.
    pub fn new() -> ReceptionStats {
        ReceptionStats {
            ssrc: 0,
            base_seq: 0,
            max_seq: 0,
            cycles: 0,
            bad_seq: None,
            received: 0,
            octets: 0,
            expected_prior: 0,
            received_prior: 0,
            last_transit: None,
            jitter: 0.0,
            epoch: None,
            last_sr: None,
            started: false,
        }
    }

    fn init_seq(&mut self, seq: u16) {
        self.base_seq = seq as u32;
        self.max_seq = seq;
        self.cycles = 0;
        self.bad_seq = None;
        self.received = 0;
        self.expected_prior = 0;
        self.received_prior = 0;
        self.last_transit = None;
        self.jitter = 0.0;
    }

    /// The source's SSRC (0 before the first packet).
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Packets received (valid, in sequence space).
    pub fn packets_received(&self) -> u32 {
        self.received
    }

    /// Payload octets received.
    pub fn octets_received(&self) -> u64 {
        self.octets
    }

    /// Highest sequence number with wrap-around cycles in the upper 16 bits.
    pub fn extended_highest_sequence(&self) -> u32 {
        self.cycles.wrapping_add(self.max_seq as u32)
    }

    /// Packets expected from the first to the highest sequence number.
    pub fn expected(&self) -> u32 {
        if !self.started {
            return 0;
        }
        self.extended_highest_sequence()
            .wrapping_sub(self.base_seq)
            .wrapping_add(1)
    }

    /// Packets lost since the start (negative when duplicates outnumber losses).
    pub fn cumulative_lost(&self) -> i64 {
        self.expected() as i64 - self.received as i64
    }

    /// Interarrival jitter in timestamp units (1/8000 s).
    pub fn jitter(&self) -> u32 {
        self.jitter as u32
    }

    /// Records one RTP packet (sequence, timestamp, payload length) from `ssrc` arriving at `now`.
    pub fn on_packet(
        &mut self,
        ssrc: u32,
        seq: u16,
        rtp_timestamp: u32,
        payload_len: usize,
        now: Instant,
    ) {
        if !self.started || ssrc != self.ssrc {
            self.ssrc = ssrc;
            self.started = true;
            self.init_seq(seq);
        } else {
            let delta = seq.wrapping_sub(self.max_seq);
            if delta < MAX_DROPOUT {
                if seq < self.max_seq {
                    self.cycles = self.cycles.wrapping_add(1 << 16);
                }
                self.max_seq = seq;
            } else if delta <= u16::MAX - MAX_MISORDER {
                // A very large jump: accept it only if the next packet confirms the new sequence.
                if self.bad_seq == Some(seq) {
                    self.init_seq(seq);
                } else {
                    self.bad_seq = Some(seq.wrapping_add(1));
                    return;
                }
            }
            // Otherwise a duplicate or reordered packet: counted, sequence state unchanged.
        }
        self.received = self.received.wrapping_add(1);
        self.octets += payload_len as u64;
        let epoch = *self.epoch.get_or_insert(now);
        let arrival = (now.saturating_duration_since(epoch).as_nanos() * SAMPLE_RATE as u128
            / 1_000_000_000) as i64;
        let transit = arrival - rtp_timestamp as i64;
        if let Some(last) = self.last_transit {
            // Differences are taken modulo 2^32 as RTP timestamps wrap.
            let d = ((transit - last) as i32).unsigned_abs() as f64;
            self.jitter += (d - self.jitter) / 16.0;
        }
        self.last_transit = Some(transit);
    }

    /// Records a sender report from the source: the middle 32 bits of its NTP time, received at `now`.
    pub fn on_sender_report(&mut self, ntp_middle: u32, now: Instant) {
        self.last_sr = Some((ntp_middle, now));
    }

    /// The report block for the next RTCP report; the fraction lost covers the interval since the
    /// previous call.
    pub fn report_block(&mut self, now: Instant) -> ReportBlock {
        let expected = self.expected();
        let expected_interval = expected.wrapping_sub(self.expected_prior);
        let received_interval = self.received.wrapping_sub(self.received_prior);
        self.expected_prior = expected;
        self.received_prior = self.received;
        let lost_interval = expected_interval as i64 - received_interval as i64;
        let fraction_lost = if expected_interval == 0 || lost_interval <= 0 {
            0
        } else {
            ((lost_interval << 8) / expected_interval as i64).min(255) as u8
        };
        let (last_sr, delay_since_last_sr) = match self.last_sr {
            Some((middle, at)) => (middle, to_1_65536(now.saturating_duration_since(at))),
            None => (0, 0),
        };
        ReportBlock {
            ssrc: self.ssrc,
            fraction_lost,
            cumulative_lost: self.cumulative_lost().clamp(-0x80_0000, 0x7F_FFFF) as i32,
            extended_highest_sequence: self.extended_highest_sequence(),
            jitter: self.jitter(),
            last_sr,
            delay_since_last_sr,
        }
    }
}

fn to_1_65536(d: Duration) -> u32 {
    ((d.as_nanos() * 65536) / 1_000_000_000).min(u32::MAX as u128) as u32
}

/// Round-trip time from a report block about our stream, received at NTP time `now_ntp_middle`
/// (RFC 3550 §6.4.1); `None` when the block carries no sender-report timing.
pub fn round_trip_time(block: &ReportBlock, now_ntp_middle: u32) -> Option<Duration> {
    if block.last_sr == 0 {
        return None;
    }
    let rtt = now_ntp_middle
        .wrapping_sub(block.last_sr)
        .wrapping_sub(block.delay_since_last_sr);
    if rtt > 0x8000_0000 {
        return None;
    }
    Some(Duration::from_nanos((rtt as u64 * 1_000_000_000) >> 16))
}
