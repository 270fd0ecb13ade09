use super::{available, config, root};
use std::process::Command;

fn softcall() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_softcall"));
    cmd.current_dir(root());
    cmd
}

#[test]
fn qa_replay_of_the_fixture_folder_reports_transcripts_and_wer() {
    if !available(&config().language(Some("ko")).unwrap().asr_model) {
        return;
    }
    let out = softcall()
        .args(["qa", "replay", "audio-fixtures/ko-grammar", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert!(files
        .iter()
        .all(|f| f["utterances"].as_array().is_some_and(|u| !u.is_empty())));
    assert!(
        report["overall_wer"].as_f64().is_some_and(|w| w < 0.5),
        "{}",
        report["overall_wer"]
    );

    let table = softcall()
        .args(["qa", "replay", "audio-fixtures/pauses"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&table.stderr)
    );
    assert!(
        text.contains("three-answers.wav") && text.contains("overall WER"),
        "{text}"
    );
}

#[test]
fn say_writes_8k_speech() {
    let config = config();
    if !available(config.voice(Some("en")).unwrap()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("hello.wav");
    let out = softcall()
        .args([
            "say",
            "Hello, this is an automated call.",
            "--lang",
            "en",
            "--out",
        ])
        .arg(&out_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reader = hound::WavReader::open(&out_path).unwrap();
    assert_eq!(reader.spec().sample_rate, 8000);
    assert_eq!(reader.spec().channels, 1);
    assert!(reader.duration() > 8000, "over a second of speech");
}

#[test]
fn replay_of_a_missing_path_or_unknown_language_explains_the_fix() {
    let out = softcall()
        .args(["qa", "replay", "no/such/folder"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/folder"));
    let out = softcall()
        .args([
            "qa",
            "replay",
            "tests/data/audio/silence-3s.wav",
            "--lang",
            "xx",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`xx`") && stderr.contains("[languages.xx]"),
        "{stderr}"
    );
}
