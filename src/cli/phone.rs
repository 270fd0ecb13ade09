//! `softcall phone`: a simulated debtor phone that answers calls and follows scenario files, or (`--call`) places
//! one call from a debtor's number and follows one scenario.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::phone::dialer::{self, DialOut};
use crate::phone::scenario::Scenario;
use crate::phone::{Phone, PhoneConfig, ScenarioBook};

/// Arguments of `softcall phone`.
#[derive(Debug, Args)]
pub struct PhoneArgs {
    /// A scenario file for every call, or a folder of `USER.yaml` (by dialled user) and `default.yaml`; with
    /// `--call`, the scenario file to follow.
    #[arg(long, visible_alias = "scenario")]
    pub scenarios: PathBuf,
    /// Place one call to this SIP URI instead of answering (`sip:robot@127.0.0.1:5080`); `--listen` is then the
    /// local SIP address (port 0 picks a free one).
    #[arg(long)]
    pub call: Option<String>,
    /// With `--call`: the calling number sent as the From user (`+79123456789`).
    #[arg(long, requires = "call", default_value = "anonymous")]
    pub caller: String,
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
    if let Some(target) = args.call.clone() {
        return dial_out(args, target);
    }
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

/// `softcall phone --call URI`: one call placed, its report printed.
fn dial_out(args: PhoneArgs, target: String) -> anyhow::Result<std::process::ExitCode> {
    let scenario = Scenario::load(&args.scenarios)?;
    let name = args
        .scenarios
        .file_stem()
        .map_or("scenario".into(), |s| s.to_string_lossy().into_owned());
    let recording = match &args.record_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Some(dir.join("call-1.wav"))
        }
        None => None,
    };
    let dial = DialOut {
        target,
        caller: args.caller,
        bind: args.listen,
        scenario: (name, scenario),
        rtp_ports: args.rtp_ports,
        recording,
        ring_timeout: std::time::Duration::from_secs(60),
    };
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let report = rt.block_on(dialer::call(dial))?;
    if let Some(dir) = &args.report_dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("call-1.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&report)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(std::process::ExitCode::SUCCESS)
}
