use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use softcall::audio::frame::Frame;
use softcall::rtp::jitter::JitterConfig;
use softcall::rtp::{Codec, MediaEvent, MediaHandle, MediaOptions, MediaSession, PlaybackEnd};
use tokio::time::{timeout, Instant};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PORTS: std::ops::RangeInclusive<u16> = 31_000..=39_999;

fn options() -> MediaOptions {
    MediaOptions {
        jitter: JitterConfig {
            prefill: 5,
            ..JitterConfig::default()
        },
        rtcp_interval: Duration::from_millis(300),
        ..MediaOptions::default()
    }
}

async fn pair(
    codec: Codec,
    a_opts: MediaOptions,
    b_opts: MediaOptions,
) -> (MediaHandle, MediaHandle) {
    let a = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let b = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    assert_eq!(a.local_rtp_port() % 2, 0, "RTP port is even");
    assert_ne!(a.local_rtp_port(), b.local_rtp_port());
    let (a_addr, b_addr) = (a.local_rtp(), b.local_rtp());
    let a = a.start(b_addr, codec, Some(101), a_opts).unwrap();
    let b = b.start(a_addr, codec, Some(101), b_opts).unwrap();
    (a, b)
}

/// Collects events for `window`.
async fn collect(handle: &mut MediaHandle, window: Duration) -> (Vec<i16>, String, bool) {
    let deadline = Instant::now() + window;
    let (mut audio, mut digits, mut timed_out) = (Vec::new(), String::new(), false);
    while let Ok(Some(event)) = timeout(
        deadline.saturating_duration_since(Instant::now()),
        handle.next_event(),
    )
    .await
    {
        match event {
            MediaEvent::Audio(frame) => audio.extend_from_slice(&frame),
            MediaEvent::Dtmf(d) => digits.push(d),
            MediaEvent::Timeout => timed_out = true,
        }
    }
    (audio, digits, timed_out)
}

fn quantised(frames: &[Frame], codec: Codec) -> Vec<i16> {
    frames
        .iter()
        .flatten()
        .map(|&s| codec.decode_sample(codec.encode_sample(s)))
        .collect()
}

