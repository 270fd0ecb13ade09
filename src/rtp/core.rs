//! The media of one call without I/O: symmetric-RTP latching, the jitter buffer, DTMF in and out, the
//! packetiser on the 20 ms grid, queued playback, RTCP reports and the media timeout.
//!
//! [`MediaCore`] never reads a clock and never touches a socket. Its driver ([`super::session`]) feeds it
//! received datagrams with [`MediaCore::handle_datagram`] / [`MediaCore::handle_rtcp_datagram`], calls
//! [`MediaCore::handle_timeout`] when [`MediaCore::poll_timeout`] is due (every 20 ms slot at the latest),
//! and drains [`MediaCore::poll_transmit`] and [`MediaCore::poll_event`]. Randomness (SSRC, initial
//! sequence number and timestamp, RTCP interval) comes from a seeded generator, so a whole call replays
//! exactly in simulated time.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use super::clock::PERIOD;
use super::dtmf::{DtmfReceiver, DtmfSender, TelephoneEvent};
use super::g711::Codec;
use super::jitter::JitterBuffer;
use super::packet::RtpPacket;
use super::packetizer::Packetizer;
use super::rtcp::{ntp_middle, ntp_timestamp, RtcpPacket, SenderInfo};
use super::session::{MediaError, MediaOptions, MediaStats, PlaybackEnd};
use super::stats::{round_trip_time, ReceptionStats};
use crate::audio::frame::{Frame, FRAME_SAMPLES};

/// Silence: what is recorded and sent while nothing plays.
pub const SILENCE: Frame = [0; FRAME_SAMPLES];
/// Most missed slots run in a burst, besides the current one, after the driver stalled (1 s); older ones
/// pass silently.
pub const MAX_CATCH_UP: u64 = 50;
/// Payload type of RFC 3389 comfort noise.
const PT_COMFORT_NOISE: u8 = 13;

/// Which of the call's two sockets a datagram leaves from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Socket {
    /// The RTP socket (audio, telephone-event).
    Rtp,
    /// The RTCP socket (reports, BYE).
    Rtcp,
}

/// A datagram the driver must send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The socket to send it from.
    pub socket: Socket,
    /// Where to.
    pub dest: SocketAddr,
    /// The datagram.
    pub payload: Vec<u8>,
    /// For an RTP packet, the grid slot it belongs to (the driver measures how late it really left).
    pub slot: Option<Instant>,
}

/// Names a queued playback so its end can be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlaybackId(pub u64);

/// What the core reports to its driver.
// Audio is the most frequent event; boxing it would allocate 50 times a second per call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CoreEvent {
    /// One 20 ms frame of the remote party's audio, every slot once their RTP started.
    Audio(Frame),
    /// A DTMF key the remote party pressed, once per press.
    Dtmf(char),
    /// No RTP arrived for the media timeout.
    Timeout,
    /// A queued playback ended.
    PlaybackEnded(PlaybackId, PlaybackEnd),
    /// What one slot holds for the call recording (only when recording was asked for).
    Recorded {
        /// The remote party's audio.
        remote: Frame,
        /// Our audio (speech, a DTMF tone as the peer hears it, or silence).
        sent: Frame,
    },
}

/// The negotiated media of one call.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Where to send RTP until symmetric RTP latches elsewhere.
    pub remote: SocketAddr,
    /// The audio codec.
    pub codec: Codec,
    /// The telephone-event payload type, when the peer offered it.
    pub telephone_event_pt: Option<u8>,
    /// Session settings.
    pub options: MediaOptions,
    /// Report [`CoreEvent::Recorded`] for every slot.
    pub record: bool,
}

struct QueuedPlayback {
    id: PlaybackId,
    frames: VecDeque<Frame>,
}

