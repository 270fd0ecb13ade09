//! `softcall bench sip`: call setups per second against a sipp UAS on loopback (signalling only).
//!
//! Each call is INVITE → 180 → 200 → ACK → BYE → 200; the figure is completed calls per second at a
//! fixed number of calls in flight, plus the INVITE → 200 setup latency percentiles.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use crate::sip::driver::CallEvents;
use crate::sip::driver::{self, DriverConfig};
use crate::sip::endpoint::{CallEvent, CallHandle, CallRequest};
use crate::sip::outcome::Outcome;
use crate::sip::sdp::LocalMedia;
use crate::sip::transaction::Timers;

/// Arguments of `softcall bench-sip`.
#[derive(Debug, Args)]
pub struct BenchSipArgs {
    /// Number of calls to set up and tear down.
    #[arg(long, default_value_t = 2000)]
    pub calls: usize,
    /// Calls in flight at once.
    #[arg(long, default_value_t = 50)]
    pub concurrency: usize,
    /// An already running UAS (`ip:port`); by default a sipp UAS is started on 127.0.0.1.
    #[arg(long)]
    pub peer: Option<SocketAddr>,
    /// The sipp binary used when no peer is given.
    #[arg(long, default_value = "sipp")]
    pub sipp: PathBuf,
}

struct SippGuard(std::process::Child);

impl Drop for SippGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Runs the benchmark and prints its figures.
pub fn run(args: BenchSipArgs) -> anyhow::Result<std::process::ExitCode> {
    if args.calls == 0 || args.concurrency == 0 {
        bail!("--calls and --concurrency must be at least 1");
    }
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(bench(args))
}

async fn bench(args: BenchSipArgs) -> anyhow::Result<std::process::ExitCode> {
    let (peer, _guard) = match args.peer {
        Some(p) => (p, None),
        None => {
            let port = std::net::UdpSocket::bind("127.0.0.1:0")?
                .local_addr()?
                .port();
            let child = Command::new(&args.sipp)
                .args(["-sn", "uas", "-i", "127.0.0.1", "-p", &port.to_string()])
                .args(["-nostdin", "-max_socket", "4096"])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .with_context(|| {
                    format!(
                        "cannot start {} (apt-get install sip-tester, or pass --peer ip:port)",
                        args.sipp.display()
                    )
                })?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            (
                SocketAddr::from(([127, 0, 0, 1], port)),
                Some(SippGuard(child)),
            )
        }
    };
    let (sip, _general) = driver::start(DriverConfig {
        bind: "127.0.0.1:0".parse()?,
        public_addr: None,
        contact_user: "bench".into(),
        user_agent: "softcall-bench".into(),
        timers: Timers::default(),
    })
    .await?;
    let offer = LocalMedia {
        addr: sip.public_addr.ip(),
        port: 40000,
        session_id: 1,
        version: 1,
    }
    .offer();
    let request = |n: usize| CallRequest {
        target: format!("sip:bench{n}@{peer}"),
        from: format!("sip:bench@{}", sip.public_addr),
        display_name: None,
        dest: peer,
        sdp_offer: offer.clone(),
        credentials: None,
        ring_timeout: Duration::from_secs(10),
    };
    let bar = ProgressBar::new(args.calls as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} calls  {per_sec}  eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    // Every call's own events, merged into one stream for the loop below.
    let (merged_tx, mut events) = tokio::sync::mpsc::unbounded_channel();
    let follow = |mut call: CallEvents| {
        let tx = merged_tx.clone();
        tokio::spawn(async move {
            while let Some(ev) = call.recv().await {
                if tx.send((call.handle(), ev)).is_err() {
                    break;
                }
            }
        });
    };
    let mut started: HashMap<CallHandle, Instant> = HashMap::new();
    let mut setups: Vec<Duration> = Vec::with_capacity(args.calls);
    let mut failures: HashMap<&'static str, usize> = HashMap::new();
    let mut placed = 0usize;
    let mut done = 0usize;
    let t0 = Instant::now();
    while placed < args.calls.min(args.concurrency) {
        let (h, call) = sip.place_call(request(placed)).await?;
        started.insert(h, Instant::now());
        follow(call);
        placed += 1;
    }
    while done < args.calls {
        let (h, ev) = tokio::time::timeout(Duration::from_secs(60), events.recv())
            .await
            .context("no SIP event for 60 s; is the UAS running?")?
            .context("SIP driver stopped")?;
        match ev {
            CallEvent::Answered { .. } => {
                if let Some(s) = started.get(&h) {
                    setups.push(s.elapsed());
                }
                sip.hangup(h)?;
            }
            CallEvent::Ended(end) => {
                started.remove(&h);
                done += 1;
                bar.inc(1);
                if end.outcome != Outcome::Answered {
                    *failures.entry(end.outcome.as_str()).or_default() += 1;
                }
                if placed < args.calls {
                    let (h, call) = sip.place_call(request(placed)).await?;
                    started.insert(h, Instant::now());
                    follow(call);
                    placed += 1;
                }
            }
            _ => {}
        }
    }
    let elapsed = t0.elapsed();
    bar.finish_and_clear();
    let stats = sip.shutdown().await?;
    setups.sort();
    println!("SIP call setup benchmark (signalling only, UDP loopback)");
    println!("  peer:            {peer} (sipp built-in uas scenario unless --peer)");
    println!(
        "  calls:           {} completed, {} in flight at a time",
        args.calls, args.concurrency
    );
    println!("  wall time:       {:.2} s", elapsed.as_secs_f64());
    println!(
        "  throughput:      {:.0} calls/s (INVITE/180/200/ACK/BYE/200 each)",
        args.calls as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  setup latency:   p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (INVITE sent → 200 received)",
        percentile(&setups, 0.5).as_secs_f64() * 1e3,
        percentile(&setups, 0.99).as_secs_f64() * 1e3,
        setups.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!("  not answered:    {failures:?}");
    println!(
        "  malformed dropped: {}, retransmissions absorbed: {}",
        stats.malformed_dropped, stats.retransmissions_absorbed
    );
    Ok(std::process::ExitCode::SUCCESS)
}
