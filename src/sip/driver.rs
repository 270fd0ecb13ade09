//! The tokio driver around [`Endpoint`]: one UDP socket for signalling, the wall clock, and channels for
//! commands in and events out. It only moves bytes; every decision is made by the endpoint.
//!
//! Events are routed per call ([`super::routing`]): `place_call` returns the call's own [`CallEvents`];
//! registration and events no call claims arrive on the general [`DriverEvent`] channel from [`start`].

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use super::endpoint::{
    CallHandle, CallRequest, Endpoint, EndpointConfig, Event, RegisterRequest, RequestError, Stats,
};
use super::message::uri_host_port;
use super::routing::EventRouter;
pub use super::routing::{CallEvents, DriverEvent};
use super::transaction::Timers;

/// Where the driver listens and what it advertises.
#[derive(Debug, Clone)]
pub struct DriverConfig {
    /// Local address of the signalling socket (port 0 picks a free one).
    pub bind: SocketAddr,
    /// Address put in Via/Contact/SDP when behind NAT; defaults to the bound address.
    pub public_addr: Option<SocketAddr>,
    /// User part of our Contact.
    pub contact_user: String,
    /// User-Agent header.
    pub user_agent: String,
    /// Transaction timers.
    pub timers: Timers,
}

/// Problems starting or talking to the driver.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// The signalling socket could not be bound.
    #[error("cannot bind SIP socket on {addr}: {source} (is the port in use?)")]
    Bind {
        /// Address tried.
        addr: SocketAddr,
        /// OS error.
        source: std::io::Error,
    },
    /// The bound address is a wildcard and no public address was given.
    #[error(
        "bound to {0}, which peers cannot reach; pass a concrete local address or a public address"
    )]
    NoPublicAddress(SocketAddr),
    /// The driver task is gone.
    #[error("the SIP driver stopped")]
    Stopped,
    /// The endpoint refused the request.
    #[error(transparent)]
    Request(#[from] RequestError),
    /// A host name did not resolve.
    #[error("cannot resolve `{host}`: {reason}")]
    Resolve {
        /// Host.
        host: String,
        /// Why.
        reason: String,
    },
}

enum Command {
    PlaceCall(
        Box<CallRequest>,
        oneshot::Sender<Result<(CallHandle, CallEvents), RequestError>>,
    ),
    Hangup(CallHandle),
    Transfer(
        CallHandle,
        String,
        oneshot::Sender<Result<(), RequestError>>,
    ),
    DtmfInfo(CallHandle, char, u32),
    AcceptInbound(bool),
    AcceptTransfers(bool),
    FollowTransfer(
        CallHandle,
        Box<CallRequest>,
        oneshot::Sender<Result<(CallHandle, CallEvents), RequestError>>,
    ),
    FailTransfer(CallHandle, u16),
    Ring(CallHandle),
    Answer(
        CallHandle,
        String,
        oneshot::Sender<Result<(), RequestError>>,
    ),
    Reject(CallHandle, u16),
    TakeCallEvents(CallHandle, oneshot::Sender<Option<CallEvents>>),
    Register(
        Box<RegisterRequest>,
        oneshot::Sender<Result<(), RequestError>>,
    ),
    Unregister,
    Shutdown(oneshot::Sender<Stats>),
}

/// A cloneable handle for sending commands to the running driver.
#[derive(Clone)]
pub struct SipHandle {
    tx: mpsc::UnboundedSender<Command>,
    /// The bound signalling address.
    pub local_addr: SocketAddr,
    /// The advertised address.
    pub public_addr: SocketAddr,
}

