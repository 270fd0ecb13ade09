//! `softcall campaign answer`: answers the calls debtors place to the campaign's number until Ctrl-C, one line
//! per call (no names; numbers masked).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tokio::sync::{mpsc, oneshot};

use crate::call::config::CallConfig;
use crate::call::live::MediaSettings;
use crate::call::speech::CallSpeech;
use crate::call::stop::{StopLevel, StopSwitch};
use crate::campaign::strategy::{self, UnknownCaller};
use crate::config::Config;
use crate::dialog::flow::Flow;
use crate::ops::inbound::{serve, unknown_caller_flow, Answering, InboundPlan};
use crate::sip::driver::{self, DriverConfig, DriverEvent};
use crate::sip::endpoint::{RegisterRequest, RegistrationEvent};
use crate::sip::transaction::Timers;

/// `softcall campaign answer`
#[derive(Debug, Args)]
pub struct AnswerArgs {
    /// Campaign name: calls from unknown numbers are stored under it, and its `inbound:` flow answers.
    #[arg(long)]
    pub campaign: String,
    /// The campaign file with the `inbound:` section (default: the file last stored with the campaign).
    #[arg(long)]
    pub strategy: Option<PathBuf>,
    /// SIP address to answer on (default: sip.bind of the configuration).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// UDP port range for RTP, e.g. `30000-31000` (default: sip.rtp_ports).
    #[arg(long, value_parser = crate::config::sip::parse_port_range)]
    pub rtp_ports: Option<RangeInclusive<u16>>,
    /// Folder with dialogue flows (default: dialogs_dir of the configuration).
    #[arg(long)]
    pub dialogs: Option<PathBuf>,
    /// Database URL (default: softcall.db in the configured data folder).
    #[arg(long)]
    pub db: Option<String>,
    /// Stop after this many calls (default: until Ctrl-C).
    #[arg(long)]
    pub calls: Option<u64>,
}

/// Runs `softcall campaign answer`.
pub fn run(config: &Config, args: AnswerArgs) -> anyhow::Result<std::process::ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("starting the async runtime")?;
    rt.block_on(answer(config, args))
}

