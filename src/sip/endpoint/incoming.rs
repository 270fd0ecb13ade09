//! Calls peers place to us (UAS): an out-of-dialog INVITE becomes [`Event::Incoming`]; the application
//! rings, answers or rejects it. Covers the 2xx retransmission until the ACK (RFC 3261 section
//! 13.3.1.4) and the BYE when none comes, CANCEL before the answer, and retransmitted INVITEs.

use super::*;

/// Who is calling, from the From header of an inbound INVITE (for caller-ID lookup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The From URI as written.
    pub uri: String,
    /// User part of the From URI (usually the number), if it has one.
    pub user: Option<String>,
    /// Display name of the From header, if any.
    pub display_name: Option<String>,
}

/// A call a peer offers us; answer it with [`Endpoint::ring`], [`Endpoint::answer`] or
/// [`Endpoint::reject`].
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingCall {
    /// Handle for the call's events and commands.
    pub handle: CallHandle,
    /// The INVITE's Call-ID (to match the call with the peer's logs and records).
    pub call_id: String,
    /// The calling party.
    pub caller: Caller,
    /// User part of the Request-URI: the number or name that was dialled.
    pub called_user: Option<String>,
    /// The peer's SDP offer (already checked to carry a G.711 codec).
    pub offer: RemoteMedia,
    /// Where the INVITE came from.
    pub source: SocketAddr,
}

/// The UAS side of an inbound call.
#[derive(Debug)]
pub(super) struct Inbound {
    /// The INVITE as received, to build our responses from.
    invite: SipMsg,
    /// Its server transaction.
    tx_key: TxKey,
    /// From tag and CSeq, to recognise the INVITE retransmitted after its transaction is gone.
    from_tag: String,
    cseq: u32,
    offer: RemoteMedia,
    /// The application hung up before the ACK: send BYE once it arrives (RFC 3261 section 15).
    hangup_pending: bool,
}

/// User part of a SIP, SIPS or tel URI (`sip:+7900…@host;params` → `+7900…`).
pub fn uri_user(uri: &str) -> Option<String> {
    let uri = uri.trim();
    let rest = ["sip:", "sips:", "tel:"].iter().find_map(|s| {
        uri.get(..s.len())
            .filter(|p| p.eq_ignore_ascii_case(s))
            .map(|_| &uri[s.len()..])
    })?;
    let user = if uri.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("tel:")) {
        rest
    } else {
        rest.split_once('@')?.0
    };
    let user = user.split([';', '?', ':']).next()?.trim();
    (!user.is_empty()).then(|| user.to_string())
}

impl Endpoint {
    /// An INVITE outside any dialog: offer it to the application, or refuse it.
    pub(super) fn handle_new_invite(
        &mut self,
        now: Instant,
        from: SocketAddr,
        tx: &mut ServerTx,
        msg: &SipMsg,
        e: &message::Essentials,
    ) {
        if !self.accept_inbound {
            self.respond(now, tx, msg, 480, reason_phrase(480), &[], b"");
            return;
        }
        let offer = match msg.body_text().map(sdp::parse_remote) {
            Some(Ok(offer)) => offer,
            Some(Err(err)) => {
                tracing::debug!(%from, error = %err, "inbound INVITE with an unusable offer");
                let warning = vec![("Warning".to_string(), format!("304 softcall \"{err}\""))];
                self.respond(now, tx, msg, 488, reason_phrase(488), &warning, b"");
                return;
            }
            None => {
                // Offerless INVITEs (offer in our 2xx) are not supported.
                self.respond(now, tx, msg, 488, reason_phrase(488), &[], b"");
                return;
            }
        };
        let (Some(from_value), Some(to_value)) = (
            msg.header("From").and_then(NameAddr::parse),
            msg.header("To").and_then(NameAddr::parse),
        ) else {
            self.respond(now, tx, msg, 400, "Bad Request (From or To)", &[], b"");
            return;
        };
        let trying = response_to(msg, 100, reason_phrase(100), None, &[], b"");
        tx.respond(now, 100, trying, &mut self.out);
        let request_uri = match &msg.start {
            message::StartLine::Request { uri, .. } => uri.clone(),
            message::StartLine::Response { .. } => String::new(),
        };
        let handle = CallHandle(self.next_call);
        self.next_call += 1;
        let local_tag = self.token(10);
        let caller = Caller {
            user: uri_user(&from_value.uri),
            display_name: from_value.display.clone(),
            uri: from_value.uri.clone(),
        };
        let call = Call {
            // For an inbound call `req` describes the dialog from our side: the peer as target,
            // us as from, where the INVITE came from, and (once answered) our session description.
            req: CallRequest {
                target: from_value.uri,
                from: to_value.uri,
                display_name: None,
                dest: from,
                sdp_offer: String::new(),
                credentials: None,
                ring_timeout: Duration::ZERO,
            },
            call_id: e.call_id.clone(),
            local_tag,
            // Never sent: an inbound call has no client INVITE transaction.
            invite: OutRequest::new(rsip::Method::Invite, request_uri.clone()),
            invite_key: tx.key.clone(),
            state: CallState::Offered,
            got_provisional: false,
            cancel: None,
            cancel_sent: false,
            ring_deadline: now,
            auth_tries: 0,
            nc: 0,
            dialog: None,
            ack: None,
            early_media: false,
            remove_at: None,
            transfer: None,
            ended: false,
            inbound: Some(Inbound {
                invite: msg.clone(),
                tx_key: tx.key.clone(),
                from_tag: e.from_tag.clone(),
                cseq: e.cseq,
                offer: offer.clone(),
                hangup_pending: false,
            }),
            referral: None,
            referred_from: None,
        };
        self.calls.insert(handle, call);
        self.events.push_back(Event::Incoming(IncomingCall {
            handle,
            call_id: e.call_id.clone(),
            caller,
            called_user: uri_user(&request_uri),
            offer,
            source: from,
        }));
    }

