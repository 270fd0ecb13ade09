//! The `softcall` command line: one file per command group, each parsing its own arguments.

pub mod analytics;
pub mod bench_amd;
pub mod bench_import;
pub mod bench_rtp;
pub mod bench_scheduler;
pub mod bench_sip;
#[cfg(feature = "speech")]
mod bench_speech;
#[cfg(feature = "speech")]
mod bench_turn;
pub mod call;
#[cfg(feature = "speech")]
mod call_flow;
pub mod campaign;
#[cfg(feature = "speech")]
pub mod campaign_answer;
#[cfg(feature = "speech")]
pub mod campaign_run;
pub mod compliance;
#[cfg(feature = "speech")]
mod demo;
pub mod dialog;
pub mod export;
pub mod import;
pub mod nlu;
pub mod phone;
#[cfg(feature = "speech")]
mod qa;
#[cfg(feature = "speech")]
mod qa_conversations;
#[cfg(feature = "speech")]
mod say;

use clap::{Parser, Subcommand};
use std::path::Path;

/// softcall — voice robot for soft debt collection.
#[derive(Debug, Parser)]
#[command(name = "softcall", version, about)]
pub struct Cli {
    /// Configuration file (models and voices per language, data folder).
    #[arg(long, global = true, default_value = "softcall.toml")]
    pub config: std::path::PathBuf,
    /// Log verbosity (error, warn, info, debug, trace).
    #[arg(long, global = true, default_value = "warn")]
    pub log: String,
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// Every top-level command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Dialogue flows: check, render, chat.
    Dialog(dialog::DialogArgs),
    /// Understands an utterance (or a file of them) and prints intent, date and amount as JSON.
    Nlu(nlu::NluArgs),
    /// Legal contact limits: explain whether a contact is allowed and when.
    Compliance {
        /// The compliance command.
        #[command(subcommand)]
        command: compliance::ComplianceCommand,
    },
    /// Import debtor or payment lists (CSV).
    Import(import::ImportArgs),
    /// Check campaign files and plan what to dial and send.
    Campaign(campaign::CampaignArgs),
    /// Export campaign results.
    Export(export::ExportArgs),
    /// Per-strategy and per-segment campaign analytics.
    Analytics(analytics::AnalyticsArgs),
    /// Place one SIP call and print its outcome as JSON.
    Call(Box<call::CallArgs>),
    /// A simulated debtor phone: answers calls and follows scenario files.
    Phone(phone::PhoneArgs),
    /// Render a prompt as a caller hears it (8 kHz WAV).
    #[cfg(feature = "speech")]
    Say(say::SayArgs),
    /// Quality assurance: replay recorded audio through the call pipeline.
    #[cfg(feature = "speech")]
    Qa {
        /// The QA tool to run.
        #[command(subcommand)]
        command: qa::QaCommand,
    },
    /// Benchmarks that print figures.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// The main end-to-end demonstration.
    #[cfg(feature = "speech")]
    Demo(demo::DemoArgs),
}

/// Every benchmark.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Recognition and synthesis real-time factors, VAD cost per frame, CPU saved by VAD gating.
    #[cfg(feature = "speech")]
    Speech(bench_speech::BenchSpeechArgs),
    /// Reply latency of a live call over loopback (cached and uncached prompts) and CPU per call-minute.
    #[cfg(feature = "speech")]
    Turn(bench_turn::BenchTurnArgs),
    /// Scheduler planning throughput (decisions per second).
    Scheduler(bench_scheduler::BenchSchedulerArgs),
    /// RTP send-time jitter and CPU per call with many concurrent calls on loopback.
    Rtp(bench_rtp::Args),
    /// SIP call setups per second against a sipp UAS on loopback (signalling only).
    Sip(bench_sip::BenchSipArgs),
    /// Import a synthetic debtor list and print rows per second.
    Import(bench_import::BenchImportArgs),
    /// Answering-machine detection accuracy, false hang-ups on people and decision time on labelled clips.
    Amd(bench_amd::BenchAmdArgs),
}

