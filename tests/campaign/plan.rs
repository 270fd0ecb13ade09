//! Planning a campaign at given moments: calls, messages and hand-overs due, why others wait, and what
//! changes after messages are sent and a call goes unanswered.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use softcall::campaign::compliance::Profile;
use softcall::campaign::dial::DialOrder;
use softcall::campaign::outcome::CallOutcome;
use softcall::campaign::planner::CampaignPlan;
use softcall::campaign::strategy::{self, Strategy};
use softcall::domain::Disposition;
use softcall::ops::execute::execute;
use softcall::ops::lists::{import_debtors, DebtorImport};
use softcall::store::Store;

use super::{block_on, data, plan_campaign, sqlite_store, SmsSink};

const LIST: &str =
    "external_id,full_name,phone,time_zone,amount_due,due_date,prior_delinquencies,bankruptcy
P-1,Call Due,89120000001,Europe/Moscow,10000,2026-11-15,0,no
P-2,Sms Due,89120000002,Europe/Moscow,10000,2026-11-21,0,no
P-3,Bankrupt,89120000003,Europe/Moscow,10000,2026-11-15,0,yes
P-4,Hand Over,89120000004,Europe/Moscow,10000,2026-10-20,0,no
P-5,Not Yet,89120000005,Europe/Moscow,10000,2026-11-30,0,no
P-6,Night Owl,89120000006,America/New_York,10000,2026-11-15,0,no
";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn strategy_for(port: u16) -> Strategy {
    let yaml = format!(
        "name: plan-test
sms:
  url: http://127.0.0.1:{port}/send
  body: '{{\"to\": \"{{phone}}\", \"text\": \"{{text}}\"}}'
templates:
  hi:
    sms: \"{{full_name}}: {{amount_due}} {{currency}} overdue {{days_overdue}} days\"
segments:
  - name: all
    ladder:
      - day: 1
        sms: hi
      - day: 7
        call: soft_test
        retry: {{ no_answer: 2h, max_per_day: 3 }}
      - day: 30
        hand_over: true
"
    );
    strategy::parse(
        std::path::Path::new("plan-test.yaml"),
        &yaml,
        &data("dialogs"),
    )
    .unwrap()
}

async fn plan_at(store: &Store, s: &Strategy, at: DateTime<Utc>) -> CampaignPlan {
    plan_campaign(store, s, "p", Profile::ru_230fz(), at).await
}

fn waits<'a>(p: &'a CampaignPlan, external_id: &str) -> Vec<&'a str> {
    p.waiting
        .iter()
        .filter(|w| w.external_id == external_id)
        .map(|w| w.reason.as_str())
        .collect()
}

