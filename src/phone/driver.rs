//! The tokio side of the simulated phone: one SIP driver listening on a (loopback) address, and per
//! incoming call a task that moves events, audio frames and time into the scenario [`Runner`] and
//! carries out its actions (ring, answer, refuse, play, keys, hang up). Reports come back per call.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::sync::mpsc;

use super::book::ScenarioBook;
use super::prompt::is_voiced;
use super::runner::{CallReport, PhoneAction, Runner};
use crate::audio::frame::{frames_of, Frame};
use crate::audio::wav::read_telephony;
use crate::rtp::session::{MediaEvent, MediaHandle, MediaOptions, MediaSession, Playback};
use crate::sip::driver::{self, DriverConfig, DriverError, DriverEvent, SipHandle};
use crate::sip::endpoint::{CallEvent, IncomingCall};
use crate::sip::sdp::LocalMedia;
use crate::sip::transaction::Timers;

/// How to run a phone.
#[derive(Debug, Clone)]
pub struct PhoneConfig {
    /// SIP address to listen on (loopback; port 0 picks a free one).
    pub bind: SocketAddr,
    /// Scenarios by dialled user.
    pub scenarios: ScenarioBook,
    /// RTP ports to use for calls.
    pub rtp_ports: RangeInclusive<u16>,
    /// Folder for the stereo recording of each call (`call-N.wav`), if any.
    pub record_dir: Option<PathBuf>,
    /// Folder for the JSON report of each call (`call-N.json`), if any.
    pub report_dir: Option<PathBuf>,
}

/// What the phone reports about one call.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PhoneReport {
    /// Sequence number of the call at this phone (1, 2, …).
    pub call: u64,
    /// The dialled user part of the Request-URI.
    pub called_user: Option<String>,
    /// Name of the scenario followed (its file name without `.yaml`), absent when none matched.
    pub scenario: Option<String>,
    /// The stereo recording, when recording.
    pub recording: Option<PathBuf>,
    /// Problems carrying out the scenario (a clip that cannot be read, a key that could not be sent).
    pub problems: Vec<String>,
    /// What happened, from the scenario runner.
    #[serde(flatten)]
    pub report: CallReport,
}

/// Why a phone could not start.
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    /// The SIP socket could not be opened.
    #[error(transparent)]
    Sip(#[from] DriverError),
}

/// A running phone.
pub struct PhoneHandle {
    /// The SIP address calls go to.
    pub addr: SocketAddr,
    reports: mpsc::UnboundedReceiver<PhoneReport>,
    sip: SipHandle,
}

impl std::fmt::Debug for PhoneHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneHandle")
            .field("addr", &self.addr)
            .finish()
    }
}

impl PhoneHandle {
    /// The report of the next call that ends; `None` once the phone has stopped.
    pub async fn next_report(&mut self) -> Option<PhoneReport> {
        self.reports.recv().await
    }

    /// Stops listening.
    pub async fn stop(self) {
        let _ = self.sip.shutdown().await;
    }
}

/// The simulated phone.
pub struct Phone;

impl Phone {
    /// Starts listening; every incoming call follows the scenario picked by its dialled user.
    pub async fn start(config: PhoneConfig) -> Result<PhoneHandle, PhoneError> {
        let (sip, mut events) = driver::start(DriverConfig {
            bind: config.bind,
            public_addr: None,
            contact_user: "phone".into(),
            user_agent: concat!("softcall-phone/", env!("CARGO_PKG_VERSION")).into(),
            timers: Timers::default(),
        })
        .await?;
        sip.accept_inbound(true)?;
        let (report_tx, reports) = mpsc::unbounded_channel();
        let addr = sip.local_addr;
        let handle = PhoneHandle {
            addr,
            reports,
            sip: sip.clone(),
        };
        tokio::spawn(async move {
            let mut seq = 0u64;
            while let Some(ev) = events.recv().await {
                let DriverEvent::Incoming(call) = ev else {
                    continue;
                };
                seq += 1;
                let task = CallTask {
                    seq,
                    sip: sip.clone(),
                    config: config.clone(),
                    reports: report_tx.clone(),
                };
                tokio::spawn(task.run(call));
            }
        });
        Ok(handle)
    }
}

struct CallTask {
    seq: u64,
    sip: SipHandle,
    config: PhoneConfig,
    reports: mpsc::UnboundedSender<PhoneReport>,
}

/// The media of an answered call and what is playing.
struct Media {
    control: crate::rtp::session::MediaControl,
    /// Received audio; `None` once the media task stopped sending.
    events: Option<mpsc::Receiver<MediaEvent>>,
    stopper: crate::rtp::session::MediaStopper,
    telephone_event: bool,
}

