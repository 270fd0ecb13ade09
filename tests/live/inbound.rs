//! Calls debtors place to us: `ops::inbound::serve` answers on loopback; `softcall phone` calls from one of a
//! debtor's stored numbers and confirms identity and a promise by keys, sipp calls from a number nobody has and
//! hears the neutral message. Everything is checked in the store afterwards.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use tokio::sync::{mpsc, oneshot};

use super::{models_present, repo};
use crate::campaign::{data, sqlite_store};
use softcall::call::config::CallConfig;
use softcall::call::live::MediaSettings;
use softcall::call::speech::CallSpeech;
use softcall::campaign::channel::Direction;
use softcall::campaign::strategy::UnknownCaller;
use softcall::config::Config;
use softcall::dialog::flow::Flow;
use softcall::domain::Disposition;
use softcall::ops::inbound::{serve, AnsweredCall, Answering, Caller, InboundPlan, Served};
use softcall::ops::lists::{import_debtors, DebtorImport};
use softcall::phone::dialer::{self, DialOut};
use softcall::phone::scenario::Scenario;
use softcall::sip::driver::{self, DriverConfig, SipHandle};
use softcall::store::Store;

/// softcall answering for campaign `live` on loopback, until stopped.
struct Robot {
    addr: std::net::SocketAddr,
    campaign_id: i64,
    done: mpsc::UnboundedReceiver<AnsweredCall>,
    stop: oneshot::Sender<()>,
    /// Ends the calls in progress at once when raised (a second Ctrl-C of `campaign answer`).
    calls_stop: softcall::call::stop::StopSwitch,
    server: tokio::task::JoinHandle<Result<Served, softcall::ops::inbound::InboundError>>,
    sip: SipHandle,
}

impl Robot {
    async fn start(store: &Store, dir: &std::path::Path) -> Robot {
        let config = Config::load(&repo("softcall.toml")).expect("softcall.toml loads");
        let flow = Arc::new(Flow::load(&repo("dialogs/inbound_en.yaml")).expect("inbound flow"));
        let unknown_flow =
            Arc::new(Flow::load(&repo("dialogs/unknown_caller_en.yaml")).expect("unknown flow"));
        let speech = Arc::new(CallSpeech::for_language(&config, flow.lang).expect("models load"));
        let campaign_id = store.campaign("live").await.expect("campaign").id;
        let rtp = crate::sip::port_block(4);
        let calls_stop = softcall::call::stop::StopSwitch::new();
        let answering = Answering {
            campaign_id,
            plans: HashMap::from([(
                campaign_id,
                Arc::new(InboundPlan {
                    strategy: "soft".into(),
                    flow,
                    unknown_caller: UnknownCaller::Message,
                    unknown_flow,
                    speech,
                }),
            )]),
            config: CallConfig::default(),
            media: MediaSettings {
                rtp_ports: rtp..=rtp + 3,
                media_timeout: Duration::from_secs(60),
                ..MediaSettings::default()
            },
            recordings: dir.join("recordings"),
            stop: calls_stop.watch(),
        };
        let (sip, mut events) = driver::start(DriverConfig {
            bind: "127.0.0.1:0".parse().expect("loopback"),
            public_addr: None,
            contact_user: "softcall".into(),
            user_agent: "softcall-test".into(),
            timers: softcall::sip::transaction::Timers::default(),
        })
        .await
        .expect("SIP driver starts");
        let (done_tx, done) = mpsc::unbounded_channel();
        let (stop, stop_rx) = oneshot::channel::<()>();
        let server = {
            let (store, sip) = (store.clone(), sip.clone());
            tokio::spawn(async move {
                let stop = async {
                    let _ = stop_rx.await;
                };
                serve(
                    store,
                    sip,
                    &mut events,
                    Arc::new(answering),
                    stop,
                    Some(done_tx),
                )
                .await
            })
        };
        Robot {
            addr: sip.local_addr,
            campaign_id,
            done,
            stop,
            calls_stop,
            server,
            sip,
        }
    }

    async fn next_call(&mut self) -> AnsweredCall {
        tokio::time::timeout(Duration::from_secs(150), self.done.recv())
            .await
            .expect("an answered call within 150 s")
            .expect("the robot is serving")
    }

    async fn stop(self) -> Served {
        let _ = self.stop.send(());
        let served = self
            .server
            .await
            .expect("serve task")
            .expect("serve ends cleanly");
        let _ = self.sip.shutdown().await;
        served
    }
}

