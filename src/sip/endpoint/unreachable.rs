//! The network said a destination cannot be reached (ICMP port or host unreachable): the requests to it
//! that got no answer yet fail at once instead of retransmitting until timer B or F.

use std::net::SocketAddr;
use std::time::Instant;

use super::{CallEnd, EndedBy, Endpoint, Owner};
use crate::sip::outcome::Outcome;
use crate::sip::transaction::{ClientEvent, ClientState};

/// What the network reported about a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// ICMP port unreachable: the host is there, nothing listens on that port.
    Port,
    /// ICMP host or network unreachable.
    Host,
}

impl Unreachable {
    /// A sentence a person understands, naming the destination.
    pub fn describe(self, dest: SocketAddr) -> String {
        match self {
            Unreachable::Port => format!("nothing is listening at {dest} (ICMP port unreachable)"),
            Unreachable::Host => format!("{} cannot be reached (ICMP host unreachable)", dest.ip()),
        }
    }
}

impl Endpoint {
    /// Feeds an ICMP error about `dest`: every client transaction to `dest` still waiting for its first
    /// response fails now (calls end `failed`, a registration fails and is retried in a minute).
    pub fn handle_unreachable(&mut self, now: Instant, dest: SocketAddr, kind: Unreachable) {
        let reason = kind.describe(dest);
        let hit: Vec<_> = self
            .client_txs
            .iter()
            .filter(|(_, (tx, _))| tx.dest == dest && tx.state == ClientState::Calling)
            .map(|(key, (_, owner))| (key.clone(), *owner))
            .collect();
        for (key, owner) in hit {
            self.client_txs.remove(&key);
            tracing::debug!(%dest, "SIP transaction failed: {reason}");
            match owner {
                Owner::Invite(h) => self.end_call(
                    now,
                    h,
                    CallEnd {
                        outcome: Outcome::Failed,
                        status: None,
                        reason: reason.clone(),
                        ended_by: EndedBy::Network,
                    },
                ),
                Owner::Cancel(_) => {}
                Owner::InDialog(h, method) => {
                    self.on_in_dialog_response(now, h, method, ClientEvent::Timeout)
                }
                Owner::Register => self.registration_unanswered(now, reason.clone()),
            }
        }
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::endpoint::{
        CallEvent, CallHandle, CallRequest, EndpointConfig, Event, RegisterRequest,
        RegistrationEvent,
    };
    use crate::sip::transaction::Timers;
    use std::time::Duration;

    fn endpoint() -> Endpoint {
        Endpoint::new(
            EndpointConfig {
                public_addr: "127.0.0.1:5060".parse().unwrap(),
                contact_user: "softcall".into(),
                user_agent: "softcall-test".into(),
                timers: Timers::default(),
            },
            3,
        )
    }

    fn call_to(dest: SocketAddr) -> CallRequest {
        CallRequest {
            target: format!("sip:bob@{dest}"),
            from: "sip:robot@127.0.0.1".into(),
            display_name: None,
            dest,
            sdp_offer: String::new(),
            credentials: None,
            ring_timeout: Duration::from_secs(20),
        }
    }

    fn ends(ep: &mut Endpoint) -> Vec<(CallHandle, CallEnd)> {
        std::iter::from_fn(|| ep.poll_event())
            .filter_map(|e| match e {
                Event::Call(h, CallEvent::Ended(end)) => Some((h, end)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn port_unreachable_fails_only_the_calls_to_that_destination_at_once() {
        let closed: SocketAddr = "127.0.0.1:5999".parse().unwrap();
        let other: SocketAddr = "127.0.0.1:5070".parse().unwrap();
        let mut ep = endpoint();
        let t0 = Instant::now();
        let dead = ep.place_call(t0, call_to(closed)).unwrap();
        let alive = ep.place_call(t0, call_to(other)).unwrap();
        while ep.poll_transmit().is_some() {}
        ep.handle_unreachable(t0 + Duration::from_millis(1), closed, Unreachable::Port);
        let ended = ends(&mut ep);
        assert_eq!(ended.len(), 1, "{ended:?}");
        let (h, end) = &ended[0];
        assert_eq!(*h, dead);
        assert_eq!(end.outcome, Outcome::Failed);
        assert_eq!(end.ended_by, EndedBy::Network);
        assert!(
            end.reason
                .contains("nothing is listening at 127.0.0.1:5999"),
            "{}",
            end.reason
        );
        assert_eq!(ep.active_calls(), 1);
        // The other call still retransmits its INVITE (timer A).
        ep.handle_timeout(t0 + Duration::from_millis(600));
        assert!(ep.invite_retransmissions(alive).unwrap_or(0) >= 1);
        assert!(ep.poll_transmit().is_some_and(|t| t.dest == other));
    }

    #[test]
    fn an_answered_destination_is_not_failed_by_a_late_icmp_error() {
        let peer: SocketAddr = "127.0.0.1:5070".parse().unwrap();
        let mut ep = endpoint();
        let t0 = Instant::now();
        ep.place_call(t0, call_to(peer)).unwrap();
        let invite = ep.poll_transmit().unwrap();
        let msg = crate::sip::message::parse(&invite.payload).unwrap();
        let ringing =
            crate::sip::message::response_to(&msg, 180, "Ringing", Some("tag1"), &[], b"");
        ep.handle_datagram(t0, peer, &ringing);
        ep.handle_unreachable(t0, peer, Unreachable::Port);
        assert!(
            ends(&mut ep).is_empty(),
            "a peer that answered is listening"
        );
        assert_eq!(ep.active_calls(), 1);
    }

    #[test]
    fn dead_registrar_fails_the_registration_at_once() {
        let registrar: SocketAddr = "127.0.0.1:5998".parse().unwrap();
        let mut ep = endpoint();
        let t0 = Instant::now();
        ep.register(
            t0,
            RegisterRequest {
                registrar: format!("sip:{registrar}"),
                aor: "sip:robot@127.0.0.1".into(),
                dest: registrar,
                credentials: None,
                expires: 600,
            },
        )
        .unwrap();
        while ep.poll_transmit().is_some() {}
        ep.handle_unreachable(t0, registrar, Unreachable::Port);
        let events: Vec<_> = std::iter::from_fn(|| ep.poll_event()).collect();
        assert_eq!(
            events,
            vec![Event::Registration(RegistrationEvent::Failed {
                status: None,
                reason: "nothing is listening at 127.0.0.1:5998 (ICMP port unreachable)".into(),
            })]
        );
    }
}
