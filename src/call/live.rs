//! The live driver of one call: SIP call events and RTP media in, the [`CallCore`] deciding, prompts and
//! SIP commands out. It only moves things and reads the clock:
//!
//! - received frames (out of the jitter buffer) go to the listener thread ([`ListeningThread`]: VAD →
//!   endpointer → Vosk); its per-frame voice decisions, partial texts and utterances go to the core;
//! - keys from RFC 4733 and SIP INFO, the remote BYE, transfer results and the media timeout go to the core;
//! - the core's prompts are rendered sentence by sentence ([`Rendering`]) and queued on the media session
//!   as each is ready, so the first sentence plays while the rest render; a stop flushes at once;
//! - records are handed to a [`RecordSink`] as soon as the core emits them (the agent's context card is
//!   stored before the REFER goes out, since the driver awaits the sink first).

use super::clock::StreamClock;
use super::config::CallConfig;
use super::core::CallCore;
use super::io::{Input, Output, PromptId, Record};
use super::listening::{Heard, ListeningThread};
use super::playout::Rendering;
use super::report::CallReport;
use super::speech::CallSpeech;
use super::stop::{StopLevel, StopWatch};
use crate::asr::listener::ListenStats;
use crate::asr::AsrError;
use crate::audio::amd::AmdConfigError;
use crate::audio::frame::{frames_of, Frame, FRAME_SAMPLES};
use crate::dialog::context::CallContext;
use crate::dialog::flow::Flow;
use crate::rtp::session::{
    MediaError, MediaEvent, MediaOptions, MediaSession, Playback, PlaybackEnd,
};
use crate::rtp::summary::RtpReport;
use crate::sip::auth::Credentials;
use crate::sip::driver::{DriverError, SipHandle};
use crate::sip::endpoint::{CallEnd, CallEvent, CallHandle, CallRequest, EndedBy, IncomingCall};
use crate::sip::routing::CallEvents;
use crate::sip::sdp::{LocalMedia, RemoteMedia};
use crate::tts::sentences::speech_pieces;
use crate::tts::speaker::{RenderedPiece, Speaker};
use serde::Serialize;
use std::future::Future;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

static RUNNING: AtomicUsize = AtomicUsize::new(0);

/// How many live calls are being conducted in this process (for leak checks).
pub fn running_calls() -> usize {
    RUNNING.load(Ordering::SeqCst)
}

/// How long to wait for the BYE to be answered after hanging up.
const HANGUP_GRACE: Duration = Duration::from_secs(5);

