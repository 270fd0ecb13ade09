//! `softcall campaign check|plan|send|recover|run|answer`: checking campaign files, showing what would be dialled
//! and sent and why others wait, sending due messages and hand-overs, resolving attempts a crash left in flight,
//! carrying the campaign out, and answering the calls debtors place to the campaign.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

use crate::campaign::compliance::{Policy, Profile, Settings};
use crate::campaign::planner::CampaignPlan;
use crate::campaign::strategy::{self, Strategy};
use crate::config::Folders;
use crate::ops::execute::execute;
use crate::ops::planning::plan_campaign;
use crate::store::Store;

use super::{parse_moment, plural};

/// `softcall campaign …`
#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: CampaignWhat,
}

/// Campaign commands.
#[derive(Debug, Subcommand)]
pub enum CampaignWhat {
    /// Check a campaign file: YAML shape, flows that exist, templates, retry policies.
    Check(CheckArgs),
    /// Show what would be dialled, sent and handed over at a moment, and why the others wait.
    Plan(PlanArgs),
    /// Send the SMS and e-mails due now and hand over debtors at the end of the ladder.
    Send(SendArgs),
    /// After a crash: resolve attempts left in flight (never redialled; counted as interactions).
    Recover(RecoverArgs),
    /// Carry the campaign out: dial, talk, send and retry until today's work is done (Ctrl-C stops).
    #[cfg(feature = "speech")]
    Run(Box<super::campaign_run::RunArgs>),
    /// Answer the calls debtors place to the campaign until Ctrl-C: caller ID, identity, the inbound flow.
    #[cfg(feature = "speech")]
    Answer(super::campaign_answer::AnswerArgs),
}

/// `softcall campaign check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The campaign file (YAML).
    pub file: PathBuf,
    /// Also accept template placeholders named after this campaign's extra list columns.
    #[arg(long)]
    pub campaign: Option<String>,
    /// Database URL (with --campaign; default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
    /// Folder with dialogue flows (`<flow>.yaml`; default: dialogs_dir of the configuration).
    #[arg(long)]
    pub dialogs: Option<PathBuf>,
}

/// What plan and send share.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Campaign name.
    #[arg(long)]
    pub campaign: String,
    /// The campaign file (YAML).
    #[arg(long)]
    pub strategy: PathBuf,
    /// The moment to plan for (RFC 3339 with an offset, e.g. 2026-11-23T09:30:00Z; default now).
    #[arg(long, value_parser = parse_moment)]
    pub at: Option<DateTime<Utc>>,
    /// Folder with dialogue flows (default: dialogs_dir of the configuration).
    #[arg(long)]
    pub dialogs: Option<PathBuf>,
    /// Legal profile: ru-230fz or us-regf.
    #[arg(long, default_value = "ru-230fz")]
    pub profile: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Show at most this many lines per section (0 = all).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Database URL (default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
}

/// `softcall campaign send`
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Planning options.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// CSV the hand-overs to hard collection are appended to (default: hard_collection.csv in the data folder).
    #[arg(long)]
    pub handover: Option<PathBuf>,
}

/// `softcall campaign recover`
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Attempts started longer ago than this are resolved (no call lasts that long), e.g. 1h, 30m.
    #[arg(long, default_value = "1h")]
    pub older_than: String,
    /// Database URL (default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
}

