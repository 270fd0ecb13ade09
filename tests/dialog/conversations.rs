//! A scripted conversation per outcome through the engine, for both shipped flows.

use super::{broke, day, fresh, Call, SHIPPED};
use chrono::Timelike;
use softcall::dialog::engine::Action;
use softcall::dialog::nlu::Intent;
use softcall::domain::Disposition;

/// Word stems that would reveal the debt to a third party.
const DEBT_WORDS: &[&str] = &[
    "долг",
    "задолж",
    "просроч",
    "debt",
    "past due",
    "owe",
    "amount due",
];

fn both(test: impl Fn(usize)) {
    for i in 0..SHIPPED.len() {
        test(i);
    }
}

fn assert_no_debt_revealed(call: &Call) {
    let said = call.transcript().to_lowercase();
    for w in DEBT_WORDS {
        assert!(!said.contains(w), "third party heard {w:?}:\n{said}");
    }
    assert!(
        !call.engine.path().iter().any(|n| n.starts_with("inform_")),
        "{:?}",
        call.engine.path()
    );
}

fn promise(call: &Call) -> Option<(chrono::NaiveDate, Option<f64>)> {
    call.actions.iter().find_map(|a| match a {
        Action::RecordPromise { date, amount } => Some((*date, *amount)),
        _ => None,
    })
}

#[test]
fn promise_within_horizon_is_read_back_recorded_and_closed() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        assert!(
            call.transcript().contains("МФК «Быстрый займ»")
                || call.transcript().contains("QuickCash")
        );
        call.says(Intent::Confirm);
        assert!(call.visited("inform_debt") && call.visited("consequences"));
        assert_eq!(call.engine.current_node(), "ask_date");
        call.hear(Intent::PromiseToPay, Some(day(3)), None);
        assert_eq!(call.engine.current_node(), "read_back");
        assert!(
            promise(&call).is_none(),
            "nothing recorded before the read-back is confirmed"
        );
        let out = call.says(Intent::Confirm);
        assert_eq!(
            promise(&call),
            Some((
                day(3),
                Some(call.engine.vars().get("amount_due").as_number().unwrap())
            ))
        );
        assert!(matches!(
            out.last(),
            Some(Action::Hangup {
                outcome: Disposition::PromiseToPay
            })
        ));
        assert!(call.visited("record_promise") && call.visited("closing_promise"));
        assert_eq!(call.ending().outcome, Disposition::PromiseToPay);
        let summary = call.engine.summary();
        assert_eq!(summary.promise.map(|p| p.date), Some(day(3)));
        assert_eq!(summary.turns.len(), 3);
        assert_eq!(summary.path.first().map(String::as_str), Some("greeting"));
    });
}

#[test]
fn promise_with_amount_keeps_the_amount() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.hear(Intent::PromiseToPay, Some(day(1)), Some(500.0));
        call.says(Intent::Confirm);
        assert_eq!(promise(&call), Some((day(1), Some(500.0))));
        assert_eq!(call.ending().outcome, Disposition::PromiseToPay);
    });
}

#[test]
fn vague_promise_asks_for_an_exact_date() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.hear(Intent::PromiseToPay, None, None);
        assert_eq!(call.engine.current_node(), "ask_exact_date");
        call.hear(Intent::PromiseToPay, Some(day(5)), None);
        call.says(Intent::Confirm);
        assert_eq!(promise(&call).map(|p| p.0), Some(day(5)));
    });
}

#[test]
fn late_date_is_negotiated_once_then_the_horizon_date_is_taken() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.hear(Intent::PromiseToPay, Some(day(20)), None);
        assert_eq!(call.engine.current_node(), "negotiate_date");
        call.says(Intent::Confirm);
        assert_eq!(call.engine.current_node(), "read_back");
        call.says(Intent::Confirm);
        assert_eq!(promise(&call).map(|p| p.0), Some(day(7)));
        assert_eq!(call.ending().outcome, Disposition::PromiseToPay);
    });
}

