//! Whole conversations through the call core: promises, barge-in and what does not barge in.

use super::{Did, Sim};
use softcall::audio::gate::GateConfig;
use softcall::call::config::CallConfig;
use softcall::call::io::{Input, Record};
use softcall::call::report::Speaker;
use softcall::domain::Disposition;
use std::time::Duration;

const SPEECH: Duration = Duration::from_millis(900);

#[test]
fn a_spoken_promise_is_recorded_and_reported() {
    let mut sim = Sim::english(CallConfig::default());
    sim.wait_prompts();
    sim.speak("yes speaking", SPEECH);
    sim.wait_prompts();
    sim.speak("I can pay on friday", SPEECH);
    sim.wait_prompts();
    sim.speak("yes that's right", SPEECH);
    sim.wait_prompts();
    let report = sim.report().clone();
    assert_eq!(report.outcome, Disposition::PromiseToPay);
    let promise = report.promise.clone().expect("a promise");
    assert_eq!(promise.date.to_string(), "2026-11-27");
    assert!(sim
        .stored
        .iter()
        .any(|r| matches!(r, Record::Promise(p) if p.date == promise.date)));
    assert_eq!(report.turns.len(), 3);
    assert_eq!(
        report.latency.len(),
        3,
        "one latency figure per answered turn"
    );
    assert!(report.path.iter().any(|n| n == "record_promise"));
    assert_eq!(sim.stops(), 0);
    assert!(
        sim.did.ends_with(&[Did::Hangup, Did::Ended]),
        "{:?}",
        sim.did
    );
    let debtor_lines: Vec<_> = report
        .transcript
        .iter()
        .filter(|l| l.speaker == Speaker::Debtor)
        .map(|l| l.text.as_str())
        .collect();
    assert_eq!(
        debtor_lines,
        ["yes speaking", "I can pay on friday", "yes that's right"]
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["outcome"], "promise_to_pay");
}

#[test]
fn keys_confirm_identity_and_the_promise() {
    let mut sim = Sim::english(CallConfig::default());
    sim.wait_prompts();
    sim.key('1');
    sim.wait_prompts();
    sim.speak("on the twenty fifth", SPEECH);
    sim.wait_prompts();
    sim.key('1');
    sim.wait_prompts();
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::PromiseToPay);
    assert_eq!(report.turns[0].input, "#1");
    assert_eq!(report.turns[2].input, "#1");
}

#[test]
fn half_a_second_of_speech_stops_an_interruptible_prompt() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("Am I speaking with");
    sim.wait(Duration::from_millis(500));
    sim.speak("yes speaking", Duration::from_millis(600));
    assert_eq!(sim.stops(), 1, "{:?}", sim.did);
    let stop_at = sim.did.iter().position(|d| *d == Did::Stop).unwrap();
    let identity_at = sim
        .did
        .iter()
        .position(|d| matches!(d, Did::Play(t, _) if t.contains("Am I speaking")))
        .unwrap();
    assert!(stop_at > identity_at);
    sim.wait(Duration::from_millis(100));
    let report = sim.core.report();
    assert_eq!(report.turns.len(), 1);
    assert_eq!(report.turns[0].input, "yes speaking");
    assert!(report.transcript.iter().any(|l| l.interrupted));
    assert!(report.timeline.iter().any(|e| e.event == "barge_in"));
}

#[test]
fn a_click_a_cough_and_a_backchannel_do_not_stop_the_prompt() {
    let cases: &[(&str, &str, u64)] = &[
        ("a 140 ms click", "", 140),
        ("a 300 ms cough", "", 300),
        ("a short uh-huh", "uh huh", 300),
        ("a long uh-huh", "uh-huh", 800),
        ("a long угу", "угу", 800),
    ];
    for (name, text, ms) in cases {
        let mut sim = Sim::english(CallConfig::default());
        sim.until_prompt("Am I speaking with");
        sim.wait(Duration::from_millis(300));
        sim.speak(text, Duration::from_millis(*ms));
        assert_eq!(sim.stops(), 0, "{name}: {:?}", sim.did);
        sim.wait_prompts();
        let report = sim.core.report();
        assert!(report.turns.is_empty(), "{name}: {:?}", report.turns);
        assert!(!report.transcript.iter().any(|l| l.interrupted), "{name}");
    }
}

/// Where the debtor starts talking in `talk-over-hiss-en.wav` (after a second of hiss alone).
const SPEECH_OVER_HISS_MS: u64 = 1000;

#[test]
fn hiss_right_after_a_backchannel_does_not_stop_the_prompt() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("Am I speaking with");
    let stopped = sim.play_clip(
        "audio-fixtures/barge-in/uh-huh-then-hiss-en.wav",
        Duration::from_millis(500),
    );
    assert_eq!(stopped, None, "{:?}", sim.did);
    sim.wait_prompts();
    assert!(!sim.core.report().transcript.iter().any(|l| l.interrupted));
}

#[test]
fn speech_over_the_same_hiss_stops_the_prompt_after_400_ms_of_it() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("Am I speaking with");
    let stopped = sim
        .play_clip(
            "audio-fixtures/barge-in/talk-over-hiss-en.wav",
            Duration::from_millis(500),
        )
        .expect("speech over hiss stops the prompt");
    let after_speech = stopped
        .as_millis()
        .checked_sub(u128::from(SPEECH_OVER_HISS_MS))
        .unwrap_or_else(|| panic!("stopped {stopped:?} into the clip, before the debtor spoke"));
    eprintln!("speech over hiss: stopped {after_speech} ms after the debtor started");
    assert!(
        (380..=500).contains(&after_speech),
        "stopped {after_speech} ms after the speech began (the 400 ms rule, then within 100 ms)"
    );
}