/// Runs `softcall campaign` with the configuration at `config`.
pub fn run(config: &Path, args: CampaignArgs) -> anyhow::Result<std::process::ExitCode> {
    let folders = &Folders::from_config(config)?;
    match args.what {
        #[cfg(feature = "speech")]
        CampaignWhat::Run(a) => super::campaign_run::run_campaign(config, *a),
        #[cfg(feature = "speech")]
        CampaignWhat::Answer(a) => super::campaign_answer::run(&super::load_config(config)?, a),
        CampaignWhat::Check(a) => {
            let dialogs = a.dialogs.as_ref().unwrap_or(&folders.dialogs_dir);
            let s = strategy::load(&a.file, dialogs)?;
            let columns = match &a.campaign {
                Some(name) => {
                    let rt =
                        tokio::runtime::Runtime::new().context("starting the async runtime")?;
                    rt.block_on(async {
                        let store = super::open_store(folders, a.db.as_deref()).await?;
                        let c = store.campaign(name).await?;
                        let columns = store.extra_columns(c.id).await?;
                        store.close().await;
                        anyhow::Ok(columns)
                    })?
                }
                None => Default::default(),
            };
            strategy::check_placeholders(&a.file, &s, &columns, a.campaign.is_some())?;
            let steps: usize = s.segments.iter().map(|g| g.ladder.len()).sum();
            println!(
                "{}: strategy `{}` is valid: {} segments, {} steps, {} templates",
                a.file.display(),
                s.name,
                s.segments.len(),
                steps,
                s.templates.len()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
        CampaignWhat::Plan(a) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            let (p, _, _, _) = rt.block_on(make_plan(folders, &a))?;
            print_plan(&p, a.json, a.limit)?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        CampaignWhat::Send(a) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async {
                let (p, store, s, campaign_id) = make_plan(folders, &a.plan).await?;
                let handover = a
                    .handover
                    .clone()
                    .unwrap_or_else(|| folders.data_dir.join("hard_collection.csv"));
                if let Some(dir) = handover.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                let now = a.plan.at.unwrap_or_else(Utc::now);
                let r = execute(&store, &s, campaign_id, &p, now, &handover).await?;
                println!(
                    "sms: {} sent, {} failed; e-mail: {} sent, {} failed; handed over: {}{}; calls due: {} (for the dialler)",
                    r.sms_sent,
                    r.sms_failed,
                    r.email_sent,
                    r.email_failed,
                    r.handed_over,
                    if r.handed_over > 0 { format!(" (appended to {})", handover.display()) } else { String::new() },
                    p.calls.len()
                );
                store.close().await;
                let failed = r.sms_failed + r.email_failed;
                if failed > 0 {
                    anyhow::bail!(
                        "{} failed to send (the reasons are stored with each message; see `--log warn`)",
                        plural(u64::from(failed), "message", "messages")
                    );
                }
                anyhow::Ok(std::process::ExitCode::SUCCESS)
            })
        }
        CampaignWhat::Recover(a) => {
            let age = strategy::file::parse_duration(&a.older_than).with_context(|| {
                format!("`{}` is not a duration (write 1h or 30m)", a.older_than)
            })?;
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async {
                let store = super::open_store(folders, a.db.as_deref()).await?;
                let now = Utc::now();
                let in_flight = store.in_flight().await?.len();
                let n = store.resolve_in_flight(now - age, now).await?;
                println!(
                    "{in_flight} attempts in flight; {n} older than {} resolved as `unknown`",
                    a.older_than
                );
                store.close().await;
                anyhow::Ok(std::process::ExitCode::SUCCESS)
            })
        }
    }
}

async fn make_plan(
    folders: &Folders,
    a: &PlanArgs,
) -> anyhow::Result<(CampaignPlan, Store, Strategy, i64)> {
    let s = strategy::load(
        &a.strategy,
        a.dialogs.as_ref().unwrap_or(&folders.dialogs_dir),
    )?;
    let profile = Profile::by_name(&a.profile).with_context(|| {
        format!(
            "unknown profile `{}` (use {})",
            a.profile,
            Profile::NAMES.join(" or ")
        )
    })?;
    let store = super::open_store(folders, a.db.as_deref()).await?;
    let campaign = store.campaign(&a.campaign).await?;
    strategy::check_placeholders(
        &a.strategy,
        &s,
        &store.extra_columns(campaign.id).await?,
        true,
    )?;
    let text = std::fs::read_to_string(&a.strategy).unwrap_or_default();
    let now = a.at.unwrap_or_else(Utc::now);
    store
        .save_strategy(
            campaign.id,
            &s.name,
            &a.strategy.display().to_string(),
            &text,
            Utc::now().timestamp(),
        )
        .await?;
    let p = plan_campaign(
        &store,
        &s,
        Policy::new(profile, Settings::default()),
        campaign.id,
        now,
    )
    .await?;
    Ok((p, store, s, campaign.id))
}

fn print_plan(p: &CampaignPlan, json: bool, limit: usize) -> anyhow::Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(p)?);
        return Ok(());
    }
    let cap = |n: usize| if limit == 0 { n } else { n.min(limit) };
    println!(
        "plan at {}: {} calls, {} messages, {} hand-overs, {} waiting",
        p.at,
        p.calls.len(),
        p.messages.len(),
        p.hand_overs.len(),
        p.waiting.len()
    );
    for (title, lines) in [
        ("dial now", &p.calls),
        ("send now", &p.messages),
        ("hand over now", &p.hand_overs),
    ] {
        if lines.is_empty() {
            continue;
        }
        println!("\n{title}:");
        for l in lines.iter().take(cap(lines.len())) {
            println!(
                "  {:<14} {:<16} {:<7} {:<5} {:<22} {:<14} {}{}",
                l.external_id,
                l.segment,
                l.step,
                l.action,
                l.what,
                l.phone_masked.as_deref().unwrap_or("-"),
                l.reason,
                if l.recall_promise {
                    " [recall promise]"
                } else {
                    ""
                }
            );
        }
        if lines.len() > cap(lines.len()) {
            println!("  … and {} more", lines.len() - cap(lines.len()));
        }
    }
    let mut groups: BTreeMap<&str, Vec<_>> = BTreeMap::new();
    for w in &p.waiting {
        groups.entry(w.reason.as_str()).or_default().push(w);
    }
    if !groups.is_empty() {
        println!("\nwaiting:");
    }
    for (reason, list) in groups {
        println!("  {reason}: {}", list.len());
        for w in list.iter().take(cap(list.len()).min(5)) {
            let until = w
                .until
                .map(|u| format!(" until {}", u.to_rfc3339()))
                .unwrap_or_default();
            println!(
                "    {:<14} {:<6} {}{}",
                w.external_id,
                w.action.as_deref().unwrap_or("-"),
                w.detail,
                until
            );
        }
    }
    Ok(())
}
