//! `softcall export results`: one CSV line per debtor of a campaign.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

use chrono::Utc;

use crate::campaign::report::RESULT_COLUMNS;
use crate::config::Folders;
use crate::ops::report::campaign_facts;
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
    /// Database URL (default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
}

/// Runs `softcall export`.
pub fn run(folders: &Folders, args: ExportArgs) -> anyhow::Result<std::process::ExitCode> {
    let ExportWhat::Results(a) = args.what;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let csv = rt.block_on(async {
        let store = super::open_store(folders, a.db.as_deref()).await?;
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
    let rows = campaign_facts(store, campaign, Utc::now()).await?.results();
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.serialize(r)?;
    }
    if rows.is_empty() {
        w.write_record(RESULT_COLUMNS)?;
    }
    Ok(String::from_utf8(
        w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
    )?)
}
