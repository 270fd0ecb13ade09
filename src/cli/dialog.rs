//! `softcall dialog …`: check, render and chat with dialogue flows.

use crate::dialog::check::{check_file, has_errors, Severity};
use crate::dialog::context::DebtorFile;
use crate::dialog::engine::{Action, Engine, Event, PromiseMade, Turn};
use crate::dialog::flow::Flow;
use crate::dialog::nlu::understand_for;
use crate::dialog::render;
use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `softcall dialog`.
#[derive(Debug, Args)]
pub struct DialogArgs {
    /// What to do with the flow.
    #[command(subcommand)]
    pub command: DialogCommand,
}

/// The `dialog` subcommands.
#[derive(Debug, Subcommand)]
pub enum DialogCommand {
    /// Validate flow files; exits non-zero when any has an error.
    Check {
        /// Flow files (YAML).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Draw a flow as Mermaid, Graphviz dot or SVG.
    Render {
        /// Flow file.
        file: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value = "mermaid")]
        format: RenderFormat,
        /// Write here instead of standard output.
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Talk to a flow in the terminal: type text, `#5` for a key, an empty line for silence.
    Chat {
        /// Flow file.
        file: PathBuf,
        /// Debtor record (JSON; see dialogs/README.md).
        #[arg(long)]
        debtor: PathBuf,
        /// Call date (YYYY-MM-DD) in the debtor's time zone; default today.
        #[arg(long)]
        today: Option<NaiveDate>,
        /// Run these turns (one per line) and print the path and outcome as JSON.
        #[arg(long)]
        script: Option<PathBuf>,
    },
}

/// Drawing formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RenderFormat {
    /// Mermaid flowchart.
    Mermaid,
    /// Graphviz dot.
    Dot,
    /// Standalone SVG.
    Svg,
}

