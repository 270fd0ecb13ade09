//! Simulated-time tests of the user agent core: whole call flows with a scripted peer, no sockets, no sleeping.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use super::auth::Credentials;
use super::endpoint::*;
use super::message::{parse, response_to, SipMsg};
use super::outcome::Outcome;
use super::transaction::{Timers, Transmit};

const PEER_SDP: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n";

fn peer() -> SocketAddr {
    "127.0.0.1:5070".parse().unwrap()
}

fn endpoint() -> Endpoint {
    Endpoint::new(
        EndpointConfig {
            public_addr: "127.0.0.1:5060".parse().unwrap(),
            contact_user: "softcall".into(),
            user_agent: "softcall-test".into(),
            timers: Timers::default(),
        },
        7,
    )
}

fn call_request(creds: Option<Credentials>) -> CallRequest {
    CallRequest {
        target: "sip:bob@127.0.0.1:5070".into(),
        from: "sip:robot@127.0.0.1".into(),
        display_name: None,
        dest: peer(),
        sdp_offer: "v=0\r\no=softcall 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 8 101\r\n".into(),
        credentials: creds,
        ring_timeout: Duration::from_secs(20),
    }
}

fn drain(ep: &mut Endpoint) -> Vec<SipMsg> {
    let mut out = Vec::new();
    while let Some(Transmit { payload, .. }) = ep.poll_transmit() {
        out.push(parse(&payload).expect("we only send parseable SIP"));
    }
    out
}

fn events(ep: &mut Endpoint) -> Vec<Event> {
    std::iter::from_fn(|| ep.poll_event()).collect()
}

fn method(m: &SipMsg) -> String {
    m.method().map(|m| m.to_string()).unwrap_or_default()
}

fn reply(
    ep: &mut Endpoint,
    now: Instant,
    req: &SipMsg,
    code: u16,
    extra: &[(&str, &str)],
    body: &str,
) {
    let extra: Vec<(String, String)> = extra
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    let bytes = response_to(req, code, "Test", Some("peertag"), &extra, body.as_bytes());
    ep.handle_datagram(now, peer(), &bytes);
}

/// [`reply`] without extra headers or body.
fn reply_plain(ep: &mut Endpoint, now: Instant, req: &SipMsg, code: u16) {
    reply(ep, now, req, code, &[], "");
}

fn ended(evs: &[Event]) -> Option<CallEnd> {
    evs.iter().find_map(|e| match e {
        Event::Call(_, CallEvent::Ended(end)) => Some(end.clone()),
        _ => None,
    })
}

/// Runs `handle_timeout` at each wake-up until `until`, collecting what was sent with its time offset.
fn advance(ep: &mut Endpoint, t0: Instant, until: Duration) -> Vec<(u128, SipMsg)> {
    let mut sent = Vec::new();
    while let Some(at) = ep.poll_timeout() {
        if at > t0 + until {
            break;
        }
        ep.handle_timeout(at);
        for m in drain(ep) {
            sent.push(((at - t0).as_millis(), m));
        }
    }
    sent
}

