//! RFC 3261 section 17 transactions over UDP, without I/O: client and server, INVITE and non-INVITE,
//! with timers A, B, D, E, F, G, H, I, J, K. Time is passed in; datagrams to send are pushed to an
//! output queue; results are returned to the transaction user.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::message::{OutRequest, SipMsg};

/// The RFC 3261 timer base values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// T1, the round-trip estimate (500 ms).
    pub t1: Duration,
    /// T2, the cap on non-INVITE retransmit intervals (4 s).
    pub t2: Duration,
    /// T4, how long a message can stay in the network (5 s).
    pub t4: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

impl Timers {
    /// 64·T1: timers B, F, H and J.
    pub fn timeout(&self) -> Duration {
        self.t1 * 64
    }
    /// Timer D for UDP: at least 32 s.
    pub fn timer_d(&self) -> Duration {
        Duration::from_secs(32).max(self.timeout() / 2)
    }
}

/// One datagram to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// Destination.
    pub dest: SocketAddr,
    /// The SIP message.
    pub payload: Vec<u8>,
}

/// Transaction identity: top Via branch plus method (ACK is matched to its INVITE by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TxKey {
    /// `branch` of the top Via.
    pub branch: String,
    /// Method from CSeq (`INVITE`, `CANCEL`, `BYE` …).
    pub method: String,
}

impl TxKey {
    /// Builds a key from branch and method.
    pub fn new(branch: &str, method: &rsip::Method) -> Self {
        TxKey {
            branch: branch.to_string(),
            method: method.to_string(),
        }
    }
}

/// Queues `payload` for `dest`.
fn send(out: &mut Vec<Transmit>, dest: SocketAddr, payload: &[u8]) {
    out.push(Transmit {
        dest,
        payload: payload.to_vec(),
    });
}

/// Which of a transaction's timers is due first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// The transaction ends quietly (timers D, I, J, K and the 2xx wait of an accepted client).
    Terminate,
    /// The transaction gives up (timers B, F, H).
    Timeout,
    /// A retransmission, scheduled at this instant (timers A, E, G).
    Retransmit(Instant),
}

/// The three timers every transaction runs: retransmission with its current interval, timeout and
/// termination.
#[derive(Debug, Clone)]
struct TxTimers {
    retransmit_at: Option<Instant>,
    interval: Duration,
    timeout_at: Option<Instant>,
    terminate_at: Option<Instant>,
}

impl TxTimers {
    /// No timer armed; retransmissions would start at `t1`.
    fn idle(t1: Duration) -> Self {
        TxTimers {
            retransmit_at: None,
            interval: t1,
            timeout_at: None,
            terminate_at: None,
        }
    }

    /// The timer that is due at `now`, termination first, then timeout, then retransmission.
    fn due(&self, now: Instant) -> Option<Due> {
        if self.terminate_at.is_some_and(|t| now >= t) {
            Some(Due::Terminate)
        } else if self.timeout_at.is_some_and(|t| now >= t) {
            Some(Due::Timeout)
        } else {
            self.retransmit_at
                .filter(|at| now >= *at)
                .map(Due::Retransmit)
        }
    }

    /// Arms retransmission every `interval` from `now` and the timeout `timeout` from `now`.
    fn start_retransmitting(&mut self, now: Instant, interval: Duration, timeout: Duration) {
        self.interval = interval;
        self.retransmit_at = Some(now + interval);
        self.timeout_at = Some(now + timeout);
    }

    /// After the retransmission scheduled `at`: doubles the interval (capped at `cap`) and schedules the next.
    fn back_off(&mut self, at: Instant, cap: Option<Duration>) {
        let doubled = self.interval * 2;
        self.interval = cap.map_or(doubled, |cap| doubled.min(cap));
        self.retransmit_at = Some(at + self.interval);
    }

    /// Stops retransmission and the timeout; termination fires `after` from `now`, or never.
    fn settle(&mut self, now: Instant, after: Option<Duration>) {
        self.retransmit_at = None;
        self.timeout_at = None;
        self.terminate_at = after.map(|d| now + d);
    }

