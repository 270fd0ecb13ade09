//! Every way a call ends: remote hang-up mid-prompt, silence, maximum length, media timeout, transfers.

use super::{Did, Sim};
use softcall::call::config::CallConfig;
use softcall::call::io::{Input, Record};
use softcall::call::report::{EndReason, TransferStatus};
use softcall::domain::Disposition;
use std::time::Duration;

const SPEECH: Duration = Duration::from_millis(900);

fn with_queue() -> CallConfig {
    CallConfig {
        transfer_target: Some("sip:agents@127.0.0.1".into()),
        ..CallConfig::default()
    }
}

#[test]
fn remote_hangup_mid_prompt_ends_once_without_a_bye() {
    let mut sim = Sim::english(CallConfig::default());
    sim.wait(Duration::from_secs(2));
    assert!(sim.playing.is_some());
    sim.input(Input::RemoteHangup);
    sim.input(Input::RemoteHangup);
    sim.input(Input::Dtmf('1'));
    sim.wait(Duration::from_secs(60));
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::HungUp);
    assert_eq!(report.end_reason, EndReason::RemoteHangup);
    assert!(!sim.did.contains(&Did::Hangup));
    assert!(sim.core.poll_timeout().is_none());
}

#[test]
fn a_silent_debtor_is_reprompted_then_handed_off() {
    let mut sim = Sim::english(CallConfig::default());
    sim.wait(Duration::from_secs(120));
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::Handoff);
    assert_eq!(report.handoff_reason.as_deref(), Some("no_match"));
    assert!(report.turns.iter().all(|t| t.input == "(silence)"));
    assert!(
        report
            .timeline
            .iter()
            .filter(|e| e.event == "no_input")
            .count()
            >= 2
    );
    assert!(sim.prompts().iter().any(|p| p.contains("didn't catch")));
    // No agent queue configured: the hand-off becomes a callback task.
    assert_eq!(
        report.transfer.as_ref().map(|t| t.status),
        Some(TransferStatus::Failed)
    );
    assert!(sim.did.contains(&Did::Store("callback_task")));
}

#[test]
fn the_silence_limit_ends_a_dead_line() {
    let config = CallConfig {
        silence_limit: Duration::from_secs(4),
        ..CallConfig::default()
    };
    let mut sim = Sim::english(config);
    sim.wait(Duration::from_secs(60));
    let report = sim.report();
    assert_eq!(report.end_reason, EndReason::Silence);
    assert_eq!(report.outcome, Disposition::HungUp);
    assert!(sim.did.ends_with(&[Did::Hangup, Did::Ended]));
}

#[test]
fn the_maximum_length_ends_the_call_mid_prompt() {
    let config = CallConfig {
        max_length: Duration::from_secs(5),
        ..CallConfig::default()
    };
    let mut sim = Sim::english(config);
    sim.wait(Duration::from_secs(30));
    let report = sim.report();
    assert_eq!(report.end_reason, EndReason::MaxLength);
    assert_eq!(report.outcome, Disposition::Failed);
    assert_eq!(report.duration_ms, 5000);
    assert!(
        sim.did.ends_with(&[Did::Stop, Did::Hangup, Did::Ended]),
        "{:?}",
        sim.did
    );
}

#[test]
fn a_media_timeout_hangs_up() {
    let mut sim = Sim::english(CallConfig::default());
    sim.wait_prompts();
    sim.input(Input::MediaTimeout);
    let report = sim.report();
    assert_eq!(report.end_reason, EndReason::MediaTimeout);
    assert_eq!(report.outcome, Disposition::Failed);
    assert!(sim.did.ends_with(&[Did::Hangup, Did::Ended]));
}

fn ask_for_an_agent(sim: &mut Sim) {
    sim.wait_prompts();
    sim.speak("can I talk to a real person", SPEECH);
    sim.wait_prompts();
}

#[test]
fn the_context_card_is_stored_before_an_accepted_transfer() {
    let mut sim = Sim::english(with_queue());
    ask_for_an_agent(&mut sim);
    let card_at = sim
        .did
        .iter()
        .position(|d| *d == Did::Store("context_card"));
    let transfer_at = sim.did.iter().position(|d| matches!(d, Did::Transfer(_)));
    assert!(card_at.is_some() && card_at < transfer_at, "{:?}", sim.did);
    let Some(Record::ContextCard(card)) = sim
        .stored
        .iter()
        .find(|r| matches!(r, Record::ContextCard(_)))
    else {
        unreachable!()
    };
    assert_eq!(card.reason, "operator_request");
    assert_eq!(card.debtor.full_name, "John Smith");
    assert!(card
        .transcript
        .iter()
        .any(|l| l.text == "can I talk to a real person"));
    assert!(sim.reports.is_empty(), "the call waits for the transfer");
    sim.input(Input::TransferAccepted);
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::Handoff);
    assert_eq!(report.end_reason, EndReason::Transferred);
    assert_eq!(
        report.transfer.as_ref().map(|t| t.status),
        Some(TransferStatus::Accepted)
    );
}

