//! The SIP user agent core without I/O: feed it datagrams and time, drain datagrams, a wake-up time and
//! events. It owns the transactions, the outbound calls, the registration and answers OPTIONS.
//!
//! ```text
//! handle_datagram(now, from, bytes) ─┐                  ┌─ poll_transmit() → datagrams to send
//! handle_timeout(now) ───────────────┼─► Endpoint ──────┼─ poll_timeout()  → when to call again
//! place_call / hangup / transfer ────┘                  └─ poll_event()    → call and registration events
//! ```

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::auth::{Challenge, Credentials};
use super::dialog::Dialog;
use super::message::{self, reason_phrase, response_to, NameAddr, OutRequest, SipMsg};
use super::outcome::Outcome;
use super::sdp::{self, RemoteMedia};
use super::transaction::{
    ClientEvent, ClientState, ClientTx, ServerEvent, ServerTx, Timers, Transmit, TxKey,
};

/// Methods we accept, advertised in Allow.
pub const ALLOW: &str = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER";

/// Static settings of an endpoint.
#[derive(Debug, Clone)]
pub struct EndpointConfig {
    /// The address peers see us at (Via, Contact): the public address behind NAT.
    pub public_addr: SocketAddr,
    /// User part of our Contact.
    pub contact_user: String,
    /// User-Agent header value.
    pub user_agent: String,
    /// Transaction timer base values.
    pub timers: Timers,
}

/// Identifies one call inside an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallHandle(pub u64);

/// What the caller asks for when placing a call.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// Request-URI to call (`sip:+7900…@pbx`).
    pub target: String,
    /// Our address-of-record for From (`sip:robot@example.com`).
    pub from: String,
    /// Display name for From.
    pub display_name: Option<String>,
    /// First hop for the INVITE (the PBX, proxy or the callee itself).
    pub dest: SocketAddr,
    /// Our SDP offer.
    pub sdp_offer: String,
    /// Credentials for 401/407 challenges.
    pub credentials: Option<Credentials>,
    /// How long to let it ring before CANCEL.
    pub ring_timeout: Duration,
}

/// Who ended a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndedBy {
    /// We hung up or cancelled.
    Local,
    /// The peer hung up, rejected or failed the call.
    Remote,
    /// No response from the network.
    Network,
}

/// The end of a call: outcome, the SIP status behind it and a short reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallEnd {
    /// Disposition.
    pub outcome: Outcome,
    /// The final status of the INVITE (None when nothing final arrived).
    pub status: Option<u16>,
    /// Human-readable reason.
    pub reason: String,
    /// Who ended it.
    pub ended_by: EndedBy,
}

/// Something that happened on a call.
#[derive(Debug, Clone, PartialEq)]
pub enum CallEvent {
    /// A provisional response (180, 183 …).
    Progress {
        /// Status code.
        status: u16,
    },
    /// 183 (or 180) with SDP: early media can flow.
    EarlyMedia(RemoteMedia),
    /// 2xx received and acknowledged.
    Answered {
        /// The peer's media, if its SDP was usable.
        media: RemoteMedia,
    },
    /// A re-INVITE changed the peer's media.
    MediaChanged(RemoteMedia),
    /// A DTMF digit arrived in SIP INFO.
    Dtmf {
        /// `0-9*#A-D`.
        digit: char,
        /// Duration in ms if given.
        duration_ms: Option<u32>,
    },
    /// REFER progress reported by NOTIFY (1xx sipfrag) or the 202.
    TransferProgress {
        /// Status seen.
        status: u16,
    },
    /// The transfer finished.
    TransferCompleted {
        /// Whether the transfer target answered.
        success: bool,
        /// Final status from the sipfrag or the REFER response.
        status: Option<u16>,
    },
    /// The call is over.
    Ended(CallEnd),
}

/// Registration state changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// The registrar accepted us for this many seconds.
    Registered {
        /// Granted expiry in seconds.
        expires: u32,
    },
    /// Registration was refused or timed out.
    Failed {
        /// Final status, None on timeout.
        status: Option<u16>,
        /// Reason.
        reason: String,
    },
    /// Unregistered (expires=0 accepted).
    Unregistered,
}

/// An event for the application.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A call event.
    Call(CallHandle, CallEvent),
    /// A registration event.
    Registration(RegistrationEvent),
}

/// Counters of what the endpoint saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Datagrams that were not SIP and were dropped.
    pub malformed_dropped: u64,
    /// Requests answered 400 because mandatory headers were missing.
    pub bad_requests_answered: u64,
    /// Retransmitted requests absorbed by their server transaction.
    pub retransmissions_absorbed: u64,
    /// Responses that matched no transaction.
    pub stray_responses: u64,
}

