//! RFC 3261 section 12 dialogs: identity (Call-ID and tags), CSeq spaces, remote target and route set,
//! and building in-dialog requests.

use std::net::SocketAddr;

use super::message::{uri_socket_addr, NameAddr, OutRequest, SipMsg};

/// One confirmed or early dialog, seen from our side (as caller or as callee).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    /// Call-ID.
    pub call_id: String,
    /// Our tag (From of our requests).
    pub local_tag: String,
    /// The peer's tag (To of our requests).
    pub remote_tag: String,
    /// Our From header value including our tag.
    pub local: String,
    /// The peer's To header value including its tag.
    pub remote: String,
    /// Our last CSeq number.
    pub local_seq: u32,
    /// The peer's last CSeq number.
    pub remote_seq: Option<u32>,
    /// Where in-dialog requests go (peer's Contact).
    pub remote_target: String,
    /// Route set from Record-Route, in the order our requests carry it.
    pub route_set: Vec<String>,
}

impl Dialog {
    /// The dialog created by a response with a To tag to our INVITE (RFC 3261 section 12.1.2).
    pub fn from_response(invite: &OutRequest, resp: &SipMsg) -> Option<Dialog> {
        let to = resp.header("To")?;
        let remote_tag = NameAddr::parse(to)?
            .param("tag")
            .filter(|t| !t.is_empty())?;
        let local = invite.header("From")?.to_string();
        let local_tag = NameAddr::parse(&local)?.param("tag")?;
        let local_seq = invite
            .header("CSeq")?
            .split_whitespace()
            .next()?
            .parse()
            .ok()?;
        let remote_target = contact_uri(resp).unwrap_or_else(|| invite.uri.clone());
        let mut route_set = resp.header_list("Record-Route");
        route_set.reverse();
        Some(Dialog {
            call_id: invite.header("Call-ID")?.to_string(),
            local_tag,
            remote_tag,
            local,
            remote: to.to_string(),
            local_seq,
            remote_seq: None,
            remote_target,
            route_set,
        })
    }

    /// The dialog our 2xx (with `local_tag`) to a peer's INVITE creates (RFC 3261 section 12.1.1):
    /// remote target from its Contact, route set from Record-Route in received order.
    pub fn from_request(invite: &SipMsg, local_tag: &str, local_seq: u32) -> Option<Dialog> {
        let e = invite.essentials().ok()?;
        let from = invite.header("From")?;
        let remote_uri = NameAddr::parse(from)?.uri;
        let to = NameAddr::parse(invite.header("To")?)?;
        let local = NameAddr {
            params: if to.params.is_empty() {
                format!("tag={local_tag}")
            } else {
                format!("{};tag={local_tag}", to.params)
            },
            ..to
        }
        .render();
        Some(Dialog {
            call_id: e.call_id,
            local_tag: local_tag.to_string(),
            remote_tag: e.from_tag,
            local,
            remote: from.to_string(),
            local_seq,
            remote_seq: Some(e.cseq),
            remote_target: contact_uri(invite).unwrap_or(remote_uri),
            route_set: invite.header_list("Record-Route"),
        })
    }

    /// Builds an in-dialog request; ACK and CANCEL reuse `seq`, others take the next local CSeq.
    pub fn request(&mut self, method: rsip::Method, via: String, contact: &str) -> OutRequest {
        let seq = if method == rsip::Method::Ack {
            self.local_seq
        } else {
            self.local_seq += 1;
            self.local_seq
        };
        self.request_with_seq(method, seq, via, contact)
    }

