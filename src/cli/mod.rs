//! The `softcall` command line: one file per command group, each parsing its own arguments.

pub mod analytics;
pub mod bench_import;
pub mod bench_scheduler;
pub mod campaign;
pub mod compliance;
pub mod export;
pub mod import;

use clap::{Parser, Subcommand};

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
    /// Import debtor or payment lists (CSV).
    Import(import::ImportArgs),
    /// Check campaign files and plan what to dial and send.
    Campaign(campaign::CampaignArgs),
    /// Export campaign results.
    Export(export::ExportArgs),
    /// Per-strategy and per-segment campaign analytics.
    Analytics(analytics::AnalyticsArgs),
    /// Legal contact limits: explain whether a contact is allowed and when.
    Compliance {
        /// The compliance command.
        #[command(subcommand)]
        command: compliance::ComplianceCommand,
    },
    /// Benchmarks that print figures.
    Bench {
        /// What to measure.
        #[command(subcommand)]
        target: BenchTarget,
    },
}

/// Every `softcall bench` target.
#[derive(Debug, Subcommand)]
pub enum BenchTarget {
    /// Scheduler planning throughput (decisions per second).
    Scheduler(bench_scheduler::BenchSchedulerArgs),
    /// Import a synthetic debtor list and print rows per second.
    Import(bench_import::BenchImportArgs),
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
        Command::Import(a) => import::run(a),
        Command::Campaign(a) => campaign::run(a),
        Command::Export(a) => export::run(a),
        Command::Analytics(a) => analytics::run(a),
        Command::Compliance { command } => compliance::run(command),
        Command::Bench {
            target: BenchTarget::Scheduler(args),
        } => bench_scheduler::run(args),
        Command::Bench {
            target: BenchTarget::Import(args),
        } => bench_import::run(args),
    }
}

fn init_logging(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