async fn store_with_debtors() -> (Store, tempfile::TempDir) {
    let (store, dir) = sqlite_store().await;
    import_debtors(
        &store,
        &data("debtors_utf8_bom_comma.csv"),
        &DebtorImport {
            campaign: "live".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 22).expect("date"),
            strict_columns: false,
            skip_invalid: false,
            rejects: None,
            now: Utc::now(),
        },
        &|_, _| {},
    )
    .await
    .expect("the debtor list imports");
    (store, dir)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_debtor_calling_from_their_second_number_confirms_identity_and_promises_by_keys() {
    if !models_present() {
        return;
    }
    let (store, dir) = store_with_debtors().await;
    let mut robot = Robot::start(&store, dir.path()).await;
    // A-2 has +79162223344 and +74951234567; the phone presents the second as written at home: 8 495 ….
    let scenario = Scenario::parse(
        "steps:\n  - keys: \"1\"\n  - keys: \"1\"\n  - keys: \"1\"\n",
        &repo("tests/live/scenario.yaml"),
    )
    .expect("scenario");
    let rtp = crate::sip::port_block(2);
    let phone = dialer::call(DialOut {
        target: format!("sip:robot@{}", robot.addr),
        caller: "84951234567".into(),
        bind: "127.0.0.1:0".parse().expect("loopback"),
        scenario: ("promise-keys".into(), scenario),
        rtp_ports: rtp..=rtp + 1,
        recording: None,
        ring_timeout: Duration::from_secs(10),
    });
    let (phone, call) = tokio::join!(phone, robot.next_call());
    let phone = phone.expect("the phone places its call");
    assert_eq!(phone.report.keys_sent, "111", "{phone:#?}");
    assert_eq!(
        call.disposition,
        Disposition::PromiseToPay,
        "{:#?}",
        call.live.report
    );
    assert_eq!(call.number_masked, "+7495***4567");
    let line = call.line();
    assert!(
        !line.contains("4951234567") && !line.contains("Anna"),
        "{line}"
    );
    let Caller::Debtor {
        debtor_id,
        campaign_id,
        attempt_id,
        ..
    } = call.caller
    else {
        panic!("the caller is not identified: {:?}", call.caller);
    };
    assert_eq!(debtor_id, store.debtor_id("A-2").await.expect("A-2"));
    assert_eq!(campaign_id, robot.campaign_id);

    let history = store.history(debtor_id).await.expect("history");
    assert_eq!(history.attempts.len(), 1, "{history:#?}");
    let attempt = &history.attempts[0];
    assert_eq!(attempt.id, attempt_id);
    assert_eq!(attempt.direction, Direction::Inbound);
    assert_eq!(attempt.outcome.map(|o| o.as_str()), Some("promise_to_pay"));
    assert!(attempt.right_party);
    assert_eq!(history.promises.len(), 1, "{history:#?}");
    let report: serde_json::Value = serde_json::from_str(
        &store
            .call_report(attempt_id)
            .await
            .expect("read")
            .expect("the report is stored"),
    )
    .expect("JSON");
    assert_eq!(report["report"]["flow"], "inbound_en");
    let path: Vec<&str> = report["report"]["path"]
        .as_array()
        .expect("path")
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    let confirmed = path
        .iter()
        .position(|n| *n == "identity_confirmed")
        .expect("identity is confirmed");
    let told = path
        .iter()
        .position(|n| n.starts_with("inform_"))
        .expect("the debt is told");
    assert!(confirmed < told, "identity first: {path:?}");
    assert!(dir
        .path()
        .join(format!("recordings/attempt-{attempt_id}.wav"))
        .exists());
    let served = robot.stop().await;
    assert_eq!(
        served,
        Served {
            debtors: 1,
            unknown: 0,
            failed: 0
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_number_hears_the_neutral_message_and_nothing_about_any_debtor() {
    if !models_present() || !crate::sip::require("sipp", "sip-tester") {
        return;
    }
    let (store, dir) = store_with_debtors().await;
    let mut robot = Robot::start(&store, dir.path()).await;
    let work = tempfile::tempdir().expect("temp dir");
    let addr = robot.addr;
    let workdir = work.path().to_path_buf();
    // sipp calls from +70000000000 (no debtor has it) and waits for our BYE.
    let sipp = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new("sipp");
        cmd.current_dir(&workdir)
            .arg("-sf")
            .arg(crate::sip::data("uac_phone_answer.xml"))
            .arg(addr.to_string())
            .args(["-s", "robot", "-i", "127.0.0.1", "-mi", "127.0.0.1"])
            .args([
                "-p",
                &crate::sip::free_port().to_string(),
                "-mp",
                &crate::sip::free_port().to_string(),
            ])
            .args(["-m", "1", "-timeout", "90s", "-timeout_error", "-nostdin"]);
        crate::sip::Peer::spawn("sipp", cmd).wait(Duration::from_secs(100))
    });
    let call = robot.next_call().await;
    let (ok, out, err) = sipp.await.expect("sipp thread");
    assert!(ok, "sipp failed\nstdout:\n{out}\nstderr:\n{err}");
    assert_eq!(call.caller, Caller::Unknown);
    assert_eq!(call.disposition, Disposition::WrongPerson);

    let stored = store
        .unknown_calls(robot.campaign_id)
        .await
        .expect("unknown calls");
    assert_eq!(stored.len(), 1, "{stored:#?}");
    let u = &stored[0];
    assert_eq!(u.handling, "message");
    assert_eq!(u.disposition, "wrong_person");
    assert!(u.answered_at.is_some());
    let report = u.report.as_deref().expect("the report is stored");
    let parsed: serde_json::Value = serde_json::from_str(report).expect("JSON");
    assert_eq!(parsed["report"]["flow"], "unknown_caller_en");
    let said: Vec<String> = super::robot_lines(&parsed);
    assert!(!said.is_empty(), "{parsed:#}");
    // Nothing about any debtor: no names, creditor or amounts anywhere in the stored call, no debt words said.
    for secret in [
        "Ivan", "Petrov", "Anna", "Smirnova", "Oleg", "Romashka", "12500", "48000",
    ] {
        assert!(
            !report.contains(secret),
            "the unknown caller's call mentions `{secret}`: {said:?}"
        );
    }
    let spoken = said.join(" ").to_lowercase();
    for word in ["debt", "owe", "overdue", "payment", "balance"] {
        assert!(!spoken.contains(word), "the robot said `{word}`: {said:?}");
    }
    // No debtor's history got a contact.
    for external_id in ["A-1", "A-2", "A-3"] {
        let id = store.debtor_id(external_id).await.expect("debtor");
        assert!(store
            .history(id)
            .await
            .expect("history")
            .attempts
            .is_empty());
    }
    let served = robot.stop().await;
    assert_eq!((served.unknown, served.debtors, served.failed), (1, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_at_once_ends_a_debtors_call_in_progress_and_stores_it() {
    if !models_present() {
        return;
    }
    let (store, dir) = store_with_debtors().await;
    let mut robot = Robot::start(&store, dir.path()).await;
    // The debtor confirms identity, then listens without a word.
    let scenario = Scenario::parse(
        "steps:\n  - keys: \"1\"\nend: wait_bye\n",
        &repo("tests/live/scenario.yaml"),
    )
    .expect("scenario");
    let rtp = crate::sip::port_block(2);
    let phone = dialer::call(DialOut {
        target: format!("sip:robot@{}", robot.addr),
        caller: "+79162223344".into(),
        bind: "127.0.0.1:0".parse().expect("loopback"),
        scenario: ("listens".into(), scenario),
        rtp_ports: rtp..=rtp + 1,
        recording: None,
        ring_timeout: Duration::from_secs(10),
    });
    let stop = robot.calls_stop.clone();
    // Well into the conversation: the greeting played, the key confirmed identity, the disclosure is playing.
    let stopper = async move {
        tokio::time::sleep(Duration::from_secs(14)).await;
        stop.raise(softcall::call::stop::StopLevel::AtOnce);
    };
    let (phone, call, ()) = tokio::join!(phone, robot.next_call(), stopper);
    let phone = phone.expect("the phone places its call");
    let report = call.live.report.as_ref().expect("the call was answered");
    assert_eq!(
        serde_json::to_value(report.end_reason).expect("end reason"),
        "stopped",
        "{report:#?} {phone:#?}"
    );
    let Caller::Debtor { debtor_id, .. } = call.caller else {
        panic!("the caller is not identified: {:?}", call.caller);
    };
    let history = store.history(debtor_id).await.expect("history");
    assert_eq!(history.attempts.len(), 1, "{history:#?}");
    assert_eq!(history.attempts[0].state.as_str(), "done");
    assert_eq!(
        history.attempts[0].outcome.map(|o| o.as_str()),
        Some("callback")
    );
    robot.stop().await;
}