/// The I/O-free media of one call.
pub struct MediaCore {
    options: MediaOptions,
    record: bool,
    rng: fastrand::Rng,
    /// The grid's slot 0 and the wall-clock time at that instant (for RTCP's NTP timestamps).
    start: Instant,
    wall_start: SystemTime,
    next_slot: u64,
    next_rtcp: Instant,
    signalled_remote: SocketAddr,
    remote: SocketAddr,
    remote_rtcp: SocketAddr,
    latched: bool,
    telephone_event_pt: Option<u8>,
    packetizer: Packetizer,
    jitter: JitterBuffer,
    reception: ReceptionStats,
    dtmf_in: DtmfReceiver,
    dtmf_out: DtmfSender,
    queue: VecDeque<QueuedPlayback>,
    next_playback: u64,
    receiving: bool,
    last_rtp: Instant,
    timed_out: bool,
    stopped: bool,
    stats: MediaStats,
    transmits: VecDeque<Transmit>,
    events: VecDeque<CoreEvent>,
    decoded: Vec<i16>,
}

impl std::fmt::Debug for MediaCore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaCore")
            .field("remote", &self.remote)
            .field("ssrc", &self.packetizer.ssrc())
            .field("next_slot", &self.next_slot)
            .finish()
    }
}

impl MediaCore {
    /// A core whose 20 ms grid starts at `start` (slot 0 is due then); `wall_start` is the wall-clock time
    /// at `start`, and `seed` drives every random choice.
    pub fn new(config: CoreConfig, start: Instant, wall_start: SystemTime, seed: u64) -> Self {
        let mut rng = fastrand::Rng::with_seed(seed);
        let ssrc = rng.u32(..);
        let packetizer = Packetizer::new(config.codec, ssrc, rng.u16(..), rng.u32(..));
        let options = config.options;
        let remote = config.remote;
        let remote_rtcp = options
            .remote_rtcp
            .unwrap_or_else(|| SocketAddr::new(remote.ip(), remote.port().wrapping_add(1)));
        let mut core = MediaCore {
            record: config.record,
            rng,
            start,
            wall_start,
            next_slot: 0,
            next_rtcp: start,
            signalled_remote: remote,
            remote,
            remote_rtcp,
            latched: false,
            telephone_event_pt: config.telephone_event_pt,
            packetizer,
            jitter: JitterBuffer::new(options.jitter),
            reception: ReceptionStats::new(),
            dtmf_in: DtmfReceiver::new(),
            dtmf_out: DtmfSender::new(options.dtmf_tone, options.dtmf_gap, options.dtmf_volume),
            queue: VecDeque::new(),
            next_playback: 0,
            receiving: false,
            last_rtp: start,
            timed_out: false,
            stopped: false,
            stats: MediaStats {
                remote: Some(remote),
                local_ssrc: ssrc,
                ..MediaStats::default()
            },
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            decoded: Vec::with_capacity(FRAME_SAMPLES),
            options,
        };
        core.next_rtcp = start + core.rtcp_interval();
        core
    }

    /// Queues frames to send after everything queued before; [`CoreEvent::PlaybackEnded`] with the
    /// returned id tells how they ended. After [`MediaCore::stop`] the playback ends as `Stopped` at once.
    pub fn play(&mut self, frames: Vec<Frame>) -> PlaybackId {
        let id = PlaybackId(self.next_playback);
        self.next_playback += 1;
        if self.stopped {
            self.events
                .push_back(CoreEvent::PlaybackEnded(id, PlaybackEnd::Stopped));
        } else {
            self.queue.push_back(QueuedPlayback {
                id,
                frames: frames.into(),
            });
        }
        id
    }

    /// Drops all queued audio (barge-in); each queued playback ends as `Flushed`.
    pub fn flush(&mut self) {
        self.end_queue(PlaybackEnd::Flushed);
    }

    /// Queues a DTMF key to send as RFC 4733 telephone-events.
    pub fn send_dtmf(&mut self, digit: char) -> Result<(), MediaError> {
        if self.telephone_event_pt.is_none() {
            return Err(MediaError::NoTelephoneEvent);
        }
        Ok(self.dtmf_out.push(digit)?)
    }

