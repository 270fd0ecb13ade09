//! Peers that are not there: the ICMP port-unreachable from a closed loopback port ends a call or a
//! registration at once, with a reason a person understands, instead of after timer B (32 s).

use std::time::Duration;

use super::softcall_call;

/// A loopback UDP port nothing listens on. It is taken below the kernel's range for automatic ports, so no
/// other test running at the same time (each binds port 0 or a port the kernel handed out) can take it.
fn closed_port() -> u16 {
    (900..1000)
        .find(|&port| !super::udp_port_bound(port))
        .expect("a free UDP port between 900 and 999")
}

#[test]
fn call_to_a_closed_port_fails_at_once_as_nothing_listening() {
    let port = closed_port();
    let target = format!("sip:callee@127.0.0.1:{port}");
    // Timer B would end it after 32 s: the 20 s bound fails the test if the ICMP error is missed.
    let report = softcall_call(&[&target, "--bind", "127.0.0.1:0"], Duration::from_secs(20));
    assert_eq!(report["outcome"], "failed", "{report}");
    assert_eq!(report["ended_by"], "network", "{report}");
    let reason = report["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains(&format!("nothing is listening at 127.0.0.1:{port}")),
        "{report}"
    );
}

#[test]
fn dead_registrar_fails_the_registration_at_once() {
    let port = closed_port();
    let register = format!("robot:secret@127.0.0.1:{port}");
    let report = softcall_call(
        &[
            "sip:callee@127.0.0.1:5060",
            "--bind",
            "127.0.0.1:0",
            "--register",
            &register,
        ],
        Duration::from_secs(60),
    );
    assert_eq!(report["registered"], false, "{report}");
    let reason = report["reason"].as_str().unwrap_or_default();
    // The kernel rate-limits ICMP errors; when parallel tests use up the budget the port-unreachable is not
    // sent and the registration fails on its retransmission timer instead (32 s), which is still a failure
    // reported plainly.
    let at_once = reason.contains(&format!(
        "registration failed: nothing is listening at 127.0.0.1:{port}"
    ));
    if !at_once {
        eprintln!("no ICMP error arrived (rate-limited under load); the timer ended it: {reason}");
    }
    assert!(
        at_once || reason.contains("registration failed"),
        "{report}"
    );
}
