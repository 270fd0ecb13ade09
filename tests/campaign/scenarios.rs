//! Store scenarios run identically against SQLite and PostgreSQL.

use chrono::{DateTime, NaiveDate, Utc};

use softcall::campaign::channel::{Channel, Direction};
use softcall::campaign::dial::DialOrder;
use softcall::campaign::import::ImportError;
use softcall::campaign::outcome::{CallOutcome, ConversationEvent};
use softcall::campaign::report::{analytics, results, DebtorLine};
use softcall::campaign::scheduler::{AttemptOutcome, AttemptState};
use softcall::campaign::standing::DebtorStatus;
use softcall::domain::PromiseStatus;
use softcall::domain::{Disposition, Lang};
use softcall::ops::lists::{import_debtors, import_payments, DebtorImport, ListError};
use softcall::store::inbound::UnknownCall;
use softcall::store::{Store, StoreError};

use super::data;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn opts(campaign: &str) -> DebtorImport {
    DebtorImport {
        campaign: campaign.into(),
        as_of: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        strict_columns: false,
        skip_invalid: false,
        rejects: None,
        now: t("2026-11-22T09:00:00Z"),
    }
}

async fn count(store: &Store, campaign: &str) -> usize {
    let c = store.campaign(campaign).await.unwrap();
    store.campaign_debtors(c.id).await.unwrap().len()
}

/// Both encodings import; re-import updates by external id and never duplicates; phones are E.164.
pub async fn import_and_reimport(store: &Store) {
    let r = import_debtors(
        store,
        &data("debtors_utf8_bom_comma.csv"),
        &opts("nov"),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.rows, r.counts.inserted, r.counts.updated), (3, 3, 0));
    assert_eq!(r.unknown_columns, vec!["loan_channel".to_string()]);
    let r = import_debtors(
        store,
        &data("debtors_cp1251_semicolon.csv"),
        &opts("nov"),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.counts.inserted, r.delimiter), (3, ';'));
    assert_eq!(count(store, "nov").await, 6);

    let r = import_debtors(store, &data("debtors_update.csv"), &opts("nov"), &|_, _| {})
        .await
        .unwrap();
    assert_eq!((r.counts.inserted, r.counts.updated), (1, 1));
    assert_eq!(count(store, "nov").await, 7);
    let id = store.debtor_id("A-1").await.unwrap();
    let d = store.debtor(id).await.unwrap();
    assert_eq!(d.record.amount_due, 900_000);
    assert_eq!(
        d.record.phones,
        vec!["+79123456789".to_string(), "+73431234567".to_string()]
    );
    assert_eq!(d.record.time_zone, "Asia/Yekaterinburg");

    let b = store
        .debtor(store.debtor_id("B-1").await.unwrap())
        .await
        .unwrap();
    assert_eq!(b.record.full_name, "Кузнецова Мария Павловна");
    assert_eq!(b.record.time_zone, "Asia/Novosibirsk");
    assert_eq!(
        b.record.due_date,
        NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()
    );
    let b3 = store
        .debtor(store.debtor_id("B-3").await.unwrap())
        .await
        .unwrap();
    assert!(b3.record.flags.disability_group_1);
    assert_eq!(b3.record.amount_due, 100_050);
    let a2 = store
        .debtor(store.debtor_id("A-2").await.unwrap())
        .await
        .unwrap();
    assert_eq!(
        a2.record.extra.get("loan_channel").map(String::as_str),
        Some("office")
    );
    assert_eq!(a2.record.prior_delinquencies, 2);
}

