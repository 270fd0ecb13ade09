//! Requests from peers: ACK, CANCEL, OPTIONS, and inside a dialog BYE, re-INVITE, INFO DTMF, NOTIFY,
//! REFER (carried out in `referral`). New INVITEs go to `incoming`.

use super::*;

impl Endpoint {
    pub(super) fn handle_request(
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
        if method == rsip::Method::Invite && e.to_tag.is_none() && self.is_known_invite(&e) {
            // The INVITE again after its transaction ended (our 2xx was ACKed): nothing to redo.
            self.stats.retransmissions_absorbed += 1;
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
            rsip::Method::Invite => self.handle_new_invite(now, from, &mut tx, &msg, &e),
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

    pub(super) fn capability_headers(&self) -> Vec<(String, String)> {
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
    pub(super) fn respond(
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

    pub(super) fn handle_ack(&mut self, now: Instant, e: &message::Essentials) {
        // ACK for a non-2xx matches the INVITE server transaction by branch.
        let key = TxKey::new(&e.branch, &rsip::Method::Invite);
        if let Some(tx) = self.server_txs.get_mut(&key) {
            tx.on_ack(now);
            self.on_inbound_ack(now, e);
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
        self.on_inbound_ack(now, e);
    }

    pub(super) fn handle_cancel(
        &mut self,
        now: Instant,
        tx: &mut ServerTx,
        msg: &SipMsg,
        e: &message::Essentials,
    ) {
        // RFC 3261 section 9.2: 200 to the CANCEL when it matches an INVITE transaction; if that
        // INVITE is an inbound call still waiting for our decision it gets 487, otherwise the CANCEL
        // has no effect. Without a matching transaction the answer is 481.
        let invite_key = TxKey::new(&e.branch, &rsip::Method::Invite);
        if self.server_txs.contains_key(&invite_key) {
            self.respond(now, tx, msg, 200, "OK", &[], b"");
            self.cancel_inbound(now, &invite_key);
        } else {
            self.respond(now, tx, msg, 481, reason_phrase(481), &[], b"");
        }
    }

    pub(super) fn find_call_by_dialog(&self, e: &message::Essentials) -> Option<CallHandle> {
        let to_tag = e.to_tag.as_deref()?;
        self.calls
            .iter()
            .find(|(_, c)| c.call_id == e.call_id && c.local_tag == to_tag && !c.ended)
            .map(|(h, _)| *h)
    }

    pub(super) fn handle_in_dialog(
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
                    CallEnd::after_answer("peer hung up", EndedBy::Remote),
                );
            }
            rsip::Method::Invite => self.handle_reinvite(now, tx, msg, handle),
            rsip::Method::Refer => self.handle_refer(now, tx, msg, e, handle),
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

    pub(super) fn handle_reinvite(
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
