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

/// A REFER from the peer on the dialog of `invite`, number `cseq`, to `refer_to`.
fn peer_refer(invite: &SipMsg, cseq: u32, branch: &str, refer_to: &str) -> Vec<u8> {
    let headers = format!(
        "Refer-To: <{refer_to}>\r\nReferred-By: <sip:bob@127.0.0.1:5070>\r\nContact: <sip:bob@127.0.0.1:5070>\r\n"
    );
    peer_request(invite, "REFER", cseq, branch, &headers, "")
}

/// The status line of a NOTIFY's sipfrag body and its Subscription-State.
fn sipfrag(notify: &SipMsg) -> (String, String) {
    assert_eq!(method(notify), "NOTIFY");
    assert_eq!(
        notify.header("Content-Type"),
        Some("message/sipfrag;version=2.0")
    );
    (
        notify.body_text().unwrap_or("").trim().to_string(),
        notify
            .header("Subscription-State")
            .unwrap_or("")
            .to_string(),
    )
}

#[test]
fn a_refer_we_receive_is_accepted_followed_and_reported_by_notify() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    ep.set_accept_transfers(true);
    let (h, invite) = answered(&mut ep, t0);
    ep.handle_datagram(
        t0,
        peer(),
        &peer_refer(&invite, 1, "z9hG4bKr1", "sip:agent-queue@127.0.0.1:5090"),
    );
    let sent = drain(&mut ep);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0].status(), Some(202));
    let (frag, state) = sipfrag(&sent[1]);
    assert_eq!(frag, "SIP/2.0 100 Trying");
    assert_eq!(state, "active;expires=60");
    assert_eq!(sent[1].header("Event"), Some("refer"));
    assert_eq!(sent[1].header("CSeq"), Some("2 NOTIFY"), "after our INVITE");
    assert_eq!(
        events(&mut ep),
        vec![Event::Call(
            h,
            CallEvent::TransferRequested {
                target: "sip:agent-queue@127.0.0.1:5090".into(),
                referred_by: "<sip:bob@127.0.0.1:5070>".into(),
            }
        )]
    );
    reply_plain(&mut ep, t0, &sent[1], 200);
    assert_eq!(
        ep.transfer_target(h),
        Some("sip:agent-queue@127.0.0.1:5090")
    );

    // The new call carries Referred-By; its ringing and its answer go to the transferor.
    let mut req = call_request(None);
    req.target = "sip:agent-queue@127.0.0.1:5090".into();
    req.dest = "127.0.0.1:5090".parse().unwrap();
    let new = ep.follow_transfer(t0, h, req).unwrap();
    assert_eq!(ep.transfer_target(h), None, "being carried out");
    let queue_invite = drain(&mut ep).remove(0);
    assert_eq!(method(&queue_invite), "INVITE");
    assert_eq!(
        queue_invite.header("Referred-By"),
        Some("<sip:bob@127.0.0.1:5070>")
    );
    reply_plain(&mut ep, t0, &queue_invite, 180);
    let sent = drain(&mut ep);
    assert_eq!(sipfrag(&sent[0]).0, "SIP/2.0 180 Ringing");
    assert_eq!(sent[0].header("CSeq"), Some("3 NOTIFY"));
    reply_plain(&mut ep, t0, &sent[0], 200);
    reply_plain(&mut ep, t0, &queue_invite, 183);
    assert!(drain(&mut ep).is_empty(), "one progress report is enough");
    let answer = [
        ("Contact", "<sip:agent-queue@127.0.0.1:5090>"),
        ("Content-Type", "application/sdp"),
    ];
    reply(&mut ep, t0, &queue_invite, 200, &answer, PEER_SDP);
    let sent = drain(&mut ep);
    assert_eq!(method(&sent[0]), "ACK");
    let (frag, state) = sipfrag(&sent[1]);
    assert_eq!(frag, "SIP/2.0 200 OK");
    assert_eq!(state, "terminated;reason=noresource");
    assert!(
        !sent.iter().any(|m| method(m) == "BYE"),
        "the transferor hangs up, not us"
    );
    reply_plain(&mut ep, t0, &sent[1], 200);
    let evs = events(&mut ep);
    assert!(
        matches!(&evs[..], [
        Event::Call(a, CallEvent::Progress { status: 180 }),
        Event::Call(b, CallEvent::Progress { status: 183 }),
        Event::Call(c, CallEvent::Answered { .. }),
        Event::Call(d, CallEvent::TransferCompleted { success: true, status: Some(200) }),
    ] if [*a, *b, *c] == [new; 3] && *d == h),
        "{evs:?}"
    );

    // The transferor leaves; the new call stays.
    let bye = peer_request(&invite, "BYE", 2, "z9hG4bKbye", "", "");
    ep.handle_datagram(t0, peer(), &bye);
    assert_eq!(drain(&mut ep)[0].status(), Some(200));
    assert_eq!(ended(&events(&mut ep)).unwrap().ended_by, EndedBy::Remote);
    assert_eq!(ep.active_calls(), 1);
}

