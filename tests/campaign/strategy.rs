//! Campaign files: the example loads; bad files fail with file, line and field; segments and ladders pick steps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use softcall::campaign::history::HistorySummary;
use softcall::campaign::strategy::{self, StrategyError};
use softcall::domain::{DebtorFlags, DebtorRecord, Lang};

use super::data;

fn dialogs() -> PathBuf {
    data("dialogs")
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/campaign.yaml")
}

fn debtor(amount: i64, prior: u32, due: &str) -> DebtorRecord {
    DebtorRecord {
        external_id: "X".into(),
        full_name: "Test".into(),
        phones: vec!["+79123456789".into()],
        time_zone: "Europe/Moscow".into(),
        region: None,
        amount_due: amount,
        currency: "RUB".into(),
        due_date: NaiveDate::parse_from_str(due, "%Y-%m-%d").unwrap(),
        product: Some("PDL".into()),
        creditor: None,
        creditor_phone: None,
        email: None,
        language: None,
        prior_delinquencies: prior,
        flags: DebtorFlags::default(),
        extra: BTreeMap::from([("Канал выдачи".to_string(), "online".to_string())]),
    }
}

#[test]
fn example_campaign_loads_and_segments_debtors() {
    let s = strategy::load(&example(), &dialogs()).unwrap();
    assert_eq!(s.name, "soft-30");
    assert_eq!(
        s.inbound,
        Some(strategy::Inbound {
            flow: "inbound_ru".into(),
            unknown_caller: strategy::UnknownCaller::Message,
        })
    );
    assert_eq!(s.segments.len(), 4);
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let clean = HistorySummary::default();
    let broken = HistorySummary {
        broken_promises: 2,
        ..Default::default()
    };
    let small_first = debtor(1_000_000, 0, "2026-11-15");
    assert_eq!(
        s.segment_for(&small_first, today, &clean).unwrap().name,
        "first_small"
    );
    assert_eq!(
        s.segment_for(&small_first, today, &broken).unwrap().name,
        "broken_promise"
    );
    assert_eq!(
        s.segment_for(&debtor(1_000_000, 3, "2026-11-15"), today, &clean)
            .unwrap()
            .name,
        "repeat"
    );
    assert_eq!(
        s.segment_for(&debtor(9_000_000, 0, "2026-11-15"), today, &clean)
            .unwrap()
            .name,
        "default"
    );

    let seg = &s.segments[0];
    assert!(seg.step_at(0).is_none(), "nothing before day 1");
    assert_eq!(seg.step_at(1).unwrap().sms.as_deref(), Some("gentle"));
    let day3 = seg.step_at(4).unwrap();
    assert_eq!(
        (day3.sms.as_deref(), day3.email.as_deref()),
        (Some("reminder"), Some("reminder"))
    );
    let day7 = seg.step_at(7).unwrap();
    assert_eq!(day7.call.as_deref(), Some("soft_collection_ru"));
    assert_eq!(day7.retry.no_answer, chrono::Duration::hours(2));
    assert_eq!(day7.retry.max_per_day, 3);
    assert!(seg.step_at(16).unwrap().recall_promise);
    assert!(seg.step_at(31).unwrap().hand_over);
}