/// Why a live call could not be conducted.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The SIP driver refused a command.
    #[error(transparent)]
    Sip(#[from] DriverError),
    /// No RTP port of the configured range could be bound.
    #[error("cannot bind RTP sockets in ports {ports}: {source} (widen [sip] rtp_ports or free some ports)")]
    RtpPorts {
        /// The configured range.
        ports: String,
        /// The socket error.
        source: std::io::Error,
    },
    /// The media session could not start.
    #[error(transparent)]
    Media(#[from] MediaError),
    /// The listener could not start.
    #[error(transparent)]
    Listener(#[from] AsrError),
    /// Answering-machine detection has unusable settings.
    #[error(transparent)]
    Amd(#[from] AmdConfigError),
    /// The SIP driver stopped while the call was being set up.
    #[error("the SIP driver stopped before the call was answered")]
    DriverStopped,
}

/// Where records go as the call produces them (a store, a file, a test's list).
pub trait RecordSink: Send {
    /// Keeps one record; an error is logged and the call goes on.
    fn store(&mut self, record: &Record) -> impl Future<Output = Result<(), String>> + Send;
}

/// A sink that keeps the records in memory, in order.
#[derive(Debug, Default)]
pub struct CollectRecords(pub Vec<Record>);

impl RecordSink for CollectRecords {
    async fn store(&mut self, record: &Record) -> Result<(), String> {
        self.0.push(record.clone());
        Ok(())
    }
}

/// Whom to dial and how.
#[derive(Debug, Clone)]
pub struct DialTarget {
    /// Request-URI.
    pub target: String,
    /// Our address-of-record for From.
    pub from: String,
    /// Display name in From.
    pub display_name: Option<String>,
    /// First hop of the INVITE.
    pub dest: SocketAddr,
    /// Credentials for 401/407 challenges.
    pub credentials: Option<Credentials>,
    /// How long to ring before giving up.
    pub ring_timeout: Duration,
}

/// The media side of a call.
#[derive(Debug, Clone)]
pub struct MediaSettings {
    /// UDP ports for RTP.
    pub rtp_ports: RangeInclusive<u16>,
    /// No RTP for this long ends the call.
    pub media_timeout: Duration,
    /// Where to write the two-sided recording.
    pub recording: Option<PathBuf>,
}

impl Default for MediaSettings {
    fn default() -> Self {
        Self {
            rtp_ports: 16384..=32767,
            media_timeout: Duration::from_secs(30),
            recording: None,
        }
    }
}

/// What to say to whom.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The flow.
    pub flow: Arc<Flow>,
    /// The debtor and their history (its `now` is replaced by the moment of the answer).
    pub ctx: CallContext,
    /// Barge-in, time limits, hand-off.
    pub config: CallConfig,
    /// The campaign's stop: a ringing call is cancelled, a conversation ends politely or at once.
    pub stop: StopWatch,
}

/// How a live call went: the telephony result and, when answered, the conversation's report.
#[derive(Debug, Clone, Serialize)]
pub struct LiveOutcome {
    /// How the SIP call ended (answered, busy, no answer, failed…).
    pub telephony: CallEnd,
    /// First provisional status seen (180/183).
    pub ringing: Option<u16>,
    /// From the INVITE to the answer or the final failure, in milliseconds.
    pub setup_ms: u64,
    /// The conversation, when the call was answered.
    pub report: Option<CallReport>,
    /// RTP figures.
    pub rtp: Option<RtpReport>,
    /// Negotiated media.
    pub media: Option<RemoteMedia>,
    /// Listener counters (frames heard, frames recognised).
    pub listened: Option<ListenStats>,
}

struct Running;

impl Running {
    fn enter() -> Running {
        RUNNING.fetch_add(1, Ordering::SeqCst);
        Running
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Dials `target`, and when answered holds `conversation` to its end.
pub async fn dial<S: RecordSink>(
    sip: &SipHandle,
    target: DialTarget,
    conversation: Conversation,
    speech: &CallSpeech,
    media: &MediaSettings,
    sink: &mut S,
) -> Result<LiveOutcome, LiveError> {
    let _running = Running::enter();
    let session = bind_media(sip, media).await?;
    let offer = local_media(sip, &session).offer();
    let started = Instant::now();
    let (handle, mut events) = sip
        .place_call(CallRequest {
            target: target.target,
            from: target.from,
            display_name: target.display_name,
            dest: target.dest,
            sdp_offer: offer,
            credentials: target.credentials,
            ring_timeout: target.ring_timeout,
        })
        .await?;
    let mut ringing = None;
    let mut stop = conversation.stop.clone();
    let mut cancelled = false;
    let remote = loop {
        let event = tokio::select! {
            ev = events.recv() => ev,
            _ = stop.raised(), if !cancelled => {
                cancelled = true;
                let _ = sip.hangup(handle);
                continue;
            }
        };
        match event {
            None => return Err(LiveError::DriverStopped),
            Some(CallEvent::Progress { status }) => {
                ringing.get_or_insert(status);
            }
            Some(CallEvent::Answered { media }) => break media,
            Some(CallEvent::Ended(end)) => {
                return Ok(LiveOutcome {
                    telephony: end,
                    ringing,
                    setup_ms: millis(started.elapsed()),
                    report: None,
                    rtp: None,
                    media: None,
                    listened: None,
                })
            }
            Some(_) => {}
        }
    };
    let setup_ms = millis(started.elapsed());
    let mut outcome = converse(
        sip,
        handle,
        events,
        session,
        remote,
        conversation,
        speech,
        media,
        sink,
    )
    .await?;
    outcome.ringing = ringing;
    outcome.setup_ms = setup_ms;
    Ok(outcome)
}

/// Answers an inbound call and holds `conversation` to its end.
pub async fn answer<S: RecordSink>(
    sip: &SipHandle,
    call: IncomingCall,
    conversation: Conversation,
    speech: &CallSpeech,
    media: &MediaSettings,
    sink: &mut S,
) -> Result<LiveOutcome, LiveError> {
    let _running = Running::enter();
    let events = sip.take_call_events(call.handle).await?;
    let session = match bind_media(sip, media).await {
        Ok(s) => s,
        Err(e) => {
            let _ = sip.reject(call.handle, 503);
            return Err(e);
        }
    };
    let sdp = local_media(sip, &session).answer(&call.offer);
    let started = Instant::now();
    sip.answer(call.handle, sdp).await?;
    let mut outcome = converse(
        sip,
        call.handle,
        events,
        session,
        call.offer,
        conversation,
        speech,
        media,
        sink,
    )
    .await?;
    outcome.setup_ms = millis(started.elapsed());
    Ok(outcome)
}

async fn bind_media(sip: &SipHandle, media: &MediaSettings) -> Result<MediaSession, LiveError> {
    MediaSession::bind(sip.local_addr.ip(), media.rtp_ports.clone())
        .await
        .map_err(|source| LiveError::RtpPorts {
            ports: format!("{}-{}", media.rtp_ports.start(), media.rtp_ports.end()),
            source,
        })
}

fn local_media(sip: &SipHandle, session: &MediaSession) -> LocalMedia {
    LocalMedia {
        addr: sip.public_addr.ip(),
        port: session.local_rtp_port(),
        session_id: fastrand::u64(1..u64::from(u32::MAX)),
        version: 1,
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The prompt being spoken: its id and whether its first sentence went out.
struct Speaking {
    id: PromptId,
    started: bool,
}

async fn next_piece(
    rendering: &mut Option<Rendering>,
) -> Option<Result<RenderedPiece, crate::tts::TtsError>> {
    match rendering.as_mut() {
        Some(r) => r.next().await,
        None => std::future::pending().await,
    }
}

async fn playback_end(playback: &mut Option<Playback>) -> PlaybackEnd {
    match playback.as_mut() {
        Some(p) => p.await,
        None => std::future::pending().await,
    }
}

async fn next_heard(listening: &mut Option<ListeningThread>) -> Option<Heard> {
    match listening.as_mut() {
        Some(l) => l.next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
        None => std::future::pending().await,
    }
}

/// Renders a prompt that plays soon into the prompt cache, in the background, so it starts without a gap.
fn prepare(speaker: &Speaker, text: String) {
    let speaker = speaker.clone();
    tokio::task::spawn_blocking(move || {
        for piece in speech_pieces(&text) {
            if let Err(e) = speaker.render(&piece.text) {
                tracing::debug!(error = %e, "a prompt could not be rendered ahead; it is rendered when played");
                break;
            }
        }
    });
}

/// Turns what the listener heard into the core's input, at its moment on the call's clock.
fn heard_input(stream: StreamClock, heard: Heard) -> Option<(Instant, Input)> {
    match heard {
        Heard::Frame {
            index,
            voiced,
            level,
        } => Some((stream.frame(index), Input::Voice { voiced, level })),
        Heard::Amd { index, decision } => Some((stream.frame(index + 1), Input::Amd(decision))),
        Heard::Partial(text) => Some((Instant::now(), Input::Partial(text))),
        Heard::Utterance {
            text,
            confidence,
            start,
            end,
            closed,
        } => Some((
            Instant::now(),
            Input::Utterance {
                text,
                confidence,
                start,
                end,
                closed,
            },
        )),
        Heard::GrammarRejected(reason) => {
            tracing::warn!(%reason, "the recogniser refused a phrase grammar; free speech goes on");
            None
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn converse<S: RecordSink>(
    sip: &SipHandle,
    handle: CallHandle,
    mut events: CallEvents,
    session: MediaSession,
    remote: RemoteMedia,
    conversation: Conversation,
    speech: &CallSpeech,
    settings: &MediaSettings,
    sink: &mut S,
) -> Result<LiveOutcome, LiveError> {
    let answered_at = Instant::now();
    let options = MediaOptions {
        media_timeout: settings.media_timeout,
        recording: settings.recording.clone(),
        ..MediaOptions::default()
    };
    let media = match session.start(remote.addr, remote.codec, remote.telephone_event, options) {
        Ok(m) => m,
        Err(e) => {
            let _ = sip.hangup(handle);
            return Err(e.into());
        }
    };
    let (control, mut media_events, stopper) = media.split();
    let amd = match conversation.config.amd.as_ref().map(|a| a.start_detector()) {
        Some(Ok(detector)) => Some(detector),
        Some(Err(e)) => {
            let _ = sip.hangup(handle);
            stopper.stop().await;
            return Err(e.into());
        }
        None => None,
    };
    let mut listening = match &speech.hearing {
        Some(h) => match ListeningThread::spawn(h, amd) {
            Ok(l) => Some(l),
            Err(e) => {
                let _ = sip.hangup(handle);
                stopper.stop().await;
                return Err(e.into());
            }
        },
        None => None,
    };
    let Conversation {
        flow,
        mut ctx,
        config,
        mut stop,
    } = conversation;
    ctx.now = chrono::Utc::now();
    let mut core = CallCore::start(flow, ctx, config, answered_at);
    core.handle_input(answered_at, Input::Answered);
    if stop.level() > StopLevel::Run {
        core.handle_input(
            answered_at,
            Input::Stop {
                at_once: stop.level() == StopLevel::AtOnce,
            },
        );
    }
    let stream = StreamClock { answered_at };

    let mut frames_heard = 0u64;
    let mut speaking: Option<Speaking> = None;
    let mut rendering: Option<Rendering> = None;
    let mut playback: Option<Playback> = None;
    let mut media_open = true;
    let mut sip_end: Option<CallEnd> = None;
    let mut report: Option<CallReport> = None;
    let mut hangup_deadline: Option<Instant> = None;

    loop {
        while let Some(output) = core.poll_output() {
            match output {
                Output::Play { id, text, .. } => {
                    speaking = Some(Speaking { id, started: false });
                    rendering = Some(Rendering::start(&speech.speaker, &text));
                    playback = None;
                }
                Output::Prepare { text } => prepare(&speech.speaker, text),
                Output::StopPlayback => {
                    speaking = None;
                    rendering = None;
                    playback = None;
                    control.flush();
                }
                Output::SetGrammar(grammar) => {
                    if let Some(l) = &listening {
                        l.set_grammar(grammar);
                    }
                }
                Output::Transfer { target } => {
                    if let Err(e) = sip.transfer(handle, &target).await {
                        core.handle_input(
                            Instant::now(),
                            Input::TransferFailed {
                                reason: format!("the transfer could not start: {e}"),
                            },
                        );
                    }
                }
                Output::Hangup => {
                    if sip_end.is_none() && hangup_deadline.is_none() {
                        let _ = sip.hangup(handle);
                        hangup_deadline = Some(Instant::now() + HANGUP_GRACE);
                    }
                }
                Output::Store(record) => {
                    if let Err(reason) = sink.store(&record).await {
                        tracing::warn!(%reason, "a call record could not be stored");
                    }
                }
                Output::Ended(r) => report = Some(*r),
            }
        }
        if report.is_some() {
            if sip_end.is_some() {
                break;
            }
            if hangup_deadline.is_none() {
                let _ = sip.hangup(handle);
                hangup_deadline = Some(Instant::now() + HANGUP_GRACE);
            }
        }
        let timer = if report.is_some() {
            None
        } else {
            core.poll_timeout()
        };
        tokio::select! {
            ev = events.recv() => {
                let now = Instant::now();
                match ev {
                    None => {
                        sip_end = Some(CallEnd::after_answer("the SIP driver stopped", EndedBy::Local));
                        core.handle_input(now, Input::RemoteHangup);
                    }
                    Some(CallEvent::Ended(end)) => {
                        sip_end = Some(end);
                        core.handle_input(now, Input::RemoteHangup);
                    }
                    Some(CallEvent::Dtmf { digit, .. }) => core.handle_input(now, Input::Dtmf(digit)),
                    Some(CallEvent::MediaChanged(m)) => control.set_remote(m.addr),
                    Some(CallEvent::TransferCompleted { success: true, .. }) => {
                        core.handle_input(now, Input::TransferAccepted);
                    }
                    Some(CallEvent::TransferCompleted { success: false, status }) => {
                        let reason = match status {
                            Some(s) => format!("the agent queue answered {s}"),
                            None => "the agent queue did not answer".to_string(),
                        };
                        core.handle_input(now, Input::TransferFailed { reason });
                    }
                    Some(_) => {}
                }
            }
            ev = media_events.recv(), if media_open => {
                let now = Instant::now();
                match ev {
                    Some(MediaEvent::Audio(frame)) => {
                        if let Some(l) = &listening {
                            if frames_heard == 0 {
                                // Stream time 0 is the answer: the silence before the first packet counts.
                                // Frames already waiting (while the listener started) came out earlier
                                // than now and are not counted twice.
                                let lag = now.saturating_duration_since(answered_at).as_millis() / 20;
                                let waiting = media_events.len() as u128;
                                for _ in (1 + waiting)..lag {
                                    l.push(&[0; FRAME_SAMPLES]);
                                    frames_heard += 1;
                                }
                            }
                            l.push(&frame);
                            frames_heard += 1;
                        }
                    }
                    Some(MediaEvent::Dtmf(digit)) => core.handle_input(now, Input::Dtmf(digit)),
                    Some(MediaEvent::Timeout) => core.handle_input(now, Input::MediaTimeout),
                    None => media_open = false,
                }
            }
            heard = next_heard(&mut listening) => match heard {
                Some(h) => {
                    if let Some((at, input)) = heard_input(stream, h) {
                        core.handle_input(at, input);
                    }
                }
                None => listening = None,
            },
            piece = next_piece(&mut rendering) => {
                let now = Instant::now();
                match (piece, speaking.as_mut()) {
                    (Some(Ok(piece)), Some(s)) => {
                        let mut frames: Vec<Frame> = Vec::new();
                        if s.started {
                            frames.extend(std::iter::repeat_n([0i16; FRAME_SAMPLES], piece.pause_frames));
                        }
                        frames.extend(frames_of(&piece.samples));
                        playback = Some(control.play(frames));
                        if !s.started {
                            s.started = true;
                            let id = s.id;
                            core.handle_input(now, Input::PromptStarted { id });
                        }
                    }
                    (Some(Err(e)), Some(s)) => {
                        let id = s.id;
                        speaking = None;
                        rendering = None;
                        playback = None;
                        control.flush();
                        core.handle_input(now, Input::PromptFailed { id, reason: e.to_string() });
                    }
                    (None, Some(s)) => {
                        rendering = None;
                        if playback.is_none() {
                            let id = s.id;
                            if !s.started {
                                core.handle_input(now, Input::PromptStarted { id });
                            }
                            speaking = None;
                            core.handle_input(now, Input::PromptFinished { id });
                        }
                    }
                    (_, None) => rendering = None,
                }
            }
            end = playback_end(&mut playback) => {
                let now = Instant::now();
                playback = None;
                if let Some(s) = &speaking {
                    let id = s.id;
                    match end {
                        PlaybackEnd::Finished if rendering.is_some() => {}
                        PlaybackEnd::Finished => {
                            speaking = None;
                            core.handle_input(now, Input::PromptFinished { id });
                        }
                        PlaybackEnd::Flushed | PlaybackEnd::Stopped => {
                            speaking = None;
                            rendering = None;
                            core.handle_input(now, Input::PromptStopped { id });
                        }
                    }
                }
            }
            level = stop.raised() => {
                core.handle_input(Instant::now(), Input::Stop { at_once: level == StopLevel::AtOnce });
            }
            _ = sleep_until(timer) => core.handle_timeout(Instant::now()),
            _ = sleep_until(hangup_deadline) => {
                sip_end.get_or_insert_with(|| {
                    CallEnd::after_answer("the peer did not answer our BYE", EndedBy::Local)
                });
            }
        }
    }

    drop(rendering);
    drop(playback);
    control.flush();
    let listened = match listening {
        Some(l) => Some(l.finish().await.1),
        None => None,
    };
    drop(media_events);
    let rtp = stopper.stop().await;
    let mut report = report.unwrap_or_else(|| core.report());
    report.recording = settings.recording.as_ref().map(|p| p.display().to_string());
    report.recognition = Some(speech.recognition.clone());
    Ok(LiveOutcome {
        telephony: sip_end.unwrap_or_else(|| CallEnd::after_answer("hung up", EndedBy::Local)),
        ringing: None,
        setup_ms: 0,
        report: Some(report),
        rtp: Some(RtpReport::from(&rtp)),
        media: Some(remote),
        listened,
    })
}
