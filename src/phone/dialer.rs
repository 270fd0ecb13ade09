//! The phone placing a call: a debtor calling the robot back. One call from a given caller ID (the From user)
//! to a SIP URI; once answered, the scenario's steps run against the robot's prompts as on an answered call.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::driver::{clip, PhoneReport};
use super::prompt::is_voiced;
use super::runner::{CallReport, PhoneAction, Runner};
use super::scenario::Scenario;
use crate::audio::frame::Frame;
use crate::rtp::session::{MediaControl, MediaEvent, MediaOptions, MediaSession, Playback};
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
        scenario: Some(name),
        recording: None,
        problems: Vec::new(),
        report: CallReport::default(),
    };
    let (handle, mut events) = sip
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
    let mut runner = Runner::calling(scenario, Instant::now());
    let mut session = Some(session);
    let mut clips: HashMap<PathBuf, Vec<Frame>> = HashMap::new();
    let mut media: Option<MediaControl> = None;
    let mut received: Option<tokio::sync::mpsc::Receiver<MediaEvent>> = None;
    let mut stopper = None;
    let mut telephone_event = false;
    let mut playback: Option<Playback> = None;
    loop {
        while let Some(action) = runner.poll_action() {
            match action {
                PhoneAction::Play(path) => {
                    let frames = clip(&mut clips, &path).unwrap_or_else(|e| {
                        report.problems.push(e);
                        Vec::new()
                    });
                    match &media {
                        Some(control) if !frames.is_empty() => {
                            playback = Some(control.play(frames))
                        }
                        _ => runner.playback_finished(Instant::now()),
                    }
                }
                PhoneAction::SendKeys { keys, info } => {
                    for key in keys.chars() {
                        if let Some(control) = media.as_ref().filter(|_| telephone_event) {
                            if let Err(e) = control.send_dtmf(key) {
                                report.problems.push(format!("key {key}: {e}"));
                            }
                        }
                        if info || !telephone_event {
                            let _ = sip.send_dtmf_info(handle, key, 160);
                        }
                    }
                }
                PhoneAction::Hangup => {
                    let _ = sip.hangup(handle);
                }
                PhoneAction::Ring | PhoneAction::Answer | PhoneAction::Reject(_) => {}
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
            match received.as_mut() {
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
                Some(CallEvent::Answered { media: remote }) => {
                    if let Some(s) = session.take() {
                        let options = MediaOptions {
                            recording: dial.recording.clone(),
                            ..MediaOptions::default()
                        };
                        match s.start(remote.addr, remote.codec, remote.telephone_event, options) {
                            Ok(m) => {
                                report.recording = dial.recording.clone();
                                telephone_event = remote.telephone_event.is_some();
                                let (control, rx, stop) = m.split();
                                media = Some(control);
                                received = Some(rx);
                                stopper = Some(stop);
                            }
                            Err(e) => report.problems.push(format!("cannot start media: {e}")),
                        }
                    }
                    runner.answered(Instant::now());
                }
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
                // The media task stopped: no more frames will come.
                None => received = None,
            },
            _ = played => {
                playback = None;
                runner.playback_finished(Instant::now());
            }
            _ = sleep => runner.handle_timeout(Instant::now()),
        }
    }
    drop(received);
    if let Some(stop) = stopper {
        let _ = stop.stop().await;
    }
    report.report = runner.report().clone();
    Ok(report)
}
