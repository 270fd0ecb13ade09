//! The phone placing a call: a debtor calling the robot back. One call from a given caller ID (the From user)
//! to a SIP URI; once answered, the scenario's steps run against the robot's prompts as on an answered call.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::driver::PhoneReport;
use super::line::{Line, Turn};
use super::runner::{CallReport, Runner};
use super::scenario::Scenario;
use crate::rtp::session::MediaSession;
use crate::sip::driver::{self, DriverConfig, DriverError};
use crate::sip::endpoint::{uri_user, CallEvent, CallRequest};
use crate::sip::sdp::LocalMedia;
use crate::sip::transaction::Timers;

/// One call for the phone to place.
#[derive(Debug, Clone)]
pub struct DialOut {
    /// Whom to call (`sip:robot@127.0.0.1:5080`).
    pub target: String,
    /// The calling number, sent as the From user (`+79123456789`).
    pub caller: String,
    /// Local SIP address (loopback; port 0 picks a free one).
    pub bind: SocketAddr,
    /// The scenario's name and the scenario followed once the call is answered.
    pub scenario: (String, Scenario),
    /// RTP ports.
    pub rtp_ports: RangeInclusive<u16>,
    /// Where to write the stereo recording, if anywhere.
    pub recording: Option<PathBuf>,
    /// How long to let the call ring.
    pub ring_timeout: Duration,
}

/// Why the phone could not place its call.
#[derive(Debug, thiserror::Error)]
pub enum DialOutError {
    /// The SIP driver could not start or refused the call.
    #[error(transparent)]
    Sip(#[from] DriverError),
    /// No RTP port could be bound.
    #[error("cannot bind RTP in ports {ports}: {source}")]
    Rtp {
        /// The range tried.
        ports: String,
        /// The socket error.
        source: std::io::Error,
    },
}

/// Places the call, follows the scenario once it is answered, and returns the phone's report.
pub async fn call(dial: DialOut) -> Result<PhoneReport, DialOutError> {
    let (sip, _events) = driver::start(DriverConfig {
        bind: dial.bind,
        public_addr: None,
        contact_user: "phone".into(),
        user_agent: concat!("softcall-phone/", env!("CARGO_PKG_VERSION")).into(),
        timers: Timers::default(),
    })
    .await?;
    let result = follow(&sip, dial).await;
    let _ = sip.shutdown().await;
    result
}

async fn follow(sip: &driver::SipHandle, dial: DialOut) -> Result<PhoneReport, DialOutError> {
    let dest = driver::resolve_uri(&dial.target).await?;
    let session = MediaSession::bind(sip.local_addr.ip(), dial.rtp_ports.clone())
        .await
        .map_err(|source| DialOutError::Rtp {
            ports: format!("{}-{}", dial.rtp_ports.start(), dial.rtp_ports.end()),
            source,
        })?;
    let local = LocalMedia {
        addr: sip.public_addr.ip(),
        port: session.local_rtp_port(),
        session_id: fastrand::u64(1..u64::from(u32::MAX)),
        version: 1,
    };
    let (name, scenario) = dial.scenario;
    let mut report = PhoneReport {
        call: 1,
        called_user: uri_user(&dial.target),
        attempt: 1,
        scenario: Some(name),
        recording: None,
        problems: Vec::new(),
        report: CallReport::default(),
        transfer_call: None,
    };
    let (_, events) = sip
        .place_call(CallRequest {
            target: dial.target.clone(),
            from: format!("sip:{}@{}", dial.caller, sip.public_addr.ip()),
            display_name: None,
            dest,
            sdp_offer: local.offer(),
            credentials: None,
            ring_timeout: dial.ring_timeout,
        })
        .await?;
    let runner = Runner::calling(scenario, Instant::now());
    let mut line = Line::new(sip.clone(), events, runner, Some(session), dial.recording);
    loop {
        match line.next().await {
            Turn::Over => break,
            Turn::Event(CallEvent::Answered { media: remote }) => {
                line.start_media(&remote);
                line.runner.answered(Instant::now());
            }
            // Ringing, answering and transfers belong to calls the phone answers.
            Turn::Action(_) | Turn::Event(_) => {}
        }
    }
    line.stop_media().await;
    report.recording = line.recorded.take();
    report.problems.append(&mut line.problems);
    report.report = line.runner.report().clone();
    Ok(report)
}
