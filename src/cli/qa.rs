//! `softcall qa replay`: recorded audio through the call's listening pipeline, with transcripts and WER.

use crate::config::Config;
use crate::qa::fixture::{find_wavs, Clip};
use crate::qa::replay::{replay_clip, ClipReplay};
use crate::qa::wer::WordErrors;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::PathBuf;

/// QA tools.
#[derive(Debug, Subcommand)]
pub enum QaCommand {
    /// Replay a WAV file or a folder of them; NAME.txt beside NAME.wav is the reference transcript.
    Replay(ReplayArgs),
}

/// Arguments of `softcall qa replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A WAV file or a folder searched recursively.
    pub path: PathBuf,
    /// Language of clips whose NAME.json names none (default: default_language of softcall.toml).
    #[arg(long)]
    pub lang: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs a QA command.
pub fn run(config: &Config, command: QaCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        QaCommand::Replay(args) => replay(config, args),
    }
}

fn replay(config: &Config, args: ReplayArgs) -> anyhow::Result<std::process::ExitCode> {
    let wavs = find_wavs(&args.path)?;
    // Clips that name no language use --lang, else the configured language when its model is installed.
    let default_lang = match args.lang.clone() {
        Some(lang) => lang,
        None => super::announce(config.usable_language(crate::config::Need::Recogniser)?),
    };
    let single = args.path.is_file();
    if wavs.is_empty() {
        anyhow::bail!("{}: no .wav files found", args.path.display());
    }
    let progress = if single || args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(wavs.len() as u64)
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut results = Vec::new();
    let mut failures = Vec::new();
    for wav in &wavs {
        progress.set_message(wav.display().to_string());
        match Clip::open(wav).and_then(|clip| replay_clip(config, &clip, Some(&default_lang))) {
            Ok(result) => results.push(result),
            Err(e) if single => return Err(e.into()),
            Err(e) => failures.push(format!("{e}")),
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    let overall =
        results
            .iter()
            .filter_map(|r| r.word_errors)
            .fold(WordErrors::default(), |mut sum, e| {
                sum.add(e);
                sum
            });
    if args.json {
        let report = serde_json::json!({
            "files": results,
            "failed": failures,
            "overall_wer": (overall.reference_words > 0).then(|| overall.rate()),
            "overall_word_errors": overall,
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for result in &results {
            print_clip(result);
        }
        if !single {
            print_summary(&results, &failures, overall);
        }
    }
    Ok(if failures.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    })
}

fn print_clip(result: &ClipReplay) {
    println!(
        "{}  ({:.2} s, {})",
        result.file.display(),
        result.duration,
        result.lang
    );
    if result.utterances.is_empty() {
        println!("  (no speech)");
    } else {
        println!("  {:>7} {:>7} {:>5}  text", "start", "end", "conf");
        for u in &result.utterances {
            println!(
                "  {:>7.2} {:>7.2} {:>5.2}  {}",
                u.start, u.end, u.confidence, u.text
            );
        }
    }
    if let (Some(reference), Some(errors)) = (&result.reference, result.word_errors) {
        println!("  reference: {reference}");
        println!(
            "  WER {:.1}% ({}/{} words)",
            errors.rate() * 100.0,
            errors.errors,
            errors.reference_words
        );
    }
    println!();
}

fn print_summary(results: &[ClipReplay], failures: &[String], overall: WordErrors) {
    let width = results
        .iter()
        .map(|r| r.file.display().to_string().chars().count())
        .max()
        .unwrap_or(0)
        .max(4);
    println!(
        "{:<width$} {:>6} {:>10} {:>8}",
        "file", "secs", "utterances", "WER"
    );
    for r in results {
        let wer = r
            .wer
            .map_or("-".to_string(), |w| format!("{:.1}%", w * 100.0));
        println!(
            "{:<width$} {:>6.1} {:>10} {:>8}",
            r.file.display().to_string(),
            r.duration,
            r.utterances.len(),
            wer
        );
    }
    let scored = results.iter().filter(|r| r.wer.is_some()).count();
    if overall.reference_words > 0 {
        println!(
            "overall WER {:.1}% ({}/{} words) over {} file(s) with references; {} file(s) replayed",
            overall.rate() * 100.0,
            overall.errors,
            overall.reference_words,
            scored,
            results.len()
        );
    } else {
        println!(
            "{} file(s) replayed; none has a reference transcript (NAME.txt)",
            results.len()
        );
    }
    for failure in failures {
        println!("FAILED: {failure}");
    }
}
