//! Interoperability with an RTP stack nobody here wrote: GStreamer's rtpjitterbuffer, PCMU/PCMA
//! (de)payloaders and RFC 4733 depayloader, started on loopback with bounded time.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use softcall::rtp::{Codec, MediaEvent, MediaOptions, MediaSession};
use tokio::time::{timeout, Instant};

const LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const PORTS: std::ops::RangeInclusive<u16> = 40_000..=44_999;

/// Starts `gst-launch-1.0 -e <pipeline>`, or says loudly why it cannot.
fn gst(pipeline: &str) -> Option<Child> {
    let spawned = Command::new("gst-launch-1.0")
        .arg("-q")
        .arg("-e")
        .args(pipeline.split_whitespace())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    match spawned {
        Ok(child) => Some(child),
        Err(_) => {
            crate::skip::missing(
                "gst-launch-1.0 not installed (apt-get install gstreamer1.0-tools gstreamer1.0-plugins-good)",
            );
            None
        }
    }
}

/// Sends end-of-stream (SIGINT with `-e`) and waits at most 5 s for the pipeline to finish its file.
fn finish(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    for _ in 0..50 {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("gst-launch-1.0 did not stop within 5 s");
}

/// Waits (up to 30 s, for a busy machine) until GStreamer's `udpsrc` has bound `port`, so nothing we send
/// before the pipeline runs is lost: the kernel queues it until the pipeline reads.
fn wait_until_bound(port: u16) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::net::UdpSocket::bind((LOOPBACK, port)).is_ok() {
        assert!(
            std::time::Instant::now() < deadline,
            "GStreamer did not bind UDP port {port} within 30 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind((LOOPBACK, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn read_mono(path: &Path) -> Vec<i16> {
    let mut reader = hound::WavReader::open(path).expect("GStreamer wrote a WAV");
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate), (1, 8000), "{spec:?}");
    reader.samples::<i16>().map(|s| s.unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gstreamer_decodes_our_stream_bit_exact_for_both_laws() {
    for (codec, depay, dec) in [
        (Codec::Pcmu, "rtppcmudepay", "mulawdec"),
        (Codec::Pcma, "rtppcmadepay", "alawdec"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("heard.wav");
        let port = free_udp_port();
        let pipeline = format!(
            "udpsrc address=127.0.0.1 port={port} caps=application/x-rtp,media=audio,clock-rate=8000,encoding-name={},payload={} \
             ! {depay} ! {dec} ! wavenc ! filesink buffer-mode=unbuffered sync=false location={}",
            codec.name(),
            codec.payload_type(),
            out.display()
        );
        let Some(child) = gst(&pipeline) else { return };
        wait_until_bound(port);
        let session = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
        let call = session
            .start(
                SocketAddr::new(LOOPBACK, port),
                codec,
                Some(101),
                MediaOptions::default(),
            )
            .unwrap();
        let speech = super::tone(440.0, 8000.0, 1.0);
        call.play(speech.clone()).finished().await;
        let sent = call.stop().await.packets_sent;
        // No jitter buffer: on loopback packets arrive in sequence order, and the depayloader decodes each
        // one whenever it comes, so a busy machine delays frames but cannot drop or reorder them. End of
        // stream only once GStreamer has read every packet we sent (the file grows with each one).
        let want = 44 + sent as usize * super::N * 2;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::fs::metadata(&out).map_or(0, |m| m.len() as usize) < want
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        finish(child);
        let heard = read_mono(&out);
        let expected: Vec<i16> = speech
            .iter()
            .flatten()
            .map(|&s| codec.decode_sample(codec.encode_sample(s)))
            .collect();
        let exact = super::session::exact_frames(&heard, &expected);
        assert_eq!(
            exact, 50,
            "{codec:?}: {exact} of 50 frames decoded bit-exact by GStreamer"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn we_hear_a_gstreamer_stream_and_latch_to_its_source() {
    let session = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    let our_port = session.local_rtp_port();
    // Announced address is wrong on purpose: symmetric RTP must follow where GStreamer sends from.
    let mut call = session
        .start(
            SocketAddr::new(LOOPBACK, 9),
            Codec::Pcma,
            Some(101),
            MediaOptions::default(),
        )
        .unwrap();
    let pipeline = format!(
        "audiotestsrc is-live=true freq=1000 volume=0.3 num-buffers=75 samplesperbuffer=160 \
         ! audio/x-raw,format=S16LE,rate=8000,channels=1 ! alawenc ! rtppcmapay min-ptime=20000000 max-ptime=20000000 \
         ! udpsink host=127.0.0.1 port={our_port}"
    );
    let Some(child) = gst(&pipeline) else { return };
    // Until the 75 buffers have come and gone: a generous bound for GStreamer to start on a busy machine,
    // then the stream ends when nothing has come for a second.
    let mut heard = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let quiet = if call.stats().packets_received > 0 {
            Duration::from_secs(1)
        } else {
            deadline.saturating_duration_since(Instant::now())
        };
        match timeout(quiet, call.next_event()).await {
            Ok(Some(MediaEvent::Audio(frame))) => heard.extend_from_slice(&frame),
            Ok(Some(_)) => {}
            Ok(None) | Err(_) => break,
        }
        if Instant::now() >= deadline {
            break;
        }
    }
    finish(child);
    let stats = call.stop().await;
    assert_eq!(stats.packets_received, 75, "{stats:?}");
    assert_eq!(stats.packets_lost, 0);
    assert_ne!(
        stats.remote,
        Some(SocketAddr::new(LOOPBACK, 9)),
        "latched to GStreamer's source"
    );
    let heard = super::active(&heard);
    assert!(heard.len() >= 11_000, "{} samples of tone", heard.len());
    let share = super::tone_share(heard, 1000.0);
    assert!(share > 0.8, "the 1 kHz tone arrived: share {share}");
    assert!(super::rms(heard) > 1000.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gstreamer_turns_our_rfc4733_key_into_its_dual_tone() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dtmf.raw");
    let port = free_udp_port();
    let pipeline = format!(
        "udpsrc address=127.0.0.1 port={port} caps=application/x-rtp,media=audio,clock-rate=8000,encoding-name=TELEPHONE-EVENT,payload=101 \
         ! rtpdtmfdepay ! filesink location={}",
        out.display()
    );
    let Some(child) = gst(&pipeline) else { return };
    wait_until_bound(port);
    let session = MediaSession::bind(LOOPBACK, PORTS).await.unwrap();
    // Only telephone-events on the wire, so the depayloader sees nothing else.
    let options = MediaOptions {
        send_silence: false,
        dtmf_tone: Duration::from_millis(200),
        ..MediaOptions::default()
    };
    let call = session
        .start(
            SocketAddr::new(LOOPBACK, port),
            Codec::Pcmu,
            Some(101),
            options,
        )
        .unwrap();
    call.send_dtmf('5').unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    call.stop().await;
    finish(child);
    // rtpdtmfdepay emits raw S16LE mono at the clock rate.
    let raw = std::fs::read(&out).unwrap();
    let tone: Vec<i16> = raw
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect();
    assert!(tone.len() >= 800, "{} samples of tone", tone.len());
    // Key 5 is 770 Hz + 1336 Hz; together they carry nearly all the energy, 697/1209 Hz (key 1) none.
    let share = super::tone_share(&tone, 770.0) + super::tone_share(&tone, 1336.0);
    assert!(share > 0.8, "dual-tone share {share}");
    assert!(super::tone_share(&tone, 697.0) + super::tone_share(&tone, 1209.0) < 0.1);
}