#[test]
fn answered_call_acks_every_2xx_and_bye_is_retransmitted_until_answered() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let h = ep.place_call(t0, call_request(None)).unwrap();
    let invite = drain(&mut ep).remove(0);
    assert_eq!(method(&invite), "INVITE");
    assert_eq!(invite.content_type().as_deref(), Some("application/sdp"));

    reply_plain(&mut ep, t0, &invite, 180);
    let contact = [
        ("Contact", "<sip:bob@127.0.0.1:5070>"),
        ("Content-Type", "application/sdp"),
    ];
    // The peer sends (or resends) its 200 with SDP; each one gets exactly one ACK from us.
    let answer = |ep: &mut Endpoint, at: Instant| {
        reply(ep, at, &invite, 200, &contact, PEER_SDP);
        let sent = drain(ep);
        assert_eq!(sent.len(), 1);
        assert_eq!(method(&sent[0]), "ACK");
        sent
    };
    let sent = answer(&mut ep, t0 + Duration::from_millis(300));
    assert_eq!(sent[0].header("CSeq"), Some("1 ACK"));
    let evs = events(&mut ep);
    assert!(evs.contains(&Event::Call(h, CallEvent::Progress { status: 180 })));
    let media = evs.iter().find_map(|e| match e {
        Event::Call(_, CallEvent::Answered { media }) => Some(media.clone()),
        _ => None,
    });
    assert_eq!(media.unwrap().addr, "127.0.0.1:6000".parse().unwrap());

    // Our ACK was lost: the peer retransmits its 200, we ACK again and raise no new event.
    answer(&mut ep, t0 + Duration::from_millis(800));
    assert!(events(&mut ep).is_empty());

    // Hang up at t = 1 s; the BYE gets no answer for a while and is retransmitted by timer E.
    let t1 = t0 + Duration::from_secs(1);
    ep.hangup(t1, h).unwrap();
    let bye = drain(&mut ep).remove(0);
    assert_eq!(method(&bye), "BYE");
    assert_eq!(bye.header("CSeq"), Some("2 BYE"));
    let resent = advance(&mut ep, t1, Duration::from_millis(3600));
    let times: Vec<u128> = resent
        .iter()
        .filter(|(_, m)| method(m) == "BYE")
        .map(|(t, _)| *t)
        .collect();
    assert_eq!(times, vec![500, 1500, 3500]);
    reply_plain(&mut ep, t1 + Duration::from_secs(4), &bye, 200);
    let end = ended(&events(&mut ep)).expect("call ended");
    assert_eq!(end.outcome, Outcome::Answered);
    assert_eq!(end.ended_by, EndedBy::Local);
}

#[test]
fn busy_is_acked_and_mapped() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    ep.place_call(t0, call_request(None)).unwrap();
    let invite = drain(&mut ep).remove(0);
    reply_plain(&mut ep, t0, &invite, 486);
    let sent = drain(&mut ep);
    assert_eq!(method(&sent[0]), "ACK");
    assert_eq!(
        sent[0].essentials().unwrap().branch,
        invite.essentials().unwrap().branch
    );
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!((end.outcome, end.status), (Outcome::Busy, Some(486)));
    // The 486 retransmitted (our ACK lost) is absorbed and ACKed again.
    reply_plain(&mut ep, t0 + Duration::from_millis(500), &invite, 486);
    assert_eq!(method(&drain(&mut ep)[0]), "ACK");
    assert!(events(&mut ep).is_empty());
}

#[test]
fn ring_timeout_sends_cancel_and_487_is_no_answer() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let mut req = call_request(None);
    req.ring_timeout = Duration::from_secs(5);
    ep.place_call(t0, req).unwrap();
    let invite = drain(&mut ep).remove(0);
    reply_plain(&mut ep, t0 + Duration::from_millis(50), &invite, 180);
    let sent = advance(&mut ep, t0, Duration::from_secs(5));
    let cancel = sent
        .iter()
        .find(|(_, m)| method(m) == "CANCEL")
        .expect("CANCEL at ring timeout");
    assert_eq!(cancel.0, 5000);
    assert_eq!(
        cancel.1.essentials().unwrap().branch,
        invite.essentials().unwrap().branch
    );
    assert_eq!(cancel.1.header("CSeq"), Some("1 CANCEL"));
    reply_plain(&mut ep, t0 + Duration::from_millis(5100), &cancel.1, 200);
    reply_plain(&mut ep, t0 + Duration::from_millis(5100), &invite, 487);
    assert_eq!(method(&drain(&mut ep)[0]), "ACK");
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!((end.outcome, end.status), (Outcome::NoAnswer, Some(487)));
}

#[test]
fn no_response_at_all_fails_after_timer_b_with_six_retransmissions() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    ep.place_call(t0, call_request(None)).unwrap();
    drain(&mut ep);
    let sent = advance(&mut ep, t0, Duration::from_secs(40));
    assert_eq!(
        sent.iter().filter(|(_, m)| method(m) == "INVITE").count(),
        6
    );
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!((end.outcome, end.status), (Outcome::Failed, None));
    assert_eq!(end.ended_by, EndedBy::Network);
}

