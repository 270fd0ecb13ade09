//! `softcall call <sip-uri>`: places one call (optionally registering first), plays and records audio,
//! sends DTMF, transfers, and prints the outcome as JSON.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Args;
use serde::Serialize;

use crate::audio::amd::OnMachine;
use crate::audio::frame::{frames_of, Frame, SAMPLE_RATE};
use crate::config::sip::{parse_port_range, SipConfig};
use crate::rtp::summary::RtpReport;
use crate::rtp::{MediaEvent, MediaHandle, MediaOptions, MediaSession};
use crate::sip::auth::Credentials;
use crate::sip::driver::{self, DriverConfig, DriverEvent};
use crate::sip::endpoint::{
    CallEnd, CallEvent, CallRequest, EndedBy, RegisterRequest, RegistrationEvent, Stats,
};
use crate::sip::outcome::Outcome;
use crate::sip::sdp::{LocalMedia, RemoteMedia};
use crate::sip::transaction::Timers;

/// Flags that override the `[sip]` settings for a call or a campaign run.
#[derive(Debug, Clone, Args)]
pub struct SipFlags {
    /// Our address-of-record for From (defaults to the registered user, else `sip:softcall@<local ip>`).
    #[arg(long)]
    pub from: Option<String>,
    /// Register first: `user:password@registrar[:port]`; the same credentials answer INVITE challenges.
    /// Default: `[sip] registrar`, `username` and the password from the configuration.
    #[arg(long)]
    pub register: Option<String>,
    /// Requested registration lifetime in seconds (refreshed at half the granted time).
    #[arg(long, default_value_t = 600)]
    pub register_expires: u32,
    /// Credentials for INVITE challenges without registering: `user:password`.
    #[arg(long)]
    pub auth: Option<String>,
    /// Send the INVITE to this proxy (`host:port`) instead of the target's host.
    #[arg(long)]
    pub proxy: Option<String>,
    /// Local signalling address (`ip:port`; port 0 picks one). Default: `[sip] bind`, else the interface
    /// towards the peer.
    #[arg(long)]
    pub bind: Option<SocketAddr>,
    /// Address to advertise in Via, Contact and SDP when behind NAT (`ip:port`). Default: `[sip] public_addr`.
    #[arg(long)]
    pub public_addr: Option<SocketAddr>,
    /// UDP port range for RTP, e.g. `10000-20000`. Default: `[sip] rtp_ports` (16384-32767).
    #[arg(long, value_parser = parse_port_range)]
    pub rtp_ports: Option<RangeInclusive<u16>>,
    /// Seconds to let a call ring before cancelling it. Default: `[sip] ring_timeout_s` (30).
    #[arg(long)]
    pub ring_timeout: Option<f64>,
}

