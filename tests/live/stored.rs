//! Campaign calls from the store: a ticket from `Store::begin_dial` is dialled live to `softcall phone`, and
//! everything the call produced is in the database afterwards.

use super::{models_present, repo, start_phone};
use crate::campaign::{data, sqlite_store};
use chrono::{NaiveDate, Utc};
use softcall::call::config::CallConfig;
use softcall::call::live::MediaSettings;
use softcall::call::speech::CallSpeech;
use softcall::call::stop::StopWatch;
use softcall::campaign::dial::DialOrder;
use softcall::config::Config;
use softcall::dialog::flow::Flow;
use softcall::domain::Disposition;
use softcall::ops::dial::{CallScript, Dialler, Route};
use softcall::ops::lists::{import_debtors, DebtorImport};
use softcall::store::Store;
use std::sync::Arc;
use std::time::Duration;

async fn order(store: &Store, external_id: &str) -> DialOrder {
    let campaign = store.campaign("live").await.expect("campaign");
    let debtor = store
        .debtor(store.debtor_id(external_id).await.expect("debtor id"))
        .await
        .expect("debtor");
    DialOrder {
        campaign_id: campaign.id,
        debtor_id: debtor.id,
        phone_id: debtor.phones[0].id,
        strategy: "soft".into(),
        segment: "first".into(),
        step: "day 7".into(),
        flow: "soft_collection_en".into(),
        recall_promise: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_is_dialled_and_its_promise_report_card_and_agent_task_are_stored() {
    if !models_present() {
        return;
    }
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
    let config = Config::load(&repo("softcall.toml")).expect("softcall.toml loads");
    let flow = Arc::new(Flow::load(&repo("dialogs/soft_collection_en.yaml")).expect("flow"));
    let speech = CallSpeech::for_language(&config, flow.lang).expect("models load");
    let sip = super::loopback_sip().await;
    let rtp = crate::sip::port_block(2);

    // A promise by keys.
    let mut phone = start_phone(
        "ring_ms: 100\nsteps:\n  - keys: \"1\"\n  - keys: \"1\"\n  - keys: \"1\"\n",
        None,
    )
    .await;
    let route = Route {
        uri_template: format!("sip:{{phone}}@{}", phone.addr),
        from: "sip:softcall@127.0.0.1".into(),
        dest: phone.addr,
        credentials: None,
        ring_timeout: Duration::from_secs(10),
        media: MediaSettings {
            rtp_ports: rtp..=rtp + 1,
            ..MediaSettings::default()
        },
        recordings: dir.path().join("recordings"),
    };
    let ticket = store
        .begin_dial(order(&store, "A-1").await, Utc::now())
        .await
        .expect("ticket");
    let dialler = Dialler {
        store: store.clone(),
        sip: sip.clone(),
        route: route.clone(),
    };
    let script = CallScript {
        flow: Arc::clone(&flow),
        speech: speech.clone(),
        config: CallConfig::default(),
        stop: StopWatch::never(),
    };
    let call = dialler
        .conduct(&ticket, script.clone())
        .await
        .expect("the call is conducted and stored");
    let _ = super::phone_report(&mut phone).await;
    phone.stop().await;
    assert_eq!(
        call.disposition,
        Disposition::PromiseToPay,
        "{:#?}",
        call.live.report
    );
    let history = store.history(ticket.debtor().id).await.expect("history");
    assert_eq!(history.promises.len(), 1, "{history:#?}");
    assert_eq!(history.attempts.len(), 1);
    assert_eq!(
        history.attempts[0].disposition(),
        Some(Disposition::PromiseToPay),
        "{history:#?}"
    );
    let report: serde_json::Value = serde_json::from_str(
        &store
            .call_report(ticket.attempt_id())
            .await
            .expect("read")
            .expect("the report is stored"),
    )
    .expect("the stored report is JSON");
    assert_eq!(report["report"]["outcome"], "promise_to_pay");
    assert!(report["report"]["transcript"]
        .as_array()
        .is_some_and(|t| t.len() >= 8));
    assert!(route
        .recordings
        .join(format!("attempt-{}.wav", ticket.attempt_id()))
        .exists());
    assert!(store
        .handoff_card(ticket.attempt_id())
        .await
        .expect("read")
        .is_none());

    // A hand-off the agent queue cannot take: the card before the transfer, then a task for agents.
    let mut phone = start_phone(
        "ring_ms: 100\nsteps:\n  - keys: \"9\"\n  - keys: \"9\"\n",
        None,
    )
    .await;
    let route = Route {
        uri_template: format!("sip:{{phone}}@{}", phone.addr),
        dest: phone.addr,
        ..route
    };
    let ticket = store
        .begin_dial(order(&store, "A-2").await, Utc::now())
        .await
        .expect("ticket");
    let config = CallConfig {
        transfer_target: Some("sip:agents@127.0.0.1:9".into()),
        ..CallConfig::default()
    };
    let dialler = Dialler {
        route: route.clone(),
        ..dialler
    };
    let call = dialler
        .conduct(&ticket, CallScript { config, ..script })
        .await
        .expect("the call is conducted and stored");
    let _ = super::phone_report(&mut phone).await;
    phone.stop().await;
    assert_eq!(call.disposition, Disposition::Handoff);
    let card: serde_json::Value = serde_json::from_str(
        &store
            .handoff_card(ticket.attempt_id())
            .await
            .expect("read")
            .expect("a context card"),
    )
    .expect("the card is JSON");
    assert_eq!(card["reason"], "no_match");
    assert!(
        card["transcript"].as_array().is_some_and(|t| !t.is_empty()),
        "{card:#}"
    );
    let tasks = store.open_agent_tasks().await.expect("tasks");
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].attempt_id, ticket.attempt_id());
    assert_eq!(tasks[0].reason, "no_match");
    let _ = sip.shutdown().await;
}
