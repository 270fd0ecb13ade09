//! The media core in simulated time: no sockets, no sleeping.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use proptest::prelude::*;

use super::*;
use crate::rtp::dtmf::TelephoneEvent;
use crate::rtp::jitter::JitterConfig;
use crate::rtp::packet::RtpPacket;
use crate::rtp::rtcp::RtcpPacket;

const PEER_SSRC: u32 = 0x5eed_0001;
const SLOT: Duration = Duration::from_millis(20);

fn peer() -> SocketAddr {
    "192.0.2.10:40000".parse().unwrap()
}

fn options() -> MediaOptions {
    MediaOptions {
        jitter: JitterConfig {
            prefill: 2,
            ..JitterConfig::default()
        },
        ..MediaOptions::default()
    }
}

fn core_with(options: MediaOptions, record: bool) -> (MediaCore, Instant) {
    let start = Instant::now();
    let config = CoreConfig {
        remote: peer(),
        codec: Codec::Pcmu,
        telephone_event_pt: Some(101),
        options,
        record,
    };
    (
        MediaCore::new(config, start, SystemTime::UNIX_EPOCH, 7),
        start,
    )
}

fn core() -> (MediaCore, Instant) {
    core_with(options(), false)
}

/// An audio packet of the peer whose samples all hold `level`.
fn audio(sequence: u16, ssrc: u32, level: i16) -> Vec<u8> {
    let frame = [level; FRAME_SAMPLES];
    RtpPacket {
        marker: false,
        payload_type: Codec::Pcmu.payload_type(),
        sequence,
        timestamp: u32::from(sequence) * FRAME_SAMPLES as u32,
        ssrc,
        csrcs: Vec::new(),
        extension: None,
        payload: Codec::Pcmu.encode_frame(&frame).to_vec(),
        padding: 0,
    }
    .to_bytes()
}

fn level(value: i16) -> i16 {
    Codec::Pcmu.decode_sample(Codec::Pcmu.encode_sample(value))
}

fn events(core: &mut MediaCore) -> Vec<CoreEvent> {
    std::iter::from_fn(|| core.poll_event()).collect()
}

fn transmits(core: &mut MediaCore) -> Vec<Transmit> {
    std::iter::from_fn(|| core.poll_transmit()).collect()
}

fn rtp_of(transmits: &[Transmit]) -> Vec<RtpPacket> {
    transmits
        .iter()
        .filter(|t| t.socket == Socket::Rtp)
        .map(|t| RtpPacket::parse(&t.payload).unwrap())
        .collect()
}

#[test]
fn latches_to_the_first_valid_source_and_refuses_others() {
    let (mut core, start) = core();
    let real: SocketAddr = "198.51.100.7:50000".parse().unwrap();
    let stranger: SocketAddr = "203.0.113.9:50002".parse().unwrap();
    // Garbage from a stranger does not latch.
    core.handle_datagram(start, stranger, b"not rtp at all");
    assert_eq!(core.remote(), peer());
    core.handle_datagram(start, real, &audio(1, PEER_SSRC, 100));
    assert_eq!(core.remote(), real, "the first valid stream is followed");
    assert_eq!(core.remote_rtcp(), "198.51.100.7:50001".parse().unwrap());
    core.handle_datagram(start, stranger, &audio(1, 0xbad, 100));
    assert_eq!(core.remote(), real, "another stream never takes over");
    // The same stream moving (NAT rebinding) is followed.
    let moved: SocketAddr = "198.51.100.7:50100".parse().unwrap();
    core.handle_datagram(start + SLOT, moved, &audio(2, PEER_SSRC, 100));
    assert_eq!(core.remote(), moved);
    assert_eq!(core.stats().rejected_datagrams, 2);
    core.handle_timeout(start + SLOT);
    let sent = transmits(&mut core);
    assert!(sent
        .iter()
        .filter(|t| t.socket == Socket::Rtp)
        .all(|t| t.dest == moved));
    // A new signalled address unlatches; the same one again keeps the latch.
    core.set_remote(peer());
    assert_eq!(core.remote(), moved);
    let other: SocketAddr = "192.0.2.20:41000".parse().unwrap();
    core.set_remote(other);
    assert_eq!(core.remote(), other);
    core.handle_datagram(start + SLOT * 2, stranger, &audio(1, 0xbad, 100));
    assert_eq!(
        core.remote(),
        stranger,
        "after a re-INVITE the first stream latches again"
    );
}

