//! Promises from the store to the plan: a promise made on a call is confirmed by SMS once, a promise the payment
//! import shows broken moves the debtor to the broken-promise segment, and contacts made by one campaign count in
//! another campaign's plan (legal limits are per debtor).

use chrono::{DateTime, Duration, NaiveDate, Utc};

use softcall::campaign::compliance::Profile;
use softcall::campaign::history::CONFIRMATION_STEP;
use softcall::campaign::strategy::{self, Strategy};
use softcall::domain::Disposition;
use softcall::ops::execute::execute;
use softcall::ops::lists::import_payments;
use softcall::store::Store;

use super::{
    begin_planned_call, block_on, data, import_csv, outcome, plan_campaign, sqlite_store, SmsSink,
};

const LIST: &str = "external_id,full_name,phone,time_zone,amount_due,due_date,creditor_phone
C-1,Promise Maker,89120000001,Europe/Moscow,10000,2026-11-15,+7 800 000-00-00
C-2,Someone Else,89120000002,Europe/Moscow,10000,2026-11-15,+7 800 000-00-00
";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A strategy whose ordinary segment is named `segment`, with a broken-promise segment first.
fn strategy(port: u16, segment: &str) -> Strategy {
    let yaml = format!(
        "name: promise-test
sms:
  url: http://127.0.0.1:{port}/send
  body: '{{\"to\": \"{{phone}}\", \"text\": \"{{text}}\"}}'
templates:
  thanks:
    sms: \"{{full_name}}: {{promise_amount}} {{currency}} by {{promise_date}}. Questions: {{creditor_phone}}\"
confirmation:
  sms: thanks
segments:
  - name: broken_promise
    when: {{ broken_promises: {{ min: 1 }} }}
    ladder:
      - day: 1
        call: soft_test
        recall_promise: true
  - name: {segment}
    ladder:
      - day: 7
        call: soft_test
"
    );
    strategy::parse(
        std::path::Path::new("promise-test.yaml"),
        &yaml,
        &data("dialogs"),
    )
    .unwrap()
}

/// Monday 10:00 in Moscow.
const NOW: &str = "2026-11-23T07:00:00Z";

/// Dials C-1 in campaign `campaign` at `at` and stores `disposition` (with a promise for 2026-11-25).
async fn call_c1(
    store: &Store,
    s: &Strategy,
    campaign: &str,
    disposition: Disposition,
    at: DateTime<Utc>,
) {
    let p = plan_campaign(store, s, campaign, Profile::ru_230fz(), at).await;
    let line = p
        .calls
        .iter()
        .find(|c| c.external_id == "C-1")
        .unwrap_or_else(|| panic!("C-1 is due: {p:#?}"));
    let ticket = begin_planned_call(store, campaign, &s.name, line, at).await;
    let promise = (disposition == Disposition::PromiseToPay).then(|| {
        (
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            Some(600_000),
        )
    });
    store
        .finish_call(&ticket, &outcome(disposition, at, promise))
        .await
        .unwrap();
}

#[test]
fn a_promise_is_confirmed_by_sms_once() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        promise_confirmed_once(&store).await;
    });
}

/// A promise recorded by `finish_call` is planned for one confirmation SMS, sent through the local gateway, and
/// never planned again (run on SQLite and PostgreSQL).
pub async fn promise_confirmed_once(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    let now = t(NOW);
    import_csv(store, dir.path(), LIST, "c", now).await;
    let sink = SmsSink::start().await;
    let s = strategy(sink.port, "all");
    // Before any promise, nothing confirms anything.
    let before = plan_campaign(store, &s, "c", Profile::ru_230fz(), now).await;
    assert!(before.messages.is_empty(), "{before:#?}");
    call_c1(store, &s, "c", Disposition::PromiseToPay, now).await;

    let at = now + Duration::minutes(5);
    let p = plan_campaign(store, &s, "c", Profile::ru_230fz(), at).await;
    assert_eq!(p.messages.len(), 1, "{p:#?}");
    let line = &p.messages[0];
    assert_eq!(
        (
            line.external_id.as_str(),
            line.action.as_str(),
            line.what.as_str(),
            line.step.as_str()
        ),
        ("C-1", "sms", "thanks", CONFIRMATION_STEP)
    );
    assert!(line.promise_id.is_some());
    assert!(
        p.calls.iter().all(|c| c.external_id != "C-1"),
        "the promise call finished the step: {p:#?}"
    );

    let c = store.campaign("c").await.unwrap();
    let r = execute(store, &s, c.id, &p, at, &dir.path().join("hard.csv"))
        .await
        .unwrap();
    assert_eq!((r.sms_sent, r.sms_failed), (1, 0));
    let bodies = sink.bodies();
    assert_eq!(bodies.len(), 1);
    let json: serde_json::Value = serde_json::from_str(&bodies[0]).unwrap();
    assert_eq!(json["to"], "+79120000001");
    assert_eq!(
        json["text"],
        "Promise Maker: 6000.00 RUB by 25.11.2026. Questions: +7 800 000-00-00"
    );
    let h = store
        .history(store.debtor_id("C-1").await.unwrap())
        .await
        .unwrap();
    let sent = h.attempts.last().unwrap();
    assert_eq!(sent.promise_id, Some(h.promises[0].id));
    assert_eq!(sent.step, CONFIRMATION_STEP);

    // Planned again, later that day and the next: no second confirmation.
    for later in [at + Duration::minutes(1), at + Duration::days(1)] {
        let again = plan_campaign(store, &s, "c", Profile::ru_230fz(), later).await;
        assert!(
            again.messages.iter().all(|m| m.promise_id.is_none()),
            "{again:#?}"
        );
    }
    assert_eq!(sink.bodies().len(), 1);
}

