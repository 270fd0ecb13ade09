//! `softcall qa replay <conversation fixtures>`: runs each fixture, prints pass/fail with a diff, a summary,
//! and optionally JSON or JUnit XML.

use super::qa::ReplayArgs;
use crate::config::Config;
use crate::qa::conversation::junit::junit_xml;
use crate::qa::conversation::{Asr, FixtureRun, Runner, Summary};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// The JUnit suite name.
const SUITE: &str = "softcall qa replay";

/// What `--json` prints.
#[derive(Serialize)]
struct JsonReport<'a> {
    asr: Asr,
    fixtures: &'a [FixtureRun],
    summary: Summary,
    /// Virtual seconds replayed per wall-clock second.
    speed: Option<f64>,
}

/// Replays `fixtures` and prints the results; fails when any fixture fails.
pub fn replay(
    config: &Config,
    args: &ReplayArgs,
    fixtures: &[PathBuf],
) -> anyhow::Result<ExitCode> {
    let asr = Asr::from(args.asr);
    let mut runner = Runner::new(config, asr);
    let progress = if args.json || fixtures.len() < 2 {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(fixtures.len() as u64)
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if !args.json {
        println!("debtor speech: {}\n", source_line(asr));
    }
    let mut runs = Vec::new();
    let mut spaced = true;
    for dir in fixtures {
        progress.set_message(dir.display().to_string());
        let run = runner.run(dir);
        if !args.json {
            spaced = progress.suspend(|| print_run(&run, asr));
        }
        progress.inc(1);
        runs.push(run);
    }
    progress.finish_and_clear();
    let summary = Summary::of(&runs);
    if let Some(path) = &args.junit {
        std::fs::write(path, junit_xml(SUITE, &runs))
            .with_context(|| format!("cannot write the JUnit report to {}", path.display()))?;
    }
    if args.json {
        let report = JsonReport {
            asr,
            fixtures: &runs,
            summary,
            speed: summary.speed(),
        };
        println!(
            "{}",
            serde_json::to_string_pretty(&report).context("cannot write the results as JSON")?
        );
    } else {
        if !spaced {
            println!();
        }
        println!("{}", summary_line(&summary, asr));
    }
    Ok(if summary.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn source_line(asr: Asr) -> &'static str {
    match asr {
        Asr::Reference => {
            "REFERENCE TRANSCRIPTS (each clip's NAME.txt stands for what was heard; the recogniser was not run)"
        }
        Asr::Recognizer => "the Vosk recogniser hears each clip",
    }
}

/// Prints one fixture's result; returns whether it ended with a blank line.
fn print_run(run: &FixtureRun, asr: Asr) -> bool {
    let verdict = if run.passed { "PASS" } else { "FAIL" };
    match &run.call {
        Some(call) => println!(
            "{verdict}  {}  ({:.1} s of call in {:.2} s; {})",
            run.name,
            call.virtual_secs,
            run.wall_secs,
            call.report.outcome.as_str()
        ),
        None => println!("{verdict}  {}  (not replayed)", run.name),
    }
    let indent = |text: &str| {
        for line in text.lines() {
            println!("      {line}");
        }
    };
    if !run.passed {
        indent(&run.diff);
    }
    let Some(call) = &run.call else {
        println!();
        return true;
    };
    if !run.passed || asr == Asr::Recognizer {
        println!("      heard ({}):", call.recognition);
        if call.heard.is_empty() {
            println!("        (no utterance)");
        }
        for heard in &call.heard {
            let turn = heard.turn.map_or("  -".to_string(), |t| format!("{t:>3}"));
            let recognised = heard
                .recognised
                .as_ref()
                .map_or(String::new(), |r| format!("recogniser {r:?}  "));
            let reference = heard
                .reference
                .as_ref()
                .map_or(String::new(), |r| format!("reference {r:?}"));
            let span = format!("{:.2}-{:.2} s", heard.start, heard.end);
            println!("        turn {turn}  {span:<15} {recognised}{reference}");
        }
    }
    for note in &call.notes {
        println!("      note: {note}");
    }
    let spaced = !run.passed || asr == Asr::Recognizer || !call.notes.is_empty();
    if spaced {
        println!();
    }
    spaced
}

fn summary_line(summary: &Summary, asr: Asr) -> String {
    let speed = summary
        .speed()
        .map_or(String::new(), |s| format!(" ({s:.0}× real time)"));
    let source = match asr {
        Asr::Reference => "debtor text from REFERENCE TRANSCRIPTS, not the recogniser",
        Asr::Recognizer => "debtor text from the Vosk recogniser",
    };
    format!(
        "conversations: {} passed, {} failed; {:.1} s of calls replayed in {:.2} s{speed}; {source}",
        summary.passed, summary.failed, summary.virtual_secs, summary.wall_secs
    )
}
