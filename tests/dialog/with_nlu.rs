//! End to end from text: the engine understands what the debtor says with the rule-based understanding.

use super::{day, fresh, Call};
use softcall::dialog::engine::{Action, Event};
use softcall::domain::Disposition;

fn say(call: &mut Call, text: &str) {
    call.send(Event::Utterance {
        text: text.into(),
        confidence: 0.9,
    });
}

fn promise(call: &Call) -> Option<chrono::NaiveDate> {
    call.actions.iter().find_map(|a| match a {
        Action::RecordPromise { date, .. } => Some(*date),
        _ => None,
    })
}

#[test]
fn russian_promise_on_friday_from_text() {
    let mut call = Call::shipped(0, fresh);
    say(&mut call, "да это я");
    say(&mut call, "заплачу в пятницу");
    say(&mut call, "да");
    // The call date is Sunday 2026-11-22; "в пятницу" is the next Friday.
    assert_eq!(promise(&call), Some(day(5)));
    assert_eq!(call.ending().outcome, Disposition::PromiseToPay);
}

#[test]
fn russian_wrong_person_from_text() {
    let mut call = Call::shipped(0, fresh);
    say(&mut call, "вы ошиблись номером");
    assert_eq!(call.ending().outcome, Disposition::WrongPerson);
}

#[test]
fn russian_stop_calls_and_operator_from_text() {
    let mut call = Call::shipped(0, fresh);
    say(&mut call, "да");
    say(&mut call, "не звоните мне больше");
    assert_eq!(call.ending().outcome, Disposition::StopCalls);
    let mut call = Call::shipped(0, fresh);
    say(&mut call, "соедините с оператором");
    assert_eq!(call.ending().reason.as_deref(), Some("operator_request"));
}

#[test]
fn russian_already_paid_from_text() {
    let mut call = Call::shipped(0, fresh);
    say(&mut call, "слушаю");
    say(&mut call, "я уже оплатил вчера");
    assert_eq!(call.ending().outcome, Disposition::AlreadyPaid);
}

#[test]
fn english_promise_from_text() {
    let mut call = Call::shipped(1, fresh);
    say(&mut call, "yes speaking");
    say(&mut call, "i'll pay tomorrow");
    say(&mut call, "yes");
    assert_eq!(promise(&call), Some(day(1)));
    assert_eq!(call.ending().outcome, Disposition::PromiseToPay);
}

#[test]
fn english_dispute_from_text() {
    let mut call = Call::shipped(1, fresh);
    say(&mut call, "yes");
    say(&mut call, "that's not my debt");
    assert_eq!(call.ending().reason.as_deref(), Some("dispute"));
}

#[test]
fn debtor_saying_they_are_not_the_named_person_is_wrong_person() {
    // The example debtors are Петров Сергей Иванович and John Smith.
    for text in ["я не петров", "это не сергей", "нет я не сергей иванович"]
    {
        let mut call = Call::shipped(0, fresh);
        say(&mut call, text);
        assert_eq!(call.ending().outcome, Disposition::WrongPerson, "{text}");
    }
    for text in [
        "i am not john smith",
        "this is not john",
        "john does not live here",
    ] {
        let mut call = Call::shipped(1, fresh);
        say(&mut call, text);
        assert_eq!(call.ending().outcome, Disposition::WrongPerson, "{text}");
    }
}