#[test]
fn proxy_challenge_is_answered_with_new_cseq_and_credentials() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let creds = Credentials {
        username: "robot".into(),
        password: "secret".into(),
    };
    ep.place_call(t0, call_request(Some(creds))).unwrap();
    let invite = drain(&mut ep).remove(0);
    let challenge = [(
        "Proxy-Authenticate",
        "Digest realm=\"pbx\", nonce=\"abc\", qop=\"auth\", algorithm=SHA-256",
    )];
    reply(&mut ep, t0, &invite, 407, &challenge, "");
    let sent = drain(&mut ep);
    assert_eq!(method(&sent[0]), "ACK");
    let again = &sent[1];
    assert_eq!(method(again), "INVITE");
    assert_eq!(again.header("CSeq"), Some("2 INVITE"));
    assert_eq!(again.header("Call-ID"), invite.header("Call-ID"));
    let auth = again.header("Proxy-Authorization").unwrap();
    assert!(auth.contains("username=\"robot\"") && auth.contains("algorithm=SHA-256"));
    assert!(auth.contains("qop=auth") && auth.contains("nc=00000001"));
    // A second challenge for the same credentials is a failure, not a loop.
    reply(&mut ep, t0, again, 407, &challenge, "");
    let sent = drain(&mut ep);
    assert_eq!(sent.len(), 1, "only the ACK");
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!((end.outcome, end.status), (Outcome::Failed, Some(407)));
}

fn answered(ep: &mut Endpoint, t0: Instant) -> (CallHandle, SipMsg) {
    let h = ep.place_call(t0, call_request(None)).unwrap();
    let invite = drain(ep).remove(0);
    let contact = [
        ("Contact", "<sip:bob@127.0.0.1:5070>"),
        ("Content-Type", "application/sdp"),
    ];
    reply(ep, t0, &invite, 200, &contact, PEER_SDP);
    drain(ep);
    events(ep);
    (h, invite)
}

/// A request from the peer inside the dialog of `invite` (peer tag `peertag`).
fn peer_request(
    invite: &SipMsg,
    method: &str,
    cseq: u32,
    branch: &str,
    extra: &str,
    body: &str,
) -> Vec<u8> {
    let from_tag = invite.essentials().unwrap().from_tag;
    format!(
        "{method} sip:softcall@127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n\
From: <sip:bob@127.0.0.1:5070>;tag=peertag\r\n\
To: <sip:robot@127.0.0.1>;tag={from_tag}\r\n\
Call-ID: {}\r\n\
CSeq: {cseq} {method}\r\n{extra}\
Content-Length: {}\r\n\r\n{body}",
        invite.header("Call-ID").unwrap(),
        body.len()
    )
    .into_bytes()
}

#[test]
fn peer_bye_is_answered_once_and_retransmission_absorbed() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let (h, invite) = answered(&mut ep, t0);
    let bye = peer_request(&invite, "BYE", 1, "z9hG4bKbye1", "", "");
    ep.handle_datagram(t0 + Duration::from_secs(2), peer(), &bye);
    let sent = drain(&mut ep);
    assert_eq!(sent[0].status(), Some(200));
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!(end.ended_by, EndedBy::Remote);
    assert_eq!(end.outcome, Outcome::Answered);
    ep.handle_datagram(t0 + Duration::from_millis(2500), peer(), &bye);
    assert_eq!(
        drain(&mut ep)[0].status(),
        Some(200),
        "the same 200 is resent"
    );
    assert!(events(&mut ep).is_empty());
    assert_eq!(ep.stats().retransmissions_absorbed, 1);
    let _ = h;
}

