//! The tokio media session of one call: binds the RTP/RTCP sockets, then one task paces outgoing audio
//! and DTMF on a 20 ms grid, plays received audio out of the jitter buffer, exchanges RTCP reports,
//! records the call and reports events (audio, DTMF, media timeout) to its owner.

use std::collections::hash_map::RandomState;
use std::collections::VecDeque;
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

use super::dtmf::{DtmfError, DtmfReceiver, DtmfSender, TelephoneEvent};
use super::g711::Codec;
use super::jitter::{JitterBuffer, JitterConfig, JitterStats};
use super::pacing::PacingHistogram;
use super::packet::RtpPacket;
use super::packetizer::Packetizer;
use super::recording::{CallRecorder, RecordingError};
use super::rtcp::{ntp_middle, ntp_timestamp, ReportBlock, RtcpPacket, SenderInfo};
use super::stats::{round_trip_time, ReceptionStats};
use crate::audio::frame::{Frame, FRAME_SAMPLES};

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
        let ssrc = random_u64() as u32;
        let stats = Arc::new(Mutex::new(MediaStats {
            remote: Some(remote),
            local_ssrc: ssrc,
            ..MediaStats::default()
        }));
        let seed = random_u64();
        let packetizer = Packetizer::new(codec, ssrc, seed as u16, (seed >> 16) as u32);
        let remote_rtcp = options
            .remote_rtcp
            .unwrap_or_else(|| SocketAddr::new(remote.ip(), remote.port().wrapping_add(1)));
        let worker = Worker {
            rtp: self.rtp,
            rtcp: self.rtcp,
            signalled_remote: remote,
            remote,
            remote_rtcp,
            latched: false,
            telephone_event_pt,
            packetizer,
            jitter: JitterBuffer::new(options.jitter),
            reception: ReceptionStats::new(),
            dtmf_in: DtmfReceiver::new(),
            dtmf_out: DtmfSender::new(options.dtmf_tone, options.dtmf_gap, options.dtmf_volume),
            queue: VecDeque::new(),
            recorder,
            events: event_tx,
            shared: stats.clone(),
            stats: MediaStats {
                remote: Some(remote),
                local_ssrc: ssrc,
                ..MediaStats::default()
            },
            options,
            receiving: false,
            last_rtp: Instant::now(),
            timed_out: false,
            octets_sent: 0,
            packets_sent: 0,
            buf: Vec::with_capacity(FRAME_SAMPLES + 64),
            decoded: Vec::with_capacity(FRAME_SAMPLES),
        };
        let task = tokio::spawn(worker.run(command_rx));
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
const SILENCE: Frame = [0; FRAME_SAMPLES];
/// Most missed slots sent in a burst after the media task stalled (1 s).
const MAX_CATCH_UP: u64 = 50;
/// Payload type of RFC 3389 comfort noise.
const PT_COMFORT_NOISE: u8 = 13;

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

struct QueuedPlayback {
    frames: VecDeque<Frame>,
    done: oneshot::Sender<PlaybackEnd>,
}

struct Worker {
    rtp: UdpSocket,
    rtcp: UdpSocket,
    signalled_remote: SocketAddr,
    remote: SocketAddr,
    remote_rtcp: SocketAddr,
    latched: bool,
    telephone_event_pt: Option<u8>,
    packetizer: Packetizer,
    jitter: JitterBuffer,
    reception: ReceptionStats,
    dtmf_in: DtmfReceiver,
    dtmf_out: DtmfSender,
    queue: VecDeque<QueuedPlayback>,
    recorder: Option<CallRecorder>,
    events: mpsc::Sender<MediaEvent>,
    shared: Arc<Mutex<MediaStats>>,
    stats: MediaStats,
    options: MediaOptions,
    receiving: bool,
    last_rtp: Instant,
    timed_out: bool,
    octets_sent: u64,
    packets_sent: u64,
    buf: Vec<u8>,
    decoded: Vec<i16>,
}

