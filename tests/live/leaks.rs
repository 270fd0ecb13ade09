//! A hundred live calls in one process leave nothing behind: no call driver, listener thread (with its Vosk
//! recogniser) or prompt renderer is still running afterwards.

use super::{models_present, repo, start_phone_for};
use softcall::call::config::CallConfig;
use softcall::call::listening::running_listeners;
use softcall::call::live::{
    self, running_calls, CollectRecords, Conversation, DialTarget, MediaSettings,
};
use softcall::call::playout::running_renderers;
use softcall::call::speech::CallSpeech;
use softcall::config::Config;
use softcall::dialog::context::DebtorFile;
use softcall::dialog::flow::Flow;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CALLS: usize = 100;
const AT_ONCE: usize = 4;

/// Set in the child process that does the counting.
const ALONE: &str = "SOFTCALL_TEST_LEAKS_ALONE";

/// The counters are process-wide and other live tests of this binary hold calls in parallel, so the hundred
/// calls are made and counted in a child process running only this test.
#[test]
fn a_hundred_calls_leave_no_task_thread_or_recogniser_behind() {
    if !models_present() {
        return;
    }
    if std::env::var_os(ALONE).is_some() {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(hundred_calls());
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([
            "live::leaks::a_hundred_calls_leave_no_task_thread_or_recogniser_behind",
            "--exact",
            "--nocapture",
            "--test-threads",
            "1",
        ])
        .env(ALONE, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    eprintln!("{stderr}");
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("1 passed"),
        "the child ran the count: {stdout}"
    );
}

async fn hundred_calls() {
    let config = Config::load(&repo("softcall.toml")).expect("softcall.toml loads");
    let flow = Arc::new(Flow::load(&repo("dialogs/soft_collection_en.yaml")).expect("flow loads"));
    let debtor = DebtorFile::load(&repo("dialogs/examples/debtor_en.json")).expect("debtor loads");
    let speech = Arc::new(CallSpeech::for_language(&config, flow.lang).expect("models load"));
    // The phone hangs up every call 400 ms into the robot's greeting.
    let scenario = "ring_ms: 50\nsteps:\n  - at_prompt_ms: 400\n    hangup: true\n";
    let mut phone = start_phone_for(scenario, None, AT_ONCE as u16).await;
    let sip = Arc::new(super::loopback_sip().await);
    let base_port = crate::sip::port_block(2 * AT_ONCE as u16);
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for batch in 0..CALLS / AT_ONCE {
        let mut calls = Vec::new();
        for slot in 0..AT_ONCE {
            let sip = Arc::clone(&sip);
            let speech = Arc::clone(&speech);
            let ctx = debtor
                .clone()
                .into_context(chrono::Utc::now())
                .expect("context");
            let conversation = Conversation {
                flow: Arc::clone(&flow),
                ctx,
                config: CallConfig::default(),
                stop: softcall::call::stop::StopWatch::never(),
            };
            let port = base_port.wrapping_add(u16::try_from(slot * 2).unwrap_or(0));
            let target = DialTarget {
                target: format!("sip:debtor@{}", phone.addr),
                from: "sip:softcall@127.0.0.1".into(),
                display_name: None,
                dest: phone.addr,
                credentials: None,
                ring_timeout: Duration::from_secs(10),
            };
            calls.push(tokio::spawn(async move {
                let media = MediaSettings {
                    rtp_ports: port..=port.saturating_add(1),
                    ..MediaSettings::default()
                };
                let mut records = CollectRecords::default();
                live::dial(&sip, target, conversation, &speech, &media, &mut records).await
            }));
        }
        for call in calls {
            let outcome = call.await.expect("call task").expect("call runs");
            outcomes.push(outcome);
        }
        let _ = batch;
    }
    for _ in 0..CALLS {
        let _ = super::phone_report(&mut phone).await;
    }
    let elapsed = started.elapsed();
    phone.stop().await;
    assert_eq!(outcomes.len(), CALLS);
    let unanswered: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.report.is_none())
        .map(|o| o.telephony.reason.as_str())
        .collect();
    assert!(unanswered.is_empty(), "calls not conducted: {unanswered:?}");
    // Rendering ahead runs on the blocking pool and finishes by itself; give it a moment.
    let deadline = Instant::now() + Duration::from_secs(20);
    while (running_calls(), running_listeners(), running_renderers()) != (0, 0, 0)
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(running_calls(), 0, "call drivers still running");
    assert_eq!(
        running_listeners(),
        0,
        "listener threads (recognisers) still running"
    );
    assert_eq!(running_renderers(), 0, "prompt renderers still running");
    eprintln!(
        "{CALLS} calls, {AT_ONCE} at a time, in {:.1} s",
        elapsed.as_secs_f64()
    );
}
