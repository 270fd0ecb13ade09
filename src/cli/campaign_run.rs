//! `softcall campaign run`: carries a campaign out over SIP — plans, dials, talks, sends, retries — with a live
//! progress line, Ctrl-C to stop politely (twice: at once), and a results table at the end.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::call::{connect, SipFlags};
use super::parse_moment;
use crate::call::config::CallConfig;
use crate::call::live::MediaSettings;
use crate::call::stop::{StopLevel, StopSwitch};
use crate::campaign::compliance::{Policy, Profile, Settings};
use crate::campaign::import::values::format_amount;
use crate::campaign::strategy::{self, file::parse_stored, Strategy};
use crate::config::{sip::check_dial_uri, Config};
use crate::ops::dial::{Dialler, Route};
use crate::ops::run::flows::CampaignFlows;
use crate::ops::run::tally::RunTally;
use crate::ops::run::{run, RunEnd, RunSettings, RunSummary};
use crate::store::Store;

/// `softcall campaign run`
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Campaign name.
    #[arg(long)]
    pub campaign: String,
    /// The campaign file (YAML); default: the one last used with this campaign (`campaign plan` or `send`).
    #[arg(long)]
    pub strategy: Option<PathBuf>,
    /// Run on to this moment (RFC 3339), sleeping through waits; default: end when only the next allowed
    /// hours' work is left.
    #[arg(long, value_parser = parse_moment)]
    pub until: Option<DateTime<Utc>>,
    /// Request-URI of the calls, `{phone}` standing for the number; default `[sip] dial_uri`.
    #[arg(long)]
    pub dial: Option<String>,
    /// Agent queue for hand-offs; default `[sip] queue_uri`.
    #[arg(long)]
    pub queue: Option<String>,
    /// Folder with dialogue flows (default: dialogs_dir of the configuration).
    #[arg(long)]
    pub dialogs: Option<PathBuf>,
    /// Legal profile: ru-230fz or us-regf.
    #[arg(long, default_value = "ru-230fz")]
    pub profile: String,
    /// Database URL (default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
    /// CSV the hand-overs to hard collection are appended to (default: hard_collection.csv in the data folder).
    #[arg(long)]
    pub handover: Option<PathBuf>,
    /// Seconds a call may last.
    #[arg(long, default_value_t = 600.0)]
    pub max_call: f64,
    /// Print the summary as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// SIP and RTP flags over `[sip]`.
    #[command(flatten)]
    pub sip: SipFlags,
}

/// Runs `softcall campaign run`.
pub fn run_campaign(config_path: &Path, args: RunArgs) -> anyhow::Result<std::process::ExitCode> {
    let config = super::load_config(config_path)?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let summary = rt.block_on(carry_out(&config, &args))?;
    if summary.recovered > 0 {
        eprintln!(
            "{} left in flight by an earlier run resolved as `unknown` (counted as made; not redialled before \
             their retry interval)",
            super::plural(summary.recovered, "call", "calls")
        );
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_results(&summary.tally);
        println!("{}", ending(&summary));
    }
    Ok(if summary.tally.errors > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// The campaign's strategy: the file given, or the one stored with the campaign.
async fn strategy_of(
    store: &Store,
    campaign_id: i64,
    args: &RunArgs,
    dialogs: &Path,
) -> anyhow::Result<Strategy> {
    if let Some(path) = &args.strategy {
        let s = strategy::load(path, dialogs)?;
        let text = std::fs::read_to_string(path).unwrap_or_default();
        store
            .save_strategy(
                campaign_id,
                &s.name,
                &path.display().to_string(),
                &text,
                Utc::now().timestamp(),
            )
            .await?;
        return Ok(s);
    }
    match store.latest_strategy(campaign_id).await? {
        Some((path, text)) => Ok(parse_stored(Path::new(&path), &text)?),
        None => anyhow::bail!(
            "campaign `{}` has no campaign file yet: pass --strategy FILE.yaml",
            args.campaign
        ),
    }
}

async fn carry_out(config: &Config, args: &RunArgs) -> anyhow::Result<RunSummary> {
    let dialogs = args.dialogs.clone().unwrap_or(config.dialogs_dir.clone());
    let folders = crate::config::Folders {
        data_dir: config.data_dir.clone(),
        dialogs_dir: dialogs.clone(),
    };
    let profile = Profile::by_name(&args.profile).with_context(|| {
        format!(
            "unknown profile `{}` (use {})",
            args.profile,
            Profile::NAMES.join(" or ")
        )
    })?;
    let dial = args.dial.clone().or(config.sip.dial_uri.clone()).context(
        "campaign calls need a Request-URI: set [sip] dial_uri = \"sip:{phone}@pbx.example.com\" in softcall.toml \
         or pass --dial",
    )?;
    check_dial_uri(&dial).map_err(|e| anyhow::anyhow!("--dial: {e}"))?;
    let store = super::open_store(&folders, args.db.as_deref()).await?;
    let campaign = store.campaign(&args.campaign).await?;
    let strategy = strategy_of(&store, campaign.id, args, &dialogs).await?;

    let flows = CampaignFlows::load(&strategy, &dialogs, config)?;
    for line in flows.recognition() {
        eprintln!("recognition: {line}");
    }
    let warm = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("preparing prompts {bar:30} {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    flows.warm_up(&mut |done, total| {
        warm.set_length(total as u64);
        warm.set_position(done as u64);
    })?;
    warm.finish_and_clear();

    let connected = match connect(&config.sip, &args.sip, &dial.replace("{phone}", "0")).await? {
        Ok(c) => c,
        Err(refused) => anyhow::bail!("{}", refused.reason),
    };
    let recordings = config.data_dir.join("calls").join(&args.campaign);
    let dialler = Dialler {
        store: store.clone(),
        sip: connected.sip.clone(),
        route: Route {
            uri_template: dial,
            from: connected.from.clone(),
            dest: connected.dest,
            credentials: connected.credentials.clone(),
            ring_timeout: connected.ring_timeout,
            media: MediaSettings {
                rtp_ports: connected.rtp_ports.clone(),
                ..MediaSettings::default()
            },
            recordings,
        },
    };
    let settings = RunSettings {
        campaign_id: campaign.id,
        strategy,
        policy: Policy::new(profile, Settings::default()),
        until: args.until,
        handover_csv: args
            .handover
            .clone()
            .unwrap_or_else(|| config.data_dir.join("hard_collection.csv")),
        call_config: CallConfig {
            transfer_target: args.queue.clone().or(config.sip.queue_uri.clone()),
            max_length: Duration::from_secs_f64(args.max_call.max(1.0)),
            ..CallConfig::default()
        },
        tick: Duration::from_secs(1),
        stop_grace: Duration::from_secs(45),
    };

    let stop = StopSwitch::new();
    let signals = stop.clone();
    let ctrl_c = tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            match signals.escalate() {
                StopLevel::Politely => eprintln!(
                    "\nstopping: no new calls; calls in progress finish their prompt and say goodbye \
                     (Ctrl-C again to end them at once)"
                ),
                _ => eprintln!("\nending the calls in progress now; their outcomes are stored"),
            }
        }
    });
    let mut show = Progress::new();
    let result = run(&dialler, &flows, &settings, &stop, &mut |t| show.update(t)).await;
    show.finish();
    ctrl_c.abort();
    connected.close().await;
    store.close().await;
    Ok(result?)
}