/// What to register.
#[derive(Debug, Clone)]
pub struct RegisterRequest {
    /// Registrar URI (`sip:pbx.example.com`).
    pub registrar: String,
    /// Our address-of-record (`sip:robot@pbx.example.com`).
    pub aor: String,
    /// Where REGISTER goes.
    pub dest: SocketAddr,
    /// Credentials for challenges.
    pub credentials: Option<Credentials>,
    /// Requested expiry in seconds.
    pub expires: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Invite(CallHandle),
    Cancel(CallHandle),
    InDialog(CallHandle, rsip::Method),
    Register,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallState {
    Inviting,
    Answered,
    Ending,
    Ended,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CancelReason {
    RingTimeout,
    Hangup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TransferState {
    Pending,
    Done,
}

#[derive(Debug)]
struct Call {
    req: CallRequest,
    call_id: String,
    local_tag: String,
    invite: OutRequest,
    invite_key: TxKey,
    state: CallState,
    got_provisional: bool,
    cancel: Option<CancelReason>,
    cancel_sent: bool,
    ring_deadline: Instant,
    auth_tries: u32,
    nc: u32,
    dialog: Option<Dialog>,
    ack: Option<(Vec<u8>, SocketAddr)>,
    early_media: bool,
    remove_at: Option<Instant>,
    transfer: Option<TransferState>,
    ended: bool,
}

#[derive(Debug)]
struct Registration {
    req: RegisterRequest,
    call_id: String,
    from_tag: String,
    cseq: u32,
    auth_tries: u32,
    nc: u32,
    refresh_at: Option<Instant>,
    unregistering: bool,
    in_flight: bool,
}

/// The sans-I/O SIP user agent.
#[derive(Debug)]
pub struct Endpoint {
    cfg: EndpointConfig,
    rng: fastrand::Rng,
    client_txs: HashMap<TxKey, (ClientTx, Owner)>,
    server_txs: HashMap<TxKey, ServerTx>,
    calls: HashMap<CallHandle, Call>,
    registration: Option<Registration>,
    next_call: u64,
    out: Vec<Transmit>,
    transmits: VecDeque<Transmit>,
    events: VecDeque<Event>,
    stats: Stats,
}

/// Why a call or registration could not be started.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The target or AOR is not a SIP URI rsip accepts.
    #[error("`{0}` is not a valid SIP URI (expected sip:user@host[:port])")]
    BadUri(String),
    /// The call handle is unknown or the call is over.
    #[error("no such active call")]
    NoSuchCall,
    /// The operation needs an answered call.
    #[error("the call is not answered")]
    NotAnswered,
}

fn check_uri(uri: &str) -> Result<(), RequestError> {
    let ok = (uri.starts_with("sip:") || uri.starts_with("sips:"))
        && rsip::Uri::try_from(uri).is_ok()
        && message::uri_host_port(uri).is_some();
    if ok {
        Ok(())
    } else {
        Err(RequestError::BadUri(uri.to_string()))
    }
}

impl Endpoint {
    /// Creates an endpoint; `seed` makes tags, branches and Call-IDs reproducible in tests.
    pub fn new(cfg: EndpointConfig, seed: u64) -> Self {
        Endpoint {
            cfg,
            rng: fastrand::Rng::with_seed(seed),
            client_txs: HashMap::new(),
            server_txs: HashMap::new(),
            calls: HashMap::new(),
            registration: None,
            next_call: 1,
            out: Vec::new(),
            transmits: VecDeque::new(),
            events: VecDeque::new(),
            stats: Stats::default(),
        }
    }

    /// Counters of malformed and retransmitted input.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Number of calls not yet forgotten (ended calls linger to absorb retransmissions).
    pub fn active_calls(&self) -> usize {
        self.calls.values().filter(|c| !c.ended).count()
    }

    /// Next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.flush();
        self.transmits.pop_front()
    }

    /// Next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// When [`Endpoint::handle_timeout`] must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let tx = self
            .client_txs
            .values()
            .filter_map(|(t, _)| t.next_timeout())
            .chain(self.server_txs.values().filter_map(|t| t.next_timeout()));
        let calls = self.calls.values().flat_map(|c| {
            let ring =
                (c.state == CallState::Inviting && c.cancel.is_none()).then_some(c.ring_deadline);
            [ring, c.remove_at]
        });
        let reg = self.registration.as_ref().and_then(|r| r.refresh_at);
        tx.chain(calls.flatten()).chain(reg).min()
    }

    fn flush(&mut self) {
        self.transmits.extend(self.out.drain(..));
    }

