use std::time::{Duration, Instant};

use proptest::prelude::*;
use softcall::rtp::dtmf::{DtmfReceiver, TelephoneEvent};
use softcall::rtp::jitter::{JitterBuffer, JitterConfig};
use softcall::rtp::packet::{HeaderExtension, RtpPacket};
use softcall::rtp::rtcp::{ReportBlock, RtcpPacket, SenderInfo};
use softcall::rtp::stats::ReceptionStats;

fn valid_rtp() -> impl Strategy<Value = RtpPacket> {
    (
        any::<bool>(),
        0u8..128,
        any::<u16>(),
        any::<u32>(),
        any::<u32>(),
        proptest::collection::vec(any::<u32>(), 0..16),
        proptest::option::of((
            any::<u16>(),
            proptest::collection::vec(any::<[u8; 4]>(), 0..4),
        )),
        proptest::collection::vec(any::<u8>(), 0..200),
        0u8..8,
    )
        .prop_map(
            |(marker, payload_type, sequence, timestamp, ssrc, csrcs, ext, payload, padding)| {
                RtpPacket {
                    marker,
                    payload_type,
                    sequence,
                    timestamp,
                    ssrc,
                    csrcs,
                    extension: ext.map(|(profile, words)| HeaderExtension {
                        profile,
                        data: words.concat(),
                    }),
                    payload,
                    padding,
                }
            },
        )
}

/// A valid compound packet (SR + SDES + BYE) as its parts.
fn valid_rtcp_packets() -> impl Strategy<Value = Vec<RtcpPacket>> {
    (
        any::<u32>(),
        any::<u64>(),
        proptest::collection::vec(any::<(u32, u8, u32, u32)>(), 0..4),
        "[a-z]{0,40}",
    )
        .prop_map(|(ssrc, ntp, blocks, cname)| {
            let reports = blocks
                .into_iter()
                .map(|(ssrc, fraction_lost, ext, jitter)| ReportBlock {
                    ssrc,
                    fraction_lost,
                    cumulative_lost: (ext as i32) >> 8,
                    extended_highest_sequence: ext,
                    jitter,
                    last_sr: ext ^ jitter,
                    delay_since_last_sr: jitter,
                })
                .collect();
            vec![
                RtcpPacket::SenderReport {
                    ssrc,
                    info: SenderInfo {
                        ntp_timestamp: ntp,
                        rtp_timestamp: ssrc,
                        packet_count: 1,
                        octet_count: 2,
                    },
                    reports,
                },
                RtcpPacket::SourceDescription(vec![(ssrc, cname)]),
                RtcpPacket::Bye(vec![ssrc]),
            ]
        })
}

/// The bytes of a valid compound packet.
fn valid_rtcp() -> impl Strategy<Value = Vec<u8>> {
    valid_rtcp_packets().prop_map(|packets| RtcpPacket::compound_to_bytes(&packets))
}