impl SipHandle {
    /// Places a call; its events arrive, in order, on the returned [`CallEvents`].
    pub async fn place_call(
        &self,
        req: CallRequest,
    ) -> Result<(CallHandle, CallEvents), DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::PlaceCall(Box::new(req), tx))
            .map_err(|_| DriverError::Stopped)?;
        Ok(rx.await.map_err(|_| DriverError::Stopped)??)
    }

    /// Hangs up (CANCEL or BYE).
    pub fn hangup(&self, call: CallHandle) -> Result<(), DriverError> {
        self.tx
            .send(Command::Hangup(call))
            .map_err(|_| DriverError::Stopped)
    }

    /// Blind transfer by REFER.
    pub async fn transfer(&self, call: CallHandle, target: &str) -> Result<(), DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Transfer(call, target.to_string(), tx))
            .map_err(|_| DriverError::Stopped)?;
        Ok(rx.await.map_err(|_| DriverError::Stopped)??)
    }

    /// Sends a DTMF digit by SIP INFO.
    pub fn send_dtmf_info(
        &self,
        call: CallHandle,
        digit: char,
        duration_ms: u32,
    ) -> Result<(), DriverError> {
        self.tx
            .send(Command::DtmfInfo(call, digit, duration_ms))
            .map_err(|_| DriverError::Stopped)
    }

    /// Whether peers' INVITEs arrive as [`DriverEvent::Incoming`] (off: answered 480, the default).
    pub fn accept_inbound(&self, accept: bool) -> Result<(), DriverError> {
        self.tx
            .send(Command::AcceptInbound(accept))
            .map_err(|_| DriverError::Stopped)
    }

    /// Whether peers' REFERs arrive as [`CallEvent::TransferRequested`](super::endpoint::CallEvent)
    /// (off: answered 403, the default).
    pub fn accept_transfers(&self, accept: bool) -> Result<(), DriverError> {
        self.tx
            .send(Command::AcceptTransfers(accept))
            .map_err(|_| DriverError::Stopped)
    }

    /// Carries out the transfer the peer asked for on `call` by placing `req` (see
    /// [`Endpoint::follow_transfer`]); the new call's events arrive on the returned [`CallEvents`].
    pub async fn follow_transfer(
        &self,
        call: CallHandle,
        req: CallRequest,
    ) -> Result<(CallHandle, CallEvents), DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::FollowTransfer(call, Box::new(req), tx))
            .map_err(|_| DriverError::Stopped)?;
        Ok(rx.await.map_err(|_| DriverError::Stopped)??)
    }

    /// Gives up the transfer the peer asked for on `call`, reporting `status` to it.
    pub fn fail_transfer(&self, call: CallHandle, status: u16) -> Result<(), DriverError> {
        self.tx
            .send(Command::FailTransfer(call, status))
            .map_err(|_| DriverError::Stopped)
    }

    /// The events of an incoming call, kept from its INVITE on until taken (once).
    pub async fn take_call_events(&self, call: CallHandle) -> Result<CallEvents, DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::TakeCallEvents(call, tx))
            .map_err(|_| DriverError::Stopped)?;
        rx.await
            .map_err(|_| DriverError::Stopped)?
            .ok_or(DriverError::Request(RequestError::NoSuchCall))
    }

    /// Sends 180 Ringing on an incoming call.
    pub fn ring(&self, call: CallHandle) -> Result<(), DriverError> {
        self.tx
            .send(Command::Ring(call))
            .map_err(|_| DriverError::Stopped)
    }

    /// Answers an incoming call with 200 OK and `sdp_answer`.
    pub async fn answer(&self, call: CallHandle, sdp_answer: String) -> Result<(), DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Answer(call, sdp_answer, tx))
            .map_err(|_| DriverError::Stopped)?;
        Ok(rx.await.map_err(|_| DriverError::Stopped)??)
    }

    /// Refuses an incoming call with a final status (486, 603, 480 …).
    pub fn reject(&self, call: CallHandle, code: u16) -> Result<(), DriverError> {
        self.tx
            .send(Command::Reject(call, code))
            .map_err(|_| DriverError::Stopped)
    }

    /// Starts registering (refreshes happen automatically).
    pub async fn register(&self, req: RegisterRequest) -> Result<(), DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Register(Box::new(req), tx))
            .map_err(|_| DriverError::Stopped)?;
        Ok(rx.await.map_err(|_| DriverError::Stopped)??)
    }

    /// Removes the registration.
    pub fn unregister(&self) -> Result<(), DriverError> {
        self.tx
            .send(Command::Unregister)
            .map_err(|_| DriverError::Stopped)
    }

    /// Stops the driver and returns its counters.
    pub async fn shutdown(&self) -> Result<Stats, DriverError> {
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Command::Shutdown(tx))
            .map_err(|_| DriverError::Stopped)?;
        rx.await.map_err(|_| DriverError::Stopped)
    }
}

/// Binds the signalling socket and spawns the driver task; the receiver is the general event channel
/// (registration, and events of calls without their own receiver).
pub async fn start(
    cfg: DriverConfig,
) -> Result<(SipHandle, mpsc::UnboundedReceiver<DriverEvent>), DriverError> {
    let socket = UdpSocket::bind(cfg.bind)
        .await
        .map_err(|source| DriverError::Bind {
            addr: cfg.bind,
            source,
        })?;
    let local_addr = socket.local_addr().map_err(|source| DriverError::Bind {
        addr: cfg.bind,
        source,
    })?;
    if let Err(e) = super::icmp::enable(&socket) {
        // Without it a dead peer is only noticed by timer B or F.
        tracing::debug!(error = %e, "ICMP errors will not be reported on the SIP socket");
    }
    let public_addr = match cfg.public_addr {
        Some(p) => p,
        None if local_addr.ip().is_unspecified() => {
            return Err(DriverError::NoPublicAddress(local_addr))
        }
        None => local_addr,
    };
    let endpoint = Endpoint::new(
        EndpointConfig {
            public_addr,
            contact_user: cfg.contact_user.clone(),
            user_agent: cfg.user_agent.clone(),
            timers: cfg.timers,
        },
        fastrand::u64(..),
    );
    let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
    let (router, ev_rx) = EventRouter::new();
    tokio::spawn(run(socket, endpoint, cmd_rx, router));
    Ok((
        SipHandle {
            tx: cmd_tx,
            local_addr,
            public_addr,
        },
        ev_rx,
    ))
}

