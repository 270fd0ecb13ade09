//! The `softcall` command line: one file per command group, each parsing its own arguments.

use clap::{Parser, Subcommand};

pub mod bench_rtp;
pub mod bench_sip;
pub mod call;

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
    /// Place one SIP call and print its outcome as JSON.
    Call(Box<call::CallArgs>),
    /// Measures performance and prints figures.
    #[command(subcommand)]
    Bench(Bench),
}

/// Benchmarks, one per area.
#[derive(Debug, Subcommand)]
pub enum Bench {
    /// RTP send-time jitter and CPU per call with many concurrent calls on loopback.
    Rtp(bench_rtp::Args),
    /// SIP call setups per second against a sipp UAS on loopback (signalling only).
    Sip(bench_sip::BenchSipArgs),
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
        Command::Call(args) => call::run(*args),
        Command::Bench(Bench::Rtp(args)) => bench_rtp::run(args),
        Command::Bench(Bench::Sip(args)) => bench_sip::run(args),
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
