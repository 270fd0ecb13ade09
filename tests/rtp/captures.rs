//! Real RTP captured from other equipment (the pcaps shipped with sipp): RFC 2833 key presses from a phone
//! and a 30 ms-ptime A-law stream.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use softcall::rtp::dtmf::{DtmfReceiver, TelephoneEvent};
use softcall::rtp::jitter::{FrameSource, JitterBuffer, JitterConfig};
use softcall::rtp::packet::RtpPacket;
use softcall::rtp::{Codec, MediaEvent, MediaOptions, MediaSession};

const CAPTURES: &str = "/usr/share/sip-tester";

/// The folder of sipp's capture files, or a loud skip.
fn captures() -> Option<PathBuf> {
    let dir = PathBuf::from(CAPTURES);
    if dir.join("g711a.pcap").exists() {
        return Some(dir);
    }
    crate::skip::missing(&format!(
        "sipp capture files missing in {CAPTURES} (apt-get install sip-tester)"
    ));
    None
}

/// UDP payloads of an Ethernet/IPv4 pcap with their capture time offsets.
fn udp_payloads(path: &Path) -> Vec<(Duration, Vec<u8>)> {
    let data = std::fs::read(path).unwrap();
    assert_eq!(
        &data[..4],
        &[0xD4, 0xC3, 0xB2, 0xA1],
        "little-endian microsecond pcap"
    );
    let u32le =
        |at: usize| u32::from_le_bytes([data[at], data[at + 1], data[at + 2], data[at + 3]]);
    assert_eq!(u32le(20), 1, "Ethernet link type");
    let mut out = Vec::new();
    let mut at = 24;
    let mut first = None;
    while at + 16 <= data.len() {
        let time =
            Duration::from_secs(u32le(at) as u64) + Duration::from_micros(u32le(at + 4) as u64);
        let len = u32le(at + 8) as usize;
        let frame = &data[at + 16..at + 16 + len];
        at += 16 + len;
        let ip = &frame[14..];
        let udp = &ip[((ip[0] & 0x0F) as usize) * 4..];
        let first = *first.get_or_insert(time);
        out.push((time - first, udp[8..].to_vec()));
    }
    out
}

#[test]
fn every_recorded_key_press_is_reported_exactly_once() {
    let Some(dir) = captures() else { return };
    let t0 = Instant::now();
    let mut receiver = DtmfReceiver::new();
    let mut keys = String::new();
    let mut offset = Duration::ZERO;
    for name in [
        "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "star", "pound",
    ] {
        let packets = udp_payloads(&dir.join(format!("dtmf_2833_{name}.pcap")));
        assert_eq!(packets.len(), 10);
        let mut from_file = String::new();
        for (at, datagram) in &packets {
            let packet = RtpPacket::parse(datagram).unwrap();
            assert_eq!(packet.payload_type, 101);
            let event = TelephoneEvent::parse(&packet.payload).unwrap();
            if let Some(key) = receiver.on_packet(packet.timestamp, event, t0 + offset + *at) {
                from_file.push(key);
            }
        }
        let expected = match name {
            "star" => "*",
            "pound" => "#",
            digit => digit,
        };
        assert_eq!(
            from_file, expected,
            "dtmf_2833_{name}.pcap: start, 6 updates, 3 ends"
        );
        keys.push_str(&from_file);
        offset += Duration::from_secs(1);
    }
    assert_eq!(keys, "0123456789*#");
}

#[test]
fn a_recorded_30ms_alaw_stream_plays_out_bit_exact_through_the_jitter_buffer() {
    let Some(dir) = captures() else { return };
    let packets = udp_payloads(&dir.join("g711a.pcap"));
    let parsed: Vec<(Duration, RtpPacket)> = packets
        .iter()
        .map(|(at, d)| (*at, RtpPacket::parse(d).unwrap()))
        .collect();
    assert_eq!(parsed.len(), 236);
    for pair in parsed.windows(2) {
        assert_eq!(pair[1].1.sequence, pair[0].1.sequence.wrapping_add(1));
        assert_eq!(
            pair[1].1.timestamp,
            pair[0].1.timestamp.wrapping_add(240),
            "30 ms packets"
        );
        assert_eq!(pair[1].1.payload_type, 8);
    }
    let mut decoded = Vec::new();
    for (_, p) in &parsed {
        Codec::Pcma.decode_into(&p.payload, &mut decoded);
    }
    // Play out on our 20 ms clock while the packets arrive at their captured times.
    let mut jitter = JitterBuffer::new(JitterConfig::default());
    let mut played = Vec::new();
    let mut next = 0;
    for slot in 0..((parsed.last().unwrap().0.as_millis() / 20) as u32 + 30) {
        let now = Duration::from_millis(20 * slot as u64);
        while next < parsed.len() && parsed[next].0 <= now {
            let mut samples = Vec::new();
            Codec::Pcma.decode_into(&parsed[next].1.payload, &mut samples);
            jitter.push(parsed[next].1.sequence, Some(samples));
            next += 1;
        }
        let (frame, source) = jitter.pop();
        if source == FrameSource::Received {
            played.extend_from_slice(&frame);
        }
    }
    let stats = jitter.stats();
    assert_eq!(
        (stats.lost, stats.late, stats.duplicates),
        (0, 0, 0),
        "{stats:?}"
    );
    assert!(
        played.len() >= decoded.len() - 160,
        "{} of {}",
        played.len(),
        decoded.len()
    );
    assert_eq!(
        &played[..decoded.len() - 160],
        &decoded[..decoded.len() - 160]
    );
    assert!(super::rms(&decoded) > 100.0, "the capture holds speech");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recorded_key_presses_and_audio_replayed_to_a_live_session() {
    let Some(dir) = captures() else { return };
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let session = MediaSession::bind(loopback, 45_000..=49_999).await.unwrap();
    let target = session.local_rtp();
    let player = tokio::net::UdpSocket::bind((loopback, 0)).await.unwrap();
    let mut call = session
        .start(
            player.local_addr().unwrap(),
            Codec::Pcma,
            Some(101),
            MediaOptions::default(),
        )
        .unwrap();
    let mut script: Vec<(Duration, Vec<u8>)> = udp_payloads(&dir.join("g711a.pcap"))
        .into_iter()
        .take(50)
        .collect();
    for (n, name) in ["pound", "7"].iter().enumerate() {
        let base = Duration::from_millis(1600 + 300 * n as u64);
        script.extend(
            udp_payloads(&dir.join(format!("dtmf_2833_{name}.pcap")))
                .into_iter()
                .map(|(at, d)| (base + at, d)),
        );
    }
    let replay = tokio::spawn(async move {
        let start = tokio::time::Instant::now();
        for (at, datagram) in script {
            tokio::time::sleep_until(start + at).await;
            player.send_to(&datagram, target).await.unwrap();
        }
    });
    let mut keys = String::new();
    let mut heard = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(2800);
    while let Ok(Some(event)) = tokio::time::timeout_at(deadline, call.next_event()).await {
        match event {
            MediaEvent::Dtmf(key) => keys.push(key),
            MediaEvent::Audio(frame) => heard.extend_from_slice(&frame),
            MediaEvent::Timeout => panic!("media flowed"),
        }
    }
    replay.await.unwrap();
    assert_eq!(keys, "#7");
    assert!(
        super::rms(super::active(&heard)) > 100.0,
        "the captured speech was heard"
    );
    let stats = call.stop().await;
    assert_eq!(stats.dtmf_received, 2);
    let _: SocketAddr = stats.remote.unwrap();
}
