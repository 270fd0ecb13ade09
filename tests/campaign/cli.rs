//! The campaign commands as users run them.

use std::process::Command;

use super::data;

fn softcall(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
        .args(args)
        .output()
        .expect("run softcall");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn import_export_and_analytics_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("softcall.db").display());
    let list = data("debtors_cp1251_semicolon.csv");
    let (ok, out, err) = softcall(&[
        "import",
        "debtors",
        list.to_str().unwrap(),
        "--campaign",
        "nov",
        "--db",
        &db,
        "--as-of",
        "2026-11-22",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("3 rows (Windows-1251, separator `;`): 3 new, 0 updated, 0 rejected"),
        "{out}"
    );

    let bad = data("debtors_invalid_rows.csv");
    let (ok, _, err) = softcall(&[
        "import",
        "debtors",
        bad.to_str().unwrap(),
        "--campaign",
        "nov",
        "--db",
        &db,
    ]);
    assert!(!ok);
    assert!(err.contains("4 invalid rows, nothing imported"), "{err}");
    assert!(
        err.contains("debtors_invalid_rows.csv:3: column `phone`"),
        "{err}"
    );

    let rejects = dir.path().join("rejects.csv");
    let (ok, out, err) = softcall(&[
        "import",
        "debtors",
        bad.to_str().unwrap(),
        "--campaign",
        "nov",
        "--db",
        &db,
        "--skip-invalid",
        "--rejects",
        rejects.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("2 new, 0 updated, 4 rejected"), "{out}");
    assert!(rejects.is_file());

    let (ok, out, err) = softcall(&["export", "results", "--campaign", "nov", "--db", &db]);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("external_id,status,segment,last_outcome"),
        "{out}"
    );
    assert_eq!(
        lines.filter(|l| l.contains(",not_attempted,")).count(),
        5,
        "{out}"
    );

    let (ok, out, err) = softcall(&["analytics", "--campaign", "nov", "--json", "--db", &db]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(0),
        "no attempts yet: {out}"
    );

    let (ok, _, err) = softcall(&["analytics", "--campaign", "nope", "--db", &db]);
    assert!(!ok);
    assert!(err.contains("no campaign named `nope`"), "{err}");
}

#[test]
fn campaign_check_command() {
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/campaign.yaml");
    let dialogs = data("dialogs");
    let (ok, out, err) = softcall(&[
        "campaign",
        "check",
        example.to_str().unwrap(),
        "--dialogs",
        dialogs.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("strategy `soft-30` is valid: 4 segments"),
        "{out}"
    );
    let broken = data("campaign_unknown_flow.yaml");
    let (ok, _, err) = softcall(&[
        "campaign",
        "check",
        broken.to_str().unwrap(),
        "--dialogs",
        dialogs.to_str().unwrap(),
    ]);
    assert!(!ok);
    assert!(
        err.contains("campaign_unknown_flow.yaml:8: `segments[0].ladder[1].call`"),
        "{err}"
    );
}

#[test]
fn bench_import_prints_rows_per_second() {
    let (ok, out, err) = softcall(&["bench", "import", "--rows", "2000"]);
    assert!(ok, "{err}");
    assert!(out.contains("first import (insert): 2000 rows in"), "{out}");
    assert!(
        out.contains("re-import (update): 2000 rows in") && out.contains("(0 new, 2000 updated)"),
        "{out}"
    );
}

#[test]
fn plan_command_on_the_example_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("softcall.db").display());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let list = root.join("examples/debtors.csv");
    let (ok, _, err) = softcall(&[
        "import",
        "debtors",
        list.to_str().unwrap(),
        "--campaign",
        "ex",
        "--db",
        &db,
    ]);
    assert!(ok, "{err}");
    let campaign = root.join("examples/campaign.yaml");
    let dialogs = data("dialogs");
    let args = [
        "campaign",
        "plan",
        "--campaign",
        "ex",
        "--strategy",
        campaign.to_str().unwrap(),
        "--dialogs",
        dialogs.to_str().unwrap(),
        "--at",
        "2026-11-23T07:00:00Z",
        "--db",
        &db,
    ];
    let (ok, out, err) = softcall(&[&args[..], &["--json"]].concat());
    assert!(ok, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ids = |key: &str| -> Vec<String> {
        plan[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                format!(
                    "{} {}",
                    l["external_id"].as_str().unwrap(),
                    l["action"].as_str().unwrap()
                )
            })
            .collect()
    };
    // Three calls are due (longest-due first) but the example allows two new calls per second.
    assert_eq!(
        ids("calls"),
        vec!["L-0001002 call", "L-0001001 call"],
        "{out}"
    );
    assert_eq!(
        ids("messages"),
        vec!["L-0001003 sms", "L-0001003 email"],
        "{out}"
    );
    let waiting = plan["waiting"].as_array().unwrap();
    let reason_of = |id: &str| {
        waiting
            .iter()
            .filter(|w| w["external_id"] == id)
            .map(|w| w["reason"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(reason_of("L-0001004"), vec!["calls_per_second"], "{out}");
    assert!(
        reason_of("L-0001005")
            .iter()
            .all(|r| r == "compliance:flag"),
        "{out}"
    );
    assert_eq!(
        plan["calls"][0]["recall_promise"], true,
        "the repeat segment's day-15 call recalls the promise"
    );

    let (ok, out, err) = softcall(&args);
    assert!(ok, "{err}");
    assert!(
        out.contains("plan at 2026-11-23T07:00:00+00:00: 2 calls, 2 messages, 0 hand-overs"),
        "{out}"
    );
    assert!(out.contains("calls_per_second: 1"), "{out}");
    assert!(!out.contains("+79123456789"), "phones are masked: {out}");

    // Nothing listens on the example's gateway and SMTP ports: the sends fail, are kept in the history, and are
    // retried only after the step's wait.
    let hard = dir.path().join("hard.csv");
    let mut send = [&args[..], &["--handover", hard.to_str().unwrap()]].concat();
    send[1] = "send";
    let (ok, out, err) = softcall(&send);
    assert!(!ok, "a send with failed messages exits non-zero: {out}");
    assert!(
        out.contains(
            "sms: 0 sent, 1 failed; e-mail: 0 sent, 1 failed; handed over: 0; calls due: 2"
        ),
        "{out}"
    );
    assert!(err.contains("2 messages failed to send"), "{err}");
    let (ok, out, err) = softcall(&send);
    assert!(ok, "{err}");
    assert!(
        out.contains("sms: 0 sent, 0 failed; e-mail: 0 sent, 0 failed"),
        "{out}"
    );
    let (ok, out, err) = softcall(&["analytics", "--campaign", "ex", "--json", "--db", &db]);
    assert!(ok, "{err}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first_small = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["segment"] == "first_small")
        .unwrap();
    assert_eq!(first_small["messages"], 2, "{out}");
    assert_eq!(rows.as_array().unwrap().len(), 4, "every segment: {out}");
    let (ok, out, err) = softcall(&["campaign", "recover", "--db", &db]);
    assert!(ok, "{err}");
    assert!(out.contains("0 attempts in flight"), "{out}");

    let payments = root.join("examples/payments.csv");
    let (ok, out, err) = softcall(&[
        "import",
        "payments",
        payments.to_str().unwrap(),
        "--db",
        &db,
        "--at",
        "2026-11-23T07:00:00Z",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("2 rows: 2 payments stored, 0 already known, 0 rejected"),
        "{out}"
    );
}