    fn token(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| {
                let n = self.rng.u8(0..36);
                char::from_digit(n as u32, 36).unwrap_or('0')
            })
            .collect()
    }

    fn via(&mut self) -> (String, String) {
        let branch = format!("z9hG4bK{}", self.token(16));
        (
            format!("SIP/2.0/UDP {};branch={branch};rport", self.cfg.public_addr),
            branch,
        )
    }

    fn contact(&self) -> String {
        format!("<sip:{}@{}>", self.cfg.contact_user, self.cfg.public_addr)
    }

    fn start_client_tx(
        &mut self,
        now: Instant,
        req: OutRequest,
        dest: SocketAddr,
        owner: Owner,
    ) -> TxKey {
        let branch = req
            .header("Via")
            .and_then(|v| message::header_param(v, "branch").flatten())
            .unwrap_or_default();
        let key = TxKey::new(&branch, &req.method);
        let tx = ClientTx::start(now, key.clone(), req, dest, self.cfg.timers, &mut self.out);
        self.client_txs.insert(key.clone(), (tx, owner));
        key
    }

    // ----- outbound calls -------------------------------------------------------------------

    /// Sends an INVITE with the SDP offer; events for the call follow.
    pub fn place_call(
        &mut self,
        now: Instant,
        req: CallRequest,
    ) -> Result<CallHandle, RequestError> {
        check_uri(&req.target)?;
        check_uri(&req.from)?;
        let handle = CallHandle(self.next_call);
        self.next_call += 1;
        let call_id = format!("{}@{}", self.token(20), self.cfg.public_addr.ip());
        let local_tag = self.token(10);
        let from = match &req.display_name {
            Some(d) => format!("\"{d}\" <{}>;tag={local_tag}", req.from),
            None => format!("<{}>;tag={local_tag}", req.from),
        };
        let (via, _) = self.via();
        let mut invite = OutRequest::new(rsip::Method::Invite, req.target.clone());
        invite.push("Via", via);
        invite.push("Max-Forwards", "70");
        invite.push("From", from);
        invite.push("To", format!("<{}>", req.target));
        invite.push("Call-ID", call_id.clone());
        invite.push("CSeq", "1 INVITE");
        invite.push("Contact", self.contact());
        invite.push("Allow", ALLOW);
        invite.push("Supported", "replaces");
        invite.push("User-Agent", self.cfg.user_agent.clone());
        invite.push("Content-Type", "application/sdp");
        invite.body = req.sdp_offer.clone().into_bytes();
        let dest = req.dest;
        let key = self.start_client_tx(now, invite.clone(), dest, Owner::Invite(handle));
        self.calls.insert(
            handle,
            Call {
                ring_deadline: now + req.ring_timeout,
                req,
                call_id,
                local_tag,
                invite,
                invite_key: key,
                state: CallState::Inviting,
                got_provisional: false,
                cancel: None,
                cancel_sent: false,
                auth_tries: 0,
                nc: 0,
                dialog: None,
                ack: None,
                early_media: false,
                remove_at: None,
                transfer: None,
                ended: false,
            },
        );
        Ok(handle)
    }

    /// Hangs up: CANCEL while ringing (once a provisional arrived), BYE once answered.
    pub fn hangup(&mut self, now: Instant, handle: CallHandle) -> Result<(), RequestError> {
        let call = self.calls.get(&handle).ok_or(RequestError::NoSuchCall)?;
        match call.state {
            CallState::Inviting => {
                self.cancel_call(now, handle, CancelReason::Hangup);
                Ok(())
            }
            CallState::Answered => {
                self.send_bye(now, handle);
                Ok(())
            }
            CallState::Ending | CallState::Ended => Ok(()),
        }
    }

    fn cancel_call(&mut self, now: Instant, handle: CallHandle, reason: CancelReason) {
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        if call.cancel.is_none() {
            call.cancel = Some(reason);
        }
        if !call.got_provisional || call.cancel_sent {
            // RFC 3261 9.1: a CANCEL waits for a provisional response.
            return;
        }
        call.cancel_sent = true;
        let inv = &call.invite;
        let mut cancel = OutRequest::new(rsip::Method::Cancel, inv.uri.clone());
        for name in ["Via", "Max-Forwards", "From", "To", "Call-ID"] {
            if let Some(v) = inv.header(name) {
                cancel.push(name, v);
            }
        }
        for (n, v) in &inv.headers {
            if n.eq_ignore_ascii_case("Route") {
                cancel.push("Route", v.clone());
            }
        }
        let seq = inv
            .header("CSeq")
            .and_then(|c| c.split_whitespace().next())
            .unwrap_or("1")
            .to_string();
        cancel.push("CSeq", format!("{seq} CANCEL"));
        let dest = call.req.dest;
        self.start_client_tx(now, cancel, dest, Owner::Cancel(handle));
    }

    fn send_bye(&mut self, now: Instant, handle: CallHandle) {
        let contact = self.contact();
        let (via, _) = self.via();
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        let Some(dialog) = call.dialog.as_mut() else {
            return;
        };
        call.state = CallState::Ending;
        let bye = dialog.request(rsip::Method::Bye, via, &contact);
        let dest = dialog.next_hop().unwrap_or(call.req.dest);
        self.start_client_tx(now, bye, dest, Owner::InDialog(handle, rsip::Method::Bye));
    }

    /// Blind transfer: sends REFER to `target`; the call is ended with BYE once the transfer succeeds.
    pub fn transfer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        target: &str,
    ) -> Result<(), RequestError> {
        check_uri(target)?;
        let contact = self.contact();
        let (via, _) = self.via();
        let from = self
            .calls
            .get(&handle)
            .ok_or(RequestError::NoSuchCall)?
            .req
            .from
            .clone();
        let call = self
            .calls
            .get_mut(&handle)
            .ok_or(RequestError::NoSuchCall)?;
        if call.state != CallState::Answered {
            return Err(RequestError::NotAnswered);
        }
        let dialog = call.dialog.as_mut().ok_or(RequestError::NotAnswered)?;
        let mut refer = dialog.request(rsip::Method::Refer, via, &contact);
        refer.push("Refer-To", format!("<{target}>"));
        refer.push("Referred-By", format!("<{from}>"));
        let dest = dialog.next_hop().unwrap_or(call.req.dest);
        call.transfer = Some(TransferState::Pending);
        self.start_client_tx(
            now,
            refer,
            dest,
            Owner::InDialog(handle, rsip::Method::Refer),
        );
        Ok(())
    }

    /// Sends one DTMF digit as SIP INFO (application/dtmf-relay).
    pub fn send_dtmf_info(
        &mut self,
        now: Instant,
        handle: CallHandle,
        digit: char,
        duration_ms: u32,
    ) -> Result<(), RequestError> {
        let contact = self.contact();
        let (via, _) = self.via();
        let call = self
            .calls
            .get_mut(&handle)
            .ok_or(RequestError::NoSuchCall)?;
        if call.state != CallState::Answered {
            return Err(RequestError::NotAnswered);
        }
        let dialog = call.dialog.as_mut().ok_or(RequestError::NotAnswered)?;
        let mut info = dialog.request(rsip::Method::Info, via, &contact);
        info.push("Content-Type", "application/dtmf-relay");
        info.body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n").into_bytes();
        let dest = dialog.next_hop().unwrap_or(call.req.dest);
        self.start_client_tx(now, info, dest, Owner::InDialog(handle, rsip::Method::Info));
        Ok(())
    }

    fn end_call(&mut self, now: Instant, handle: CallHandle, end: CallEnd) {
        let linger = self.cfg.timers.timeout();
        if let Some(call) = self.calls.get_mut(&handle) {
            if call.ended {
                return;
            }
            call.ended = true;
            call.state = CallState::Ended;
            call.remove_at = Some(now + linger);
            self.events
                .push_back(Event::Call(handle, CallEvent::Ended(end)));
        }
    }

    fn on_invite_event(&mut self, now: Instant, handle: CallHandle, ev: ClientEvent) {
        match ev {
            ClientEvent::Provisional(msg) => self.on_invite_provisional(now, handle, msg),
            ClientEvent::Final(msg) => {
                let code = msg.status().unwrap_or(500);
                if (200..300).contains(&code) {
                    self.on_invite_2xx(now, handle, msg);
                } else {
                    self.on_invite_failure(now, handle, msg);
                }
            }
            ClientEvent::Timeout => {
                let Some(call) = self.calls.get(&handle) else {
                    return;
                };
                let (outcome, reason, by) = match (call.cancel, call.got_provisional) {
                    (Some(_), true) => (
                        Outcome::NoAnswer,
                        "no final response to CANCEL",
                        EndedBy::Network,
                    ),
                    (_, true) => (
                        Outcome::NoAnswer,
                        "no final response (timer B)",
                        EndedBy::Network,
                    ),
                    (_, false) => (
                        Outcome::Failed,
                        "no response from the peer (timer B)",
                        EndedBy::Network,
                    ),
                };
                self.end_call(
                    now,
                    handle,
                    CallEnd {
                        outcome,
                        status: None,
                        reason: reason.into(),
                        ended_by: by,
                    },
                );
            }
        }
    }

    fn on_invite_provisional(&mut self, now: Instant, handle: CallHandle, msg: SipMsg) {
        let code = msg.status().unwrap_or(100);
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        if call.state != CallState::Inviting {
            return;
        }
        call.got_provisional = true;
        if code > 100 {
            self.events
                .push_back(Event::Call(handle, CallEvent::Progress { status: code }));
            if msg.content_type().as_deref() == Some("application/sdp") && !call.early_media {
                if let Some(Ok(media)) = msg.body_text().map(sdp::parse_remote) {
                    call.early_media = true;
                    self.events
                        .push_back(Event::Call(handle, CallEvent::EarlyMedia(media)));
                }
            }
        }
        if let Some(reason) = call.cancel {
            self.cancel_call(now, handle, reason);
        }
    }

    fn on_invite_2xx(&mut self, now: Instant, handle: CallHandle, msg: SipMsg) {
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        if let Some((ack, dest)) = &call.ack {
            // Retransmitted 2xx: our ACK was lost; send it again.
            self.out.push(Transmit {
                dest: *dest,
                payload: ack.clone(),
            });
            return;
        }
        let Some(dialog) = Dialog::from_response(&call.invite, &msg) else {
            // A 2xx without a To tag cannot form a dialog; treat as a broken answer.
            self.end_call(
                now,
                handle,
                CallEnd {
                    outcome: Outcome::Failed,
                    status: msg.status(),
                    reason: "2xx without To tag".into(),
                    ended_by: EndedBy::Remote,
                },
            );
            return;
        };
        let (via, _) = self.via();
        let contact = self.contact();
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        let seq = dialog.local_seq;
        let ack = dialog.request_with_seq(rsip::Method::Ack, seq, via, &contact);
        let dest = dialog.next_hop().unwrap_or(call.req.dest);
        let bytes = ack.to_bytes();
        self.out.push(Transmit {
            dest,
            payload: bytes.clone(),
        });
        call.ack = Some((bytes, dest));
        call.dialog = Some(dialog);
        let media = msg.body_text().map(sdp::parse_remote);
        if call.cancel.is_some() {
            // The callee answered while our CANCEL was in flight: hang up at once.
            let reason = call.cancel;
            self.send_bye(now, handle);
            let outcome = if reason == Some(CancelReason::RingTimeout) {
                Outcome::NoAnswer
            } else {
                Outcome::Answered
            };
            self.end_call(
                now,
                handle,
                CallEnd {
                    outcome,
                    status: msg.status(),
                    reason: "answered after CANCEL; hung up".into(),
                    ended_by: EndedBy::Local,
                },
            );
            return;
        }
        match media {
            Some(Ok(media)) => {
                call.state = CallState::Answered;
                self.events
                    .push_back(Event::Call(handle, CallEvent::Answered { media }));
            }
            other => {
                let why = match other {
                    Some(Err(e)) => e.to_string(),
                    _ => "2xx without SDP answer".to_string(),
                };
                call.state = CallState::Answered;
                self.send_bye(now, handle);
                self.end_call(
                    now,
                    handle,
                    CallEnd {
                        outcome: Outcome::Failed,
                        status: msg.status(),
                        reason: format!("unusable SDP answer: {why}"),
                        ended_by: EndedBy::Local,
                    },
                );
            }
        }
    }

    fn on_invite_failure(&mut self, now: Instant, handle: CallHandle, msg: SipMsg) {
        let code = msg.status().unwrap_or(500);
        if (code == 401 || code == 407) && self.retry_invite_with_auth(now, handle, &msg) {
            return;
        }
        let Some(call) = self.calls.get(&handle) else {
            return;
        };
        let outcome = match call.cancel {
            Some(CancelReason::RingTimeout) if code == 487 => Outcome::NoAnswer,
            Some(CancelReason::Hangup) if code == 487 => Outcome::NoAnswer,
            _ => Outcome::from_status(code),
        };
        let reason = match call.cancel {
            Some(CancelReason::RingTimeout) if code == 487 => "ring timeout; cancelled".to_string(),
            Some(CancelReason::Hangup) if code == 487 => "cancelled by us".to_string(),
            _ => format!("{code} {}", msg.reason()),
        };
        let ended_by = if call.cancel.is_some() {
            EndedBy::Local
        } else {
            EndedBy::Remote
        };
        self.end_call(
            now,
            handle,
            CallEnd {
                outcome,
                status: Some(code),
                reason,
                ended_by,
            },
        );
    }

    fn retry_invite_with_auth(&mut self, now: Instant, handle: CallHandle, msg: &SipMsg) -> bool {
        let code = msg.status().unwrap_or(0);
        let (challenge_header, answer_header) = if code == 407 {
            ("Proxy-Authenticate", "Proxy-Authorization")
        } else {
            ("WWW-Authenticate", "Authorization")
        };
        let Some(challenge) = msg
            .header_lines(challenge_header)
            .into_iter()
            .find_map(|c| Challenge::parse(c).ok())
        else {
            return false;
        };
        let cnonce = self.token(16);
        let (via, _) = self.via();
        let Some(call) = self.calls.get_mut(&handle) else {
            return false;
        };
        let Some(creds) = call.req.credentials.clone() else {
            return false;
        };
        if call.cancel.is_some()
            || (call.auth_tries >= 1 && !challenge.stale)
            || call.auth_tries >= 3
        {
            return false;
        }
        call.auth_tries += 1;
        call.nc += 1;
        let mut invite = call.invite.clone();
        let seq: u32 = invite
            .header("CSeq")
            .and_then(|c| c.split_whitespace().next()?.parse().ok())
            .unwrap_or(1);
        invite.set("Via", via);
        invite.set("CSeq", format!("{} INVITE", seq + 1));
        let auth = challenge.authorization(&creds, "INVITE", &invite.uri, call.nc, &cnonce);
        invite.set(answer_header, auth);
        call.invite = invite.clone();
        call.got_provisional = false;
        let dest = call.req.dest;
        let key = self.start_client_tx(now, invite, dest, Owner::Invite(handle));
        if let Some(call) = self.calls.get_mut(&handle) {
            call.invite_key = key;
        }
        true
    }

    fn on_in_dialog_response(
        &mut self,
        now: Instant,
        handle: CallHandle,
        method: rsip::Method,
        ev: ClientEvent,
    ) {
        match (method, ev) {
            (rsip::Method::Bye, ClientEvent::Final(msg)) => {
                let status = msg.status();
                self.end_call(
                    now,
                    handle,
                    CallEnd {
                        outcome: Outcome::Answered,
                        status: Some(200),
                        reason: format!("we hung up (BYE answered {})", status.unwrap_or(0)),
                        ended_by: EndedBy::Local,
                    },
                );
            }
            (rsip::Method::Bye, ClientEvent::Timeout) => {
                self.end_call(
                    now,
                    handle,
                    CallEnd {
                        outcome: Outcome::Answered,
                        status: Some(200),
                        reason: "we hung up (BYE unanswered)".into(),
                        ended_by: EndedBy::Local,
                    },
                );
            }
            (rsip::Method::Refer, ClientEvent::Final(msg)) => {
                let code = msg.status().unwrap_or(500);
                if (200..300).contains(&code) {
                    self.events.push_back(Event::Call(
                        handle,
                        CallEvent::TransferProgress { status: code },
                    ));
                } else {
                    self.finish_transfer(now, handle, false, Some(code));
                }
            }
            (rsip::Method::Refer, ClientEvent::Timeout) => {
                self.finish_transfer(now, handle, false, None);
            }
            (_, ClientEvent::Final(msg))
                if msg.status() == Some(481) || msg.status() == Some(408) =>
            {
                // RFC 3261 12.2.1.2: the dialog is gone.
                self.end_call(
                    now,
                    handle,
                    CallEnd {
                        outcome: Outcome::Answered,
                        status: Some(200),
                        reason: format!(
                            "dialog terminated by peer ({})",
                            msg.status().unwrap_or(0)
                        ),
                        ended_by: EndedBy::Remote,
                    },
                );
            }
            _ => {}
        }
    }

    fn finish_transfer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        success: bool,
        status: Option<u16>,
    ) {
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        if call.transfer != Some(TransferState::Pending) {
            return;
        }
        call.transfer = Some(TransferState::Done);
        self.events.push_back(Event::Call(
            handle,
            CallEvent::TransferCompleted { success, status },
        ));
        if success && call.state == CallState::Answered {
            self.send_bye(now, handle);
        }
    }

    // ----- registration ---------------------------------------------------------------------

    /// Registers (and keeps re-registering before expiry) with a registrar.
    pub fn register(&mut self, now: Instant, req: RegisterRequest) -> Result<(), RequestError> {
        check_uri(&req.registrar)?;
        check_uri(&req.aor)?;
        let call_id = format!("{}@{}", self.token(20), self.cfg.public_addr.ip());
        let from_tag = self.token(10);
        self.registration = Some(Registration {
            req,
            call_id,
            from_tag,
            cseq: 0,
            auth_tries: 0,
            nc: 0,
            refresh_at: None,
            unregistering: false,
            in_flight: false,
        });
        self.send_register(now, None);
        Ok(())
    }

    /// Removes our binding (REGISTER with expires 0).
    pub fn unregister(&mut self, now: Instant) {
        if let Some(reg) = self.registration.as_mut() {
            reg.unregistering = true;
            reg.refresh_at = None;
            reg.auth_tries = 0;
            self.send_register(now, None);
        }
    }

    fn send_register(&mut self, now: Instant, auth: Option<(&str, String)>) {
        let (via, _) = self.via();
        let contact = self.contact();
        let ua = self.cfg.user_agent.clone();
        let Some(reg) = self.registration.as_mut() else {
            return;
        };
        reg.cseq += 1;
        reg.in_flight = true;
        let expires = if reg.unregistering {
            0
        } else {
            reg.req.expires
        };
        let mut r = OutRequest::new(rsip::Method::Register, reg.req.registrar.clone());
        r.push("Via", via);
        r.push("Max-Forwards", "70");
        r.push("From", format!("<{}>;tag={}", reg.req.aor, reg.from_tag));
        r.push("To", format!("<{}>", reg.req.aor));
        r.push("Call-ID", reg.call_id.clone());
        r.push("CSeq", format!("{} REGISTER", reg.cseq));
        r.push("Contact", contact);
        r.push("Expires", expires.to_string());
        r.push("Allow", ALLOW);
        r.push("User-Agent", ua);
        if let Some((name, value)) = auth {
            r.push(name, value);
        }
        let dest = reg.req.dest;
        self.start_client_tx(now, r, dest, Owner::Register);
    }

    fn on_register_event(&mut self, now: Instant, ev: ClientEvent) {
        let msg = match ev {
            ClientEvent::Provisional(_) => return,
            ClientEvent::Timeout => {
                if let Some(reg) = self.registration.as_mut() {
                    reg.in_flight = false;
                    // Try again in a minute.
                    reg.refresh_at = Some(now + Duration::from_secs(60));
                }
                self.events
                    .push_back(Event::Registration(RegistrationEvent::Failed {
                        status: None,
                        reason: "registrar did not respond".into(),
                    }));
                return;
            }
            ClientEvent::Final(msg) => msg,
        };
        let code = msg.status().unwrap_or(500);
        let cnonce = self.token(16);
        let Some(reg) = self.registration.as_mut() else {
            return;
        };
        reg.in_flight = false;
        if code == 401 || code == 407 {
            let (ch, ah) = if code == 407 {
                ("Proxy-Authenticate", "Proxy-Authorization")
            } else {
                ("WWW-Authenticate", "Authorization")
            };
            let challenge = msg
                .header_lines(ch)
                .into_iter()
                .find_map(|c| Challenge::parse(c).ok());
            if let (Some(challenge), Some(creds)) = (challenge, reg.req.credentials.clone()) {
                if reg.auth_tries == 0 || (challenge.stale && reg.auth_tries < 3) {
                    reg.auth_tries += 1;
                    reg.nc += 1;
                    let value = challenge.authorization(
                        &creds,
                        "REGISTER",
                        &reg.req.registrar,
                        reg.nc,
                        &cnonce,
                    );
                    self.send_register(now, Some((ah, value)));
                    return;
                }
            }
        }
        reg.auth_tries = 0;
        if (200..300).contains(&code) {
            if reg.unregistering {
                reg.refresh_at = None;
                self.events
                    .push_back(Event::Registration(RegistrationEvent::Unregistered));
                return;
            }
            let our_contact = format!("{}", self.cfg.public_addr);
            let granted = msg
                .header_list("Contact")
                .iter()
                .filter_map(|c| NameAddr::parse(c))
                .find(|n| n.uri.contains(&our_contact))
                .and_then(|n| n.param("expires"))
                .and_then(|e| e.parse::<u32>().ok())
                .or_else(|| msg.header("Expires").and_then(|e| e.trim().parse().ok()))
                .unwrap_or(reg.req.expires);
            // Refresh halfway through the granted time (at least 5 s ahead).
            reg.refresh_at = Some(now + Duration::from_secs(u64::from(granted.max(10) / 2)));
            self.events
                .push_back(Event::Registration(RegistrationEvent::Registered {
                    expires: granted,
                }));
        } else {
            if code == 423 {
                if let Some(min) = msg
                    .header("Min-Expires")
                    .and_then(|m| m.trim().parse().ok())
                {
                    reg.req.expires = min;
                    self.send_register(now, None);
                    return;
                }
            }
            reg.refresh_at = Some(now + Duration::from_secs(60));
            self.events
                .push_back(Event::Registration(RegistrationEvent::Failed {
                    status: Some(code),
                    reason: format!("{code} {}", msg.reason()),
                }));
        }
    }

    // ----- input ----------------------------------------------------------------------------

    /// Feeds one received datagram.
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, bytes: &[u8]) {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            // CRLF keep-alive (RFC 5626).
            return;
        }
        let msg = match message::parse(bytes) {
            Ok(m) => m,
            Err(e) => {
                self.stats.malformed_dropped += 1;
                tracing::debug!(%from, error = %e, "dropped malformed SIP datagram");
                return;
            }
        };
        let essentials = match msg.essentials() {
            Ok(e) => e,
            Err(e) => {
                let is_request = msg.method().is_some_and(|m| *m != rsip::Method::Ack);
                if is_request && !msg.header_lines("Via").is_empty() {
                    self.stats.bad_requests_answered += 1;
                    let bytes =
                        response_to(&msg, 400, &format!("Bad Request ({e})"), None, &[], b"");
                    self.out.push(Transmit {
                        dest: from,
                        payload: bytes,
                    });
                } else {
                    self.stats.malformed_dropped += 1;
                }
                return;
            }
        };
        if msg.status().is_some() {
            self.handle_response(now, msg, essentials);
        } else {
            self.handle_request(now, from, msg, essentials);
        }
        self.flush();
    }

    fn handle_response(&mut self, now: Instant, msg: SipMsg, e: message::Essentials) {
        let key = TxKey::new(&e.branch, &e.cseq_method);
        let Some((tx, owner)) = self.client_txs.get_mut(&key) else {
            self.stats.stray_responses += 1;
            // A 2xx retransmission after the INVITE transaction is gone still needs our ACK.
            if e.cseq_method == rsip::Method::Invite
                && msg.status().is_some_and(|c| (200..300).contains(&c))
            {
                let ack = self
                    .calls
                    .values()
                    .find(|c| c.call_id == e.call_id)
                    .and_then(|c| c.ack.clone());
                if let Some((payload, dest)) = ack {
                    self.out.push(Transmit { dest, payload });
                }
            }
            return;
        };
        let owner = *owner;
        let Some(ev) = tx.on_response(now, &msg, &mut self.out) else {
            return;
        };
        self.dispatch_client_event(now, owner, ev);
    }

    fn dispatch_client_event(&mut self, now: Instant, owner: Owner, ev: ClientEvent) {
        match owner {
            Owner::Invite(h) => self.on_invite_event(now, h, ev),
            Owner::Cancel(_) => {}
            Owner::InDialog(h, m) => self.on_in_dialog_response(now, h, m, ev),
            Owner::Register => self.on_register_event(now, ev),
        }
    }

    fn handle_request(
        &mut self,
        now: Instant,
        from: SocketAddr,
        msg: SipMsg,
        e: message::Essentials,
    ) {
        let Some(method) = msg.method().copied() else {
            return;
        };
        if method == rsip::Method::Ack {
            self.handle_ack(now, &e);
            return;
        }
        let key = TxKey::new(&e.branch, &method);
        if let Some(tx) = self.server_txs.get_mut(&key) {
            self.stats.retransmissions_absorbed += 1;
            tx.on_request_retransmit(&mut self.out);
            return;
        }
        let mut tx = ServerTx::new(
            key.clone(),
            e.call_id.clone(),
            e.cseq,
            method == rsip::Method::Invite,
            from,
            self.cfg.timers,
        );
        if e.cseq_method != method {
            self.respond(
                now,
                &mut tx,
                &msg,
                400,
                "Bad Request (CSeq method mismatch)",
                &[],
                b"",
            );
            self.server_txs.insert(key, tx);
            return;
        }
        match method {
            rsip::Method::Cancel => self.handle_cancel(now, &mut tx, &msg, &e),
            rsip::Method::Options if e.to_tag.is_none() => {
                let extra = self.capability_headers();
                self.respond(now, &mut tx, &msg, 200, "OK", &extra, b"");
            }
            _ if e.to_tag.is_some() => self.handle_in_dialog(now, &mut tx, &msg, &e, method),
            rsip::Method::Invite => {
                // Inbound calls are not taken by this robot.
                self.respond(now, &mut tx, &msg, 480, "Temporarily Unavailable", &[], b"");
            }
            rsip::Method::Bye | rsip::Method::Info | rsip::Method::Notify | rsip::Method::Refer => {
                self.respond(now, &mut tx, &msg, 481, reason_phrase(481), &[], b"");
            }
            _ => {
                let extra = vec![("Allow".to_string(), ALLOW.to_string())];
                self.respond(now, &mut tx, &msg, 405, reason_phrase(405), &extra, b"");
            }
        }
        self.server_txs.insert(key, tx);
    }

    fn capability_headers(&self) -> Vec<(String, String)> {
        vec![
            ("Allow".into(), ALLOW.into()),
            (
                "Accept".into(),
                "application/sdp, application/dtmf-relay, message/sipfrag".into(),
            ),
            ("Supported".into(), "replaces".into()),
            ("User-Agent".into(), self.cfg.user_agent.clone()),
        ]
    }

    #[allow(clippy::too_many_arguments)]
    fn respond(
        &mut self,
        now: Instant,
        tx: &mut ServerTx,
        req: &SipMsg,
        code: u16,
        reason: &str,
        extra: &[(String, String)],
        body: &[u8],
    ) {
        let tag = self.token(10);
        let bytes = response_to(req, code, reason, Some(&tag), extra, body);
        tx.respond(now, code, bytes, &mut self.out);
    }

    fn handle_ack(&mut self, now: Instant, e: &message::Essentials) {
        // ACK for a non-2xx matches the INVITE server transaction by branch.
        let key = TxKey::new(&e.branch, &rsip::Method::Invite);
        if let Some(tx) = self.server_txs.get_mut(&key) {
            tx.on_ack(now);
            return;
        }
        // ACK for a 2xx (new branch): match by Call-ID and CSeq.
        if let Some(tx) = self
            .server_txs
            .values_mut()
            .find(|t| t.call_id == e.call_id && t.cseq == e.cseq && t.key.method == "INVITE")
        {
            tx.on_ack(now);
        }
    }

    fn handle_cancel(
        &mut self,
        now: Instant,
        tx: &mut ServerTx,
        msg: &SipMsg,
        e: &message::Essentials,
    ) {
        // We answer every INVITE we receive at once, so a CANCEL can only find an INVITE transaction
        // that already has its final response: 200 to the CANCEL, no effect on the INVITE (RFC 3261
        // section 9.2). Without a matching transaction the answer is 481.
        let invite_key = TxKey::new(&e.branch, &rsip::Method::Invite);
        if self.server_txs.contains_key(&invite_key) {
            self.respond(now, tx, msg, 200, "OK", &[], b"");
        } else {
            self.respond(now, tx, msg, 481, reason_phrase(481), &[], b"");
        }
    }

    fn find_call_by_dialog(&self, e: &message::Essentials) -> Option<CallHandle> {
        let to_tag = e.to_tag.as_deref()?;
        self.calls
            .iter()
            .find(|(_, c)| c.call_id == e.call_id && c.local_tag == to_tag && !c.ended)
            .map(|(h, _)| *h)
    }

    fn handle_in_dialog(
        &mut self,
        now: Instant,
        tx: &mut ServerTx,
        msg: &SipMsg,
        e: &message::Essentials,
        method: rsip::Method,
    ) {
        let Some(handle) = self.find_call_by_dialog(e) else {
            if method == rsip::Method::Options {
                let extra = self.capability_headers();
                self.respond(now, tx, msg, 200, "OK", &extra, b"");
            } else {
                self.respond(now, tx, msg, 481, reason_phrase(481), &[], b"");
            }
            return;
        };
        let in_order = self
            .calls
            .get_mut(&handle)
            .and_then(|c| c.dialog.as_mut())
            .map(|d| d.accept_remote_seq(e.cseq));
        match in_order {
            None => {
                // Requests inside an early dialog are not expected from a callee.
                self.respond(now, tx, msg, 481, reason_phrase(481), &[], b"");
                return;
            }
            Some(false) => {
                self.respond(
                    now,
                    tx,
                    msg,
                    500,
                    "Server Internal Error (CSeq out of order)",
                    &[],
                    b"",
                );
                return;
            }
            Some(true) => {}
        }
        match method {
            rsip::Method::Bye => {
                self.respond(now, tx, msg, 200, "OK", &[], b"");
                self.end_call(
                    now,
                    handle,
                    CallEnd {
                        outcome: Outcome::Answered,
                        status: Some(200),
                        reason: "peer hung up".into(),
                        ended_by: EndedBy::Remote,
                    },
                );
            }
            rsip::Method::Invite => self.handle_reinvite(now, tx, msg, handle),
            rsip::Method::Info => {
                let digit = parse_dtmf_info(msg);
                self.respond(now, tx, msg, 200, "OK", &[], b"");
                if let Some((digit, duration_ms)) = digit {
                    self.events
                        .push_back(Event::Call(handle, CallEvent::Dtmf { digit, duration_ms }));
                }
            }
            rsip::Method::Notify => {
                self.respond(now, tx, msg, 200, "OK", &[], b"");
                let is_refer = msg.header("Event").is_some_and(|ev| {
                    ev.split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .eq_ignore_ascii_case("refer")
                });
                if is_refer {
                    if let Some(code) = msg.body_text().and_then(sipfrag_status) {
                        if code < 200 {
                            self.events.push_back(Event::Call(
                                handle,
                                CallEvent::TransferProgress { status: code },
                            ));
                        } else {
                            self.finish_transfer(now, handle, code < 300, Some(code));
                        }
                    }
                }
            }
            rsip::Method::Options => {
                let extra = self.capability_headers();
                self.respond(now, tx, msg, 200, "OK", &extra, b"");
            }
            _ => {
                let extra = vec![("Allow".to_string(), ALLOW.to_string())];
                self.respond(now, tx, msg, 405, reason_phrase(405), &extra, b"");
            }
        }
    }

    fn handle_reinvite(
        &mut self,
        now: Instant,
        tx: &mut ServerTx,
        msg: &SipMsg,
        handle: CallHandle,
    ) {
        let contact = self.contact();
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        if let Some(d) = call.dialog.as_mut() {
            d.refresh_target(msg);
        }
        let new_media = match msg.body_text() {
            Some(t) if !t.trim().is_empty() => match sdp::parse_remote(t) {
                Ok(m) => Some(m),
                Err(_) => {
                    self.respond(now, tx, msg, 488, reason_phrase(488), &[], b"");
                    return;
                }
            },
            _ => None,
        };
        // Answer with the session we offered (same codecs, same port): RFC 3264 section 8.
        let body = call.req.sdp_offer.clone().into_bytes();
        let extra = vec![
            ("Contact".to_string(), contact),
            ("Content-Type".to_string(), "application/sdp".to_string()),
        ];
        let tag = call.local_tag.clone();
        let bytes = response_to(msg, 200, "OK", Some(&tag), &extra, &body);
        tx.respond(now, 200, bytes, &mut self.out);
        if let Some(m) = new_media {
            self.events
                .push_back(Event::Call(handle, CallEvent::MediaChanged(m)));
        }
    }

    /// Runs timers due at `now`.
    pub fn handle_timeout(&mut self, now: Instant) {
        let due: Vec<TxKey> = self
            .client_txs
            .iter()
            .filter(|(_, (t, _))| t.next_timeout().is_some_and(|at| at <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let Some((tx, owner)) = self.client_txs.get_mut(&key) else {
                continue;
            };
            let owner = *owner;
            let ev = tx.on_timeout(now, &mut self.out);
            if tx.state == ClientState::Terminated {
                self.client_txs.remove(&key);
            }
            if let Some(ev) = ev {
                self.dispatch_client_event(now, owner, ev);
            }
        }
        let due: Vec<TxKey> = self
            .server_txs
            .iter()
            .filter(|(_, t)| t.next_timeout().is_some_and(|at| at <= now))
            .map(|(k, _)| k.clone())
            .collect();
        for key in due {
            let Some(tx) = self.server_txs.get_mut(&key) else {
                continue;
            };
            if let Some(ServerEvent::AckTimeout) = tx.on_timeout(now, &mut self.out) {
                tracing::debug!(call_id = %tx.call_id, "no ACK for our final response");
            }
        }
        self.server_txs.retain(|_, t| {
            t.state != super::transaction::ServerState::Terminated || t.next_timeout().is_some()
        });
        // Ring timeouts.
        let ringing: Vec<CallHandle> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.state == CallState::Inviting && c.cancel.is_none() && c.ring_deadline <= now
            })
            .map(|(h, _)| *h)
            .collect();
        for h in ringing {
            self.cancel_call(now, h, CancelReason::RingTimeout);
        }
        // Forget calls whose linger time is over.
        self.calls
            .retain(|_, c| c.remove_at.is_none_or(|t| t > now));
        // Registration refresh.
        let refresh = self
            .registration
            .as_ref()
            .is_some_and(|r| !r.in_flight && r.refresh_at.is_some_and(|t| t <= now));
        if refresh {
            if let Some(r) = self.registration.as_mut() {
                r.refresh_at = None;
                r.auth_tries = 0;
            }
            self.send_register(now, None);
        }
        self.flush();
    }

    /// The invite transaction's retransmission count for a call (diagnostics and tests).
    pub fn invite_retransmissions(&self, handle: CallHandle) -> Option<u32> {
        let call = self.calls.get(&handle)?;
        self.client_txs
            .get(&call.invite_key)
            .map(|(t, _)| t.retransmissions())
    }
}