    /// When the next timer fires.
    fn next(&self) -> Option<Instant> {
        [self.retransmit_at, self.timeout_at, self.terminate_at]
            .into_iter()
            .flatten()
            .min()
    }
}

/// State of a client transaction (RFC 3261 figures 5 and 6, plus RFC 6026 "Accepted").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientState {
    /// INVITE sent, nothing heard (non-INVITE: Trying).
    Calling,
    /// A provisional response arrived.
    Proceeding,
    /// A final non-2xx response arrived (INVITE) or any final (non-INVITE); absorbing retransmissions.
    Completed,
    /// A 2xx to INVITE arrived; retransmitted 2xx still reach the transaction user (RFC 6026).
    Accepted,
    /// Done; can be dropped.
    Terminated,
}

/// What a client transaction tells its user.
#[derive(Debug, Clone)]
pub enum ClientEvent {
    /// A new provisional response (1xx).
    Provisional(SipMsg),
    /// The final response (the first, or for INVITE any 2xx retransmission).
    Final(SipMsg),
    /// Timer B or F fired without a final response.
    Timeout,
}

/// A client transaction: sends a request and retransmits it until a response settles it.
#[derive(Debug, Clone)]
pub struct ClientTx {
    /// Identity.
    pub key: TxKey,
    /// The request as sent.
    pub request: OutRequest,
    /// Where it goes.
    pub dest: SocketAddr,
    /// Current state.
    pub state: ClientState,
    timers: Timers,
    bytes: Vec<u8>,
    is_invite: bool,
    clock: TxTimers,
    ack: Option<Vec<u8>>,
    retransmissions: u32,
}

impl ClientTx {
    /// Starts the transaction and queues the first transmission.
    pub fn start(
        now: Instant,
        key: TxKey,
        request: OutRequest,
        dest: SocketAddr,
        timers: Timers,
        out: &mut Vec<Transmit>,
    ) -> Self {
        let bytes = request.to_bytes();
        send(out, dest, &bytes);
        let is_invite = request.method == rsip::Method::Invite;
        let mut clock = TxTimers::idle(timers.t1);
        // Timer A (INVITE) or E (non-INVITE) starts at T1; timer B or F bounds the wait.
        clock.start_retransmitting(now, timers.t1, timers.timeout());
        ClientTx {
            key,
            request,
            dest,
            state: ClientState::Calling,
            timers,
            bytes,
            is_invite,
            clock,
            ack: None,
            retransmissions: 0,
        }
    }

    /// How many times the request was retransmitted.
    pub fn retransmissions(&self) -> u32 {
        self.retransmissions
    }

    /// Feeds a response matched to this transaction; returns what the user must see (retransmissions
    /// are absorbed and return `None`).
    pub fn on_response(
        &mut self,
        now: Instant,
        msg: &SipMsg,
        out: &mut Vec<Transmit>,
    ) -> Option<ClientEvent> {
        let code = msg.status()?;
        match (self.state, code) {
            (ClientState::Calling | ClientState::Proceeding, 100..=199) => {
                self.state = ClientState::Proceeding;
                if self.is_invite {
                    // Timer A stops once anything is heard.
                    self.clock.retransmit_at = None;
                } else {
                    // Timer E continues at T2 in Proceeding.
                    self.clock.interval = self.timers.t2;
                    self.clock.retransmit_at = Some(now + self.timers.t2);
                }
                Some(ClientEvent::Provisional(msg.clone()))
            }
            (ClientState::Calling | ClientState::Proceeding, 200..=299) if self.is_invite => {
                self.state = ClientState::Accepted;
                self.clock.settle(now, Some(self.timers.timeout()));
                Some(ClientEvent::Final(msg.clone()))
            }
            (ClientState::Accepted, 200..=299) => Some(ClientEvent::Final(msg.clone())),
            (ClientState::Calling | ClientState::Proceeding, 200..=699) => {
                self.state = ClientState::Completed;
                if self.is_invite {
                    let ack = ack_for_failure(&self.request, msg).to_bytes();
                    send(out, self.dest, &ack);
                    self.ack = Some(ack);
                    // Timer D.
                    self.clock.settle(now, Some(self.timers.timer_d()));
                } else {
                    // Timer K.
                    self.clock.settle(now, Some(self.timers.t4));
                }
                Some(ClientEvent::Final(msg.clone()))
            }
            (ClientState::Completed, 300..=699) => {
                // Retransmitted final response: resend the ACK, tell nobody.
                if let Some(ack) = &self.ack {
                    send(out, self.dest, ack);
                }
                None
            }
            _ => None,
        }
    }

