use super::{available, config, rms};
use softcall::tts::cache::PromptCache;
use softcall::tts::speaker::Speaker;
use softcall::tts::voice::{Voice, VoiceOptions};
use std::sync::Arc;

fn english_voice() -> Option<Arc<Voice>> {
    let config = config();
    let path = config.voice(Some("en")).unwrap().to_path_buf();
    available(&path)
        .then(|| Arc::new(Voice::load(&path, &config.espeak_data).expect("voice loads")))
}

#[test]
fn voice_speaks_a_sentence_at_line_rate_with_plausible_duration() {
    let Some(voice) = english_voice() else { return };
    let text = "Hello, this is an automated call from Quick Loans about your overdue payment.";
    let samples = voice.synthesize(text).unwrap();
    let secs = samples.len() as f64 / 8000.0;
    let words = text.split_whitespace().count() as f64;
    assert!(
        (words / 5.0..=words / 1.5).contains(&secs),
        "{words} words took {secs:.2} s"
    );
    assert!(
        rms(&samples) > 0.02,
        "speech is audible, rms {}",
        rms(&samples)
    );
    let loud =
        samples.chunks(160).filter(|f| rms(f) > 0.02).count() as f64 / (samples.len() / 160) as f64;
    assert!(loud > 0.5, "most frames carry speech ({loud:.2})");
}

#[test]
fn cache_returns_identical_audio_without_synthesising_again() {
    let Some(voice) = english_voice() else { return };
    let dir = tempfile::tempdir().unwrap();
    let speaker = Speaker::new(voice.clone(), PromptCache::new(dir.path()));
    let text = "When will you be able to pay?";
    let first = speaker.render(text).unwrap();
    assert_eq!(speaker.synthesis_count(), 1);
    let second = speaker.render(text).unwrap();
    assert_eq!(second, first);
    assert_eq!(
        speaker.synthesis_count(),
        1,
        "a repeated prompt is never synthesised twice"
    );

    // A new process-worth of state with the same cache folder still hits the stored audio.
    let again = Speaker::new(voice, PromptCache::new(dir.path()));
    assert_eq!(again.render(text).unwrap(), first);
    assert_eq!(again.synthesis_count(), 0);
    // The key is the exact text: any change is a different prompt.
    again.render("When will you be able to pay").unwrap();
    assert_eq!(again.synthesis_count(), 1);
}

#[test]
fn prompts_are_rendered_piece_by_piece() {
    let Some(voice) = english_voice() else { return };
    let dir = tempfile::tempdir().unwrap();
    let speaker = Speaker::new(voice, PromptCache::new(dir.path()));
    // The first sentence's opening clause is a piece of its own, so playback starts after one word.
    let prompt = "Thank you, we have recorded your promise. Goodbye!";
    let mut pieces = speaker.pieces(prompt);
    let first = pieces.next().unwrap().unwrap();
    assert_eq!(
        speaker.synthesis_count(),
        1,
        "the first piece is ready before the rest is synthesised"
    );
    assert_eq!(first.pause_frames, 0);
    assert!(rms(&first.samples) > 0.02);
    let rest: Vec<_> = pieces.map(|p| p.unwrap().pause_frames).collect();
    assert_eq!(
        rest,
        vec![0, softcall::tts::sentences::SENTENCE_PAUSE_FRAMES]
    );
    assert_eq!(speaker.synthesis_count(), 3);
    let whole = speaker.render_prompt(prompt).unwrap();
    assert_eq!(
        speaker.synthesis_count(),
        3,
        "the whole prompt reuses the cached pieces"
    );
    assert!(whole.len() > first.samples.len());
}

const CONCURRENT_SENTENCES: [&str; 6] = [
    "Hello, this is an automated call from Quick Loans.",
    "Am I speaking with John Smith?",
    "Your payment is fifteen days overdue.",
    "When will you be able to pay?",
    "Thank you, we have recorded your promise.",
    "Goodbye!",
];

