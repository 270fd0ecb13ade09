//! The call the phone places when the robot transfers it (REFER, blind transfer): to the Refer-To URI,
//! with the REFER's Referred-By, through the SIP endpoint, which reports its answer or failure to the
//! robot. Once answered the phone stays on the line silently until the far end (the agent queue) hangs
//! up, or for the scenario's maximum call length.

use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::rtp::session::{MediaOptions, MediaSession};
use crate::sip::driver::{resolve_uri, SipHandle};
use crate::sip::endpoint::{CallEvent, CallHandle, CallRequest};
use crate::sip::sdp::LocalMedia;

use super::runner::CallEnding;

/// How long the transfer target may ring before the phone gives up.
const RING_TIMEOUT: Duration = Duration::from_secs(30);

/// What the phone reports about the call it placed for a transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct TransferCall {
    /// When the target answered, in ms since the original call arrived.
    pub answered_ms: Option<u64>,
    /// The final status of its INVITE (200, 486 …; absent when none arrived).
    pub status: Option<u16>,
    /// How the call ended, in ms since the original call arrived.
    pub ended: Option<CallEnding>,
    /// Its stereo recording, when recording.
    pub recording: Option<PathBuf>,
    /// What could not be done (the target does not resolve, no RTP port …).
    pub problems: Vec<String>,
}

/// Where and how to place the transfer call.
pub(super) struct Leg {
    /// The SIP driver of the phone.
    pub sip: SipHandle,
    /// The call the REFER arrived on.
    pub original: CallHandle,
    /// The Refer-To URI.
    pub target: String,
    /// Our address-of-record for From.
    pub from: String,
    /// RTP ports to bind in.
    pub rtp_ports: RangeInclusive<u16>,
    /// SDP session id.
    pub session_id: u64,
    /// The stereo recording to write, if any.
    pub recording: Option<PathBuf>,
    /// The phone hangs up after this long once answered.
    pub max_call: Duration,
    /// When the original call arrived (report times count from it).
    pub t0: Instant,
}

impl Leg {
    /// Places the call and holds it to its end.
    pub(super) async fn run(self) -> TransferCall {
        let mut report = TransferCall::default();
        let ms = |at: Instant| at.saturating_duration_since(self.t0).as_millis() as u64;
        let dest = match resolve_uri(&self.target).await {
            Ok(dest) => dest,
            Err(e) => return self.give_up(report, 404, format!("transfer target: {e}")),
        };
        let session =
            match MediaSession::bind(self.sip.local_addr.ip(), self.rtp_ports.clone()).await {
                Ok(s) => s,
                Err(e) => return self.give_up(report, 503, format!("cannot bind RTP: {e}")),
            };
        let offer = LocalMedia {
            addr: self.sip.public_addr.ip(),
            port: session.local_rtp_port(),
            session_id: self.session_id,
            version: 1,
        }
        .offer();
        let request = CallRequest {
            target: self.target.clone(),
            from: self.from.clone(),
            display_name: None,
            dest,
            sdp_offer: offer,
            credentials: None,
            ring_timeout: RING_TIMEOUT,
        };
        let (handle, mut events) = match self.sip.follow_transfer(self.original, request).await {
            Ok(placed) => placed,
            Err(e) => {
                report
                    .problems
                    .push(format!("cannot call {}: {e}", self.target));
                return report;
            }
        };
        let mut session = Some(session);
        let mut media = None;
        let mut hang_up_at: Option<Instant> = None;
        loop {
            let deadline = async {
                match hang_up_at {
                    Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                ev = events.recv() => match ev {
                    Some(CallEvent::Answered { media: remote }) => {
                        let now = Instant::now();
                        report.answered_ms = Some(ms(now));
                        report.status = Some(200);
                        hang_up_at = Some(now + self.max_call);
                        let Some(s) = session.take() else { continue };
                        let options = MediaOptions {
                            recording: self.recording.clone(),
                            ..MediaOptions::default()
                        };
                        match s.start(remote.addr, remote.codec, remote.telephone_event, options) {
                            Ok(m) => {
                                report.recording = self.recording.clone();
                                media = Some(m);
                            }
                            Err(e) => report.problems.push(format!("cannot start media: {e}")),
                        }
                    }
                    Some(CallEvent::Ended(end)) => {
                        if report.answered_ms.is_none() {
                            report.status = end.status;
                        }
                        report.ended = Some(CallEnding { at_ms: ms(Instant::now()), reason: end.reason });
                        break;
                    }
                    Some(_) => {}
                    None => {
                        report.ended = Some(CallEnding {
                            at_ms: ms(Instant::now()),
                            reason: "the SIP driver stopped".into(),
                        });
                        break;
                    }
                },
                _ = deadline => {
                    hang_up_at = None;
                    let _ = self.sip.hangup(handle);
                }
            }
        }
        if let Some(m) = media {
            let _ = m.stop().await;
        }
        report
    }

    /// The call cannot be placed: the robot hears `status`, the report says why.
    fn give_up(&self, mut report: TransferCall, status: u16, problem: String) -> TransferCall {
        if let Err(e) = self.sip.fail_transfer(self.original, status) {
            report
                .problems
                .push(format!("cannot report the failure: {e}"));
        }
        report.status = Some(status);
        report.problems.push(problem);
        report
    }
}