    /// Sends media to a new signalled address from now on (re-INVITE, or 200 OK after early media); the
    /// same address again keeps what symmetric RTP latched.
    pub fn set_remote(&mut self, remote: SocketAddr) {
        if remote == self.signalled_remote {
            return;
        }
        self.signalled_remote = remote;
        self.remote = remote;
        self.remote_rtcp = SocketAddr::new(remote.ip(), remote.port().wrapping_add(1));
        self.latched = false;
    }

    /// Ends the session at `now`: an RTCP report with BYE is queued and pending playbacks end as
    /// `Stopped`; later input is ignored.
    pub fn stop(&mut self, now: Instant) {
        if self.stopped {
            return;
        }
        self.send_rtcp(now, true);
        self.end_queue(PlaybackEnd::Stopped);
        self.stopped = true;
    }

    /// Whether [`MediaCore::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// The session's figures so far (the driver adds pacing and dropped audio events).
    pub fn stats(&self) -> MediaStats {
        let mut stats = self.stats.clone();
        stats.remote = Some(self.remote);
        stats.packets_received = u64::from(self.reception.packets_received());
        stats.octets_received = self.reception.octets_received();
        stats.packets_lost = self.reception.cumulative_lost();
        stats.jitter_ms = f64::from(self.reception.jitter()) / 8.0;
        stats.jitter_buffer = self.jitter.stats();
        stats
    }

    /// Where RTP goes now.
    pub fn remote(&self) -> SocketAddr {
        self.remote
    }

    /// Where RTCP goes now.
    pub fn remote_rtcp(&self) -> SocketAddr {
        self.remote_rtcp
    }

