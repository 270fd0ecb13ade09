use softcall::rtp::g711::Codec;
use softcall::rtp::packet::{HeaderExtension, PacketError, RtpPacket};
use softcall::rtp::packetizer::Packetizer;

#[test]
fn minimal_packet_parses_field_by_field() {
    let bytes = [
        0x80, 0x88, 0x12, 0x34, 0x00, 0x00, 0x01, 0x00, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3,
    ];
    let p = RtpPacket::parse(&bytes).unwrap();
    assert!(p.marker);
    assert_eq!(p.payload_type, 8);
    assert_eq!(p.sequence, 0x1234);
    assert_eq!(p.timestamp, 256);
    assert_eq!(p.ssrc, 0xDEADBEEF);
    assert_eq!(p.payload, vec![1, 2, 3]);
    assert_eq!(p.to_bytes(), bytes);
}

#[test]
fn csrc_extension_and_padding_round_trip() {
    let p = RtpPacket {
        marker: false,
        payload_type: 101,
        sequence: 65535,
        timestamp: u32::MAX,
        ssrc: 7,
        csrcs: vec![1, 2, 3],
        extension: Some(HeaderExtension {
            profile: 0xBEDE,
            data: vec![9, 8, 7, 6, 5, 4, 3, 2],
        }),
        payload: vec![0xAA; 20],
        padding: 4,
    };
    let bytes = p.to_bytes();
    assert_eq!(bytes[0], 0x80 | 0x20 | 0x10 | 3);
    assert_eq!(bytes.len(), 12 + 12 + 4 + 8 + 20 + 4);
    assert_eq!(*bytes.last().unwrap(), 4);
    assert_eq!(RtpPacket::parse(&bytes).unwrap(), p);
}

#[test]
fn malformed_packets_are_named_errors() {
    assert!(matches!(
        RtpPacket::parse(&[0x80; 5]),
        Err(PacketError::Truncated {
            needed: 12,
            available: 5
        })
    ));
    let mut v1 = vec![0x40u8; 12];
    v1[0] = 0x40;
    assert_eq!(RtpPacket::parse(&v1), Err(PacketError::BadVersion(1)));
    // 15 CSRCs announced, none present.
    let mut csrc = vec![0u8; 16];
    csrc[0] = 0x8F;
    assert!(matches!(
        RtpPacket::parse(&csrc),
        Err(PacketError::Truncated { .. })
    ));
    // Extension length larger than the datagram.
    let mut ext = vec![0u8; 16];
    ext[0] = 0x90;
    ext[14] = 0xFF;
    assert!(matches!(
        RtpPacket::parse(&ext),
        Err(PacketError::Truncated { .. })
    ));
    // Padding count larger than the payload, and zero.
    let mut pad = vec![0u8; 14];
    pad[0] = 0xA0;
    pad[13] = 9;
    assert!(matches!(
        RtpPacket::parse(&pad),
        Err(PacketError::BadPadding { count: 9, .. })
    ));
    pad[13] = 0;
    assert!(matches!(
        RtpPacket::parse(&pad),
        Err(PacketError::BadPadding { count: 0, .. })
    ));
    let mut bare = vec![0u8; 12];
    bare[0] = 0xA0;
    assert!(matches!(
        RtpPacket::parse(&bare),
        Err(PacketError::BadPadding { .. })
    ));
}

#[test]
fn packetiser_numbers_stamps_and_marks() {
    let frame = super::tone(300.0, 5000.0, 0.02)[0];
    let mut pz = Packetizer::new(Codec::Pcmu, 0x5151, 65534, u32::MAX - 200);
    let first = pz.silence();
    assert!(first.marker, "first packet of the stream is marked");
    let second = pz.silence();
    assert!(!second.marker);
    let talk = pz.audio(&frame);
    assert!(talk.marker, "first packet of a talkspurt is marked");
    let talk2 = pz.audio(&frame);
    assert!(!talk2.marker);
    assert_eq!(
        [
            first.sequence,
            second.sequence,
            talk.sequence,
            talk2.sequence
        ],
        [65534, 65535, 0, 1]
    );
    assert_eq!(second.timestamp, first.timestamp.wrapping_add(160));
    assert_eq!(talk.timestamp, first.timestamp.wrapping_add(320));
    assert_eq!(talk2.timestamp, 279, "timestamp wraps past u32::MAX");
    assert!([first.ssrc, second.ssrc, talk.ssrc, talk2.ssrc]
        .iter()
        .all(|&s| s == 0x5151));
    assert_eq!(talk.payload, Codec::Pcmu.encode_frame(&frame).to_vec());
    assert_eq!(talk.payload_type, 0);
    // Skipped slots advance the timestamp but not the sequence number.
    pz.skip();
    pz.end_talkspurt();
    let after = pz.audio(&frame);
    assert!(after.marker);
    assert_eq!(after.sequence, 2);
    assert_eq!(after.timestamp, talk2.timestamp.wrapping_add(320));
    assert_eq!(pz.packets_sent(), 5);
    assert_eq!(pz.octets_sent(), 5 * 160);
}