#[test]
fn media_timeout_fires_exactly_at_the_configured_time_once() {
    let timeout = Duration::from_millis(1_234);
    let (mut core, start) = core_with(
        MediaOptions {
            media_timeout: timeout,
            ..options()
        },
        false,
    );
    assert!(core.poll_timeout().unwrap() <= start + timeout);
    let mut now = start;
    while now < start + timeout {
        core.handle_timeout(now);
        assert!(
            !events(&mut core).contains(&CoreEvent::Timeout),
            "early at {:?}",
            now - start
        );
        now = core.poll_timeout().unwrap();
    }
    assert_eq!(
        now,
        start + timeout,
        "the timeout is one of the core's deadlines"
    );
    core.handle_timeout(now);
    assert!(events(&mut core).contains(&CoreEvent::Timeout));
    core.handle_timeout(now + timeout * 3);
    assert!(
        !events(&mut core).contains(&CoreEvent::Timeout),
        "reported once"
    );

    // RTP re-arms it, counted from the last packet.
    let last = now + Duration::from_millis(7);
    core.handle_datagram(last, peer(), &audio(1, PEER_SSRC, 0));
    core.handle_timeout(last + timeout - Duration::from_nanos(1));
    assert!(!events(&mut core).contains(&CoreEvent::Timeout));
    core.handle_timeout(last + timeout);
    assert!(events(&mut core).contains(&CoreEvent::Timeout));
}

#[test]
fn rtcp_receiver_then_sender_reports_on_the_randomised_schedule_and_bye_at_stop() {
    let interval = Duration::from_secs(5);
    let (mut core, start) = core_with(
        MediaOptions {
            send_silence: false,
            rtcp_interval: interval,
            ..options()
        },
        false,
    );
    let mut reports = Vec::new();
    let mut now = start;
    let mut sequence = 0u16;
    while now < start + Duration::from_secs(60) {
        if now >= start + Duration::from_secs(20) {
            // From 20 s the peer talks, and from 30 s we do too.
            sequence += 1;
            core.handle_datagram(now, peer(), &audio(sequence, PEER_SSRC, 500));
        }
        if now == start + Duration::from_secs(30) {
            core.play(vec![[300; FRAME_SAMPLES]; 50]);
        }
        core.handle_timeout(now);
        for t in transmits(&mut core) {
            if t.socket == Socket::Rtcp {
                assert_eq!(t.dest, "192.0.2.10:40001".parse().unwrap());
                reports.push((now, RtcpPacket::parse_compound(&t.payload).unwrap()));
            }
        }
        events(&mut core);
        now += SLOT;
    }
    assert!(reports.len() >= 60 / 8, "{} reports in 60 s", reports.len());
    let mut previous = start;
    for (at, _) in &reports {
        let gap = *at - previous;
        assert!(
            gap >= interval / 2 && gap <= interval * 3 / 2 + SLOT,
            "report after {gap:?}"
        );
        previous = *at;
    }
    let gaps: Vec<_> = reports.windows(2).map(|w| w[1].0 - w[0].0).collect();
    assert!(
        gaps.windows(2).any(|g| g[0] != g[1]),
        "the interval is randomised"
    );
    for (at, compound) in &reports {
        let since = *at - start;
        match &compound[0] {
            RtcpPacket::ReceiverReport { ssrc, reports } => {
                assert!(since < Duration::from_secs(31), "RR at {since:?}");
                assert_eq!(*ssrc, core.ssrc());
                assert_eq!(reports.len(), usize::from(since > Duration::from_secs(20)));
            }
            RtcpPacket::SenderReport {
                ssrc,
                info,
                reports,
            } => {
                assert!(since >= Duration::from_secs(30), "SR at {since:?}");
                assert_eq!(*ssrc, core.ssrc());
                assert!(info.packet_count > 0 && info.packet_count <= 50);
                assert_eq!(reports.len(), 1);
                assert_eq!(reports[0].ssrc, PEER_SSRC);
            }
            other => panic!("a report starts the compound, got {other:?}"),
        }
        assert!(matches!(compound[1], RtcpPacket::SourceDescription(_)));
    }
    core.stop(now);
    let last = transmits(&mut core);
    let bye = RtcpPacket::parse_compound(&last.last().unwrap().payload).unwrap();
    assert!(matches!(bye.last(), Some(RtcpPacket::Bye(s)) if s == &vec![core.ssrc()]));
    core.handle_timeout(now + interval * 10);
    assert!(transmits(&mut core).is_empty(), "nothing after stop");
    assert_eq!(core.poll_timeout(), None);
}

