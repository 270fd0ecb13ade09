//! Answering-machine detection in the call core, in simulated time: the flow waits for the detector's
//! decision; a person gets the flow at once, a machine gets the hang-up or the message after the beep.

use super::{Did, Sim};
use softcall::audio::amd::{
    AmdConfig, AmdDecision, Creditor, MachinePolicy, OnMachine, Party, Reason,
};
use softcall::call::config::{voicemail_template, AmdSettings, CallConfig};
use softcall::call::io::Input;
use softcall::call::report::{EndReason, Speaker};
use softcall::domain::{Disposition, Lang};
use std::time::Duration;

const GREETING: &str = "Hello, this is an automated call";

fn creditor() -> Creditor {
    Creditor {
        name: "QuickCash Lending".into(),
        phone: "1 800 555 0199".into(),
    }
}

fn with_amd(on_machine: OnMachine, detector: AmdConfig) -> CallConfig {
    let policy = MachinePolicy {
        on_machine,
        message: Some(voicemail_template(Lang::En).into()),
    };
    CallConfig {
        amd: Some(AmdSettings::new(detector, &policy, &creditor()).expect("valid settings")),
        ..CallConfig::default()
    }
}

fn human() -> AmdDecision {
    AmdDecision::Human {
        reason: Reason::SilenceAfterGreeting {
            greeting_ms: 600,
            words: 1,
        },
    }
}

fn machine() -> AmdDecision {
    AmdDecision::Machine {
        beep_at: None,
        reason: Reason::LongGreeting { greeting_ms: 3000 },
    }
}

fn ms(sim: &Sim) -> u64 {
    sim.core.clock().millis(sim.now)
}

/// Waits until `at_ms` after the answer and feeds the detector's decision there.
fn decide_at(sim: &mut Sim, at_ms: u64, decision: AmdDecision) {
    let at = sim.core.clock().origin + Duration::from_millis(at_ms);
    sim.advance_to(at);
    sim.input(Input::Amd(decision));
}

#[test]
fn the_flow_waits_for_the_detector_and_starts_the_moment_a_person_is_found() {
    let mut sim = Sim::english(with_amd(OnMachine::HangUp, AmdConfig::default()));
    assert!(
        sim.prompts().is_empty(),
        "nothing is said while the detector listens"
    );
    assert!(
        sim.prepared.iter().any(|p| p.starts_with(GREETING)),
        "the opening is rendered while the detector listens: {:?}",
        sim.prepared
    );
    sim.wait(Duration::from_millis(1500));
    assert!(sim.prompts().is_empty());
    decide_at(&mut sim, 1900, human());
    assert!(sim.prompts()[0].starts_with(GREETING), "{:?}", sim.did);
    let greeting = sim.core.report().transcript[0].clone();
    assert_eq!(
        (greeting.speaker, greeting.start_ms),
        (Speaker::Robot, 1900)
    );

    sim.wait_prompts();
    sim.key('1');
    sim.wait_prompts();
    sim.key('1');
    sim.wait_prompts();
    sim.key('1');
    sim.wait_prompts();
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::PromiseToPay);
    let amd = report.amd.as_ref().expect("the AMD decision is reported");
    assert_eq!(
        (amd.decision.as_str(), amd.party, amd.at_ms),
        ("human", Party::Human, 1900)
    );
    assert!(report
        .timeline
        .iter()
        .any(|e| e.event == "amd" && e.detail.starts_with("human: silence after")));
}

