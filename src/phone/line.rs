//! One call's line as the phone's scenario sees it, whichever side placed the call: the media once it is up,
//! the clips it plays, the keys it sends, and the loop that feeds call events, received audio and time into the
//! [`Runner`]. What differs between a call the phone answers and one it places (ringing, answering, transfers)
//! is left to the caller through [`Turn`].

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio::sync::mpsc;

use super::prompt::is_voiced;
use super::runner::{PhoneAction, Runner};
use crate::audio::frame::{frames_of, Frame};
use crate::audio::wav::read_telephony;
use crate::rtp::session::{
    MediaControl, MediaEvent, MediaOptions, MediaSession, MediaStopper, Playback,
};
use crate::sip::driver::{CallEvents, SipHandle};
use crate::sip::endpoint::{CallEvent, CallHandle};
use crate::sip::sdp::RemoteMedia;

/// What the line hands back to the side that drives it.
#[derive(Debug)]
pub(super) enum Turn {
    /// A scenario action the line does not carry out itself (ring, answer, reject, follow a transfer).
    Action(PhoneAction),
    /// A call event other than the end of the call.
    Event(CallEvent),
    /// The call is over (the runner has been told).
    Over,
}

/// The media of an answered call.
struct Media {
    control: MediaControl,
    /// Received audio; `None` once the media task stopped sending.
    events: Option<mpsc::Receiver<MediaEvent>>,
    stopper: MediaStopper,
    telephone_event: bool,
}

/// One call's line: the scenario runner, the RTP session until media starts, then the media.
pub(super) struct Line {
    sip: SipHandle,
    handle: CallHandle,
    events: CallEvents,
    /// The scenario being followed.
    pub runner: Runner,
    session: Option<MediaSession>,
    recording: Option<PathBuf>,
    media: Option<Media>,
    playback: Option<Playback>,
    clips: HashMap<PathBuf, Vec<Frame>>,
    /// The stereo recording, once media started with one.
    pub recorded: Option<PathBuf>,
    /// What could not be done (a clip that cannot be read, a key that could not be sent …).
    pub problems: Vec<String>,
}

impl Line {
    /// A line for the call of `events` following `runner`; media starts on `session` recording to `recording`.
    pub(super) fn new(
        sip: SipHandle,
        events: CallEvents,
        runner: Runner,
        session: Option<MediaSession>,
        recording: Option<PathBuf>,
    ) -> Self {
        Line {
            sip,
            handle: events.handle(),
            events,
            runner,
            session,
            recording,
            media: None,
            playback: None,
            clips: HashMap::new(),
            recorded: None,
            problems: Vec::new(),
        }
    }

    /// The local RTP port media will use, while media has not started.
    pub(super) fn rtp_port(&self) -> Option<u16> {
        self.session.as_ref().map(MediaSession::local_rtp_port)
    }

    /// Starts media towards `remote` (once; later calls do nothing).
    pub(super) fn start_media(&mut self, remote: &RemoteMedia) {
        let Some(session) = self.session.take() else {
            return;
        };
        let options = MediaOptions {
            recording: self.recording.clone(),
            ..MediaOptions::default()
        };
        match session.start(remote.addr, remote.codec, remote.telephone_event, options) {
            Ok(m) => {
                self.recorded = self.recording.clone();
                let (control, events, stopper) = m.split();
                self.media = Some(Media {
                    control,
                    events: Some(events),
                    stopper,
                    telephone_event: remote.telephone_event.is_some(),
                });
            }
            Err(e) => self.problems.push(format!("cannot start media: {e}")),
        }
    }

    /// Carries out the runner's actions the line knows and waits for what comes next; returns the first thing
    /// its driver must handle.
    pub(super) async fn next(&mut self) -> Turn {
        loop {
            while let Some(action) = self.runner.poll_action() {
                if let Some(other) = self.act(action) {
                    return Turn::Action(other);
                }
            }
            let wake = self.runner.poll_timeout();
            let sleep = async {
                match wake {
                    Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                    None => std::future::pending().await,
                }
            };
            let media = &mut self.media;
            let frame = async {
                match media.as_mut().and_then(|m| m.events.as_mut()) {
                    Some(rx) => rx.recv().await,
                    None => std::future::pending().await,
                }
            };
            let playback = &mut self.playback;
            let played = async {
                match playback.as_mut() {
                    Some(p) => p.await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                ev = self.events.recv() => match ev {
                    Some(CallEvent::Ended(end)) => {
                        self.runner.ended(Instant::now(), end.reason);
                        return Turn::Over;
                    }
                    Some(ev) => return Turn::Event(ev),
                    None => {
                        self.runner.ended(Instant::now(), "the SIP driver stopped");
                        return Turn::Over;
                    }
                },
                ev = frame => match ev {
                    Some(MediaEvent::Audio(f)) => self.runner.frame(Instant::now(), is_voiced(&f)),
                    Some(_) => {}
                    None => {
                        if let Some(m) = self.media.as_mut() {
                            // The media task stopped: no more frames will come.
                            m.events = None;
                        }
                    }
                },
                _ = played => {
                    self.playback = None;
                    self.runner.playback_finished(Instant::now());
                }
                _ = sleep => self.runner.handle_timeout(Instant::now()),
            }
        }
    }

    /// Stops the media, if it started.
    pub(super) async fn stop_media(&mut self) {
        if let Some(m) = self.media.take() {
            let _ = m.stopper.stop().await;
        }
    }

    /// Plays, sends keys or hangs up; returns the actions that belong to the side driving the call.
    fn act(&mut self, action: PhoneAction) -> Option<PhoneAction> {
        match action {
            PhoneAction::Play(path) => {
                let frames = clip(&mut self.clips, &path).unwrap_or_else(|e| {
                    self.problems.push(e);
                    Vec::new()
                });
                match self.media.as_ref() {
                    Some(m) if !frames.is_empty() => self.playback = Some(m.control.play(frames)),
                    _ => self.runner.playback_finished(Instant::now()),
                }
            }
            PhoneAction::SendKeys { keys, info } => {
                let rfc4733 = self.media.as_ref().filter(|m| m.telephone_event);
                for key in keys.chars() {
                    if let Some(m) = rfc4733 {
                        if let Err(e) = m.control.send_dtmf(key) {
                            self.problems.push(format!("key {key}: {e}"));
                        }
                    }
                    if info || rfc4733.is_none() {
                        let _ = self.sip.send_dtmf_info(self.handle, key, 160);
                    }
                }
            }
            PhoneAction::Hangup => {
                let _ = self.sip.hangup(self.handle);
            }
            other => return Some(other),
        }
        None
    }
}

/// A clip at 8 kHz in frames, read once per call.
fn clip(cache: &mut HashMap<PathBuf, Vec<Frame>>, path: &Path) -> Result<Vec<Frame>, String> {
    if let Some(f) = cache.get(path) {
        return Ok(f.clone());
    }
    let samples = read_telephony(path).map_err(|e| format!("clip {}: {e}", path.display()))?;
    let frames = frames_of(&samples);
    cache.insert(path.to_path_buf(), frames.clone());
    Ok(frames)
}