/// A gate that passes every voiced frame: the barge-in rule as it was before the gate.
fn vad_only() -> GateConfig {
    GateConfig {
        margin_db: f32::NEG_INFINITY,
        max_flatness: f32::INFINITY,
        ..GateConfig::default()
    }
}

/// When a clip played into the identity question stops it, from the clip's start.
fn stop_by(clip: &str, gate: GateConfig) -> Option<Duration> {
    let mut config = CallConfig::default();
    config.barge_in.gate = gate;
    let mut sim = Sim::english(config);
    sim.until_prompt("Am I speaking with");
    sim.play_clip(clip, Duration::from_millis(500))
}

#[test]
fn speech_in_noise_still_stops_the_prompt_as_the_vad_alone_would() {
    let (vad_only, stop) = (vad_only(), stop_by);
    for clip in [
        "hu-en-noisy.wav",
        "hu-en-noisy-white.wav",
        "hu-ru-noisy.wav",
        "hu-ru-noisy-pink.wav",
    ] {
        let path = format!("audio-fixtures/amd/{clip}");
        let gated =
            stop(&path, GateConfig::default()).unwrap_or_else(|| panic!("{clip}: not stopped"));
        let vad = stop(&path, vad_only.clone()).unwrap_or_else(|| panic!("{clip}: the VAD alone"));
        eprintln!("{clip}: stopped {gated:?} into the clip (the VAD alone: {vad:?})");
        assert!(
            gated <= vad + Duration::from_millis(40),
            "{clip}: stopped {gated:?} into the clip, the VAD alone at {vad:?}"
        );
    }
}

#[test]
fn person_greetings_stop_the_prompt_as_the_vad_alone_would_but_at_the_threshold() {
    let dir = super::repo("audio-fixtures/amd");
    let mut clips: Vec<String> = std::fs::read_dir(&dir)
        .expect("audio-fixtures/amd")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("hu-") && n.ends_with(".wav"))
        .collect();
    clips.sort();
    let (mut alike, mut later) = (0, Vec::new());
    for clip in &clips {
        let path = format!("audio-fixtures/amd/{clip}");
        let gated = stop_by(&path, GateConfig::default());
        let vad = stop_by(&path, vad_only());
        eprintln!("{clip}: gated {gated:?}, the VAD alone {vad:?}");
        match (gated, vad) {
            (Some(_), None) => panic!("{clip}: the gate let through what the VAD alone did not"),
            (Some(g), Some(v)) if g <= v + Duration::from_millis(60) => alike += 1,
            (_, Some(_)) => later.push(clip.as_str()),
            (None, None) => {}
        }
    }
    eprintln!(
        "{} person clips: {alike} stop the prompt within 60 ms of the VAD alone; later or not: {later:?}",
        clips.len()
    );
    // Words that end in a fricative lose their flat tail past the VAD's overhang: speech lasting just 400 ms
    // may need its next word (docs/live-calls.md).
    assert!(later.len() <= 2, "{later:?}");
    assert!(alike >= 20, "{alike}");
}

#[test]
fn speech_during_the_disclosure_is_heard_when_it_ends() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("automated call");
    sim.wait(Duration::from_secs(1));
    sim.speak("yes speaking", SPEECH);
    assert_eq!(sim.stops(), 0);
    assert!(
        sim.core.report().turns.is_empty(),
        "nothing delivered mid-disclosure"
    );
    sim.until_prompt("attempt to collect a debt");
    let report = sim.core.report();
    assert_eq!(report.turns.len(), 1);
    assert_eq!(report.turns[0].input, "yes speaking");
    assert!(report.path.iter().any(|n| n == "identity_confirmed"));
    assert!(
        !sim.prompts().iter().any(|p| p.contains("Am I speaking")),
        "the question the debtor already answered is skipped: {:?}",
        sim.prompts()
    );
}

#[test]
fn keys_interrupt_an_interruptible_prompt() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("Am I speaking with");
    sim.wait(Duration::from_millis(200));
    sim.input(Input::Dtmf('2'));
    assert_eq!(sim.stops(), 1);
    sim.wait_prompts();
    assert_eq!(sim.report().outcome, Disposition::WrongPerson);
}

#[test]
fn prompts_queued_behind_the_one_playing_are_prepared_once_in_order() {
    let mut sim = Sim::english(CallConfig::default());
    // The greeting plays; the identity question waits behind it and is handed over to render ahead.
    assert_eq!(sim.prepared.len(), 1, "{:?}", sim.prepared);
    assert!(sim.prepared[0].starts_with("Am I speaking with John Smith"));
    sim.wait_prompts();
    sim.key('1');
    // The disclosure plays; the consequences and the date question are prepared behind it, once each.
    assert_eq!(sim.prepared.len(), 3, "{:?}", sim.prepared);
    assert!(sim.prepared[1].starts_with("Please note that late fees"));
    assert!(sim.prepared[2].starts_with("When can you make the payment?"));
    sim.wait_prompts();
    assert_eq!(sim.prepared.len(), 3, "nothing is prepared twice");
}
