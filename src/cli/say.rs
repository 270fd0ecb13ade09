//! `softcall say`: renders a prompt the way a caller hears it.

use crate::config::{Config, Need};
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
    let voice = Voice::load_configured(config.voice(lang)?, config)?;
    Ok(Speaker::new(
        Arc::new(voice),
        PromptCache::new(config.prompt_cache_dir()),
    ))
}

/// Runs `softcall say`.
pub fn run(config: &Config, args: SayArgs) -> anyhow::Result<std::process::ExitCode> {
    if args.text.trim().is_empty() {
        anyhow::bail!("nothing to say: give the prompt text, e.g. softcall say \"Добрый день\" --out hello.wav");
    }
    let lang = match args.lang {
        Some(lang) => lang,
        None => super::announce(config.usable_language(Need::Voice)?),
    };
    let speaker = speaker_for(config, Some(&lang))?;
    let samples = speaker.render_prompt(&args.text)?;
    if samples.is_empty() {
        anyhow::bail!(
            "the voice produced no audio for `{}`; nothing was written",
            args.text
        );
    }
    crate::audio::wav::write_mono(&args.out, &samples, crate::audio::frame::SAMPLE_RATE)?;
    println!(
        "{}: {:.2} s of 8 kHz speech ({} sentence(s) synthesised, the rest from the prompt cache)",
        args.out.display(),
        samples.len() as f64 / f64::from(crate::audio::frame::SAMPLE_RATE),
        speaker.synthesis_count()
    );
    Ok(std::process::ExitCode::SUCCESS)
}