/// How many 20 ms frames of `needle` appear bit-exact in `haystack`, aligned where its first or second
/// frame is found.
pub fn exact_frames(haystack: &[i16], needle: &[i16]) -> usize {
    let n = super::N;
    let find = |frame: &[i16]| haystack.windows(n).position(|w| w == frame);
    let Some(start) =
        find(&needle[..n]).or_else(|| find(&needle[n..2 * n]).map(|at| at.saturating_sub(n)))
    else {
        return 0;
    };
    needle
        .chunks(n)
        .enumerate()
        .filter(|(i, chunk)| {
            let at = start + i * n;
            haystack.get(at..at + chunk.len()) == Some(chunk)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audio_sent_by_one_session_is_heard_by_the_other_both_laws() {
    for codec in [Codec::Pcmu, Codec::Pcma] {
        let (a, mut b) = pair(codec, options(), options()).await;
        let speech = super::tone(440.0, 8000.0, 1.0);
        let playback = a.play(speech.clone());
        // Collect until the playback has ended and its last frames had time to arrive (bounded generously).
        let (collected, end) = tokio::join!(
            async {
                let mut heard = Vec::new();
                let want = (speech.len() - 1) * super::N;
                let deadline = Instant::now() + Duration::from_secs(20);
                while super::active(&heard).len() < want && Instant::now() < deadline {
                    let (more, _, _) = collect(&mut b, Duration::from_millis(200)).await;
                    heard.extend(more);
                }
                heard
            },
            playback.finished()
        );
        let heard = collected;
        assert_eq!(end, PlaybackEnd::Finished);
        let expected = quantised(&speech, codec);
        let exact = exact_frames(&heard, &expected);
        assert!(
            exact >= 45,
            "{codec:?}: only {exact} of 50 frames arrived bit-exact"
        );
        assert!(
            super::tone_share(&heard, 440.0) > 0.5,
            "{codec:?} tone share"
        );
        // RTCP reports come every few seconds: wait for A to hear one (bounded generously for a busy machine).
        let deadline = Instant::now() + Duration::from_secs(20);
        while a.stats().remote_report.is_none() && Instant::now() < deadline {
            collect(&mut b, Duration::from_millis(200)).await;
        }
        let a_stats = a.stop().await;
        let b_stats = b.stop().await;
        assert!(a_stats.packets_sent >= 50, "{a_stats:?}");
        assert!(b_stats.packets_received >= 50, "{b_stats:?}");
        assert_eq!(b_stats.packets_lost, 0);
        assert!(
            a_stats.remote_report.is_some(),
            "A heard B's RTCP report about its stream"
        );
        assert!(a_stats.rtcp_received > 0 && a_stats.rtcp_sent > 0);
        let rtt = a_stats.round_trip.expect("round trip from LSR/DLSR");
        assert!(rtt < Duration::from_millis(200), "loopback rtt {rtt:?}");
        assert!(a_stats.pacing.count() >= 50);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dtmf_travels_both_ways_once_per_key() {
    let (mut a, mut b) = pair(Codec::Pcmu, options(), options()).await;
    for d in "19#".chars() {
        a.send_dtmf(d).unwrap();
    }
    b.send_dtmf('*').unwrap();
    assert!(a.send_dtmf('x').is_err());
    let (b_side, a_side) = tokio::join!(
        collect(&mut b, Duration::from_millis(1500)),
        collect(&mut a, Duration::from_millis(1500))
    );
    assert_eq!(b_side.1, "19#");
    assert_eq!(a_side.1, "*");
    assert_eq!(b.stats().dtmf_received, 3);
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silence_from_the_peer_raises_one_timeout() {
    let a_opts = MediaOptions {
        media_timeout: Duration::from_millis(400),
        ..options()
    };
    let b_opts = MediaOptions {
        send_silence: false,
        ..options()
    };
    let (mut a, b) = pair(Codec::Pcma, a_opts, b_opts).await;
    let started = Instant::now();
    let (_, _, timed_out) = collect(&mut a, Duration::from_millis(1200)).await;
    assert!(timed_out, "no RTP for 400 ms raises Timeout");
    assert!(started.elapsed() >= Duration::from_millis(400));
    // RTP resumes: no further timeout while it flows.
    let playback = b.play(super::tone(300.0, 3000.0, 0.6));
    let (heard, _, again) = collect(&mut a, Duration::from_millis(300)).await;
    assert!(!again);
    assert!(!heard.is_empty());
    playback.finished().await;
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_ends_playback_at_once_for_barge_in() {
    let (a, b) = pair(Codec::Pcmu, options(), options()).await;
    let long = a.play(super::tone(500.0, 4000.0, 5.0));
    let queued = a.play(super::tone(600.0, 4000.0, 1.0));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let flushed_at = Instant::now();
    a.flush();
    assert_eq!(long.finished().await, PlaybackEnd::Flushed);
    assert_eq!(queued.finished().await, PlaybackEnd::Flushed);
    // The 5 s tone had ~4.8 s left: ending well before that proves the flush, without timing the machine.
    assert!(flushed_at.elapsed() < Duration::from_secs(3));
    let short = a.play(super::tone(500.0, 4000.0, 0.1));
    assert_eq!(short.finished().await, PlaybackEnd::Finished);
    // A playback is also a future, so `&mut playback` can sit in a select! loop.
    let mut polled = a.play(super::tone(500.0, 4000.0, 0.1));
    tokio::select! {
        end = &mut polled => assert_eq!(end, PlaybackEnd::Finished),
        _ = tokio::time::sleep(Duration::from_secs(2)) => panic!("playback never finished"),
    }
    a.stop().await;
    let stats = b.stop().await;
    assert!(stats.packets_received > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn symmetric_rtp_latches_to_where_the_peer_really_sends_from() {
    // A is told a wrong address (as when the peer is behind NAT); it must answer to B's real address.
    let a = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let b = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let (a_addr, b_addr) = (a.local_rtp(), b.local_rtp());
    let decoy = tokio::net::UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let wrong = decoy.local_addr().unwrap();
    let a = a.start(wrong, Codec::Pcmu, Some(101), options()).unwrap();
    let mut b = b.start(a_addr, Codec::Pcmu, Some(101), options()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    a.play(super::tone(440.0, 6000.0, 0.5));
    let (heard, _, _) = collect(&mut b, Duration::from_millis(900)).await;
    assert!(super::rms(&heard) > 500.0, "B hears A after latching");
    assert_eq!(a.stats().remote, Some(b_addr));
    // Signalling the same address again, as a 200 OK after a 183 does, keeps the latch: nothing more
    // goes to the signalled address.
    let mut buf = [0u8; 2048];
    while decoy.try_recv_from(&mut buf).is_ok() {}
    a.control().set_remote(wrong);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        decoy.try_recv_from(&mut buf).is_err(),
        "RTP went back to the signalled address"
    );
    a.stop().await;
    b.stop().await;
}

fn read_stereo(path: &PathBuf) -> (Vec<i16>, Vec<i16>) {
    let mut reader = hound::WavReader::open(path).expect("recording readable while the call runs");
    assert_eq!(reader.spec().channels, 2);
    let samples: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
    (
        samples.iter().step_by(2).copied().collect(),
        samples.iter().skip(1).step_by(2).copied().collect(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn call_recording_has_remote_left_and_ours_right_during_and_after_the_call() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("call.wav");
    let a_opts = MediaOptions {
        recording: Some(path.clone()),
        ..options()
    };
    let (a, b) = pair(Codec::Pcmu, a_opts, options()).await;
    let started = std::time::Instant::now();
    a.play(super::tone(1000.0, 6000.0, 3.0));
    b.play(super::tone(400.0, 6000.0, 3.0));
    tokio::time::sleep(Duration::from_millis(1600)).await;
    // While the call runs the file already holds the audio up to the last flush.
    let (left, right) = read_stereo(&path);
    assert!(
        left.len() >= 8000,
        "≥ 1 s recorded while running, got {} samples",
        left.len()
    );
    assert!(
        super::tone_share(&left[4000..], 400.0) > 0.5,
        "left is the remote party"
    );
    assert!(
        super::tone_share(&right[..8000], 1000.0) > 0.5,
        "right is what we sent"
    );
    assert!(super::rms(&right[..8000]) > 3000.0);
    let while_running = left.len();
    // An abrupt end: the handle is dropped without stop(). The file keeps what was recorded up to the drop
    // (bounded by the time that really passed, however busy the machine) and grows no further.
    let elapsed_at_drop = started.elapsed().as_secs_f64();
    drop(a);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (left, right) = read_stereo(&path);
    let seconds = left.len() as f64 / 8000.0;
    assert!(
        left.len() >= while_running && seconds <= elapsed_at_drop + 0.5,
        "recorded {seconds} s; {} s while running, dropped after {elapsed_at_drop:.2} s",
        while_running as f64 / 8000.0
    );
    assert_eq!(left.len(), right.len());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (after, _) = read_stereo(&path);
    assert_eq!(
        after.len(),
        left.len(),
        "nothing is recorded after the drop"
    );
    b.stop().await;
}

#[tokio::test]
async fn dtmf_without_negotiated_telephone_event_is_refused() {
    let a = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let peer = SocketAddr::new(LOOPBACK, 9);
    let a = a.start(peer, Codec::Pcmu, None, options()).unwrap();
    assert!(matches!(
        a.send_dtmf('1'),
        Err(softcall::rtp::MediaError::NoTelephoneEvent)
    ));
    a.stop().await;
}

#[tokio::test]
async fn pacer_grid_is_absolute_and_starts_at_the_given_instant() {
    let start = std::time::Instant::now() + Duration::from_millis(30);
    let mut grid = softcall::rtp::clock::grid(start);
    let mut seen = Vec::new();
    while seen.len() < 10 {
        grid.changed().await.unwrap();
        if let Some(tick) = *grid.borrow_and_update() {
            let woke = std::time::Instant::now();
            assert!(woke >= tick.deadline, "never early");
            seen.push(tick);
        }
    }
    for tick in &seen {
        assert_eq!(
            tick.deadline,
            start + softcall::rtp::clock::PERIOD * tick.index as u32
        );
    }
    assert_eq!(seen[0].index, 0, "slot 0 is due at the start");
    assert!(seen.windows(2).all(|w| w[1].index > w[0].index));
}

/// Relays RTP between two sessions through a pair of sockets, dropping every 10th and swapping every 5th
/// packet with the next on the way from `a` to `b`.
async fn lossy_relay(
    toward_a: tokio::net::UdpSocket,
    toward_b: tokio::net::UdpSocket,
    a: SocketAddr,
    b: SocketAddr,
) {
    let mut buf = vec![0u8; 2048];
    let mut back = vec![0u8; 2048];
    let mut held: Option<Vec<u8>> = None;
    let mut count = 0u64;
    loop {
        tokio::select! {
            Ok((len, _)) = toward_a.recv_from(&mut buf) => {
                count += 1;
                if count.is_multiple_of(10) {
                    continue;
                }
                if count % 5 == 2 && held.is_none() {
                    held = Some(buf[..len].to_vec());
                    continue;
                }
                let _ = toward_b.send_to(&buf[..len], b).await;
                if let Some(late) = held.take() {
                    let _ = toward_b.send_to(&late, b).await;
                }
            }
            Ok((len, _)) = toward_b.recv_from(&mut back) => {
                let _ = toward_a.send_to(&back[..len], a).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loss_and_reordering_on_the_path_are_concealed_reordered_and_reported() {
    let a = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let b = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let (a_addr, b_addr) = (a.local_rtp(), b.local_rtp());
    let toward_a = tokio::net::UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let toward_b = tokio::net::UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let (relay_a, relay_b) = (
        toward_a.local_addr().unwrap(),
        toward_b.local_addr().unwrap(),
    );
    let relay = tokio::spawn(lossy_relay(toward_a, toward_b, a_addr, b_addr));
    let rtcp_of = |addr: SocketAddr| SocketAddr::new(addr.ip(), addr.port() + 1);
    let a = a
        .start(
            relay_a,
            Codec::Pcmu,
            Some(101),
            MediaOptions {
                remote_rtcp: Some(rtcp_of(b_addr)),
                ..options()
            },
        )
        .unwrap();
    let mut b = b
        .start(
            relay_b,
            Codec::Pcmu,
            Some(101),
            MediaOptions {
                remote_rtcp: Some(rtcp_of(a_addr)),
                ..options()
            },
        )
        .unwrap();
    let speech = super::tone(440.0, 8000.0, 2.0);
    a.play(speech.clone());
    let (heard, _, _) = collect(&mut b, Duration::from_millis(2600)).await;
    let exact = exact_frames(&heard, &quantised(&speech, Codec::Pcmu));
    // 10 % lost; every reordered packet must still play in its place.
    assert!(
        (80..=92).contains(&exact),
        "{exact} of 100 frames bit-exact"
    );
    let b_stats = b.stats();
    let lost = b_stats.packets_lost;
    let sent = a.stats().packets_sent as i64;
    assert!(
        (sent / 10 - 3..=sent / 10 + 3).contains(&lost),
        "lost {lost} of {sent}"
    );
    assert!(
        b_stats.jitter_buffer.lost >= 8,
        "{:?}",
        b_stats.jitter_buffer
    );
    assert_eq!(
        b_stats.jitter_buffer.late, 0,
        "reordered packets arrived before their playout slot"
    );
    let report = a.stats().remote_report.expect("B reported on A's stream");
    // 10 % lost is 26/256; packets the relay delays past a report under load count as lost in it.
    assert!(
        (15..=48).contains(&report.fraction_lost),
        "fraction lost {}/256",
        report.fraction_lost
    );
    assert!(report.cumulative_lost > 0);
    relay.abort();
    a.stop().await;
    b.stop().await;
}

/// Environment variable telling the child process where to record.
const CRASH_CHILD: &str = "SOFTCALL_TEST_RECORDING_CHILD";

#[test]
#[ignore = "helper: run as a child process by a_killed_process_keeps_its_call_recording"]
fn recording_call_child_process() {
    let Some(path) = std::env::var_os(CRASH_CHILD) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let a_opts = MediaOptions {
            recording: Some(PathBuf::from(path)),
            ..options()
        };
        let (_a, b) = pair(Codec::Pcmu, a_opts, options()).await;
        b.play(super::tone(400.0, 6000.0, 30.0));
        // Run until the parent kills this process.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
}

#[test]
fn a_killed_process_keeps_its_call_recording() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.wav");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--ignored",
            "--exact",
            "rtp::session::recording_call_child_process",
        ])
        .env(CRASH_CHILD, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until the recording has been running for over two seconds, then SIGKILL: no destructor runs.
    let started = std::time::Instant::now();
    while !path.exists() && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(2300));
    child.kill().unwrap();
    child.wait().unwrap();
    let (left, right) = read_stereo(&path);
    let seconds = left.len() as f64 / 8000.0;
    assert!(
        (1.0..=2.5).contains(&seconds),
        "{seconds} s survived the kill"
    );
    assert_eq!(left.len(), right.len());
    let tail = &left[left.len() / 2..];
    assert!(
        super::tone_share(tail, 400.0) > 0.5,
        "the remote party's tone is in the file"
    );
}

#[tokio::test]
async fn port_ranges_are_even_odd_pairs_and_exhaustion_is_a_named_error() {
    let err = MediaSession::bind(LOOPBACK, 65_535..=65_535)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    // A one-pair range gives exactly that pair; once it is taken the range is exhausted.
    let mut held = None;
    for port in (30_500..30_600).step_by(2) {
        if let Ok(session) = MediaSession::bind(LOOPBACK, port..=port + 1).await {
            held = Some((port, session));
            break;
        }
    }
    let (port, session) = held.expect("a free port pair in 30500-30599");
    assert_eq!(session.local_rtp_port(), port);
    let err = MediaSession::bind(LOOPBACK, port..=port + 1)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AddrInUse);
    assert!(
        err.to_string().contains("widen the RTP port range"),
        "{err}"
    );
    // An odd start moves up to the next even port.
    for odd in (30_601..30_700).step_by(2) {
        if let Ok(session) = MediaSession::bind(LOOPBACK, odd..=odd + 2).await {
            assert_eq!(session.local_rtp_port(), odd + 1);
            return;
        }
    }
    panic!("no free port pair in 30601-30700");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wire_stream_is_numbered_stamped_and_marked() {
    use softcall::rtp::dtmf::TelephoneEvent;
    use softcall::rtp::packet::RtpPacket;
    let sniffer = tokio::net::UdpSocket::bind((LOOPBACK, 0)).await.unwrap();
    let session = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let call = session
        .start(
            sniffer.local_addr().unwrap(),
            Codec::Pcma,
            Some(96),
            options(),
        )
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let speech = super::tone(440.0, 6000.0, 0.2);
    call.play(speech.clone()).finished().await;
    call.send_dtmf('#').unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    call.stop().await;
    let mut packets = Vec::new();
    let mut buf = [0u8; 2048];
    while let Ok((len, _)) = sniffer.try_recv_from(&mut buf) {
        packets.push(RtpPacket::parse(&buf[..len]).unwrap());
    }
    assert!(packets.len() >= 25, "{} packets", packets.len());
    assert!(packets[0].marker, "first packet of the stream");
    let ssrc = packets[0].ssrc;
    for pair in packets.windows(2) {
        assert_eq!(
            pair[1].sequence,
            pair[0].sequence.wrapping_add(1),
            "no gaps in sequence numbers"
        );
        assert_eq!(pair[1].ssrc, ssrc);
    }
    let audio: Vec<&RtpPacket> = packets.iter().filter(|p| p.payload_type == 8).collect();
    for pair in audio.windows(2) {
        let step = pair[1].timestamp.wrapping_sub(pair[0].timestamp);
        assert!(
            step % 160 == 0 && step > 0,
            "audio timestamps advance by whole 20 ms slots"
        );
    }
    // The tone's first packet starts a talkspurt; the silence before it does not.
    let tone_start = audio
        .iter()
        .position(|p| p.payload != vec![0xD5; 160])
        .unwrap();
    assert!(tone_start > 0 && audio[tone_start].marker);
    assert!(audio[1..tone_start].iter().all(|p| !p.marker));
    assert_eq!(
        audio[tone_start].payload,
        Codec::Pcma.encode_frame(&speech[0]).to_vec()
    );
    // The key: PT 96, one timestamp, marker on the first, E bit on exactly the last three.
    let events: Vec<&RtpPacket> = packets.iter().filter(|p| p.payload_type == 96).collect();
    assert_eq!(events.len(), 5 + 3);
    assert!(events.iter().all(|p| p.timestamp == events[0].timestamp));
    assert!(events[0].marker && events[1..].iter().all(|p| !p.marker));
    let parsed: Vec<TelephoneEvent> = events
        .iter()
        .map(|p| TelephoneEvent::parse(&p.payload).unwrap())
        .collect();
    assert!(parsed.iter().all(|e| e.event == 11));
    assert_eq!(parsed.iter().filter(|e| e.end).count(), 3);
    assert!(parsed[5..].iter().all(|e| e.end && e.duration == 800));
    // Audio after the key continues the clock: its timestamp accounts for the slots the key took.
    let after = packets.iter().rposition(|p| p.payload_type == 96).unwrap() + 1;
    let before = packets.iter().position(|p| p.payload_type == 96).unwrap() - 1;
    let slots = (after - before) as u32;
    assert_eq!(
        packets[after]
            .timestamp
            .wrapping_sub(packets[before].timestamp),
        slots * 160
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sent_key_is_audible_in_the_recording() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dtmf.wav");
    let a_opts = MediaOptions {
        recording: Some(path.clone()),
        ..options()
    };
    let (a, b) = pair(Codec::Pcmu, a_opts, options()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    a.send_dtmf('#').unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    a.stop().await;
    b.stop().await;
    let (_, right) = read_stereo(&path);
    let tone = super::active(&right);
    assert_eq!(
        tone.len().div_ceil(160),
        5,
        "100 ms of tone, {} samples",
        tone.len()
    );
    let share = super::tone_share(tone, 941.0) + super::tone_share(tone, 1477.0);
    assert!(share > 0.8, "# is 941 + 1477 Hz: share {share}");
}
