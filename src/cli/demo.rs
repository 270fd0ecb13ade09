//! `softcall demo`: the main job on a fresh machine — a real campaign end to end. An embedded store (SQLite in
//! a data folder) gets a small debtor list; a simulated debtor phone (`softcall phone`) answers on loopback
//! with one scenario per debtor (and plays the agent queue); the campaign runs with real SIP, RTP, the
//! recogniser and the Piper voice; a results table ends it.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{Timelike, Utc};
use clap::Args;

use super::campaign_run::{ready_flows, Progress};
use super::plural;
use crate::call::config::CallConfig;
use crate::call::live::MediaSettings;
use crate::call::stop::StopSwitch;
use crate::campaign::compliance::{Policy, Profile, Settings};
use crate::campaign::import::values::format_amount;
use crate::campaign::strategy;
use crate::config::Config;
use crate::ops::dial::{Dialler, Route};
use crate::ops::lists::{import_debtors, DebtorImport};
use crate::ops::run::tally::RunTally;
use crate::ops::run::{run, RunSettings};
use crate::phone::{Phone, PhoneConfig, ScenarioBook};
use crate::sip::driver::{self, DriverConfig};
use crate::sip::transaction::Timers;
use crate::store::Store;

/// Arguments of `softcall demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Keep the demo's data folder (database, recordings, reports) in `<data_dir>/demo` for a look.
    #[arg(long)]
    pub keep: bool,
    /// The demo's campaign file, debtor phone scenarios in `phones/` beside it.
    #[arg(long, default_value = "examples/demo/campaign.yaml")]
    pub campaign: PathBuf,
}

/// One demo debtor: who they are and what their phone does.
struct DemoDebtor {
    id: &'static str,
    name: &'static str,
    phone: &'static str,
    amount: &'static str,
    scenario: &'static str,
}

const DEBTORS: [DemoDebtor; 7] = [
    DemoDebtor {
        id: "D-01",
        name: "Anna Lee",
        phone: "+15550100001",
        amount: "250.00",
        scenario: "promise by speech (keys when misheard)",
    },
    DemoDebtor {
        id: "D-02",
        name: "Brian Cole",
        phone: "+15550100002",
        amount: "120.50",
        scenario: "promise by keys",
    },
    DemoDebtor {
        id: "D-03",
        name: "Carla Diaz",
        phone: "+15550100003",
        amount: "80.00",
        scenario: "wrong person",
    },
    DemoDebtor {
        id: "D-04",
        name: "David Kim",
        phone: "+15550100004",
        amount: "310.00",
        scenario: "busy line",
    },
    DemoDebtor {
        id: "D-05",
        name: "Emma Ford",
        phone: "+15550100005",
        amount: "95.25",
        scenario: "no answer, then answered on retry",
    },
    DemoDebtor {
        id: "D-06",
        name: "Frank Moss",
        phone: "+15550100006",
        amount: "640.00",
        scenario: "wants a person: hand-off to the agent queue",
    },
    DemoDebtor {
        id: "D-07",
        name: "Grace Hall",
        phone: "+15550100007",
        amount: "150.00",
        scenario: "answering machine",
    },
];

