//! The tokio media session of one call: binds the RTP/RTCP sockets, then one task drives the call's
//! [`MediaCore`] — it reads the clock, wakes on the 20 ms grid, moves datagrams between the sockets and the
//! core, writes the call recording and reports events (audio, DTMF, media timeout) to its owner. What to
//! send, play and report is decided in the core.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::core::{CoreConfig, CoreEvent, MediaCore, PlaybackId, Socket};
use super::dtmf::DtmfError;
use super::g711::Codec;
use super::jitter::{JitterConfig, JitterStats};
use super::pacing::PacingHistogram;
use super::recording::{CallRecorder, RecordingError};
use super::rtcp::ReportBlock;
use crate::audio::frame::Frame;

/// Why a media operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The call recording could not be created.
    #[error(transparent)]
    Recording(#[from] RecordingError),
    /// The digit is not a DTMF key.
    #[error(transparent)]
    Dtmf(#[from] DtmfError),
    /// DTMF cannot be sent because the peer's SDP did not offer telephone-event.
    #[error(
        "the peer did not negotiate telephone-event, so DTMF cannot be sent as RFC 4733 events"
    )]
    NoTelephoneEvent,
    /// The media session has already stopped.
    #[error("the media session has stopped")]
    Stopped,
}

/// Settings of one media session; `MediaOptions::default()` suits a normal call.
#[derive(Debug, Clone)]
pub struct MediaOptions {
    /// No RTP from the remote party for this long raises [`MediaEvent::Timeout`].
    pub media_timeout: Duration,
    /// Jitter buffer sizing.
    pub jitter: JitterConfig,
    /// Interval between RTCP reports (randomised ±50 % as RFC 3550 asks).
    pub rtcp_interval: Duration,
    /// Where to write the stereo call recording, if anywhere.
    pub recording: Option<PathBuf>,
    /// Send silence packets while nothing plays (keeps NAT bindings and the peer's media timeout alive);
    /// when false, nothing is sent between talkspurts.
    pub send_silence: bool,
    /// Length of each DTMF tone sent.
    pub dtmf_tone: Duration,
    /// Pause between DTMF tones sent.
    pub dtmf_gap: Duration,
    /// Volume of DTMF tones sent, in -dBm0.
    pub dtmf_volume: u8,
    /// The remote RTCP address when SDP names one (`a=rtcp`); otherwise the RTP port + 1.
    pub remote_rtcp: Option<SocketAddr>,
    /// RTCP CNAME (no personal data).
    pub cname: String,
}

impl Default for MediaOptions {
    fn default() -> Self {
        MediaOptions {
            media_timeout: Duration::from_secs(30),
            jitter: JitterConfig::default(),
            rtcp_interval: Duration::from_secs(5),
            recording: None,
            send_silence: true,
            dtmf_tone: Duration::from_millis(100),
            dtmf_gap: Duration::from_millis(60),
            dtmf_volume: 10,
            remote_rtcp: None,
            cname: "softcall".to_string(),
        }
    }
}

/// What the media session reports to the call.
// Audio is by far the most frequent event; boxing it would allocate 50 times a second per call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaEvent {
    /// One 20 ms frame of the remote party's audio, every 20 ms once their RTP started (concealed or
    /// silent where packets were lost or paused).
    Audio(Frame),
    /// A DTMF key the remote party pressed (RFC 4733), reported once per press.
    Dtmf(char),
    /// No RTP arrived for [`MediaOptions::media_timeout`]: the call should end with outcome `failed`.
    Timeout,
}

/// How a queued playback ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaybackEnd {
    /// Every frame was sent.
    Finished,
    /// Dropped by [`MediaControl::flush`] (barge-in) before it finished.
    Flushed,
    /// The session stopped before it finished.
    Stopped,
}

/// A queued playback; await [`Playback::finished`] to learn when its last frame has been sent.
#[derive(Debug)]
pub struct Playback(oneshot::Receiver<PlaybackEnd>);

impl std::future::Future for Playback {
    type Output = PlaybackEnd;

    /// Polling a `&mut Playback` in `select!` loops waits for the same end as [`Playback::finished`].
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<PlaybackEnd> {
        std::pin::Pin::new(&mut self.0)
            .poll(cx)
            .map(|end| end.unwrap_or(PlaybackEnd::Stopped))
    }
}

impl Playback {
    /// Waits until the playback's last frame was sent, it was flushed, or the session stopped.
    pub async fn finished(self) -> PlaybackEnd {
        self.0.await.unwrap_or(PlaybackEnd::Stopped)
    }
}

