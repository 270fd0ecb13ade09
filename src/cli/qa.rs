//! `softcall qa replay`: recorded audio through the call's listening pipeline, with transcripts and WER; or
//! conversation fixtures through the whole call core in virtual time, checked against their expectations.

use crate::audio::wav::ChannelPick;
use crate::config::Config;
use crate::qa::conversation::{self, Asr};
use crate::qa::fixture::find_wavs;
use crate::qa::replay::{replay_files, ClipReplay, Replayed};
use crate::qa::wer::WordErrors;
use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use std::path::PathBuf;

/// QA tools.
#[derive(Debug, Subcommand)]
pub enum QaCommand {
    /// Replay a WAV file or a folder of them (NAME.txt beside NAME.wav is the reference transcript), or a
    /// conversation fixture (a folder with conversation.yaml) or a folder of them as whole calls.
    Replay(ReplayArgs),
}

/// Arguments of `softcall qa replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A WAV file or a folder searched recursively; or a conversation fixture or a folder of them.
    pub path: PathBuf,
    /// Language of clips whose NAME.json names none (default: default_language of softcall.toml).
    #[arg(long)]
    pub lang: Option<String>,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Side of a two-channel call recording to replay (default: NAME.json's `channel`, else the debtor side of
    /// a stereo 8 kHz 16-bit file as softcall records calls, else the mix).
    #[arg(long, value_enum)]
    pub channel: Option<Side>,
    /// Conversations: where the debtor's words come from (`reference`: each clip's NAME.txt, the recogniser is
    /// not run; timing still comes from the VAD and endpointer on the clip).
    #[arg(long, value_enum, default_value = "recognizer")]
    pub asr: AsrSource,
    /// Conversations: also write the results as JUnit XML (one testcase per fixture) to this file.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

/// Where the debtor's words come from in a conversation replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AsrSource {
    /// The Vosk recogniser hears the clips.
    Recognizer,
    /// The clips' reference transcripts.
    Reference,
}

impl From<AsrSource> for Asr {
    fn from(source: AsrSource) -> Asr {
        match source {
            AsrSource::Recognizer => Asr::Recognizer,
            AsrSource::Reference => Asr::Reference,
        }
    }
}

/// A side of a call recording on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Side {
    /// What the debtor said (left channel of softcall's recordings).
    Debtor,
    /// What the robot played (right channel).
    Robot,
    /// Both channels mixed.
    Mix,
}

impl From<Side> for ChannelPick {
    fn from(side: Side) -> ChannelPick {
        match side {
            Side::Debtor => ChannelPick::Left,
            Side::Robot => ChannelPick::Right,
            Side::Mix => ChannelPick::Mix,
        }
    }
}

/// What `qa replay --json` prints.
#[derive(Serialize)]
struct ReplayReport<'a> {
    files: &'a [ClipReplay],
    failed: &'a [String],
    overall_wer: Option<f64>,
    overall_word_errors: WordErrors,
}

/// Runs a QA command.
pub fn run(config: &Config, command: QaCommand) -> anyhow::Result<std::process::ExitCode> {
    match command {
        QaCommand::Replay(args) => replay(config, args),
    }
}

fn replay(config: &Config, args: ReplayArgs) -> anyhow::Result<std::process::ExitCode> {
    if let Some(fixtures) = conversation::find(&args.path) {
        return super::qa_conversations::replay(config, &args, &fixtures);
    }
    if args.junit.is_some() || args.asr != AsrSource::Recognizer {
        anyhow::bail!(
            "{}: --junit and --asr apply to conversation fixtures (folders with conversation.yaml), and there are none here",
            args.path.display()
        );
    }
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
    let mut replayed = replay_files(
        config,
        &wavs,
        Some(default_lang.as_str()),
        args.channel.map(ChannelPick::from),
        |wav| {
            // The position counts the file being replayed.
            progress.inc(1);
            progress.set_message(wav.display().to_string());
        },
    );
    progress.finish_and_clear();
    if single {
        if let Some((_, e)) = replayed.failures.pop() {
            return Err(e.into());
        }
    }
    let Replayed {
        results,
        failures,
        overall,
    } = replayed;
    let failures: Vec<String> = failures
        .iter()
        .map(|(wav, e)| format!("{}: {e}", wav.display()))
        .collect();
    if args.json {
        let report = ReplayReport {
            files: &results,
            failed: &failures,
            overall_wer: (overall.reference_words > 0).then(|| overall.rate()),
            overall_word_errors: overall,
        };
        let json = serde_json::to_string_pretty(&report)
            .context("cannot write the replay results as JSON")?;
        println!("{json}");
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
    let side = match result.channel {
        ChannelPick::Left => "left channel (debtor side)",
        ChannelPick::Right => "right channel (robot side)",
        ChannelPick::Mix => "all channels mixed",
    };
    println!(
        "{}  ({:.2} s, {}, {side})",
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
