//! Property tests: random and mutated SIP datagrams never panic the parser or the user agent core,
//! and whatever it answers is itself parseable SIP.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use softcall::sip::endpoint::{CallRequest, Endpoint, EndpointConfig};
use softcall::sip::message::{parse, response_to};
use softcall::sip::sdp::parse_remote;
use softcall::sip::transaction::Timers;

const SAMPLES: &[&str] = &[
    "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=BRANCH;rport\r\nFrom: <sip:robot@127.0.0.1>;tag=FROMTAG\r\nTo: <sip:bob@127.0.0.1:5070>;tag=b1\r\nCall-ID: CALLID\r\nCSeq: 1 INVITE\r\nContact: <sip:bob@127.0.0.1:5070>\r\nRecord-Route: <sip:127.0.0.1:5080;lr>\r\nContent-Type: application/sdp\r\nContent-Length: 76\r\n\r\nv=0\r\nc=IN IP4 127.0.0.1\r\nm=audio 6000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
    "SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=BRANCH;rport\r\nFrom: <sip:robot@127.0.0.1>;tag=FROMTAG\r\nTo: <sip:bob@127.0.0.1:5070>;tag=b1\r\nCall-ID: CALLID\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
    "SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=BRANCH;rport\r\nFrom: <sip:robot@127.0.0.1>;tag=FROMTAG\r\nTo: <sip:bob@127.0.0.1:5070>;tag=b1\r\nCall-ID: CALLID\r\nCSeq: 1 INVITE\r\nProxy-Authenticate: Digest realm=\"r\", nonce=\"n\", qop=\"auth\"\r\nContent-Length: 0\r\n\r\n",
    "BYE sip:softcall@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKx\r\nFrom: <sip:bob@127.0.0.1:5070>;tag=b1\r\nTo: <sip:robot@127.0.0.1>;tag=FROMTAG\r\nCall-ID: CALLID\r\nCSeq: 5 BYE\r\nContent-Length: 0\r\n\r\n",
    "NOTIFY sip:softcall@127.0.0.1:5060 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKn\r\nf: <sip:bob@127.0.0.1:5070>;tag=b1\r\nt: <sip:robot@127.0.0.1>;tag=FROMTAG\r\ni: CALLID\r\nCSeq: 6 NOTIFY\r\nEvent: refer\r\nc: message/sipfrag\r\nl: 16\r\n\r\nSIP/2.0 200 OK\r\n",
    "INFO sip:softcall@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKi\r\nFrom: <sip:bob@127.0.0.1:5070>;tag=b1\r\nTo: <sip:robot@127.0.0.1>;tag=FROMTAG\r\nCall-ID: CALLID\r\nCSeq: 7 INFO\r\nContent-Type: application/dtmf-relay\r\nContent-Length: 26\r\n\r\nSignal=5\r\nDuration=160\r\n",
    "OPTIONS sip:softcall@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKo\r\nFrom: <sip:p@x>;tag=1\r\nTo: <sip:s@y>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    "ACK sip:softcall@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKa\r\nFrom: <sip:bob@127.0.0.1:5070>;tag=b1\r\nTo: <sip:robot@127.0.0.1>;tag=FROMTAG\r\nCall-ID: CALLID\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n",
];

thread_local! {
    /// Whether code on this thread panicked since the last [`no_panic_since_last_check`], even inside a
    /// `catch_unwind` (the parser guards rsip with one, which must not hide a panic from these tests).
    static PANICKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that marks the panicking thread, then keeps the previous hook's output.
fn watch_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.with(|p| p.set(true));
            previous(info);
        }));
    });
}

/// True when nothing panicked on this thread since the previous call (caught or not).
fn no_panic_since_last_check() -> bool {
    !PANICKED.with(|p| p.replace(false))
}

/// Random bytes shaped like a SIP datagram: a head of random bytes, the blank line, a random body, so they
/// reach the parser instead of being refused for lack of a blank line.
fn datagram() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![
            &b""[..],
            b"INVITE sip:a@b SIP/2.0\r\n",
            b"SIP/2.0 200 OK\r\n",
        ]),
        prop::collection::vec(any::<u8>(), 0..400),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(start, head, body)| [start, &head, b"\r\n\r\n", &body].concat())
}

fn peer() -> SocketAddr {
    "127.0.0.1:5070".parse().unwrap()
}

