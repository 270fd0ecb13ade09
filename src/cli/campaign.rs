//! `softcall campaign check|plan`: checking campaign files and showing what would be dialled and sent.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::campaign::strategy;

/// `softcall campaign …`
#[derive(Debug, Args)]
pub struct CampaignArgs {
    /// What to do.
    #[command(subcommand)]
    pub what: CampaignWhat,
}

/// Campaign commands.
#[derive(Debug, Subcommand)]
pub enum CampaignWhat {
    /// Check a campaign file: YAML shape, flows that exist, templates, retry policies.
    Check(CheckArgs),
}

/// `softcall campaign check`
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The campaign file (YAML).
    pub file: PathBuf,
    /// Folder with dialogue flows (`<flow>.yaml`).
    #[arg(long, default_value = "dialogs")]
    pub dialogs: PathBuf,
}

/// Runs `softcall campaign`.
pub fn run(args: CampaignArgs) -> anyhow::Result<std::process::ExitCode> {
    match args.what {
        CampaignWhat::Check(a) => {
            let s = strategy::load(&a.file, &a.dialogs)?;
            let steps: usize = s.segments.iter().map(|g| g.ladder.len()).sum();
            println!(
                "{}: strategy `{}` is valid: {} segments, {} steps, {} templates",
                a.file.display(),
                s.name,
                s.segments.len(),
                steps,
                s.templates.len()
            );
            Ok(std::process::ExitCode::SUCCESS)
        }
    }
}