/// Runs `softcall dialog …`.
pub fn run(args: DialogArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        DialogCommand::Check { files } => Ok(check(&files)),
        DialogCommand::Render {
            file,
            format,
            output,
        } => {
            // A drawing of a broken flow would silently drop what is wrong: check it first, as `dialog check`.
            if !passes_check(&file) {
                bail!(
                    "{} does not pass `softcall dialog check`; fix the errors above, then render",
                    file.display()
                );
            }
            let flow = Flow::load(&file)?;
            let text = match format {
                RenderFormat::Mermaid => render::mermaid(&flow),
                RenderFormat::Dot => render::dot(&flow),
                RenderFormat::Svg => render::svg(&flow),
            };
            match output {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        DialogCommand::Chat {
            file,
            debtor,
            today,
            script,
        } => chat(&file, &debtor, today, script.as_deref()),
    }
}

fn check(files: &[PathBuf]) -> ExitCode {
    let mut failed = false;
    for file in files {
        let diagnostics = check_file(file);
        for d in &diagnostics {
            eprintln!("{d}");
        }
        let errors = diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        let warnings = diagnostics.len() - errors;
        if has_errors(&diagnostics) {
            failed = true;
            eprintln!(
                "{}: FAILED ({errors} errors, {warnings} warnings)",
                file.display()
            );
        } else {
            println!("{}: ok ({warnings} warnings)", file.display());
        }
    }
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// Runs the checks of `dialog check` on `file`, printing its errors as `dialog check` does; true when none.
fn passes_check(file: &Path) -> bool {
    let diagnostics = check_file(file);
    for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        eprintln!("{d}");
    }
    !has_errors(&diagnostics)
}

/// One typed or scripted turn.
enum Input {
    Text(String, f64),
    Key(char),
    Silence,
    HangUp,
}

fn parse_input(line: &str) -> anyhow::Result<Input> {
    let line = line.trim();
    if line.is_empty() || line == "(silence)" {
        return Ok(Input::Silence);
    }
    if line == "(hangup)" {
        return Ok(Input::HangUp);
    }
    if let Some(key) = line.strip_prefix('#') {
        let mut chars = key.chars();
        return match (chars.next(), chars.next()) {
            (Some(k), None) if k.is_ascii_digit() || k == '*' || k == '#' => Ok(Input::Key(k)),
            _ => bail!("`{line}` is not a key press; write `#0`…`#9`, `#*` or `##`"),
        };
    }
    // "text @0.3" simulates a recogniser confidence.
    if let Some((text, conf)) = line.rsplit_once(" @") {
        if let Ok(c) = conf.trim().parse::<f64>() {
            return Ok(Input::Text(text.trim().to_string(), c));
        }
    }
    Ok(Input::Text(line.to_string(), 1.0))
}

fn call_start(ctx_tz: &chrono_tz::Tz, today: Option<NaiveDate>) -> DateTime<Utc> {
    match today
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .and_then(|t| ctx_tz.from_local_datetime(&t).earliest())
    {
        Some(local) => local.with_timezone(&Utc),
        None => Utc::now(),
    }
}

fn chat(
    file: &Path,
    debtor: &Path,
    today: Option<NaiveDate>,
    script: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    if !passes_check(file) {
        bail!("{} does not pass `softcall dialog check`", file.display());
    }
    let flow = Flow::load(file)?;
    let record = DebtorFile::load(debtor)?;
    let tz: chrono_tz::Tz = record.timezone.parse().map_err(|_| {
        anyhow::anyhow!(
            "unknown time zone `{}` in {}",
            record.timezone,
            debtor.display()
        )
    })?;
    let now = call_start(&tz, today);
    let ctx = record.into_context(now)?;
    // The flow is written in one language; it decides understanding and speech.
    let lang = flow.lang;
    if ctx.lang != lang {
        eprintln!(
            "warning: the debtor's language is `{}` but {} is written in `{}`; pick the flow for the debtor's language",
            ctx.lang.code(),
            file.display(),
            lang.code()
        );
    }
    let call_date = ctx.today();
    let debtor_name = ctx.debtor.full_name.clone();
    let (mut engine, actions) = Engine::start(flow, ctx);
    let mut all_actions = actions.clone();
    let interactive = script.is_none();
    if interactive {
        print_actions(&actions);
    }
    let lines: Box<dyn Iterator<Item = std::io::Result<String>>> = match script {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read script {}", path.display()))?;
            let owned: Vec<std::io::Result<String>> = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| Ok(l.to_string()))
                .collect();
            Box::new(owned.into_iter())
        }
        None => Box::new(std::io::stdin().lock().lines()),
    };
    let mut clock = now;
    let mut lines = lines;
    while !engine.is_finished() {
        // The prompts are taken as played before the debtor answers.
        engine.handle(Event::PlaybackFinished, clock);
        if interactive {
            print!("you> ");
            std::io::stdout().flush()?;
        }
        let Some(line) = lines.next() else { break };
        let line = line?;
        clock += chrono::Duration::seconds(10);
        let node = engine.current_node().to_string();
        let event = match parse_input(&line)? {
            Input::Text(text, confidence) => {
                if interactive {
                    let u = understand_for(&text, lang, call_date, &debtor_name);
                    println!(
                        "  [node: {node} | intent: {} | date: {} | amount: {}{}]",
                        u.intent.name(),
                        u.date.map_or("-".to_string(), |d| d.to_string()),
                        u.amount.map_or("-".to_string(), |a| a.to_string()),
                        if confidence < 1.0 {
                            format!(" | confidence: {confidence}")
                        } else {
                            String::new()
                        }
                    );
                }
                Event::Utterance { text, confidence }
            }
            Input::Key(k) => {
                if interactive {
                    println!("  [node: {node} | key: {k}]");
                }
                Event::Dtmf(k)
            }
            Input::Silence => {
                if interactive {
                    println!("  [node: {node} | silence]");
                }
                Event::SilenceTimeout
            }
            Input::HangUp => Event::HungUp,
        };
        let actions = engine.handle(event, clock);
        if interactive {
            print_actions(&actions);
        }
        all_actions.extend(actions);
    }
    let ending = engine.ending().cloned();
    if interactive {
        match &ending {
            Some(e) => println!(
                "== outcome: {}{}",
                e.outcome.as_str(),
                e.reason
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
            None => println!("== the conversation is not finished"),
        }
    } else {
        let summary = engine.summary();
        let report = ChatReport {
            flow: &summary.flow,
            path: &summary.path,
            turns: &summary.turns,
            actions: &all_actions,
            outcome: ending.as_ref().map(|e| e.outcome.as_str()),
            reason: ending.as_ref().and_then(|e| e.reason.as_deref()),
            promise: summary.promise.as_ref(),
            finished: engine.is_finished(),
        };
        let json = serde_json::to_string_pretty(&report)
            .context("cannot write the conversation as JSON")?;
        println!("{json}");
    }
    Ok(ExitCode::SUCCESS)
}

/// What `dialog chat --script` prints: the path walked, every turn and action, and how the call ended.
#[derive(Serialize)]
struct ChatReport<'a> {
    flow: &'a str,
    path: &'a [String],
    turns: &'a [Turn],
    actions: &'a [Action],
    outcome: Option<&'a str>,
    reason: Option<&'a str>,
    promise: Option<&'a PromiseMade>,
    finished: bool,
}

fn print_actions(actions: &[Action]) {
    for a in actions {
        match a {
            Action::Say {
                text,
                interruptible,
            } => {
                println!(
                    "robot> {text}{}",
                    if *interruptible {
                        ""
                    } else {
                        "  [not interruptible]"
                    }
                )
            }
            Action::Listen { .. } | Action::StopPlayback => {}
            Action::Handoff { reason } => println!("  -> hand off to an agent ({reason})"),
            Action::Hangup { outcome } => println!("  -> hang up: {}", outcome.as_str()),
            Action::RecordPromise { date, amount } => println!(
                "  -> promise recorded: {date}{}",
                amount.map(|a| format!(", {a}")).unwrap_or_default()
            ),
            Action::Flag { flag } => println!("  -> flag: {flag}"),
            Action::ScheduleCallback { at } => println!("  -> callback at {at}"),
        }
    }
}
