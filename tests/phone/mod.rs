//! `softcall phone`, the simulated debtor phone, against real callers on loopback: sipp as a UAC and
//! `softcall call`. The phone runs in process through its library API (`Phone::start`); the callers are
//! separate processes.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use softcall::phone::scenario::{AnswerMode, Scenario};
use softcall::phone::{Phone, PhoneConfig, PhoneHandle, PhoneReport, ScenarioBook};

use crate::sip::{channel_energy, data, free_port, require, softcall_call, write_tone, Peer};

/// Whether sipp is here (the one place these tests ask).
fn sipp_present() -> bool {
    require("sipp", "sip-tester")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("audio-fixtures")
        .join(name)
}

/// A book of scenarios written as YAML text, by dialled user.
fn book(scenarios: &[(&str, String)]) -> ScenarioBook {
    let mut book = ScenarioBook::default();
    for (user, text) in scenarios {
        let scenario = Scenario::parse(text, Path::new(user)).expect("test scenario parses");
        book.insert(*user, *user, scenario);
    }
    book
}

async fn start_phone(scenarios: ScenarioBook, record_dir: Option<PathBuf>) -> PhoneHandle {
    let rtp = free_port();
    Phone::start(PhoneConfig {
        bind: "127.0.0.1:0".parse().expect("loopback address"),
        scenarios,
        rtp_ports: rtp..=rtp + 1,
        record_dir,
        report_dir: None,
    })
    .await
    .expect("phone starts on loopback")
}

async fn next_report(phone: &mut PhoneHandle) -> PhoneReport {
    tokio::time::timeout(Duration::from_secs(60), phone.next_report())
        .await
        .expect("a phone report within 60 s")
        .expect("the phone is running")
}

fn deeds(report: &PhoneReport) -> Vec<String> {
    report
        .report
        .deeds
        .iter()
        .map(|d| d.what.split(' ').next().unwrap_or("").to_string())
        .collect()
}

