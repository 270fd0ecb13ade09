use super::{fixture, ko_model};
use softcall::asr::listener::Listener;
use softcall::audio::endpoint::{EndpointConfig, EndpointEvent, Endpointer};
use softcall::audio::frame::{Frame, FRAME_SAMPLES};
use softcall::audio::wav::read_telephony;
use softcall::qa::fixture::Clip;
use softcall::qa::replay::listen_all;

#[test]
fn utterances_and_boundaries_match_a_fixture_with_known_pauses() {
    let Some(model) = ko_model() else { return };
    let clip = Clip::open(&fixture("pauses/three-answers.wav")).unwrap();
    let samples = read_telephony(&clip.wav).unwrap();
    let mut listener = Listener::new(&model, None, Default::default(), Default::default()).unwrap();
    let utterances = listen_all(&mut listener, &samples);
    assert_eq!(
        utterances.len(),
        clip.info.utterances.len(),
        "{utterances:#?}"
    );
    for (got, want) in utterances.iter().zip(&clip.info.utterances) {
        assert!(
            (got.start - want.start).abs() <= 0.060,
            "start {} vs known {}",
            got.start,
            want.start
        );
        assert!(
            (got.end - want.end).abs() <= 0.060,
            "end {} vs known {}",
            got.end,
            want.end
        );
    }
    let stats = listener.stats();
    assert!(
        stats.frames_recognised < stats.frames_in,
        "silence is not fed to the recogniser: {stats:?}"
    );
}

fn frame(level: i16) -> Frame {
    [level; FRAME_SAMPLES]
}

/// Drives the endpointer with a voiced/unvoiced pattern; frame `i` carries the value `i` so released audio
/// can be traced back to its frame.
fn run(pattern: &[bool], config: EndpointConfig, hangover: u32) -> (Vec<EndpointEvent>, Vec<i16>) {
    let mut endpointer = Endpointer::new(config, hangover);
    let mut events = Vec::new();
    for (i, &voiced) in pattern.iter().enumerate() {
        events.extend(endpointer.push(&frame(i as i16), voiced));
    }
    events.extend(endpointer.finish());
    let released = events
        .iter()
        .filter_map(|e| match e {
            EndpointEvent::Audio(f) => Some(f[0]),
            _ => None,
        })
        .collect();
    (events, released)
}

fn pattern(spans: &[(usize, bool)]) -> Vec<bool> {
    spans
        .iter()
        .flat_map(|&(n, v)| std::iter::repeat_n(v, n))
        .collect()
}

#[test]
fn speech_starts_after_minimum_voiced_audio_with_pre_roll() {
    // 1 s silence, 0.5 s speech, 1 s silence.
    let (events, released) = run(
        &pattern(&[(50, false), (25, true), (50, false)]),
        EndpointConfig::default(),
        0,
    );
    assert_eq!(events[0], EndpointEvent::SpeechStarted { start_ms: 1000 });
    // Pre-roll of 300 ms = 15 frames before frame 50.
    assert_eq!(released.first(), Some(&35));
    let ended: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, EndpointEvent::SpeechEnded { .. }))
        .collect();
    assert_eq!(
        ended,
        vec![&EndpointEvent::SpeechEnded {
            start_ms: 1000,
            end_ms: 1500
        }]
    );
    // Released: pre-roll, speech and 600 ms (30 frames) of trailing padding, nothing after.
    assert_eq!(released.last(), Some(&(75 + 30 - 1)));
    assert_eq!(released.len(), 15 + 25 + 30);
}

#[test]
fn short_blips_are_not_speech_and_hangover_is_taken_off() {
    let (events, released) = run(
        &pattern(&[(10, false), (5, true), (40, false)]),
        EndpointConfig::default(),
        0,
    );
    assert!(
        events.is_empty() && released.is_empty(),
        "100 ms of voice is below the 200 ms minimum"
    );

    let (events, _) = run(
        &pattern(&[(10, false), (30, true), (40, false)]),
        EndpointConfig::default(),
        100,
    );
    assert!(
        events.contains(&EndpointEvent::SpeechEnded {
            start_ms: 200,
            end_ms: 700
        }),
        "{:?}",
        events.last()
    );
}

#[test]
fn trailing_silence_and_stream_end_close_utterances() {
    // Two utterances separated by 800 ms (> 600 ms trailing silence), the second cut by the end of the stream.
    let (events, _) = run(
        &pattern(&[(20, true), (40, false), (20, true)]),
        EndpointConfig::default(),
        0,
    );
    let ends: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            EndpointEvent::SpeechEnded { start_ms, end_ms } => Some((*start_ms, *end_ms)),
            _ => None,
        })
        .collect();
    assert_eq!(ends, vec![(0, 400), (1200, 1600)]);
    // A 400 ms pause inside speech does not split it.
    let (events, _) = run(
        &pattern(&[(20, true), (20, false), (20, true), (40, false)]),
        EndpointConfig::default(),
        0,
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e, EndpointEvent::SpeechEnded { .. }))
            .count(),
        1
    );
}