#[test]
fn each_decision_leads_where_the_policy_says() {
    struct Case {
        name: &'static str,
        on_machine: OnMachine,
        undecided_as: Party,
        decision: AmdDecision,
        outcome: Disposition,
        flow_runs: bool,
        message_at_once: bool,
    }
    let undecided = AmdDecision::Undecided {
        reason: Reason::InitialSilence,
    };
    let cases = [
        Case {
            name: "a person",
            on_machine: OnMachine::HangUp,
            undecided_as: Party::Human,
            decision: human(),
            outcome: Disposition::HungUp,
            flow_runs: true,
            message_at_once: false,
        },
        Case {
            name: "undecided, taken for a person (the default)",
            on_machine: OnMachine::LeaveMessage,
            undecided_as: Party::Human,
            decision: undecided,
            outcome: Disposition::HungUp,
            flow_runs: true,
            message_at_once: false,
        },
        Case {
            name: "a machine, hang up",
            on_machine: OnMachine::HangUp,
            undecided_as: Party::Human,
            decision: machine(),
            outcome: Disposition::Voicemail,
            flow_runs: false,
            message_at_once: false,
        },
        Case {
            name: "undecided, taken for a machine, hang up",
            on_machine: OnMachine::HangUp,
            undecided_as: Party::Machine,
            decision: undecided,
            outcome: Disposition::Voicemail,
            flow_runs: false,
            message_at_once: false,
        },
        Case {
            name: "undecided, taken for a machine, leave a message (the detector reports nothing more)",
            on_machine: OnMachine::LeaveMessage,
            undecided_as: Party::Machine,
            decision: undecided,
            outcome: Disposition::Voicemail,
            flow_runs: false,
            message_at_once: true,
        },
    ];
    for case in cases {
        let detector = AmdConfig {
            undecided_as: case.undecided_as,
            ..AmdConfig::default()
        };
        let mut sim = Sim::english(with_amd(case.on_machine, detector));
        decide_at(&mut sim, 2500, case.decision);
        let prompts: Vec<String> = sim.prompts().iter().map(|p| p.to_string()).collect();
        assert_eq!(
            prompts.first().is_some_and(|p| p.starts_with(GREETING)),
            case.flow_runs,
            "{}: {:?}",
            case.name,
            sim.did
        );
        assert_eq!(
            prompts
                .first()
                .is_some_and(|p| p.starts_with("Hello, this is QuickCash")),
            case.message_at_once,
            "{}: {:?}",
            case.name,
            sim.did
        );
        if !case.flow_runs && !case.message_at_once {
            assert_eq!(sim.did, [Did::Hangup, Did::Ended], "{}", case.name);
            let report = sim.report();
            assert_eq!(
                report.duration_ms, 2500,
                "{}: hung up at the decision",
                case.name
            );
            assert_eq!(
                report.end_reason,
                EndReason::AnsweringMachine,
                "{}",
                case.name
            );
        }
        sim.wait_prompts();
        sim.input(Input::RemoteHangup);
        let report = sim.report();
        assert_eq!(report.outcome, case.outcome, "{}", case.name);
        let amd = report.amd.as_ref().expect("reported");
        assert_eq!(amd.at_ms, 2500, "{}", case.name);
    }
}

#[test]
fn the_message_waits_for_the_beep_and_says_nothing_about_the_debt() {
    let mut sim = Sim::english(with_amd(OnMachine::LeaveMessage, AmdConfig::default()));
    decide_at(&mut sim, 3000, machine());
    assert!(
        sim.prompts().is_empty(),
        "nothing is said over the greeting"
    );
    assert!(sim
        .prepared
        .iter()
        .any(|p| p.starts_with("Hello, this is QuickCash")));
    // The greeting goes on, then the beep sounds from 7.3 s to 7.7 s; the detector reports it as it ends.
    decide_at(
        &mut sim,
        7720,
        AmdDecision::BeepDetected {
            start_ms: 7300,
            end_ms: 7700,
            hz: 850.0,
        },
    );
    assert_eq!(
        sim.prompts(),
        ["Hello, this is QuickCash Lending. Please call us back at 1 800 555 0199. Thank you."]
    );
    assert!(
        matches!(sim.did.last(), Some(Did::Play(_, false))),
        "the message cannot be talked over: {:?}",
        sim.did
    );
    sim.wait_prompts();
    assert!(
        sim.did.ends_with(&[Did::Hangup, Did::Ended]),
        "{:?}",
        sim.did
    );
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::Voicemail);
    assert_eq!(report.end_reason, EndReason::AnsweringMachine);
    assert!(
        report.path.is_empty(),
        "the flow never ran: {:?}",
        report.path
    );
    let amd = report.amd.as_ref().expect("reported");
    let beep = amd.beep.as_ref().expect("the beep is reported");
    assert_eq!((beep.start_ms, beep.end_ms), (7300, 7700));
    let started = amd.message_started_ms.expect("the message started");
    assert!(
        started >= beep.end_ms,
        "message at {started} ms, beep ended at {}",
        beep.end_ms
    );
    for line in report
        .transcript
        .iter()
        .filter(|l| l.speaker == Speaker::Robot)
    {
        for debt in ["1250", "1,250", "twelve", "overdue", "John", "QC-77120"] {
            assert!(!line.text.contains(debt), "{debt} in {:?}", line.text);
        }
    }
}

