//! `softcall import debtors|payments`: loading lists exported from the loan system.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use super::plural;
use crate::config::Folders;
use crate::ops::lists::{self, DebtorImport};

/// `softcall import …`
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// What to import.
    #[command(subcommand)]
    pub what: ImportWhat,
}

/// The kinds of list.
#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// Import a debtor list (CSV; UTF-8 or Windows-1251, comma or semicolon) into a campaign.
    Debtors(DebtorArgs),
    /// Import payments (CSV): reduce debts and settle promises as kept or broken.
    Payments(PaymentArgs),
}

/// `softcall import debtors`
#[derive(Debug, Args)]
pub struct DebtorArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// Campaign to add the debtors to (created if new).
    #[arg(long)]
    pub campaign: String,
    /// Import valid rows even when some rows are invalid (default: nothing is imported).
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write rejected rows with reasons to this CSV (with --skip-invalid).
    #[arg(long, requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// Treat unknown columns as an error instead of keeping them as template fields.
    #[arg(long)]
    pub strict_columns: bool,
    /// The list's export date: its amounts and "days overdue" are as of that day (YYYY-MM-DD; default today).
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// Database URL (sqlite://PATH or postgres://…; default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
}

/// `softcall import payments`
#[derive(Debug, Args)]
pub struct PaymentArgs {
    /// The CSV file.
    pub file: PathBuf,
    /// Import valid rows even when some rows are invalid.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Write rejected rows with reasons to this CSV (with --skip-invalid).
    #[arg(long, requires = "skip_invalid")]
    pub rejects: Option<PathBuf>,
    /// The moment promises are judged at (RFC 3339 with an offset, e.g. 2026-11-26T12:00:00Z; default now).
    #[arg(long, value_parser = super::parse_moment)]
    pub at: Option<DateTime<Utc>>,
    /// Database URL (sqlite://PATH or postgres://…; default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
}

/// Runs `softcall import`.
pub fn run(folders: &Folders, args: ImportArgs) -> anyhow::Result<std::process::ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async move {
        match args.what {
            ImportWhat::Debtors(a) => debtors(folders, a).await,
            ImportWhat::Payments(a) => payments(folders, a).await,
        }
    })
}

/// A progress bar for storing `total` rows.
pub fn progress_bar() -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} storing [{bar:40}] {pos}/{len} rows ({per_sec}, {eta} left)",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    bar
}

async fn debtors(folders: &Folders, a: DebtorArgs) -> anyhow::Result<std::process::ExitCode> {
    let store = super::open_store(folders, a.db.as_deref()).await?;
    let now = Utc::now();
    let opts = DebtorImport {
        campaign: a.campaign.clone(),
        as_of: a.as_of.unwrap_or_else(|| now.date_naive()),
        strict_columns: a.strict_columns,
        skip_invalid: a.skip_invalid,
        rejects: a.rejects.clone(),
        now,
    };
    let bar = progress_bar();
    let report = lists::import_debtors(&store, &a.file, &opts, &|done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await;
    bar.finish_and_clear();
    let report = report?;
    if !report.unknown_columns.is_empty() {
        eprintln!(
            "warning: {}: columns {} are not standard fields; kept as template fields",
            a.file.display(),
            report
                .unknown_columns
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    println!(
        "{}: {} ({}, separator `{}`): {} new, {} updated, {} rejected — campaign `{}`",
        a.file.display(),
        plural(report.rows as u64, "row", "rows"),
        report.encoding.name(),
        report.delimiter,
        report.counts.inserted,
        report.counts.updated,
        report.rejected_rows,
        a.campaign
    );
    for e in report.rejected.iter().take(20) {
        eprintln!("  rejected {}: {e}", a.file.display());
    }
    if let Some(r) = &a.rejects {
        if !report.rejected.is_empty() {
            println!("rejected rows written to {}", r.display());
        }
    }
    store.close().await;
    Ok(std::process::ExitCode::SUCCESS)
}

async fn payments(folders: &Folders, a: PaymentArgs) -> anyhow::Result<std::process::ExitCode> {
    let store = super::open_store(folders, a.db.as_deref()).await?;
    let now = a.at.unwrap_or_else(Utc::now);
    let report =
        lists::import_payments(&store, &a.file, now, a.skip_invalid, a.rejects.as_deref()).await?;
    println!(
        "{}: {}: {} stored, {} already known, {} rejected; promises: {} kept, {} broken",
        a.file.display(),
        plural(report.rows as u64, "row", "rows"),
        plural(report.counts.inserted, "payment", "payments"),
        report.counts.duplicates,
        report.rejected_rows,
        report.counts.kept,
        report.counts.broken
    );
    for e in report.rejected.iter().take(20) {
        eprintln!("  rejected {}: {e}", a.file.display());
    }
    store.close().await;
    Ok(std::process::ExitCode::SUCCESS)
}
