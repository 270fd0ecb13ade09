//! softcall registering with Kamailio (digest auth) and calling another user agent through it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{data, free_port, require, softcall_call, wait_for_udp, Peer};

/// Starts Kamailio in the foreground on `port` with its own runtime and working directory.
pub fn kamailio(port: u16, fallback_port: u16, sha256: bool, dir: &std::path::Path) -> Peer {
    // Start the binary `require` found, which may be /usr/sbin/kamailio outside PATH.
    let program =
        crate::skip::find("kamailio").expect("callers check `require(\"kamailio\", …)` first");
    let mut cmd = Command::new(program);
    cmd.args(["-DD", "-E", "-m", "32", "-M", "4", "-n", "1"])
        .arg("-Y")
        .arg(dir)
        .arg("-w")
        .arg(dir)
        .arg("-f")
        .arg(data("kamailio.cfg"))
        .args(["-l", &format!("udp:127.0.0.1:{port}")])
        .args([
            "-A",
            &format!("FALLBACK_URI=\"sip:127.0.0.1:{fallback_port}\""),
        ]);
    if sha256 {
        cmd.args(["-A", "WITH_SHA256"]);
    }
    let peer = Peer::spawn("kamailio", cmd);
    wait_for_udp(port);
    // Kamailio binds before its workers are ready; give them a moment.
    std::thread::sleep(Duration::from_millis(300));
    peer
}

/// Starts sipp as the callee behind the proxy: it answers one call and honours Record-Route.
fn answering_sipp(dir: &Path) -> (Peer, u16) {
    let port = free_port();
    let media = free_port();
    let mut sipp = Command::new("sipp");
    sipp.current_dir(dir)
        .arg("-sf")
        .arg(data("uas_answer_rr.xml"))
        .args(["-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .args(["-p", &port.to_string(), "-mp", &media.to_string()])
        .args(["-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin"]);
    let sipp = Peer::spawn("sipp", sipp);
    wait_for_udp(port);
    (sipp, port)
}

/// Runs `softcall call` to `callee` through the Kamailio on `port`, registering as `robot` with
/// `password`; `extra` adds arguments.
pub fn call_through(
    port: u16,
    password: &str,
    extra: &[&str],
    limit: Duration,
) -> serde_json::Value {
    let target = format!("sip:callee@127.0.0.1:{port}");
    let register = format!("robot:{password}@127.0.0.1:{port}");
    let mut args = vec![
        target.as_str(),
        "--register",
        register.as_str(),
        "--bind",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    softcall_call(&args, limit)
}

fn register_and_call(sha256: bool) {
    if !require("kamailio", "kamailio") || !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (sipp, callee_port) = answering_sipp(dir.path());
    let port = free_port();
    let kam = kamailio(port, callee_port, sha256, dir.path());
    let report = call_through(
        port,
        "robotpw",
        &["--hangup-after", "1"],
        Duration::from_secs(40),
    );
    let (sipp_ok, out, err) = sipp.wait(Duration::from_secs(20));
    drop(kam);
    assert_eq!(report["registered"], true, "{report}");
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["ended_by"], "local");
    assert!(
        sipp_ok,
        "sipp behind Kamailio saw a broken call:\n{out}\n{err}"
    );
}

#[test]
fn registers_with_md5_digest_and_calls_through_kamailio() {
    register_and_call(false);
}

#[test]
fn registers_with_sha256_digest_and_calls_through_kamailio() {
    register_and_call(true);
}

#[test]
fn registration_is_refreshed_during_a_long_call() {
    if !require("kamailio", "kamailio") || !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (sipp, callee_port) = answering_sipp(dir.path());
    let port = free_port();
    let kam = kamailio(port, callee_port, false, dir.path());
    // Granted 10 s: refreshed at 5 s, so a 6.5 s call sees the first registration and one refresh.
    let report = call_through(
        port,
        "robotpw",
        &["--register-expires", "10", "--hangup-after", "6.5"],
        Duration::from_secs(40),
    );
    let (sipp_ok, ..) = sipp.wait(Duration::from_secs(20));
    drop(kam);
    assert_eq!(report["outcome"], "answered", "{report}");
    assert_eq!(report["registrations"], 2, "{report}");
    assert!(sipp_ok);
}

#[test]
fn wrong_password_fails_registration() {
    if !require("kamailio", "kamailio") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _kam = kamailio(port, free_port(), false, dir.path());
    let report = call_through(port, "wrong", &[], Duration::from_secs(30));
    assert_eq!(report["registered"], false, "{report}");
    assert_eq!(report["outcome"], "failed");
    assert_eq!(report["status"], 401);
}