async fn answer(config: &Config, args: AnswerArgs) -> anyhow::Result<std::process::ExitCode> {
    let dialogs = args.dialogs.clone().unwrap_or(config.dialogs_dir.clone());
    let store = crate::store::Store::open(
        &args
            .db
            .clone()
            .unwrap_or_else(|| crate::store::default_url(&config.data_dir)),
    )
    .await?;
    let campaign = store.campaign(&args.campaign).await?;
    let s = match &args.strategy {
        Some(path) => strategy::load(path, &dialogs)?,
        None => {
            let (path, text) = store.latest_strategy(campaign.id).await?.with_context(|| {
                format!(
                    "campaign `{}` has no stored campaign file: pass --strategy FILE",
                    args.campaign
                )
            })?;
            strategy::file::parse_stored(std::path::Path::new(&path), &text)?
        }
    };
    let inbound = s.inbound.clone().with_context(|| {
        format!(
            "the campaign file of `{}` has no `inbound:` section: add e.g. `inbound: {{flow: inbound_ru, \
             unknown_caller: message}}`",
            args.campaign
        )
    })?;
    let load = |name: &str| -> anyhow::Result<Arc<Flow>> {
        let path = dialogs.join(format!("{name}.yaml"));
        Ok(Arc::new(Flow::load(&path).with_context(|| {
            format!("cannot load the flow {}", path.display())
        })?))
    };
    let flow = load(&inbound.flow)?;
    let unknown_flow = load(&unknown_caller_flow(inbound.unknown_caller, flow.lang))?;
    if inbound.unknown_caller == UnknownCaller::Queue && config.sip.queue_uri.is_none() {
        anyhow::bail!(
            "`unknown_caller: queue` needs the agent queue: set sip.queue_uri in {}",
            config.source.display()
        );
    }
    let speech = Arc::new(CallSpeech::for_language(config, flow.lang)?);
    eprintln!("recognition: {}", speech.recognition);
    let plan = InboundPlan {
        strategy: s.name.clone(),
        flow,
        unknown_caller: inbound.unknown_caller,
        unknown_flow,
        speech,
    };
    let calls_stop = StopSwitch::new();
    let answering = Answering {
        campaign_id: campaign.id,
        plans: HashMap::from([(campaign.id, Arc::new(plan))]),
        config: CallConfig {
            transfer_target: config.sip.queue_uri.clone(),
            ..CallConfig::default()
        },
        media: MediaSettings {
            rtp_ports: match args.rtp_ports.clone() {
                Some(r) => r,
                None => config.sip.rtp_port_range()?,
            },
            ..MediaSettings::default()
        },
        recordings: config.data_dir.join("recordings"),
        stop: calls_stop.watch(),
    };

    let bind = args.listen.or(config.sip.bind).context(
        "no address to answer on: set sip.bind in the configuration or pass --listen IP:PORT",
    )?;
    let (sip, mut events) = driver::start(DriverConfig {
        bind,
        public_addr: config.sip.public_addr,
        contact_user: "softcall".into(),
        user_agent: config.sip.user_agent(),
        timers: Timers::default(),
    })
    .await?;
    if let Some(registrar) = &config.sip.registrar {
        register(&sip, &mut events, registrar, config).await?;
    }
    eprintln!(
        "answering for campaign `{}` on sip:{} (Ctrl-C stops taking calls, twice ends the calls in progress)",
        args.campaign, sip.local_addr
    );

    let (done_tx, mut done) = mpsc::unbounded_channel();
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let server = {
        let (store, sip) = (store.clone(), sip.clone());
        let answering = Arc::new(answering);
        tokio::spawn(async move {
            let stop = async {
                let _ = stop_rx.await;
            };
            serve(store, sip, &mut events, answering, stop, Some(done_tx)).await
        })
    };
    let mut stop_tx = Some(stop_tx);
    let mut seen = 0u64;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => match stop_tx.take() {
                Some(tx) => {
                    eprintln!(
                        "stopping: no new calls; waiting for the calls in progress (Ctrl-C again to end them at once)"
                    );
                    let _ = tx.send(());
                }
                None => {
                    eprintln!("ending the calls in progress now; their outcomes are stored");
                    calls_stop.raise(StopLevel::AtOnce);
                }
            },
            call = done.recv() => match call {
                Some(call) => {
                    println!("{}", call.line());
                    seen += 1;
                    if args.calls.is_some_and(|n| seen >= n) {
                        if let Some(tx) = stop_tx.take() {
                            let _ = tx.send(());
                        }
                    }
                }
                None => break,
            },
        }
    }
    let served = server
        .await
        .context("the answering task ended abnormally")??;
    if config.sip.registrar.is_some() {
        let _ = sip.unregister();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let _ = sip.shutdown().await;
    store.close().await;
    eprintln!(
        "answered {} from debtors and {} from unknown numbers; {} failed",
        super::plural(served.debtors, "call", "calls"),
        served.unknown,
        served.failed
    );
    Ok(if served.failed > 0 {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    })
}

/// Registers with the configured registrar so the PBX routes the campaign's number to us.
async fn register(
    sip: &driver::SipHandle,
    events: &mut mpsc::UnboundedReceiver<DriverEvent>,
    registrar: &str,
    config: &Config,
) -> anyhow::Result<()> {
    let credentials = config
        .sip
        .credentials()?
        .context("sip.username: missing: a registrar needs a user name to register as")?;
    let (host, _) = crate::sip::message::uri_host_port(registrar)
        .with_context(|| format!("registrar `{registrar}` has no host"))?;
    sip.register(RegisterRequest {
        registrar: registrar.to_string(),
        aor: format!("sip:{}@{host}", credentials.username),
        dest: driver::resolve_uri(registrar).await?,
        credentials: Some(credentials),
        expires: 3600,
    })
    .await?;
    match super::call::registration_result(events).await {
        Some(RegistrationEvent::Registered { .. }) => Ok(()),
        Some(RegistrationEvent::Failed { reason, .. }) => {
            anyhow::bail!("registration with {registrar} failed: {reason}")
        }
        _ => anyhow::bail!("registration with {registrar} failed: no answer from the registrar"),
    }
}