/// Runs the command line and maps errors to a non-zero exit status.
pub fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log);
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn dispatch(cli: Cli) -> anyhow::Result<std::process::ExitCode> {
    match cli.command {
        Command::Dialog(args) => dialog::run(args),
        Command::Nlu(args) => nlu::run(args),
        Command::Compliance { command } => compliance::run(command),
        Command::Call(args) => call::run(&cli.config, *args),
        Command::Phone(args) => phone::run(args),
        Command::Import(a) => import::run(&folders(&cli.config)?, a),
        Command::Campaign(a) => campaign::run(&cli.config, a),
        Command::Export(a) => export::run(&folders(&cli.config)?, a),
        Command::Analytics(a) => analytics::run(&folders(&cli.config)?, a),
        #[cfg(feature = "speech")]
        Command::Say(args) => say::run(&load_config(&cli.config)?, args),
        #[cfg(feature = "speech")]
        Command::Qa { command } => qa::run(&load_config(&cli.config)?, command),
        Command::Bench { command } => match command {
            #[cfg(feature = "speech")]
            BenchCommand::Speech(args) => bench_speech::run(&load_config(&cli.config)?, args),
            #[cfg(feature = "speech")]
            BenchCommand::Turn(args) => bench_turn::run(&load_config(&cli.config)?, args),
            BenchCommand::Scheduler(args) => bench_scheduler::run(args),
            BenchCommand::Rtp(args) => bench_rtp::run(args),
            BenchCommand::Sip(args) => bench_sip::run(args),
            BenchCommand::Import(args) => bench_import::run(args),
            BenchCommand::Amd(args) => bench_amd::run(&cli.config, args),
        },
        #[cfg(feature = "speech")]
        Command::Demo(args) => demo::run_demo(&load_config(&cli.config)?, args),
    }
}

/// Parses a moment given on the command line: RFC 3339 with a UTC offset; without one, says how to add it.
pub(crate) fn parse_moment(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    let local = [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| chrono::NaiveDateTime::parse_from_str(s, f).ok());
    match local {
        Some(t) => {
            let t = t.format("%Y-%m-%dT%H:%M:%S");
            Err(format!(
                "`{s}` has no UTC offset: write {t}Z for UTC or add the offset, e.g. {t}+03:00"
            ))
        }
        None => Err(format!(
            "`{s}` is not a date and time: write it as 2026-11-23T09:30:00Z or 2026-11-23T12:30:00+03:00"
        )),
    }
}

/// `n` with the singular or plural noun ("1 message", "3 messages").
pub(crate) fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The data and dialogue folders of the configuration (defaults when there is no configuration file).
fn folders(config: &std::path::Path) -> anyhow::Result<crate::config::Folders> {
    Ok(crate::config::Folders::from_config(config)?)
}

/// Opens `--db URL`, or `softcall.db` in the configured data folder.
pub(crate) async fn open_store(
    folders: &crate::config::Folders,
    db: Option<&str>,
) -> anyhow::Result<crate::store::Store> {
    let url = db.map_or_else(|| folders.database_url(), str::to_string);
    Ok(crate::store::Store::open(&url).await?)
}

/// Prints the note of a language picked instead of the default one and returns the language.
#[cfg(feature = "speech")]
pub(crate) fn announce(choice: crate::config::LanguageChoice) -> String {
    if let Some(note) = &choice.note {
        eprintln!("note: {note}");
    }
    choice.lang
}

/// Loads the configuration, explaining how to point at it when it is missing.
#[cfg(feature = "speech")]
pub(crate) fn load_config(path: &Path) -> anyhow::Result<crate::config::Config> {
    if !path.exists() {
        anyhow::bail!(
            "configuration {} not found: run softcall from the project folder or pass --config PATH",
            path.display()
        );
    }
    Ok(crate::config::Config::load(path)?)
}

/// The `[sip]` settings of the configuration; the defaults when the file does not exist.
fn sip_config(path: &Path) -> anyhow::Result<crate::config::sip::SipConfig> {
    if !path.exists() {
        return Ok(crate::config::sip::SipConfig::default());
    }
    Ok(crate::config::Config::load(path)?.sip)
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