    /// Runs expired timers.
    pub fn on_timeout(&mut self, now: Instant, out: &mut Vec<Transmit>) -> Option<ClientEvent> {
        match self.clock.due(now)? {
            Due::Terminate => {
                self.state = ClientState::Terminated;
                self.clock.settle(now, None);
                None
            }
            Due::Timeout => {
                self.state = ClientState::Terminated;
                self.clock.settle(now, None);
                Some(ClientEvent::Timeout)
            }
            Due::Retransmit(at) => {
                send(out, self.dest, &self.bytes);
                self.retransmissions += 1;
                // Timer A doubles without bound; timer E is capped at T2.
                let cap = (!self.is_invite).then_some(self.timers.t2);
                self.clock.back_off(at, cap);
                None
            }
        }
    }

    /// When this transaction next needs [`ClientTx::on_timeout`].
    pub fn next_timeout(&self) -> Option<Instant> {
        self.clock.next()
    }
}

/// The ACK for a non-2xx final response: same branch, Request-URI, Call-ID, From, Route; To from the
/// response (RFC 3261 section 17.1.1.3).
pub fn ack_for_failure(invite: &OutRequest, resp: &SipMsg) -> OutRequest {
    let to = resp
        .header("To")
        .or_else(|| invite.header("To"))
        .unwrap_or_default();
    invite_sibling(invite, rsip::Method::Ack, to)
}

/// The CANCEL of a pending INVITE: same branch, Request-URI, Call-ID, From, To and Route (RFC 3261 section
/// 9.1).
pub fn cancel_for(invite: &OutRequest) -> OutRequest {
    invite_sibling(
        invite,
        rsip::Method::Cancel,
        invite.header("To").unwrap_or_default(),
    )
}

/// A request of the INVITE's own transaction (ACK of a failure, CANCEL): the INVITE's Request-URI, top Via,
/// From, Call-ID, Route set and CSeq number, with `method` and the To header `to`.
fn invite_sibling(invite: &OutRequest, method: rsip::Method, to: &str) -> OutRequest {
    let mut req = OutRequest::new(method, invite.uri.clone());
    if let Some(via) = invite.header("Via") {
        req.push("Via", via);
    }
    req.push("Max-Forwards", "70");
    for name in ["From", "Call-ID"] {
        if let Some(v) = invite.header(name) {
            req.push(name, v);
        }
    }
    req.push("To", to);
    let seq = invite
        .header("CSeq")
        .and_then(|c| c.split_whitespace().next())
        .unwrap_or("1");
    req.push("CSeq", format!("{seq} {method}"));
    for (n, v) in &invite.headers {
        if n.eq_ignore_ascii_case("Route") {
            req.push("Route", v.clone());
        }
    }
    req
}

/// State of a server transaction (RFC 3261 figures 7 and 8, plus RFC 6026 "Accepted").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerState {
    /// Request received, no final response yet (non-INVITE: Trying/Proceeding).
    Proceeding,
    /// Final response sent; for INVITE non-2xx waiting for ACK with timer G retransmissions.
    Completed,
    /// 2xx to INVITE sent; retransmitted until the ACK arrives or 64·T1 passes.
    Accepted,
    /// ACK received for a non-2xx (timer I running).
    Confirmed,
    /// Done.
    Terminated,
}

/// What a server transaction tells its user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerEvent {
    /// Timer H (or the 2xx wait) expired without an ACK.
    AckTimeout,
}