/// One bad row aborts the whole import; --skip-invalid imports the rest and writes the rejects.
pub async fn all_or_nothing(store: &Store) {
    let err = import_debtors(
        store,
        &data("debtors_invalid_rows.csv"),
        &opts("bad"),
        &|_, _| {},
    )
    .await
    .unwrap_err();
    let ListError::Import(ImportError::InvalidRows { errors, .. }) = &err else {
        panic!("expected invalid rows, got {err}");
    };
    let lines: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
    assert_eq!(
        lines,
        vec![
            (3, "phone"),
            (4, "due_date"),
            (5, "amount_due"),
            (6, "time_zone")
        ]
    );
    let text = err.to_string();
    assert!(
        text.contains(
            "debtors_invalid_rows.csv:4: column `due_date`: `2026-02-31` is an impossible date"
        ),
        "{text}"
    );
    assert!(text.contains("negative"), "{text}");
    assert!(text.contains("unknown time zone `Mars/Olympus`"), "{text}");
    assert!(
        matches!(
            store.campaign("bad").await,
            Err(StoreError::UnknownCampaign(_))
        ),
        "nothing half-imported"
    );
    assert!(store.debtor_id("C-1").await.is_err());

    let dir = tempfile::tempdir().unwrap();
    let rejects = dir.path().join("rejects.csv");
    let mut o = opts("bad");
    o.skip_invalid = true;
    o.rejects = Some(rejects.clone());
    let r = import_debtors(store, &data("debtors_invalid_rows.csv"), &o, &|_, _| {})
        .await
        .unwrap();
    assert_eq!((r.counts.inserted, r.rejected.len()), (2, 4));
    let written = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(written.lines().count(), 5, "{written}");
    assert!(written.lines().next().unwrap().ends_with("reject_reason"));
    assert!(written.contains("C-3") && written.contains("impossible date"));
}

