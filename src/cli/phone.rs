//! `softcall phone`: a simulated debtor phone that answers calls and follows scenario files.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::phone::{Phone, PhoneConfig, ScenarioBook};

/// Arguments of `softcall phone`.
#[derive(Debug, Args)]
pub struct PhoneArgs {
    /// A scenario file for every call, or a folder of `USER.yaml` (by dialled user) and `default.yaml`.
    #[arg(long)]
    pub scenarios: PathBuf,
    /// SIP address to listen on (loopback by default).
    #[arg(long, default_value = "127.0.0.1:5070")]
    pub listen: SocketAddr,
    /// UDP port range for RTP, e.g. `30000-31000`.
    #[arg(long, default_value = "30000-31999", value_parser = crate::config::sip::parse_port_range)]
    pub rtp_ports: RangeInclusive<u16>,
    /// Folder for a stereo WAV of each call (left: the robot, right: the phone).
    #[arg(long)]
    pub record_dir: Option<PathBuf>,
    /// Folder for a JSON report of each call.
    #[arg(long)]
    pub report_dir: Option<PathBuf>,
    /// Exit after this many calls (default: run until interrupted).
    #[arg(long)]
    pub calls: Option<u64>,
}

/// Runs `softcall phone`: prints one JSON report per call on stdout.
pub fn run(args: PhoneArgs) -> anyhow::Result<std::process::ExitCode> {
    let scenarios = ScenarioBook::load(&args.scenarios)?;
    for dir in [&args.record_dir, &args.report_dir].into_iter().flatten() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let config = PhoneConfig {
        bind: args.listen,
        scenarios,
        rtp_ports: args.rtp_ports,
        record_dir: args.record_dir,
        report_dir: args.report_dir,
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(async {
        let mut phone = Phone::start(config).await?;
        eprintln!("softcall phone listening on sip:{}", phone.addr);
        let mut seen = 0u64;
        while args.calls.is_none_or(|n| seen < n) {
            let Some(report) = phone.next_report().await else {
                break;
            };
            println!("{}", serde_json::to_string(&report)?);
            seen += 1;
        }
        phone.stop().await;
        Ok(std::process::ExitCode::SUCCESS)
    })
}
