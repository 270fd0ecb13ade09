//! `softcall demo`: the main end-to-end run of what softcall does.
//!
//! 1. The robot holds a soft-collection conversation: the shipped English flow walks a scripted debtor's
//!    answers through understanding and the dialogue engine, and every prompt is spoken by the Piper voice at
//!    the 8 kHz line rate (through the prompt cache) into one recording of the robot's side.
//! 2. The robot listens: recorded debtor clips go through the call's listening pipeline (VAD → endpointing →
//!    Vosk) and are scored against their reference transcripts.

use super::qa::{self, QaCommand, ReplayArgs};
use super::say::speaker_for;
use crate::audio::frame::{FRAME_SAMPLES, SAMPLE_RATE};
use crate::config::Config;
use crate::dialog::context::DebtorFile;
use crate::dialog::engine::{Action, Engine, Event};
use crate::dialog::flow::Flow;
use crate::dialog::nlu::understand;
use crate::tts::speaker::Speaker;
use chrono::{TimeZone, Utc};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `softcall demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Dialogue flow the robot follows.
    #[arg(long, default_value = "dialogs/soft_collection_en.yaml")]
    pub flow: PathBuf,
    /// The debtor called.
    #[arg(long, default_value = "dialogs/examples/debtor_en.json")]
    pub debtor: PathBuf,
    /// Language of the robot's voice.
    #[arg(long, default_value = "en")]
    pub voice_lang: String,
    /// Folder of recorded debtor clips to replay.
    #[arg(long, default_value = "audio-fixtures")]
    pub fixtures: PathBuf,
}

/// What the scripted debtor says, turn by turn.
const DEBTOR_TURNS: [&str; 5] = [
    "yes speaking",
    "oh right I forgot about it",
    "I can pay on friday",
    "yes that's right",
    "thanks bye",
];

/// Runs the demo.
pub fn run(config: &Config, args: DemoArgs) -> anyhow::Result<std::process::ExitCode> {
    println!(
        "== 1. A soft-collection conversation: {} with {}",
        args.flow.display(),
        args.debtor.display()
    );
    let speaker = speaker_for(config, Some(&args.voice_lang))?;
    let flow = Flow::load(&args.flow)?;
    let lang = flow.lang;
    let now = Utc
        .with_ymd_and_hms(2026, 11, 23, 16, 0, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let ctx = DebtorFile::load(&args.debtor)?.into_context(now)?;
    let today = ctx.today();
    let (mut engine, mut actions) = Engine::start(flow, ctx);
    let mut robot_audio = Vec::new();
    let mut turns = DEBTOR_TURNS.iter();
    let mut clock = now;
    loop {
        voice_actions(&speaker, &actions, &mut robot_audio)?;
        if engine.is_finished() {
            break;
        }
        engine.handle(Event::PlaybackFinished, clock);
        let Some(text) = turns.next() else { break };
        clock += chrono::Duration::seconds(8);
        let heard = understand(text, lang, today);
        println!(
            "debtor> {text}\n        [intent {}{}{}]",
            heard.intent.name(),
            heard
                .date
                .map(|d| format!(", date {d}"))
                .unwrap_or_default(),
            heard
                .amount
                .map(|a| format!(", amount {a}"))
                .unwrap_or_default()
        );
        actions = engine.handle(
            Event::Utterance {
                text: text.to_string(),
                confidence: 0.9,
            },
            clock,
        );
    }
    let summary = engine.summary();
    println!(
        "== outcome: {}; path: {}",
        engine.ending().map_or("unfinished", |e| e.outcome.as_str()),
        summary.path.join(" → ")
    );
    std::fs::create_dir_all(&config.data_dir)?;
    let out = config.data_dir.join("demo-robot.wav");
    crate::audio::wav::write_mono(&out, &robot_audio, SAMPLE_RATE)?;
    println!(
        "   the robot's side: {} ({:.1} s of 8 kHz speech; {} sentence(s) synthesised, the rest from the prompt cache)\n",
        out.display(),
        robot_audio.len() as f64 / f64::from(SAMPLE_RATE),
        speaker.synthesis_count()
    );
    println!("== 2. Listening: debtor recordings through VAD → endpointing → Vosk, scored against references\n");
    qa::run(
        config,
        QaCommand::Replay(ReplayArgs {
            path: args.fixtures,
            lang: None,
            json: false,
            channel: None,
            asr: super::qa::AsrSource::Recognizer,
            junit: None,
        }),
    )
}

/// Prints the engine's actions and speaks its prompts, with half a second of silence after each.
fn voice_actions(
    speaker: &Speaker,
    actions: &[Action],
    audio: &mut Vec<i16>,
) -> anyhow::Result<()> {
    for action in actions {
        match action {
            Action::Say { text, .. } => {
                println!("robot>  {text}");
                audio.extend(speaker.render_prompt(text)?);
                audio.extend(std::iter::repeat_n(0i16, FRAME_SAMPLES * 25));
            }
            Action::Handoff { reason } => println!("        → hand off to an agent ({reason})"),
            Action::Hangup { outcome } => println!("        → hang up: {}", outcome.as_str()),
            Action::RecordPromise { date, amount } => println!(
                "        → promise recorded: {date}{}",
                amount.map(|a| format!(", {a}")).unwrap_or_default()
            ),
            Action::Flag { flag } => println!("        → flag: {flag}"),
            Action::ScheduleCallback { at } => println!("        → callback at {at}"),
            Action::Listen { .. } | Action::StopPlayback => {}
        }
    }
    Ok(())
}
