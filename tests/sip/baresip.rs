//! softcall calling baresip, a real softphone answering automatically and playing a WAV: audio both
//! ways (checked by energy in softcall's recording and in baresip's decoded-audio dump) and RFC 4733
//! DTMF both ways.

use std::fs::File;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::kamailio::{call_through, kamailio};
use super::{free_port, require, softcall_call, wait_for_udp, Peer};

/// Writes a baresip config folder that auto-answers on `port`, plays a 10 s tone of `tone_hz`, takes
/// console keys on `cons_port` and dumps audio to `dir`; `account` is the accounts line (registration,
/// auth, answer mode).
pub(crate) fn baresip_config(dir: &Path, port: u16, cons_port: u16, tone_hz: f64, account: &str) {
    let wav = dir.join("callee.wav");
    super::write_tone(&wav, tone_hz, 10.0);
    let rtp = super::port_block(42);
    let config = format!(
        "poll_method epoll\n\
sip_listen 127.0.0.1:{port}\n\
audio_source aufile,{wav}\n\
audio_player aubridge,nowhere\n\
audio_alert aubridge,nowhere\n\
rtp_ports {rtp}-{rtp_end}\n\
module_path /usr/lib/baresip/modules\n\
module g711.so\n\
module aufile.so\n\
module aubridge.so\n\
module sndfile.so\n\
module cons.so\n\
module_app account.so\n\
module_app menu.so\n\
snd_path {dir}\n\
cons_listen 127.0.0.1:{cons_port}\n",
        wav = wav.display(),
        rtp_end = rtp.saturating_add(40),
        dir = dir.display(),
    );
    std::fs::write(dir.join("config"), config).unwrap();
    std::fs::write(dir.join("accounts"), format!("{account}\n")).unwrap();
}

/// The accounts line of a softphone reached directly: no registration, auto-answer.
pub(crate) const DIRECT_ACCOUNT: &str =
    "<sip:callee@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU,PCMA";

/// Starts baresip on the config folder `dir` for at most `seconds`; returns it with its log file.
fn spawn_baresip(dir: &Path, seconds: u32) -> (Peer, PathBuf) {
    let log_path = dir.join("baresip.log");
    let log = File::create(&log_path).unwrap();
    let mut cmd = Command::new("baresip");
    cmd.arg("-f")
        .arg(dir)
        .arg("-v")
        .arg("-t")
        .arg(seconds.to_string());
    cmd.stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log));
    let child = cmd.stdin(Stdio::null()).spawn().expect("start baresip");
    let peer = Peer {
        child,
        name: "baresip".into(),
    };
    (peer, log_path)
}

/// [`spawn_baresip`], then waits until it listens on `port` and says it is ready.
pub(crate) fn spawn_ready_baresip(dir: &Path, port: u16, seconds: u32) -> (Peer, PathBuf) {
    let (peer, log_path) = spawn_baresip(dir, seconds);
    wait_for_udp(port);
    assert!(wait_for_text(
        &log_path,
        "baresip is ready",
        Duration::from_secs(10)
    ));
    (peer, log_path)
}

fn wait_for_text(path: &Path, needle: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains(needle)) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn baresip_callee_audio_both_ways_and_dtmf_both_ways() {
    if !require("baresip", "baresip") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ours = dir.path().join("ours.wav");
    super::write_tone(&ours, 1000.0, 3.0);
    let rec = dir.path().join("rec.wav");
    let port = free_port();
    let cons_port = free_port();
    baresip_config(dir.path(), port, cons_port, 500.0, DIRECT_ACCOUNT);
    let (_baresip, log_path) = spawn_ready_baresip(dir.path(), port, 40);

    let mut call = Command::new(env!("CARGO_BIN_EXE_softcall"));
    call.arg("call")
        .arg(format!("sip:callee@127.0.0.1:{port}"))
        .args([
            "--bind",
            "127.0.0.1:0",
            "--hangup-after",
            "4",
            "--dtmf",
            "5",
        ])
        .arg("--play")
        .arg(&ours)
        .arg("--record")
        .arg(&rec);
    let softcall = Peer::spawn("softcall", call);
    assert!(
        wait_for_text(&log_path, "Call established", Duration::from_secs(10)),
        "baresip never answered:\n{}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );
    // Press 7 on the softphone: its console takes keys over UDP and sends them as RFC 4733 events.
    std::thread::sleep(Duration::from_millis(800));
    let cons = UdpSocket::bind("127.0.0.1:0").unwrap();
    cons.send_to(b"7", ("127.0.0.1", cons_port)).unwrap();
    let (ok, out, err) = softcall.wait(Duration::from_secs(30));
    let log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert!(ok, "softcall failed:\n{out}\n{err}\nbaresip:\n{log_text}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON report");
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["ended_by"], "local", "{report}\n{log_text}");
    assert_eq!(report["dtmf_sent"], "5");
    assert!(
        report["dtmf_received"].as_str().unwrap_or("").contains('7'),
        "DTMF 7 pressed on baresip reached softcall: {report}\n{log_text}"
    );
    // What baresip played is in the left channel of our recording.
    let (left_rms, seconds) = super::channel_energy(&rec, 0);
    assert!(seconds >= 3.5, "recording lasts {seconds} s");
    assert!(
        left_rms > 1000.0,
        "baresip's tone in our recording (rms {left_rms})"
    );
    // What we played reached baresip: its decoded-audio dump carries energy.
    let dump = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .expect("baresip dumped the audio it decoded");
    let (heard_rms, heard_seconds) = super::channel_energy(&dump, 0);
    assert!(heard_seconds >= 2.5, "baresip decoded {heard_seconds} s");
    assert!(
        heard_rms > 1000.0,
        "our tone reached baresip (rms {heard_rms})"
    );
    // baresip logs each RFC 4733 event it decodes as `received event: '<key>' (end=<0|1>)`.
    let keys: Vec<&str> = log_text
        .lines()
        .filter_map(|l| l.split("received event: '").nth(1))
        .filter_map(|rest| rest.split('\'').next())
        .collect();
    assert!(
        keys.contains(&"5") && keys.iter().all(|k| *k == "5"),
        "baresip decoded exactly the key 5 we sent, got {keys:?}:\n{log_text}"
    );
}