/// Figures of a media session so far (updated every second and at the end).
#[derive(Debug, Clone, Default)]
pub struct MediaStats {
    /// Where RTP is sent now (after symmetric-RTP latching).
    pub remote: Option<SocketAddr>,
    /// Our SSRC.
    pub local_ssrc: u32,
    /// RTP packets sent (audio and telephone-event).
    pub packets_sent: u64,
    /// RTP payload octets sent.
    pub octets_sent: u64,
    /// RTP packets received from the remote stream.
    pub packets_received: u64,
    /// RTP payload octets received.
    pub octets_received: u64,
    /// Packets the remote stream lost on the way to us (RFC 3550 cumulative lost).
    pub packets_lost: i64,
    /// Interarrival jitter of the remote stream in milliseconds.
    pub jitter_ms: f64,
    /// Jitter buffer counters.
    pub jitter_buffer: JitterStats,
    /// The remote party's latest report on our stream.
    pub remote_report: Option<ReportBlock>,
    /// Round-trip time from the latest report that allows computing it.
    pub round_trip: Option<Duration>,
    /// RTCP packets sent.
    pub rtcp_sent: u64,
    /// RTCP packets received.
    pub rtcp_received: u64,
    /// DTMF keys received.
    pub dtmf_received: u64,
    /// Datagrams that were not valid RTP/RTCP or came from an unexpected source.
    pub rejected_datagrams: u64,
    /// Audio events dropped because the owner did not read them fast enough.
    pub audio_events_dropped: u64,
    /// Deviation of each RTP packet's send time from the 20 ms grid.
    pub pacing: PacingHistogram,
}

enum Command {
    Play(Vec<Frame>, oneshot::Sender<PlaybackEnd>),
    Flush,
    Dtmf(char),
    SetRemote(SocketAddr),
    Stop,
}

/// Cloneable control of a running media session: queue audio, barge in, send DTMF, redirect, stop.
#[derive(Debug, Clone)]
pub struct MediaControl {
    commands: mpsc::UnboundedSender<Command>,
    stats: Arc<Mutex<MediaStats>>,
    local_rtp: SocketAddr,
    telephone_event_pt: Option<u8>,
}

impl MediaControl {
    /// Queues frames to send after everything queued before; the returned [`Playback`] tells when
    /// they have all been sent.
    pub fn play(&self, frames: Vec<Frame>) -> Playback {
        let (done, finished) = oneshot::channel();
        // A stopped session drops `done`, so the playback resolves to `Stopped`.
        let _ = self.commands.send(Command::Play(frames, done));
        Playback(finished)
    }

    /// Drops all queued audio at once (barge-in); pending playbacks end with [`PlaybackEnd::Flushed`].
    pub fn flush(&self) {
        let _ = self.commands.send(Command::Flush);
    }

    /// Queues a DTMF key (0-9, *, #, A-D) to send as RFC 4733 telephone-events.
    pub fn send_dtmf(&self, digit: char) -> Result<(), MediaError> {
        super::dtmf::event_of_digit(digit)?;
        if self.telephone_event_pt.is_none() {
            return Err(MediaError::NoTelephoneEvent);
        }
        self.commands
            .send(Command::Dtmf(digit))
            .map_err(|_| MediaError::Stopped)
    }

    /// Sends media to a new remote address from now on (re-INVITE, or 200 OK after early media).
    pub fn set_remote(&self, remote: SocketAddr) {
        let _ = self.commands.send(Command::SetRemote(remote));
    }

    /// A snapshot of the session's figures.
    pub fn stats(&self) -> MediaStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The local RTP address (its port goes into SDP).
    pub fn local_rtp(&self) -> SocketAddr {
        self.local_rtp
    }
}

/// A running media session: its control, its events and its task.
#[derive(Debug)]
pub struct MediaHandle {
    control: MediaControl,
    events: mpsc::Receiver<MediaEvent>,
    task: JoinHandle<()>,
}

impl MediaHandle {
    /// A cloneable control for other tasks.
    pub fn control(&self) -> MediaControl {
        self.control.clone()
    }

    /// Waits for the next event; `None` once the session has stopped.
    pub async fn next_event(&mut self) -> Option<MediaEvent> {
        self.events.recv().await
    }

    /// Splits into the control, the event receiver, and a handle that stops the session when asked.
    pub fn split(self) -> (MediaControl, mpsc::Receiver<MediaEvent>, MediaStopper) {
        let stopper = MediaStopper {
            control: self.control.clone(),
            task: self.task,
        };
        (self.control, self.events, stopper)
    }

    /// Queues frames to play; see [`MediaControl::play`].
    pub fn play(&self, frames: Vec<Frame>) -> Playback {
        self.control.play(frames)
    }

    /// Drops queued audio (barge-in); see [`MediaControl::flush`].
    pub fn flush(&self) {
        self.control.flush()
    }

    /// Sends a DTMF key; see [`MediaControl::send_dtmf`].
    pub fn send_dtmf(&self, digit: char) -> Result<(), MediaError> {
        self.control.send_dtmf(digit)
    }