#[test]
fn second_late_date_leads_to_restructuring_and_hand_off() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.hear(Intent::PromiseToPay, Some(day(20)), None);
        call.hear(Intent::PromiseToPay, Some(day(15)), None);
        assert_eq!(call.engine.current_node(), "offer_restructuring");
        call.says(Intent::Confirm);
        assert_eq!(call.ending().reason.as_deref(), Some("restructuring"));
        assert!(call.actions.contains(&Action::Handoff {
            reason: "restructuring".into()
        }));
    });
}

#[test]
fn hardship_is_flagged_and_offered_restructuring() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.says(Intent::CannotPay);
        assert!(call.actions.contains(&Action::Flag {
            flag: "hardship".into()
        }));
        assert_eq!(call.engine.current_node(), "offer_restructuring");
        call.says(Intent::Confirm);
        assert_eq!(call.ending().outcome, Disposition::Handoff);
        assert_eq!(call.ending().reason.as_deref(), Some("restructuring"));
    });
}

#[test]
fn already_paid_ends_with_already_paid() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        let out = call.says(Intent::AlreadyPaid);
        assert!(matches!(
            out.last(),
            Some(Action::Hangup {
                outcome: Disposition::AlreadyPaid
            })
        ));
    });
}

#[test]
fn refusal_is_answered_once_then_recorded() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.says(Intent::Refuse);
        assert_eq!(call.engine.current_node(), "refuse_once");
        assert!(!call.engine.is_finished());
        call.says(Intent::Refuse);
        assert_eq!(call.ending().outcome, Disposition::Refused);
    });
}

#[test]
fn persuaded_after_refusal_promises() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.says(Intent::Refuse);
        call.hear(Intent::PromiseToPay, Some(day(2)), Some(1000.0));
        call.says(Intent::Confirm);
        assert_eq!(promise(&call), Some((day(2), Some(1000.0))));
    });
}

#[test]
fn wrong_person_hears_a_neutral_message() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        let out = call.says(Intent::WrongPerson);
        assert!(matches!(
            out.last(),
            Some(Action::Hangup {
                outcome: Disposition::WrongPerson
            })
        ));
        assert_no_debt_revealed(&call);
        let phone = call.engine.vars().get("creditor_phone");
        assert!(call
            .transcript()
            .contains(&phone.speak("", softcall::dialog::nlu::Lang::Ru)));
    });
}

#[test]
fn no_at_identity_is_a_wrong_person() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Deny);
        assert_eq!(call.ending().outcome, Disposition::WrongPerson);
        assert_no_debt_revealed(&call);
    });
}

#[test]
fn dispute_is_handed_off_with_reason() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.says(Intent::Dispute);
        assert!(call.actions.contains(&Action::Flag {
            flag: "dispute".into()
        }));
        assert_eq!(call.ending().reason.as_deref(), Some("dispute"));
    });
}

#[test]
fn operator_request_is_handed_off_at_any_listening_node() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Operator);
        assert_eq!(call.ending().reason.as_deref(), Some("operator_request"));
        assert_no_debt_revealed(&call);

        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        call.hear(Intent::PromiseToPay, Some(day(3)), None);
        call.says(Intent::Operator);
        assert_eq!(call.ending().reason.as_deref(), Some("operator_request"));
    });
}

#[test]
fn abuse_is_flagged_and_ends_politely() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        let out = call.says(Intent::Abuse);
        assert!(out.contains(&Action::Flag {
            flag: "complaint".into()
        }));
        assert!(matches!(
            out.last(),
            Some(Action::Hangup {
                outcome: Disposition::Complaint
            })
        ));
        assert!(matches!(
            out.iter().find(|a| matches!(a, Action::Say { .. })),
            Some(Action::Say { .. })
        ));
    });
}

