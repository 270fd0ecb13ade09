//! `softcall bench speech`: recognition and synthesis speed, VAD cost, and what VAD gating saves.

use crate::asr::listener::Listener;
use crate::asr::model::AsrModel;
use crate::asr::recognizer::Recognizer;
use crate::audio::endpoint::Endpointer;
use crate::audio::frame::{frames_of, SAMPLE_RATE};
use crate::audio::resample::resample;
use crate::audio::vad::VoiceDetector;
use crate::audio::wav::{read_channel, ChannelPick};
use crate::config::Config;
use crate::qa::fixture::{find_wavs, Clip};
use crate::qa::replay::listen_all;
use crate::tts::cache::PromptCache;
use crate::tts::speaker::Speaker;
use crate::tts::voice::{Voice, VoiceOptions};
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Arguments of `softcall bench speech`.
#[derive(Debug, Args)]
pub struct BenchSpeechArgs {
    /// Language whose recognition model is measured.
    #[arg(long, default_value = "ko")]
    pub asr_lang: String,
    /// Language whose voice is measured.
    #[arg(long, default_value = "en")]
    pub voice_lang: String,
    /// Clips whose NAME.json language matches --asr-lang are decoded for the recognition figure.
    #[arg(long, default_value = "audio-fixtures")]
    pub fixtures: PathBuf,
    /// A two-party call recording (left: debtor, right: robot) for the VAD and gating figures.
    #[arg(long, default_value = "audio-fixtures/bench/call-two-party-60s.wav")]
    pub call: PathBuf,
    /// Synthesisers of the voice, and threads rendering at once in the concurrent figure
    /// (default: `[tts] pool_size` of softcall.toml, else the available cores, at most 8).
    #[arg(long)]
    pub synthesizers: Option<usize>,
}

const SENTENCES: [&str; 6] = [
    "Hello, this is an automated call from Quick Loans.",
    "Am I speaking with John Smith?",
    "Your payment of one thousand two hundred fifty dollars is fifteen days overdue.",
    "Late payments add penalties and may be reported to credit bureaus.",
    "When will you be able to pay?",
    "Thank you, we have recorded your promise to pay on November twenty fifth.",
];

/// Runs the speech benchmark and prints figures.
pub fn run(config: &Config, args: BenchSpeechArgs) -> anyhow::Result<std::process::ExitCode> {
    println!("softcall bench speech — {}", machine());
    println!("(release build recommended: cargo build --release; figures are wall-clock on this machine)\n");

    let started = Instant::now();
    let model = AsrModel::load(&config.language(Some(&args.asr_lang))?.asr_model)?;
    println!(
        "recognition model {} loaded in {:.2} s",
        model.path().display(),
        started.elapsed().as_secs_f64()
    );
    recognition_rtf(&model, &args)?;

    let started = Instant::now();
    let mut options = VoiceOptions::configured(&config.tts);
    if let Some(synthesizers) = args.synthesizers {
        options.synthesizers = synthesizers.max(1);
    }
    let voice = Arc::new(Voice::load_with(
        config.voice(Some(&args.voice_lang))?,
        &config.espeak_data,
        options,
    )?);
    println!(
        "voice {} loaded in {:.2} s",
        voice.id(),
        started.elapsed().as_secs_f64()
    );
    synthesis_rtf(voice.clone())?;
    first_audio(&voice)?;
    synthesis_throughput(&voice)?;

    let call = read_channel(&args.call, ChannelPick::Left)?;
    let debtor = resample(&call.samples, call.sample_rate, SAMPLE_RATE)?;
    println!(
        "\ncall recording {} ({:.1} s, debtor channel)",
        args.call.display(),
        call.duration_secs()
    );
    vad_cost(config, &debtor);
    gating_savings(config, &model, &debtor)?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The machine a figure was measured on: CPU model and cores.
pub(super) fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} core(s); one thread unless a figure says otherwise")
}

fn recognition_rtf(model: &AsrModel, args: &BenchSpeechArgs) -> anyhow::Result<()> {
    let mut audio_secs = 0.0;
    let mut decode_secs = 0.0;
    for wav in find_wavs(&args.fixtures)? {
        let clip = Clip::open(&wav)?;
        if clip.info.lang.as_deref() != Some(args.asr_lang.as_str()) || clip.info.grammar.is_some()
        {
            continue;
        }
        let audio = read_channel(&wav, clip.info.channel.unwrap_or_default())?;
        let samples = resample(&audio.samples, audio.sample_rate, SAMPLE_RATE)?;
        let mut recognizer = Recognizer::new(model, None)?;
        let started = Instant::now();
        for frame in frames_of(&samples) {
            recognizer.accept(&frame);
        }
        recognizer.finish_utterance();
        decode_secs += started.elapsed().as_secs_f64();
        audio_secs += audio.duration_secs();
    }
    if audio_secs == 0.0 {
        println!(
            "recognition: no `{}` clips without grammar under {}",
            args.asr_lang,
            args.fixtures.display()
        );
    } else {
        println!(
            "recognition: {audio_secs:.1} s of audio decoded in {decode_secs:.2} s — real-time factor {:.3}",
            decode_secs / audio_secs
        );
    }
    Ok(())
}

