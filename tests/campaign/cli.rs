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
    assert!(err.contains("4 invalid row(s), nothing imported"), "{err}");
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
