//! `softcall bench import`: generates a synthetic debtor list and imports it, printing rows per second.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use clap::Args;

use crate::campaign::regions;
use crate::ops::lists::{self, DebtorImport};
use crate::store::Store;

/// `softcall bench import`
#[derive(Debug, Args)]
pub struct BenchImportArgs {
    /// Rows to generate.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    /// Database URL (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    pub db: Option<String>,
    /// Keep the generated CSV at this path instead of a temporary file.
    #[arg(long)]
    pub keep: Option<PathBuf>,
}

/// Writes a synthetic debtor list in the Excel style (semicolon, Russian headers, Windows-1251 bytes).
pub fn write_synthetic(path: &std::path::Path, rows: usize) -> std::io::Result<()> {
    let mut text = String::with_capacity(rows * 160);
    text.push_str("Номер договора;ФИО;Телефон;Телефон 2;Регион;Сумма долга;Дата погашения;Продукт;Кредитор;Банкротство;Канал выдачи\n");
    let region_list = regions::all();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..rows {
        let r = next();
        let region = &region_list[(r % region_list.len() as u64) as usize];
        let amount = 1_000 + (r >> 8) % 90_000;
        let day = 1 + (r >> 20) % 28;
        let month = 9 + (r >> 30) % 3;
        text.push_str(&format!(
            "L-{i:07};Иванов{} Пётр Сергеевич;8 9{:02} {:03}-{:02}-{:02};+7 (495) {:03}-{:02}-{:02};{};{} {:03},{:02};{:02}.{:02}.2026;{};МФО Ромашка;{};{}\n",
            i % 97,
            10 + r % 90,
            (r >> 7) % 1000,
            (r >> 17) % 100,
            (r >> 27) % 100,
            (r >> 37) % 1000,
            (r >> 47) % 100,
            (r >> 54) % 100,
            region.name,
            amount / 1000,
            amount % 1000,
            r % 100,
            day,
            month,
            if r % 3 == 0 { "PDL" } else { "Installment" },
            if r % 500 == 0 { "да" } else { "нет" },
            if r % 2 == 0 { "online" } else { "office" },
        ));
    }
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&text);
    let mut f = std::fs::File::create(path)?;
    f.write_all(&bytes)
}

/// Runs the benchmark.
pub fn run(a: BenchImportArgs) -> anyhow::Result<std::process::ExitCode> {
    let dir = tempfile_dir()?;
    let csv = a
        .keep
        .clone()
        .unwrap_or_else(|| dir.join("bench-debtors.csv"));
    let t0 = Instant::now();
    write_synthetic(&csv, a.rows).with_context(|| format!("writing {}", csv.display()))?;
    let gen = t0.elapsed();
    let db =
        a.db.clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.join("bench.db").display()));
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(async {
        let store = Store::open(&db).await?;
        let now = Utc::now();
        let opts = DebtorImport {
            campaign: "bench".into(),
            as_of: now.date_naive(),
            strict_columns: false,
            skip_invalid: false,
            rejects: None,
            now,
        };
        let bar = super::import::progress_bar();
        let mut figures = Vec::new();
        for pass in ["first import (insert)", "re-import (update)"] {
            let t = Instant::now();
            let report = lists::import_debtors(&store, &csv, &opts, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await?;
            bar.finish_and_clear();
            let secs = t.elapsed().as_secs_f64();
            figures.push(format!(
                "{pass}: {} rows in {secs:.2} s = {:.0} rows/s ({} new, {} updated)",
                report.rows,
                report.rows as f64 / secs,
                report.counts.inserted,
                report.counts.updated
            ));
        }
        store.close().await;
        println!(
            "bench import: synthetic Windows-1251 semicolon list, 2 phones per row, {} rows, generated in {:.2} s",
            a.rows,
            gen.as_secs_f64()
        );
        println!("database: {}", if db.starts_with("sqlite") { "SQLite file (WAL)" } else { "PostgreSQL" });
        println!("machine: {} logical CPUs; build: {}", num_cpus(), if cfg!(debug_assertions) { "debug" } else { "release" });
        for f in figures {
            println!("{f}");
        }
        anyhow::Ok(())
    })?;
    if a.keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("softcall-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn num_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