    /// Whether an out-of-dialog INVITE repeats one we already turned into a call.
    pub(super) fn is_known_invite(&self, e: &message::Essentials) -> bool {
        self.calls.values().any(|c| {
            c.call_id == e.call_id
                && c.inbound
                    .as_ref()
                    .is_some_and(|i| i.from_tag == e.from_tag && i.cseq == e.cseq)
        })
    }

    /// Sends 180 Ringing on an inbound call that waits for our decision.
    pub fn ring(&mut self, now: Instant, handle: CallHandle) -> Result<(), RequestError> {
        let extra = vec![("Contact".to_string(), self.contact())];
        self.respond_offered(now, handle, 180, &extra, b"")
    }

    /// Answers an inbound call with 200 OK carrying `sdp_answer` (see [`sdp::LocalMedia::answer`]);
    /// [`CallEvent::Answered`] follows when the peer's ACK arrives.
    pub fn answer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        sdp_answer: &str,
    ) -> Result<(), RequestError> {
        let (dialog, routes) = {
            let call = self.offered(handle)?;
            let Some(inbound) = call.inbound.as_ref() else {
                return Err(RequestError::NotOffered);
            };
            let dialog = Dialog::from_request(&inbound.invite, &call.local_tag, 0)
                .ok_or(RequestError::NotOffered)?;
            let routes: Vec<(String, String)> = inbound
                .invite
                .header_lines("Record-Route")
                .into_iter()
                .map(|r| ("Record-Route".to_string(), r.to_string()))
                .collect();
            (dialog, routes)
        };
        let mut extra = routes;
        extra.push(("Contact".into(), self.contact()));
        extra.push(("Allow".into(), ALLOW.into()));
        extra.push(("Supported".into(), "replaces".into()));
        extra.push(("Content-Type".into(), "application/sdp".into()));
        self.respond_offered(now, handle, 200, &extra, sdp_answer.as_bytes())?;
        if let Some(call) = self.calls.get_mut(&handle) {
            call.state = CallState::Accepting;
            call.dialog = Some(dialog);
            call.req.sdp_offer = sdp_answer.to_string();
        }
        Ok(())
    }

    /// Refuses an inbound call with a final status: 486 busy, 603 decline, 480 unavailable.
    pub fn reject(
        &mut self,
        now: Instant,
        handle: CallHandle,
        code: u16,
    ) -> Result<(), RequestError> {
        if !(400..700).contains(&code) {
            return Err(RequestError::BadStatus(code));
        }
        self.respond_offered(now, handle, code, &[], b"")?;
        self.end_call(
            now,
            handle,
            CallEnd {
                outcome: Outcome::from_status(code),
                status: Some(code),
                reason: format!("we rejected the call ({code} {})", reason_phrase(code)),
                ended_by: EndedBy::Local,
            },
        );
        Ok(())
    }

    fn offered(&self, handle: CallHandle) -> Result<&Call, RequestError> {
        let call = self.calls.get(&handle).ok_or(RequestError::NoSuchCall)?;
        if call.state != CallState::Offered || call.inbound.is_none() {
            return Err(RequestError::NotOffered);
        }
        Ok(call)
    }

    /// Sends a response with our tag through the INVITE server transaction of an offered call.
    fn respond_offered(
        &mut self,
        now: Instant,
        handle: CallHandle,
        code: u16,
        extra: &[(String, String)],
        body: &[u8],
    ) -> Result<(), RequestError> {
        let call = self.offered(handle)?;
        let Some(inbound) = call.inbound.as_ref() else {
            return Err(RequestError::NotOffered);
        };
        let bytes = response_to(
            &inbound.invite,
            code,
            reason_phrase(code),
            Some(&call.local_tag),
            extra,
            body,
        );
        let key = inbound.tx_key.clone();
        let tx = self
            .server_txs
            .get_mut(&key)
            .ok_or(RequestError::NoSuchCall)?;
        tx.respond(now, code, bytes, &mut self.out);
        Ok(())
    }

    /// The ACK for our 2xx arrived: the call is confirmed.
    pub(super) fn on_inbound_ack(&mut self, now: Instant, e: &message::Essentials) {
        let Some((handle, call)) = self.calls.iter_mut().find(|(_, c)| {
            c.state == CallState::Accepting
                && c.call_id == e.call_id
                && c.inbound.as_ref().is_some_and(|i| i.cseq == e.cseq)
        }) else {
            return;
        };
        let handle = *handle;
        call.state = CallState::Answered;
        let Some(inbound) = call.inbound.as_ref() else {
            return;
        };
        let media = inbound.offer.clone();
        let hangup = inbound.hangup_pending;
        self.events
            .push_back(Event::Call(handle, CallEvent::Answered { media }));
        if hangup {
            self.send_bye(now, handle);
        }
    }

    /// Our 2xx went unacknowledged for 64·T1: end the session with BYE (RFC 3261 section 13.3.1.4).
    pub(super) fn on_ack_timeout(&mut self, now: Instant, key: &TxKey) {
        let Some(handle) = self.calls.iter().find_map(|(h, c)| {
            (c.state == CallState::Accepting
                && c.inbound.as_ref().is_some_and(|i| &i.tx_key == key))
            .then_some(*h)
        }) else {
            return;
        };
        self.send_bye(now, handle);
        self.end_call(
            now,
            handle,
            CallEnd::broken_answer(Some(200), "no ACK for our 200 OK", EndedBy::Network),
        );
    }

    /// The application hung up between our 2xx and the peer's ACK.
    pub(super) fn hangup_when_acked(&mut self, handle: CallHandle) {
        if let Some(i) = self.calls.get_mut(&handle).and_then(|c| c.inbound.as_mut()) {
            i.hangup_pending = true;
        }
    }

    /// A CANCEL matched the INVITE transaction `invite_key`: 487 to it when it is still unanswered.
    pub(super) fn cancel_inbound(&mut self, now: Instant, invite_key: &TxKey) {
        let Some(handle) = self.calls.iter().find_map(|(h, c)| {
            (c.state == CallState::Offered
                && c.inbound.as_ref().is_some_and(|i| &i.tx_key == invite_key))
            .then_some(*h)
        }) else {
            return;
        };
        if self.respond_offered(now, handle, 487, &[], b"").is_ok() {
            self.end_call(
                now,
                handle,
                CallEnd {
                    outcome: Outcome::NoAnswer,
                    status: Some(487),
                    reason: "the caller cancelled before the answer".into(),
                    ended_by: EndedBy::Remote,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::uri_user;

    #[test]
    fn user_parts_of_sip_and_tel_uris() {
        assert_eq!(
            uri_user("sip:+79001234567@pbx.example;user=phone").as_deref(),
            Some("+79001234567")
        );
        assert_eq!(uri_user("SIPS:alice:pw@h").as_deref(), Some("alice"));
        assert_eq!(
            uri_user("tel:+1-555-0100;ext=2").as_deref(),
            Some("+1-555-0100")
        );
        assert_eq!(uri_user("sip:pbx.example"), None);
        assert_eq!(uri_user("sip:@h"), None);
        assert_eq!(uri_user("http://x"), None);
    }
}