#[test]
fn plan_send_and_replan() {
    block_on(async {
        let (store, dir) = sqlite_store().await;
        let list = dir.path().join("list.csv");
        std::fs::write(&list, LIST).unwrap();
        let opts = DebtorImport {
            campaign: "p".into(),
            as_of: NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(),
            strict_columns: true,
            skip_invalid: false,
            rejects: None,
            now: t("2026-11-23T06:00:00Z"),
        };
        import_debtors(&store, &list, &opts, &|_, _| {})
            .await
            .unwrap();

        let sink = SmsSink::start().await;
        let port = sink.port;
        let s = strategy_for(port);

        // Monday 2026-11-23 10:00 in Moscow, 02:00 in New York.
        let now = t("2026-11-23T07:00:00Z");
        let p = plan_at(&store, &s, now).await;
        let calls: Vec<&str> = p.calls.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(calls, vec!["P-1"], "{p:#?}");
        assert_eq!(p.calls[0].what, "soft_test");
        assert_eq!(p.calls[0].phone_masked.as_deref(), Some("+7912***0001"));
        let msgs: Vec<&str> = p.messages.iter().map(|c| c.external_id.as_str()).collect();
        assert_eq!(msgs, vec!["P-2"]);
        let hand: Vec<&str> = p
            .hand_overs
            .iter()
            .map(|c| c.external_id.as_str())
            .collect();
        assert_eq!(hand, vec!["P-4"]);
        assert!(
            waits(&p, "P-3")
                .iter()
                .all(|r| r.starts_with("compliance:flag")),
            "{:?}",
            waits(&p, "P-3")
        );
        assert_eq!(waits(&p, "P-5"), vec!["not_due"]);
        assert!(
            waits(&p, "P-6").contains(&"compliance:hours"),
            "{:?}",
            p.waiting
        );
        let p6 = p
            .waiting
            .iter()
            .find(|w| w.external_id == "P-6" && w.reason == "compliance:hours")
            .unwrap();
        assert_eq!(
            p6.until,
            Some(t("2026-11-23T13:00:00Z")),
            "08:00 in New York"
        );

        // Send the SMS and hand P-4 over.
        let c = store.campaign("p").await.unwrap();
        let handover = dir.path().join("hard.csv");
        let r = execute(&store, &s, c.id, &p, now, &handover).await.unwrap();
        assert_eq!((r.sms_sent, r.sms_failed, r.handed_over), (1, 0, 1));
        let bodies = sink.bodies();
        assert_eq!(bodies.len(), 1);
        let json: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
        assert_eq!(json["to"], "+79120000002");
        assert_eq!(json["text"], "Sms Due: 10000.00 RUB overdue 2 days");
        let exported = std::fs::read_to_string(&handover).unwrap();
        assert_eq!(exported.lines().count(), 2);
        assert!(
            exported.contains("P-4,Hand Over,+79120000004,10000.00,RUB,2026-10-20"),
            "{exported}"
        );

        // Dial P-1 as the dialler would; nobody answers.
        let call = &p.calls[0];
        let ticket = store
            .begin_dial(
                DialOrder {
                    campaign_id: c.id,
                    debtor_id: call.debtor_id,
                    phone_id: call.phone_id.unwrap(),
                    strategy: s.name.clone(),
                    segment: call.segment.clone(),
                    step: call.step.clone(),
                    flow: call.what.clone(),
                    recall_promise: call.recall_promise,
                },
                now,
            )
            .await
            .unwrap();
        let in_call = plan_at(&store, &s, now + Duration::seconds(10)).await;
        assert!(in_call.calls.is_empty());
        assert_eq!(
            waits(&in_call, "P-1"),
            vec!["in_flight"],
            "{:?}",
            in_call.waiting
        );
        store
            .finish_call(
                &ticket,
                &CallOutcome {
                    disposition: Disposition::NoAnswer,
                    started_at: now,
                    answered_at: None,
                    ended_at: now + Duration::seconds(40),
                    promise: None,
                    handoff_reason: None,
                    recording_path: None,
                    events: vec![],
                },
            )
            .await
            .unwrap();

        let later = plan_at(&store, &s, now + Duration::minutes(30)).await;
        assert!(
            later.messages.is_empty(),
            "the SMS step is done: {:?}",
            later.messages
        );
        assert!(later.hand_overs.is_empty(), "P-4 was handed over already");
        assert_eq!(waits(&later, "P-4"), vec!["closed"]);
        let p1 = waits(&later, "P-1");
        assert!(
            p1 == vec!["retry_backoff"] || p1.iter().all(|r| r.starts_with("compliance:")),
            "{p1:?}"
        );
        // Two hours later the retry timer has run out, but the strict reading counts every attempt: one call a day.
        let retry = plan_at(&store, &s, now + Duration::minutes(130)).await;
        assert!(retry.calls.iter().all(|c| c.external_id != "P-1"));
        assert!(
            waits(&retry, "P-1")
                .iter()
                .all(|r| r.starts_with("compliance:limit")),
            "{:?}",
            retry.waiting
        );
        // Next morning P-1 may be called again.
        let tomorrow = plan_at(&store, &s, t("2026-11-24T07:00:00Z")).await;
        assert!(
            tomorrow.calls.iter().any(|c| c.external_id == "P-1"),
            "{:?}",
            tomorrow.waiting
        );
    });
}