    /// A snapshot of the session's figures.
    pub fn stats(&self) -> MediaStats {
        self.control.stats()
    }

    /// Stops the session (RTCP BYE sent, recording finished) and returns its final figures.
    pub async fn stop(self) -> MediaStats {
        let (_, _, stopper) = self.split();
        stopper.stop().await
    }
}

/// Stops a split media session.
#[derive(Debug)]
pub struct MediaStopper {
    control: MediaControl,
    task: JoinHandle<()>,
}

impl MediaStopper {
    /// Stops the session (RTCP BYE sent, recording finished) and returns its final figures.
    pub async fn stop(self) -> MediaStats {
        let _ = self.control.commands.send(Command::Stop);
        let _ = self.task.await;
        self.control.stats()
    }
}

/// The bound sockets of a call's media, before the remote address is known (their port goes into SDP).
#[derive(Debug)]
pub struct MediaSession {
    rtp: UdpSocket,
    rtcp: UdpSocket,
}

impl MediaSession {
    /// Binds an even RTP port and the next odd RTCP port on `local_ip`, trying ports of `ports` from a
    /// random starting point; fails with `AddrInUse` when the whole range is taken.
    pub async fn bind(local_ip: IpAddr, ports: RangeInclusive<u16>) -> io::Result<MediaSession> {
        // Even RTP ports from the first even port of the range; RTCP takes the odd one above.
        let first = (*ports.start() as u32).max(2).div_ceil(2) * 2;
        let last = *ports.end() as u32;
        if first >= last {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("RTP port range {ports:?} holds no even/odd port pair"),
            ));
        }
        let pairs = ((last - first) / 2 + 1) as u64;
        let offset = random_u64() % pairs;
        for i in 0..pairs {
            let port = first + (((offset + i) % pairs) * 2) as u32;
            if port >= last {
                continue;
            }
            // `port < last <= 65535`, so both fit in u16.
            let port = port as u16;
            let Ok(rtp) = UdpSocket::bind((local_ip, port)).await else {
                continue;
            };
            let Ok(rtcp) = UdpSocket::bind((local_ip, port + 1)).await else {
                continue;
            };
            return Ok(MediaSession { rtp, rtcp });
        }
        Err(io::Error::new(
            io::ErrorKind::AddrInUse,
            format!("no free RTP port pair in {ports:?} on {local_ip} (widen the RTP port range)"),
        ))
    }

    /// The local RTP address.
    pub fn local_rtp(&self) -> SocketAddr {
        // A bound socket always has a local address; fall back to unspecified rather than panic.
        self.rtp
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    /// The local RTP port, for the SDP `m=audio` line.
    pub fn local_rtp_port(&self) -> u16 {
        self.local_rtp().port()
    }

    /// Starts media towards `remote` with the negotiated codec and telephone-event payload type.
    pub fn start(
        self,
        remote: SocketAddr,
        codec: Codec,
        telephone_event_pt: Option<u8>,
        options: MediaOptions,
    ) -> Result<MediaHandle, MediaError> {
        let recorder = match &options.recording {
            Some(path) => Some(CallRecorder::create(path)?),
            None => None,
        };
        let local_rtp = self.local_rtp();
        let (commands, command_rx) = mpsc::unbounded_channel();
        let (event_tx, events) = mpsc::channel(EVENT_CAPACITY);
        let start = Instant::now();
        let core = MediaCore::new(
            CoreConfig {
                remote,
                codec,
                telephone_event_pt,
                record: recorder.is_some(),
                options,
            },
            start,
            SystemTime::now(),
            random_u64(),
        );
        let stats = Arc::new(Mutex::new(core.stats()));
        let driver = Driver {
            core,
            rtp: self.rtp,
            rtcp: self.rtcp,
            recorder,
            playbacks: HashMap::new(),
            events: event_tx,
            shared: stats.clone(),
            pacing: PacingHistogram::new(),
            audio_events_dropped: 0,
        };
        let task = tokio::spawn(driver.run(command_rx, start));
        Ok(MediaHandle {
            control: MediaControl {
                commands,
                stats,
                local_rtp,
                telephone_event_pt,
            },
            events,
            task,
        })
    }
}

/// Room in the event channel: 10 s of audio.
const EVENT_CAPACITY: usize = 500;
/// Audio events are dropped before DTMF and timeout events lose their room.
const CONTROL_RESERVE: usize = 16;
/// How often the figures behind [`MediaControl::stats`] are refreshed.
const PUBLISH_EVERY: Duration = Duration::from_secs(1);

fn random_u64() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    hasher.finish()
}