#[test]
fn concurrent_renders_equal_sequential_ones_and_stay_within_the_pool() {
    let config = config();
    let path = config.voice(Some("en")).unwrap().to_path_buf();
    if !available(&path) {
        return;
    }
    let size = 2;
    let options = VoiceOptions {
        synthesizers: size,
        // Piper adds random variation to every synthesis; without it a render is exactly reproducible.
        repeatable: true,
    };
    let voice =
        Arc::new(Voice::load_with(&path, &config.espeak_data, options).expect("voice loads"));
    assert_eq!(voice.synthesizers(), size);
    assert_eq!(
        voice.synthesizers_loaded(),
        1,
        "only one synthesiser is loaded up front"
    );
    let sequential: Vec<Vec<i16>> = CONCURRENT_SENTENCES
        .iter()
        .map(|s| voice.synthesize(s).unwrap())
        .collect();
    assert_eq!(
        voice.synthesize(CONCURRENT_SENTENCES[0]).unwrap(),
        sequential[0],
        "a repeatable voice renders a text the same way twice"
    );
    assert_eq!(
        voice.synthesizers_loaded(),
        1,
        "one caller at a time needs one synthesiser"
    );

    // Six threads, each rendering every sentence through its own speaker (no shared cache), starting at
    // different sentences so different texts overlap.
    let start = Arc::new(std::sync::Barrier::new(CONCURRENT_SENTENCES.len()));
    let threads: Vec<_> = (0..CONCURRENT_SENTENCES.len())
        .map(|t| {
            let (voice, start) = (voice.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let dir = tempfile::tempdir().unwrap();
                let speaker = Speaker::new(voice, PromptCache::new(dir.path()));
                (0..CONCURRENT_SENTENCES.len())
                    .map(|i| {
                        let i = (i + t) % CONCURRENT_SENTENCES.len();
                        (i, speaker.render(CONCURRENT_SENTENCES[i]).unwrap())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        for (i, samples) in thread.join().unwrap() {
            assert!(
                samples == sequential[i],
                "sentence {i} rendered concurrently differs from the sequential render"
            );
        }
    }
    assert_eq!(
        voice.synthesizers_loaded(),
        size,
        "concurrent callers load the pool up to its size, never beyond"
    );
}

/// A configuration whose English voice is the shipped one, with `tts` as its `[tts]` section.
fn configured(dir: &std::path::Path, tts: &str) -> Result<softcall::config::Config, String> {
    let shipped = config();
    let path = dir.join("softcall.toml");
    std::fs::write(
        &path,
        format!(
            "default_language = \"en\"\nespeak_data = {:?}\n[languages.en]\nasr_model = {:?}\nvoice = {:?}\n{tts}",
            shipped.espeak_data,
            shipped.language(Some("en")).unwrap().asr_model,
            shipped.voice(Some("en")).unwrap(),
        ),
    )
    .unwrap();
    softcall::config::Config::load(&path).map_err(|e| e.to_string())
}

#[test]
fn the_configured_pool_size_bounds_the_voices_synthesisers() {
    let path = config().voice(Some("en")).unwrap().to_path_buf();
    if !available(&path) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let e = configured(dir.path(), "[tts]\npool_size = 0\n").unwrap_err();
    assert!(
        e.contains("softcall.toml: [tts]: tts.pool_size = 0: a voice needs at least 1 synthesiser"),
        "{e}"
    );

    let config = configured(dir.path(), "[tts]\npool_size = 3\n").unwrap();
    let voice =
        Arc::new(Voice::load_configured(config.voice(Some("en")).unwrap(), &config).unwrap());
    assert_eq!(voice.synthesizers(), 3);
    // Six callers at once: the pool grows to its size and no further.
    let start = Arc::new(std::sync::Barrier::new(6));
    let threads: Vec<_> = (0..6)
        .map(|i| {
            let (voice, start) = (voice.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                voice.synthesize(CONCURRENT_SENTENCES[i]).unwrap()
            })
        })
        .collect();
    for thread in threads {
        assert!(!thread.join().unwrap().is_empty());
    }
    let loaded = voice.synthesizers_loaded();
    assert!((2..=3).contains(&loaded), "{loaded} synthesisers loaded");

    let config = configured(dir.path(), "").unwrap();
    let voice = Voice::load_configured(config.voice(Some("en")).unwrap(), &config).unwrap();
    assert_eq!(
        voice.synthesizers(),
        softcall::tts::pool::default_size(),
        "no [tts] section: the machine's default"
    );
}
