//! Table tests of the scheduler: eligibility, retry policy, limits, determinism, crash recovery.

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;

use softcall::campaign::compliance::{
    Channel, Contact, ContactKind, Counting, Period, Policy, Profile, Rule, Settings,
};
use softcall::campaign::scheduler::synthetic;
use softcall::campaign::scheduler::{
    resolve_unknown_attempts, AttemptResult, DueStep, Limits, Load, RetryPolicy, RetryState,
    Scheduler, StepAction, UnknownAttempt, WaitReason, WorkItem,
};

use super::policy::{debtor, utc};

fn scheduler(max_concurrent: u32, cps: u32) -> Scheduler {
    Scheduler::new(
        Policy::new(Profile::ru_230fz(), Settings::default()),
        RetryPolicy::default(),
        Limits {
            max_concurrent_calls: max_concurrent,
            calls_per_second: cps,
        },
    )
}

fn call_item(id: i64, due: &str) -> WorkItem {
    WorkItem {
        debtor: id,
        phones: vec!["+79001112233".into(), "+79004445566".into()],
        facts: debtor(Tz::Europe__Moscow),
        history: Vec::new(),
        step: Some(DueStep {
            action: StepAction::Call {
                flow: "soft_ru".into(),
            },
            due_at: utc(due),
        }),
        retry: RetryState::default(),
        in_flight: false,
    }
}

const NOW: &str = "2026-11-23T09:00:00Z"; // Monday 12:00 Moscow

#[test]
fn eligible_calls_fill_free_slots_oldest_due_first() {
    let items: Vec<WorkItem> = (0..10)
        .map(|i| call_item(100 - i, &format!("2026-11-2{}T06:00:00Z", i % 3)))
        .collect();
    let plan = scheduler(3, 100).plan(
        &items,
        Load {
            calls_in_flight: 1,
            calls_started_last_second: 0,
        },
        utc(NOW),
    );
    let dialled: Vec<i64> = plan.actions.iter().map(|a| a.debtor).collect();
    // Due on the 20th: debtors 100, 97, 94, 91 — the two lowest ids first.
    assert_eq!(dialled, vec![91, 94]);
    assert!(plan.actions.iter().all(|a| a.phone_index == Some(0)));
    assert_eq!(plan.waiting.len(), 8);
    assert!(plan
        .waiting
        .iter()
        .all(|w| w.reason == WaitReason::Concurrency));
}

#[test]
fn calls_per_second_limit_binds_before_slots() {
    let items: Vec<WorkItem> = (0..6)
        .map(|i| call_item(i, "2026-11-23T06:00:00Z"))
        .collect();
    let plan = scheduler(50, 5).plan(
        &items,
        Load {
            calls_in_flight: 0,
            calls_started_last_second: 4,
        },
        utc(NOW),
    );
    assert_eq!(plan.actions.len(), 1);
    let w = plan.waiting.iter().find(|w| w.debtor == 3).expect("waits");
    assert_eq!(w.reason, WaitReason::CallsPerSecond);
    assert_eq!(w.until, Some(utc(NOW) + Duration::seconds(1)));
}

