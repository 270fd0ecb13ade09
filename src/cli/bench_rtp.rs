//! `softcall bench rtp`: send-time jitter of RTP packets and CPU per call with many concurrent calls
//! streaming audio on loopback, each to a reflector that sends the packets back.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::net::UdpSocket;

use crate::audio::frame::{frames_of, SAMPLE_RATE};
use crate::rtp::pacing::PacingHistogram;
use crate::rtp::{Codec, MediaOptions, MediaSession};

/// Options of `softcall bench rtp`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Concurrent calls, each streaming audio both ways.
    #[arg(long, default_value_t = 50)]
    pub calls: usize,
    /// How long every call streams, in seconds.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Lowest local RTP port to use.
    #[arg(long, default_value_t = 20_000)]
    pub port_min: u16,
    /// Highest local RTP port to use.
    #[arg(long, default_value_t = 29_999)]
    pub port_max: u16,
}

/// Runs the benchmark and prints its figures.
pub fn run(args: Args) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the tokio runtime")?;
    runtime.block_on(bench(args))?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Echoes every datagram back to its sender, like a phone looping the audio back.
async fn reflector(socket: UdpSocket) {
    let mut buf = vec![0u8; 2048];
    while let Ok((len, from)) = socket.recv_from(&mut buf).await {
        let _ = socket.send_to(&buf[..len], from).await;
    }
}

async fn bench(args: Args) -> anyhow::Result<()> {
    let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let tone: Vec<i16> = (0..(args.seconds as usize + 1) * SAMPLE_RATE as usize)
        .map(|i| (6000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 8000.0).sin()) as i16)
        .collect();
    let frames = frames_of(&tone);
    let mut handles = Vec::with_capacity(args.calls);
    let mut reflectors = Vec::with_capacity(args.calls);
    for _ in 0..args.calls {
        let echo = UdpSocket::bind((loopback, 0))
            .await
            .context("binding a reflector")?;
        let echo_addr = echo.local_addr()?;
        reflectors.push(tokio::spawn(reflector(echo)));
        let session = MediaSession::bind(loopback, args.port_min..=args.port_max)
            .await
            .context("binding RTP ports (use --port-min/--port-max for a free range)")?;
        let options = MediaOptions {
            remote_rtcp: Some(echo_addr),
            ..MediaOptions::default()
        };
        let handle = session.start(echo_addr, Codec::Pcmu, Some(101), options)?;
        handle.play(frames[..args.seconds as usize * 50].to_vec());
        handles.push(handle);
    }
    // Drain audio events so the sessions run as in a call.
    let mut controls = Vec::with_capacity(args.calls);
    let mut drains = Vec::with_capacity(args.calls);
    for handle in handles {
        let (control, mut events, stopper) = handle.split();
        controls.push((control, stopper));
        drains.push(tokio::spawn(async move {
            while events.recv().await.is_some() {}
        }));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let cpu_start = process_cpu();
    let started = Instant::now();
    let progress = ProgressBar::new(args.seconds);
    progress.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} s")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress.set_message(format!("{} calls streaming", args.calls));
    for _ in 0..args.seconds {
        tokio::time::sleep(Duration::from_secs(1)).await;
        progress.inc(1);
    }
    progress.finish_and_clear();
    let elapsed = started.elapsed();
    let cpu = process_cpu()
        .zip(cpu_start)
        .map(|(end, start)| end.saturating_sub(start));

    let mut pacing = PacingHistogram::new();
    let (mut sent, mut received, mut lost, mut concealed) = (0u64, 0u64, 0i64, 0u64);
    for (_, stopper) in controls {
        let stats = stopper.stop().await;
        pacing.merge(&stats.pacing);
        sent += stats.packets_sent;
        received += stats.packets_received;
        lost += stats.packets_lost;
        concealed += stats.jitter_buffer.concealed_frames;
    }
    for task in reflectors {
        task.abort();
    }
    for task in drains {
        let _ = task.await;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "softcall bench rtp: {} calls × {:.1} s on loopback, PCMU 20 ms, tokio multi-thread runtime, {} CPU cores, {} build",
        args.calls,
        elapsed.as_secs_f64(),
        cores,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    if let Some(load) = load.split_whitespace().next() {
        println!("machine load average (1 min) at start: {load}");
    }
    println!(
        "RTP packets sent {sent} (grid expects {:.0}), received back {received}, lost {lost}, concealed frames {concealed}",
        args.calls as f64 * elapsed.as_secs_f64() * 50.0
    );
    println!(
        "send time after the 20 ms grid slot: p50 {:.3} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms ({} packets)",
        ms(pacing.quantile(0.50)),
        ms(pacing.quantile(0.99)),
        ms(pacing.quantile(0.999)),
        ms(pacing.max()),
        pacing.count()
    );
    match cpu {
        Some(cpu) => println!(
            "CPU (user+system, whole process incl. reflectors): {:.2} s over {:.1} s = {:.2} % of one core per call",
            cpu.as_secs_f64(),
            elapsed.as_secs_f64(),
            100.0 * cpu.as_secs_f64() / elapsed.as_secs_f64() / args.calls.max(1) as f64
        ),
        None => println!("CPU: not measured (/proc/self/stat unavailable)"),
    }
    Ok(())
}

/// User + system CPU time of this process, from `/proc/self/stat` (Linux reports it in 1/100 s).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name may contain spaces; fields after it start at the closing parenthesis.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the full line, 12 and 13 after the name.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}