#[test]
fn info_dtmf_reinvite_and_notify_in_dialog() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let (h, invite) = answered(&mut ep, t0);
    let info = peer_request(
        &invite,
        "INFO",
        1,
        "z9hG4bKi1",
        "Content-Type: application/dtmf-relay\r\n",
        "Signal=5\r\nDuration=160\r\n",
    );
    ep.handle_datagram(t0, peer(), &info);
    assert_eq!(drain(&mut ep)[0].status(), Some(200));
    assert_eq!(
        events(&mut ep),
        vec![Event::Call(
            h,
            CallEvent::Dtmf {
                digit: '5',
                duration_ms: Some(160)
            }
        )]
    );
    let sdp = PEER_SDP.replace("6000", "6002");
    let reinvite = peer_request(
        &invite,
        "INVITE",
        2,
        "z9hG4bKr1",
        "Contact: <sip:bob@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\n",
        &sdp,
    );
    ep.handle_datagram(t0, peer(), &reinvite);
    let ok = drain(&mut ep).remove(0);
    assert_eq!(ok.status(), Some(200));
    assert!(
        ok.body_text().unwrap().contains("m=audio 4000"),
        "answered with our current SDP"
    );
    assert!(
        matches!(&events(&mut ep)[0], Event::Call(_, CallEvent::MediaChanged(m)) if m.addr.port() == 6002)
    );
    // The peer retransmits its re-INVITE: the same 200 goes out again, no second event.
    ep.handle_datagram(t0, peer(), &reinvite);
    let again = drain(&mut ep);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].status(), Some(200));
    assert!(events(&mut ep).is_empty());
    // Without the ACK our 200 is retransmitted; the ACK stops it.
    let sent = advance(&mut ep, t0, Duration::from_millis(600));
    assert!(sent.iter().any(|(_, m)| m.status() == Some(200)));
    let ack = peer_request(&invite, "ACK", 2, "z9hG4bKa2", "", "");
    ep.handle_datagram(t0 + Duration::from_millis(700), peer(), &ack);
    let sent = advance(
        &mut ep,
        t0 + Duration::from_millis(700),
        Duration::from_secs(10),
    );
    assert!(sent.iter().all(|(_, m)| m.status() != Some(200)));
    // An old CSeq is refused.
    let stale = peer_request(&invite, "INFO", 1, "z9hG4bKi0", "", "");
    ep.handle_datagram(t0, peer(), &stale);
    assert_eq!(drain(&mut ep)[0].status(), Some(500));
}

#[test]
fn blind_transfer_follows_notify_to_success_and_hangs_up() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let (h, invite) = answered(&mut ep, t0);
    ep.transfer(t0, h, "sip:queue@127.0.0.1:5090").unwrap();
    let refer = drain(&mut ep).remove(0);
    assert_eq!(method(&refer), "REFER");
    assert_eq!(refer.header("Refer-To"), Some("<sip:queue@127.0.0.1:5090>"));
    reply_plain(&mut ep, t0, &refer, 202);
    // The peer reports the transfer's progress: NOTIFY number `cseq` carrying the status line `frag`.
    let notify = |ep: &mut Endpoint, cseq: u32, branch: &str, frag: &str| {
        let headers = "Event: refer\r\nContent-Type: message/sipfrag;version=2.0\r\n";
        let request = peer_request(&invite, "NOTIFY", cseq, branch, headers, frag);
        ep.handle_datagram(t0, peer(), &request);
    };
    notify(&mut ep, 1, "z9hG4bKn1", "SIP/2.0 180 Ringing\r\n");
    notify(&mut ep, 2, "z9hG4bKn2", "SIP/2.0 200 OK\r\n");
    let sent = drain(&mut ep);
    assert_eq!(sent.iter().filter(|m| m.status() == Some(200)).count(), 2);
    assert!(
        sent.iter().any(|m| method(m) == "BYE"),
        "transferor leaves after success"
    );
    let evs = events(&mut ep);
    assert!(evs.contains(&Event::Call(h, CallEvent::TransferProgress { status: 180 })));
    assert!(evs.contains(&Event::Call(
        h,
        CallEvent::TransferCompleted {
            success: true,
            status: Some(200)
        }
    )));
}

#[test]
fn options_malformed_and_incomplete_requests() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let options = b"OPTIONS sip:softcall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKo\r\nFrom: <sip:p@x>;tag=1\r\nTo: <sip:softcall@127.0.0.1>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    ep.handle_datagram(t0, peer(), options);
    let ok = drain(&mut ep).remove(0);
    assert_eq!(ok.status(), Some(200));
    assert!(ok.header("Allow").unwrap().contains("REFER"));

    ep.handle_datagram(t0, peer(), b"\x00\x01garbage\r\n\r\n");
    assert!(drain(&mut ep).is_empty());
    assert_eq!(ep.stats().malformed_dropped, 1);

    let no_callid = b"OPTIONS sip:softcall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKq\r\nFrom: <sip:p@x>;tag=1\r\nTo: <sip:softcall@127.0.0.1>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    ep.handle_datagram(t0, peer(), no_callid);
    assert_eq!(drain(&mut ep)[0].status(), Some(400));
    assert_eq!(ep.stats().bad_requests_answered, 1);

    let stray_bye = b"BYE sip:softcall@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKb\r\nFrom: <sip:p@x>;tag=1\r\nTo: <sip:softcall@127.0.0.1>;tag=nope\r\nCall-ID: zz\r\nCSeq: 9 BYE\r\nContent-Length: 0\r\n\r\n";
    ep.handle_datagram(t0, peer(), stray_bye);
    assert_eq!(drain(&mut ep)[0].status(), Some(481));
}