/// Runs sipp as a caller of `user` at the phone with `scenario` (tests/data/sip); returns success and logs.
fn sipp_call(
    scenario: &str,
    phone: std::net::SocketAddr,
    user: &str,
    workdir: &Path,
) -> (bool, String) {
    let mut cmd = Command::new("sipp");
    cmd.current_dir(workdir)
        .arg("-sf")
        .arg(data(scenario))
        .arg(phone.to_string())
        .args(["-s", user, "-i", "127.0.0.1", "-mi", "127.0.0.1"])
        .args([
            "-p",
            &free_port().to_string(),
            "-mp",
            &free_port().to_string(),
        ])
        .args(["-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin"]);
    let (ok, out, err) = Peer::spawn("sipp", cmd).wait(Duration::from_secs(45));
    (ok, format!("stdout:\n{out}\nstderr:\n{err}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_caller_is_answered_played_to_and_hung_up_on() {
    if !sipp_present() {
        return;
    }
    let clip = fixture("formats/hello-22k-8bit.wav");
    let scenario = format!(
        "ring_ms: 200\nsteps:\n  - after: now\n    play: {}\nend: hangup\n",
        clip.display()
    );
    let mut phone = start_phone(book(&[("debtor-1", scenario)]), None).await;
    let work = tempfile::tempdir().expect("temp dir");
    let addr = phone.addr;
    let dir = work.path().to_path_buf();
    let sipp = tokio::task::spawn_blocking(move || {
        sipp_call("uac_phone_answer.xml", addr, "debtor-1", &dir)
    });
    // sipp's verdict first: when it fails, the phone may never see a whole call.
    let (ok, log) = sipp.await.expect("sipp thread");
    assert!(ok, "sipp caller failed\n{log}");
    let report = next_report(&mut phone).await;
    assert_eq!(report.scenario.as_deref(), Some("debtor-1"));
    assert_eq!(
        deeds(&report),
        ["ring", "answer", "play", "hangup"],
        "{report:?}"
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let ended = report.report.ended.expect("the call ended");
    assert_eq!(ended.reason, "we hung up (scenario finished)");
    phone.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_caller_cancelling_a_ringing_phone_gets_487() {
    if !sipp_present() {
        return;
    }
    let mut phone = start_phone(book(&[("nobody", "answer: ring_out\n".into())]), None).await;
    let work = tempfile::tempdir().expect("temp dir");
    let addr = phone.addr;
    let dir = work.path().to_path_buf();
    let sipp = tokio::task::spawn_blocking(move || {
        sipp_call("uac_phone_cancel.xml", addr, "nobody", &dir)
    });
    // sipp's verdict first: when it fails, the phone may never see a whole call.
    let (ok, log) = sipp.await.expect("sipp thread");
    assert!(ok, "sipp caller failed\n{log}");
    let report = next_report(&mut phone).await;
    assert_eq!(deeds(&report), ["ring"]);
    assert_eq!(report.report.answered_ms, None);
    let ended = report.report.ended.expect("the call ended");
    assert_eq!(ended.reason, "the caller cancelled before the answer");
    phone.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_caller_of_a_busy_phone_gets_486_after_ringing() {
    if !sipp_present() {
        return;
    }
    let mut phone = start_phone(
        book(&[("busy", "answer: busy\nring_ms: 300\n".into())]),
        None,
    )
    .await;
    let work = tempfile::tempdir().expect("temp dir");
    let addr = phone.addr;
    let dir = work.path().to_path_buf();
    let sipp =
        tokio::task::spawn_blocking(move || sipp_call("uac_phone_busy.xml", addr, "busy", &dir));
    let (ok, log) = sipp.await.expect("sipp thread");
    assert!(ok, "sipp caller failed\n{log}");
    let report = next_report(&mut phone).await;
    assert_eq!(deeds(&report), ["ring", "reject"]);
    assert_eq!(report.report.deeds[1].what, "reject 486");
    phone.stop().await;
}

/// `softcall call` with `args` to `user` at the phone, off the async runtime.
async fn robot_call(
    phone: std::net::SocketAddr,
    user: &str,
    args: Vec<String>,
) -> serde_json::Value {
    let target = format!("sip:{user}@{phone}");
    tokio::task::spawn_blocking(move || {
        let mut all = vec![target, "--bind".to_string(), "127.0.0.1:0".to_string()];
        let rtp = free_port();
        all.extend(["--rtp-ports".to_string(), format!("{rtp}-{}", rtp + 1)]);
        all.extend(args);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        softcall_call(&refs, Duration::from_secs(60))
    })
    .await
    .expect("softcall call thread")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn robot_prompt_is_detected_and_the_phone_answers_with_keys_and_a_clip() {
    let work = tempfile::tempdir().expect("temp dir");
    let prompt = work.path().join("prompt.wav");
    write_tone(&prompt, 440.0, 2.0);
    let clip = fixture("formats/hello-44k-24bit.wav");
    let scenario = format!(
        "ring_ms: 300\nsilence_ms: 700\nsteps:\n  - keys: \"1\"\n  - after: now\n    play: {}\n  - after: now\n    hangup: true\n",
        clip.display()
    );
    let records = work.path().join("phone");
    std::fs::create_dir_all(&records).expect("record dir");
    let mut phone = start_phone(book(&[("promise", scenario)]), Some(records)).await;
    let robot_rec = work.path().join("robot.wav");
    let robot = robot_call(
        phone.addr,
        "promise",
        vec![
            "--play".into(),
            prompt.display().to_string(),
            "--record".into(),
            robot_rec.display().to_string(),
            "--hangup-after".into(),
            "20".into(),
        ],
    )
    .await;
    let report = next_report(&mut phone).await;

    // The phone heard one robot prompt of about the tone's two seconds, then acted after its end.
    assert_eq!(report.report.prompts.len(), 1, "{report:?}");
    let p = &report.report.prompts[0];
    let end = p.end_ms.expect("the prompt ended");
    let heard = end - p.start_ms;
    assert!(
        (1500..=2600).contains(&heard),
        "prompt heard for {heard} ms: {report:?}"
    );
    assert_eq!(deeds(&report), ["ring", "answer", "keys", "play", "hangup"]);
    let keys_at = report.report.deeds[2].at_ms;
    assert!(
        keys_at >= end + 700,
        "keys at {keys_at} ms, before the silence after {end} ms"
    );
    assert_eq!(report.report.keys_sent, "1");
    assert!(report.problems.is_empty(), "{:?}", report.problems);

    // The robot got the key and was hung up on; its recording holds the phone's clip.
    assert_eq!(robot["outcome"], "answered", "{robot}");
    assert_eq!(robot["ended_by"], "remote", "{robot}");
    assert_eq!(robot["dtmf_received"], "1", "{robot}");
    let (remote_rms, _) = channel_energy(&robot_rec, 0);
    assert!(
        remote_rms > 100.0,
        "the robot heard nothing of the clip (rms {remote_rms})"
    );
    // The phone's own stereo recording has the robot's prompt on its remote channel.
    let phone_rec = report.recording.clone().expect("phone recorded the call");
    let (prompt_rms, _) = channel_energy(&phone_rec, 0);
    assert!(
        prompt_rms > 100.0,
        "the phone recorded no prompt (rms {prompt_rms})"
    );
    phone.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_and_ring_out_phones_give_busy_and_no_answer() {
    let mut phone = start_phone(
        book(&[
            ("busy", "answer: busy\nring_ms: 300\n".into()),
            ("away", "answer: ring_out\n".into()),
        ]),
        None,
    )
    .await;
    let busy = robot_call(phone.addr, "busy", vec![]).await;
    assert_eq!(
        (busy["outcome"].as_str(), busy["status"].as_u64()),
        (Some("busy"), Some(486)),
        "{busy}"
    );
    let report = next_report(&mut phone).await;
    assert_eq!(deeds(&report), ["ring", "reject"]);

    let away = robot_call(
        phone.addr,
        "away",
        vec!["--ring-timeout".into(), "2".into()],
    )
    .await;
    assert_eq!(away["outcome"], "no_answer", "{away}");
    let report = next_report(&mut phone).await;
    assert_eq!(deeds(&report), ["ring"]);
    assert_eq!(
        report.report.ended.map(|e| e.reason).as_deref(),
        Some("the caller cancelled before the answer")
    );
    phone.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_unanswered_on_the_first_call_answers_the_second() {
    let mut phone = start_phone(
        book(&[(
            "retry",
            "answer: [no_answer, answer]\nring_ms: 300\nend: hangup\n".into(),
        )]),
        None,
    )
    .await;
    let first = robot_call(
        phone.addr,
        "retry",
        vec!["--ring-timeout".into(), "2".into()],
    )
    .await;
    assert_eq!(first["outcome"], "no_answer", "{first}");
    let report = next_report(&mut phone).await;
    assert_eq!(report.attempt, 1);
    assert_eq!(report.report.answer_mode, AnswerMode::RingOut);
    assert_eq!(deeds(&report), ["ring"]);

    let second = robot_call(
        phone.addr,
        "retry",
        vec!["--ring-timeout".into(), "5".into()],
    )
    .await;
    assert_eq!(second["outcome"], "answered", "{second}");
    assert_eq!(second["ended_by"], "remote", "the phone hung up: {second}");
    let report = next_report(&mut phone).await;
    assert_eq!(report.attempt, 2);
    assert_eq!(report.report.answer_mode, AnswerMode::Answer);
    assert_eq!(deeds(&report), ["ring", "answer", "hangup"]);
    phone.stop().await;
}