/// Flips, overwrites, truncates or extends bytes of a valid datagram.
fn mutate(mut bytes: Vec<u8>, edits: Vec<(usize, u8, u8)>) -> Vec<u8> {
    for (at, value, kind) in edits {
        if bytes.is_empty() {
            bytes.push(value);
            continue;
        }
        let at = at % bytes.len();
        match kind % 4 {
            0 => bytes[at] ^= value,
            1 => bytes[at] = value,
            2 => bytes.truncate(at),
            _ => bytes.insert(at, value),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes_never_panic_the_parsers(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = RtpPacket::parse(&bytes);
        let _ = RtcpPacket::parse_compound(&bytes);
        let _ = TelephoneEvent::parse(&bytes);
    }

    #[test]
    fn valid_rtp_round_trips(packet in valid_rtp()) {
        let bytes = packet.to_bytes();
        let mut expected = packet.clone();
        expected.csrcs.truncate(15);
        prop_assert_eq!(RtpPacket::parse(&bytes).unwrap(), expected);
    }

    #[test]
    fn mutated_rtp_never_panics(packet in valid_rtp(), edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)) {
        let bytes = mutate(packet.to_bytes(), edits);
        if let Ok(parsed) = RtpPacket::parse(&bytes) {
            // Whatever parses serialises back to a parseable packet.
            prop_assert!(RtpPacket::parse(&parsed.to_bytes()).is_ok());
        }
    }

    #[test]
    fn mutated_rtcp_never_panics(bytes in valid_rtcp(), edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..6)) {
        let mutated = mutate(bytes, edits);
        if let Ok(packets) = RtcpPacket::parse_compound(&mutated) {
            // Whatever parses serialises back to the same packets.
            prop_assert!(!packets.is_empty());
            let again = RtcpPacket::parse_compound(&RtcpPacket::compound_to_bytes(&packets));
            prop_assert_eq!(again, Ok(packets));
        }
    }

    #[test]
    fn valid_rtcp_compound_round_trips(packets in valid_rtcp_packets()) {
        let bytes = RtcpPacket::compound_to_bytes(&packets);
        prop_assert_eq!(RtcpPacket::parse_compound(&bytes), Ok(packets.clone()));
        prop_assert_eq!(RtcpPacket::compound_to_bytes(&RtcpPacket::parse_compound(&bytes).unwrap()), bytes);
    }

    #[test]
    fn hostile_streams_never_panic_the_receive_cores(
        packets in proptest::collection::vec((any::<u16>(), any::<u32>(), any::<u32>(), any::<[u8; 4]>(), any::<bool>()), 0..300)
    ) {
        let t0 = Instant::now();
        let mut jitter = JitterBuffer::new(JitterConfig::default());
        let mut stats = ReceptionStats::new();
        let mut dtmf = DtmfReceiver::new();
        for (i, (seq, ts, ssrc, payload, audio)) in packets.into_iter().enumerate() {
            let now = t0 + Duration::from_millis(i as u64 * 7);
            stats.on_packet(ssrc % 3, seq, ts, 160, now);
            jitter.push(seq, audio.then(|| vec![seq as i16; 160]));
            prop_assert!(jitter.len() <= JitterConfig::default().capacity);
            if let Ok(event) = TelephoneEvent::parse(&payload) {
                let _ = dtmf.on_packet(ts, event, now);
            }
            if i % 3 == 0 {
                let _ = jitter.pop();
                let _ = stats.report_block(now);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever packets of a key sequence are lost, every key with at least one surviving packet is
    /// reported exactly once and in order.
    #[test]
    fn dtmf_keys_survive_packet_loss_once_each(
        keys in "[0-9*#A-D]{1,8}",
        tone_ms in 40u64..300,
        gap_ms in 0u64..120,
        loss in proptest::collection::vec(any::<bool>(), 400),
    ) {
        use softcall::rtp::dtmf::DtmfSender;
        let mut sender = DtmfSender::new(Duration::from_millis(tone_ms), Duration::from_millis(gap_ms), 10);
        for key in keys.chars() {
            sender.push(key).unwrap();
        }
        let t0 = Instant::now();
        let mut receiver = DtmfReceiver::new();
        let (mut expected, mut got) = (String::new(), String::new());
        let mut last_ts = None;
        let mut event_index = 0usize;
        let key_list: Vec<char> = keys.chars().collect();
        let mut survived_this_event = false;
        for slot in 0..4000u32 {
            let Some(packet) = sender.tick(slot * 160) else {
                if !sender.is_busy() { break; }
                continue;
            };
            if last_ts != Some(packet.timestamp) {
                if last_ts.is_some() {
                    if survived_this_event { expected.push(key_list[event_index]); }
                    event_index += 1;
                }
                last_ts = Some(packet.timestamp);
                survived_this_event = false;
            }
            if loss[slot as usize % loss.len()] {
                continue;
            }
            survived_this_event = true;
            if let Some(key) = receiver.on_packet(packet.timestamp, packet.event, t0 + Duration::from_millis(20 * slot as u64)) {
                got.push(key);
            }
        }
        if survived_this_event { expected.push(key_list[event_index]); }
        prop_assert_eq!(got, expected);
    }

    /// Packets reordered by less than the playout delay come out in order, none lost or concealed.
    #[test]
    fn shallow_reordering_is_fully_repaired(swaps in proptest::collection::vec(any::<bool>(), 1..200), start in any::<u16>()) {
        let n = swaps.len() + 1;
        let mut order: Vec<u16> = (0..n as u16).collect();
        let mut i = 0;
        while i + 1 < n {
            if swaps[i] {
                order.swap(i, i + 1);
                i += 2;
            } else {
                i += 1;
            }
        }
        let mut jitter = JitterBuffer::new(JitterConfig::default());
        let mut played = Vec::new();
        let mut concealed_mid_stream = 0;
        for &k in order.iter().chain(std::iter::repeat_n(&u16::MAX, 6)) {
            if k != u16::MAX {
                jitter.push(start.wrapping_add(k), Some(vec![k as i16; 160]));
            }
            let (frame, source) = jitter.pop();
            match source {
                softcall::rtp::jitter::FrameSource::Received => played.push(frame[0] as u16),
                softcall::rtp::jitter::FrameSource::Concealed if played.len() < n => concealed_mid_stream += 1,
                _ => {}
            }
        }
        prop_assert_eq!(played, (0..n as u16).collect::<Vec<_>>());
        prop_assert_eq!(jitter.stats().lost, 0);
        prop_assert_eq!(concealed_mid_stream, 0);
    }
}