/// Reads a DTMF digit from an INFO body (`application/dtmf-relay` or `application/dtmf`).
pub fn parse_dtmf_info(msg: &SipMsg) -> Option<(char, Option<u32>)> {
    let ct = msg.content_type()?;
    let body = msg.body_text()?;
    let valid = |c: char| c.is_ascii_digit() || "*#ABCDabcd".contains(c);
    match ct.as_str() {
        "application/dtmf-relay" => {
            let mut digit = None;
            let mut duration = None;
            for line in body.lines() {
                if let Some((k, v)) = line.split_once('=') {
                    let v = v.trim();
                    if k.trim().eq_ignore_ascii_case("signal") {
                        digit = v.chars().next().filter(|c| valid(*c) && v.len() == 1);
                        if v == "10" {
                            digit = Some('*');
                        } else if v == "11" {
                            digit = Some('#');
                        }
                    } else if k.trim().eq_ignore_ascii_case("duration") {
                        duration = v.parse().ok();
                    }
                }
            }
            digit.map(|d| (d.to_ascii_uppercase(), duration))
        }
        "application/dtmf" => {
            let t = body.trim();
            let d = t.chars().next().filter(|c| valid(*c) && t.len() == 1)?;
            Some((d.to_ascii_uppercase(), None))
        }
        _ => None,
    }
}

/// The status code of a `message/sipfrag` body (`SIP/2.0 200 OK`).
pub fn sipfrag_status(body: &str) -> Option<u16> {
    let line = body.lines().next()?.trim();
    let mut parts = line.split_whitespace();
    if parts.next()? != "SIP/2.0" {
        return None;
    }
    parts
        .next()?
        .parse()
        .ok()
        .filter(|c| (100..700).contains(c))
}