/// A full call story: ticket needs the attempt row and carries the history; payments settle promises.
pub async fn history_promises_and_payments(store: &Store) {
    import_debtors(
        store,
        &data("debtors_utf8_bom_comma.csv"),
        &opts("hist"),
        &|_, _| {},
    )
    .await
    .unwrap();
    let campaign = store.campaign("hist").await.unwrap();
    let a1 = store
        .debtor(store.debtor_id("A-1").await.unwrap())
        .await
        .unwrap();
    let order = DialOrder {
        campaign_id: campaign.id,
        debtor_id: a1.id,
        phone_id: a1.phones[0].id,
        strategy: "soft".into(),
        segment: "first".into(),
        step: "day 7".into(),
        flow: "soft_test".into(),
        recall_promise: false,
    };
    let ticket = store
        .begin_dial(order.clone(), t("2026-11-21T05:00:00Z"))
        .await
        .unwrap();
    assert_eq!(ticket.phone(), "+79123456789");
    assert_eq!(
        ticket.history().attempts,
        0,
        "history loaded before the attempt row"
    );
    let outcome = CallOutcome {
        disposition: Disposition::PromiseToPay,
        started_at: t("2026-11-21T05:00:00Z"),
        answered_at: Some(t("2026-11-21T05:00:09Z")),
        ended_at: t("2026-11-21T05:02:00Z"),
        promise: Some((
            NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
            Some(600_000),
        )),
        handoff_reason: None,
        recording_path: Some("recordings/1.wav".into()),
        events: vec![ConversationEvent {
            at: t("2026-11-21T05:01:00Z"),
            speaker: "debtor".into(),
            kind: "utterance".into(),
            text: "заплачу двадцать пятого".into(),
        }],
    };
    store.finish_call(&ticket, &outcome).await.unwrap();
    assert!(
        store.finish_call(&ticket, &outcome).await.is_err(),
        "an attempt is finished once"
    );

    // The next call sees the promise.
    let second = store
        .begin_dial(order.clone(), t("2026-11-23T05:00:00Z"))
        .await
        .unwrap();
    let h = second.history();
    assert_eq!(h.attempts, 1);
    assert_eq!(h.last_promise.as_ref().unwrap().amount, 600_000);
    assert_eq!(
        h.last_promise.as_ref().unwrap().status,
        PromiseStatus::Pending
    );
    assert_eq!(
        h.last_conversation.as_ref().unwrap().outcome.as_deref(),
        Some("promise_to_pay")
    );
    let no_answer = CallOutcome {
        disposition: Disposition::NoAnswer,
        answered_at: None,
        promise: None,
        events: vec![],
        recording_path: None,
        started_at: t("2026-11-23T05:00:00Z"),
        ended_at: t("2026-11-23T05:00:40Z"),
        handoff_reason: None,
    };
    store.finish_call(&second, &no_answer).await.unwrap();

    // A-2 promises and breaks it; A-1 keeps (5000 + 1000 between the promise and its date).
    let a2 = store.debtor_id("A-2").await.unwrap();
    store
        .record_promise(
            a2,
            None,
            t("2026-11-10T10:00:00Z"),
            NaiveDate::from_ymd_opt(2026, 11, 15).unwrap(),
            None,
        )
        .await
        .unwrap();
    store
        .record_refusal(a2, None, t("2026-11-16T10:00:00Z"), "stop_calls", "letter")
        .await
        .unwrap();
    let r = import_payments(
        store,
        &data("payments.csv"),
        t("2026-11-26T12:00:00Z"),
        false,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (r.counts.inserted, r.counts.kept, r.counts.broken),
        (3, 1, 1)
    );
    let again = import_payments(
        store,
        &data("payments.csv"),
        t("2026-11-26T12:00:00Z"),
        false,
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.counts.inserted, again.counts.duplicates),
        (0, 3),
        "re-import never counts twice"
    );
    let a1_after = store.debtor(a1.id).await.unwrap();
    assert_eq!(a1_after.record.amount_due, 1_250_000 - 600_000);
    let a2_after = store.debtor(a2).await.unwrap();
    assert_eq!(
        (a2_after.record.amount_due, a2_after.status.as_str()),
        (0, "paid")
    );
    let s2 = store.history_summary(a2).await.unwrap();
    assert_eq!(s2.broken_promises, 1);
    assert_eq!(s2.refusal.as_ref().unwrap().kind, "stop_calls");
    assert_eq!(s2.total_paid, 4_800_000);
    let s1 = store.history_summary(a1.id).await.unwrap();
    assert_eq!(
        s1.last_promise.as_ref().unwrap().status,
        PromiseStatus::Kept
    );
    assert_eq!(
        s1.last_contact.as_ref().unwrap().outcome.as_deref(),
        Some("no_answer")
    );

    // Payments naming unknown debtors or negative amounts: all-or-nothing with file, line and column.
    let err = import_payments(
        store,
        &data("payments_invalid.csv"),
        t("2026-11-26T12:00:00Z"),
        false,
        None,
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "payments_invalid.csv:3: column `Номер договора`: no debtor with external id `ZZZ-9`"
        ),
        "{err}"
    );
    assert!(
        err.contains("payments_invalid.csv:4: column `Сумма платежа`"),
        "{err}"
    );
    assert_eq!(
        store.payments_of(a1.id).await.unwrap().len(),
        2,
        "nothing half-imported"
    );

    // Results and analytics from the stored facts.
    let facts = store.attempt_facts(campaign.id).await.unwrap();
    let promises = store.promise_facts(campaign.id).await.unwrap();
    let rows = analytics(None, &[], &facts, &promises);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (
            rows[0].calls,
            rows[0].right_party_contacts,
            rows[0].promises,
            rows[0].kept
        ),
        (2, 1, 1, 1)
    );
    assert!((rows[0].contact_rate.unwrap() - 0.5).abs() < 1e-9);
    let lines: Vec<DebtorLine> = store
        .campaign_debtors(campaign.id)
        .await
        .unwrap()
        .into_iter()
        .map(|d| DebtorLine {
            id: d.id,
            external_id: d.record.external_id.clone(),
            amount_due: d.record.amount_due,
            status: DebtorStatus::derive(&d.status, None, d.record.amount_due),
            segment: None,
        })
        .collect();
    let res = results(&lines, &facts, &promises);
    let a1_row = res.iter().find(|r| r.external_id == "A-1").unwrap();
    assert_eq!(
        (
            a1_row.last_outcome.as_str(),
            a1_row.attempts,
            a1_row.contact_status.as_str(),
            a1_row.promise_status.as_str()
        ),
        ("no_answer", 2, "right_party", "kept")
    );
    assert_eq!(a1_row.promise_date, "2026-11-25");
    assert_eq!(a1_row.promise_amount, "6000.00");
}