/// Arguments of `softcall call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// Who to call, e.g. `sip:+79001234567@pbx.example.com` or `sip:bob@127.0.0.1:5070`.
    pub target: String,
    /// Display name in From.
    #[arg(long)]
    pub display_name: Option<String>,
    /// How to reach the network (flags over `[sip]`).
    #[command(flatten)]
    pub sip: SipFlags,
    /// WAV file to play once the call is answered (any rate; mixed to mono and resampled to 8 kHz).
    #[arg(long)]
    pub play: Option<PathBuf>,
    /// Write a stereo 8 kHz WAV of the call (left: remote party, right: what we sent).
    #[arg(long)]
    pub record: Option<PathBuf>,
    /// Hang up this many seconds after the answer (default: after playback, or when the peer hangs up).
    #[arg(long)]
    pub hangup_after: Option<f64>,
    /// DTMF digits to send after the answer (RFC 4733 when the peer supports it, else SIP INFO).
    #[arg(long)]
    pub dtmf: Option<String>,
    /// Send DTMF by SIP INFO even when RFC 4733 is available.
    #[arg(long)]
    pub dtmf_info: bool,
    /// Blind-transfer the answered call by REFER to this URI (an agent queue).
    #[arg(long)]
    pub transfer_to: Option<String>,
    /// Seconds after the answer before the transfer starts.
    #[arg(long, default_value_t = 1.0)]
    pub transfer_after: f64,
    /// End the call as `failed` when no RTP arrives for this many seconds.
    #[arg(long, default_value_t = 30.0)]
    pub media_timeout: f64,
    /// Upper bound on the whole call in seconds.
    #[arg(long, default_value_t = 3600.0)]
    pub max_duration: f64,
    /// Hold a conversation with this dialogue flow (YAML) and print its outcome: transcript, path,
    /// promise and latency per turn. Needs `--debtor`.
    #[arg(long, requires = "debtor")]
    pub flow: Option<PathBuf>,
    /// The debtor called (JSON, like dialogs/examples/debtor_en.json); used with `--flow`.
    #[arg(long, requires = "flow")]
    pub debtor: Option<PathBuf>,
    /// The agent queue hand-offs go to (default: `[sip] queue_uri`); without one a hand-off becomes a
    /// callback task for agents.
    #[arg(long)]
    pub queue: Option<String>,
    /// Detect answering machines after the answer (`[amd]` settings) before the flow speaks; a machine ends
    /// the call as `voicemail`. Used with `--flow`.
    #[arg(long, requires = "flow")]
    pub amd: bool,
    /// What to do with a machine: `hang_up`, or `leave_message` after the beep (the creditor's name and phone
    /// only). Used with `--amd`.
    #[arg(long, requires = "amd", value_parser = parse_on_machine, default_value = "hang_up")]
    pub on_machine: OnMachine,
    /// The message left on a machine: a template with `{creditor}` and `{creditor_phone}` and nothing about
    /// the debt (default: the flow language's). Used with `--on-machine leave_message`.
    #[arg(long, requires = "amd")]
    pub machine_message: Option<String>,
}

/// `hang_up` or `leave_message` (a dash works too).
fn parse_on_machine(s: &str) -> Result<OnMachine, String> {
    match s.replace('-', "_").as_str() {
        "hang_up" => Ok(OnMachine::HangUp),
        "leave_message" => Ok(OnMachine::LeaveMessage),
        _ => Err(format!("`{s}`: use hang_up or leave_message")),
    }
}

/// `user:password@host[:port]` split into credentials and the registrar URI.
fn parse_register(s: &str) -> anyhow::Result<(Credentials, String)> {
    let (cred, host) = s.rsplit_once('@').with_context(|| {
        format!("--register `{s}` must look like user:password@registrar[:port]")
    })?;
    let creds = parse_credentials(cred)?;
    Ok((creds, format!("sip:{host}")))
}

/// The registration to make: `--register`, else the configured registrar with its credentials.
fn registration(args: &SipFlags, cfg: &SipConfig) -> anyhow::Result<Option<(Credentials, String)>> {
    if let Some(r) = &args.register {
        return parse_register(r).map(Some);
    }
    let Some(registrar) = &cfg.registrar else {
        return Ok(None);
    };
    let creds = cfg
        .credentials()?
        .context("sip.username: missing: a registrar needs a user name to register as")?;
    Ok(Some((creds, registrar.clone())))
}

fn parse_credentials(s: &str) -> anyhow::Result<Credentials> {
    let (user, password) = s
        .split_once(':')
        .with_context(|| "credentials must look like user:password".to_string())?;
    if user.is_empty() {
        bail!("credentials have an empty user name");
    }
    Ok(Credentials {
        username: user.to_string(),
        password: password.to_string(),
    })
}

/// The JSON printed at the end of a call.
#[derive(Debug, Serialize)]
pub struct CallReport {
    /// Disposition.
    pub outcome: Outcome,
    /// Final SIP status of the INVITE (200 when answered).
    pub status: Option<u16>,
    /// Short reason.
    pub reason: String,
    /// Who ended the call.
    pub ended_by: Option<EndedBy>,
    /// Registration result when `--register` was used.
    pub registered: Option<bool>,
    /// Successful REGISTER transactions (the first plus refreshes during the call).
    pub registrations: u32,
    /// From INVITE to answer (or to the final failure), in milliseconds.
    pub setup_ms: u64,
    /// From answer to end, in milliseconds (0 when not answered).
    pub talk_ms: u64,
    /// First provisional status seen (180/183).
    pub ringing: Option<u16>,
    /// Whether early media (183 with SDP) was offered.
    pub early_media: bool,
    /// DTMF digits received (RFC 4733 and SIP INFO).
    pub dtmf_received: String,
    /// DTMF digits sent.
    pub dtmf_sent: String,
    /// Transfer result when `--transfer-to` was used.
    pub transfer: Option<TransferReport>,
    /// Negotiated media.
    pub media: Option<RemoteMedia>,
    /// RTP figures.
    pub rtp: Option<RtpReport>,
    /// Path of the recording.
    pub recording: Option<PathBuf>,
    /// Signalling counters: malformed datagrams dropped, bad requests answered, retransmissions absorbed.
    pub sip: Option<Stats>,
}

