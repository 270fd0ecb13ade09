//! Outgoing RTP stream state: one SSRC, consecutive sequence numbers, a timestamp that advances 160 per
//! 20 ms frame whether or not a packet was sent, and the marker bit on the first packet of each talkspurt.

use super::g711::Codec;
use super::packet::RtpPacket;
use crate::audio::frame::{Frame, FRAME_SAMPLES};

/// Builds the packets of one outgoing RTP stream; no I/O, no clock — the caller ticks it every 20 ms.
#[derive(Debug, Clone)]
pub struct Packetizer {
    codec: Codec,
    ssrc: u32,
    sequence: u16,
    timestamp: u32,
    in_talkspurt: bool,
    packets_sent: u32,
    octets_sent: u32,
    last_timestamp: u32,
}

impl Packetizer {
    /// A stream with the given SSRC and random initial sequence number and timestamp (RFC 3550 §5.1).
    pub fn new(
        codec: Codec,
        ssrc: u32,
        initial_sequence: u16,
        initial_timestamp: u32,
    ) -> Packetizer {
        Packetizer {
            codec,
            ssrc,
            sequence: initial_sequence,
            timestamp: initial_timestamp,
            in_talkspurt: false,
            packets_sent: 0,
            octets_sent: 0,
            last_timestamp: initial_timestamp,
        }
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// The codec audio frames are encoded with.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// The RTP timestamp of the next 20 ms slot.
    pub fn timestamp(&self) -> u32 {
        self.timestamp
    }

    /// The RTP timestamp of the last packet sent (for RTCP sender reports).
    pub fn last_timestamp(&self) -> u32 {
        self.last_timestamp
    }

    /// Packets sent so far (RTCP sender's packet count).
    pub fn packets_sent(&self) -> u32 {
        self.packets_sent
    }

    /// Payload octets sent so far (RTCP sender's octet count).
    pub fn octets_sent(&self) -> u32 {
        self.octets_sent
    }

    /// Encodes one frame into the packet for the current slot and advances to the next slot. The first
    /// frame after [`Packetizer::end_talkspurt`] (or the first ever) carries the marker bit.
    pub fn audio(&mut self, frame: &Frame) -> RtpPacket {
        let marker = !self.in_talkspurt;
        self.in_talkspurt = true;
        let payload = self.codec.encode_frame(frame).to_vec();
        let packet = self.build(marker, self.codec.payload_type(), self.timestamp, payload);
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        packet
    }

    /// Encodes a silent frame for the current slot without starting a talkspurt (marker only on the
    /// stream's very first packet) and advances to the next slot.
    pub fn silence(&mut self) -> RtpPacket {
        let marker = self.packets_sent == 0;
        let payload = self.codec.encode_frame(&[0; FRAME_SAMPLES]).to_vec();
        let packet = self.build(marker, self.codec.payload_type(), self.timestamp, payload);
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
        packet
    }

    /// Builds a packet with another payload type (telephone-event) stamped `timestamp`; the slot clock is
    /// not advanced — call [`Packetizer::skip`] for the slot.
    pub fn other(
        &mut self,
        payload_type: u8,
        marker: bool,
        timestamp: u32,
        payload: Vec<u8>,
    ) -> RtpPacket {
        self.build(marker, payload_type, timestamp, payload)
    }

    /// Advances the clock by one 20 ms slot without sending audio (silence suppressed or DTMF in progress).
    pub fn skip(&mut self) {
        self.timestamp = self.timestamp.wrapping_add(FRAME_SAMPLES as u32);
    }

    /// Ends the current talkspurt: the next audio packet carries the marker bit.
    pub fn end_talkspurt(&mut self) {
        self.in_talkspurt = false;
    }

    fn build(
        &mut self,
        marker: bool,
        payload_type: u8,
        timestamp: u32,
        payload: Vec<u8>,
    ) -> RtpPacket {
        let packet = RtpPacket {
            marker,
            payload_type,
            sequence: self.sequence,
            timestamp,
            ssrc: self.ssrc,
            payload,
            ..RtpPacket::default()
        };
        self.sequence = self.sequence.wrapping_add(1);
        self.packets_sent = self.packets_sent.wrapping_add(1);
        self.octets_sent = self.octets_sent.wrapping_add(packet.payload.len() as u32);
        self.last_timestamp = timestamp;
        packet
    }
}