/// An attempt is written before dialling; after a crash it is resolved as unknown, never dialled twice.
pub async fn crash_recovery(store: &Store) {
    import_debtors(
        store,
        &data("debtors_utf8_bom_comma.csv"),
        &opts("crash"),
        &|_, _| {},
    )
    .await
    .unwrap();
    let campaign = store.campaign("crash").await.unwrap();
    let d = store
        .debtor(store.debtor_id("A-3").await.unwrap())
        .await
        .unwrap();
    let order = DialOrder {
        campaign_id: campaign.id,
        debtor_id: d.id,
        phone_id: d.phones[0].id,
        strategy: "soft".into(),
        segment: "first".into(),
        step: "day 7".into(),
        flow: "soft_test".into(),
        recall_promise: false,
    };
    let ticket = store
        .begin_dial(order.clone(), t("2026-11-22T01:00:00Z"))
        .await
        .unwrap();
    // The process "crashes" here: the ticket is lost, the row stays in flight.
    drop(ticket);
    let in_flight = store.in_flight().await.unwrap();
    assert_eq!(in_flight.len(), 1);
    assert_eq!(in_flight[0].debtor_id, d.id);
    // A second worker (or the restarted one) cannot dial the same debtor while the attempt is unresolved.
    let again = store
        .begin_dial(order.clone(), t("2026-11-22T01:00:30Z"))
        .await;
    assert!(
        matches!(again, Err(StoreError::AttemptState { .. })),
        "{again:?}"
    );
    // Recovery resolves only attempts old enough that no live call can still run.
    assert_eq!(
        store
            .resolve_in_flight(t("2026-11-22T00:30:00Z"), t("2026-11-22T01:05:00Z"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .resolve_in_flight(t("2026-11-22T01:30:00Z"), t("2026-11-22T01:35:00Z"))
            .await
            .unwrap(),
        1
    );
    assert!(store.in_flight().await.unwrap().is_empty());
    let h = store.history(d.id).await.unwrap();
    assert_eq!(h.attempts.len(), 1);
    let a = &h.attempts[0];
    assert_eq!(
        (a.state, a.outcome, a.conversation),
        (AttemptState::Unknown, Some(AttemptOutcome::Unknown), true)
    );
    assert_eq!(
        a.finished_at,
        Some(t("2026-11-22T01:35:00Z")),
        "the moment of recovery is kept: the hold runs from it"
    );
    assert_eq!(a.channel, Channel::Call);
    // After recovery a new attempt may be written.
    let next = store
        .begin_dial(order, t("2026-11-22T03:00:00Z"))
        .await
        .unwrap();
    assert_eq!(
        next.history().attempts,
        1,
        "the unknown attempt is part of the history the next call receives"
    );
}

/// Issue: a re-import of the same list restored paid amounts and the plan wrote to a debtor who had paid; a
/// hand-over in one campaign was ignored by another. The list owns contact data and the amount it reports;
/// softcall's payments and statuses survive the re-import.
pub async fn reimport_keeps_payments_and_hand_overs(store: &Store) {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = root.join("examples/debtors.csv");
    let as_of = |c: &str| DebtorImport {
        as_of: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        ..opts(c)
    };
    import_debtors(store, &list, &as_of("c1"), &|_, _| {})
        .await
        .unwrap();
    let payments = root.join("examples/payments.csv");
    import_payments(store, &payments, t("2026-11-22T12:00:00Z"), false, None)
        .await
        .unwrap();
    let amount = |store: &Store, id: &'static str| {
        let store = store.clone();
        async move {
            let d = store
                .debtor(store.debtor_id(id).await.unwrap())
                .await
                .unwrap();
            (d.record.amount_due, d.status)
        }
    };
    assert_eq!(amount(store, "L-0001001").await, (750_000, "active".into()));
    assert_eq!(amount(store, "L-0001003").await, (0, "paid".into()));

    // The same list again (also as of a later day): nothing the list says is new, the payments stand.
    let later = DebtorImport {
        as_of: NaiveDate::from_ymd_opt(2026, 11, 25).unwrap(),
        ..opts("c1")
    };
    let r = import_debtors(store, &list, &later, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(r.counts.updated, 5);
    assert_eq!(amount(store, "L-0001001").await, (750_000, "active".into()));
    assert_eq!(amount(store, "L-0001003").await, (0, "paid".into()));

    // A hand-over in c1 closes the debtor in c2, which imports the same list afterwards.
    let c1 = store.campaign("c1").await.unwrap();
    let d2 = store.debtor_id("L-0001002").await.unwrap();
    store
        .set_debtor_status(c1.id, d2, "hard_collection")
        .await
        .unwrap();
    import_debtors(store, &list, &as_of("c2"), &|_, _| {})
        .await
        .unwrap();
    assert_eq!(amount(store, "L-0001002").await.1, "hard_collection");
    let c2 = store.campaign("c2").await.unwrap();
    let strategy = softcall::campaign::strategy::load(
        &root.join("examples/campaign.yaml"),
        &root.join("dialogs"),
    )
    .unwrap();
    let debtors = store.campaign_debtors(c2.id).await.unwrap();
    let histories = store.campaign_histories(c2.id).await.unwrap();
    let statuses = store
        .campaign_statuses(c2.id)
        .await
        .unwrap()
        .into_iter()
        .collect();
    let plan = softcall::campaign::planner::plan(
        &strategy,
        softcall::campaign::compliance::Policy::new(
            softcall::campaign::compliance::Profile::by_name("ru-230fz").unwrap(),
            Default::default(),
        ),
        &debtors,
        &histories,
        &statuses,
        t("2026-11-23T07:00:00Z"),
    );
    let closed: Vec<(&str, &str)> = plan
        .waiting
        .iter()
        .filter(|w| w.reason == "closed")
        .map(|w| (w.external_id.as_str(), w.detail.as_str()))
        .collect();
    assert_eq!(
        closed,
        vec![
            ("L-0001002", "handed over to hard collection"),
            ("L-0001003", "paid in full")
        ]
    );
    let acted: Vec<&str> = plan
        .calls
        .iter()
        .chain(&plan.messages)
        .map(|l| l.external_id.as_str())
        .collect();
    assert!(
        !acted.contains(&"L-0001003") && !acted.contains(&"L-0001002"),
        "{acted:?}"
    );

    // A new list with a new amount is the loan system's word as of its date: the 5 000 paid on 2026-11-20
    // is in its 7 500 (it was stored before this import), so it is not deducted twice.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&list)
        .unwrap()
        .replace("12 500,00", "7 500,00");
    let newer = dir.path().join("debtors.csv");
    std::fs::write(&newer, text).unwrap();
    import_debtors(store, &newer, &later, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(amount(store, "L-0001001").await, (750_000, "active".into()));
}

/// Calls debtors place to us: caller ID finds the debtor by any active phone; an inbound attempt is written and
/// finished like a dialled one, marked inbound, and may be in flight next to a dialled call; a number nobody has
/// finds nobody, and its call is kept apart.
pub async fn inbound_contacts(store: &Store) {
    import_debtors(
        store,
        &data("debtors_utf8_bom_comma.csv"),
        &opts("inbound"),
        &|_, _| {},
    )
    .await
    .unwrap();
    let campaign = store.campaign("inbound").await.unwrap();
    let a2 = store
        .debtor(store.debtor_id("A-2").await.unwrap())
        .await
        .unwrap();
    for phone in &a2.phones {
        let found = store.debtor_by_phone(&phone.e164).await.unwrap().unwrap();
        assert_eq!(
            (found.debtor_id, found.phone_id, found.campaign_id),
            (a2.id, phone.id, campaign.id)
        );
    }
    assert_eq!(store.debtor_by_phone("+70000000000").await.unwrap(), None);

    let second = &a2.phones[1];
    let order = DialOrder {
        campaign_id: campaign.id,
        debtor_id: a2.id,
        phone_id: second.id,
        strategy: "soft".into(),
        segment: "inbound".into(),
        step: "inbound".into(),
        flow: "inbound_ru".into(),
        recall_promise: true,
    };
    let ticket = store
        .begin_inbound(order.clone(), t("2026-11-23T07:00:00Z"))
        .await
        .unwrap();
    assert_eq!(ticket.direction(), Direction::Inbound);
    assert_eq!(ticket.phone(), second.e164);
    // The same debtor may be dialled meanwhile (one call each way), but not answered twice at once.
    let dialled = store
        .begin_dial(
            DialOrder {
                step: "day 7".into(),
                ..order.clone()
            },
            t("2026-11-23T07:00:10Z"),
        )
        .await
        .unwrap();
    assert_eq!(dialled.direction(), Direction::Outbound);
    let twice = store.begin_inbound(order, t("2026-11-23T07:00:20Z")).await;
    assert!(
        matches!(twice, Err(StoreError::AttemptState { .. })),
        "{twice:?}"
    );
    // A campaign run starting now settles the dialled call a killed run left, never the inbound one a
    // `campaign answer` may still be holding.
    assert_eq!(
        store
            .resolve_campaign_in_flight(campaign.id, t("2026-11-23T07:00:30Z"))
            .await
            .unwrap(),
        1
    );
    store
        .finish_call(
            &ticket,
            &CallOutcome {
                disposition: Disposition::PromiseToPay,
                started_at: t("2026-11-23T07:00:00Z"),
                answered_at: Some(t("2026-11-23T07:00:00Z")),
                ended_at: t("2026-11-23T07:01:00Z"),
                promise: Some((NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(), None)),
                handoff_reason: None,
                recording_path: None,
                events: Vec::new(),
            },
        )
        .await
        .unwrap();
    let h = store.history(a2.id).await.unwrap();
    let directions: Vec<(Direction, Option<&str>)> = h
        .attempts
        .iter()
        .map(|a| (a.direction, a.outcome.map(|o| o.as_str())))
        .collect();
    assert_eq!(
        directions,
        [
            (Direction::Inbound, Some("promise_to_pay")),
            (Direction::Outbound, Some("unknown"))
        ]
    );
    assert_eq!(h.promises.len(), 1);
    let histories = store.campaign_histories(campaign.id).await.unwrap();
    assert_eq!(histories[&a2.id].attempts[0].direction, Direction::Inbound);

    let unknown = UnknownCall {
        sip_call_id: "abc@127.0.0.1".into(),
        campaign_id: campaign.id,
        caller: Some("+15550001111".into()),
        handling: "message".into(),
        disposition: "wrong_person".into(),
        started_at: t("2026-11-23T08:00:00Z"),
        answered_at: Some(t("2026-11-23T08:00:01Z")),
        ended_at: t("2026-11-23T08:00:15Z"),
        recording_path: Some("unknown-abc_127.0.0.1.wav".into()),
        report: Some("{}".into()),
    };
    store.save_unknown_call(&unknown).await.unwrap();
    assert_eq!(store.unknown_calls(campaign.id).await.unwrap(), [unknown]);
}

/// The list's language and creditor phone are stored (the phone in E.164), re-imports replace them (an empty cell
/// clears them), and a dial ticket carries them.
pub async fn language_and_creditor_phone(store: &Store) {
    let r = import_debtors(
        store,
        &data("debtors_language.csv"),
        &opts("lang"),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(r.counts.inserted, 3);
    assert!(r.unknown_columns.is_empty(), "{:?}", r.unknown_columns);
    let stored = |id: &'static str| async move {
        let d = store
            .debtor(store.debtor_id(id).await.unwrap())
            .await
            .unwrap();
        (d.record.language, d.record.creditor_phone)
    };
    assert_eq!(
        stored("G-1").await,
        (Some(Lang::Ru), Some("+78005553535".into()))
    );
    assert_eq!(
        stored("G-2").await,
        (Some(Lang::En), Some("+74951234567".into()))
    );
    assert_eq!(stored("G-3").await, (None, None));

    let r = import_debtors(
        store,
        &data("debtors_language_update.csv"),
        &opts("lang"),
        &|_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.counts.inserted, r.counts.updated), (0, 3));
    assert_eq!(
        stored("G-1").await,
        (Some(Lang::En), Some("+78005553536".into()))
    );
    assert_eq!(stored("G-2").await, (None, None), "the list owns both");
    assert_eq!(
        stored("G-3").await,
        (Some(Lang::Ru), Some("+74230001122".into()))
    );

    let c = store.campaign("lang").await.unwrap();
    let listed = store.campaign_debtors(c.id).await.unwrap();
    let g1 = listed
        .iter()
        .find(|d| d.record.external_id == "G-1")
        .unwrap();
    assert_eq!(g1.record.language, Some(Lang::En));
    let ticket = store
        .begin_dial(
            DialOrder {
                campaign_id: c.id,
                debtor_id: g1.id,
                phone_id: g1.phones[0].id,
                strategy: "s".into(),
                segment: "all".into(),
                step: "day 7".into(),
                flow: "soft_collection_en".into(),
                recall_promise: false,
            },
            t("2026-11-23T06:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(ticket.debtor().record.language, Some(Lang::En));
    assert_eq!(
        ticket.debtor().record.creditor_phone.as_deref(),
        Some("+78005553536")
    );
}