#[test]
fn registration_answers_challenge_and_refreshes_before_expiry() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    ep.register(
        t0,
        RegisterRequest {
            registrar: "sip:127.0.0.1:5070".into(),
            aor: "sip:robot@127.0.0.1".into(),
            dest: peer(),
            credentials: Some(Credentials {
                username: "robot".into(),
                password: "pw".into(),
            }),
            expires: 120,
        },
    )
    .unwrap();
    let reg = drain(&mut ep).remove(0);
    assert_eq!(method(&reg), "REGISTER");
    reply(
        &mut ep,
        t0,
        &reg,
        401,
        &[("WWW-Authenticate", "Digest realm=\"r\", nonce=\"n1\"")],
        "",
    );
    let reg2 = drain(&mut ep).remove(0);
    assert_eq!(reg2.header("CSeq"), Some("2 REGISTER"));
    assert!(reg2
        .header("Authorization")
        .unwrap()
        .contains("nonce=\"n1\""));
    reply(
        &mut ep,
        t0,
        &reg2,
        200,
        &[("Contact", "<sip:softcall@127.0.0.1:5060>;expires=100")],
        "",
    );
    assert_eq!(
        events(&mut ep),
        vec![Event::Registration(RegistrationEvent::Registered {
            expires: 100
        })]
    );
    // Refresh at half the granted time: 50 s.
    let sent = advance(&mut ep, t0, Duration::from_secs(60));
    let refresh = sent.iter().find(|(_, m)| method(m) == "REGISTER").unwrap();
    assert_eq!(refresh.0, 50_000);
    assert_eq!(refresh.1.header("Call-ID"), reg.header("Call-ID"));
}

#[test]
fn session_progress_with_sdp_is_early_media_and_reinvite_contact_is_public_address() {
    let t0 = Instant::now();
    let mut ep = Endpoint::new(
        EndpointConfig {
            public_addr: "203.0.113.7:5062".parse().unwrap(),
            contact_user: "softcall".into(),
            user_agent: "t".into(),
            timers: Timers::default(),
        },
        3,
    );
    let h = ep.place_call(t0, call_request(None)).unwrap();
    let invite = drain(&mut ep).remove(0);
    // Behind NAT the peer must see our public address in Via and Contact.
    assert!(invite.header("Via").unwrap().contains("203.0.113.7:5062"));
    assert_eq!(
        invite.header("Contact"),
        Some("<sip:softcall@203.0.113.7:5062>")
    );
    reply(
        &mut ep,
        t0,
        &invite,
        183,
        &[("Content-Type", "application/sdp")],
        PEER_SDP,
    );
    let evs = events(&mut ep);
    assert!(evs.contains(&Event::Call(h, CallEvent::Progress { status: 183 })));
    assert!(evs
        .iter()
        .any(|e| matches!(e, Event::Call(_, CallEvent::EarlyMedia(m)) if m.addr.port() == 6000)));
}

#[test]
fn dtmf_info_we_send_reads_back_as_the_same_digit() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let (h, _invite) = answered(&mut ep, t0);
    ep.send_dtmf_info(t0, h, '#', 160).unwrap();
    let info = drain(&mut ep).remove(0);
    assert_eq!(method(&info), "INFO");
    assert_eq!(info.header("CSeq"), Some("2 INFO"));
    assert_eq!(parse_dtmf_info(&info), Some(('#', Some(160))));
    // DTMF before the answer is refused rather than sent outside a dialog.
    let h2 = ep.place_call(t0, call_request(None)).unwrap();
    assert_eq!(
        ep.send_dtmf_info(t0, h2, '1', 160),
        Err(RequestError::NotAnswered)
    );
}
