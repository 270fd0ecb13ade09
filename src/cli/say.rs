//! `softcall say`: renders a prompt the way a caller hears it.

use crate::config::Config;
use crate::tts::cache::PromptCache;
use crate::tts::speaker::Speaker;
use crate::tts::voice::Voice;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;

/// Arguments of `softcall say`.
#[derive(Debug, Args)]
pub struct SayArgs {
    /// The text to speak.
    pub text: String,
    /// Language whose voice speaks (default: default_language of softcall.toml).
    #[arg(long)]
    pub lang: Option<String>,
    /// Output WAV file (8 kHz mono 16-bit).
    #[arg(long)]
    pub out: PathBuf,
}

/// Loads the voice of `lang` with the configured prompt cache.
pub(crate) fn speaker_for(config: &Config, lang: Option<&str>) -> anyhow::Result<Speaker> {
    let voice = Voice::load(config.voice(lang)?, &config.espeak_data)?;
    Ok(Speaker::new(
        Arc::new(voice),
        PromptCache::new(config.prompt_cache_dir()),
    ))
}

/// Runs `softcall say`.
pub fn run(config: &Config, args: SayArgs) -> anyhow::Result<std::process::ExitCode> {
    let speaker = speaker_for(config, args.lang.as_deref())?;
    let samples = speaker.render_prompt(&args.text)?;
    crate::audio::wav::write_mono(&args.out, &samples, crate::audio::frame::SAMPLE_RATE)?;
    println!(
        "{}: {:.2} s of 8 kHz speech ({} sentence(s) synthesised, the rest from the prompt cache)",
        args.out.display(),
        samples.len() as f64 / f64::from(crate::audio::frame::SAMPLE_RATE),
        speaker.synthesis_count()
    );
    Ok(std::process::ExitCode::SUCCESS)
}