#[test]
fn a_greeting_without_a_beep_gets_the_message_when_it_falls_silent_or_the_wait_runs_out() {
    // The detector reports the greeting's end.
    let mut sim = Sim::english(with_amd(OnMachine::LeaveMessage, AmdConfig::default()));
    decide_at(&mut sim, 3500, machine());
    decide_at(&mut sim, 6500, AmdDecision::GreetingEnded { at_ms: 6500 });
    assert_eq!(sim.prompts().len(), 1);
    assert_eq!(
        sim.core.report().amd.and_then(|a| a.greeting_ended_ms),
        Some(6500)
    );

    // The detector's frames stop: the core leaves the message once its wait (plus a second) is over.
    let detector = AmdConfig {
        message_wait_ms: 5000,
        ..AmdConfig::default()
    };
    let mut sim = Sim::english(with_amd(OnMachine::LeaveMessage, detector));
    decide_at(&mut sim, 3500, machine());
    sim.wait(Duration::from_millis(5900));
    assert!(sim.prompts().is_empty());
    sim.wait(Duration::from_millis(200));
    assert_eq!(sim.prompts().len(), 1, "{:?}", sim.did);
    sim.wait_prompts();
    assert_eq!(sim.report().outcome, Disposition::Voicemail);
}

#[test]
fn no_decision_from_the_detector_starts_the_flow_after_its_window() {
    let detector = AmdConfig {
        window_ms: 3000,
        ..AmdConfig::default()
    };
    let mut sim = Sim::english(with_amd(OnMachine::HangUp, detector));
    sim.wait(Duration::from_millis(3900));
    assert!(sim.prompts().is_empty());
    sim.wait(Duration::from_millis(200));
    assert!(sim.prompts()[0].starts_with(GREETING), "{:?}", sim.did);
    assert_eq!(ms(&sim), 4100);
    let amd = sim.core.report().amd.expect("reported");
    assert_eq!(
        (amd.decision.as_str(), amd.reason.as_str(), amd.at_ms),
        ("undecided", "the detector heard no audio", 4000)
    );
}

#[test]
fn hello_said_before_the_decision_is_kept_but_answers_no_prompt() {
    let mut sim = Sim::english(with_amd(OnMachine::HangUp, AmdConfig::default()));
    sim.wait(Duration::from_millis(500));
    // "hello?" from 0.5 s to 1.1 s; the detector decides at 1.9 s, the recogniser's text comes after.
    decide_at(&mut sim, 1900, human());
    sim.input(Input::Utterance {
        text: "hello".into(),
        confidence: 0.9,
        start: 0.5,
        end: 1.1,
        closed: 1.7,
    });
    sim.until_prompt("Am I speaking with");
    sim.key('2');
    sim.wait_prompts();
    let report = sim.core.report();
    assert_eq!(report.turns.len(), 1, "{:?}", report.turns);
    assert_eq!(report.turns[0].input, "#2");
    let hello = report
        .transcript
        .iter()
        .find(|l| l.text == "hello")
        .expect("what the person said is in the transcript");
    assert_eq!((hello.speaker, hello.start_ms), (Speaker::Debtor, 500));
    assert!(report
        .timeline
        .iter()
        .any(|e| e.event == "heard_before_flow"));
}

#[test]
fn a_key_while_the_detector_listens_means_a_person() {
    let mut sim = Sim::english(with_amd(OnMachine::HangUp, AmdConfig::default()));
    sim.wait(Duration::from_millis(800));
    sim.key('5');
    assert!(sim.prompts()[0].starts_with(GREETING), "{:?}", sim.did);
    let amd = sim.core.report().amd.expect("reported");
    assert_eq!(
        (amd.party, amd.reason.as_str()),
        (Party::Human, "a key was pressed")
    );
    assert!(
        sim.core.report().turns.is_empty(),
        "the key answers no prompt"
    );
}

#[test]
fn hanging_up_while_the_greeting_plays_is_still_a_voicemail() {
    let mut sim = Sim::english(with_amd(OnMachine::LeaveMessage, AmdConfig::default()));
    decide_at(&mut sim, 3000, machine());
    sim.wait(Duration::from_secs(2));
    sim.input(Input::RemoteHangup);
    let report = sim.report();
    assert_eq!(report.outcome, Disposition::Voicemail);
    assert_eq!(report.end_reason, EndReason::RemoteHangup);
    assert!(sim.prompts().is_empty());
    assert!(sim.core.poll_timeout().is_none());
}
