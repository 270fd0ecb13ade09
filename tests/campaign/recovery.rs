//! Crash recovery from the store to the plan: an attempt left `dialing` is settled by the attempt rule, the
//! debtor is held a full retry interval from the moment of recovery, and the next call goes to the next phone.

use chrono::{DateTime, Duration, Utc};

use softcall::campaign::compliance::Profile;
use softcall::campaign::strategy::{self, Strategy};
use softcall::store::Store;

use super::{begin_planned_call, block_on, data, import_csv, plan_campaign, sqlite_store};

const LIST: &str = "external_id,full_name,phone,phone2,time_zone,amount_due,due_date
R-1,Two Phones,89120000001,89120000002,Europe/Moscow,10000,2026-11-15
";

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn strategy() -> Strategy {
    let yaml = "name: recovery-test
segments:
  - name: all
    ladder:
      - day: 7
        call: soft_test
        retry: { no_answer: 2h, max_per_day: 3 }
";
    strategy::parse(
        std::path::Path::new("recovery.yaml"),
        yaml,
        &data("dialogs"),
    )
    .unwrap()
}

/// The 230-FZ profile without its call limits, so the retry hold alone decides.
fn no_call_limits() -> Profile {
    let mut p = Profile::ru_230fz();
    p.call_limits.clear();
    p
}

#[test]
fn a_call_lost_in_a_crash_holds_the_debtor_from_recovery_then_dials_the_next_phone() {
    block_on(async {
        let (store, _dir) = sqlite_store().await;
        lost_call_holds_then_next_phone(&store).await;
    });
}

/// An attempt left `dialing`, recovery, the hold from the moment of recovery, then the next phone (run on SQLite
/// and PostgreSQL).
pub async fn lost_call_holds_then_next_phone(store: &Store) {
    let dir = tempfile::tempdir().unwrap();
    // Monday 10:00 in Moscow.
    let now = t("2026-11-23T07:00:00Z");
    import_csv(store, dir.path(), LIST, "r", now).await;
    let s = strategy();
    let d = store
        .debtor(store.debtor_id("R-1").await.unwrap())
        .await
        .unwrap();
    assert_eq!(d.phones.len(), 2);

    let p = plan_campaign(store, &s, "r", Profile::ru_230fz(), now).await;
    assert_eq!(p.calls.len(), 1, "{p:#?}");
    assert_eq!(p.calls[0].phone_id, Some(d.phones[0].id));
    // Written before dialling; then the process dies and the result is lost.
    drop(begin_planned_call(store, "r", &s.name, &p.calls[0], now).await);

    let recovered = now + Duration::minutes(30);
    assert_eq!(
        store.resolve_in_flight(recovered, recovered).await.unwrap(),
        1
    );

    // A minute after recovery the debtor is not dialled, under the law nor by the hold alone.
    for profile in [Profile::ru_230fz(), no_call_limits()] {
        let soon = plan_campaign(store, &s, "r", profile, recovered + Duration::minutes(1)).await;
        assert!(soon.calls.is_empty(), "{soon:#?}");
        let w = soon
            .waiting
            .iter()
            .find(|w| w.action.as_deref() == Some("call"))
            .expect("the call waits");
        assert!(
            w.until.is_some_and(|u| u >= recovered + Duration::hours(2)),
            "{w:?}"
        );
    }
    // The hold runs two hours from recovery (09:30 UTC), not from dialling (09:00).
    let from_dialling = plan_campaign(
        store,
        &s,
        "r",
        no_call_limits(),
        now + Duration::hours(2) + Duration::minutes(1),
    )
    .await;
    assert!(from_dialling.calls.is_empty(), "{from_dialling:#?}");
    assert_eq!(from_dialling.waiting[0].reason, "retry_backoff");
    assert!(
        from_dialling.waiting[0].detail.contains("crash"),
        "{from_dialling:#?}"
    );
    let after_hold = plan_campaign(
        store,
        &s,
        "r",
        no_call_limits(),
        recovered + Duration::hours(2),
    )
    .await;
    assert_eq!(after_hold.calls.len(), 1, "{after_hold:#?}");
    assert_eq!(
        after_hold.calls[0].phone_id,
        Some(d.phones[1].id),
        "the next phone"
    );
    // Under the law the lost call was the day's interaction: the next morning, on the next phone.
    let same_day = plan_campaign(
        store,
        &s,
        "r",
        Profile::ru_230fz(),
        recovered + Duration::hours(2),
    )
    .await;
    assert!(same_day.calls.is_empty(), "{same_day:#?}");
    let tomorrow = plan_campaign(
        store,
        &s,
        "r",
        Profile::ru_230fz(),
        t("2026-11-24T07:00:00Z"),
    )
    .await;
    assert_eq!(tomorrow.calls.len(), 1, "{tomorrow:#?}");
    assert_eq!(tomorrow.calls[0].phone_id, Some(d.phones[1].id));
}