/// A server transaction: absorbs retransmitted requests and retransmits final responses over UDP.
#[derive(Debug, Clone)]
pub struct ServerTx {
    /// Identity.
    pub key: TxKey,
    /// Call-ID and CSeq number, to match the ACK of a 2xx (which has a new branch).
    pub call_id: String,
    /// CSeq number of the request.
    pub cseq: u32,
    /// Where responses go (the request's source: symmetric response routing).
    pub dest: SocketAddr,
    /// Current state.
    pub state: ServerState,
    timers: Timers,
    is_invite: bool,
    last_response: Option<Vec<u8>>,
    clock: TxTimers,
}

impl ServerTx {
    /// Creates the transaction for a newly received request.
    pub fn new(
        key: TxKey,
        call_id: String,
        cseq: u32,
        is_invite: bool,
        dest: SocketAddr,
        timers: Timers,
    ) -> Self {
        ServerTx {
            key,
            call_id,
            cseq,
            dest,
            state: ServerState::Proceeding,
            timers,
            is_invite,
            last_response: None,
            clock: TxTimers::idle(timers.t1),
        }
    }

    /// A retransmission of the request arrived: resend the last response (absorbed otherwise).
    pub fn on_request_retransmit(&mut self, out: &mut Vec<Transmit>) {
        if matches!(
            self.state,
            ServerState::Proceeding | ServerState::Completed | ServerState::Accepted
        ) || (!self.is_invite && self.state != ServerState::Terminated)
        {
            self.resend(out);
        }
    }

    /// Queues the last response again, when there is one.
    fn resend(&self, out: &mut Vec<Transmit>) {
        if let Some(resp) = &self.last_response {
            send(out, self.dest, resp);
        }
    }

    /// Sends a response with status `code` through the transaction.
    pub fn respond(&mut self, now: Instant, code: u16, bytes: Vec<u8>, out: &mut Vec<Transmit>) {
        if !matches!(self.state, ServerState::Proceeding) {
            return;
        }
        send(out, self.dest, &bytes);
        self.last_response = Some(bytes);
        if code < 200 {
            return;
        }
        if self.is_invite {
            self.state = if code < 300 {
                ServerState::Accepted
            } else {
                ServerState::Completed
            };
            // Timer G (and the 2xx retransmission of section 13.3.1.4) plus timer H.
            self.clock
                .start_retransmitting(now, self.timers.t1, self.timers.timeout());
        } else {
            self.state = ServerState::Completed;
            // Timer J.
            self.clock.settle(now, Some(self.timers.timeout()));
        }
    }

    /// The ACK for our final response arrived.
    pub fn on_ack(&mut self, now: Instant) {
        match self.state {
            ServerState::Completed if self.is_invite => {
                self.state = ServerState::Confirmed;
                // Timer I.
                self.clock.settle(now, Some(self.timers.t4));
            }
            ServerState::Accepted => {
                self.state = ServerState::Terminated;
                self.clock.settle(now, None);
            }
            _ => {}
        }
    }

    /// Runs expired timers.
    pub fn on_timeout(&mut self, now: Instant, out: &mut Vec<Transmit>) -> Option<ServerEvent> {
        match self.clock.due(now)? {
            Due::Terminate => {
                self.state = ServerState::Terminated;
                self.clock.settle(now, None);
                None
            }
            Due::Timeout => {
                self.state = ServerState::Terminated;
                self.clock.settle(now, None);
                Some(ServerEvent::AckTimeout)
            }
            Due::Retransmit(at) => {
                self.resend(out);
                self.clock.back_off(at, Some(self.timers.t2));
                None
            }
        }
    }

    /// When this transaction next needs [`ServerTx::on_timeout`].
    pub fn next_timeout(&self) -> Option<Instant> {
        self.clock.next()
    }

