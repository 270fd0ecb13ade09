//! `softcall compliance explain`: asks the compliance policy about one debtor, channel and moment.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand, ValueEnum};
use serde::Serialize;

use crate::campaign::compliance::{
    parse_debtor, parse_history, Channel, Counting, Policy, Profile, Settings, Windows,
};

/// `softcall compliance …` commands.
#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// Says whether a contact is allowed at a moment, why, and when it next will be.
    Explain(ExplainArgs),
}

/// Arguments of `softcall compliance explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// Debtor facts (JSON: time_zone, flags, refusal_of_interaction, stop_calls); the history adds its own
    /// (a `stop_calls` or `formal_refusal` outcome), as in a campaign.
    #[arg(long)]
    pub debtor: PathBuf,
    /// Contact history (JSON array of {at, channel, kind, outcome}).
    #[arg(long)]
    pub history: PathBuf,
    /// The moment to ask about (RFC 3339, e.g. 2026-11-23T18:30:00Z).
    #[arg(long)]
    pub at: DateTime<Utc>,
    /// Jurisdiction profile: ru-230fz or us-regf.
    #[arg(long, default_value = "ru-230fz")]
    pub profile: String,
    /// Channel of the contact.
    #[arg(long, value_enum, default_value = "call")]
    pub channel: ChannelArg,
    /// What counts toward interaction limits.
    #[arg(long, value_enum, default_value = "every-attempt")]
    pub counting: CountingArg,
    /// Rolling or calendar day/week/month windows.
    #[arg(long, value_enum, default_value = "rolling")]
    pub windows: WindowsArg,
    /// Let e-mails bypass the text-message limits (by default they share them).
    #[arg(long)]
    pub email_outside_message_limits: bool,
    /// Calls start at least this many minutes before the hours close (0: up to the closing time).
    #[arg(long, default_value_t = 10)]
    pub call_end_margin_minutes: u32,
}

/// A channel on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    /// A phone call.
    Call,
    /// A text message.
    Sms,
    /// An e-mail.
    Email,
    /// A recorded voice message.
    VoiceMessage,
}

/// The counting setting on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum CountingArg {
    /// Every attempt counts (stricter).
    EveryAttempt,
    /// Only conversations and delivered messages count.
    Conversations,
}

/// The window setting on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WindowsArg {
    /// Sliding windows ending at the moment (stricter).
    Rolling,
    /// Calendar days, Monday–Sunday weeks, calendar months.
    Calendar,
}

#[derive(Serialize)]
struct Output<'a> {
    allowed: bool,
    reason: &'a str,
    next_allowed_at: Option<DateTime<Utc>>,
}

/// Runs a `softcall compliance` command.
pub fn run(command: ComplianceCommand) -> anyhow::Result<ExitCode> {
    match command {
        ComplianceCommand::Explain(args) => explain(args),
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn explain(args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let Some(profile) = Profile::by_name(&args.profile) else {
        bail!(
            "unknown profile `{}` (use one of: {})",
            args.profile,
            Profile::NAMES.join(", ")
        );
    };
    let debtor =
        parse_debtor(&read(&args.debtor)?).with_context(|| format!("{}", args.debtor.display()))?;
    let history = parse_history(&read(&args.history)?)
        .with_context(|| format!("{}", args.history.display()))?;
    let debtor = debtor.learn_from_history(history.iter().filter_map(|c| c.outcome.as_deref()));
    let settings = Settings {
        counting: match args.counting {
            CountingArg::EveryAttempt => Counting::EveryAttempt,
            CountingArg::Conversations => Counting::Conversations,
        },
        windows: match args.windows {
            WindowsArg::Rolling => Windows::Rolling,
            WindowsArg::Calendar => Windows::Calendar,
        },
        email_counts_as_message: !args.email_outside_message_limits,
        call_end_margin_minutes: args.call_end_margin_minutes,
    };
    let channel = match args.channel {
        ChannelArg::Call => Channel::Call,
        ChannelArg::Sms => Channel::Sms,
        ChannelArg::Email => Channel::Email,
        ChannelArg::VoiceMessage => Channel::VoiceMessage,
    };
    let decision = Policy::new(profile, settings).decide(&debtor, &history, channel, args.at);
    let out = Output {
        allowed: decision.allowed,
        reason: &decision.reason,
        next_allowed_at: decision.next_allowed_at,
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(ExitCode::SUCCESS)
}