#[test]
fn a_promise_broken_by_the_payment_import_moves_the_debtor_to_the_broken_promise_segment() {
    block_on(async {
        let (store, dir) = sqlite_store().await;
        let store = &store;
        let now = t(NOW);
        import_csv(store, dir.path(), LIST, "c", now).await;
        let sink = SmsSink::start().await;
        let s = strategy(sink.port, "all");
        call_c1(store, &s, "c", Disposition::PromiseToPay, now).await;
        // While the promise stands, C-1 stays in its segment and is not called.
        let standing = plan_campaign(
            store,
            &s,
            "c",
            Profile::ru_230fz(),
            t("2026-11-25T07:00:00Z"),
        )
        .await;
        assert!(standing.calls.iter().all(|c| c.external_id != "C-1"));

        // Friday: the payment file has C-2's payment, not C-1's; the promised Wednesday has passed.
        let friday = t("2026-11-27T07:00:00Z");
        let payments = dir.path().join("payments.csv");
        std::fs::write(
            &payments,
            "external_id,amount,date,reference\nC-2,100.00,2026-11-24,PAY-1\n",
        )
        .unwrap();
        let report = import_payments(store, &payments, friday, false, None)
            .await
            .unwrap();
        assert_eq!(report.counts.broken, 1, "{report:?}");

        let p = plan_campaign(store, &s, "c", Profile::ru_230fz(), friday).await;
        let call = p
            .calls
            .iter()
            .find(|c| c.external_id == "C-1")
            .unwrap_or_else(|| panic!("C-1 is called about the broken promise: {p:#?}"));
        assert_eq!(
            (
                call.segment.as_str(),
                call.step.as_str(),
                call.recall_promise
            ),
            ("broken_promise", "day 1", true)
        );
        let other = p.calls.iter().find(|c| c.external_id == "C-2").unwrap();
        assert_eq!(other.segment, "all");
    });
}

#[test]
fn contacts_made_by_one_campaign_count_in_another() {
    block_on(async {
        let (store, dir) = sqlite_store().await;
        let store = &store;
        let now = t(NOW);
        import_csv(store, dir.path(), LIST, "a", now).await;
        import_csv(store, dir.path(), LIST, "b", now).await;
        let sink = SmsSink::start().await;
        let (sa, sb) = (strategy(sink.port, "a_all"), strategy(sink.port, "b_all"));

        let b_before = plan_campaign(store, &sb, "b", Profile::ru_230fz(), now).await;
        assert!(
            b_before.calls.iter().any(|c| c.external_id == "C-1"),
            "{b_before:#?}"
        );
        // Campaign A talks to C-1 (no promise).
        call_c1(store, &sa, "a", Disposition::Refused, now).await;

        // Three hours later campaign B would call C-1 by its own ladder, but the day's interaction is used.
        let later = now + Duration::hours(3);
        let b = plan_campaign(store, &sb, "b", Profile::ru_230fz(), later).await;
        assert!(b.calls.iter().all(|c| c.external_id != "C-1"), "{b:#?}");
        let w = b
            .waiting
            .iter()
            .find(|w| w.external_id == "C-1" && w.action.as_deref() == Some("call"))
            .unwrap_or_else(|| panic!("C-1 waits in B: {b:#?}"));
        assert!(w.reason.starts_with("compliance:limit"), "{w:?}");
        assert_eq!(w.segment.as_deref(), Some("b_all"));
        // C-2, untouched by A, is called by B.
        assert!(b.calls.iter().any(|c| c.external_id == "C-2"), "{b:#?}");
        // The next day B may call C-1.
        let tomorrow = plan_campaign(
            store,
            &sb,
            "b",
            Profile::ru_230fz(),
            t("2026-11-24T07:00:00Z"),
        )
        .await;
        assert!(
            tomorrow.calls.iter().any(|c| c.external_id == "C-1"),
            "{tomorrow:#?}"
        );
    });
}