#[test]
fn the_jitter_buffer_reorders_and_conceals_through_the_core() {
    // Three packets of playout delay: packet 3, a slot late, still arrives before its playout slot.
    let jitter = JitterConfig {
        prefill: 3,
        ..JitterConfig::default()
    };
    let (mut core, start) = core_with(
        MediaOptions {
            jitter,
            ..options()
        },
        false,
    );
    // Packets 1..=10 with 3 and 4 swapped and 7 lost; each frame's level names its packet.
    let order = [1u16, 2, 4, 3, 5, 6, 8, 9, 10];
    let mut now = start;
    let mut heard = Vec::new();
    for (i, &sequence) in order.iter().enumerate() {
        core.handle_datagram(
            now,
            peer(),
            &audio(sequence, PEER_SSRC, 1000 * sequence as i16),
        );
        if i > 0 {
            core.handle_timeout(now);
        }
        now += SLOT;
    }
    for _ in 0..6 {
        core.handle_timeout(now);
        now += SLOT;
    }
    for event in events(&mut core) {
        if let CoreEvent::Audio(frame) = event {
            heard.push(frame[0]);
        }
    }
    let played: Vec<i16> = heard.into_iter().filter(|&s| s != 0).collect();
    let expected: Vec<i16> = (1..=10).map(|s| level(1000 * s)).collect();
    // Frame 7 is concealed by repeating frame 6 (attenuated), everything else in order.
    assert_eq!(&played[..6], &expected[..6]);
    assert!(played[6].abs() < expected[5].abs() && played[6].signum() == expected[5].signum());
    assert_eq!(&played[7..10], &expected[7..10]);
    let stats = core.stats();
    assert_eq!(stats.jitter_buffer.lost, 1);
    // Packet 7, then the fade after the stream stopped (`max_repeat` frames).
    assert_eq!(
        stats.jitter_buffer.concealed_frames,
        1 + u64::from(jitter.max_repeat)
    );
    assert_eq!(stats.packets_received, 9);
    assert_eq!(stats.packets_lost, 1);
}