#[test]
fn segment_rules_on_imported_fields() {
    let yaml = "name: f\nsegments:\n  - name: online\n    when:\n      fields: { \"Канал выдачи\": [online, app] }\n      product: pdl\n      days_overdue: { min: 5, max: 30 }\n    ladder:\n      - day: 5\n        call: soft_test\n";
    let s = strategy::parse(Path::new("f.yaml"), yaml, &dialogs()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let h = HistorySummary::default();
    assert!(s
        .segment_for(&debtor(100, 0, "2026-11-15"), today, &h)
        .is_some());
    assert!(
        s.segment_for(&debtor(100, 0, "2026-11-20"), today, &h)
            .is_none(),
        "2 days overdue < 5"
    );
    let mut office = debtor(100, 0, "2026-11-15");
    office.extra.insert("Канал выдачи".into(), "office".into());
    assert!(s.segment_for(&office, today, &h).is_none());
}

#[test]
fn unknown_flow_names_file_line_and_field() {
    let path = data("campaign_unknown_flow.yaml");
    let err = strategy::load(&path, &dialogs()).unwrap_err();
    let StrategyError::Invalid { line, field, .. } = &err else {
        panic!("expected Invalid, got {err}");
    };
    assert_eq!((*line, field.as_str()), (8, "segments[0].ladder[1].call"));
    let text = err.to_string();
    assert!(text.contains("campaign_unknown_flow.yaml:8:"), "{text}");
    assert!(
        text.contains("unknown flow `soft_missing_flow`")
            && text.contains("soft_missing_flow.yaml does not exist"),
        "{text}"
    );
}

#[test]
fn typos_and_bad_values_are_located() {
    let err = strategy::load(&data("campaign_typo.yaml"), &dialogs()).unwrap_err();
    assert!(
        matches!(err, StrategyError::Syntax { line: 6, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("unknown field `cal`"), "{err}");

    let err = strategy::load(&data("campaign_bad_retry.yaml"), &dialogs()).unwrap_err();
    assert!(
        matches!(err, StrategyError::Invalid { line: 8, .. }),
        "{err}"
    );
    assert!(
        err.to_string().contains("`two hours` is not a duration"),
        "{err}"
    );

    let no_gateway = "name: x\nsegments:\n  - name: a\n    ladder:\n      - day: 1\n        sms: t\ntemplates:\n  t:\n    sms: hi\n";
    let err = strategy::parse(Path::new("x.yaml"), no_gateway, &dialogs()).unwrap_err();
    assert!(err.to_string().contains("no `sms:` gateway"), "{err}");

    let unknown_template = "name: x\nsms:\n  url: http://127.0.0.1:1/\nsegments:\n  - name: a\n    ladder:\n      - day: 1\n        sms: nope\n";
    let err = strategy::parse(Path::new("x.yaml"), unknown_template, &dialogs()).unwrap_err();
    assert!(
        err.to_string()
            .contains("x.yaml:8: `segments[0].ladder[0].sms`: unknown template `nope`"),
        "{err}"
    );

    let unordered = "name: x\nsegments:\n  - name: a\n    ladder:\n      - day: 7\n        call: soft_test\n      - day: 3\n        call: soft_test\n";
    let err = strategy::parse(Path::new("x.yaml"), unordered, &dialogs()).unwrap_err();
    assert!(
        err.to_string().contains("x.yaml:7:") && err.to_string().contains("days must increase"),
        "{err}"
    );
}

#[test]
fn the_inbound_section_names_an_existing_flow_and_a_known_handling() {
    let base =
        "name: x\nsegments:\n  - name: a\n    ladder:\n      - day: 1\n        call: soft_test\n";
    let parse =
        |extra: &str| strategy::parse(Path::new("c.yaml"), &format!("{base}{extra}"), &dialogs());
    let s = parse("inbound:\n  flow: inbound_ru\n  unknown_caller: queue\n").unwrap();
    assert_eq!(
        s.inbound.map(|i| i.unknown_caller),
        Some(strategy::UnknownCaller::Queue)
    );
    let s = parse("inbound: { flow: inbound_ru }\n").unwrap();
    assert_eq!(
        s.inbound.map(|i| i.unknown_caller),
        Some(strategy::UnknownCaller::Message),
        "a neutral message by default"
    );
    assert!(parse("").unwrap().inbound.is_none());
    let err = parse("inbound:\n  flow: inbound_xx\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("c.yaml:8: `inbound.flow`: unknown flow `inbound_xx`"),
        "{err}"
    );
    let err = parse("inbound:\n  flow: inbound_ru\n  unknown_caller: hang_up\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("c.yaml:9") && err.contains("hang_up"), "{err}");
}

#[test]
fn a_segment_per_language_calls_the_flow_in_it() {
    let yaml = "name: l
segments:
  - name: english
    when: { language: en }
    ladder:
      - day: 1
        call: soft_test
  - name: others
    ladder:
      - day: 1
        call: soft_collection_ru
";
    let s = strategy::parse(Path::new("l.yaml"), yaml, &dialogs()).unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
    let h = HistorySummary::default();
    let segment = |language: Option<Lang>| {
        let d = DebtorRecord {
            language,
            ..debtor(100, 0, "2026-11-15")
        };
        s.segment_for(&d, today, &h).map(|seg| seg.name.clone())
    };
    assert_eq!(segment(Some(Lang::En)).as_deref(), Some("english"));
    assert_eq!(segment(Some(Lang::Ru)).as_deref(), Some("others"));
    assert_eq!(
        segment(None).as_deref(),
        Some("others"),
        "no language: no match"
    );

    let err = strategy::parse(
        Path::new("l.yaml"),
        &yaml.replace("language: en", "language: fr"),
        &dialogs(),
    )
    .unwrap_err()
    .to_string();
    assert_eq!(err, "l.yaml:4:23: `fr` is not an allowed value; use ru, en");
}
