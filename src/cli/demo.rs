//! `softcall demo`: the main end-to-end run of what softcall does.
//!
//! Renders the robot's opening prompt with the configured voice (through the prompt cache), then replays the
//! recorded debtor clips through the call's listening pipeline and prints transcripts with a WER summary.

use super::qa::{self, QaCommand, ReplayArgs};
use super::say::speaker_for;
use crate::config::Config;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `softcall demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Language of the robot's voice.
    #[arg(long, default_value = "en")]
    pub voice_lang: String,
    /// Folder of recorded debtor clips to replay.
    #[arg(long, default_value = "audio-fixtures")]
    pub fixtures: PathBuf,
}

const GREETING: &str = "Hello, this is an automated call from Quick Loans, official phone one eight hundred five five five \
                        zero one nine nine. Am I speaking with John Smith?";

/// Runs the demo.
pub fn run(config: &Config, args: DemoArgs) -> anyhow::Result<std::process::ExitCode> {
    println!(
        "== 1. The robot speaks: Piper voice at the 8 kHz line rate, through the prompt cache"
    );
    let speaker = speaker_for(config, Some(&args.voice_lang))?;
    let started = std::time::Instant::now();
    let samples = speaker.render_prompt(GREETING)?;
    let out = config.data_dir.join("demo-greeting.wav");
    std::fs::create_dir_all(&config.data_dir)?;
    crate::audio::wav::write_mono(&out, &samples, crate::audio::frame::SAMPLE_RATE)?;
    println!(
        "   \"{GREETING}\"\n   → {} ({:.1} s of audio in {:.2} s; {} sentence(s) synthesised, others cached)\n",
        out.display(),
        samples.len() as f64 / 8000.0,
        started.elapsed().as_secs_f64(),
        speaker.synthesis_count()
    );
    println!("== 2. The robot listens: debtor recordings through VAD → endpointing → Vosk, scored against references\n");
    qa::run(
        config,
        QaCommand::Replay(ReplayArgs {
            path: args.fixtures,
            lang: None,
            json: false,
        }),
    )
}