/// How the REFER went.
#[derive(Debug, Serialize)]
pub struct TransferReport {
    /// Transfer target.
    pub target: String,
    /// Whether the target answered.
    pub success: bool,
    /// Final status reported by NOTIFY or the REFER response.
    pub status: Option<u16>,
}

/// Reads a WAV file as 8 kHz mono frames.
pub fn load_wav_frames(path: &Path) -> anyhow::Result<Vec<Frame>> {
    let mut reader = hound::WavReader::open(path)
        .with_context(|| format!("cannot open WAV file {}", path.display()))?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Int => {
            let scale = (1i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .with_context(|| format!("{}: unreadable samples", path.display()))?
        }
        hound::SampleFormat::Float => reader
            .samples::<f32>()
            .collect::<Result<_, _>>()
            .with_context(|| format!("{}: unreadable samples", path.display()))?,
    };
    let mono: Vec<f32> = samples
        .chunks(channels)
        .map(|c| c.iter().sum::<f32>() / c.len() as f32)
        .collect();
    let resampled = resample_linear(&mono, spec.sample_rate, SAMPLE_RATE);
    let pcm: Vec<i16> = resampled
        .iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16)
        .collect();
    Ok(frames_of(&pcm))
}

fn resample_linear(input: &[f32], from: u32, to: u32) -> Vec<f32> {
    if from == to || input.is_empty() || from == 0 {
        return input.to_vec();
    }
    let out_len = (input.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    let step = f64::from(from) / f64::from(to);
    // Average over the source span of each output sample: a box filter against aliasing.
    (0..out_len)
        .map(|i| {
            let start = (i as f64 * step) as usize;
            let end = (((i + 1) as f64 * step) as usize).clamp(start + 1, input.len());
            let span = &input[start.min(input.len() - 1)..end];
            span.iter().sum::<f32>() / span.len().max(1) as f32
        })
        .collect()
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

struct CallRun {
    report: CallReport,
    answered_at: Option<Instant>,
    media: Option<MediaHandle>,
    media_session: Option<MediaSession>,
}

/// Runs `softcall call` with the configuration at `config` (its `[sip]` settings, which flags override).
pub fn run(config: &Path, args: CallArgs) -> anyhow::Result<std::process::ExitCode> {
    let rt = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    #[cfg(feature = "speech")]
    if args.flow.is_some() {
        let config = super::load_config(config)?;
        let outcome = rt.block_on(super::call_flow::converse(&config, args))?;
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(std::process::ExitCode::SUCCESS);
    }
    let cfg = super::sip_config(config)?;
    let report = rt.block_on(place(&cfg, args))?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(std::process::ExitCode::SUCCESS)
}

/// The SIP side of `softcall call`, ready to dial: the driver started, registered when asked.
pub struct Connected {
    /// The SIP driver.
    pub sip: driver::SipHandle,
    /// Its events outside calls (registrations, inbound calls).
    pub events: tokio::sync::mpsc::UnboundedReceiver<DriverEvent>,
    /// Whether a registration was made (and must be undone at the end).
    pub registered: bool,
    /// Our address-of-record for From.
    pub from: String,
    /// First hop of the INVITE.
    pub dest: SocketAddr,
    /// Credentials for INVITE challenges.
    pub credentials: Option<Credentials>,
    /// RTP ports.
    pub rtp_ports: RangeInclusive<u16>,
    /// How long to ring.
    pub ring_timeout: Duration,
}

/// Why `connect` did not get as far as dialling: the registration was refused.
pub struct RegistrationRefused {
    /// Final status, if any.
    pub status: Option<u16>,
    /// What went wrong.
    pub reason: String,
    /// Signalling counters.
    pub sip: Option<Stats>,
}

/// How the registrar answered our REGISTER, waiting up to 40 s; `None` when it never did.
pub async fn registration_result(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<DriverEvent>,
) -> Option<RegistrationEvent> {
    tokio::time::timeout(Duration::from_secs(40), async {
        while let Some(ev) = events.recv().await {
            if let DriverEvent::Registration(r) = ev {
                return Some(r);
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
}

/// Starts the SIP driver for `args` over the `[sip]` settings `cfg` and registers when asked.
pub async fn connect(
    cfg: &SipConfig,
    args: &SipFlags,
    target: &str,
) -> anyhow::Result<Result<Connected, RegistrationRefused>> {
    let registration = registration(args, cfg)?;
    let credentials = match (&registration, &args.auth) {
        (_, Some(a)) => Some(parse_credentials(a)?),
        (Some((c, _)), None) => Some(c.clone()),
        (None, None) => cfg.credentials()?,
    };
    let dest = match (&args.proxy, &registration) {
        (Some(p), _) => driver::resolve_uri(&format!("sip:{p}")).await?,
        (None, Some((_, registrar))) => driver::resolve_uri(registrar).await?,
        (None, None) => driver::resolve_uri(target).await?,
    };
    let rtp_ports = match args.rtp_ports.clone() {
        Some(r) => r,
        None => cfg.rtp_port_range()?,
    };
    let ring_timeout = args.ring_timeout.map_or(cfg.ring_timeout(), secs);
    let bind = match args.bind.or(cfg.bind) {
        Some(b) => b,
        None => {
            let ip = driver::local_ip_for(dest).unwrap_or(IpAddr::from([0, 0, 0, 0]));
            SocketAddr::new(ip, 0)
        }
    };
    let (sip, mut events) = driver::start(DriverConfig {
        bind,
        public_addr: args.public_addr.or(cfg.public_addr),
        contact_user: "softcall".into(),
        user_agent: cfg.user_agent(),
        timers: Timers::default(),
    })
    .await?;
    let public_ip = sip.public_addr.ip();

    // Register first when asked.
    let mut from = args.from.clone();
    if let Some((creds, registrar)) = &registration {
        let (host_only, _) = crate::sip::message::uri_host_port(registrar)
            .with_context(|| format!("registrar `{registrar}` has no host"))?;
        let aor = format!("sip:{}@{host_only}", creds.username);
        from.get_or_insert(aor.clone());
        sip.register(RegisterRequest {
            registrar: registrar.clone(),
            aor,
            dest,
            credentials: Some(creds.clone()),
            expires: args.register_expires,
        })
        .await?;
        let result = registration_result(&mut events).await;
        if !matches!(result, Some(RegistrationEvent::Registered { .. })) {
            let (status, reason) = match result {
                Some(RegistrationEvent::Failed { status, reason }) => {
                    (status, format!("registration failed: {reason}"))
                }
                _ => (
                    None,
                    "registration failed: no answer from the registrar".into(),
                ),
            };
            let stats = sip.shutdown().await.ok();
            return Ok(Err(RegistrationRefused {
                status,
                reason,
                sip: stats,
            }));
        }
    }
    let from = from.unwrap_or_else(|| format!("sip:softcall@{public_ip}"));
    Ok(Ok(Connected {
        sip,
        events,
        registered: registration.is_some(),
        from,
        dest,
        credentials,
        rtp_ports,
        ring_timeout,
    }))
}

impl Connected {
    /// Unregisters when registered, then stops the driver; returns its signalling counters.
    pub async fn close(mut self) -> Option<Stats> {
        if self.registered && self.sip.unregister().is_ok() {
            let _ = tokio::time::timeout(Duration::from_secs(3), async {
                while let Some(ev) = self.events.recv().await {
                    if matches!(ev, DriverEvent::Registration(_)) {
                        break;
                    }
                }
            })
            .await;
        }
        self.sip.shutdown().await.ok()
    }
}

/// Places the call described by `args` (over the `[sip]` settings `cfg`) and returns its report.
pub async fn place(cfg: &SipConfig, args: CallArgs) -> anyhow::Result<CallReport> {
    let mut report = CallReport {
        outcome: Outcome::Failed,
        status: None,
        reason: String::new(),
        ended_by: None,
        registered: None,
        registrations: 0,
        setup_ms: 0,
        talk_ms: 0,
        ringing: None,
        early_media: false,
        dtmf_received: String::new(),
        dtmf_sent: String::new(),
        transfer: None,
        media: None,
        rtp: None,
        recording: args.record.clone(),
        sip: None,
    };
    let mut connected = match connect(cfg, &args.sip, &args.target).await? {
        Ok(c) => c,
        Err(refused) => {
            report.registered = Some(false);
            report.status = refused.status;
            report.reason = refused.reason;
            report.sip = refused.sip;
            return Ok(report);
        }
    };
    if connected.registered {
        report.registered = Some(true);
        report.registrations = 1;
    }
    let sip = connected.sip.clone();
    let public_ip = sip.public_addr.ip();
    let rtp_ports = connected.rtp_ports.clone();
    let play = match &args.play {
        Some(p) => Some(load_wav_frames(p)?),
        None => None,
    };
    let media_session = MediaSession::bind(sip.local_addr.ip(), rtp_ports)
        .await
        .context("cannot bind RTP sockets")?;
    let offer = LocalMedia {
        addr: public_ip,
        port: media_session.local_rtp_port(),
        session_id: fastrand::u64(1..u64::from(u32::MAX)),
        version: 1,
    }
    .offer();
    let started = Instant::now();
    let (call, mut call_events) = sip
        .place_call(CallRequest {
            target: args.target.clone(),
            from: connected.from.clone(),
            display_name: args.display_name.clone(),
            dest: connected.dest,
            sdp_offer: offer,
            credentials: connected.credentials.clone(),
            ring_timeout: connected.ring_timeout,
        })
        .await?;

    let mut run = CallRun {
        report,
        answered_at: None,
        media: None,
        media_session: Some(media_session),
    };
    let mut hangup_at: Option<tokio::time::Instant> = None;
    let mut transfer_at: Option<tokio::time::Instant> = None;
    let mut playback: Option<tokio::sync::oneshot::Receiver<crate::rtp::PlaybackEnd>> = None;
    let deadline = tokio::time::Instant::now() + secs(args.max_duration);
    let mut hung_up = false;
    let mut media_failed = false;

    let end: CallEnd = loop {
        let media_event = async {
            match run.media.as_mut() {
                Some(m) => m.next_event().await,
                None => std::future::pending().await,
            }
        };
        let playback_done = async {
            match playback.as_mut() {
                Some(p) => p.await.ok(),
                None => std::future::pending().await,
            }
        };
        let at = |t: Option<tokio::time::Instant>| async move {
            match t {
                Some(t) => tokio::time::sleep_until(t).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            ev = connected.events.recv() => match ev {
                None => bail!("the SIP driver stopped unexpectedly"),
                Some(DriverEvent::Registration(RegistrationEvent::Registered { .. })) => {
                    run.report.registrations += 1;
                }
                Some(_) => {}
            },
            ev = call_events.recv() => {
                let Some(ev) = ev else { bail!("the SIP driver stopped unexpectedly") };
                match ev {
                    CallEvent::Progress { status } => {
                        run.report.ringing.get_or_insert(status);
                    }
                    CallEvent::EarlyMedia(m) => {
                        run.report.early_media = true;
                        start_media(&mut run, &m, &args)?;
                    }
                    CallEvent::Answered { media } => {
                        run.answered_at = Some(Instant::now());
                        run.report.setup_ms = started.elapsed().as_millis() as u64;
                        start_media(&mut run, &media, &args)?;
                        if let Some(m) = run.media.as_ref() {
                            if let Some(frames) = play.clone() {
                                let pb = m.play(frames);
                                let (done_tx, done_rx) = tokio::sync::oneshot::channel();
                                tokio::spawn(async move { let _ = done_tx.send(pb.finished().await); });
                                playback = Some(done_rx);
                            }
                            if let Some(digits) = &args.dtmf {
                                for d in digits.chars() {
                                    if media.telephone_event.is_some() && !args.dtmf_info {
                                        m.send_dtmf(d).with_context(|| format!("cannot send DTMF `{d}`"))?;
                                    } else {
                                        sip.send_dtmf_info(call, d, 160)?;
                                    }
                                    run.report.dtmf_sent.push(d);
                                }
                            }
                        }
                        let now = tokio::time::Instant::now();
                        if let Some(s) = args.hangup_after {
                            hangup_at = Some(now + secs(s));
                        }
                        if args.transfer_to.is_some() {
                            transfer_at = Some(now + secs(args.transfer_after));
                        }
                        run.report.media = Some(media);
                    }
                    CallEvent::MediaChanged(m) => {
                        if let Some(h) = run.media.as_ref() { h.control().set_remote(m.addr); }
                        run.report.media = Some(m);
                    }
                    CallEvent::Dtmf { digit, .. } => run.report.dtmf_received.push(digit),
                    // Transfers are not taken here, so no REFER becomes a request.
                    CallEvent::TransferProgress { .. } | CallEvent::TransferRequested { .. } => {}
                    CallEvent::TransferCompleted { success, status } => {
                        run.report.transfer = Some(TransferReport {
                            target: args.transfer_to.clone().unwrap_or_default(),
                            success,
                            status,
                        });
                    }
                    CallEvent::Ended(end) => break end,
                }
            }
            ev = media_event => match ev {
                Some(MediaEvent::Dtmf(d)) => run.report.dtmf_received.push(d),
                Some(MediaEvent::Timeout) => {
                    media_failed = true;
                    if !hung_up { hung_up = true; sip.hangup(call)?; }
                }
                Some(MediaEvent::Audio(_)) => {}
                None => { run.media = None; }
            },
            end = playback_done => {
                playback = None;
                if end.is_some() && args.hangup_after.is_none() && args.transfer_to.is_none() {
                    hangup_at = Some(tokio::time::Instant::now() + Duration::from_millis(500));
                }
            }
            _ = at(hangup_at) => {
                hangup_at = None;
                if !hung_up { hung_up = true; sip.hangup(call)?; }
            }
            _ = at(transfer_at) => {
                transfer_at = None;
                if let Some(t) = &args.transfer_to {
                    if let Err(e) = sip.transfer(call, t).await {
                        run.report.transfer = Some(TransferReport { target: t.clone(), success: false, status: None });
                        tracing::warn!(error = %e, "transfer could not start");
                    }
                }
            }
            _ = tokio::time::sleep_until(deadline) => {
                if !hung_up { hung_up = true; sip.hangup(call)?; }
            }
            _ = tokio::signal::ctrl_c() => {
                if !hung_up { hung_up = true; sip.hangup(call)?; }
            }
        }
    };

    let ended = Instant::now();
    if let Some(a) = run.answered_at {
        run.report.talk_ms = ended.duration_since(a).as_millis() as u64;
    } else {
        run.report.setup_ms = ended.duration_since(started).as_millis() as u64;
    }
    if let Some(m) = run.media.take() {
        let stats = m.stop().await;
        run.report.rtp = Some(RtpReport::from(&stats));
    }
    run.report.outcome = if media_failed {
        Outcome::Failed
    } else {
        end.outcome
    };
    run.report.status = end.status;
    run.report.reason = if media_failed {
        "no RTP from the peer (media timeout)".into()
    } else {
        end.reason
    };
    run.report.ended_by = Some(end.ended_by);
    if run.report.recording.is_some() && run.media_session.is_some() {
        // Media never started, so nothing was recorded.
        run.report.recording = None;
    }
    run.report.sip = connected.close().await;
    Ok(run.report)
}

fn start_media(run: &mut CallRun, remote: &RemoteMedia, args: &CallArgs) -> anyhow::Result<()> {
    if let Some(m) = run.media.as_ref() {
        m.control().set_remote(remote.addr);
        return Ok(());
    }
    let Some(session) = run.media_session.take() else {
        return Ok(());
    };
    let options = MediaOptions {
        media_timeout: secs(args.media_timeout),
        recording: args.record.clone(),
        ..MediaOptions::default()
    };
    let handle = session
        .start(remote.addr, remote.codec, remote.telephone_event, options)
        .context("cannot start media")?;
    run.media = Some(handle);
    Ok(())
}
