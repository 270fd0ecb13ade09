//! RTP packets (RFC 3550 §5.1): parsing from and serialising to datagrams, safe on hostile input.

/// Why a datagram is not a valid RTP packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Fewer bytes than the part of the packet being read needs.
    #[error("RTP packet truncated: {needed} bytes needed, {available} available")]
    Truncated {
        /// Bytes the header (or declared part) needs.
        needed: usize,
        /// Bytes the datagram actually has.
        available: usize,
    },
    /// The version field is not 2.
    #[error("RTP version {0} is not supported (only version 2)")]
    BadVersion(u8),
    /// The padding count is zero or larger than the payload.
    #[error("RTP padding count {count} is invalid for a {payload_len}-byte payload")]
    BadPadding {
        /// Padding count from the last byte.
        count: u8,
        /// Bytes between the header and the end of the packet.
        payload_len: usize,
    },
}

/// An RTP header extension (RFC 3550 §5.3.1): profile-defined id and its 32-bit-word aligned data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderExtension {
    /// The profile-defined 16-bit identifier.
    pub profile: u16,
    /// Extension data; its length must be a multiple of 4 to serialise.
    pub data: Vec<u8>,
}

/// One RTP packet: the fixed header, optional CSRCs and extension, payload and padding.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RtpPacket {
    /// Marker bit (for audio: first packet of a talkspurt).
    pub marker: bool,
    /// 7-bit payload type.
    pub payload_type: u8,
    /// Sequence number.
    pub sequence: u16,
    /// Media timestamp in clock-rate units.
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Contributing sources (at most 15).
    pub csrcs: Vec<u32>,
    /// Header extension, if present.
    pub extension: Option<HeaderExtension>,
    /// The payload without padding.
    pub payload: Vec<u8>,
    /// Number of padding bytes after the payload (0 = no padding bit).
    pub padding: u8,
}

/// Size of the fixed RTP header.
pub const HEADER_LEN: usize = 12;

fn need(bytes: &[u8], needed: usize) -> Result<(), PacketError> {
    if bytes.len() < needed {
        Err(PacketError::Truncated {
            needed,
            available: bytes.len(),
        })
    } else {
        Ok(())
    }
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([bytes[at], bytes[at + 1]])
}

fn be32(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl RtpPacket {
    /// Parses a datagram; every length is checked before it is used.
    pub fn parse(bytes: &[u8]) -> Result<RtpPacket, PacketError> {
        need(bytes, HEADER_LEN)?;
        let version = bytes[0] >> 6;
        if version != 2 {
            return Err(PacketError::BadVersion(version));
        }
        let has_padding = bytes[0] & 0x20 != 0;
        let has_extension = bytes[0] & 0x10 != 0;
        let csrc_count = (bytes[0] & 0x0F) as usize;
        let mut at = HEADER_LEN;
        need(bytes, at + csrc_count * 4)?;
        let csrcs = (0..csrc_count).map(|i| be32(bytes, at + i * 4)).collect();
        at += csrc_count * 4;
        let extension = if has_extension {
            need(bytes, at + 4)?;
            let profile = be16(bytes, at);
            let words = be16(bytes, at + 2) as usize;
            at += 4;
            need(bytes, at + words * 4)?;
            let data = bytes[at..at + words * 4].to_vec();
            at += words * 4;
            Some(HeaderExtension { profile, data })
        } else {
            None
        };
        let mut end = bytes.len();
        let mut padding = 0;
        if has_padding {
            let payload_len = end - at;
            // `end > at` is not guaranteed: a header that exactly fills the datagram has no padding byte.
            let count = if payload_len == 0 { 0 } else { bytes[end - 1] };
            if count == 0 || count as usize > payload_len {
                return Err(PacketError::BadPadding { count, payload_len });
            }
            padding = count;
            end -= count as usize;
        }
        Ok(RtpPacket {
            marker: bytes[1] & 0x80 != 0,
            payload_type: bytes[1] & 0x7F,
            sequence: be16(bytes, 2),
            timestamp: be32(bytes, 4),
            ssrc: be32(bytes, 8),
            csrcs,
            extension,
            payload: bytes[at..end].to_vec(),
            padding,
        })
    }

    /// Serialises the packet, appending to `out`. CSRCs beyond 15 and extension bytes beyond whole words
    /// are dropped so the header stays self-consistent.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let csrcs = &self.csrcs[..self.csrcs.len().min(15)];
        let mut first = 0x80 | csrcs.len() as u8;
        if self.padding > 0 {
            first |= 0x20;
        }
        if self.extension.is_some() {
            first |= 0x10;
        }
        out.push(first);
        out.push(((self.marker as u8) << 7) | (self.payload_type & 0x7F));
        out.extend_from_slice(&self.sequence.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for csrc in csrcs {
            out.extend_from_slice(&csrc.to_be_bytes());
        }
        if let Some(ext) = &self.extension {
            let words = (ext.data.len() / 4).min(u16::MAX as usize);
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&(words as u16).to_be_bytes());
            out.extend_from_slice(&ext.data[..words * 4]);
        }
        out.extend_from_slice(&self.payload);
        if self.padding > 0 {
            out.extend(std::iter::repeat_n(0u8, self.padding as usize - 1));
            out.push(self.padding);
        }
    }

    /// Serialises the packet into a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + self.payload.len() + 4 * self.csrcs.len());
        self.write_to(&mut out);
        out
    }
}