    /// Whether the transaction sent a final response.
    pub fn is_answered(&self) -> bool {
        !matches!(self.state, ServerState::Proceeding)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::{parse, render_response};

    fn invite() -> OutRequest {
        let mut r = OutRequest::new(rsip::Method::Invite, "sip:bob@127.0.0.1:5070");
        r.push("Via", "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc;rport");
        r.push("From", "<sip:a@127.0.0.1>;tag=1");
        r.push("To", "<sip:bob@127.0.0.1>");
        r.push("Call-ID", "cid");
        r.push("CSeq", "1 INVITE");
        r
    }

    fn response(code: u16) -> SipMsg {
        let headers = vec![
            (
                "Via".to_string(),
                "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc;rport".to_string(),
            ),
            ("From".into(), "<sip:a@127.0.0.1>;tag=1".into()),
            ("To".into(), "<sip:bob@127.0.0.1>;tag=2".into()),
            ("Call-ID".into(), "cid".into()),
            ("CSeq".into(), "1 INVITE".into()),
        ];
        parse(&render_response(code, "X", &headers, b"")).unwrap()
    }

    fn dest() -> SocketAddr {
        "127.0.0.1:5070".parse().unwrap()
    }

    /// Runs the transaction through simulated time in 10 ms steps; returns send times (ms).
    fn run_until(tx: &mut ClientTx, t0: Instant, ms: u64) -> (Vec<u64>, Option<u64>) {
        let mut sends = Vec::new();
        let mut timeout = None;
        let mut out = Vec::new();
        let mut now = t0;
        while now <= t0 + Duration::from_millis(ms) {
            if let Some(next) = tx.next_timeout() {
                if next <= now {
                    if let Some(ClientEvent::Timeout) = tx.on_timeout(next, &mut out) {
                        timeout = Some((next - t0).as_millis() as u64);
                    }
                    for _ in out.drain(..) {
                        sends.push((next - t0).as_millis() as u64);
                    }
                    continue;
                }
            }
            now += Duration::from_millis(10);
        }
        (sends, timeout)
    }

    #[test]
    fn invite_timer_a_doubles_and_timer_b_fires_at_64_t1() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let key = TxKey::new("z9hG4bKabc", &rsip::Method::Invite);
        let mut tx = ClientTx::start(t0, key, invite(), dest(), Timers::default(), &mut out);
        assert_eq!(out.len(), 1);
        let (sends, timeout) = run_until(&mut tx, t0, 40_000);
        assert_eq!(sends, vec![500, 1500, 3500, 7500, 15500, 31500]);
        assert_eq!(timeout, Some(32_000));
        assert_eq!(tx.state, ClientState::Terminated);
    }