/// A fixed-offset zone where it is early afternoon now, so the demo's calls fall inside the allowed hours
/// whenever it runs.
fn afternoon_zone() -> String {
    let hour = i64::from(Utc::now().hour());
    let offset = (14 - hour + 36).rem_euclid(24) - 12;
    match offset {
        0 => "Etc/UTC".to_string(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

fn write_debtor_list(path: &Path) -> anyhow::Result<()> {
    let zone = afternoon_zone();
    let mut csv = String::from(
        "external id,full name,phone,time zone,amount due,currency,days overdue,creditor,creditor phone,language\n",
    );
    for d in &DEBTORS {
        csv.push_str(&format!(
            "{},{},{},{zone},{},USD,3,Acme Credit,+1 800 555 0199,en\n",
            d.id, d.name, d.phone, d.amount
        ));
    }
    std::fs::write(path, csv).with_context(|| format!("writing {}", path.display()))
}

/// The demo's data folder: kept under the data folder with `--keep`, else a temporary one.
enum DemoFolder {
    Kept(PathBuf),
    Temporary(tempfile::TempDir),
}

impl DemoFolder {
    fn new(config: &Config, keep: bool) -> anyhow::Result<Self> {
        if keep {
            let dir = config.data_dir.join("demo");
            if dir.exists() {
                std::fs::remove_dir_all(&dir)
                    .with_context(|| format!("clearing the last demo in {}", dir.display()))?;
            }
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            return Ok(DemoFolder::Kept(dir));
        }
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("creating {}", config.data_dir.display()))?;
        Ok(DemoFolder::Temporary(
            tempfile::Builder::new()
                .prefix("demo-")
                .tempdir_in(&config.data_dir)
                .context("creating the demo's data folder")?,
        ))
    }

    fn path(&self) -> &Path {
        match self {
            DemoFolder::Kept(p) => p,
            DemoFolder::Temporary(t) => t.path(),
        }
    }
}

/// Runs the demo.
pub fn run_demo(config: &Config, args: DemoArgs) -> anyhow::Result<std::process::ExitCode> {
    let started = Instant::now();
    let folder = DemoFolder::new(config, args.keep)?;
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    let tally = rt.block_on(demo_campaign(config, &args, folder.path()))?;
    println!();
    print_table(&tally);
    println!(
        "\n{} calls, {} answered, {} ({} USD), {}, {}, in {:.0} s",
        tally.dialled,
        tally.answered,
        plural(u64::from(tally.promises), "promise", "promises"),
        format_amount(tally.promised_minor),
        plural(u64::from(tally.handoffs), "hand-off", "hand-offs"),
        plural(u64::from(tally.voicemail), "voicemail", "voicemails"),
        started.elapsed().as_secs_f64()
    );
    match &folder {
        DemoFolder::Kept(p) => println!(
            "the demo's database, recordings and reports: {}",
            p.display()
        ),
        DemoFolder::Temporary(_) => {
            println!("(run `softcall demo --keep` to keep the database, recordings and reports)")
        }
    }
    Ok(if tally.errors > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// One line per debtor: the scenario, the outcome of each attempt, the promise, the attempts and where the
/// last call's recording and report are; then what the recogniser heard where the debtor spoke.
fn print_table(tally: &RunTally) {
    println!(
        "{:<5} {:<44} {:<28} {:<18} {:>8}  recording / report",
        "", "scenario", "outcome", "promise", "attempts"
    );
    for d in &DEBTORS {
        let calls: Vec<_> = tally
            .calls
            .iter()
            .filter(|c| c.external_id == d.id)
            .collect();
        let outcomes: Vec<&str> = calls.iter().map(|c| c.disposition.as_str()).collect();
        let promise = calls.iter().find_map(|c| c.promise).map_or_else(
            || "-".into(),
            |(date, amount)| format!("{date} {}", format_amount(amount)),
        );
        let last = calls.last();
        let place = match last {
            Some(c) => match (&c.error, &c.recording, &c.report) {
                (Some(e), _, _) => format!("error: {e}"),
                (None, Some(rec), Some(rep)) => format!("{rec}  {rep}"),
                (None, None, Some(rep)) => rep.clone(),
                _ => "-".into(),
            },
            None => "-".into(),
        };
        println!(
            "{:<5} {:<44} {:<28} {:<18} {:>8}  {}",
            d.id,
            d.scenario,
            if outcomes.is_empty() {
                "not called".to_string()
            } else {
                outcomes.join(" → ")
            },
            promise,
            calls.len(),
            place
        );
    }
    for c in tally.calls.iter().filter(|c| !c.heard.is_empty()) {
        println!(
            "{}: the recogniser heard {}",
            c.external_id,
            c.heard
                .iter()
                .map(|h| format!("\"{h}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
}

async fn demo_campaign(
    config: &Config,
    args: &DemoArgs,
    folder: &Path,
) -> anyhow::Result<RunTally> {
    let phones = args
        .campaign
        .parent()
        .map_or_else(|| PathBuf::from("phones"), |p| p.join("phones"));
    let strategy = strategy::load(&args.campaign, &config.dialogs_dir)?;
    let flows = ready_flows(&strategy, &config.dialogs_dir, config, |l| println!("{l}"))?;

    let db = folder.join("softcall.db");
    let store = Store::open(&format!("sqlite://{}", db.display())).await?;
    let list = folder.join("debtors.csv");
    write_debtor_list(&list)?;
    let now = Utc::now();
    import_debtors(
        &store,
        &list,
        &DebtorImport {
            campaign: "demo".into(),
            as_of: now.date_naive(),
            strict_columns: false,
            skip_invalid: false,
            rejects: None,
            now,
        },
        &|_, _| {},
    )
    .await?;
    let campaign = store.campaign("demo").await?;
    let text = std::fs::read_to_string(&args.campaign).unwrap_or_default();
    store
        .save_strategy(
            campaign.id,
            &strategy.name,
            &args.campaign.display().to_string(),
            &text,
            now.timestamp(),
        )
        .await?;
    println!(
        "store: {} ({} debtors in campaign `demo`)",
        db.display(),
        DEBTORS.len()
    );

    let phone = Phone::start(PhoneConfig {
        bind: "127.0.0.1:0".parse().context("loopback address")?,
        scenarios: ScenarioBook::load(&phones)?,
        rtp_ports: 42000..=42999,
        record_dir: None,
        report_dir: None,
    })
    .await?;
    println!(
        "debtor phones: softcall phone on sip:{} with the scenarios in {}",
        phone.addr,
        phones.display()
    );
    let (sip, _events) = driver::start(DriverConfig {
        bind: "127.0.0.1:0".parse().context("loopback address")?,
        public_addr: None,
        contact_user: "softcall".into(),
        user_agent: config.sip.user_agent(),
        timers: Timers::default(),
    })
    .await?;
    let dialler = Dialler {
        store: store.clone(),
        sip: sip.clone(),
        route: Route {
            uri_template: format!("sip:{{phone}}@{}", phone.addr),
            from: format!("sip:softcall@{}", sip.local_addr),
            dest: phone.addr,
            credentials: None,
            ring_timeout: Duration::from_secs(6),
            media: MediaSettings {
                rtp_ports: 43000..=43999,
                ..MediaSettings::default()
            },
            recordings: folder.join("calls"),
        },
    };
    let profile = Profile::by_name("us-regf").context("the us-regf profile")?;
    let settings = RunSettings {
        campaign_id: campaign.id,
        strategy,
        policy: Policy::new(profile, Settings::default()),
        until: None,
        handover_csv: folder.join("hard_collection.csv"),
        call_config: CallConfig {
            transfer_target: Some(format!("sip:agent-queue@{}", phone.addr)),
            max_length: Duration::from_secs(180),
            ..CallConfig::default()
        },
        amd: config.amd.clone(),
        tick: Duration::from_secs(1),
        stop_grace: Duration::from_secs(20),
    };
    println!("campaign `demo` runs (Ctrl-C stops it politely):");
    let stop = StopSwitch::new();
    let signals = stop.clone();
    let ctrl_c = tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            signals.escalate();
        }
    });
    let mut show = Progress::new();
    let result = run(&dialler, &flows, &settings, &stop, &mut |t| show.update(t)).await;
    show.finish();
    ctrl_c.abort();
    let _ = sip.shutdown().await;
    phone.stop().await;
    store.close().await;
    Ok(result?.tally)
}
