//! The commands a new user runs, in order, from a folder that is not the project's, with the files users send.
//! Each test is named after what it pins.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::data;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A workspace: `softcall.toml` (data in `state/`) in a temporary folder; commands run from its `elsewhere/`.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("softcall.toml"),
            format!(
                "default_language = \"ru\"\ndata_dir = \"state\"\ndialogs_dir = \"{}\"\n\
                 [languages.ru]\nasr_model = \"models/none\"\n",
                root().join("dialogs").display()
            ),
        )
        .unwrap();
        std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
        Workspace { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Runs softcall from `elsewhere/` with this workspace's configuration.
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
            .current_dir(self.path("elsewhere"))
            .arg("--config")
            .arg(self.path("softcall.toml"))
            .args(args)
            .output()
            .expect("run softcall");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, out, err) = self.run(args);
        assert!(ok, "softcall {args:?} failed: {err}");
        out
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[test]
fn newcomer_sequence_keeps_payments_and_writes_only_under_data_dir() {
    let w = Workspace::new();
    let list = root().join("examples/debtors.csv");
    let payments = root().join("examples/payments.csv");
    let strategy = root().join("examples/campaign.yaml");
    let import = [
        "import",
        "debtors",
        s(&list),
        "--campaign",
        "c1",
        "--as-of",
        "2026-11-22",
    ];
    w.ok(&import);
    let out = w.ok(&[
        "import",
        "payments",
        s(&payments),
        "--at",
        "2026-11-22T12:00:00Z",
    ]);
    assert!(out.contains("2 rows: 2 payments stored"), "{out}");
    let out = w.ok(&import);
    assert!(out.contains("0 new, 5 updated, 0 rejected"), "{out}");

    // Everything written is under data_dir; nothing appears in the folder the command ran from.
    assert!(w.path("state/softcall.db").is_file());
    assert_eq!(
        std::fs::read_dir(w.path("elsewhere")).unwrap().count(),
        0,
        "nothing is written to the current folder"
    );

    let plan = [
        "campaign",
        "plan",
        "--campaign",
        "c1",
        "--strategy",
        s(&strategy),
    ];
    let out = w.ok(&[&plan[..], &["--at", "2026-11-23T07:00:00Z", "--json"]].concat());
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    let messages: Vec<&str> = p["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["external_id"].as_str().unwrap())
        .collect();
    assert!(
        !messages.contains(&"L-0001003"),
        "the debtor who paid in full gets no SMS or e-mail: {out}"
    );
    assert!(
        p["waiting"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["external_id"] == "L-0001003"
                && w["reason"] == "closed"
                && w["detail"] == "paid in full"),
        "{out}"
    );

    let export = w.ok(&["export", "results", "--campaign", "c1"]);
    let rows = csv_rows(&export);
    let row = |id: &str| {
        rows.iter()
            .find(|r| r["external_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            row("L-0001003")["status"].as_str(),
            row("L-0001003")["amount_due"].as_str()
        ),
        ("paid", "0.00"),
        "{export}"
    );
    assert_eq!(row("L-0001001")["amount_due"], "7500.00", "{export}");

    // Day 30 and later: hand-overs, without any attempt before. Export says the segment the hand-over file says.
    let send = [
        "campaign",
        "send",
        "--campaign",
        "c1",
        "--strategy",
        s(&strategy),
    ];
    let (ok, out, err) = w.run(&[&send[..], &["--at", "2026-12-15T07:00:00Z"]].concat());
    assert!(ok, "{out}{err}");
    assert!(out.contains("handed over: 3"), "{out}");
    let handover = std::fs::read_to_string(w.path("state/hard_collection.csv")).unwrap();
    let export = w.ok(&["export", "results", "--campaign", "c1"]);
    let exported = csv_rows(&export);
    let handed = csv_rows(&handover);
    assert_eq!(handed.len(), 3);
    for h in &handed {
        let e = exported
            .iter()
            .find(|r| r["external_id"] == h["external_id"])
            .unwrap();
        assert_eq!(
            (
                e["status"].as_str(),
                e["segment"].as_str(),
                e["attempts"].as_str()
            ),
            ("hard_collection", h["segment"].as_str(), "0"),
            "{export}\n{handover}"
        );
    }

    // A second campaign with the same list does not dial those handed over in the first.
    w.ok(&[
        "import",
        "debtors",
        s(&list),
        "--campaign",
        "c2",
        "--as-of",
        "2026-11-22",
    ]);
    let plan2 = [
        "campaign",
        "plan",
        "--campaign",
        "c2",
        "--strategy",
        s(&strategy),
    ];
    let out = w.ok(&[&plan2[..], &["--at", "2026-11-23T07:00:00Z", "--json"]].concat());
    let p: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mut closed: Vec<(String, String)> = p["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["reason"] == "closed")
        .map(|w| {
            (
                w["external_id"].as_str().unwrap().to_string(),
                w["detail"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    closed.sort();
    let mut expected: Vec<(String, String)> = handed
        .iter()
        .map(|h| {
            (
                h["external_id"].clone(),
                "handed over to hard collection".to_string(),
            )
        })
        .collect();
    expected.push(("L-0001003".into(), "paid in full".into()));
    expected.sort();
    assert_eq!(closed, expected, "{out}");
    assert!(p["calls"].as_array().unwrap().is_empty(), "{out}");
}

#[test]
fn analytics_lists_every_segment_and_dashes_rates_without_calls() {
    let w = Workspace::new();
    let list = root().join("examples/debtors.csv");
    let strategy = root().join("examples/campaign.yaml");
    w.ok(&[
        "import",
        "debtors",
        s(&list),
        "--campaign",
        "c1",
        "--as-of",
        "2026-11-22",
    ]);
    w.ok(&[
        "campaign",
        "plan",
        "--campaign",
        "c1",
        "--strategy",
        s(&strategy),
        "--at",
        "2026-11-23T07:00:00Z",
    ]);
    let out = w.ok(&["analytics", "--campaign", "c1", "--json"]);
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let segments: Vec<(&str, u64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["segment"].as_str().unwrap(),
                r["debtors"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        segments,
        vec![
            ("broken_promise", 0),
            ("default", 0),
            ("first_small", 3),
            ("repeat", 2)
        ],
        "{out}"
    );
    assert!(
        rows[2]["contact_rate"].is_null() && rows[2]["kept_rate"].is_null(),
        "{out}"
    );
    let table = w.ok(&["analytics", "--campaign", "c1"]);
    let first_small = table.lines().find(|l| l.contains("first_small")).unwrap();
    assert!(
        first_small.contains('—') && !first_small.contains("0.0%"),
        "{table}"
    );
}

#[test]
fn crlf_list_errors_and_rejects_name_the_right_lines() {
    let w = Workspace::new();
    let list = data("debtors_crlf.csv");
    assert!(
        std::fs::read(&list)
            .unwrap()
            .windows(2)
            .any(|b| b == b"\r\n"),
        "the fixture has CRLF endings"
    );
    let (ok, _, err) = w.run(&["import", "debtors", s(&list), "--campaign", "k"]);
    assert!(!ok);
    assert!(
        err.contains("3 invalid rows (4 problems), nothing imported"),
        "{err}"
    );
    for expected in [
        "debtors_crlf.csv:3: column `phone`",
        "debtors_crlf.csv:3: column `amount_due`",
        "debtors_crlf.csv:5: column `external_id`: external id `K-1` repeats line 2",
        "debtors_crlf.csv:6: column `time_zone`",
    ] {
        assert!(err.contains(expected), "missing `{expected}` in:\n{err}");
    }
    let rejects = w.path("rejects.csv");
    let out = w.ok(&[
        "import",
        "debtors",
        s(&list),
        "--campaign",
        "k",
        "--skip-invalid",
        "--rejects",
        s(&rejects),
    ]);
    assert!(
        out.contains("5 rows (UTF-8, separator `,`): 2 new, 0 updated, 3 rejected"),
        "{out}"
    );
    let lines: Vec<String> = csv_rows(&std::fs::read_to_string(&rejects).unwrap())
        .iter()
        .map(|r| r["line"].clone())
        .collect();
    assert_eq!(lines, vec!["3", "5", "6"]);
}

#[test]
fn campaign_check_rejects_an_unknown_placeholder_with_line_and_known_names() {
    let w = Workspace::new();
    let file = data("campaign_unknown_placeholder.yaml");
    let (ok, _, err) = w.run(&["campaign", "check", s(&file)]);
    assert!(!ok);
    assert!(
        err.contains("campaign_unknown_placeholder.yaml:6: `templates.hello.sms`: unknown placeholder `{fullname}`; known: {external_id}, {full_name}"),
        "{err}"
    );
    // A placeholder named after an extra list column is known once the campaign's list is imported.
    let extra = data("campaign_extra_placeholder.yaml");
    let (ok, _, err) = w.run(&["campaign", "check", s(&extra)]);
    assert!(!ok && err.contains("check with --campaign NAME"), "{err}");
    w.ok(&[
        "import",
        "debtors",
        s(&data("debtors_utf8_bom_comma.csv")),
        "--campaign",
        "c",
    ]);
    let out = w.ok(&["campaign", "check", s(&extra), "--campaign", "c"]);
    assert!(out.contains("strategy `channel` is valid"), "{out}");
    // Plan refuses a file whose placeholders the campaign's list cannot fill.
    let (ok, _, err) = w.run(&[
        "campaign",
        "plan",
        "--campaign",
        "c",
        "--strategy",
        s(&file),
    ]);
    assert!(
        !ok && err.contains("unknown placeholder `{fullname}`"),
        "{err}"
    );
}

#[test]
fn messages_name_no_internal_terms_and_count_in_words() {
    let w = Workspace::new();
    let (ok, _, err) = w.run(&["import", "payments", s(&data("debtors_missing_column.csv"))]);
    assert!(!ok);
    assert!(err.contains("no column gives the amount paid"), "{err}");
    assert!(
        !err.contains("Amount") && !err.contains("ExternalId"),
        "{err}"
    );
    let (ok, _, err) = w.run(&[
        "campaign",
        "plan",
        "--campaign",
        "c",
        "--strategy",
        "x.yaml",
        "--at",
        "2026-11-23T18:30:00",
    ]);
    assert!(!ok);
    assert!(
        err.contains("`2026-11-23T18:30:00` has no UTC offset: write 2026-11-23T18:30:00Z for UTC"),
        "{err}"
    );
    assert!(!err.contains("premature end of input"), "{err}");
    let one = w.path("one.csv");
    std::fs::write(
        &one,
        "external_id,full_name,phone,time_zone,amount_due,due_date\nO-1,One Row,89123456789,Europe/Moscow,100,2026-11-01\n",
    )
    .unwrap();
    let out = w.ok(&["import", "debtors", s(&one), "--campaign", "o"]);
    assert!(out.contains("one.csv: 1 row (UTF-8"), "{out}");
    let debtor = w.path("debtor.json");
    std::fs::write(
        &debtor,
        r#"{"name": "A B", "amount_due": 100, "timezone": "Europe/Moscow", "days_overdue": 3, "language": "de"}"#,
    )
    .unwrap();
    let flow = root().join("dialogs/soft_collection_en.yaml");
    let (ok, _, err) = w.run(&[
        "dialog",
        "chat",
        s(&flow),
        "--debtor",
        s(&debtor),
        "--script",
        s(&one),
    ]);
    assert!(!ok);
    assert!(
        err.contains("`de` is not an allowed value; use `ru` or `en`")
            && !err.contains("unknown variant"),
        "{err}"
    );
}

#[test]
fn postgres_at_a_closed_port_fails_at_once_with_one_message() {
    // Port 1 on loopback: nothing listens there.
    let w = Workspace::new();
    let list = root().join("examples/debtors.csv");
    let (ok, _, err) = w.run(&[
        "import",
        "debtors",
        s(&list),
        "--campaign",
        "c",
        "--db",
        "postgres://softcall:secret@127.0.0.1:1/softcall",
    ]);
    assert!(!ok);
    assert!(
        err.contains("nothing is listening at that host and port"),
        "{err}"
    );
    assert_eq!(err.matches("cannot open the database").count(), 1, "{err}");
    assert!(!err.contains("secret"), "the password is not shown: {err}");
}