#[test]
fn waits_say_why_and_until_when() {
    let s = scheduler(10, 10);
    let mut not_due = call_item(1, "2026-11-25T09:00:00Z");
    not_due.retry = RetryState::default();
    let mut backoff = call_item(2, "2026-11-20T06:00:00Z");
    backoff.retry.next_retry_at = Some(utc("2026-11-23T10:30:00Z"));
    let mut capped = call_item(3, "2026-11-20T06:00:00Z");
    capped.retry = RetryState {
        local_day: Some(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        attempts_today: 3,
        next_retry_at: None,
        next_phone: 1,
    };
    let mut flagged = call_item(4, "2026-11-20T06:00:00Z");
    flagged.facts.flags.hospital = true;
    let mut called_today = call_item(5, "2026-11-20T06:00:00Z");
    called_today.history.push(Contact::new(
        utc("2026-11-23T06:00:00Z"),
        Channel::Call,
        ContactKind::Attempt,
    ));
    let mut busy = call_item(6, "2026-11-20T06:00:00Z");
    busy.in_flight = true;
    let mut no_phone = call_item(7, "2026-11-20T06:00:00Z");
    no_phone.phones.clear();
    let items = vec![
        not_due,
        backoff,
        capped,
        flagged,
        called_today,
        busy,
        no_phone,
    ];
    let plan = s.plan(&items, Load::default(), utc(NOW));
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    let by = |id: i64| {
        plan.waiting
            .iter()
            .find(|w| w.debtor == id)
            .expect("waiting")
    };
    assert_eq!(by(1).reason, WaitReason::NotDue);
    assert_eq!(by(1).until, Some(utc("2026-11-25T09:00:00Z")));
    assert_eq!(by(2).reason, WaitReason::RetryBackoff);
    assert_eq!(by(2).until, Some(utc("2026-11-23T10:30:00Z")));
    assert_eq!(by(3).reason, WaitReason::DailyAttemptCap);
    // Next local day opens at 08:00 Moscow.
    assert_eq!(by(3).until, Some(utc("2026-11-24T05:00:00Z")));
    assert_eq!(by(4).reason, WaitReason::Compliance(Rule::Flag));
    assert_eq!(by(4).until, None);
    assert_eq!(
        by(5).reason,
        WaitReason::Compliance(Rule::Limit(Period::Day))
    );
    assert_eq!(by(5).until, Some(utc("2026-11-24T06:00:00Z")));
    assert!(
        by(5).detail.contains("calls limit reached"),
        "{}",
        by(5).detail
    );
    assert_eq!(by(6).reason, WaitReason::InFlight);
    assert_eq!(by(7).reason, WaitReason::NoPhone);
}

#[test]
fn messages_go_out_regardless_of_call_slots() {
    let mut sms = call_item(1, "2026-11-23T06:00:00Z");
    sms.step = Some(DueStep {
        action: StepAction::Sms {
            template: "reminder".into(),
        },
        due_at: utc("2026-11-23T06:00:00Z"),
    });
    let mut email = sms.clone();
    email.debtor = 2;
    email.step = Some(DueStep {
        action: StepAction::Email {
            template: "letter".into(),
        },
        due_at: utc("2026-11-23T06:00:00Z"),
    });
    let plan = scheduler(0, 0).plan(&[sms, email], Load::default(), utc(NOW));
    assert_eq!(plan.actions.len(), 2);
    assert_eq!(plan.actions[0].phone_index, Some(0));
    assert_eq!(plan.actions[1].phone_index, None);
}

#[test]
fn retry_policy_backs_off_caps_and_rotates_phones() {
    let r = RetryPolicy::default();
    let tz = Tz::Europe__Moscow;
    let mut s = RetryState::default();
    for (k, at) in [
        "2026-11-23T06:00:00Z",
        "2026-11-23T08:00:00Z",
        "2026-11-23T10:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        s = r.after_attempt(&s, tz, utc(at), 2, AttemptResult::NotReached);
        assert_eq!(s.attempts_today, k as u32 + 1);
        assert_eq!(s.next_retry_at, Some(utc(at) + Duration::hours(2)));
        assert_eq!(s.next_phone, (k + 1) % 2);
    }
    assert_eq!(r.attempts_today(&s, tz, utc("2026-11-23T18:00:00Z")), 3);
    // A new local day (00:00 Moscow = 21:00Z) starts from zero.
    assert_eq!(r.attempts_today(&s, tz, utc("2026-11-23T21:00:00Z")), 0);
    let reached = r.after_attempt(
        &s,
        tz,
        utc("2026-11-24T06:00:00Z"),
        2,
        AttemptResult::Reached,
    );
    assert_eq!(reached.attempts_today, 1);
    assert_eq!(reached.next_phone, s.next_phone);
}

#[test]
fn second_phone_is_dialled_after_rotation() {
    let mut item = call_item(1, "2026-11-20T06:00:00Z");
    item.retry.next_phone = 1;
    let s = Scheduler::new(
        Policy::new(
            Profile::ru_230fz(),
            Settings {
                counting: Counting::Conversations,
                ..Settings::default()
            },
        ),
        RetryPolicy::default(),
        Limits {
            max_concurrent_calls: 5,
            calls_per_second: 5,
        },
    );
    let plan = s.plan(&[item], Load::default(), utc(NOW));
    assert_eq!(plan.actions[0].phone_index, Some(1));
}

#[test]
fn plans_are_deterministic_whatever_the_input_order() {
    let now = utc(NOW);
    let items = synthetic::snapshot(3000, 42, now);
    let s = scheduler(40, 15);
    let a = s.plan(&items, Load::default(), now);
    let mut reversed = items.clone();
    reversed.reverse();
    let b = s.plan(&reversed, Load::default(), now);
    assert_eq!(a.actions, b.actions);
    let calls = a
        .actions
        .iter()
        .filter(|x| matches!(x.action, StepAction::Call { .. }))
        .count();
    assert_eq!(calls, 15, "the calls-per-second limit fills exactly");
    assert!(a.actions.len() > calls, "messages go out too");
    let mut wa = a.waiting.clone();
    let mut wb = b.waiting.clone();
    wa.sort_by_key(|w| w.debtor);
    wb.sort_by_key(|w| w.debtor);
    assert_eq!(wa, wb);
    assert_eq!(a.actions.len() + a.waiting.len(), items.len());
}

#[test]
fn unknown_attempts_count_and_hold_the_debtor() {
    let r = RetryPolicy::default();
    let now = utc("2026-11-23T12:00:00Z");
    let before = RetryState {
        local_day: Some(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()),
        attempts_today: 1,
        next_retry_at: None,
        next_phone: 0,
    };
    let attempts = vec![
        UnknownAttempt {
            debtor: 9,
            channel: Channel::Call,
            written_at: utc("2026-11-23T11:59:00Z"),
            time_zone: Tz::Europe__Moscow,
            phone_count: 2,
            retry: before.clone(),
        },
        UnknownAttempt {
            debtor: 9,
            channel: Channel::Call,
            written_at: utc("2026-11-23T09:00:00Z"),
            time_zone: Tz::Europe__Moscow,
            phone_count: 2,
            retry: before,
        },
    ];
    let res = resolve_unknown_attempts(&attempts, &r, now);
    assert_eq!(res.len(), 2);
    assert_eq!(res[0].contact.at, utc("2026-11-23T09:00:00Z"));
    assert_eq!(res[0].contact.kind, ContactKind::Conversation);
    assert_eq!(res[0].contact.outcome.as_deref(), Some("unknown"));
    let last = &res[1].retry;
    assert_eq!(last.attempts_today, 3);
    assert_eq!(last.next_phone, 0);
    assert_eq!(last.next_retry_at, Some(now + Duration::hours(2)));

    // Fed back to the scheduler, the debtor is not redialled now, and compliance counts the attempts.
    let mut item = call_item(9, "2026-11-20T06:00:00Z");
    item.retry = last.clone();
    item.history = res.iter().map(|r| r.contact.clone()).collect();
    let plan = scheduler(10, 10).plan(&[item], Load::default(), now);
    assert!(plan.actions.is_empty());
    assert_eq!(
        plan.waiting[0].reason,
        WaitReason::Compliance(Rule::Limit(Period::Day))
    );
}

#[test]
fn replanning_at_until_acts() {
    // `until` is not a guess: at that moment every timing rule and compliance allow the step.
    let now = utc(NOW);
    let items = synthetic::snapshot(2000, 7, now);
    let s = scheduler(100_000, 100_000);
    let plan = s.plan(&items, Load::default(), now);
    let mut checked = 0;
    for w in &plan.waiting {
        let Some(until) = w.until else { continue };
        let item = items.iter().find(|i| i.debtor == w.debtor).expect("item");
        let again = s.plan(std::slice::from_ref(item), Load::default(), until);
        assert_eq!(
            again.actions.len(),
            1,
            "debtor {} waited for {:?} until {until} but still waits: {:?}",
            w.debtor,
            w.reason,
            again.waiting
        );
        checked += 1;
    }
    assert!(checked > 300, "only {checked} timed waits");
}

#[test]
fn descriptions_off_changes_only_the_texts() {
    let now = utc(NOW);
    let items = synthetic::snapshot(1500, 11, now);
    let with = scheduler(20, 8).plan(&items, Load::default(), now);
    let without = scheduler(20, 8)
        .with_descriptions(false)
        .plan(&items, Load::default(), now);
    assert_eq!(with.actions.len(), without.actions.len());
    for (a, b) in with.waiting.iter().zip(&without.waiting) {
        assert_eq!((a.debtor, a.reason, a.until), (b.debtor, b.reason, b.until));
        assert!(!a.detail.is_empty(), "{a:?}");
        let computed = matches!(
            a.reason,
            WaitReason::NotDue
                | WaitReason::RetryBackoff
                | WaitReason::DailyAttemptCap
                | WaitReason::Concurrency
                | WaitReason::CallsPerSecond
                | WaitReason::Compliance(Rule::Hours | Rule::Limit(_))
        );
        assert!(!computed || b.detail.is_empty(), "{b:?}");
    }
}