#[test]
fn playbacks_finish_in_order_and_flush_or_stop_end_them() {
    let (mut core, start) = core();
    let first = core.play(vec![[100; FRAME_SAMPLES], [200; FRAME_SAMPLES]]);
    let empty = core.play(Vec::new());
    let second = core.play(vec![[300; FRAME_SAMPLES]]);
    let mut now = start;
    let mut ends = Vec::new();
    let mut sent = Vec::new();
    for _ in 0..5 {
        core.handle_timeout(now);
        for event in events(&mut core) {
            if let CoreEvent::PlaybackEnded(id, end) = event {
                ends.push((id, end, now - start));
            }
        }
        sent.extend(rtp_of(&transmits(&mut core)));
        now += SLOT;
    }
    assert_eq!(
        ends,
        vec![
            (first, PlaybackEnd::Finished, SLOT),
            (empty, PlaybackEnd::Finished, SLOT * 2),
            (second, PlaybackEnd::Finished, SLOT * 2),
        ],
        "a playback ends in the slot that sends its last frame"
    );
    let levels: Vec<i16> = sent
        .iter()
        .map(|p| Codec::Pcmu.decode_sample(p.payload[0]))
        .collect();
    assert_eq!(&levels[..3], &[level(100), level(200), level(300)]);
    assert!(sent[0].marker, "a talkspurt starts marked");
    assert!(sent
        .windows(2)
        .all(|w| w[1].sequence == w[0].sequence.wrapping_add(1)));

    let long = core.play(vec![[400; FRAME_SAMPLES]; 100]);
    let queued = core.play(vec![[500; FRAME_SAMPLES]; 100]);
    core.handle_timeout(now);
    core.flush();
    let flushed: Vec<_> = events(&mut core)
        .into_iter()
        .filter_map(|e| match e {
            CoreEvent::PlaybackEnded(id, end) => Some((id, end)),
            _ => None,
        })
        .collect();
    assert_eq!(
        flushed,
        vec![(long, PlaybackEnd::Flushed), (queued, PlaybackEnd::Flushed)]
    );
    let pending = core.play(vec![[600; FRAME_SAMPLES]; 100]);
    core.stop(now);
    assert_eq!(
        events(&mut core),
        vec![CoreEvent::PlaybackEnded(pending, PlaybackEnd::Stopped)]
    );
    let late = core.play(vec![[700; FRAME_SAMPLES]]);
    assert_eq!(
        events(&mut core),
        vec![CoreEvent::PlaybackEnded(late, PlaybackEnd::Stopped)]
    );
}

#[test]
fn a_key_press_is_reported_once_whatever_its_retransmissions() {
    let (mut core, start) = core();
    let event = |digit: u8, duration: u16, end: bool| TelephoneEvent {
        event: digit,
        end,
        volume: 10,
        duration,
    };
    let packet = |sequence: u16, timestamp: u32, event: TelephoneEvent| {
        RtpPacket {
            marker: false,
            payload_type: 101,
            sequence,
            timestamp,
            ssrc: PEER_SSRC,
            csrcs: Vec::new(),
            extension: None,
            payload: event.to_bytes().to_vec(),
            padding: 0,
        }
        .to_bytes()
    };
    let mut now = start;
    let mut sequence = 0;
    // Key 5: three updates, then the end packet three times (RFC 4733), then key 5 again, then #.
    for (timestamp, ev) in [
        (8000, event(5, 160, false)),
        (8000, event(5, 320, false)),
        (8000, event(5, 480, false)),
        (8000, event(5, 800, true)),
        (8000, event(5, 800, true)),
        (8000, event(5, 800, true)),
        (16000, event(5, 160, false)),
        (16000, event(5, 800, true)),
        (24000, event(11, 800, true)),
        (24000, event(11, 800, true)),
    ] {
        sequence += 1;
        core.handle_datagram(now, peer(), &packet(sequence, timestamp, ev));
        core.handle_timeout(now);
        now += SLOT;
    }
    let digits: String = events(&mut core)
        .into_iter()
        .filter_map(|e| match e {
            CoreEvent::Dtmf(d) => Some(d),
            _ => None,
        })
        .collect();
    assert_eq!(digits, "55#");
    assert_eq!(core.stats().dtmf_received, 3);
}

#[test]
fn sent_keys_go_out_as_telephone_events_and_are_recorded_as_tones() {
    let (mut core, start) = core_with(options(), true);
    core.send_dtmf('7').unwrap();
    assert!(matches!(core.send_dtmf('x'), Err(MediaError::Dtmf(_))));
    let mut now = start;
    let mut packets = Vec::new();
    let mut recorded_tone = false;
    for _ in 0..10 {
        core.handle_timeout(now);
        packets.extend(rtp_of(&transmits(&mut core)));
        for event in events(&mut core) {
            if let CoreEvent::Recorded { sent, .. } = event {
                recorded_tone |= sent.iter().any(|&s| s != 0);
            }
        }
        now += SLOT;
    }
    let events: Vec<_> = packets.iter().filter(|p| p.payload_type == 101).collect();
    assert!(events.len() >= 5);
    assert!(events[0].marker);
    assert!(events
        .iter()
        .all(|p| TelephoneEvent::parse(&p.payload).unwrap().event == 7));
    assert!(recorded_tone, "the recording holds the tone the peer hears");

    let config = CoreConfig {
        remote: peer(),
        codec: Codec::Pcma,
        telephone_event_pt: None,
        options: options(),
        record: false,
    };
    let mut without = MediaCore::new(config, start, SystemTime::UNIX_EPOCH, 1);
    assert!(matches!(
        without.send_dtmf('1'),
        Err(MediaError::NoTelephoneEvent)
    ));
}

