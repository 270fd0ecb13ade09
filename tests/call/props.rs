//! Random input sequences: the core never panics and every call ends with exactly one `Ended`.

use super::Sim;
use proptest::prelude::*;
use softcall::audio::gate::FrameLevel;
use softcall::call::config::CallConfig;
use softcall::call::io::Input;
use std::time::Duration;

fn input() -> impl Strategy<Value = Input> {
    let text = prop::sample::select(vec![
        "",
        "yes",
        "uh huh",
        "I can pay on friday",
        "no",
        "operator please",
        "I already paid",
        "угу",
        "stop calling me",
    ]);
    prop_oneof![
        4 => (any::<bool>(), -100.0f32..0.0, 0.0f32..1.0).prop_map(|(voiced, energy_db, flatness)| {
            Input::Voice {
                voiced,
                level: FrameLevel { energy_db, flatness },
            }
        }),
        1 => text.clone().prop_map(|t| Input::Partial(t.to_string())),
        2 => (text, 0.0f64..1.0, -1.0f64..200.0, 0.0f64..3.0).prop_map(|(t, c, s, l)| Input::Utterance {
            text: t.to_string(),
            confidence: c,
            start: s,
            end: s + l,
            closed: s + l + 0.6,
        }),
        1 => prop::sample::select(vec!['1', '2', '5', '#']).prop_map(Input::Dtmf),
        1 => (0u64..20).prop_map(|id| Input::PromptStarted { id }),
        1 => (0u64..20).prop_map(|id| Input::PromptFinished { id }),
        1 => (0u64..20).prop_map(|id| Input::PromptStopped { id }),
        1 => Just(Input::TransferAccepted),
        1 => Just(Input::TransferFailed { reason: "503".into() }),
        1 => Just(Input::Answered),
    ]
}

fn ending() -> impl Strategy<Value = Option<Input>> {
    prop_oneof![
        Just(None),
        Just(Some(Input::RemoteHangup)),
        Just(Some(Input::MediaTimeout)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 150, ..ProptestConfig::default() })]

    #[test]
    fn random_calls_end_exactly_once(
        steps in prop::collection::vec((input(), 0u64..3000), 0..80),
        queue in any::<bool>(),
        last in ending(),
    ) {
        let config = CallConfig {
            transfer_target: queue.then(|| "sip:agents@127.0.0.1".to_string()),
            max_length: Duration::from_secs(300),
            ..CallConfig::default()
        };
        let mut sim = Sim::english(config);
        for (input, gap) in steps {
            sim.input(input);
            sim.wait(Duration::from_millis(gap));
        }
        if let Some(input) = last {
            sim.input(input);
        }
        // Whatever happened, the timers end the call within its maximum length.
        sim.wait(Duration::from_secs(400));
        prop_assert_eq!(sim.reports.len(), 1, "did {:?}", sim.did);
        prop_assert!(sim.core.is_ended());
        prop_assert!(sim.core.poll_timeout().is_none());
        prop_assert!(sim.core.poll_output().is_none());
    }
}