    #[test]
    fn non_invite_timer_e_caps_at_t2_and_timer_f() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let mut bye = invite();
        bye.method = rsip::Method::Bye;
        bye.set("CSeq", "2 BYE");
        let key = TxKey::new("z9hG4bKabc", &rsip::Method::Bye);
        let mut tx = ClientTx::start(t0, key, bye, dest(), Timers::default(), &mut out);
        let (sends, timeout) = run_until(&mut tx, t0, 40_000);
        assert_eq!(
            &sends[..6],
            &[500, 1500, 3500, 7500, 11500, 15500],
            "E doubles then caps at T2 = 4 s"
        );
        assert_eq!(timeout, Some(32_000));
    }

    #[test]
    fn provisional_stops_timer_a_and_failure_is_acked_and_absorbed() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let key = TxKey::new("z9hG4bKabc", &rsip::Method::Invite);
        let mut tx = ClientTx::start(t0, key, invite(), dest(), Timers::default(), &mut out);
        out.clear();
        let ev = tx.on_response(t0 + Duration::from_millis(100), &response(180), &mut out);
        assert!(matches!(ev, Some(ClientEvent::Provisional(_))));
        // Timer B is still armed, timer A is not.
        assert_eq!(tx.next_timeout(), Some(t0 + Duration::from_secs(32)));
        let ev = tx.on_response(t0 + Duration::from_secs(1), &response(486), &mut out);
        assert!(matches!(ev, Some(ClientEvent::Final(_))));
        assert_eq!(out.len(), 1, "ACK sent");
        let ack = parse(&out[0].payload).unwrap();
        assert_eq!(ack.method(), Some(&rsip::Method::Ack));
        assert_eq!(ack.essentials().unwrap().branch, "z9hG4bKabc");
        assert_eq!(ack.essentials().unwrap().to_tag.as_deref(), Some("2"));
        // A retransmitted 486 is absorbed and answered with the same ACK.
        out.clear();
        let ev = tx.on_response(t0 + Duration::from_secs(2), &response(486), &mut out);
        assert!(ev.is_none());
        assert_eq!(out.len(), 1);
        // Timer D ends it after 32 s.
        tx.on_timeout(t0 + Duration::from_secs(34), &mut out);
        assert_eq!(tx.state, ClientState::Terminated);
    }

    #[test]
    fn cancel_matches_the_invite_transaction() {
        let mut inv = invite();
        inv.push("Route", "<sip:proxy.example;lr>");
        let cancel = parse(&cancel_for(&inv).to_bytes()).unwrap();
        assert_eq!(cancel.method(), Some(&rsip::Method::Cancel));
        assert_eq!(cancel.header("CSeq"), Some("1 CANCEL"));
        assert_eq!(cancel.header("To"), Some("<sip:bob@127.0.0.1>"));
        assert_eq!(cancel.header("Route"), Some("<sip:proxy.example;lr>"));
        assert_eq!(cancel.essentials().unwrap().branch, "z9hG4bKabc");
    }

    #[test]
    fn invite_2xx_retransmissions_reach_the_user() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let key = TxKey::new("z9hG4bKabc", &rsip::Method::Invite);
        let mut tx = ClientTx::start(t0, key, invite(), dest(), Timers::default(), &mut out);
        assert!(matches!(
            tx.on_response(t0, &response(200), &mut out),
            Some(ClientEvent::Final(_))
        ));
        assert!(matches!(
            tx.on_response(t0 + Duration::from_millis(500), &response(200), &mut out),
            Some(ClientEvent::Final(_))
        ));
        assert_eq!(tx.state, ClientState::Accepted);
    }

    #[test]
    fn server_invite_failure_retransmits_with_timer_g_until_ack() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let key = TxKey::new("b1", &rsip::Method::Invite);
        let mut tx = ServerTx::new(key, "c".into(), 1, true, dest(), Timers::default());
        tx.respond(t0, 486, b"486".to_vec(), &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        let mut sends = Vec::new();
        while let Some(next) = tx.next_timeout() {
            if next > t0 + Duration::from_secs(5) {
                break;
            }
            tx.on_timeout(next, &mut out);
            if !out.is_empty() {
                sends.push((next - t0).as_millis());
                out.clear();
            }
        }
        assert_eq!(sends, vec![500, 1500, 3500]);
        tx.on_ack(t0 + Duration::from_secs(5));
        assert_eq!(tx.state, ServerState::Confirmed);
        // Timer I then terminates without further sends.
        tx.on_timeout(t0 + Duration::from_secs(11), &mut out);
        assert!(out.is_empty());
        assert_eq!(tx.state, ServerState::Terminated);
    }

    #[test]
    fn server_invite_failure_without_ack_hits_timer_h() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let key = TxKey::new("b1", &rsip::Method::Invite);
        let mut tx = ServerTx::new(key, "c".into(), 1, true, dest(), Timers::default());
        tx.respond(t0, 603, b"603".to_vec(), &mut out);
        let mut last = None;
        while let Some(next) = tx.next_timeout() {
            if let Some(ev) = tx.on_timeout(next, &mut out) {
                last = Some((ev, next - t0));
            }
        }
        assert_eq!(
            last,
            Some((ServerEvent::AckTimeout, Duration::from_secs(32)))
        );
    }

    #[test]
    fn server_non_invite_absorbs_retransmits_until_timer_j() {
        let t0 = Instant::now();
        let mut out = Vec::new();
        let key = TxKey::new("b2", &rsip::Method::Bye);
        let mut tx = ServerTx::new(key, "c".into(), 2, false, dest(), Timers::default());
        tx.respond(t0, 200, b"200".to_vec(), &mut out);
        out.clear();
        tx.on_request_retransmit(&mut out);
        assert_eq!(
            out.len(),
            1,
            "retransmitted BYE answered with the stored 200"
        );
        assert_eq!(tx.next_timeout(), Some(t0 + Duration::from_secs(32)));
        tx.on_timeout(t0 + Duration::from_secs(32), &mut out);
        assert_eq!(tx.state, ServerState::Terminated);
    }
}
