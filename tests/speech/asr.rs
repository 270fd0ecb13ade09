use super::{fixture, ko_model};
use softcall::asr::listener::Listener;
use softcall::asr::model::AsrModel;
use softcall::asr::recognizer::Recognizer;
use softcall::audio::frame::frames_of;
use softcall::audio::wav::read_telephony;
use softcall::qa::replay::listen_all;
use std::collections::HashSet;

#[test]
fn model_is_loaded_once_and_shared() {
    let Some(first) = ko_model() else { return };
    let second = AsrModel::load(first.path()).unwrap();
    assert_eq!(first.sample_rate(), 16_000);
    assert!(
        first.shares_model_with(&second),
        "a second load reuses the process-wide model"
    );
}

#[test]
fn recogniser_returns_structured_words_for_a_fixture() {
    let Some(model) = ko_model() else { return };
    let samples = read_telephony(&fixture("ko/no-money.wav")).unwrap();
    let duration = samples.len() as f64 / 8000.0;
    let mut recognizer = Recognizer::new(&model, None).unwrap();
    for frame in frames_of(&samples) {
        recognizer.accept(&frame);
    }
    let transcript = recognizer.finish_utterance();
    assert!(
        !transcript.words.is_empty(),
        "the recogniser heard words in speech"
    );
    assert_eq!(
        transcript.text,
        transcript
            .words
            .iter()
            .map(|w| w.word.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for w in &transcript.words {
        assert!(
            w.start < w.end && w.end <= duration + 0.1,
            "word timing {w:?} within the clip of {duration} s"
        );
        assert!((0.0..=1.0).contains(&w.conf), "confidence {w:?} in [0, 1]");
    }
    assert!(transcript.confidence > 0.0 && transcript.confidence <= 1.0);
}

#[test]
fn grammar_recognises_an_answer_and_restricts_output_to_its_phrases() {
    let Some(model) = ko_model() else { return };
    let grammar: Vec<String> = ["네", "아니요", "여보세요"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let allowed: HashSet<&str> = grammar.iter().map(String::as_str).collect();
    let mut heard = Vec::new();
    for clip in [
        "ko-grammar/yes.wav",
        "ko-grammar/no.wav",
        "ko/tomorrow.wav",
        "ko/dont-call.wav",
        "ko/no-money.wav",
    ] {
        let samples = read_telephony(&fixture(clip)).unwrap();
        let mut listener = Listener::new(
            &model,
            Some(&grammar),
            Default::default(),
            Default::default(),
        )
        .unwrap();
        let text = listen_all(&mut listener, &samples)
            .into_iter()
            .map(|u| u.text)
            .collect::<Vec<_>>()
            .join(" ");
        for word in text.split_whitespace() {
            assert!(
                allowed.contains(word),
                "{clip}: `{word}` is outside the grammar {grammar:?}"
            );
        }
        heard.push(text);
    }
    assert_eq!(
        heard[0], "네",
        "the `yes` answer is recognised exactly with the grammar"
    );
    assert_eq!(
        heard[1], "아니요",
        "the `no` answer is recognised exactly with the grammar"
    );
}

#[test]
fn a_listening_step_can_switch_the_grammar_between_utterances() {
    let Some(model) = ko_model() else { return };
    let samples = read_telephony(&fixture("ko/no-money.wav")).unwrap();
    let mut listener = Listener::new(&model, None, Default::default(), Default::default()).unwrap();
    let free = listen_all(&mut listener, &samples);
    assert!(free.iter().any(|u| !u.text.is_empty()));
    let grammar = vec!["네".to_string(), "아니요".to_string()];
    listener.set_grammar(Some(&grammar)).unwrap();
    let restricted = listen_all(&mut listener, &samples);
    for word in restricted.iter().flat_map(|u| u.text.split_whitespace()) {
        assert!(
            grammar.iter().any(|g| g == word),
            "`{word}` is outside the new grammar"
        );
    }
    listener.set_grammar(None).unwrap();
    let yes = read_telephony(&fixture("ko-grammar/yes.wav")).unwrap();
    assert!(!listen_all(&mut listener, &yes).is_empty());
}
