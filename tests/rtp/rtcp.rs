use std::time::{Duration, Instant, UNIX_EPOCH};

use softcall::rtp::rtcp::{
    ntp_middle, ntp_timestamp, ReportBlock, RtcpError, RtcpPacket, SenderInfo,
};
use softcall::rtp::stats::{round_trip_time, ReceptionStats};

#[test]
fn compound_report_round_trips() {
    let block = |ssrc, lost| ReportBlock {
        ssrc,
        fraction_lost: 25,
        cumulative_lost: lost,
        extended_highest_sequence: 0x0001_0005,
        jitter: 80,
        last_sr: 0x1234_5678,
        delay_since_last_sr: 65536,
    };
    let compound = vec![
        RtcpPacket::SenderReport {
            ssrc: 42,
            info: SenderInfo {
                ntp_timestamp: 0xE000_0000_8000_0000,
                rtp_timestamp: 123_456,
                packet_count: 250,
                octet_count: 40_000,
            },
            reports: vec![block(7, 10), block(8, -3)],
        },
        RtcpPacket::SourceDescription(vec![(42, "softcall".into())]),
        RtcpPacket::Bye(vec![42]),
    ];
    let bytes = RtcpPacket::compound_to_bytes(&compound);
    assert_eq!(bytes.len() % 4, 0);
    assert_eq!(bytes[1], 200);
    assert_eq!(RtcpPacket::parse_compound(&bytes).unwrap(), compound);
    let rr = vec![RtcpPacket::ReceiverReport {
        ssrc: 9,
        reports: vec![block(42, 0)],
    }];
    assert_eq!(
        RtcpPacket::parse_compound(&RtcpPacket::compound_to_bytes(&rr)).unwrap(),
        rr
    );
}

#[test]
fn malformed_rtcp_is_a_named_error() {
    assert_eq!(RtcpPacket::parse_compound(&[]), Err(RtcpError::Empty));
    assert_eq!(
        RtcpPacket::parse_compound(&[0x40, 200, 0, 0]),
        Err(RtcpError::BadVersion(1))
    );
    // Length says 7 words, datagram has 2.
    assert!(matches!(
        RtcpPacket::parse_compound(&[0x80, 200, 0, 6, 0, 0, 0, 0]),
        Err(RtcpError::Truncated { needed: 28, .. })
    ));
    // An SR too short for its sender info.
    assert!(matches!(
        RtcpPacket::parse_compound(&[0x80, 200, 0, 1, 0, 0, 0, 1]),
        Err(RtcpError::Truncated { .. })
    ));
}

#[test]
fn loss_fraction_and_extended_sequence_follow_rfc3550() {
    let t0 = Instant::now();
    let mut stats = ReceptionStats::new();
    // 100 packets starting near the wrap, every 10th lost.
    let mut received = 0;
    for i in 0..100u32 {
        let seq = 65_500u32.wrapping_add(i) as u16;
        if i % 10 == 3 {
            continue;
        }
        received += 1;
        stats.on_packet(
            0xABCD,
            seq,
            i * 160,
            160,
            t0 + Duration::from_millis(20 * i as u64),
        );
    }
    assert_eq!(stats.packets_received(), received);
    assert_eq!(
        stats.extended_highest_sequence(),
        (1 << 16) + 63,
        "65500 + 99 wrapped once"
    );
    assert_eq!(stats.expected(), 100);
    assert_eq!(stats.cumulative_lost(), 10);
    let block = stats.report_block(t0 + Duration::from_secs(2));
    assert_eq!(block.ssrc, 0xABCD);
    assert_eq!(block.fraction_lost, (10 * 256 / 100) as u8);
    assert_eq!(block.cumulative_lost, 10);
    assert_eq!(block.extended_highest_sequence, 65_536 + 63);
    assert_eq!(block.jitter, 0, "steady arrival has no jitter");
    assert_eq!((block.last_sr, block.delay_since_last_sr), (0, 0));
    // The next interval loses nothing: the fraction covers only the interval.
    for i in 100..150u32 {
        stats.on_packet(
            0xABCD,
            65_500u32.wrapping_add(i) as u16,
            i * 160,
            160,
            t0 + Duration::from_millis(20 * i as u64),
        );
    }
    let block = stats.report_block(t0 + Duration::from_secs(3));
    assert_eq!(block.fraction_lost, 0);
    assert_eq!(block.cumulative_lost, 10);
    assert_eq!(stats.octets_received(), (received as u64 + 50) * 160);
}

#[test]
fn duplicates_make_cumulative_loss_negative_and_reordering_does_not_wrap() {
    let t0 = Instant::now();
    let mut stats = ReceptionStats::new();
    for (i, seq) in [10u16, 11, 11, 13, 12, 14].iter().enumerate() {
        stats.on_packet(
            1,
            *seq,
            *seq as u32 * 160,
            160,
            t0 + Duration::from_millis(20 * i as u64),
        );
    }
    assert_eq!(stats.extended_highest_sequence(), 14);
    assert_eq!(stats.expected(), 5);
    assert_eq!(stats.cumulative_lost(), -1);
}

#[test]
fn interarrival_jitter_converges_to_the_transit_variation() {
    let t0 = Instant::now();
    let mut stats = ReceptionStats::new();
    // Every other packet arrives 10 ms late: transit alternates by 80 timestamp units.
    for i in 0..500u32 {
        let late = if i % 2 == 1 { 10 } else { 0 };
        let at = t0 + Duration::from_millis(20 * i as u64 + late);
        stats.on_packet(5, i as u16, i * 160, 160, at);
    }
    let j = stats.jitter();
    assert!((75..=80).contains(&j), "jitter {j}");
}

#[test]
fn sender_report_timing_gives_lsr_dlsr_and_round_trip() {
    let t0 = Instant::now();
    let mut stats = ReceptionStats::new();
    stats.on_packet(5, 1, 0, 160, t0);
    let ntp = ntp_timestamp(UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    stats.on_sender_report(ntp_middle(ntp), t0);
    let block = stats.report_block(t0 + Duration::from_millis(250));
    assert_eq!(block.last_sr, ntp_middle(ntp));
    assert_eq!(block.delay_since_last_sr, 65536 / 4);
    // The report arrives back 300 ms after the SR was sent: 250 ms held + 50 ms on the wire.
    let arrival = ntp_middle(ntp) + 65536 * 3 / 10;
    let rtt = round_trip_time(&block, arrival).unwrap();
    assert!((rtt.as_millis() as i64 - 50).abs() <= 1, "rtt {rtt:?}");
    assert_eq!(ntp >> 32, 1_700_000_000 + 2_208_988_800);
}
