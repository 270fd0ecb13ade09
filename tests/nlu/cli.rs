//! `softcall nlu`: the exact JSON interface used for acceptance.

use std::process::Command;

fn softcall() -> Command {
    Command::new(env!("CARGO_BIN_EXE_softcall"))
}

/// Runs the command, asserts it succeeded and returns its standard output.
fn run_ok(mut cmd: Command) -> String {
    let out = cmd.output().expect("softcall runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn single_utterance_prints_one_json_object() {
    let mut cmd = softcall();
    cmd.args([
        "nlu",
        "--lang",
        "ru",
        "--today",
        "2026-11-18",
        "пятнадцатого заплачу пять тысяч",
    ]);
    let stdout = run_ok(cmd);
    assert_eq!(
        stdout.trim_end(),
        r#"{"text":"пятнадцатого заплачу пять тысяч","intent":"promise_to_pay","date":"2026-12-15","amount":5000}"#
    );
}

#[test]
fn batch_prints_one_line_per_input_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("utterances.txt");
    std::fs::write(
        &file,
        "I'll pay on the 15th\n\nstop calling me\r\nI paid $1,250.50 yesterday\n",
    )
    .expect("write batch file");
    let mut cmd = softcall();
    cmd.args(["nlu", "--lang", "en", "--today", "2026-11-18", "--batch"])
        .arg(&file);
    let stdout = run_ok(cmd);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["intent"], "promise_to_pay");
    assert_eq!(lines[0]["date"], "2026-12-15");
    assert_eq!(lines[0]["amount"], serde_json::Value::Null);
    assert_eq!(lines[1]["intent"], "unknown");
    assert_eq!(lines[2]["intent"], "stop_calls");
    assert_eq!(lines[2]["text"], "stop calling me");
    assert_eq!(lines[3]["intent"], "already_paid");
    assert_eq!(lines[3]["date"], "2026-11-17");
    assert_eq!(lines[3]["amount"], 1250.5);
}

#[test]
fn missing_batch_file_is_a_clear_error() {
    let out = softcall()
        .args([
            "nlu",
            "--lang",
            "ru",
            "--batch",
            "/nonexistent/utterances.txt",
        ])
        .output()
        .expect("softcall runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot open /nonexistent/utterances.txt"),
        "{stderr}"
    );
}