/// An endpoint with one outstanding call; returns it and the INVITE's branch, Call-ID and From tag.
fn endpoint_with_call() -> (Endpoint, Instant, String, String, String) {
    let now = Instant::now();
    let mut ep = Endpoint::new(
        EndpointConfig {
            public_addr: "127.0.0.1:5060".parse().unwrap(),
            contact_user: "softcall".into(),
            user_agent: "fuzz".into(),
            timers: Timers::default(),
        },
        1,
    );
    ep.place_call(
        now,
        CallRequest {
            target: "sip:bob@127.0.0.1:5070".into(),
            from: "sip:robot@127.0.0.1".into(),
            display_name: None,
            dest: peer(),
            sdp_offer: "v=0\r\n".into(),
            credentials: None,
            ring_timeout: Duration::from_secs(30),
        },
    )
    .unwrap();
    let invite = parse(&ep.poll_transmit().unwrap().payload).unwrap();
    let e = invite.essentials().unwrap();
    (ep, now, e.branch, e.call_id, e.from_tag)
}

fn fill(sample: &str, branch: &str, call_id: &str, tag: &str) -> Vec<u8> {
    sample
        .replace("BRANCH", branch)
        .replace("CALLID", call_id)
        .replace("FROMTAG", tag)
        .into_bytes()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    Truncate(usize),
    Duplicate(usize, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<usize>(), prop::collection::vec(any::<u8>(), 1..20))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        (
            any::<usize>(),
            prop::sample::select(vec![
                b";".to_vec(),
                b":".to_vec(),
                b"\r\n".to_vec(),
                b"<".to_vec(),
                b">".to_vec(),
                b"\"".to_vec(),
                b"=".to_vec(),
                b",".to_vec(),
                b" ".to_vec(),
                b"\xff\xfe".to_vec(),
                b"Content-Length: 99999\r\n".to_vec(),
            ])
        )
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        any::<usize>().prop_map(Mutation::Truncate),
        (any::<usize>(), 1usize..60).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = bytes.len().max(1);
        match m {
            Mutation::Flip(i, b) => {
                if !bytes.is_empty() {
                    let i = i % len;
                    bytes[i] = *b;
                }
            }
            Mutation::Delete(i, n) => {
                let i = i % len;
                let end = (i + n).min(bytes.len());
                if i < end {
                    bytes.drain(i..end);
                }
            }
            Mutation::Insert(i, v) => {
                let i = i % (bytes.len() + 1);
                bytes.splice(i..i, v.iter().copied());
            }
            Mutation::Truncate(i) => bytes.truncate(i % len),
            Mutation::Duplicate(i, n) => {
                let i = i % len;
                let end = (i + n).min(bytes.len());
                if i < end {
                    let chunk = bytes[i..end].to_vec();
                    bytes.splice(i..i, chunk);
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in datagram()) {
        watch_panics();
        let _ = parse(&bytes);
        let _ = parse_remote(&String::from_utf8_lossy(&bytes));
        let (mut ep, now, ..) = endpoint_with_call();
        ep.handle_datagram(now, peer(), &bytes);
        while let Some(t) = ep.poll_transmit() {
            prop_assert!(parse(&t.payload).is_ok());
        }
        prop_assert!(no_panic_since_last_check(), "a panic (caught or not) on {:?}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_messages_never_panic_and_replies_are_valid_sip(
        picks in prop::collection::vec((0..SAMPLES.len(), prop::collection::vec(mutation(), 0..4)), 1..8),
        step_ms in 0u64..40_000,
    ) {
        watch_panics();
        let (mut ep, now, branch, call_id, tag) = endpoint_with_call();
        let mut t = now;
        for (i, muts) in picks {
            let bytes = apply(fill(SAMPLES[i], &branch, &call_id, &tag), &muts);
            ep.handle_datagram(t, peer(), &bytes);
            if let Ok(msg) = parse(&bytes) {
                // Building a response to anything parseable must not panic either.
                let _ = response_to(&msg, 400, "Bad Request", Some("x"), &[], b"");
            }
            prop_assert!(no_panic_since_last_check(), "a panic (caught or not) on {:?}", String::from_utf8_lossy(&bytes));
            t += Duration::from_millis(step_ms / 8);
            ep.handle_timeout(t);
            while let Some(out) = ep.poll_transmit() {
                prop_assert!(parse(&out.payload).is_ok(), "we sent unparseable SIP: {:?}", String::from_utf8_lossy(&out.payload));
            }
            while ep.poll_event().is_some() {}
        }
    }
}
