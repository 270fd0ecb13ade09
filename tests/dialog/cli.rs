//! The `softcall dialog` command line.

use super::repo;
use std::process::Command;

fn softcall(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_softcall"))
        .args(args)
        .current_dir(repo(""))
        .output()
        .expect("softcall runs")
}

#[test]
fn check_passes_the_shipped_flows() {
    let out = softcall(&[
        "dialog",
        "check",
        "dialogs/soft_collection_ru.yaml",
        "dialogs/soft_collection_en.yaml",
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches(": ok").count(), 2, "{stdout}");
}

#[test]
fn check_fails_with_positions_on_a_broken_flow() {
    let out = softcall(&[
        "dialog",
        "check",
        "dialogs/soft_collection_ru.yaml",
        "tests/data/dialog/unknown_node.yaml",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("tests/data/dialog/unknown_node.yaml:9:18: error: node `hello` on `confirm` goes to unknown node `byee`"), "{stderr}");
    assert!(stderr.contains("FAILED (2 errors"), "{stderr}");
}

#[test]
fn render_writes_svg_and_mermaid() {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("flow.svg");
    let out = softcall(&[
        "dialog",
        "render",
        "dialogs/soft_collection_en.yaml",
        "--format",
        "svg",
        "-o",
        svg.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains(">ask_identity</text>"));
    let out = softcall(&[
        "dialog",
        "render",
        "dialogs/soft_collection_ru.yaml",
        "--format",
        "dot",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph \"soft_collection_ru\""));
}

#[test]
fn chat_script_prints_path_and_outcome_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("turns.txt");
    // Key 1 confirms identity; two silences at the date question hand off.
    std::fs::write(&script, "// identity by key\n#1\n\n(silence)\n").unwrap();
    let out = softcall(&[
        "dialog",
        "chat",
        "dialogs/soft_collection_ru.yaml",
        "--debtor",
        "dialogs/examples/debtor_ru.json",
        "--today",
        "2026-11-22",
        "--script",
        script.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["outcome"], "handoff");
    assert_eq!(report["reason"], "no_match");
    let path: Vec<&str> = report["path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        &path[..3],
        ["greeting", "ask_identity", "identity_confirmed"]
    );
    assert!(
        path.contains(&"inform_broken_promise"),
        "the example debtor broke a promise: {path:?}"
    );
    assert_eq!(report["turns"].as_array().unwrap().len(), 3);
    assert_eq!(report["turns"][0]["input"], "#1");
}

#[test]
fn chat_rejects_a_bad_debtor_file() {
    let dir = tempfile::tempdir().unwrap();
    let debtor = dir.path().join("d.json");
    std::fs::write(&debtor, "{\"name\": \"X\",\n \"amount_due\": \"lots\"}").unwrap();
    let out = softcall(&[
        "dialog",
        "chat",
        "dialogs/soft_collection_ru.yaml",
        "--debtor",
        debtor.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("d.json:2:"), "{stderr}");
}

#[test]
fn render_of_a_flow_with_an_unknown_target_fails_with_the_check_messages() {
    let check = softcall(&["dialog", "check", "tests/data/dialog/unknown_node.yaml"]);
    let check_err = String::from_utf8_lossy(&check.stderr);
    let expected = "tests/data/dialog/unknown_node.yaml:9:18: error: node `hello` on `confirm` goes to unknown node `byee`";
    assert!(check_err.contains(expected), "{check_err}");
    for format in ["svg", "dot", "mermaid"] {
        let out = softcall(&[
            "dialog",
            "render",
            "tests/data/dialog/unknown_node.yaml",
            "--format",
            format,
        ]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{format}: rendered a broken flow");
        assert!(out.stdout.is_empty(), "{format}: printed a drawing");
        assert!(stderr.contains(expected), "{format}: {stderr}");
        assert!(
            stderr.contains("does not pass `softcall dialog check`"),
            "{stderr}"
        );
    }
}
