//! Property test: on any event sequence the engine never panics and ends within the flow's turn limit.

use super::{broke, day, load_debtor, load_flow, Call, SHIPPED};
use proptest::prelude::*;
use softcall::dialog::engine::{Action, Event};
use softcall::dialog::nlu::{Intent, Understanding};

fn event() -> impl Strategy<Value = Event> {
    let texts = prop::sample::select(vec![
        "да",
        "нет",
        "заплачу в пятницу",
        "yes",
        "",
        "алло",
        "1500",
    ]);
    prop_oneof![
        (texts, 0.0f64..1.0).prop_map(|(t, c)| Event::Utterance {
            text: t.to_string(),
            confidence: c
        }),
        (
            0..Intent::ALL.len(),
            prop::option::of(-3i64..40),
            prop::option::of(0.0f64..100_000.0)
        )
            .prop_map(|(i, d, a)| Event::Understood(Understanding {
                text: String::new(),
                intent: Intent::ALL[i],
                date: d.map(day),
                amount: a,
            })),
        prop::sample::select(vec!['0', '1', '2', '3', '5', '9', '*', '#']).prop_map(Event::Dtmf),
        Just(Event::SilenceTimeout),
        Just(Event::BargeIn),
        Just(Event::PlaybackFinished),
        Just(Event::HungUp),
    ]
}

fn ends_batch_properly(actions: &[Action]) {
    if let Some(i) = actions
        .iter()
        .position(|a| matches!(a, Action::Hangup { .. } | Action::Handoff { .. }))
    {
        assert_eq!(
            i,
            actions.len() - 1,
            "an ending is the last action: {actions:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn engine_never_panics_and_ends_within_the_turn_limit(
        flow_index in 0..SHIPPED.len() + 1,
        broken in 0u32..4,
        events in prop::collection::vec(event(), 0..60),
        skip_hang_up in any::<bool>(),
    ) {
        // The shipped flows, and a flow whose no-match loops back so only the limits end it.
        let (flow_path, debtor_path) = SHIPPED
            .get(flow_index)
            .copied()
            .unwrap_or(("tests/data/dialog/low_confidence_loop.yaml", "dialogs/examples/debtor_ru.json"));
        let flow = load_flow(flow_path);
        let limit = flow.settings.turn_limit as usize;
        let debtor = if broken > 0 { broke(load_debtor(debtor_path), broken) } else { load_debtor(debtor_path) };
        let mut call = Call::start(flow, debtor);
        ends_batch_properly(&call.actions);
        for e in events {
            if skip_hang_up && e == Event::HungUp {
                continue;
            }
            let was_finished = call.engine.is_finished();
            let now = call.now + chrono::Duration::seconds(5);
            call.now = now;
            let out = call.engine.handle(e, now);
            ends_batch_properly(&out);
            if was_finished {
                prop_assert!(out.is_empty());
            }
            prop_assert!(call.engine.turns().len() <= limit);
            prop_assert_eq!(call.engine.is_finished(), call.engine.ending().is_some());
        }
        // Whatever happened, silence alone finishes the call within the remaining turns.
        let mut extra = 0;
        while !call.engine.is_finished() {
            let now = call.now + chrono::Duration::seconds(6);
            call.now = now;
            call.engine.handle(Event::SilenceTimeout, now);
            extra += 1;
            prop_assert!(extra <= limit);
        }
        prop_assert!(call.engine.turns().len() <= limit);
    }
}
