//! A conversation through a real proxy: the robot registers with Kamailio and calls through it; Kamailio
//! forwards the call to `softcall phone`, and the debtor promises by keys.

use super::{models_present, robot_call_to, start_phone};
use crate::sip::kamailio::kamailio;
use crate::sip::{free_port, require};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promise_by_keys_through_kamailio() {
    if !models_present() || !require("kamailio", "kamailio") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario =
        "ring_ms: 200\nsteps:\n  - keys: \"1\"\n  - keys: \"1\"\n  - keys: \"1\"\nend: wait_bye\n";
    let mut phone = start_phone(scenario, None).await;
    // Calls to users that have not registered go to the phone.
    let kam_port = free_port();
    let _kamailio = kamailio(kam_port, phone.addr.port(), false, dir.path());
    let register = format!("robot:robotpw@127.0.0.1:{kam_port}");
    let out = robot_call_to(
        format!("sip:callee@127.0.0.1:{kam_port}"),
        &dir.path().join("robot.wav"),
        &["--register", &register],
    )
    .await;
    let phone_side = super::phone_report(&mut phone).await;
    phone.stop().await;
    assert_eq!(out["report"]["outcome"], "promise_to_pay", "{out:#}");
    assert_eq!(phone_side.report.keys_sent, "111");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_answers_without_media_so_the_call_ends_on_the_media_timeout() {
    if !models_present() || !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    // sipp's built-in UAS answers and sends no RTP at all.
    let mut uas = std::process::Command::new("sipp");
    uas.current_dir(dir.path())
        .args(["-sn", "uas", "-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .args([
            "-p",
            &port.to_string(),
            "-mp",
            &crate::sip::port_block(4).to_string(),
        ])
        .args(["-m", "1", "-timeout", "60s", "-nostdin"]);
    let _sipp = crate::sip::Peer::spawn("sipp", uas);
    crate::sip::wait_for_udp(port);
    let out = robot_call_to(
        format!("sip:debtor@127.0.0.1:{port}"),
        &dir.path().join("robot.wav"),
        &["--media-timeout", "4"],
    )
    .await;
    let report = &out["report"];
    assert_eq!(report["end_reason"], "media_timeout", "{out:#}");
    assert_eq!(report["outcome"], "failed", "{out:#}");
    assert_eq!(
        out["telephony"]["ended_by"], "local",
        "we hang up a call without media: {out:#}"
    );
    let duration = report["duration_ms"].as_u64().expect("duration");
    assert!(
        (3_500..12_000).contains(&duration),
        "ended after {duration} ms"
    );
    assert_eq!(out["listened"]["frames_in"], 0, "{out:#}");
}
