//! `softcall bench turn`: how long a debtor waits for the robot's reply on a live call over loopback, with the
//! real listener (VAD → endpointer → Vosk), understanding, engine, Piper voice and RTP — cached and uncached
//! prompts — and the robot's CPU per call-minute.
//!
//! The robot dials a `softcall phone` child process whose scenario answers every prompt with a short clip.
//! The bench flow listens in a loop, so every answer is one turn: the recogniser installed here is the
//! registry's Korean model, which does not understand the flow's language, so each answer is a no-match and
//! the robot's reply is the re-prompt. The reply's content does not matter for latency; its rendering does.

use crate::call::config::CallConfig;
use crate::call::live::{self, CollectRecords, Conversation, DialTarget, MediaSettings};
use crate::call::speech::CallSpeech;
use crate::config::Config;
use crate::dialog::context::DebtorFile;
use crate::dialog::flow::Flow;
use crate::sip::driver::{self, DriverConfig};
use crate::sip::transaction::Timers;
use crate::tts::cache::PromptCache;
use anyhow::Context;
use clap::Args;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Arguments of `softcall bench turn`.
#[derive(Debug, Args)]
pub struct BenchTurnArgs {
    /// Calls per mode (cached prompts, then uncached).
    #[arg(long, default_value_t = 3)]
    pub calls: usize,
    /// Debtor answers per call.
    #[arg(long, default_value_t = 8)]
    pub turns: usize,
    /// The clip the simulated debtor answers with.
    #[arg(long, default_value = "audio-fixtures/ko/yes.wav")]
    pub clip: PathBuf,
}

/// A flow that listens in a loop: every answer gets a reply.
const BENCH_FLOW: &str = r#"
flow: bench_turns_en
lang: en
start: ask
settings:
  turn_limit: 1000
  min_confidence: 0.0
  low_confidence_limit: 1000
  no_match_retries: 1000
  silence_timeout: 20s
  reprompt: "Sorry, I did not catch that."
nodes:
  ask:
    say: "Please tell me when you can make the payment."
    listen:
      on:
        operator: bye
      no_match: bye
  bye:
    say: "Goodbye."
    hangup: hung_up
"#;

/// The example debtor the bench calls.
const DEBTOR: &str = "dialogs/examples/debtor_en.json";

/// Latencies of one mode, in milliseconds.
#[derive(Debug, Default)]
struct Figures {
    felt: Vec<u64>,
    from_endpoint: Vec<u64>,
    from_transcript: Vec<u64>,
    recogniser_lag: Vec<u64>,
    call_seconds: f64,
    utterances: u64,
    final_result_us: u64,
}

/// Runs the benchmark and prints its figures.
pub fn run(config: &Config, args: BenchTurnArgs) -> anyhow::Result<std::process::ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    rt.block_on(bench(config, args))
}