#[test]
fn a_failed_transfer_plays_a_message_and_stores_a_callback_task() {
    let mut sim = Sim::english(with_queue());
    ask_for_an_agent(&mut sim);
    sim.input(Input::TransferFailed {
        reason: "486 Busy Here".into(),
    });
    assert!(sim.reports.is_empty(), "the message plays first");
    sim.wait_prompts();
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::Handoff);
    assert_eq!(report.end_reason, EndReason::TransferFailed);
    let transfer = report.transfer.as_ref().unwrap();
    assert_eq!(transfer.status, TransferStatus::Failed);
    assert_eq!(transfer.failure.as_deref(), Some("486 Busy Here"));
    assert!(sim
        .prompts()
        .last()
        .unwrap()
        .contains("no specialist is available"));
    assert!(sim
        .stored
        .iter()
        .any(|r| matches!(r, Record::CallbackTask(t) if t.reason == "operator_request")));
    assert!(sim.did.ends_with(&[Did::Hangup, Did::Ended]));
}

#[test]
fn an_unanswered_transfer_times_out_as_failed() {
    let mut sim = Sim::english(with_queue());
    ask_for_an_agent(&mut sim);
    sim.wait(Duration::from_secs(60));
    let report = sim.report();
    assert_eq!(report.end_reason, EndReason::TransferFailed);
    assert!(sim.did.contains(&Did::Store("callback_task")));
}

#[test]
fn a_polite_stop_lets_the_prompt_finish_then_says_goodbye_and_hangs_up() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("Am I speaking with");
    sim.key('1');
    sim.wait(Duration::from_millis(500));
    let prompts_before = sim.prompts().len();
    let stops_before = sim.stops();
    assert!(sim.playing.is_some(), "a prompt plays when the stop comes");
    sim.input(Input::Stop { at_once: false });
    sim.input(Input::Stop { at_once: false });
    assert_eq!(sim.stops(), stops_before, "the prompt playing is not cut");
    // What the debtor presses meanwhile no longer moves the flow.
    sim.key('1');
    sim.wait(Duration::from_secs(120));
    let report = sim.report();
    assert_eq!(report.end_reason, EndReason::Stopped);
    assert_eq!(
        report.outcome,
        Disposition::Callback,
        "identity was confirmed"
    );
    let prompts = sim.prompts();
    assert_eq!(prompts.len(), prompts_before + 1, "{prompts:#?}");
    assert!(prompts
        .last()
        .is_some_and(|p| p.contains("we have to end this call now")));
    assert!(sim.did.ends_with(&[Did::Hangup, Did::Ended]));
    assert!(
        sim.stored.is_empty(),
        "no promise from the key pressed after the stop"
    );
}

#[test]
fn a_stop_at_once_cuts_the_prompt_and_hangs_up_before_identity_is_known() {
    let mut sim = Sim::english(CallConfig::default());
    sim.wait(Duration::from_secs(2));
    assert!(sim.playing.is_some());
    sim.input(Input::Stop { at_once: true });
    let report = sim.report();
    assert_eq!(report.end_reason, EndReason::Stopped);
    assert_eq!(report.outcome, Disposition::HungUp);
    assert!(sim.did.ends_with(&[Did::Stop, Did::Hangup, Did::Ended]));
    assert!(sim.core.poll_timeout().is_none());
}

#[test]
fn a_polite_stop_during_the_flows_own_goodbye_leaves_it_alone() {
    let mut sim = Sim::english(CallConfig::default());
    sim.until_prompt("Am I speaking with");
    sim.key('2');
    sim.until_prompt("");
    sim.input(Input::Stop { at_once: false });
    sim.wait(Duration::from_secs(120));
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::WrongPerson);
    assert_eq!(report.end_reason, EndReason::Flow);
    assert!(!sim
        .prompts()
        .iter()
        .any(|p| p.contains("we have to end this call now")));
}
