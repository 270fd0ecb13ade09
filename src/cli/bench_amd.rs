//! `softcall bench amd`: answering-machine detection accuracy on labelled recordings.

use crate::audio::amd::evaluate::{run_folder, summarize, ClipResult, Summary, BEEP_TOLERANCE_MS};
use crate::audio::amd::{AmdConfig, AmdDecision};
use crate::audio::vad::Aggressiveness;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Arguments of `softcall bench amd`.
#[derive(Debug, Args)]
pub struct BenchAmdArgs {
    /// Folder of `NAME.wav` clips with `labels.csv` (clip,label,set,beep_at_ms).
    #[arg(long, default_value = "audio-fixtures/amd")]
    pub fixtures: PathBuf,
    /// Print every clip, not only the misclassified ones.
    #[arg(long)]
    pub all: bool,
}

/// The `[amd]` section and `listen.vad` of the configuration file, defaults when absent.
fn settings(config: &Path) -> anyhow::Result<(AmdConfig, Aggressiveness)> {
    #[derive(serde::Deserialize, Default)]
    struct Listen {
        #[serde(default)]
        vad: Aggressiveness,
    }
    #[derive(serde::Deserialize, Default)]
    struct File {
        #[serde(default)]
        amd: AmdConfig,
        #[serde(default)]
        listen: Option<Listen>,
    }
    if !config.exists() {
        return Ok((AmdConfig::default(), Aggressiveness::default()));
    }
    let text = std::fs::read_to_string(config)?;
    let file: File = toml::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: [amd] or [listen]: {e}", config.display()))?;
    Ok((file.amd, file.listen.unwrap_or_default().vad))
}

/// Runs the benchmark and prints the figures per set and the misclassified clips.
pub fn run(config: &Path, args: BenchAmdArgs) -> anyhow::Result<ExitCode> {
    let (amd, vad) = settings(config)?;
    let started = Instant::now();
    let results = run_folder(&args.fixtures, &amd, vad)?;
    let elapsed = started.elapsed().as_secs_f64();
    let audio_secs: f64 = results.iter().map(|r| r.clip_secs).sum();
    println!(
        "softcall bench amd — {} clips from {}, WebRTC VAD {vad:?}, window {} ms, undecided as {:?}",
        results.len(),
        args.fixtures.display(),
        amd.window_ms,
        amd.undecided_as
    );
    println!("(`tune` clips chose the parameters, `dev` clips the window; `holdout` clips were measured once, after)\n");
    println!(
        "{:<8} {:>5} {:>9} {:>20} {:>16} {:>12} {:>12} {:>11} {:>11}",
        "set",
        "clips",
        "accuracy",
        "people as machine",
        "machines missed",
        "mean decide",
        "people wait",
        "beeps found",
        "false beeps"
    );
    for (label, set) in [
        ("tune", Some("tune")),
        ("dev", Some("dev")),
        ("holdout", Some("holdout")),
        ("all", None),
    ] {
        print_row(label, &summarize(&results, set));
    }
    println!(
        "\nbeep found = start within {BEEP_TOLERANCE_MS} ms of the label; decision times from answer; {audio_secs:.0} s of audio read and classified in {elapsed:.2} s"
    );
    let shown: Vec<&ClipResult> = results
        .iter()
        .filter(|r| args.all || !r.correct())
        .collect();
    if shown.is_empty() {
        println!("\nno clip misclassified");
    } else {
        println!("\n{}:", if args.all { "clips" } else { "misclassified" });
        for r in shown {
            println!(
                "  {:<26} {:<8} truth {:<7} → {:<7} {}",
                r.clip.name,
                r.clip.set,
                format!("{:?}", r.clip.truth).to_lowercase(),
                format!("{:?}", r.verdict).to_lowercase(),
                describe(r)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_row(label: &str, s: &Summary) {
    println!(
        "{label:<8} {:>5} {:>8.1}% {:>12} ({:>4.1}%) {:>8} ({:>4.1}%) {:>9.0} ms {:>9.0} ms {:>7}/{:<3} {:>11}",
        s.clips,
        100.0 * s.accuracy,
        format!("{}/{}", s.humans_as_machine, s.humans),
        100.0 * s.false_machine_rate(),
        format!("{}/{}", s.machines_missed, s.machines),
        100.0 * s.missed_machine_rate(),
        s.mean_decision_ms,
        s.mean_human_decision_ms,
        s.beeps_found,
        s.beeps,
        s.false_beeps
    );
}

fn describe(r: &ClipResult) -> String {
    let beep = match (r.clip.beep_at_ms, r.beep_found_ms) {
        (Some(t), Some(f)) => format!("; beep at {t} ms found at {f} ms"),
        (Some(t), None) => format!("; beep at {t} ms not found"),
        (None, Some(f)) => format!("; beep reported at {f} ms where there is none"),
        (None, None) => String::new(),
    };
    match r.decision {
        Some((at, AmdDecision::Human { reason }))
        | Some((at, AmdDecision::Machine { reason, .. }))
        | Some((at, AmdDecision::Undecided { reason })) => format!("at {at} ms: {reason}{beep}"),
        _ => format!("clip ended before a decision{beep}"),
    }
}