#[test]
fn a_stalled_driver_catches_up_at_most_one_second_and_the_grid_never_shifts() {
    let (mut core, start) = core();
    core.handle_timeout(start);
    let first = rtp_of(&transmits(&mut core));
    assert_eq!(first.len(), 1);
    assert_eq!(transmits(&mut core).len(), 0);
    // Five seconds pass without the driver running.
    let late = start + Duration::from_secs(5) + Duration::from_millis(3);
    core.handle_timeout(late);
    let burst: Vec<_> = transmits(&mut core)
        .into_iter()
        .filter(|t| t.socket == Socket::Rtp)
        .collect();
    assert_eq!(burst.len() as u64, MAX_CATCH_UP + 1);
    assert_eq!(
        burst.last().unwrap().slot,
        Some(start + Duration::from_secs(5))
    );
    let packets = rtp_of(&burst);
    // Timestamps keep counting through the skipped slots.
    let skipped = 250 - MAX_CATCH_UP as u32;
    assert_eq!(
        packets[0].timestamp.wrapping_sub(first[0].timestamp),
        skipped * FRAME_SAMPLES as u32
    );
    assert_eq!(core.next_slot_due(), start + Duration::from_millis(5_020));
}

#[test]
fn the_same_seed_and_inputs_replay_the_same_call() {
    let run = || {
        let (mut core, start) = core();
        core.play(vec![[1234; FRAME_SAMPLES]; 20]);
        let mut out = Vec::new();
        let mut now = start;
        for i in 0..600u16 {
            core.handle_datagram(now, peer(), &audio(i, PEER_SSRC, 42));
            core.handle_timeout(now);
            out.extend(
                transmits(&mut core)
                    .into_iter()
                    .map(|t| (t.dest, t.payload)),
            );
            now += SLOT;
        }
        out
    };
    let (a, b) = (run(), run());
    assert!(a.len() > 600);
    assert_eq!(a, b);
}

/// A datagram a hostile or broken peer might send.
fn hostile() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..300),
        // RTP-looking headers with every version, CSRC count, extension and padding bit set at random.
        (
            any::<u8>(),
            any::<u8>(),
            proptest::collection::vec(any::<u8>(), 0..80)
        )
            .prop_map(|(first, pt, rest)| {
                let mut d = vec![first | 0x0f, pt];
                d.extend(rest);
                d
            }),
        // RTCP-looking headers with wild lengths and counts.
        (
            any::<u8>(),
            200u8..=204,
            any::<u16>(),
            proptest::collection::vec(any::<u8>(), 0..80)
        )
            .prop_map(|(first, pt, len, rest)| {
                let mut d = vec![first, pt];
                d.extend(len.to_be_bytes());
                d.extend(rest);
                d
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn hostile_datagrams_never_panic(
        datagrams in proptest::collection::vec((hostile(), any::<bool>(), 0u64..100), 1..40)
    ) {
        let (mut core, start) = core_with(options(), true);
        core.play(vec![[10; FRAME_SAMPLES]; 5]);
        let mut now = start;
        for (bytes, on_rtcp, step_ms) in datagrams {
            let from = if on_rtcp { peer() } else { "203.0.113.1:9".parse().unwrap() };
            if on_rtcp {
                core.handle_rtcp_datagram(now, from, &bytes);
            } else {
                core.handle_datagram(now, from, &bytes);
            }
            now += Duration::from_millis(step_ms);
            core.handle_timeout(now);
            let _ = transmits(&mut core);
            let _ = events(&mut core);
        }
        // The session still works afterwards.
        core.handle_timeout(now + SLOT);
        prop_assert!(!transmits(&mut core).is_empty());
    }
}