#[test]
fn baresip_registered_with_kamailio_is_reached_through_it() {
    if !require("baresip", "baresip") || !require("kamailio", "kamailio") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let kam_port = free_port();
    // No fallback: the callee is found only through its registration.
    let _kam = kamailio(kam_port, free_port(), false, dir.path());
    let port = free_port();
    let account = format!(
        "<sip:callee@127.0.0.1:{kam_port}>;auth_pass=calleepw;regint=60;answermode=auto;audio_codecs=PCMA"
    );
    baresip_config(dir.path(), port, free_port(), 600.0, &account);
    let (_baresip, log_path) = spawn_baresip(dir.path(), 40);
    assert!(
        wait_for_text(&log_path, "200 OK", Duration::from_secs(10)),
        "baresip did not register with Kamailio:\n{}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );
    let rec = dir.path().join("rec.wav");
    let report = call_through(
        kam_port,
        "robotpw",
        &["--hangup-after", "2.5", "--record", rec.to_str().unwrap()],
        Duration::from_secs(40),
    );
    let log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert_eq!(report["registered"], true, "{report}");
    assert_eq!(report["outcome"], "answered", "{report}\n{log_text}");
    assert_eq!(
        report["media"]["codec"], "PCMA",
        "baresip offers only PCMA here"
    );
    let (left_rms, _) = super::channel_energy(&rec, 0);
    assert!(
        left_rms > 1000.0,
        "baresip's tone reached us through the proxy's call (rms {left_rms})"
    );
}

/// The agent queue: a sipp UAS on loopback that answers one call within `seconds`; returns it and its port.
pub(crate) fn agent_queue(dir: &Path, seconds: u32) -> (Peer, u16) {
    let port = free_port();
    let mut queue = Command::new("sipp");
    queue
        .current_dir(dir)
        .args(["-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .args(["-p", &port.to_string()])
        .args(["-mp", &super::port_block(4).to_string()])
        .args(["-m", "1", "-timeout", &format!("{seconds}s"), "-nostdin"]);
    let peer = Peer::spawn("sipp", queue);
    wait_for_udp(port);
    (peer, port)
}

#[test]
fn baresip_transferee_follows_our_refer_to_the_agent_queue() {
    if !require("baresip", "baresip") || !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_queue, queue_port) = agent_queue(dir.path(), 30);
    let port = free_port();
    baresip_config(dir.path(), port, free_port(), 500.0, DIRECT_ACCOUNT);
    let (_baresip, log_path) = spawn_ready_baresip(dir.path(), port, 30);
    let queue_uri = format!("sip:agents@127.0.0.1:{queue_port}");
    let report = softcall_call(
        &[
            &format!("sip:callee@127.0.0.1:{port}"),
            "--bind",
            "127.0.0.1:0",
            "--transfer-to",
            &queue_uri,
            "--transfer-after",
            "0.5",
        ],
        Duration::from_secs(30),
    );
    let log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["transfer"]["success"], true, "{report}\n{log_text}");
    assert_eq!(report["transfer"]["status"], 200);
    assert_eq!(
        report["ended_by"], "local",
        "we leave after the transfer succeeded"
    );
    assert!(
        log_text.contains(&format!("Call established: {queue_uri}")),
        "baresip reached the agent queue:\n{log_text}"
    );
}