#[test]
fn stop_calls_is_recorded_even_before_identity() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        let out = call.says(Intent::StopCalls);
        assert!(out.contains(&Action::Flag {
            flag: "stop_calls".into()
        }));
        assert_eq!(call.ending().outcome, Disposition::StopCalls);
        assert_no_debt_revealed(&call);
    });
}

#[test]
fn callback_on_a_named_day_is_scheduled_at_noon_local() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        let out = call.hear(Intent::Callback, Some(day(2)), None);
        let at = out
            .iter()
            .find_map(|a| match a {
                Action::ScheduleCallback { at } => Some(*at),
                _ => None,
            })
            .expect("a callback is scheduled");
        let tz: chrono_tz::Tz = super::load_debtor(SHIPPED[i].1).timezone.parse().unwrap();
        let local = at.with_timezone(&tz);
        assert_eq!((local.date_naive(), local.hour()), (day(2), 12));
        assert!(matches!(
            out.last(),
            Some(Action::Hangup {
                outcome: Disposition::Callback
            })
        ));
    });
}

#[test]
fn callback_without_a_day_is_two_hours_later() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        let now = call.now + chrono::Duration::seconds(8);
        call.says(Intent::Callback);
        assert!(call.actions.contains(&Action::ScheduleCallback {
            at: now + chrono::Duration::hours(2)
        }));
        assert_eq!(call.ending().outcome, Disposition::Callback);
    });
}

#[test]
fn two_no_matches_in_a_row_hand_off() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.says(Intent::Confirm);
        let first = call.says(Intent::Unknown);
        assert!(!call.engine.is_finished());
        assert!(
            matches!(first.last(), Some(Action::Listen { .. })),
            "{first:?}"
        );
        call.send(softcall::dialog::engine::Event::SilenceTimeout);
        assert_eq!(call.ending().reason.as_deref(), Some("no_match"));
    });
}

#[test]
fn low_confidence_is_never_taken_as_an_answer() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        for _ in 0..2 {
            call.send(softcall::dialog::engine::Event::Utterance {
                text: "да".into(),
                confidence: 0.1,
            });
        }
        assert!(!call.visited("identity_confirmed"));
        assert_eq!(call.ending().outcome, Disposition::Handoff);
    });
}

#[test]
fn broken_promise_is_mentioned() {
    both(|i| {
        let mut call = Call::shipped(i, |d| broke(d, 1));
        call.says(Intent::Confirm);
        assert!(
            call.visited("inform_broken_promise"),
            "{:?}",
            call.engine.path()
        );
        let date = call.engine.vars().get("last_promise_date");
        let lang = call.engine.flow().lang;
        assert!(call.transcript().contains(&date.speak("", lang)));
    });
}

#[test]
fn many_broken_promises_get_the_firm_message() {
    both(|i| {
        let mut call = Call::shipped(i, |d| broke(d, 3));
        call.says(Intent::Confirm);
        assert!(
            call.visited("inform_many_broken"),
            "{:?}",
            call.engine.path()
        );
    });
}

#[test]
fn questions_forever_hit_the_turn_limit() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        let limit = call.engine.flow().settings.turn_limit;
        call.says(Intent::Confirm);
        let mut turns = 1;
        while !call.engine.is_finished() {
            call.says(Intent::Question);
            turns += 1;
            assert!(turns <= limit);
        }
        assert_eq!(turns, limit);
        assert_eq!(call.ending().reason.as_deref(), Some("turn_limit"));
    });
}

#[test]
fn key_presses_answer_the_identity_question() {
    both(|i| {
        let mut call = Call::shipped(i, fresh);
        call.send(softcall::dialog::engine::Event::Dtmf('1'));
        assert!(call.visited("identity_confirmed"));
        let mut call = Call::shipped(i, fresh);
        call.send(softcall::dialog::engine::Event::Dtmf('2'));
        assert_eq!(call.ending().outcome, Disposition::WrongPerson);
    });
}