#[test]
fn a_failed_or_refused_transfer_is_reported_and_the_call_stays() {
    let t0 = Instant::now();
    let mut ep = endpoint();
    let (_, invite) = answered(&mut ep, t0);
    // Transfers not taken.
    ep.handle_datagram(
        t0,
        peer(),
        &peer_refer(&invite, 1, "z9hG4bKr1", "sip:q@127.0.0.1:5090"),
    );
    assert_eq!(drain(&mut ep)[0].status(), Some(403));
    assert!(events(&mut ep).is_empty());

    ep.set_accept_transfers(true);
    // A Refer-To with embedded headers (attended transfer) and one that is no SIP URI.
    let replaces = "sip:q@127.0.0.1:5090?Replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2";
    ep.handle_datagram(t0, peer(), &peer_refer(&invite, 2, "z9hG4bKr2", replaces));
    assert_eq!(drain(&mut ep)[0].status(), Some(501));
    ep.handle_datagram(
        t0,
        peer(),
        &peer_refer(&invite, 3, "z9hG4bKr3", "mailto:q@x"),
    );
    assert_eq!(drain(&mut ep)[0].status(), Some(400));

    ep.handle_datagram(
        t0,
        peer(),
        &peer_refer(&invite, 4, "z9hG4bKr4", "sip:q@127.0.0.1:5090"),
    );
    let sent = drain(&mut ep);
    assert_eq!(sent[0].status(), Some(202));
    for m in &sent[1..] {
        reply_plain(&mut ep, t0, m, 200);
    }
    let h = match events(&mut ep).as_slice() {
        [Event::Call(h, CallEvent::TransferRequested { .. })] => *h,
        other => panic!("{other:?}"),
    };
    // A second REFER while the first is carried out.
    ep.handle_datagram(
        t0,
        peer(),
        &peer_refer(&invite, 5, "z9hG4bKr5", "sip:q@127.0.0.1:5090"),
    );
    assert_eq!(drain(&mut ep)[0].status(), Some(491));
    assert_eq!(
        ep.fail_transfer(t0, h, 200),
        Err(RequestError::BadStatus(200))
    );

    let mut req = call_request(None);
    req.target = "sip:q@127.0.0.1:5090".into();
    ep.follow_transfer(t0, h, req).unwrap();
    let queue_invite = drain(&mut ep).remove(0);
    reply_plain(&mut ep, t0, &queue_invite, 486);
    let sent = drain(&mut ep);
    let notify = sent
        .iter()
        .find(|m| method(m) == "NOTIFY")
        .expect("a NOTIFY");
    assert_eq!(
        sipfrag(notify),
        (
            "SIP/2.0 486 Busy Here".to_string(),
            "terminated;reason=noresource".to_string()
        )
    );
    assert!(!sent.iter().any(|m| method(m) == "BYE"));
    reply_plain(&mut ep, t0, notify, 200);
    let evs = events(&mut ep);
    assert!(evs.contains(&Event::Call(
        h,
        CallEvent::TransferCompleted {
            success: false,
            status: Some(486)
        }
    )));
    assert_eq!(
        ep.active_calls(),
        1,
        "the transferee stays on the original call"
    );

    // A later REFER starts a new subscription, named by its CSeq; giving it up reports the status.
    ep.handle_datagram(
        t0,
        peer(),
        &peer_refer(&invite, 6, "z9hG4bKr6", "sip:q@127.0.0.1:5090"),
    );
    let sent = drain(&mut ep);
    assert_eq!(sent[0].status(), Some(202));
    assert_eq!(sent[1].header("Event"), Some("refer;id=6"));
    events(&mut ep);
    ep.fail_transfer(t0, h, 503).unwrap();
    let sent = drain(&mut ep);
    assert_eq!(sipfrag(&sent[0]).0, "SIP/2.0 503 Service Unavailable");
    assert_eq!(
        events(&mut ep),
        vec![Event::Call(
            h,
            CallEvent::TransferCompleted {
                success: false,
                status: Some(503)
            }
        )]
    );
    assert_eq!(ep.fail_transfer(t0, h, 503), Err(RequestError::NoTransfer));
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

// ---- Calls peers place to us (UAS) ----

/// A PCMA-first offer with telephone-event 96 from the caller.
const CALLER_SDP: &str = "v=0\r\no=- 2 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 8 0 96\r\na=rtpmap:96 telephone-event/8000\r\n";

/// An endpoint that offers peers' INVITEs to the application.
fn answering_endpoint() -> Endpoint {
    let mut ep = endpoint();
    ep.set_accept_inbound(true);
    ep
}

/// An out-of-dialog INVITE from the caller at `peer()` (Call-ID `in1`, From tag `ct`).
fn caller_invite(branch: &str, body: &str) -> Vec<u8> {
    format!(
        "INVITE sip:debtor-7@127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n\
Record-Route: <sip:127.0.0.1:5080;lr>\r\n\
Max-Forwards: 70\r\n\
From: \"Ivan\" <sip:+79001234567@127.0.0.1:5070>;tag=ct\r\n\
To: <sip:debtor-7@127.0.0.1:5060>\r\n\
Call-ID: in1\r\n\
CSeq: 10 INVITE\r\n\
Contact: <sip:caller@127.0.0.1:5070>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A request from the caller inside the inbound dialog (our tag `to_tag`).
fn caller_request(
    method: &str,
    cseq: u32,
    branch: &str,
    to_tag: &str,
    extra: &str,
    body: &str,
) -> Vec<u8> {
    format!(
        "{method} sip:softcall@127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5070;branch={branch}\r\n\
From: \"Ivan\" <sip:+79001234567@127.0.0.1:5070>;tag=ct\r\n\
To: <sip:debtor-7@127.0.0.1:5060>;tag={to_tag}\r\n\
Call-ID: in1\r\n\
CSeq: {cseq} {method}\r\n{extra}\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Delivers the caller's INVITE; checks the 100 Trying and returns the offered call.
fn offered(ep: &mut Endpoint, now: Instant, branch: &str) -> IncomingCall {
    ep.handle_datagram(now, peer(), &caller_invite(branch, CALLER_SDP));
    let sent = drain(ep);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].status(), Some(100));
    let mut evs = events(ep);
    assert_eq!(evs.len(), 1, "{evs:?}");
    match evs.remove(0) {
        Event::Incoming(call) => call,
        other => panic!("expected an incoming call, got {other:?}"),
    }
}

fn to_tag(m: &SipMsg) -> String {
    m.essentials().unwrap().to_tag.unwrap_or_default()
}

/// Answers the offered call and returns our 200 OK.
fn answer_offered(ep: &mut Endpoint, now: Instant, call: &IncomingCall) -> SipMsg {
    let local = super::sdp::LocalMedia {
        addr: "127.0.0.1".parse().unwrap(),
        port: 4000,
        session_id: 1,
        version: 1,
    };
    ep.answer(now, call.handle, &local.answer(&call.offer))
        .unwrap();
    let mut sent = drain(ep);
    assert_eq!(sent.len(), 1);
    sent.remove(0)
}

#[test]
fn inbound_invite_is_offered_rung_answered_and_confirmed_by_ack() {
    let t0 = Instant::now();
    let mut ep = answering_endpoint();
    let call = offered(&mut ep, t0, "z9hG4bKin1");
    assert_eq!(call.caller.user.as_deref(), Some("+79001234567"));
    assert_eq!(call.caller.display_name.as_deref(), Some("Ivan"));
    assert_eq!(call.called_user.as_deref(), Some("debtor-7"));
    assert_eq!(call.offer.codec, super::sdp::Codec::Pcma);
    assert_eq!(call.offer.telephone_event, Some(96));
    let h = call.handle;

    ep.ring(t0, h).unwrap();
    let ringing = drain(&mut ep).remove(0);
    assert_eq!(ringing.status(), Some(180));
    let tag = to_tag(&ringing);
    assert!(!tag.is_empty(), "180 carries our To tag");

    // The INVITE retransmitted while ringing is absorbed: the 180 again, no new call.
    ep.handle_datagram(
        t0 + Duration::from_millis(500),
        peer(),
        &caller_invite("z9hG4bKin1", CALLER_SDP),
    );
    let again = drain(&mut ep);
    assert_eq!(
        again.iter().map(|m| m.status()).collect::<Vec<_>>(),
        vec![Some(180)]
    );
    assert!(events(&mut ep).is_empty());

    let t1 = t0 + Duration::from_secs(1);
    let ok = answer_offered(&mut ep, t1, &call);
    assert_eq!(ok.status(), Some(200));
    assert_eq!(to_tag(&ok), tag, "one dialog: the same To tag as the 180");
    assert_eq!(ok.header("Contact"), Some("<sip:softcall@127.0.0.1:5060>"));
    assert_eq!(ok.header("Record-Route"), Some("<sip:127.0.0.1:5080;lr>"));
    let answer = super::sdp::parse_remote(ok.body_text().unwrap()).unwrap();
    assert_eq!(answer.codec, super::sdp::Codec::Pcma);
    assert_eq!(answer.telephone_event, Some(96));
    assert!(events(&mut ep).is_empty(), "Answered waits for the ACK");
    assert_eq!(ep.ring(t1, h), Err(RequestError::NotOffered));

    let ack = caller_request("ACK", 10, "z9hG4bKack1", &tag, "", "");
    ep.handle_datagram(t1 + Duration::from_millis(100), peer(), &ack);
    assert!(drain(&mut ep).is_empty(), "nothing answers an ACK");
    let evs = events(&mut ep);
    assert!(
        matches!(&evs[..], [Event::Call(hh, CallEvent::Answered { media })] if *hh == h && media.addr.port() == 7000),
        "{evs:?}"
    );
    // No 2xx retransmissions after the ACK.
    let later = advance(&mut ep, t1, Duration::from_secs(10));
    assert!(
        later.iter().all(|(_, m)| m.status() != Some(200)),
        "{later:?}"
    );

    // The INVITE once more after its transaction ended and was forgotten: absorbed, no second call.
    ep.handle_timeout(t1 + Duration::from_secs(11));
    ep.handle_datagram(
        t1 + Duration::from_secs(11),
        peer(),
        &caller_invite("z9hG4bKin1", CALLER_SDP),
    );
    assert!(drain(&mut ep).is_empty());
    assert!(events(&mut ep).is_empty());
    assert_eq!(ep.active_calls(), 1);

    // INFO DTMF inside the inbound dialog.
    let info = caller_request(
        "INFO",
        11,
        "z9hG4bKinfo1",
        &tag,
        "Content-Type: application/dtmf-relay\r\n",
        "Signal=7\r\nDuration=160\r\n",
    );
    ep.handle_datagram(t1 + Duration::from_secs(12), peer(), &info);
    assert_eq!(drain(&mut ep)[0].status(), Some(200));
    assert_eq!(
        events(&mut ep),
        vec![Event::Call(
            h,
            CallEvent::Dtmf {
                digit: '7',
                duration_ms: Some(160)
            }
        )]
    );

    // We hang up: BYE through the caller's Record-Route, our tag in From, the caller's in To.
    let t2 = t1 + Duration::from_secs(13);
    ep.hangup(t2, h).unwrap();
    let bye = drain(&mut ep).remove(0);
    assert_eq!(method(&bye), "BYE");
    assert_eq!(bye.header("Route"), Some("<sip:127.0.0.1:5080;lr>"));
    assert_eq!(bye.essentials().unwrap().from_tag, tag);
    assert_eq!(bye.essentials().unwrap().to_tag.as_deref(), Some("ct"));
    assert_eq!(bye.header("Call-ID"), Some("in1"));
    reply_plain(&mut ep, t2, &bye, 200);
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!(
        (end.outcome, end.ended_by),
        (Outcome::Answered, EndedBy::Local)
    );
}

#[test]
fn unacknowledged_2xx_is_retransmitted_then_the_call_ends_with_bye() {
    let t0 = Instant::now();
    let mut ep = answering_endpoint();
    let call = offered(&mut ep, t0, "z9hG4bKin2");
    answer_offered(&mut ep, t0, &call);
    let sent = advance(&mut ep, t0, Duration::from_secs(40));
    let retransmits: Vec<u128> = sent
        .iter()
        .filter(|(_, m)| m.status() == Some(200))
        .map(|(t, _)| *t)
        .collect();
    // RFC 3261 13.3.1.4: T1, doubling up to T2, until 64·T1.
    assert_eq!(
        retransmits,
        vec![500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]
    );
    let bye = sent
        .iter()
        .find(|(_, m)| method(m) == "BYE")
        .expect("BYE after 64·T1");
    assert_eq!(bye.0, 32000);
    let end = ended(&events(&mut ep)).expect("call ended");
    assert_eq!((end.outcome, end.status), (Outcome::Failed, Some(200)));
    assert_eq!(end.ended_by, EndedBy::Network);
}

#[test]
fn hangup_between_our_2xx_and_the_ack_waits_for_the_ack() {
    let t0 = Instant::now();
    let mut ep = answering_endpoint();
    let call = offered(&mut ep, t0, "z9hG4bKin3");
    let ok = answer_offered(&mut ep, t0, &call);
    ep.hangup(t0, call.handle).unwrap();
    assert!(
        drain(&mut ep).is_empty(),
        "no BYE before the ACK (RFC 3261 section 15)"
    );
    let ack = caller_request("ACK", 10, "z9hG4bKack3", &to_tag(&ok), "", "");
    ep.handle_datagram(t0 + Duration::from_millis(200), peer(), &ack);
    assert_eq!(method(&drain(&mut ep)[0]), "BYE");
}

#[test]
fn cancel_before_the_answer_gets_200_and_the_invite_487() {
    let t0 = Instant::now();
    let mut ep = answering_endpoint();
    let call = offered(&mut ep, t0, "z9hG4bKin4");
    ep.ring(t0, call.handle).unwrap();
    let tag = to_tag(&drain(&mut ep)[0]);
    let cancel = String::from_utf8(caller_invite("z9hG4bKin4", ""))
        .unwrap()
        .replace("INVITE sip:", "CANCEL sip:")
        .replace("10 INVITE", "10 CANCEL")
        .replace("Content-Type: application/sdp\r\n", "");
    ep.handle_datagram(t0 + Duration::from_secs(3), peer(), cancel.as_bytes());
    let sent = drain(&mut ep);
    let codes: Vec<(Option<u16>, String)> = sent
        .iter()
        .map(|m| (m.status(), m.essentials().unwrap().cseq_method.to_string()))
        .collect();
    assert_eq!(
        codes,
        vec![(Some(200), "CANCEL".into()), (Some(487), "INVITE".into())]
    );
    assert_eq!(to_tag(&sent[1]), tag);
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!(
        (end.outcome, end.status, end.ended_by),
        (Outcome::NoAnswer, Some(487), EndedBy::Remote)
    );
    assert_eq!(
        ep.answer(t0, call.handle, "v=0\r\n"),
        Err(RequestError::NotOffered)
    );
    // The ACK for the 487 (same branch) stops its retransmission.
    let ack = caller_request("ACK", 10, "z9hG4bKin4", &tag, "", "");
    ep.handle_datagram(t0 + Duration::from_millis(3100), peer(), &ack);
    let later = advance(
        &mut ep,
        t0 + Duration::from_millis(3100),
        Duration::from_secs(40),
    );
    assert!(later.is_empty(), "{later:?}");
}

#[test]
fn rejections_map_to_outcomes_and_their_487_like_finals_wait_for_ack() {
    for (code, outcome) in [
        (486, Outcome::Busy),
        (603, Outcome::Rejected),
        (480, Outcome::NoAnswer),
    ] {
        let t0 = Instant::now();
        let mut ep = answering_endpoint();
        let call = offered(&mut ep, t0, "z9hG4bKin5");
        assert_eq!(
            ep.reject(t0, call.handle, 200),
            Err(RequestError::BadStatus(200))
        );
        ep.reject(t0, call.handle, code).unwrap();
        let sent = drain(&mut ep);
        assert_eq!(sent[0].status(), Some(code));
        assert!(!to_tag(&sent[0]).is_empty());
        let end = ended(&events(&mut ep)).unwrap();
        assert_eq!(
            (end.outcome, end.status, end.ended_by),
            (outcome, Some(code), EndedBy::Local)
        );
        // Without an ACK the final is retransmitted (timer G).
        let again = advance(&mut ep, t0, Duration::from_millis(600));
        assert_eq!(
            again
                .iter()
                .map(|(t, m)| (*t, m.status()))
                .collect::<Vec<_>>(),
            vec![(500, Some(code))]
        );
    }
}

#[test]
fn unusable_offers_get_488_and_inbound_off_means_480() {
    let t0 = Instant::now();
    let mut ep = answering_endpoint();
    let no_g711 = "v=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 7000 RTP/AVP 18 9\r\n";
    for body in [no_g711, ""] {
        ep.handle_datagram(
            t0,
            peer(),
            &caller_invite(
                if body.is_empty() {
                    "z9hG4bKe1"
                } else {
                    "z9hG4bKe2"
                },
                body,
            ),
        );
        let sent = drain(&mut ep);
        assert_eq!(
            sent.iter().map(|m| m.status()).collect::<Vec<_>>(),
            vec![Some(488)],
            "{body:?}"
        );
    }
    assert!(events(&mut ep).is_empty());
    // The default endpoint does not take calls.
    let mut ep = endpoint();
    ep.handle_datagram(t0, peer(), &caller_invite("z9hG4bKe3", CALLER_SDP));
    assert_eq!(drain(&mut ep)[0].status(), Some(480));
    assert!(events(&mut ep).is_empty());
}

#[test]
fn caller_reinvite_and_bye_on_an_inbound_dialog() {
    let t0 = Instant::now();
    let mut ep = answering_endpoint();
    let call = offered(&mut ep, t0, "z9hG4bKin6");
    let ok = answer_offered(&mut ep, t0, &call);
    let tag = to_tag(&ok);
    ep.handle_datagram(
        t0,
        peer(),
        &caller_request("ACK", 10, "z9hG4bKa6", &tag, "", ""),
    );
    events(&mut ep);
    let moved = CALLER_SDP.replace("7000", "7002");
    let reinvite = caller_request(
        "INVITE",
        11,
        "z9hG4bKre6",
        &tag,
        "Contact: <sip:caller@127.0.0.1:5070>\r\nContent-Type: application/sdp\r\n",
        &moved,
    );
    ep.handle_datagram(t0 + Duration::from_secs(1), peer(), &reinvite);
    let resp = drain(&mut ep).remove(0);
    assert_eq!(resp.status(), Some(200));
    assert_eq!(
        resp.body_text(),
        ok.body_text(),
        "the same session answers the re-INVITE"
    );
    let evs = events(&mut ep);
    assert!(
        matches!(&evs[..], [Event::Call(_, CallEvent::MediaChanged(m))] if m.addr.port() == 7002),
        "{evs:?}"
    );
    ep.handle_datagram(
        t0 + Duration::from_secs(2),
        peer(),
        &caller_request("BYE", 12, "z9hG4bKb6", &tag, "", ""),
    );
    assert_eq!(drain(&mut ep)[0].status(), Some(200));
    let end = ended(&events(&mut ep)).unwrap();
    assert_eq!(
        (end.outcome, end.ended_by),
        (Outcome::Answered, EndedBy::Remote)
    );
}

mod hostile_invites {
    use super::*;
    use proptest::prelude::*;

    /// What the application does with whatever call appears.
    #[derive(Debug, Clone)]
    enum Act {
        Ring,
        Answer,
        Reject(u16),
        Hangup,
        Wait(u64),
    }

    fn act() -> impl Strategy<Value = Act> {
        prop_oneof![
            Just(Act::Ring),
            Just(Act::Answer),
            (0u16..800).prop_map(Act::Reject),
            Just(Act::Hangup),
            (0u64..40_000).prop_map(Act::Wait),
        ]
    }

    /// Mutations of a valid INVITE, CANCEL, ACK or BYE: cut, byte flips, header lines dropped or doubled.
    fn datagram() -> impl Strategy<Value = Vec<u8>> {
        let base = prop_oneof![
            Just(String::from_utf8(caller_invite("z9hG4bKh", CALLER_SDP)).unwrap_or_default()),
            Just(
                String::from_utf8(caller_invite("z9hG4bKh", ""))
                    .unwrap_or_default()
                    .replace("INVITE", "CANCEL")
            ),
            Just(
                String::from_utf8(caller_request("ACK", 10, "z9hG4bKx", "TAG", "", ""))
                    .unwrap_or_default()
            ),
            Just(
                String::from_utf8(caller_request("BYE", 11, "z9hG4bKy", "TAG", "", ""))
                    .unwrap_or_default()
            ),
        ];
        (
            base,
            prop::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 0..6),
        )
            .prop_map(|(text, muts)| {
                let mut lines: Vec<Vec<u8>> =
                    text.split("\r\n").map(|l| l.as_bytes().to_vec()).collect();
                for (at, byte, kind) in muts {
                    let n = lines.len().max(1);
                    let i = at % n;
                    match kind {
                        0 if !lines.is_empty() => {
                            lines.remove(i);
                        }
                        1 if !lines.is_empty() => {
                            let l = lines[i].clone();
                            lines.insert(i, l);
                        }
                        2 if !lines.is_empty() && !lines[i].is_empty() => {
                            let j = at % lines[i].len();
                            lines[i][j] = byte;
                        }
                        _ if !lines.is_empty() => {
                            let cut = at % (lines[i].len() + 1);
                            lines[i].truncate(cut);
                        }
                        _ => {}
                    }
                }
                lines.join(&b"\r\n"[..])
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        #[test]
        fn hostile_invites_never_panic_and_replies_are_sip(
            steps in prop::collection::vec((datagram(), act()), 1..10),
        ) {
            let t0 = Instant::now();
            let mut ep = answering_endpoint();
            let mut now = t0;
            let mut calls: Vec<IncomingCall> = Vec::new();
            for (bytes, act) in steps {
                ep.handle_datagram(now, peer(), &bytes);
                while let Some(ev) = ep.poll_event() {
                    if let Event::Incoming(c) = ev {
                        calls.push(c);
                    }
                }
                for c in &calls {
                    // Errors are fine (the call may be over); panics are not.
                    let _ = match &act {
                        Act::Ring => ep.ring(now, c.handle),
                        Act::Answer => ep.answer(now, c.handle, "v=0\r\n"),
                        Act::Reject(code) => ep.reject(now, c.handle, *code),
                        Act::Hangup => ep.hangup(now, c.handle),
                        Act::Wait(_) => Ok(()),
                    };
                }
                if let Act::Wait(ms) = act {
                    now += Duration::from_millis(ms);
                }
                ep.handle_timeout(now);
                while let Some(t) = ep.poll_transmit() {
                    prop_assert!(parse(&t.payload).is_ok(), "we sent unparseable SIP: {:?}", String::from_utf8_lossy(&t.payload));
                }
                while ep.poll_event().is_some() {}
            }
        }
    }
}