/// The socket task of one call: reads the clock, moves datagrams between the sockets and the
/// [`MediaCore`], and hands the core's events to the call, the playbacks and the recording.
struct Driver {
    core: MediaCore,
    rtp: UdpSocket,
    rtcp: UdpSocket,
    recorder: Option<CallRecorder>,
    playbacks: HashMap<PlaybackId, oneshot::Sender<PlaybackEnd>>,
    events: mpsc::Sender<MediaEvent>,
    shared: Arc<Mutex<MediaStats>>,
    pacing: PacingHistogram,
    audio_events_dropped: u64,
}

impl Driver {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>, start: Instant) {
        // The pacer wakes the task on the 20 ms grid with microsecond precision; tokio's timer only
        // serves the rarer deadlines between slots (an RTCP report, the media timeout).
        let mut clock = super::clock::grid(start);
        let mut next_publish = start + PUBLISH_EVERY;
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 2048];
        loop {
            let between_slots = self
                .core
                .poll_timeout()
                .filter(|at| *at < self.core.next_slot_due());
            let wake_between_slots = async {
                match between_slots {
                    Some(at) => tokio::time::sleep_until(at.into()).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                changed = clock.changed() => {
                    if changed.is_err() {
                        tracing::error!("media pacer stopped; ending the media session");
                        break;
                    }
                    if clock.borrow_and_update().is_some() {
                        self.core.handle_timeout(Instant::now());
                    }
                }
                command = commands.recv() => match command {
                    Some(Command::Play(frames, done)) => {
                        let id = self.core.play(frames);
                        self.playbacks.insert(id, done);
                    }
                    Some(Command::Flush) => self.core.flush(),
                    Some(Command::Dtmf(digit)) => {
                        // Validated by `MediaControl::send_dtmf`.
                        let _ = self.core.send_dtmf(digit);
                    }
                    Some(Command::SetRemote(remote)) => self.core.set_remote(remote),
                    Some(Command::Stop) | None => break,
                },
                received = self.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((len, from)) = received {
                        self.core.handle_datagram(Instant::now(), from, &rtp_buf[..len]);
                    }
                }
                received = self.rtcp.recv_from(&mut rtcp_buf) => {
                    if let Ok((len, from)) = received {
                        self.core.handle_rtcp_datagram(Instant::now(), from, &rtcp_buf[..len]);
                    }
                }
                () = wake_between_slots => self.core.handle_timeout(Instant::now()),
            }
            self.drain().await;
            let now = Instant::now();
            if now >= next_publish {
                self.publish();
                next_publish = now + PUBLISH_EVERY;
            }
        }
        self.core.stop(Instant::now());
        self.drain().await;
        if let Some(recorder) = self.recorder.take() {
            if let Err(err) = recorder.finish() {
                tracing::warn!("{err}");
            }
        }
        self.publish();
    }

    /// Sends what the core queued and delivers its events.
    async fn drain(&mut self) {
        while let Some(transmit) = self.core.poll_transmit() {
            let socket = match transmit.socket {
                Socket::Rtp => &self.rtp,
                Socket::Rtcp => &self.rtcp,
            };
            if let Err(err) = socket.send_to(&transmit.payload, transmit.dest).await {
                tracing::debug!("media datagram to {} not sent: {err}", transmit.dest);
            }
            if let Some(slot) = transmit.slot {
                self.pacing
                    .record(Instant::now().saturating_duration_since(slot));
            }
        }
        while let Some(event) = self.core.poll_event() {
            match event {
                CoreEvent::Audio(frame) => {
                    if self.events.capacity() > CONTROL_RESERVE {
                        let _ = self.events.try_send(MediaEvent::Audio(frame));
                    } else {
                        if self.audio_events_dropped == 0 {
                            // Said once per call; the count keeps growing in the stats and the report.
                            tracing::warn!(
                                "received audio is not read (10 s queued); frames are dropped and counted"
                            );
                        }
                        self.audio_events_dropped += 1;
                    }
                }
                CoreEvent::Dtmf(digit) => {
                    let _ = self.events.try_send(MediaEvent::Dtmf(digit));
                }
                CoreEvent::Timeout => {
                    let _ = self.events.try_send(MediaEvent::Timeout);
                }
                CoreEvent::PlaybackEnded(id, end) => {
                    if let Some(done) = self.playbacks.remove(&id) {
                        let _ = done.send(end);
                    }
                }
                CoreEvent::Recorded { remote, sent } => {
                    if let Some(recorder) = &mut self.recorder {
                        if let Err(err) = recorder.write(&remote, &sent) {
                            tracing::warn!("{err}; recording stopped");
                            self.recorder = None;
                        }
                    }
                }
            }
        }
    }

    fn publish(&mut self) {
        let mut stats = self.core.stats();
        stats.pacing = self.pacing.clone();
        stats.audio_events_dropped = self.audio_events_dropped;
        if let Ok(mut shared) = self.shared.lock() {
            *shared = stats;
        }
    }
}