async fn bench(config: &Config, args: BenchTurnArgs) -> anyhow::Result<std::process::ExitCode> {
    println!("softcall bench turn — {}", super::bench_speech::machine());
    println!(
        "{} calls per mode, {} answers each ({}), over loopback: softcall → softcall phone (a child process)\n",
        args.calls,
        args.turns,
        args.clip.display()
    );
    let flow = Arc::new(Flow::parse(BENCH_FLOW, Path::new("bench_turns_en.yaml"))?);
    let debtor = DebtorFile::load(Path::new(DEBTOR))?;
    let loaded = Instant::now();
    let speech = CallSpeech::for_language(config, flow.lang)?;
    println!(
        "models loaded in {:.2} s; recognition: {}\n",
        loaded.elapsed().as_secs_f64(),
        speech.recognition
    );
    let work = tempfile::tempdir().context("cannot make a temporary folder")?;
    let phone_addr = free_loopback_addr()?;
    let mut phone = start_phone(&args, work.path(), phone_addr)?;
    let (sip, _events) = driver::start(DriverConfig {
        bind: "127.0.0.1:0".parse()?,
        public_addr: None,
        contact_user: "softcall".into(),
        user_agent: "softcall-bench".into(),
        timers: Timers::default(),
    })
    .await?;
    wait_for_phone(phone_addr);

    let cpu_before = cpu_seconds();
    let mut modes = Vec::new();
    for (name, cached) in [("cached", true), ("uncached", false)] {
        let mut speech = speech.clone();
        if !cached {
            speech.speaker = speech.speaker.with_cache(PromptCache::off());
        } else {
            // Warm the cache with the prompts the bench flow says, as a campaign does before its first dial.
            for text in [
                "Sorry, I did not catch that.",
                "Please tell me when you can make the payment.",
            ] {
                speech.speaker.render_prompt(text)?;
            }
        }
        let mut figures = Figures::default();
        for call in 0..args.calls {
            let ctx = debtor.clone().into_context(chrono::Utc::now())?;
            let conversation = Conversation {
                flow: Arc::clone(&flow),
                ctx,
                config: CallConfig {
                    max_length: Duration::from_secs(300),
                    ..CallConfig::default()
                },
                stop: crate::call::stop::StopWatch::never(),
            };
            let target = DialTarget {
                target: format!("sip:debtor@{phone_addr}"),
                from: "sip:softcall@127.0.0.1".into(),
                display_name: None,
                dest: phone_addr,
                credentials: None,
                ring_timeout: Duration::from_secs(10),
            };
            let media = MediaSettings {
                rtp_ports: 41000..=41999,
                ..MediaSettings::default()
            };
            let mut records = CollectRecords::default();
            let outcome =
                live::dial(&sip, target, conversation, &speech, &media, &mut records).await?;
            let Some(report) = outcome.report else {
                anyhow::bail!(
                    "call {} was not answered: {}",
                    call + 1,
                    outcome.telephony.reason
                );
            };
            figures.call_seconds += report.duration_ms as f64 / 1000.0;
            if let Some(listened) = &outcome.listened {
                figures.utterances += listened.utterances;
                figures.final_result_us += listened.final_result_us;
            }
            for l in &report.latency {
                figures.felt.push(l.ms);
                figures.from_endpoint.push(l.from_endpoint_ms);
                figures.from_transcript.push(l.from_transcript_ms);
                figures
                    .recogniser_lag
                    .push(l.from_endpoint_ms.saturating_sub(l.from_transcript_ms));
            }
            eprintln!("{name} call {}: {} turns", call + 1, report.latency.len());
        }
        modes.push((name, figures));
    }
    let cpu = cpu_seconds() - cpu_before;
    let _ = sip.shutdown().await;
    let _ = phone.kill();
    let _ = phone.wait();

    println!("\n| prompts | turns | endpoint → first reply packet p50 / p95 | of which: endpoint → text at the conductor (recogniser) p50 / p95 | text → first reply packet (conductor) p50 / p95 | last voiced frame → first reply packet p50 / p95 | recogniser's final result, mean |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let mut call_seconds = 0.0;
    for (name, f) in &mut modes {
        call_seconds += f.call_seconds;
        for v in [
            &mut f.felt,
            &mut f.from_endpoint,
            &mut f.from_transcript,
            &mut f.recogniser_lag,
        ] {
            v.sort_unstable();
        }
        let p = |v: &[u64]| format!("{} / {} ms", percentile(v, 0.5), percentile(v, 0.95));
        println!(
            "| {name} | {} | {} | {} | {} | {} | {:.0} ms |",
            f.felt.len(),
            p(&f.from_endpoint),
            p(&f.recogniser_lag),
            p(&f.from_transcript),
            p(&f.felt),
            f.final_result_us as f64 / 1000.0 / f.utterances.max(1) as f64,
        );
    }
    println!(
        "\nrobot CPU: {:.1} s over {:.1} call-minutes = {:.1} CPU-seconds per call-minute ({:.1} % of one core per call)",
        cpu,
        call_seconds / 60.0,
        cpu / (call_seconds / 60.0).max(f64::EPSILON),
        100.0 * cpu / call_seconds.max(f64::EPSILON),
    );
    println!("(the felt latency includes the endpointer's trailing silence; targets on 2 cores: endpoint → packet p95 ≤ 150 ms uncached, ≤ 30 ms cached)");
    Ok(std::process::ExitCode::SUCCESS)
}

fn percentile(sorted: &[u64], p: f64) -> String {
    if sorted.is_empty() {
        return "—".into();
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].to_string()
}

fn free_loopback_addr() -> anyhow::Result<SocketAddr> {
    let socket = UdpSocket::bind("127.0.0.1:0").context("cannot find a free loopback port")?;
    Ok(socket.local_addr()?)
}

fn start_phone(args: &BenchTurnArgs, work: &Path, addr: SocketAddr) -> anyhow::Result<Child> {
    let clip = std::fs::canonicalize(&args.clip)
        .with_context(|| format!("{}: the answer clip is missing", args.clip.display()))?;
    let mut scenario = String::from("ring_ms: 100\nmax_call_ms: 300000\nsteps:\n");
    for _ in 0..args.turns {
        scenario.push_str(&format!("  - play: {}\n", clip.display()));
    }
    scenario.push_str("  - wait_ms: 1500\n  - after: now\n    hangup: true\n");
    let file = work.join("bench-phone.yaml");
    std::fs::write(&file, scenario).with_context(|| format!("{}: cannot write", file.display()))?;
    let exe = std::env::current_exe().context("cannot find the softcall binary")?;
    Command::new(exe)
        .arg("phone")
        .arg("--scenarios")
        .arg(&file)
        .arg("--listen")
        .arg(addr.to_string())
        .args(["--rtp-ports", "43000-43999"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start softcall phone")
}

/// Waits until the phone's SIP port shows in the kernel's socket table, up to 10 s (never by binding it, which
/// could take the port from the starting phone).
fn wait_for_phone(addr: SocketAddr) {
    let wanted = format!(":{:04X}", addr.port());
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let bound = std::fs::read_to_string("/proc/net/udp").is_ok_and(|table| {
            table.lines().skip(1).any(|l| {
                l.split_whitespace()
                    .nth(1)
                    .is_some_and(|local| local.ends_with(&wanted))
            })
        });
        if bound {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// User and system CPU time of this process so far.
fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a complete rusage into the pointer it is given.
    let ok = unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) } == 0;
    if !ok {
        return 0.0;
    }
    // SAFETY: getrusage returned 0, so the struct is initialised.
    let usage = unsafe { usage.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}
