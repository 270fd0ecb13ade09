//! Engine behaviour around playback, barge-in, hang-ups and confidence.

use super::{fresh, load_debtor, load_flow, Call};
use softcall::dialog::engine::{Action, Event, Phase};
use softcall::dialog::nlu::{Intent, Understanding};
use softcall::domain::Disposition;

fn understood(intent: Intent) -> Event {
    Event::Understood(Understanding {
        text: String::new(),
        intent,
        date: None,
        amount: None,
    })
}

#[test]
fn start_says_the_greeting_uninterruptibly_then_listens() {
    let call = Call::shipped(0, fresh);
    let kinds: Vec<_> = call.actions.iter().map(std::mem::discriminant).collect();
    assert!(matches!(
        call.actions[0],
        Action::Say {
            interruptible: false,
            ..
        }
    ));
    assert!(matches!(
        call.actions[1],
        Action::Say {
            interruptible: true,
            ..
        }
    ));
    assert!(
        matches!(call.actions.last(), Some(Action::Listen { dtmf, .. }) if dtmf == &vec!['1', '2'])
    );
    assert_eq!(kinds.len(), 3);
    assert_eq!(
        call.engine.phase(),
        Phase::Speaking {
            interruptible: false
        }
    );
}

#[test]
fn input_during_a_legal_disclosure_is_ignored() {
    let mut call = Call::shipped(0, fresh);
    let now = call.now;
    assert!(call.engine.handle(Event::BargeIn, now).is_empty());
    assert!(call
        .engine
        .handle(understood(Intent::Confirm), now)
        .is_empty());
    assert_eq!(call.engine.current_node(), "ask_identity");
    assert!(call.engine.turns().is_empty());
    call.engine.handle(Event::PlaybackFinished, now);
    assert_eq!(call.engine.phase(), Phase::Listening);
    let out = call.engine.handle(understood(Intent::Confirm), now);
    assert!(!out.is_empty());
}

#[test]
fn barge_in_stops_an_interruptible_prompt() {
    let mut call = Call::shipped(0, fresh);
    call.says(Intent::Confirm);
    call.hear(Intent::PromiseToPay, Some(super::day(2)), None);
    assert_eq!(
        call.engine.phase(),
        Phase::Speaking {
            interruptible: true
        }
    );
    let now = call.now;
    assert_eq!(
        call.engine.handle(Event::BargeIn, now),
        vec![Action::StopPlayback]
    );
    assert_eq!(call.engine.phase(), Phase::Listening);
}

#[test]
fn debtor_hang_up_ends_with_hung_up_and_later_events_do_nothing() {
    let mut call = Call::shipped(1, fresh);
    call.send(Event::HungUp);
    assert_eq!(call.ending().outcome, Disposition::HungUp);
    assert!(call.send(understood(Intent::Confirm)).is_empty());
    assert!(call.send(Event::SilenceTimeout).is_empty());
}

#[test]
fn unknown_key_is_a_no_match_with_a_reprompt() {
    let mut call = Call::shipped(1, fresh);
    let out = call.send(Event::Dtmf('7'));
    assert!(matches!(out.first(), Some(Action::Say { text, .. }) if text.contains("didn't catch")));
    assert!(matches!(out.last(), Some(Action::Listen { .. })));
    assert_eq!(call.engine.turns()[0].input, "#7");
}

#[test]
fn low_confidence_loop_hands_off() {
    let flow = load_flow("tests/data/dialog/low_confidence_loop.yaml");
    let mut call = Call::start(flow, load_debtor("dialogs/examples/debtor_ru.json"));
    for n in 1..=3 {
        call.send(Event::Utterance {
            text: "да".into(),
            confidence: 0.2,
        });
        assert_eq!(
            call.engine.is_finished(),
            n == 3,
            "after {n} low-confidence utterances"
        );
    }
    assert_eq!(call.ending().reason.as_deref(), Some("low_confidence"));
}

#[test]
fn a_confident_utterance_resets_the_low_confidence_count() {
    let flow = load_flow("tests/data/dialog/low_confidence_loop.yaml");
    let mut call = Call::start(flow, load_debtor("dialogs/examples/debtor_ru.json"));
    for _ in 0..2 {
        call.send(Event::Utterance {
            text: "да".into(),
            confidence: 0.2,
        });
    }
    call.send(understood(Intent::Unknown));
    call.send(Event::Utterance {
        text: "да".into(),
        confidence: 0.2,
    });
    assert!(!call.engine.is_finished());
}

#[test]
fn turns_record_node_input_and_intent() {
    let mut call = Call::shipped(0, fresh);
    call.hear(Intent::Confirm, None, None);
    call.hear(Intent::PromiseToPay, Some(super::day(4)), Some(700.0));
    let turns = call.engine.turns();
    assert_eq!(turns.len(), 2);
    assert_eq!(turns[0].node, "ask_identity");
    assert_eq!(turns[1].node, "ask_date");
    assert_eq!(turns[1].intent, Some(Intent::PromiseToPay));
    assert_eq!(turns[1].amount, Some(700.0));
    assert!(turns.iter().all(|t| t.matched));
}
