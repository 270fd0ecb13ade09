//! Expected against actual: what a replayed call came to, compared with the fixture's `expect.yaml`, and the
//! differences written for a person.

use super::fixture::{Expectation, ExpectedPromise, NO_INTENT};
use crate::call::report::{CallReport, Speaker};
use crate::dialog::engine::{PromiseMade, Turn};
use crate::dialog::nlu::Intent;
use serde::Serialize;

/// Amounts closer than this are equal (money is compared in cents).
const AMOUNT_TOLERANCE: f64 = 0.005;

/// One part of the expectation the call did not meet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mismatch {
    /// What differs: `intents`, `path`, `outcome`, `promise`, `flags` or `barge_in`.
    pub what: &'static str,
    /// The expected value, as text.
    pub expected: String,
    /// The actual value, as text.
    pub actual: String,
    /// Lines that show where the difference is.
    pub detail: Vec<String>,
}

/// Compares the call with the expectation; empty when everything matches.
pub fn compare(expect: &Expectation, report: &CallReport) -> Vec<Mismatch> {
    let mut found = Vec::new();
    let actual_intents: Vec<Option<Intent>> = report.turns.iter().map(|t| t.intent).collect();
    if actual_intents != expect.intents {
        found.push(Mismatch {
            what: "intents",
            expected: intent_list(&expect.intents),
            actual: intent_list(&actual_intents),
            detail: intent_table(&expect.intents, &report.turns),
        });
    }
    if report.path != expect.path {
        found.push(Mismatch {
            what: "path",
            expected: expect.path.join(" → "),
            actual: report.path.join(" → "),
            detail: path_detail(&expect.path, &report.path),
        });
    }
    if report.outcome != expect.outcome {
        found.push(Mismatch {
            what: "outcome",
            expected: expect.outcome.as_str().to_string(),
            actual: report.outcome.as_str().to_string(),
            detail: Vec::new(),
        });
    }
    if !promise_matches(expect.promise.as_ref(), report.promise.as_ref()) {
        found.push(Mismatch {
            what: "promise",
            expected: expect
                .promise
                .as_ref()
                .map_or("none".into(), |p| promise_text(p.date, p.amount)),
            actual: report
                .promise
                .as_ref()
                .map_or("none".into(), |p| promise_text(p.date, p.amount)),
            detail: Vec::new(),
        });
    }
    if let Some(flags) = &expect.flags {
        let mut want = flags.clone();
        let mut got = report.flags.clone();
        want.sort();
        got.sort();
        if want != got {
            found.push(Mismatch {
                what: "flags",
                expected: format!("[{}]", flags.join(", ")),
                actual: format!("[{}]", report.flags.join(", ")),
                detail: Vec::new(),
            });
        }
    }
    if let Some(want) = expect.barge_in {
        let barge_ins: Vec<u64> = report
            .timeline
            .iter()
            .filter(|e| e.event == "barge_in")
            .map(|e| e.at_ms)
            .collect();
        let interrupted = report
            .transcript
            .iter()
            .filter(|l| l.speaker == Speaker::Robot && l.interrupted)
            .count();
        let happened = !barge_ins.is_empty();
        if happened != want || (want && interrupted == 0) {
            let actual = match (happened, interrupted) {
                (false, _) => "none".to_string(),
                (true, 0) => {
                    "a barge-in, but no prompt line of the transcript is marked interrupted".into()
                }
                (true, n) => format!(
                    "{} barge-in(s) at {} ms; {n} prompt line(s) marked interrupted",
                    barge_ins.len(),
                    barge_ins
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            found.push(Mismatch {
                what: "barge_in",
                expected: if want {
                    "the debtor interrupts a prompt (timeline `barge_in`, the prompt's line interrupted)"
                        .into()
                } else {
                    "no barge-in".into()
                },
                actual,
                detail: Vec::new(),
            });
        }
    }
    found
}

/// The differences as an indented text block, one section per mismatch.
pub fn render(mismatches: &[Mismatch]) -> String {
    let mut out = Vec::new();
    for m in mismatches {
        match m.what {
            "intents" | "path" => {
                out.push(format!("{}:", label(m.what)));
                out.extend(m.detail.iter().map(|l| format!("  {l}")));
            }
            _ => {
                out.push(format!("{}:", label(m.what)));
                out.push(format!("  expected: {}", m.expected));
                out.push(format!("  actual:   {}", m.actual));
            }
        }
    }
    out.join("\n")
}

fn label(what: &str) -> &str {
    match what {
        "intents" => "intents per turn",
        "barge_in" => "barge-in",
        other => other,
    }
}

fn intent_name(intent: Option<Intent>) -> &'static str {
    intent.map_or(NO_INTENT, Intent::name)
}

fn intent_list(intents: &[Option<Intent>]) -> String {
    format!(
        "[{}]",
        intents
            .iter()
            .map(|i| intent_name(*i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Every turn: expected intent, actual intent, where and what the engine heard; `✗` marks a difference.
fn intent_table(expected: &[Option<Intent>], turns: &[Turn]) -> Vec<String> {
    let rows = expected.len().max(turns.len());
    let mut lines = vec![format!(
        "  {:<4} {:<16} {:<16} {:<20} heard",
        "turn", "expected", "actual", "node"
    )];
    for i in 0..rows {
        let want = expected.get(i).map_or("(no turn)", |w| intent_name(*w));
        let (got, node, heard) = match turns.get(i) {
            Some(t) => (
                intent_name(t.intent),
                t.node.as_str(),
                format!("{:?}", t.input),
            ),
            None => ("(no turn)", "", String::new()),
        };
        let mark = if want == got { " " } else { "✗" };
        lines.push(format!(
            "{mark} {:<4} {want:<16} {got:<16} {node:<20} {heard}",
            i + 1
        ));
    }
    lines
}

/// Both paths and the first node where they part.
fn path_detail(expected: &[String], actual: &[String]) -> Vec<String> {
    let first = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let at = |p: &[String]| {
        p.get(first)
            .map_or("(end)".to_string(), |n| format!("`{n}`"))
    };
    vec![
        format!("- expected: {}", expected.join(" → ")),
        format!("+ actual:   {}", actual.join(" → ")),
        format!(
            "  first difference at node {}: expected {}, got {}",
            first + 1,
            at(expected),
            at(actual)
        ),
    ]
}

fn promise_matches(expected: Option<&ExpectedPromise>, actual: Option<&PromiseMade>) -> bool {
    match (expected, actual) {
        (None, None) => true,
        (Some(want), Some(got)) => {
            want.date == got.date
                && match (want.amount, got.amount) {
                    (None, _) => true,
                    (Some(a), Some(b)) => (a - b).abs() < AMOUNT_TOLERANCE,
                    (Some(_), None) => false,
                }
        }
        _ => false,
    }
}

fn promise_text(date: chrono::NaiveDate, amount: Option<f64>) -> String {
    match amount {
        Some(a) => format!("{date}, amount {a:.2}"),
        None => format!("{date}, amount not given"),
    }
}
