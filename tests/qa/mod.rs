//! `softcall qa replay` on conversation fixtures: whole calls through the call core in virtual time, run by the
//! real binary with the real Piper voice (and, once, the real recogniser).

mod conversations;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped conversation fixtures.
pub fn conversations() -> PathBuf {
    root().join("audio-fixtures/conversations")
}

/// True when the Piper voice the English flow speaks with is installed; otherwise the test is skipped.
pub fn voice_available() -> bool {
    crate::skip::file(
        &root().join("models/piper/en_US-joe-medium.onnx"),
        "run scripts/setup",
    )
}

/// Runs `softcall qa replay <path> [args]` from the project folder.
pub fn replay(path: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_softcall"))
        .current_dir(root())
        .args(["qa", "replay"])
        .arg(path)
        .args(args)
        .output()
        .expect("softcall runs")
}

/// Standard output and error of a run, for assertion messages.
pub fn shown(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Copies fixture `name` into `into/name`.
pub fn copy_fixture(name: &str, into: &Path) -> PathBuf {
    let from = conversations().join(name);
    let to = into.join(name);
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(&from).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
    }
    to
}

/// The counts of a JUnit report: (tests, failures, errors) of its one test suite, checked against its testcases.
pub fn junit_counts(xml: &str) -> (usize, usize, usize) {
    let doc = roxmltree::Document::parse(xml).expect("the JUnit report is well-formed XML");
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    let attr = |name: &str| -> usize {
        suite
            .attribute(name)
            .unwrap_or_else(|| panic!("testsuite has no {name}"))
            .parse()
            .unwrap()
    };
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let failed = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
        .count();
    let errored = cases
        .iter()
        .filter(|c| c.children().any(|n| n.has_tag_name("error")))
        .count();
    assert_eq!(attr("tests"), cases.len(), "{xml}");
    assert_eq!(attr("failures"), failed, "{xml}");
    assert_eq!(attr("errors"), errored, "{xml}");
    (cases.len(), failed, errored)
}