impl CallTask {
    async fn run(self, call: IncomingCall) {
        let handle = call.handle;
        let mut report = PhoneReport {
            call: self.seq,
            called_user: call.called_user.clone(),
            scenario: None,
            recording: None,
            problems: Vec::new(),
            report: CallReport::default(),
        };
        let Ok(mut events) = self.sip.take_call_events(handle).await else {
            return;
        };
        let Some((name, scenario)) = self.config.scenarios.pick(call.called_user.as_deref()) else {
            tracing::info!(
                call = self.seq,
                "no scenario for the dialled user; answering 404"
            );
            let _ = self.sip.reject(handle, 404);
            report
                .problems
                .push("no scenario for this user and no default".into());
            let _ = self.reports.send(report);
            return;
        };
        report.scenario = Some(name.to_string());
        let mut runner = Runner::new(scenario.clone(), Instant::now());
        let mut clips: HashMap<PathBuf, Vec<Frame>> = HashMap::new();
        let mut session =
            match MediaSession::bind(self.sip.local_addr.ip(), self.config.rtp_ports.clone()).await
            {
                Ok(s) => Some(s),
                Err(e) => {
                    report.problems.push(format!("cannot bind RTP: {e}"));
                    None
                }
            };
        let recording = self
            .config
            .record_dir
            .as_ref()
            .map(|d| d.join(format!("call-{}.wav", self.seq)));
        let mut media: Option<Media> = None;
        let mut playback: Option<Playback> = None;
        loop {
            while let Some(action) = runner.poll_action() {
                match action {
                    PhoneAction::Ring => {
                        let _ = self.sip.ring(handle);
                    }
                    PhoneAction::Answer => {
                        let Some(s) = session.take() else {
                            let _ = self.sip.reject(handle, 500);
                            continue;
                        };
                        let local = LocalMedia {
                            addr: self.sip.public_addr.ip(),
                            port: s.local_rtp_port(),
                            session_id: self.seq,
                            version: 1,
                        };
                        let options = MediaOptions {
                            recording: recording.clone(),
                            ..MediaOptions::default()
                        };
                        match s.start(
                            call.offer.addr,
                            call.offer.codec,
                            call.offer.telephone_event,
                            options,
                        ) {
                            Ok(m) => {
                                report.recording = recording.clone();
                                media = Some(split(m, call.offer.telephone_event.is_some()));
                            }
                            Err(e) => report.problems.push(format!("cannot start media: {e}")),
                        }
                        if let Err(e) = self.sip.answer(handle, local.answer(&call.offer)).await {
                            report.problems.push(format!("cannot answer: {e}"));
                        }
                    }
                    PhoneAction::Reject(code) => {
                        let _ = self.sip.reject(handle, code);
                    }
                    PhoneAction::Play(path) => {
                        let frames = match clip(&mut clips, &path) {
                            Ok(f) => f,
                            Err(e) => {
                                report.problems.push(e);
                                Vec::new()
                            }
                        };
                        match media.as_ref() {
                            Some(m) if !frames.is_empty() => {
                                playback = Some(m.control.play(frames))
                            }
                            _ => runner.playback_finished(Instant::now()),
                        }
                    }
                    PhoneAction::SendKeys { keys, info } => {
                        for key in keys.chars() {
                            if let Some(m) = media.as_ref().filter(|m| m.telephone_event) {
                                if let Err(e) = m.control.send_dtmf(key) {
                                    report.problems.push(format!("key {key}: {e}"));
                                }
                            }
                            if info || !media.as_ref().is_some_and(|m| m.telephone_event) {
                                let _ = self.sip.send_dtmf_info(handle, key, 160);
                            }
                        }
                    }
                    PhoneAction::Hangup => {
                        let _ = self.sip.hangup(handle);
                    }
                }
            }
            let wake = runner.poll_timeout();
            let sleep = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                    None => std::future::pending().await,
                }
            };
            let frame = async {
                match media.as_mut().and_then(|m| m.events.as_mut()) {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            let played = async {
                match playback.as_mut() {
                    Some(p) => p.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(CallEvent::Answered { .. }) => runner.answered(Instant::now()),
                    Some(CallEvent::Ended(end)) => {
                        runner.ended(Instant::now(), end.reason);
                        break;
                    }
                    Some(_) => {}
                    None => {
                        runner.ended(Instant::now(), "the SIP driver stopped");
                        break;
                    }
                },
                ev = frame => match ev {
                    Some(MediaEvent::Audio(f)) => runner.frame(Instant::now(), is_voiced(&f)),
                    Some(_) => {}
                    None => {
                        if let Some(m) = media.as_mut() {
                            // The media task stopped: no more frames will come.
                            m.events = None;
                        }
                    }
                },
                _ = played => {
                    playback = None;
                    runner.playback_finished(Instant::now());
                }
                _ = sleep => runner.handle_timeout(Instant::now()),
            }
        }
        if let Some(m) = media {
            let _ = m.stopper.stop().await;
        }
        report.report = runner.report().clone();
        if let Some(dir) = &self.config.report_dir {
            let path = dir.join(format!("call-{}.json", self.seq));
            let written = serde_json::to_vec_pretty(&report)
                .map_err(std::io::Error::other)
                .and_then(|json| std::fs::write(&path, json));
            if let Err(e) = written {
                tracing::warn!(path = %path.display(), error = %e, "cannot write the phone report");
            }
        }
        let _ = self.reports.send(report);
    }
}

fn split(m: MediaHandle, telephone_event: bool) -> Media {
    let (control, events, stopper) = m.split();
    Media {
        control,
        events: Some(events),
        stopper,
        telephone_event,
    }
}

/// A clip at 8 kHz in frames, read once per call.
pub(super) fn clip(
    cache: &mut HashMap<PathBuf, Vec<Frame>>,
    path: &Path,
) -> Result<Vec<Frame>, String> {
    if let Some(f) = cache.get(path) {
        return Ok(f.clone());
    }
    let samples = read_telephony(path).map_err(|e| format!("clip {}: {e}", path.display()))?;
    let frames = frames_of(&samples);
    cache.insert(path.to_path_buf(), frames.clone());
    Ok(frames)
}
