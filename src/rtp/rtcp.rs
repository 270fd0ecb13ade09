//! RTCP (RFC 3550 §6): sender and receiver reports, SDES CNAME and BYE — parsing compound packets safely
//! and serialising the reports softcall sends every few seconds.

/// Why a datagram is not a valid RTCP compound packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtcpError {
    /// A packet or block is shorter than its header or declared length says.
    #[error("RTCP packet truncated at byte {at}: {needed} bytes needed, {available} available")]
    Truncated {
        /// Offset of the packet in the compound datagram.
        at: usize,
        /// Bytes the packet declares or needs.
        needed: usize,
        /// Bytes left in the datagram.
        available: usize,
    },
    /// The version field is not 2.
    #[error("RTCP version {0} is not supported (only version 2)")]
    BadVersion(u8),
    /// The datagram contains no packet.
    #[error("empty RTCP datagram")]
    Empty,
}

/// Packet type of a sender report.
pub const PT_SR: u8 = 200;
/// Packet type of a receiver report.
pub const PT_RR: u8 = 201;
/// Packet type of source description.
pub const PT_SDES: u8 = 202;
/// Packet type of goodbye.
pub const PT_BYE: u8 = 203;

/// One reception report block: how a receiver hears one source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReportBlock {
    /// The source this block reports on.
    pub ssrc: u32,
    /// Fraction of packets lost since the previous report, in 1/256.
    pub fraction_lost: u8,
    /// Packets lost since the start (24-bit signed; negative with duplicates).
    pub cumulative_lost: i32,
    /// Highest sequence number received, extended with the count of wrap-arounds.
    pub extended_highest_sequence: u32,
    /// Interarrival jitter in timestamp units.
    pub jitter: u32,
    /// Middle 32 bits of the NTP timestamp of the last sender report received (0 if none).
    pub last_sr: u32,
    /// Delay since that sender report in 1/65536 s (0 if none).
    pub delay_since_last_sr: u32,
}

/// The sender information block of a sender report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SenderInfo {
    /// Wall clock time of the report (64-bit NTP format).
    pub ntp_timestamp: u64,
    /// The same instant in RTP timestamp units.
    pub rtp_timestamp: u32,
    /// Packets sent since the start.
    pub packet_count: u32,
    /// Payload octets sent since the start.
    pub octet_count: u32,
}

/// One packet of an RTCP compound datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RtcpPacket {
    /// Sender report (SR, 200).
    SenderReport {
        /// The sender's SSRC.
        ssrc: u32,
        /// What it sent.
        info: SenderInfo,
        /// What it received.
        reports: Vec<ReportBlock>,
    },
    /// Receiver report (RR, 201).
    ReceiverReport {
        /// The receiver's SSRC.
        ssrc: u32,
        /// What it received.
        reports: Vec<ReportBlock>,
    },
    /// Source description (SDES, 202): the CNAME of each chunk that has one.
    SourceDescription(Vec<(u32, String)>),
    /// Goodbye (BYE, 203): the sources leaving.
    Bye(Vec<u32>),
    /// Another packet type, skipped.
    Other(u8),
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

fn parse_block(b: &[u8]) -> ReportBlock {
    let lost = (be32(b, 4) & 0x00FF_FFFF) as i32;
    ReportBlock {
        ssrc: be32(b, 0),
        fraction_lost: b[4],
        // Sign-extend the 24-bit field.
        cumulative_lost: (lost << 8) >> 8,
        extended_highest_sequence: be32(b, 8),
        jitter: be32(b, 12),
        last_sr: be32(b, 16),
        delay_since_last_sr: be32(b, 20),
    }
}

fn parse_blocks(body: &[u8], count: usize) -> Vec<ReportBlock> {
    body.chunks_exact(24).take(count).map(parse_block).collect()
}

fn parse_sdes(body: &[u8], count: usize) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut at = 0;
    for _ in 0..count {
        if at + 4 > body.len() {
            break;
        }
        let ssrc = be32(body, at);
        at += 4;
        while let Some(&kind) = body.get(at) {
            if kind == 0 {
                // End of the item list: skip to the next 32-bit boundary.
                at = (at + 4) & !3;
                break;
            }
            let Some(&len) = body.get(at + 1) else { break };
            let start = at + 2;
            let end = start + len as usize;
            if end > body.len() {
                at = body.len();
                break;
            }
            if kind == 1 {
                out.push((
                    ssrc,
                    String::from_utf8_lossy(&body[start..end]).into_owned(),
                ));
            }
            at = end;
        }
    }
    out
}