impl Worker {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let start = tokio::time::Instant::now();
        let mut clock = super::clock::grid(start.into_std());
        let mut next_index = 0u64;
        let mut next_rtcp = start + self.rtcp_interval();
        let mut next_publish = start + Duration::from_secs(1);
        self.last_rtp = start.into_std();
        let mut rtp_buf = vec![0u8; 2048];
        let mut rtcp_buf = vec![0u8; 2048];
        loop {
            tokio::select! {
                biased;
                changed = clock.changed() => {
                    if changed.is_err() {
                        tracing::error!("media pacer stopped; ending the media session");
                        break;
                    }
                    let Some(tick) = *clock.borrow_and_update() else {
                        continue;
                    };
                    // Slots missed while this task was late are caught up at once: the grid never shifts.
                    // After a stall longer than a second the older slots pass silently instead of a flood.
                    let first = next_index.max(tick.index.saturating_sub(MAX_CATCH_UP));
                    for _ in next_index..first {
                        self.skip_slot();
                    }
                    for index in first..=tick.index {
                        let due = tick.deadline - super::clock::PERIOD * (tick.index - index) as u32;
                        self.on_tick(due).await;
                    }
                    next_index = tick.index + 1;
                    let now = tokio::time::Instant::now();
                    if now >= next_rtcp {
                        self.send_rtcp(false).await;
                        next_rtcp = now + self.rtcp_interval();
                    }
                    if now >= next_publish {
                        self.publish();
                        next_publish = now + Duration::from_secs(1);
                    }
                }
                command = commands.recv() => match command {
                    Some(Command::Play(frames, done)) => self.queue.push_back(QueuedPlayback {
                        frames: frames.into(),
                        done,
                    }),
                    Some(Command::Flush) => self.flush(PlaybackEnd::Flushed),
                    Some(Command::Dtmf(digit)) => {
                        // Validated by `MediaControl::send_dtmf`.
                        let _ = self.dtmf_out.push(digit);
                    }
                    Some(Command::SetRemote(remote)) if remote == self.signalled_remote => {
                        // The same address again (200 OK after 183): keep what symmetric RTP latched.
                    }
                    Some(Command::SetRemote(remote)) => {
                        self.signalled_remote = remote;
                        self.remote = remote;
                        self.remote_rtcp = SocketAddr::new(remote.ip(), remote.port().wrapping_add(1));
                        self.latched = false;
                    }
                    Some(Command::Stop) | None => break,
                },
                received = self.rtp.recv_from(&mut rtp_buf) => {
                    if let Ok((len, from)) = received {
                        self.on_rtp(&rtp_buf[..len], from);
                    }
                }
                received = self.rtcp.recv_from(&mut rtcp_buf) => {
                    if let Ok((len, from)) = received {
                        self.on_rtcp(&rtcp_buf[..len], from);
                    }
                }
            }
        }
        self.send_rtcp(true).await;
        self.flush(PlaybackEnd::Stopped);
        if let Some(recorder) = self.recorder.take() {
            if let Err(err) = recorder.finish() {
                tracing::warn!("{err}");
            }
        }
        self.publish();
    }

    fn rtcp_interval(&self) -> Duration {
        // RFC 3550 §6.3.1: randomise over [0.5, 1.5] × the interval so sessions do not synchronise.
        let factor = 0.5 + (random_u64() % 1000) as f64 / 1000.0;
        self.options.rtcp_interval.mul_f64(factor)
    }

    fn flush(&mut self, end: PlaybackEnd) {
        for playback in self.queue.drain(..) {
            let _ = playback.done.send(end);
        }
        self.packetizer.end_talkspurt();
    }

    fn next_frame(&mut self) -> Option<Frame> {
        loop {
            let front = self.queue.front_mut()?;
            if let Some(frame) = front.frames.pop_front() {
                if front.frames.is_empty() {
                    // The last frame goes out in this slot: the playback is finished.
                    if let Some(done) = self.queue.pop_front() {
                        let _ = done.done.send(PlaybackEnd::Finished);
                    }
                }
                return Some(frame);
            }
            if let Some(done) = self.queue.pop_front() {
                let _ = done.done.send(PlaybackEnd::Finished);
            }
        }
    }

    /// A slot that passed while the task was stalled: time moves on, nothing is sent or played.
    fn skip_slot(&mut self) {
        self.packetizer.skip();
        self.packetizer.end_talkspurt();
        let (remote_frame, _) = self.jitter.pop();
        if let Some(recorder) = &mut self.recorder {
            if let Err(err) = recorder.write(&remote_frame, &SILENCE) {
                tracing::warn!("{err}; recording stopped");
                self.recorder = None;
            }
        }
    }

    async fn on_tick(&mut self, scheduled: Instant) {
        let slot_timestamp = self.packetizer.timestamp();
        let mut sent = SILENCE;
        let packet = match (self.telephone_event_pt, self.dtmf_out.tick(slot_timestamp)) {
            (Some(pt), Some(dtmf)) => {
                if !dtmf.event.end {
                    // Record what the peer's phone plays for the key.
                    let offset = (dtmf.event.duration as u32).saturating_sub(FRAME_SAMPLES as u32);
                    sent = super::dtmf::tone_frame(dtmf.event.event, offset).unwrap_or(SILENCE);
                }
                let packet = self.packetizer.other(
                    pt,
                    dtmf.marker,
                    dtmf.timestamp,
                    dtmf.event.to_bytes().to_vec(),
                );
                self.packetizer.skip();
                Some(packet)
            }
            _ => match self.next_frame() {
                Some(frame) => {
                    sent = frame;
                    let packet = self.packetizer.audio(&frame);
                    if self.queue.is_empty() {
                        self.packetizer.end_talkspurt();
                    }
                    Some(packet)
                }
                None if self.options.send_silence => Some(self.packetizer.silence()),
                None => {
                    self.packetizer.skip();
                    None
                }
            },
        };
        if let Some(packet) = packet {
            self.buf.clear();
            packet.write_to(&mut self.buf);
            if self.rtp.send_to(&self.buf, self.remote).await.is_ok() {
                self.packets_sent += 1;
                self.octets_sent += packet.payload.len() as u64;
            }
            self.stats
                .pacing
                .record(Instant::now().saturating_duration_since(scheduled));
        }

        let (remote_frame, _) = self.jitter.pop();
        if self.receiving {
            if self.events.capacity() > CONTROL_RESERVE {
                let _ = self.events.try_send(MediaEvent::Audio(remote_frame));
            } else {
                if self.stats.audio_events_dropped == 0 {
                    // Said once per call; the count keeps growing in the stats and the call report.
                    tracing::warn!(
                        "received audio is not read (10 s queued); frames are dropped and counted"
                    );
                }
                self.stats.audio_events_dropped += 1;
            }
        }
        if let Some(recorder) = &mut self.recorder {
            if let Err(err) = recorder.write(&remote_frame, &sent) {
                tracing::warn!("{err}; recording stopped");
                self.recorder = None;
            }
        }
        if !self.timed_out
            && scheduled.saturating_duration_since(self.last_rtp) >= self.options.media_timeout
        {
            self.timed_out = true;
            let _ = self.events.try_send(MediaEvent::Timeout);
        }
    }

    fn on_rtp(&mut self, datagram: &[u8], from: SocketAddr) {
        if datagram.len() >= 2 && (200..=204).contains(&datagram[1]) {
            // RTCP multiplexed on the RTP port (RFC 5761).
            return self.on_rtcp(datagram, from);
        }
        let Ok(packet) = RtpPacket::parse(datagram) else {
            self.stats.rejected_datagrams += 1;
            return;
        };
        let is_event = Some(packet.payload_type) == self.telephone_event_pt;
        let audio_codec = Codec::from_payload_type(packet.payload_type);
        if !is_event && audio_codec.is_none() && packet.payload_type != PT_COMFORT_NOISE {
            self.stats.rejected_datagrams += 1;
            return;
        }
        if from != self.remote {
            // Symmetric RTP: follow the first stream that arrives, and later only the same stream
            // moving (NAT rebinding), never a stranger.
            let same_stream = self.receiving && packet.ssrc == self.reception.ssrc();
            if self.latched && !same_stream {
                self.stats.rejected_datagrams += 1;
                return;
            }
            self.remote = from;
            if self.options.remote_rtcp.is_none() {
                self.remote_rtcp = SocketAddr::new(from.ip(), from.port().wrapping_add(1));
            }
        }
        self.latched = true;
        let now = Instant::now();
        if self.receiving && packet.ssrc != self.reception.ssrc() {
            self.jitter.reset();
        }
        self.receiving = true;
        self.last_rtp = now;
        self.timed_out = false;
        self.reception.on_packet(
            packet.ssrc,
            packet.sequence,
            packet.timestamp,
            packet.payload.len(),
            now,
        );
        if is_event {
            if let Ok(event) = TelephoneEvent::parse(&packet.payload) {
                if let Some(digit) = self.dtmf_in.on_packet(packet.timestamp, event, now) {
                    self.stats.dtmf_received += 1;
                    let _ = self.events.try_send(MediaEvent::Dtmf(digit));
                }
            }
            self.jitter.push(packet.sequence, None);
        } else if let Some(codec) = audio_codec {
            self.decoded.clear();
            codec.decode_into(&packet.payload, &mut self.decoded);
            self.jitter
                .push(packet.sequence, Some(self.decoded.clone()));
        } else {
            self.jitter.push(packet.sequence, None);
        }
    }

    fn on_rtcp(&mut self, datagram: &[u8], from: SocketAddr) {
        let Ok(packets) = RtcpPacket::parse_compound(datagram) else {
            self.stats.rejected_datagrams += 1;
            return;
        };
        if self.options.remote_rtcp.is_none() && from.ip() == self.remote.ip() {
            // Symmetric RTCP: answer where the peer's reports come from.
            self.remote_rtcp = from;
        }
        self.stats.rtcp_received += 1;
        let now = Instant::now();
        let our_ssrc = self.packetizer.ssrc();
        for packet in packets {
            let reports = match packet {
                RtcpPacket::SenderReport { info, reports, .. } => {
                    self.reception
                        .on_sender_report(ntp_middle(info.ntp_timestamp), now);
                    reports
                }
                RtcpPacket::ReceiverReport { reports, .. } => reports,
                _ => continue,
            };
            for block in reports.into_iter().filter(|b| b.ssrc == our_ssrc) {
                let now_ntp = ntp_middle(ntp_timestamp(SystemTime::now()));
                if let Some(rtt) = round_trip_time(&block, now_ntp) {
                    self.stats.round_trip = Some(rtt);
                }
                self.stats.remote_report = Some(block);
            }
        }
    }

    async fn send_rtcp(&mut self, bye: bool) {
        let now = Instant::now();
        let ssrc = self.packetizer.ssrc();
        let reports = if self.receiving {
            vec![self.reception.report_block(now)]
        } else {
            Vec::new()
        };
        let report = if self.packets_sent > 0 {
            RtcpPacket::SenderReport {
                ssrc,
                info: SenderInfo {
                    ntp_timestamp: ntp_timestamp(SystemTime::now()),
                    rtp_timestamp: self.packetizer.timestamp(),
                    packet_count: self.packetizer.packets_sent(),
                    octet_count: self.packetizer.octets_sent(),
                },
                reports,
            }
        } else {
            RtcpPacket::ReceiverReport { ssrc, reports }
        };
        let mut compound = vec![
            report,
            RtcpPacket::SourceDescription(vec![(ssrc, self.options.cname.clone())]),
        ];
        if bye {
            compound.push(RtcpPacket::Bye(vec![ssrc]));
        }
        let bytes = RtcpPacket::compound_to_bytes(&compound);
        if self.rtcp.send_to(&bytes, self.remote_rtcp).await.is_ok() {
            self.stats.rtcp_sent += 1;
        }
    }

    fn publish(&mut self) {
        self.stats.remote = Some(self.remote);
        self.stats.packets_sent = self.packets_sent;
        self.stats.octets_sent = self.octets_sent;
        self.stats.packets_received = self.reception.packets_received() as u64;
        self.stats.octets_received = self.reception.octets_received();
        self.stats.packets_lost = self.reception.cumulative_lost();
        self.stats.jitter_ms = self.reception.jitter() as f64 / 8.0;
        self.stats.jitter_buffer = self.jitter.stats();
        if let Ok(mut shared) = self.shared.lock() {
            *shared = self.stats.clone();
        }
    }
}