fn synthesis_rtf(voice: Arc<Voice>) -> anyhow::Result<()> {
    let cache_dir = tempfile::tempdir()?;
    let speaker = Speaker::new(voice, PromptCache::new(cache_dir.path()));
    let mut audio_secs = 0.0;
    let started = Instant::now();
    for sentence in SENTENCES {
        audio_secs += speaker.render(sentence)?.len() as f64 / f64::from(SAMPLE_RATE);
    }
    let cold = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for sentence in SENTENCES {
        speaker.render(sentence)?;
    }
    let cached = started.elapsed().as_secs_f64();
    println!(
        "synthesis: {audio_secs:.1} s of speech — cold {cold:.2} s (real-time factor {:.3}), cached {:.4} s (real-time factor {:.5}); synthesiser ran {} times for {} sentences x2",
        cold / audio_secs,
        cached,
        cached / audio_secs,
        speaker.synthesis_count(),
        SENTENCES.len()
    );
    Ok(())
}

/// How long an uncached prompt takes to give its first audio: rendering its whole first sentence, against
/// rendering its first piece (the opening clause on its own, as calls do).
fn first_audio(voice: &Voice) -> anyhow::Result<()> {
    let time = |text: &str| -> anyhow::Result<f64> {
        let started = Instant::now();
        voice.synthesize(text)?;
        Ok(started.elapsed().as_secs_f64() * 1000.0)
    };
    let (mut whole, mut piece) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        for prompt in SENTENCES {
            let sentences = crate::tts::sentences::split_sentences(prompt);
            let pieces = crate::tts::sentences::speech_pieces(prompt);
            if let (Some(s), Some(p)) = (sentences.first(), pieces.first()) {
                whole.push(time(s)?);
                piece.push(time(&p.text)?);
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    println!(
        "first audio of an uncached prompt (median of {}): whole first sentence {:.0} ms, first piece {:.0} ms",
        whole.len(),
        median(&mut whole),
        median(&mut piece)
    );
    Ok(())
}

/// Sentences per second synthesised by one thread, then by one thread per synthesiser at once.
fn synthesis_throughput(voice: &Voice) -> anyhow::Result<()> {
    let threads = voice.synthesizers();
    let rounds = 2;
    // Load every synthesiser before timing: the first concurrent use loads the rest.
    let started = Instant::now();
    render_concurrently(voice, threads, 1)?;
    let warm = started.elapsed().as_secs_f64();
    let started = Instant::now();
    for _ in 0..rounds {
        for sentence in SENTENCES {
            voice.synthesize(sentence)?;
        }
    }
    let one = (rounds * SENTENCES.len()) as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    let rendered = render_concurrently(voice, threads, rounds)?;
    let many = rendered as f64 / started.elapsed().as_secs_f64();
    println!(
        "synthesis throughput: 1 thread {one:.2} sentences/s; {threads} threads at once {many:.2} sentences/s ({:.2}x; {} synthesisers loaded, warm-up {warm:.2} s)",
        many / one,
        voice.synthesizers_loaded()
    );
    Ok(())
}

/// `threads` threads each synthesise every sentence `rounds` times; returns the sentences rendered.
fn render_concurrently(voice: &Voice, threads: usize, rounds: usize) -> anyhow::Result<usize> {
    let start = std::sync::Barrier::new(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let start = &start;
                scope.spawn(move || -> anyhow::Result<usize> {
                    start.wait();
                    for i in 0..rounds * SENTENCES.len() {
                        // Threads start at different sentences so different texts overlap.
                        voice.synthesize(SENTENCES[(i + t) % SENTENCES.len()])?;
                    }
                    Ok(rounds * SENTENCES.len())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .map_err(|_| anyhow::anyhow!("a synthesis thread panicked"))?
            })
            .sum()
    })
}

fn vad_cost(config: &Config, samples: &[i16]) {
    let frames = frames_of(samples);
    let mut vad = VoiceDetector::new(config.listen.vad);
    let mut endpointer = Endpointer::new(config.listen.endpoint, config.listen.vad.hangover_ms());
    let rounds = 20;
    let started = Instant::now();
    let mut voiced = 0usize;
    for _ in 0..rounds {
        for frame in &frames {
            let v = vad.is_voiced(frame);
            voiced += usize::from(v);
            std::hint::black_box(endpointer.push(frame, v));
        }
    }
    let per_frame = started.elapsed().as_secs_f64() / (rounds * frames.len()).max(1) as f64;
    println!(
        "VAD + endpointer: {:.2} µs per 20 ms frame ({} frames x {rounds}; {:.0}% voiced)",
        per_frame * 1e6,
        frames.len(),
        100.0 * voiced as f64 / (rounds * frames.len()).max(1) as f64
    );
}

fn gating_savings(config: &Config, model: &AsrModel, samples: &[i16]) -> anyhow::Result<()> {
    let mut recognizer = Recognizer::new(model, None)?;
    let started = Instant::now();
    for frame in frames_of(samples) {
        recognizer.accept(&frame);
    }
    recognizer.finish_utterance();
    let ungated = started.elapsed().as_secs_f64();

    let mut listener = Listener::new(model, None, config.listen.vad, config.listen.endpoint)?;
    let started = Instant::now();
    let utterances = listen_all(&mut listener, samples);
    let gated = started.elapsed().as_secs_f64();
    let stats = listener.stats();
    println!(
        "VAD gating: recogniser fed {:.0}% of frames ({} of {}, {} utterances); decode time {ungated:.2} s ungated vs {gated:.2} s gated — {:.0}% of recogniser CPU saved",
        100.0 * stats.frames_recognised as f64 / stats.frames_in.max(1) as f64,
        stats.frames_recognised,
        stats.frames_in,
        utterances.len(),
        100.0 * (1.0 - gated / ungated.max(1e-9))
    );
    Ok(())
}
