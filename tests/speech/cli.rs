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

/// A configuration whose default language (`ru`) has no voice installed, next to the real English voice.
fn config_without_default_voice(dir: &std::path::Path) -> std::path::PathBuf {
    let real = config();
    let voice = real.voice(Some("en")).unwrap().to_path_buf();
    let path = dir.join("softcall.toml");
    std::fs::write(
        &path,
        format!(
            "default_language = \"ru\"\nespeak_data = \"{}\"\n\
             [languages.ru]\nasr_model = \"missing-ru-model\"\nvoice = \"missing/ru_RU-irina-medium.onnx\"\n\
             [languages.en]\nasr_model = \"missing-en-model\"\nvoice = \"{}\"\n",
            real.espeak_data.display(),
            voice.display()
        ),
    )
    .unwrap();
    path
}

#[test]
fn say_without_lang_uses_the_language_whose_voice_is_installed() {
    if !available(config().voice(Some("en")).unwrap()) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = config_without_default_voice(dir.path());
    let wav = dir.path().join("hello.wav");
    let out = softcall()
        .arg("--config")
        .arg(&cfg)
        .args(["say", "Hello, this is an automated call.", "--out"])
        .arg(&wav)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("default_language `ru` has no voice installed, so `en` is used")
            && err.contains("models/README.md")
            && err.contains("scripts/fetch-models"),
        "{err}"
    );
    assert!(hound::WavReader::open(&wav).unwrap().duration() > 8000);
}

#[test]
fn say_of_empty_text_fails_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("empty.wav");
    for text in ["", "   "] {
        let out = softcall()
            .args(["say", text, "--lang", "en", "--out"])
            .arg(&wav)
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("nothing to say"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!wav.exists(), "no empty WAV is written");
    }
}