    /// Builds an in-dialog request with an explicit CSeq number.
    pub fn request_with_seq(
        &self,
        method: rsip::Method,
        seq: u32,
        via: String,
        contact: &str,
    ) -> OutRequest {
        // Loose routing when the first route has `lr`; strict routing otherwise (section 12.2.1.1).
        let strict = self
            .route_set
            .first()
            .and_then(|r| NameAddr::parse(r))
            .is_some_and(|n| !n.uri.contains(";lr"));
        let (uri, routes): (String, Vec<String>) = if strict {
            let first = NameAddr::parse(&self.route_set[0])
                .map(|n| n.uri)
                .unwrap_or_default();
            let mut rest: Vec<String> = self.route_set[1..].to_vec();
            rest.push(format!("<{}>", self.remote_target));
            (first, rest)
        } else {
            (self.remote_target.clone(), self.route_set.clone())
        };
        let mut req = OutRequest::new(method, uri);
        req.push("Via", via);
        req.push("Max-Forwards", "70");
        for r in routes {
            req.push("Route", r);
        }
        req.push("From", self.local.clone());
        req.push("To", self.remote.clone());
        req.push("Call-ID", self.call_id.clone());
        req.push("CSeq", format!("{seq} {method}"));
        if method != rsip::Method::Ack {
            req.push("Contact", contact.to_string());
        }
        req
    }

    /// The next hop for in-dialog requests when it is an IP address: top route, else remote target.
    pub fn next_hop(&self) -> Option<SocketAddr> {
        match self.route_set.first() {
            Some(r) => NameAddr::parse(r).and_then(|n| uri_socket_addr(&n.uri)),
            None => uri_socket_addr(&self.remote_target),
        }
    }

    /// Accepts a peer request's CSeq if it is newer than the last one (section 12.2.2).
    pub fn accept_remote_seq(&mut self, seq: u32) -> bool {
        match self.remote_seq {
            Some(last) if seq <= last => false,
            _ => {
                self.remote_seq = Some(seq);
                true
            }
        }
    }

    /// Updates the remote target from a peer's Contact (target refresh).
    pub fn refresh_target(&mut self, msg: &SipMsg) {
        if let Some(uri) = contact_uri(msg) {
            self.remote_target = uri;
        }
    }
}

/// The first Contact URI of a message, if it is a SIP URI we can render again.
fn contact_uri(msg: &SipMsg) -> Option<String> {
    let uri = NameAddr::parse(msg.header_list("Contact").first()?)?.uri;
    let usable = (uri.starts_with("sip:") || uri.starts_with("sips:"))
        && rsip::Uri::try_from(uri.as_str()).is_ok();
    usable.then_some(uri)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::message::{parse, render_response};

    #[test]
    fn dialog_from_2xx_uses_contact_and_reversed_record_route() {
        let mut invite = OutRequest::new(rsip::Method::Invite, "sip:bob@10.0.0.9");
        invite.push("Via", "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1");
        invite.push("From", "<sip:a@10.0.0.1>;tag=aa");
        invite.push("To", "<sip:bob@10.0.0.9>");
        invite.push("Call-ID", "c1");
        invite.push("CSeq", "5 INVITE");
        let headers = vec![
            (
                "Via".to_string(),
                "SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1".to_string(),
            ),
            (
                "Record-Route".into(),
                "<sip:p2.example;lr>, <sip:10.0.0.5:5080;lr>".into(),
            ),
            ("From".into(), "<sip:a@10.0.0.1>;tag=aa".into()),
            ("To".into(), "<sip:bob@10.0.0.9>;tag=bb".into()),
            ("Call-ID".into(), "c1".into()),
            ("CSeq".into(), "5 INVITE".into()),
            ("Contact".into(), "<sip:bob@10.0.0.7:5062>".into()),
        ];
        let resp = parse(&render_response(200, "OK", &headers, b"")).unwrap();
        let mut d = Dialog::from_response(&invite, &resp).unwrap();
        assert_eq!(d.remote_tag, "bb");
        assert_eq!(d.remote_target, "sip:bob@10.0.0.7:5062");
        assert_eq!(d.route_set[0], "<sip:10.0.0.5:5080;lr>");
        assert_eq!(d.next_hop(), Some("10.0.0.5:5080".parse().unwrap()));
        let bye = d.request(
            rsip::Method::Bye,
            "SIP/2.0/UDP x;branch=z9hG4bK2".into(),
            "<sip:a@10.0.0.1>",
        );
        assert_eq!(bye.uri, "sip:bob@10.0.0.7:5062");
        assert_eq!(bye.header("CSeq"), Some("6 BYE"));
        assert_eq!(bye.header("Route"), Some("<sip:10.0.0.5:5080;lr>"));
        assert!(d.accept_remote_seq(3));
        assert!(!d.accept_remote_seq(3));
    }
}
