//! `softcall campaign check|plan|send|recover`: checking campaign files, showing what would be dialled and sent
//! and why others wait, sending due messages and hand-overs, and resolving attempts a crash left in flight.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};

use crate::campaign::compliance::{Policy, Profile, Settings};
use crate::campaign::execute::execute;
use crate::campaign::planner::{plan, CampaignPlan};
use crate::campaign::strategy::{self, Strategy};
use crate::store::Store;

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
}

/// `softcall campaign check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The campaign file (YAML).
    pub file: PathBuf,
    /// Folder with dialogue flows (`<flow>.yaml`).
    #[arg(long, default_value = "dialogs")]
    pub dialogs: PathBuf,
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
    /// The moment to plan for (RFC 3339, e.g. 2026-11-23T09:30:00Z; default now).
    #[arg(long)]
    pub at: Option<DateTime<Utc>>,
    /// Folder with dialogue flows.
    #[arg(long, default_value = "dialogs")]
    pub dialogs: PathBuf,
    /// Legal profile: ru-230fz or us-regf.
    #[arg(long, default_value = "ru-230fz")]
    pub profile: String,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Show at most this many lines per section (0 = all).
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// Database URL.
    #[arg(long, default_value = super::import::DEFAULT_DB)]
    pub db: String,
}

/// `softcall campaign send`
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Planning options.
    #[command(flatten)]
    pub plan: PlanArgs,
    /// CSV the hand-overs to hard collection are appended to.
    #[arg(long, default_value = "data/hard_collection.csv")]
    pub handover: PathBuf,
}

/// `softcall campaign recover`
#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Attempts started longer ago than this are resolved (no call lasts that long), e.g. 1h, 30m.
    #[arg(long, default_value = "1h")]
    pub older_than: String,
    /// Database URL.
    #[arg(long, default_value = super::import::DEFAULT_DB)]
    pub db: String,
}

/// Runs `softcall campaign`.
pub fn run(args: CampaignArgs) -> anyhow::Result<std::process::ExitCode> {
    match args.what {
        CampaignWhat::Check(a) => {
            let s = strategy::load(&a.file, &a.dialogs)?;
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
            let (p, _, _, _) = rt.block_on(make_plan(&a))?;
            print_plan(&p, a.json, a.limit)?;
            Ok(std::process::ExitCode::SUCCESS)
        }
        CampaignWhat::Send(a) => {
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async {
                let (p, store, s, campaign_id) = make_plan(&a.plan).await?;
                if let Some(dir) = a.handover.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
                }
                let now = a.plan.at.unwrap_or_else(Utc::now);
                let r = execute(&store, &s, campaign_id, &p, now, &a.handover).await?;
                println!(
                    "sms: {} sent, {} failed; e-mail: {} sent, {} failed; handed over: {}{}; calls due: {} (for the dialler)",
                    r.sms_sent,
                    r.sms_failed,
                    r.email_sent,
                    r.email_failed,
                    r.handed_over,
                    if r.handed_over > 0 { format!(" (appended to {})", a.handover.display()) } else { String::new() },
                    p.calls.len()
                );
                store.close().await;
                anyhow::Ok(std::process::ExitCode::SUCCESS)
            })
        }
        CampaignWhat::Recover(a) => {
            let age = strategy::file::parse_duration(&a.older_than).with_context(|| {
                format!("`{}` is not a duration (write 1h or 30m)", a.older_than)
            })?;
            let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
            rt.block_on(async {
                let store = Store::open(&a.db).await?;
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

async fn make_plan(a: &PlanArgs) -> anyhow::Result<(CampaignPlan, Store, Strategy, i64)> {
    let s = strategy::load(&a.strategy, &a.dialogs)?;
    let profile = Profile::by_name(&a.profile).with_context(|| {
        format!(
            "unknown profile `{}` (use {})",
            a.profile,
            Profile::NAMES.join(" or ")
        )
    })?;
    let store = Store::open(&a.db).await?;
    let campaign = store.campaign(&a.campaign).await?;
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
    let debtors = store.campaign_debtors(campaign.id).await?;
    let histories = store.campaign_histories(campaign.id).await?;
    let statuses: HashMap<i64, String> = store
        .campaign_statuses(campaign.id)
        .await?
        .into_iter()
        .collect();
    let p = plan(
        &s,
        Policy::new(profile, Settings::default()),
        &debtors,
        &histories,
        &statuses,
        now,
    );
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
