//! `softcall nlu`: understands utterances from the command line or a file and prints JSON.

use crate::dialog::nlu::{explain, Lang, Understanding};
use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Args;
use std::io::{BufRead, Write};
use std::path::PathBuf;

/// Arguments of `softcall nlu`.
#[derive(Debug, Args)]
pub struct NluArgs {
    /// Language of the utterances (ru or en).
    #[arg(long, default_value = "ru")]
    pub lang: Lang,
    /// The call date dates are resolved against (YYYY-MM-DD); defaults to today's local date.
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// Reads one utterance per line from FILE ("-" for standard input) and prints one JSON line each.
    #[arg(long, value_name = "FILE")]
    pub batch: Option<PathBuf>,
    /// Also prints the lexicon rules that matched, to standard error.
    #[arg(long)]
    pub explain: bool,
    /// The utterance to understand.
    pub text: Option<String>,
}

/// Runs `softcall nlu`.
pub fn run(args: NluArgs) -> anyhow::Result<std::process::ExitCode> {
    let today = args
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match (&args.batch, &args.text) {
        (Some(_), Some(_)) => bail!("give either an utterance or --batch FILE, not both"),
        (None, None) => bail!("give an utterance to understand, or --batch FILE with one per line"),
        (None, Some(text)) => {
            writeln!(out, "{}", line_for(text, args.lang, today, args.explain)?)?;
        }
        (Some(path), None) => {
            let reader: Box<dyn BufRead> = if path.as_os_str() == "-" {
                Box::new(std::io::BufReader::new(std::io::stdin()))
            } else {
                let file = std::fs::File::open(path).with_context(|| {
                    format!(
                        "cannot open {} (give a text file with one utterance per line)",
                        path.display()
                    )
                })?;
                Box::new(std::io::BufReader::new(file))
            };
            for (n, line) in reader.lines().enumerate() {
                let line = line.with_context(|| {
                    format!(
                        "{}:{}: cannot read the line (is the file UTF-8 text?)",
                        path.display(),
                        n + 1
                    )
                })?;
                let text = line.trim_end_matches('\r');
                writeln!(out, "{}", line_for(text, args.lang, today, args.explain)?)?;
            }
        }
    }
    out.flush()?;
    Ok(std::process::ExitCode::SUCCESS)
}

fn line_for(text: &str, lang: Lang, today: NaiveDate, show_rules: bool) -> anyhow::Result<String> {
    let exp = explain(text, lang, today);
    if show_rules {
        for hit in &exp.hits {
            eprintln!(
                "  {} {} (line {}): {}",
                hit.section, hit.weight, hit.line, hit.pattern
            );
        }
    }
    Ok(to_json(&exp.understanding)?)
}

/// The JSON line for one understanding: `{"text","intent","date","amount"}` in that order.
pub fn to_json(u: &Understanding) -> serde_json::Result<String> {
    #[derive(serde::Serialize)]
    struct Line<'a> {
        text: &'a str,
        intent: &'static str,
        date: Option<String>,
        amount: Option<serde_json::Number>,
    }
    let amount = u.amount.and_then(|a| {
        if a.fract() == 0.0 && a.abs() < 9.0e15 {
            Some(serde_json::Number::from(a as i64))
        } else {
            serde_json::Number::from_f64(a)
        }
    });
    serde_json::to_string(&Line {
        text: &u.text,
        intent: u.intent.name(),
        date: u.date.map(|d| d.format("%Y-%m-%d").to_string()),
        amount,
    })
}