    /// Our SSRC.
    pub fn ssrc(&self) -> u32 {
        self.packetizer.ssrc()
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// The next event for the call.
    pub fn poll_event(&mut self) -> Option<CoreEvent> {
        self.events.pop_front()
    }

    /// When [`MediaCore::handle_timeout`] must run next: the next 20 ms slot, the next RTCP report or
    /// the media timeout, whichever is first; `None` once stopped.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.stopped {
            return None;
        }
        let media_timeout = (!self.timed_out).then(|| self.last_rtp + self.options.media_timeout);
        [
            Some(self.next_slot_due()),
            Some(self.next_rtcp),
            media_timeout,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// When the next 20 ms slot is due.
    pub fn next_slot_due(&self) -> Instant {
        self.slot_due(self.next_slot)
    }

    /// Runs every slot due by `now` (after a stall only the last [`MAX_CATCH_UP`] missed ones send; older
    /// ones pass silently),
    /// then the media timeout and the RTCP report if they are due.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.stopped {
            return;
        }
        if now >= self.start {
            let due = (now.duration_since(self.start).as_nanos() / PERIOD.as_nanos()) as u64;
            if due >= self.next_slot {
                let first = self.next_slot.max(due.saturating_sub(MAX_CATCH_UP));
                for _ in self.next_slot..first {
                    self.skip_slot();
                }
                for index in first..=due {
                    self.run_slot(self.slot_due(index));
                }
                self.next_slot = due + 1;
            }
        }
        if !self.timed_out && now >= self.last_rtp + self.options.media_timeout {
            self.timed_out = true;
            self.events.push_back(CoreEvent::Timeout);
        }
        if now >= self.next_rtcp {
            self.send_rtcp(now, false);
            self.next_rtcp = now + self.rtcp_interval();
        }
    }

    /// A datagram that arrived on the RTP socket at `now` from `from`: RTP, or RTCP multiplexed on the
    /// RTP port (RFC 5761). Anything malformed or from a stranger is counted and dropped.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        if self.stopped {
            return;
        }
        if datagram.len() >= 2 && (200..=204).contains(&datagram[1]) {
            return self.handle_rtcp_datagram(now, from, datagram);
        }
        let Ok(packet) = RtpPacket::parse(datagram) else {
            self.stats.rejected_datagrams += 1;
            return;
        };
        let is_event = Some(packet.payload_type) == self.telephone_event_pt;
        let audio_codec = Codec::from_payload_type(packet.payload_type);
        if !is_event && audio_codec.is_none() && packet.payload_type != PT_COMFORT_NOISE {
            self.stats.rejected_datagrams += 1;
            return;
        }
        if from != self.remote {
            // Symmetric RTP: follow the first stream that arrives, and later only the same stream
            // moving (NAT rebinding), never a stranger.
            let same_stream = self.receiving && packet.ssrc == self.reception.ssrc();
            if self.latched && !same_stream {
                self.stats.rejected_datagrams += 1;
                return;
            }
            self.remote = from;
            if self.options.remote_rtcp.is_none() {
                self.remote_rtcp = SocketAddr::new(from.ip(), from.port().wrapping_add(1));
            }
        }
        self.latched = true;
        if self.receiving && packet.ssrc != self.reception.ssrc() {
            self.jitter.reset();
        }
        self.receiving = true;
        self.last_rtp = now;
        self.timed_out = false;
        self.reception.on_packet(
            packet.ssrc,
            packet.sequence,
            packet.timestamp,
            packet.payload.len(),
            now,
        );
        if is_event {
            if let Ok(event) = TelephoneEvent::parse(&packet.payload) {
                if let Some(digit) = self.dtmf_in.on_packet(packet.timestamp, event, now) {
                    self.stats.dtmf_received += 1;
                    self.events.push_back(CoreEvent::Dtmf(digit));
                }
            }
            self.jitter.push(packet.sequence, None);
        } else if let Some(codec) = audio_codec {
            self.decoded.clear();
            codec.decode_into(&packet.payload, &mut self.decoded);
            self.jitter
                .push(packet.sequence, Some(self.decoded.clone()));
        } else {
            self.jitter.push(packet.sequence, None);
        }
    }

    /// A datagram that arrived on the RTCP socket at `now` from `from`.
    pub fn handle_rtcp_datagram(&mut self, now: Instant, from: SocketAddr, datagram: &[u8]) {
        if self.stopped {
            return;
        }
        let Ok(packets) = RtcpPacket::parse_compound(datagram) else {
            self.stats.rejected_datagrams += 1;
            return;
        };
        if self.options.remote_rtcp.is_none() && from.ip() == self.remote.ip() {
            // Symmetric RTCP: answer where the peer's reports come from.
            self.remote_rtcp = from;
        }
        self.stats.rtcp_received += 1;
        let our_ssrc = self.packetizer.ssrc();
        for packet in packets {
            let reports = match packet {
                RtcpPacket::SenderReport { info, reports, .. } => {
                    self.reception
                        .on_sender_report(ntp_middle(info.ntp_timestamp), now);
                    reports
                }
                RtcpPacket::ReceiverReport { reports, .. } => reports,
                _ => continue,
            };
            for block in reports.into_iter().filter(|b| b.ssrc == our_ssrc) {
                let now_ntp = ntp_middle(ntp_timestamp(self.wall_clock(now)));
                if let Some(rtt) = round_trip_time(&block, now_ntp) {
                    self.stats.round_trip = Some(rtt);
                }
                self.stats.remote_report = Some(block);
            }
        }
    }

    fn slot_due(&self, index: u64) -> Instant {
        // u32 slots of 20 ms cover 2.7 years; a call never gets there.
        self.start + PERIOD * index.min(u64::from(u32::MAX)) as u32
    }

    fn wall_clock(&self, now: Instant) -> SystemTime {
        self.wall_start + now.saturating_duration_since(self.start)
    }

    fn rtcp_interval(&mut self) -> Duration {
        // RFC 3550 §6.3.1: randomise over [0.5, 1.5] × the interval so sessions do not synchronise.
        let factor = 0.5 + f64::from(self.rng.u32(0..1000)) / 1000.0;
        self.options.rtcp_interval.mul_f64(factor)
    }

    fn end_queue(&mut self, end: PlaybackEnd) {
        for playback in self.queue.drain(..) {
            self.events
                .push_back(CoreEvent::PlaybackEnded(playback.id, end));
        }
        self.packetizer.end_talkspurt();
    }

    fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let front = self.queue.front_mut()?;
            let frame = front.frames.pop_front();
            if front.frames.is_empty() {
                // The last frame goes out in this slot (or the playback was empty): it is finished.
                let id = front.id;
                self.queue.pop_front();
                self.events
                    .push_back(CoreEvent::PlaybackEnded(id, PlaybackEnd::Finished));
            }
            if frame.is_some() {
                return frame;
            }
        }
    }

    /// A slot that passed while the driver was stalled: time moves on, nothing is sent or played.
    fn skip_slot(&mut self) {
        self.packetizer.skip();
        self.packetizer.end_talkspurt();
        let (remote, _) = self.jitter.pop();
        if self.record {
            self.events.push_back(CoreEvent::Recorded {
                remote,
                sent: SILENCE,
            });
        }
    }

    fn run_slot(&mut self, due: Instant) {
        let slot_timestamp = self.packetizer.timestamp();
        let mut sent = SILENCE;
        let packet = match (self.telephone_event_pt, self.dtmf_out.tick(slot_timestamp)) {
            (Some(pt), Some(dtmf)) => {
                if !dtmf.event.end {
                    // Record what the peer's phone plays for the key.
                    let offset =
                        u32::from(dtmf.event.duration).saturating_sub(FRAME_SAMPLES as u32);
                    sent = super::dtmf::tone_frame(dtmf.event.event, offset).unwrap_or(SILENCE);
                }
                let packet = self.packetizer.other(
                    pt,
                    dtmf.marker,
                    dtmf.timestamp,
                    dtmf.event.to_bytes().to_vec(),
                );
                self.packetizer.skip();
                Some(packet)
            }
            _ => match self.next_frame() {
                Some(frame) => {
                    sent = frame;
                    let packet = self.packetizer.audio(&frame);
                    if self.queue.is_empty() {
                        self.packetizer.end_talkspurt();
                    }
                    Some(packet)
                }
                None if self.options.send_silence => Some(self.packetizer.silence()),
                None => {
                    self.packetizer.skip();
                    None
                }
            },
        };
        if let Some(packet) = packet {
            let mut payload = Vec::with_capacity(packet.payload.len() + 12);
            packet.write_to(&mut payload);
            self.stats.packets_sent += 1;
            self.stats.octets_sent += packet.payload.len() as u64;
            self.transmits.push_back(Transmit {
                socket: Socket::Rtp,
                dest: self.remote,
                payload,
                slot: Some(due),
            });
        }
        let (remote, _) = self.jitter.pop();
        if self.receiving {
            self.events.push_back(CoreEvent::Audio(remote));
        }
        if self.record {
            self.events.push_back(CoreEvent::Recorded { remote, sent });
        }
    }

    fn send_rtcp(&mut self, now: Instant, bye: bool) {
        let ssrc = self.packetizer.ssrc();
        let reports = if self.receiving {
            vec![self.reception.report_block(now)]
        } else {
            Vec::new()
        };
        let report = if self.stats.packets_sent > 0 {
            RtcpPacket::SenderReport {
                ssrc,
                info: SenderInfo {
                    ntp_timestamp: ntp_timestamp(self.wall_clock(now)),
                    rtp_timestamp: self.packetizer.timestamp(),
                    packet_count: self.packetizer.packets_sent(),
                    octet_count: self.packetizer.octets_sent(),
                },
                reports,
            }
        } else {
            RtcpPacket::ReceiverReport { ssrc, reports }
        };
        let mut compound = vec![
            report,
            RtcpPacket::SourceDescription(vec![(ssrc, self.options.cname.clone())]),
        ];
        if bye {
            compound.push(RtcpPacket::Bye(vec![ssrc]));
        }
        self.stats.rtcp_sent += 1;
        self.transmits.push_back(Transmit {
            socket: Socket::Rtcp,
            dest: self.remote_rtcp,
            payload: RtcpPacket::compound_to_bytes(&compound),
            slot: None,
        });
    }
}

#[cfg(test)]
#[path = "core_tests.rs"]
mod tests;
