//! Hand-offs to the agent queue by REFER: baresip as the debtor's phone with sipp as the queue, and
//! `softcall phone` as both the debtor's phone (it follows REFER) and the queue (another user of its
//! scenario book), taking the transfer or refusing it.

use softcall::phone::{PhoneHandle, PhoneReport, ScenarioBook};

use super::{
    models_present, parse_scenario, phone_report, record_kinds, robot_call, robot_call_to,
    robot_lines, start_phone_book,
};
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

/// The debtor presses an unknown key at the identity question twice: no match twice, so the flow hands
/// over. Then it waits for the robot.
const DEBTOR_HANDED_OVER: &str =
    "ring_ms: 200\nsteps:\n  - keys: \"9\"\n  - keys: \"9\"\nend: wait_bye\n";

/// A phone whose user `debtor` follows [`DEBTOR_HANDED_OVER`] and whose user `agent-queue` follows
/// `queue`; RTP for the debtor's call, its transfer call and the queue's call.
async fn debtor_and_queue(queue: &str) -> PhoneHandle {
    let mut book = ScenarioBook::default();
    book.insert("debtor", "debtor", parse_scenario(DEBTOR_HANDED_OVER));
    book.insert("agent-queue", "agent-queue", parse_scenario(queue));
    start_phone_book(book, None, 3).await
}

/// The phone's reports of the debtor's call and of the queue's call (in whatever order they end).
async fn debtor_and_queue_reports(phone: &mut PhoneHandle) -> (PhoneReport, PhoneReport) {
    let first = phone_report(phone).await;
    let second = phone_report(phone).await;
    if first.called_user.as_deref() == Some("debtor") {
        (first, second)
    } else {
        (second, first)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_simulated_phone_follows_the_hand_off_to_a_simulated_agent_queue_that_answers() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    // The queue answers, stays silent for three seconds and hangs up.
    let queue = "ring_ms: 300\nsteps:\n  - after: now\n    wait_ms: 3000\n  - after: now\n    hangup: true\n";
    let mut phone = debtor_and_queue(queue).await;
    let queue_uri = format!("sip:agent-queue@{}", phone.addr);
    let out = robot_call(
        phone.addr,
        &work.path().join("robot.wav"),
        &["--queue", &queue_uri],
    )
    .await;
    let (debtor, agent) = debtor_and_queue_reports(&mut phone).await;
    phone.stop().await;

    let report = &out["report"];
    assert_eq!(report["outcome"], "handoff", "{out:#}");
    assert_eq!(report["end_reason"], "transferred", "{out:#}");
    assert_eq!(report["transfer"]["status"], "accepted", "{out:#}");
    assert_eq!(report["transfer"]["target"], queue_uri.as_str());
    assert_eq!(record_kinds(&out), ["context_card"], "{out:#}");

    // The debtor's phone: transferred, the queue answered, the robot hung up the original call.
    let transfer = debtor
        .report
        .transfer
        .clone()
        .expect("the phone was transferred");
    assert_eq!(transfer.target, queue_uri);
    assert_eq!(
        (transfer.answered, transfer.status),
        (Some(true), Some(200)),
        "{debtor:#?}"
    );
    assert_eq!(debtor.report.keys_sent, "99");
    let ended = debtor
        .report
        .ended
        .clone()
        .expect("the original call ended");
    assert_eq!(
        ended.reason, "peer hung up",
        "the robot left after the transfer: {debtor:#?}"
    );
    let leg = debtor
        .transfer_call
        .clone()
        .expect("the transfer call is reported");
    let answered_ms = leg.answered_ms.expect("the queue answered");
    assert!(answered_ms >= transfer.requested_ms, "{debtor:#?}");
    assert_eq!(leg.status, Some(200));
    let leg_end = leg.ended.expect("the transfer call ended");
    assert_eq!(
        leg_end.reason, "peer hung up",
        "the queue hung up: {debtor:#?}"
    );
    let held = leg_end.at_ms - answered_ms;
    assert!(
        (2_900..6_000).contains(&held),
        "held {held} ms with the queue: {debtor:#?}"
    );
    assert!(
        debtor.problems.is_empty() && leg.problems.is_empty(),
        "{debtor:#?}"
    );

    // The queue: the same phone, answered the call the debtor's phone placed, then hung up.
    assert_eq!(agent.called_user.as_deref(), Some("agent-queue"));
    assert!(agent.report.answered_ms.is_some(), "{agent:#?}");
    assert_eq!(
        agent.report.ended.map(|e| e.reason).as_deref(),
        Some("we hung up (scenario hangs up)")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_the_agent_queue_refuses_leaves_a_callback_task_and_a_polite_goodbye() {
    if !models_present() {
        return;
    }
    let work = tempfile::tempdir().expect("temp dir");
    let mut phone = debtor_and_queue("answer: decline\nring_ms: 300\n").await;
    let queue_uri = format!("sip:agent-queue@{}", phone.addr);
    let out = robot_call(
        phone.addr,
        &work.path().join("robot.wav"),
        &["--queue", &queue_uri],
    )
    .await;
    let (debtor, agent) = debtor_and_queue_reports(&mut phone).await;
    phone.stop().await;

    // The robot heard the failure sipfrag and fell back: a message, a card and a callback task.
    let report = &out["report"];
    assert_eq!(report["outcome"], "handoff", "{out:#}");
    assert_eq!(report["end_reason"], "transfer_failed", "{out:#}");
    assert_eq!(report["transfer"]["status"], "failed", "{out:#}");
    assert_eq!(report["transfer"]["reason"], "no_match", "{out:#}");
    assert_eq!(
        record_kinds(&out),
        ["context_card", "callback_task"],
        "{out:#}"
    );
    let card = &out["records"][0];
    assert_eq!(card["reason"], "no_match");
    assert_eq!(card["debtor"]["full_name"], "John Smith");
    assert!(
        card["transcript"].as_array().is_some_and(|t| t.len() >= 3),
        "the card carries the transcript so far: {card:#}"
    );
    let last = robot_lines(&out).pop().expect("robot lines");
    assert!(last.contains("no specialist is available"), "{last}");

    // The debtor's phone stayed on the original call until the robot said goodbye.
    let transfer = debtor
        .report
        .transfer
        .clone()
        .expect("the phone tried the transfer");
    assert_eq!(
        (transfer.answered, transfer.status),
        (Some(false), Some(603)),
        "{debtor:#?}"
    );
    let leg = debtor
        .transfer_call
        .clone()
        .expect("the transfer call is reported");
    assert_eq!(
        (leg.answered_ms, leg.status),
        (None, Some(603)),
        "{debtor:#?}"
    );
    assert_eq!(
        debtor.report.ended.map(|e| e.reason).as_deref(),
        Some("peer hung up")
    );
    assert_eq!(
        agent.report.deeds.last().map(|d| d.what.as_str()),
        Some("reject 603")
    );
}
