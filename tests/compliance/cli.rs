//! `softcall compliance explain` on the documented example files and on bad input.

use std::process::Command;

fn explain(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
        .args(["compliance", "explain"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run softcall");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn explains_the_documented_example() {
    let (ok, stdout, stderr) = explain(&[
        "--debtor",
        "examples/compliance/debtor.json",
        "--history",
        "examples/compliance/history.json",
        "--at",
        "2026-11-23T18:30:00Z",
    ]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    assert_eq!(v["allowed"], false);
    assert_eq!(v["next_allowed_at"], "2026-11-26T12:30:00Z");
    let reason = v["reason"].as_str().unwrap();
    assert!(
        reason.contains("outside contact hours") && reason.contains("Asia/Yekaterinburg"),
        "{reason}"
    );
    assert_eq!(v.as_object().unwrap().len(), 3);
}

#[test]
fn explains_the_us_example_and_other_channels() {
    // The US example at 16:00 on the day DST ends, on `extra` channel arguments.
    let explain_us = |extra: &[&str]| {
        let mut args = vec![
            "--debtor",
            "examples/compliance/debtor_us.json",
            "--history",
            "examples/compliance/history_us.json",
            "--at",
            "2026-11-01T20:00:00Z",
            "--profile",
            "us-regf",
        ];
        args.extend_from_slice(extra);
        explain(&args)
    };
    let (ok, stdout, stderr) = explain_us(&[]);
    assert!(ok, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["allowed"], false);
    assert_eq!(v["next_allowed_at"], "2026-11-02T13:00:00Z");
    let (ok, stdout, _) = explain_us(&["--channel", "email"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["allowed"], true);
}

#[test]
fn bad_input_is_reported_with_the_file_and_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let debtor = dir.path().join("d.json");
    let history = dir.path().join("h.json");
    std::fs::write(&debtor, r#"{"time_zone": "Europe/Moskow"}"#).unwrap();
    std::fs::write(&history, "[]").unwrap();
    let (debtor_arg, history_arg) = (debtor.to_str().unwrap(), history.to_str().unwrap());
    // Runs `explain` on the two files at a fixed moment, with `extra` arguments.
    let explain_files = |extra: &[&str]| {
        let mut args = vec![
            "--debtor",
            debtor_arg,
            "--history",
            history_arg,
            "--at",
            "2026-11-23T18:30:00Z",
        ];
        args.extend_from_slice(extra);
        explain(&args)
    };
    let (ok, _, stderr) = explain_files(&[]);
    assert!(!ok);
    assert!(
        stderr.contains("d.json") && stderr.contains("Europe/Moskow") && stderr.contains("IANA"),
        "{stderr}"
    );

    std::fs::write(&debtor, r#"{"time_zone": "Europe/Moscow"}"#).unwrap();
    std::fs::write(
        &history,
        "[\n  {\"at\": \"2026-11-23T06:00:00Z\", \"channel\": \"fax\"}\n]",
    )
    .unwrap();
    let (ok, _, stderr) = explain_files(&[]);
    assert!(!ok);
    assert!(
        stderr.contains("h.json") && stderr.contains("2:") && stderr.contains("fax"),
        "{stderr}"
    );

    std::fs::write(
        &history,
        r#"[{"at": "2026-11-23T06:00:00Z", "channel": "call", "outcome": "maybe"}]"#,
    )
    .unwrap();
    let (ok, _, stderr) = explain_files(&[]);
    assert!(!ok);
    assert!(
        stderr.contains("contact #1") && stderr.contains("maybe"),
        "{stderr}"
    );

    let (ok, _, stderr) = explain_files(&["--profile", "eu-gdpr"]);
    assert!(!ok);
    assert!(stderr.contains("ru-230fz, us-regf"), "{stderr}");
}

#[test]
fn bench_scheduler_prints_figures() {
    let out = Command::new(env!("CARGO_BIN_EXE_softcall"))
        .args([
            "bench",
            "scheduler",
            "--debtors",
            "300,600",
            "--seconds",
            "0.01",
        ])
        .output()
        .expect("run softcall");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("release build") || stdout.contains("debug build"),
        "{stdout}"
    );
    for n in ["300 debtors", "600 debtors"] {
        assert_eq!(stdout.matches(n).count(), 2, "{stdout}");
    }
    assert!(stdout.contains("decisions/s wall"), "{stdout}");
}

#[test]
fn explain_learns_stop_calls_and_formal_refusal_from_the_history_as_a_campaign_does() {
    let dir = tempfile::tempdir().unwrap();
    let debtor = dir.path().join("debtor.json");
    std::fs::write(&debtor, r#"{"time_zone": "Europe/Moscow"}"#).unwrap();
    let ask = |history: &str, channel: &str| {
        let path = dir.path().join("history.json");
        std::fs::write(&path, history).unwrap();
        let (ok, stdout, stderr) = explain(&[
            "--debtor",
            debtor.to_str().unwrap(),
            "--history",
            path.to_str().unwrap(),
            "--at",
            "2026-11-25T09:00:00Z",
            "--channel",
            channel,
        ]);
        assert!(ok, "{stderr}");
        let v: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
        (
            v["allowed"].as_bool().unwrap(),
            v["reason"].as_str().unwrap().to_string(),
        )
    };
    // Nothing on file and a quiet history: a call is allowed (so the refusals below are what stop it).
    let quiet = r#"[{"at": "2026-11-16T09:00:00Z", "channel": "call", "outcome": "no_answer"}]"#;
    assert!(ask(quiet, "call").0);
    // The debtor asked not to be called in an earlier conversation: no call, but a text message is allowed.
    let stop = r#"[{"at": "2026-11-16T09:00:00Z", "channel": "call", "outcome": "stop_calls"}]"#;
    let (allowed, reason) = ask(stop, "call");
    assert!(!allowed, "a call after a stop_calls outcome: {reason}");
    assert!(reason.contains("not to be called"), "{reason}");
    assert!(ask(stop, "sms").0, "stop_calls stops calls only");
    // A formal refusal of interaction stops every channel.
    let refusal = r#"[{"at": "2026-11-16T09:00:00Z", "channel": "email", "kind": "attempt", "outcome": "formal_refusal"}]"#;
    for channel in ["call", "sms", "email"] {
        let (allowed, reason) = ask(refusal, channel);
        assert!(!allowed, "{channel} after a formal refusal: {reason}");
    }
}
