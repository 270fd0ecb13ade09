//! The tokio side of the simulated phone: one SIP driver listening on a (loopback) address, and per
//! incoming call a task that moves events, audio frames and time into the scenario [`Runner`] and
//! carries out its actions (ring, answer, refuse, play, keys, hang up). Reports come back per call.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::book::ScenarioBook;
use super::line::{Line, Turn};
use super::runner::{CallReport, PhoneAction, Runner};
use super::transfer::{Leg, TransferCall};
use crate::rtp::session::MediaSession;
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
    /// Which call this is among the calls to the same user (1, 2, …); it picks a per-call answer mode.
    pub attempt: u64,
    /// Name of the scenario followed (its file name without `.yaml`), absent when none matched.
    pub scenario: Option<String>,
    /// The stereo recording, when recording.
    pub recording: Option<PathBuf>,
    /// Problems carrying out the scenario (a clip that cannot be read, a key that could not be sent).
    pub problems: Vec<String>,
    /// What happened, from the scenario runner.
    #[serde(flatten)]
    pub report: CallReport,
    /// The call the phone placed when the robot transferred it, if it did.
    pub transfer_call: Option<TransferCall>,
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
        sip.accept_transfers(true)?;
        let (report_tx, reports) = mpsc::unbounded_channel();
        let addr = sip.local_addr;
        let handle = PhoneHandle {
            addr,
            reports,
            sip: sip.clone(),
        };
        tokio::spawn(async move {
            let mut seq = 0u64;
            let mut per_user: HashMap<Option<String>, u64> = HashMap::new();
            while let Some(ev) = events.recv().await {
                let DriverEvent::Incoming(call) = ev else {
                    continue;
                };
                seq += 1;
                let attempt = per_user.entry(call.called_user.clone()).or_default();
                *attempt += 1;
                let task = CallTask {
                    seq,
                    attempt: *attempt,
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
    attempt: u64,
    sip: SipHandle,
    config: PhoneConfig,
    reports: mpsc::UnboundedSender<PhoneReport>,
}

impl CallTask {
    async fn run(self, call: IncomingCall) {
        let handle = call.handle;
        let t0 = Instant::now();
        let mut report = PhoneReport {
            call: self.seq,
            called_user: call.called_user.clone(),
            attempt: self.attempt,
            scenario: None,
            recording: None,
            problems: Vec::new(),
            report: CallReport::default(),
            transfer_call: None,
        };
        let Ok(events) = self.sip.take_call_events(handle).await else {
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
        let session =
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
        let runner = Runner::new(scenario.clone(), self.attempt, t0);
        let mut line = Line::new(self.sip.clone(), events, runner, session, recording);
        let mut transfer: Option<tokio::task::JoinHandle<TransferCall>> = None;
        loop {
            match line.next().await {
                Turn::Over => break,
                Turn::Action(PhoneAction::Ring) => {
                    let _ = self.sip.ring(handle);
                }
                Turn::Action(PhoneAction::Answer) => {
                    let Some(port) = line.rtp_port() else {
                        let _ = self.sip.reject(handle, 500);
                        continue;
                    };
                    let local = LocalMedia {
                        addr: self.sip.public_addr.ip(),
                        port,
                        session_id: self.seq,
                        version: 1,
                    };
                    line.start_media(&call.offer);
                    if let Err(e) = self.sip.answer(handle, local.answer(&call.offer)).await {
                        line.problems.push(format!("cannot answer: {e}"));
                    }
                }
                Turn::Action(PhoneAction::Reject(code)) => {
                    let _ = self.sip.reject(handle, code);
                }
                Turn::Action(PhoneAction::FollowTransfer(target)) => {
                    let user = call.called_user.as_deref().unwrap_or("phone");
                    let leg = Leg {
                        sip: self.sip.clone(),
                        original: handle,
                        target,
                        from: format!("sip:{user}@{}", self.sip.public_addr),
                        rtp_ports: self.config.rtp_ports.clone(),
                        session_id: self.seq,
                        recording: self
                            .config
                            .record_dir
                            .as_ref()
                            .map(|d| d.join(format!("call-{}-transfer.wav", self.seq))),
                        max_call: Duration::from_millis(scenario.max_call_ms),
                        t0,
                    };
                    transfer = Some(tokio::spawn(leg.run()));
                }
                Turn::Action(_) => {}
                Turn::Event(CallEvent::Answered { .. }) => line.runner.answered(Instant::now()),
                Turn::Event(CallEvent::TransferRequested { target, .. }) => {
                    line.runner.transfer_requested(Instant::now(), &target);
                }
                Turn::Event(CallEvent::TransferCompleted { success, status }) => {
                    line.runner
                        .transfer_finished(Instant::now(), success, status);
                }
                Turn::Event(_) => {}
            }
        }
        line.stop_media().await;
        if let Some(leg) = transfer {
            // The original call is over; the transferred one may go on until the far end hangs up.
            match leg.await {
                Ok(leg) => {
                    // Settles the transfer when the original call ended before its result came.
                    line.runner.transfer_finished(
                        Instant::now(),
                        leg.answered_ms.is_some(),
                        leg.status,
                    );
                    report.transfer_call = Some(leg);
                }
                Err(e) => line.problems.push(format!("the transfer call failed: {e}")),
            }
        }
        report.recording = line.recorded.take();
        report.problems.append(&mut line.problems);
        report.report = line.runner.report().clone();
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
