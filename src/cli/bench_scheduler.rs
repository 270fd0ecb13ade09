//! `softcall bench scheduler`: planning throughput on synthetic campaigns.

use std::process::ExitCode;
use std::time::{Duration as StdDuration, Instant};

use chrono::{TimeZone, Utc};
use clap::Args;

use crate::campaign::compliance::{Policy, Profile, Settings};
use crate::campaign::scheduler::{synthetic, Limits, Load, RetryPolicy, Scheduler};

/// Arguments of `softcall bench scheduler`.
#[derive(Debug, Args)]
pub struct BenchSchedulerArgs {
    /// Debtor counts to measure, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "10000,100000")]
    pub debtors: Vec<usize>,
    /// Measure each size for at least this many seconds.
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f64,
}

/// Runs the scheduler benchmark and prints decisions per second for each size.
pub fn run(args: BenchSchedulerArgs) -> anyhow::Result<ExitCode> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 9, 30, 0)
        .single()
        .ok_or_else(|| anyhow::anyhow!("invalid benchmark start time"))?;
    let scheduler = Scheduler::new(
        Policy::new(Profile::ru_230fz(), Settings::default()),
        RetryPolicy::default(),
        Limits {
            max_concurrent_calls: 300,
            calls_per_second: 30,
        },
    );
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".to_string());
    println!(
        "scheduler planning benchmark: profile ru-230fz (strict defaults), synthetic debtors over 11 Russian zones, \
         up to 11 past contacts each, one thread, {} build, {cpu}",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    for (describe, label) in [
        (true, "with reason texts"),
        (false, "structured reasons only"),
    ] {
        let scheduler = scheduler.clone().with_descriptions(describe);
        println!("{label}:");
        for &n in &args.debtors {
            let items = synthetic::snapshot(n, 0x5eed, now);
            let load = Load {
                calls_in_flight: 100,
                calls_started_last_second: 0,
            };
            let mut ticks = 0u32;
            let mut acted = 0usize;
            let started = Instant::now();
            let budget = StdDuration::from_secs_f64(args.seconds.max(0.01));
            let mut tick_times = Vec::new();
            let cpu_before = thread_cpu_ns();
            while ticks < 3 || started.elapsed() < budget {
                let t0 = Instant::now();
                let at = now + chrono::Duration::minutes(i64::from(ticks));
                let plan = scheduler.plan(&items, load, at);
                tick_times.push(t0.elapsed());
                acted += plan.actions.len();
                ticks += 1;
            }
            let cpu_ns = thread_cpu_ns()
                .zip(cpu_before)
                .map(|(a, b)| a.saturating_sub(b));
            let total: StdDuration = tick_times.iter().sum();
            tick_times.sort();
            let median = tick_times[tick_times.len() / 2];
            let per_sec = (n as f64 * f64::from(ticks)) / total.as_secs_f64();
            let cpu = match cpu_ns {
                Some(ns) if ns > 0 => format!(
                    ", {:.0} decisions per CPU-second ({:.2} ms CPU per tick)",
                    n as f64 * f64::from(ticks) / (ns as f64 / 1e9),
                    ns as f64 / 1e6 / f64::from(ticks)
                ),
                _ => String::new(),
            };
            println!(
            "{n:>7} debtors: {per_sec:>9.0} decisions/s wall, median tick {:.2} ms over {ticks} ticks{cpu} ({} actions/tick)",
            median.as_secs_f64() * 1e3,
            acted / ticks as usize
        );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// CPU time this thread has run, in nanoseconds (Linux `/proc/thread-self/schedstat`); `None` elsewhere.
///
/// On a shared machine wall time includes waiting for a core; CPU time does not.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
