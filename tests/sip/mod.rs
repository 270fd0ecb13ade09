//! SIP against real peers on loopback (sipp, Kamailio, baresip) and property tests of the SIP core.
//!
//! Each interop test starts its peer on 127.0.0.1 with its own ports and a bounded run time, then runs
//! `softcall call` and checks the printed JSON and the peer's own verdict.

pub(crate) mod baresip;
mod fuzz;
pub(crate) mod kamailio;
mod sipp;
mod unreachable;

use std::io::Read;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Whether `program` is installed; when it is not, the test is skipped through [`crate::skip`].
pub fn require(program: &str, package: &str) -> bool {
    crate::skip::program(program, package).is_some()
}

/// A UDP port that was free a moment ago (even, with the next port free too, for RTP pairs).
pub fn free_port() -> u16 {
    for _ in 0..200 {
        let s = UdpSocket::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = s.local_addr().expect("local addr").port();
        if port.is_multiple_of(2)
            && port < 65_000
            && UdpSocket::bind(("127.0.0.1", port + 1)).is_ok()
        {
            return port;
        }
    }
    panic!("no free UDP port pair on 127.0.0.1");
}

/// The first port of `len` consecutive loopback UDP ports reserved for this test process (for RTP port ranges).
/// Blocks come from 61000–64999, above the kernel's range for automatic ports (32768–60999) and softcall's
/// default RTP range, so no port a peer or the kernel picks at the same time can fall inside one; blocks
/// with a bound port are passed over.
pub fn port_block(len: u16) -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    const FIRST: u32 = 61_000;
    const SPAN: u32 = 4_000;
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let len = u32::from(len.max(2)).next_multiple_of(2);
    for _ in 0..SPAN / len {
        let offset = NEXT.fetch_add(len, Ordering::SeqCst) % (SPAN - len);
        let start = FIRST + offset - offset % 2;
        if (start..start + len).all(|p| !udp_port_bound(p as u16)) {
            return start as u16;
        }
    }
    panic!(
        "no free block of {len} UDP ports in {FIRST}-{}",
        FIRST + SPAN - 1
    );
}

/// Test data folder for SIP.
pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/sip")
        .join(name)
}

/// A child process killed when dropped.
pub struct Peer {
    /// The process.
    pub child: Child,
    /// Name for messages.
    pub name: String,
}

impl Peer {
    /// Starts `cmd` with stdout/stderr captured.
    pub fn spawn(name: &str, mut cmd: Command) -> Peer {
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Peer {
            child,
            name: name.to_string(),
        }
    }

    /// Waits up to `limit` for the process to exit; returns (success, stdout, stderr).
    pub fn wait(mut self, limit: Duration) -> (bool, String, String) {
        let deadline = Instant::now() + limit;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50))
                }
                _ => break None,
            }
        };
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let mut out = String::new();
        let mut err = String::new();
        if let Some(mut s) = self.child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        if let Some(mut s) = self.child.stderr.take() {
            let _ = s.read_to_string(&mut err);
        }
        (status.is_some_and(|s| s.success()), out, err)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            eprintln!("stopping {}", self.name);
            // SIGTERM first so multi-process peers (Kamailio) take their children down with them.
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(3);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(30));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `softcall call …` (bounded by `limit`) and parses the JSON it prints.
pub fn softcall_call(args: &[&str], limit: Duration) -> serde_json::Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_softcall"));
    cmd.arg("call").args(args);
    let peer = Peer::spawn("softcall", cmd);
    let (ok, out, err) = peer.wait(limit);
    assert!(
        ok,
        "softcall call {args:?} failed or timed out\nstdout:\n{out}\nstderr:\n{err}"
    );
    serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("softcall printed no JSON ({e}):\n{out}\nstderr:\n{err}"))
}

/// Waits until something listens on UDP `port` (binding it fails), up to 5 s.
pub fn wait_for_udp(port: u16) {
    // Looks at the kernel's socket table instead of binding the port to probe it: a probe bind could take the
    // port at the very moment the peer tries to bind it, and the peer would exit. Generous for busy machines.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if udp_port_bound(port) {
            return;
        }
        std::thread::sleep(Duration::from_millis(30));
    }
    panic!("nothing started listening on UDP port {port} within 30 s");
}

/// Whether some socket on this machine is bound to UDP `port` (from /proc/net/udp and udp6).
pub fn udp_port_bound(port: u16) -> bool {
    let wanted = format!(":{port:04X}");
    ["/proc/net/udp", "/proc/net/udp6"].iter().any(|table| {
        std::fs::read_to_string(table).is_ok_and(|text| {
            text.lines().skip(1).any(|line| {
                line.split_whitespace()
                    .nth(1)
                    .is_some_and(|local| local.ends_with(&wanted))
            })
        })
    })
}

/// RMS energy and duration of one channel of a WAV file.
pub fn channel_energy(path: &Path, channel: usize) -> (f64, f64) {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("cannot read recording {}: {e}", path.display()));
    let spec = reader.spec();
    let channels = usize::from(spec.channels);
    let samples: Vec<i32> = reader.samples::<i32>().map(|s| s.unwrap_or(0)).collect();
    let chan: Vec<f64> = samples
        .chunks(channels)
        .filter_map(|c| c.get(channel).map(|v| *v as f64))
        .collect();
    let rms = if chan.is_empty() {
        0.0
    } else {
        (chan.iter().map(|v| v * v).sum::<f64>() / chan.len() as f64).sqrt()
    };
    (rms, chan.len() as f64 / f64::from(spec.sample_rate))
}

/// Writes a tone WAV with sox-free code: `seconds` of `freq` Hz at 8 kHz, 16-bit mono.
pub fn write_tone(path: &Path, freq: f64, seconds: f64) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 8000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).expect("create tone");
    let n = (seconds * 8000.0) as usize;
    for i in 0..n {
        let v = (2.0 * std::f64::consts::PI * freq * i as f64 / 8000.0).sin() * 12000.0;
        w.write_sample(v as i16).expect("write tone");
    }
    w.finalize().expect("finish tone");
}

/// Writes a G.711 μ-law WAV (format tag 7), the form sipp's `rtp_stream` sends as-is.
pub fn write_ulaw_tone(path: &Path, freq: f64, seconds: f64) {
    let n = (seconds * 8000.0) as usize;
    let data: Vec<u8> = (0..n)
        .map(|i| {
            let v = (2.0 * std::f64::consts::PI * freq * i as f64 / 8000.0).sin() * 12000.0;
            softcall::rtp::g711::ulaw_encode(v as i16)
        })
        .collect();
    let mut wav = Vec::with_capacity(58 + n);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(50 + n as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&18u32.to_le_bytes());
    wav.extend_from_slice(&7u16.to_le_bytes()); // μ-law
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&8000u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&8u16.to_le_bytes());
    wav.extend_from_slice(&0u16.to_le_bytes());
    wav.extend_from_slice(b"fact");
    wav.extend_from_slice(&4u32.to_le_bytes());
    wav.extend_from_slice(&(n as u32).to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(n as u32).to_le_bytes());
    wav.extend_from_slice(&data);
    std::fs::write(path, wav).expect("write u-law tone");
}
