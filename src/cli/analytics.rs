//! `softcall analytics`: per-strategy and per-segment attempts, contact rates, promises and kept rate.

use anyhow::Context;
use clap::Args;

use crate::campaign::import::values::format_amount;
use chrono::Utc;

use crate::campaign::report::AnalyticsRow;
use crate::config::Folders;
use crate::ops::report::campaign_facts;

/// `softcall analytics`
#[derive(Debug, Args)]
pub struct AnalyticsArgs {
    /// Campaign name.
    #[arg(long)]
    pub campaign: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Database URL (default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
}

/// Runs `softcall analytics`.
pub fn run(folders: &Folders, a: AnalyticsArgs) -> anyhow::Result<std::process::ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let rows = rt.block_on(async {
        let store = super::open_store(folders, a.db.as_deref()).await?;
        let rows = campaign_facts(&store, &a.campaign, Utc::now())
            .await?
            .analytics();
        store.close().await;
        anyhow::Ok(rows)
    })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else {
        print!("{}", table(&rows));
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// Renders analytics rows as an aligned text table.
pub fn table(rows: &[AnalyticsRow]) -> String {
    // A rate with nothing in its denominator is shown as "—", not as 0 %.
    let pct = |x: Option<f64>| x.map_or_else(|| "—".to_string(), |x| format!("{:.1}%", x * 100.0));
    let header = [
        "strategy", "segment", "debtors", "attempts", "calls", "msgs", "contact", "rpc", "promise",
        "promised", "kept",
    ];
    let body: Vec<[String; 11]> = rows
        .iter()
        .map(|r| {
            [
                r.strategy.clone(),
                r.segment.clone(),
                r.debtors.to_string(),
                r.attempts.to_string(),
                r.calls.to_string(),
                r.messages.to_string(),
                pct(r.contact_rate),
                pct(r.right_party_rate),
                pct(r.promise_rate),
                format_amount(r.promised_amount),
                pct(r.kept_rate),
            ]
        })
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &body {
        for (i, c) in row.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths[i]))
            .collect::<Vec<_>>()
            .join("  ");
        s.truncate(s.trim_end().len());
        s.push('\n');
        s
    };
    let mut out = line(header.to_vec());
    for row in &body {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    if body.is_empty() {
        out.push_str("(no segments and no attempts yet: run `softcall campaign plan` with the campaign file)\n");
    }
    out
}
