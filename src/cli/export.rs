//! `softcall export results`: one CSV line per debtor of a campaign.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use crate::campaign::report::{results, DebtorLine};
use crate::store::Store;

/// `softcall export …`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// What to export.
    #[command(subcommand)]
    pub what: ExportWhat,
}

/// Exports.
#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// Per debtor: last outcome, promise date and amount, attempts, contact status.
    Results(ResultsArgs),
}

/// `softcall export results`
#[derive(Debug, Args)]
pub struct ResultsArgs {
    /// Campaign name.
    #[arg(long)]
    pub campaign: String,
    /// Output file (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Database URL.
    #[arg(long, default_value = super::import::DEFAULT_DB)]
    pub db: String,
}

/// Runs `softcall export`.
pub fn run(args: ExportArgs) -> anyhow::Result<std::process::ExitCode> {
    let ExportWhat::Results(a) = args.what;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let csv = rt.block_on(async {
        let store = Store::open(&a.db).await?;
        let text = results_csv(&store, &a.campaign).await;
        store.close().await;
        text
    })?;
    match &a.out {
        Some(path) => {
            std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))?
        }
        None => match std::io::stdout().write_all(csv.as_bytes()) {
            // A reader such as `head` closing the pipe early is not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            other => other?,
        },
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// The results CSV of a campaign.
pub async fn results_csv(store: &Store, campaign: &str) -> anyhow::Result<String> {
    let c = store.campaign(campaign).await?;
    let debtors = store.campaign_debtors(c.id).await?;
    let statuses: std::collections::HashMap<i64, String> =
        store.campaign_statuses(c.id).await?.into_iter().collect();
    let lines: Vec<DebtorLine> = debtors
        .iter()
        .map(|d| DebtorLine {
            id: d.id,
            external_id: d.record.external_id.clone(),
            amount_due: d.record.amount_due,
            status: statuses
                .get(&d.id)
                .cloned()
                .unwrap_or_else(|| d.status.clone()),
        })
        .collect();
    let rows = results(
        &lines,
        &store.attempt_facts(c.id).await?,
        &store.promise_facts(c.id).await?,
    );
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r)?;
    }
    if rows.is_empty() {
        w.write_record([
            "external_id",
            "status",
            "segment",
            "last_outcome",
            "last_attempt_at",
            "attempts",
            "calls",
            "promise_date",
            "promise_amount",
            "promise_status",
            "contact_status",
            "amount_due",
        ])?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}