async fn run(
    socket: UdpSocket,
    mut ep: Endpoint,
    mut commands: mpsc::UnboundedReceiver<Command>,
    mut router: EventRouter,
) {
    let mut buf = vec![0u8; 65_536];
    let mut icmp_readable = true;
    // Incoming calls' event receivers, until the application takes them.
    let mut incoming: HashMap<CallHandle, CallEvents> = HashMap::new();
    loop {
        while let Some(t) = ep.poll_transmit() {
            tracing::trace!(dest = %t.dest, message = %String::from_utf8_lossy(&t.payload), "SIP sent");
            if let Err(e) = socket.send_to(&t.payload, t.dest).await {
                tracing::warn!(dest = %t.dest, error = %e, "SIP send failed");
            }
        }
        while let Some(ev) = ep.poll_event() {
            if let Event::Incoming(call) = &ev {
                incoming.insert(call.handle, router.open(call.handle));
            }
            router.route(ev);
        }
        let wake = ep.poll_timeout();
        let sleep = async {
            match wake {
                Some(at) => tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, from)) => {
                    tracing::trace!(%from, message = %String::from_utf8_lossy(&buf[..n]), "SIP received");
                    ep.handle_datagram(Instant::now(), from, &buf[..n]);
                }
                Err(e) => tracing::debug!(error = %e, "SIP receive error"),
            },
            icmp = super::icmp::next_error(&socket), if icmp_readable => match icmp {
                Ok(err) => ep.handle_unreachable(Instant::now(), err.dest, err.kind),
                Err(e) => {
                    // Not retried, so a broken error queue cannot spin this loop; timers still apply.
                    icmp_readable = false;
                    tracing::debug!(error = %e, "SIP error queue unreadable; ICMP errors ignored");
                }
            },
            cmd = commands.recv() => {
                let now = Instant::now();
                match cmd {
                    None => return,
                    Some(Command::PlaceCall(req, reply)) => {
                        // The route opens before any event of the call can be polled.
                        let placed = ep.place_call(now, *req).map(|h| (h, router.open(h)));
                        let _ = reply.send(placed);
                    }
                    Some(Command::Hangup(h)) => { let _ = ep.hangup(now, h); }
                    Some(Command::Transfer(h, target, reply)) => { let _ = reply.send(ep.transfer(now, h, &target)); }
                    Some(Command::DtmfInfo(h, d, ms)) => { let _ = ep.send_dtmf_info(now, h, d, ms); }
                    Some(Command::AcceptInbound(on)) => ep.set_accept_inbound(on),
                    Some(Command::AcceptTransfers(on)) => ep.set_accept_transfers(on),
                    Some(Command::FollowTransfer(h, req, reply)) => {
                        let placed = ep.follow_transfer(now, h, *req).map(|n| (n, router.open(n)));
                        let _ = reply.send(placed);
                    }
                    Some(Command::FailTransfer(h, code)) => { let _ = ep.fail_transfer(now, h, code); }
                    Some(Command::TakeCallEvents(h, reply)) => { let _ = reply.send(incoming.remove(&h)); }
                    Some(Command::Ring(h)) => { let _ = ep.ring(now, h); }
                    Some(Command::Answer(h, sdp, reply)) => { let _ = reply.send(ep.answer(now, h, &sdp)); }
                    Some(Command::Reject(h, code)) => { let _ = ep.reject(now, h, code); }
                    Some(Command::Register(req, reply)) => { let _ = reply.send(ep.register(now, *req)); }
                    Some(Command::Unregister) => ep.unregister(now),
                    Some(Command::Shutdown(reply)) => {
                        while let Some(t) = ep.poll_transmit() {
                            let _ = socket.send_to(&t.payload, t.dest).await;
                        }
                        let _ = reply.send(ep.stats().clone());
                        return;
                    }
                }
            },
            _ = sleep => ep.handle_timeout(Instant::now()),
        }
    }
}

/// Resolves the host of a SIP URI to a socket address (port 5060 unless written).
pub async fn resolve_uri(uri: &str) -> Result<SocketAddr, DriverError> {
    let (host, port) = uri_host_port(uri).ok_or_else(|| DriverError::Resolve {
        host: uri.to_string(),
        reason: "no host in URI".into(),
    })?;
    let port = port.unwrap_or(5060);
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, port));
    }
    let found = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| DriverError::Resolve {
            host: host.clone(),
            reason: e.to_string(),
        })?
        .next();
    found.ok_or(DriverError::Resolve {
        host,
        reason: "no addresses".into(),
    })
}

/// The local IP the OS would use to reach `dest` (no packet is sent).
pub fn local_ip_for(dest: SocketAddr) -> Option<IpAddr> {
    let bind: SocketAddr = if dest.is_ipv4() {
        "0.0.0.0:0".parse().ok()?
    } else {
        "[::]:0".parse().ok()?
    };
    let s = std::net::UdpSocket::bind(bind).ok()?;
    s.connect(dest).ok()?;
    s.local_addr().ok().map(|a| a.ip())
}
