//! The SIP user agent core without I/O: feed it datagrams and time, drain datagrams, a wake-up time and
//! events. It owns the transactions, the outbound and inbound calls, the registration, transfers it is
//! asked to carry out (REFER from a peer) and answers OPTIONS.
//!
//! ```text
//! handle_datagram(now, from, bytes) ─┐                  ┌─ poll_transmit() → datagrams to send
//! handle_timeout(now) ───────────────┼─► Endpoint ──────┼─ poll_timeout()  → when to call again
//! place_call / hangup / transfer ────┤                  └─ poll_event()    → call and registration events
//! ring / answer / reject ────────────┤
//! follow_transfer / fail_transfer ───┘
//! ```

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::auth::{Challenge, Credentials};
use super::dialog::Dialog;
use super::message::{self, reason_phrase, response_to, NameAddr, OutRequest, SipMsg};
use super::outcome::Outcome;
use super::sdp::{self, RemoteMedia};
mod inbound;
mod incoming;
mod outbound;
mod referral;
mod registration;
mod unreachable;

pub use inbound::{parse_dtmf_info, sipfrag_status};
pub use incoming::{uri_user, Caller, IncomingCall};
pub use unreachable::Unreachable;

use super::transaction::{
    cancel_for, ClientEvent, ClientState, ClientTx, ServerEvent, ServerTx, Timers, Transmit, TxKey,
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

impl CallEnd {
    /// The end of an answered call (its INVITE got 200): `reason`, ended by `ended_by`.
    pub fn after_answer(reason: impl Into<String>, ended_by: EndedBy) -> Self {
        CallEnd {
            outcome: Outcome::Answered,
            status: Some(200),
            reason: reason.into(),
            ended_by,
        }
    }

    /// The end of a call whose 2xx answer was unusable (status `status`): a failure, with `reason`.
    pub fn broken_answer(
        status: Option<u16>,
        reason: impl Into<String>,
        ended_by: EndedBy,
    ) -> Self {
        CallEnd {
            outcome: Outcome::Failed,
            status,
            reason: reason.into(),
            ended_by,
        }
    }
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
    /// The peer asks us to transfer ourselves (REFER, RFC 3515): it got 202 Accepted and a NOTIFY
    /// `100 Trying`; carry it out with [`Endpoint::follow_transfer`] or give up with
    /// [`Endpoint::fail_transfer`].
    TransferRequested {
        /// The Refer-To URI: where to call.
        target: String,
        /// Who asked (the REFER's Referred-By, else the peer's URI), carried in our INVITE.
        referred_by: String,
    },
    /// The transfer finished: ours (the peer's NOTIFY or REFER response) or the one we carried out for
    /// the peer (the new call's answer or failure, already reported to the peer by NOTIFY).
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
    /// A peer's INVITE offers a new call: answer it with `ring`, `answer` or `reject`.
    Incoming(IncomingCall),
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
    /// Inbound, no final response yet: the application decides.
    Offered,
    /// Inbound, our 2xx sent, waiting for the ACK.
    Accepting,
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
    /// Set for a call a peer placed to us.
    inbound: Option<incoming::Inbound>,
    /// A REFER the peer sent on this call, which we carry out (we are the transferee).
    referral: Option<referral::Referral>,
    /// Set for a call placed to follow a REFER received on that call.
    referred_from: Option<CallHandle>,
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
    accept_inbound: bool,
    accept_transfers: bool,
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
    /// `ring`, `answer` or `reject` on a call that is not an inbound call waiting for our decision.
    #[error("the call is not an inbound call waiting for an answer")]
    NotOffered,
    /// `reject` with a status that is not a final failure (400–699).
    #[error("{0} is not a rejection status (use 400–699, e.g. 486 busy, 603 decline, 480)")]
    BadStatus(u16),
    /// `follow_transfer` or `fail_transfer` on a call with no REFER waiting to be carried out.
    #[error("the peer asked for no transfer on this call, or it is already being carried out")]
    NoTransfer,
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
            accept_inbound: false,
            accept_transfers: false,
        }
    }

    /// Whether peers' INVITEs become [`Event::Incoming`] (`true`) or are answered 480 (the default).
    pub fn set_accept_inbound(&mut self, accept: bool) {
        self.accept_inbound = accept;
    }

    /// Whether a peer's REFER becomes [`CallEvent::TransferRequested`] (`true`) or is answered 403 (the
    /// default).
    pub fn set_accept_transfers(&mut self, accept: bool) {
        self.accept_transfers = accept;
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
                self.on_ack_timeout(now, &key);
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
