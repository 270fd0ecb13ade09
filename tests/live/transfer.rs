//! A hand-off the agent queue takes: baresip is the debtor's phone (it follows REFER), sipp the agent queue.

use super::{models_present, record_kinds, robot_call_to};
use crate::sip::baresip::{agent_queue, baresip_config, spawn_ready_baresip, DIRECT_ACCOUNT};
use crate::sip::{free_port, require};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_debtor_is_handed_to_the_agent_queue_which_takes_the_call() {
    if !models_present() || !require("baresip", "baresip") || !require("sipp", "sip-tester") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (_queue, queue_port) = agent_queue(dir.path(), 120);
    // The debtor's phone answers and stays silent (its audio file is silence): the identity question goes
    // unanswered twice, so the flow hands over for `no_match`.
    let port = free_port();
    baresip_config(dir.path(), port, free_port(), 0.0, DIRECT_ACCOUNT);
    // baresip leaves the call when its audio file ends: two minutes of silence outlast the conversation.
    crate::sip::write_tone(&dir.path().join("callee.wav"), 0.0, 120.0);
    let (_baresip, log_path) = spawn_ready_baresip(dir.path(), port, 120);
    let queue_uri = format!("sip:agents@127.0.0.1:{queue_port}");
    let recording = dir.path().join("robot.wav");
    let out = robot_call_to(
        format!("sip:callee@127.0.0.1:{port}"),
        &recording,
        &["--queue", &queue_uri],
    )
    .await;
    let log_text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let report = &out["report"];
    assert_eq!(report["outcome"], "handoff", "{out:#}");
    assert_eq!(report["end_reason"], "transferred", "{out:#}\n{log_text}");
    assert_eq!(report["transfer"]["status"], "accepted", "{out:#}");
    assert_eq!(report["transfer"]["target"], queue_uri.as_str());
    let kinds = record_kinds(&out);
    assert_eq!(
        kinds,
        ["context_card"],
        "a card before the transfer, no callback task: {out:#}"
    );
    assert!(
        log_text.contains(&format!("Call established: {queue_uri}")),
        "baresip reached the agent queue:\n{log_text}"
    );
}