/// The live progress line: a spinner on a terminal, plain lines when the output is not one.
pub(crate) struct Progress {
    bar: ProgressBar,
    last: String,
}

impl Progress {
    pub(crate) fn new() -> Self {
        let bar = ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress {
            bar,
            last: String::new(),
        }
    }

    pub(crate) fn update(&mut self, tally: &RunTally) {
        let line = tally.status_line(format_amount);
        if line == self.last {
            return;
        }
        if self.bar.is_hidden() {
            eprintln!("{line}");
        }
        self.bar.set_message(line.clone());
        self.last = line;
    }

    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
        eprintln!("{}", self.last);
    }
}

/// Prints one line per call of the run: outcome, promise, recording and report.
pub(crate) fn print_results(tally: &RunTally) {
    if tally.calls.is_empty() {
        println!("no calls were made");
        return;
    }
    println!(
        "{:<10} {:>7} {:<15} {:<24} where",
        "debtor", "attempt", "outcome", "promise"
    );
    for c in &tally.calls {
        let promise = c
            .promise
            .map(|(d, a)| format!("{d} {}", format_amount(a)))
            .unwrap_or_else(|| "-".into());
        let place = match (&c.error, &c.recording, &c.report) {
            (Some(e), _, _) => format!("error: {e}"),
            (None, Some(rec), Some(rep)) => format!("{rec}  {rep}"),
            (None, None, Some(rep)) => rep.clone(),
            _ => "-".into(),
        };
        println!(
            "{:<10} {:>7} {:<15} {:<24} {}",
            c.external_id,
            c.attempt_id,
            c.disposition.as_str(),
            promise,
            place
        );
    }
}

fn ending(summary: &RunSummary) -> String {
    let t = &summary.tally;
    let why = match summary.end {
        RunEnd::Done => match t.next.as_ref().and_then(|n| n.at.zip(n.reason.clone())) {
            Some((at, reason)) => format!(
                "nothing more to do now; next: {reason} at {}",
                at.format("%Y-%m-%d %H:%M UTC")
            ),
            None => "nothing more to do".into(),
        },
        RunEnd::Until => "the --until moment came".into(),
        RunEnd::Stopped => "stopped; every call's outcome is stored".into(),
    };
    format!(
        "{} calls, {} answered, {} promises ({}), {} hand-offs, {} voicemail: {why}",
        t.dialled,
        t.answered,
        t.promises,
        format_amount(t.promised_minor),
        t.handoffs,
        t.voicemail
    )
}