impl RtcpPacket {
    /// Parses a compound RTCP datagram into its packets; malformed input is an error, never a panic.
    pub fn parse_compound(bytes: &[u8]) -> Result<Vec<RtcpPacket>, RtcpError> {
        let mut packets = Vec::new();
        let mut at = 0;
        while at < bytes.len() {
            let rest = &bytes[at..];
            if rest.len() < 4 {
                return Err(RtcpError::Truncated {
                    at,
                    needed: 4,
                    available: rest.len(),
                });
            }
            let version = rest[0] >> 6;
            if version != 2 {
                return Err(RtcpError::BadVersion(version));
            }
            let count = (rest[0] & 0x1F) as usize;
            let packet_type = rest[1];
            let len = (u16::from_be_bytes([rest[2], rest[3]]) as usize + 1) * 4;
            if rest.len() < len {
                return Err(RtcpError::Truncated {
                    at,
                    needed: len,
                    available: rest.len(),
                });
            }
            let mut body = &rest[4..len];
            if rest[0] & 0x20 != 0 {
                // Padding: the last byte counts the padding bytes.
                let pad = *body.last().unwrap_or(&0) as usize;
                body = &body[..body.len().saturating_sub(pad)];
            }
            let too_short = |needed: usize| RtcpError::Truncated {
                at,
                needed: needed + 4,
                available: body.len() + 4,
            };
            let packet = match packet_type {
                PT_SR => {
                    if body.len() < 24 {
                        return Err(too_short(24));
                    }
                    RtcpPacket::SenderReport {
                        ssrc: be32(body, 0),
                        info: SenderInfo {
                            ntp_timestamp: (be32(body, 4) as u64) << 32 | be32(body, 8) as u64,
                            rtp_timestamp: be32(body, 12),
                            packet_count: be32(body, 16),
                            octet_count: be32(body, 20),
                        },
                        reports: parse_blocks(&body[24..], count),
                    }
                }
                PT_RR => {
                    if body.len() < 4 {
                        return Err(too_short(4));
                    }
                    RtcpPacket::ReceiverReport {
                        ssrc: be32(body, 0),
                        reports: parse_blocks(&body[4..], count),
                    }
                }
                PT_SDES => RtcpPacket::SourceDescription(parse_sdes(body, count)),
                PT_BYE => RtcpPacket::Bye(
                    body.chunks_exact(4)
                        .take(count)
                        .map(|c| be32(c, 0))
                        .collect(),
                ),
                other => RtcpPacket::Other(other),
            };
            packets.push(packet);
            at += len;
        }
        if packets.is_empty() {
            return Err(RtcpError::Empty);
        }
        Ok(packets)
    }

    /// Serialises this packet, appending to `out` (at most 31 report blocks or sources are written).
    pub fn write_to(&self, out: &mut Vec<u8>) {
        let start = out.len();
        let (count, packet_type) = match self {
            RtcpPacket::SenderReport { reports, .. } => (reports.len().min(31), PT_SR),
            RtcpPacket::ReceiverReport { reports, .. } => (reports.len().min(31), PT_RR),
            RtcpPacket::SourceDescription(chunks) => (chunks.len().min(31), PT_SDES),
            RtcpPacket::Bye(sources) => (sources.len().min(31), PT_BYE),
            RtcpPacket::Other(pt) => (0, *pt),
        };
        out.extend_from_slice(&[0x80 | count as u8, packet_type, 0, 0]);
        match self {
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports,
            } => {
                out.extend_from_slice(&ssrc.to_be_bytes());
                out.extend_from_slice(&info.ntp_timestamp.to_be_bytes());
                out.extend_from_slice(&info.rtp_timestamp.to_be_bytes());
                out.extend_from_slice(&info.packet_count.to_be_bytes());
                out.extend_from_slice(&info.octet_count.to_be_bytes());
                write_blocks(out, &reports[..count]);
            }
            RtcpPacket::ReceiverReport { ssrc, reports } => {
                out.extend_from_slice(&ssrc.to_be_bytes());
                write_blocks(out, &reports[..count]);
            }
            RtcpPacket::SourceDescription(chunks) => {
                for (ssrc, cname) in &chunks[..count] {
                    out.extend_from_slice(&ssrc.to_be_bytes());
                    let text = &cname.as_bytes()[..cname.len().min(255)];
                    out.push(1);
                    out.push(text.len() as u8);
                    out.extend_from_slice(text);
                    // The terminating null item, then pad the chunk to a 32-bit boundary.
                    out.push(0);
                    while !(out.len() - start).is_multiple_of(4) {
                        out.push(0);
                    }
                }
            }
            RtcpPacket::Bye(sources) => {
                for ssrc in &sources[..count] {
                    out.extend_from_slice(&ssrc.to_be_bytes());
                }
            }
            RtcpPacket::Other(_) => {}
        }
        let words = ((out.len() - start) / 4 - 1) as u16;
        out[start + 2..start + 4].copy_from_slice(&words.to_be_bytes());
    }

    /// Serialises a compound datagram of several packets.
    pub fn compound_to_bytes(packets: &[RtcpPacket]) -> Vec<u8> {
        let mut out = Vec::new();
        for packet in packets {
            packet.write_to(&mut out);
        }
        out
    }
}

fn write_blocks(out: &mut Vec<u8>, blocks: &[ReportBlock]) {
    for block in blocks {
        out.extend_from_slice(&block.ssrc.to_be_bytes());
        let lost = (block.cumulative_lost.clamp(-0x80_0000, 0x7F_FFFF) as u32) & 0x00FF_FFFF;
        out.extend_from_slice(&((block.fraction_lost as u32) << 24 | lost).to_be_bytes());
        out.extend_from_slice(&block.extended_highest_sequence.to_be_bytes());
        out.extend_from_slice(&block.jitter.to_be_bytes());
        out.extend_from_slice(&block.last_sr.to_be_bytes());
        out.extend_from_slice(&block.delay_since_last_sr.to_be_bytes());
    }
}

/// Seconds between the NTP epoch (1900) and the Unix epoch (1970).
const NTP_UNIX_OFFSET: u64 = 2_208_988_800;

/// A wall-clock time in the 64-bit NTP format used by sender reports.
pub fn ntp_timestamp(time: std::time::SystemTime) -> u64 {
    let since = time
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let seconds = since.as_secs() + NTP_UNIX_OFFSET;
    let fraction = ((since.subsec_nanos() as u64) << 32) / 1_000_000_000;
    (seconds << 32) | fraction
}

/// The middle 32 bits of an NTP timestamp (the LSR field).
pub fn ntp_middle(ntp: u64) -> u32 {
    (ntp >> 16) as u32
}
