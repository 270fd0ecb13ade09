//! Outbound calls: INVITE with the offer, provisional and final responses, digest retry, CANCEL,
//! ACK, BYE, REFER and INFO.

use super::*;

impl Endpoint {
    /// Sends an INVITE with the SDP offer; events for the call follow.
    pub fn place_call(
        &mut self,
        now: Instant,
        req: CallRequest,
    ) -> Result<CallHandle, RequestError> {
        self.place_call_with(now, req, &[])
    }

    /// [`Endpoint::place_call`] with extra INVITE headers (Referred-By of a transfer we carry out).
    pub(super) fn place_call_with(
        &mut self,
        now: Instant,
        req: CallRequest,
        extra: &[(&str, String)],
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
        for (name, value) in extra {
            invite.push(name, value.clone());
        }
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
                inbound: None,
                referral: None,
                referred_from: None,
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
            CallState::Offered => self.reject(now, handle, 480),
            CallState::Accepting => {
                self.hangup_when_acked(handle);
                Ok(())
            }
            CallState::Ending | CallState::Ended => Ok(()),
        }
    }

    pub(super) fn cancel_call(&mut self, now: Instant, handle: CallHandle, reason: CancelReason) {
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
        let cancel = cancel_for(&call.invite);
        let dest = call.req.dest;
        self.start_client_tx(now, cancel, dest, Owner::Cancel(handle));
    }

    pub(super) fn send_bye(&mut self, now: Instant, handle: CallHandle) {
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
        let from = self
            .calls
            .get(&handle)
            .ok_or(RequestError::NoSuchCall)?
            .req
            .from
            .clone();
        self.request_in_dialog(now, handle, rsip::Method::Refer, |refer| {
            refer.push("Refer-To", format!("<{target}>"));
            refer.push("Referred-By", format!("<{from}>"));
        })?;
        if let Some(call) = self.calls.get_mut(&handle) {
            call.transfer = Some(TransferState::Pending);
        }
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
        self.request_in_dialog(now, handle, rsip::Method::Info, |info| {
            info.push("Content-Type", "application/dtmf-relay");
            info.body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n").into_bytes();
        })
    }

    /// Sends an in-dialog request on an answered call; `fill` adds the method's own headers and body.
    pub(super) fn request_in_dialog(
        &mut self,
        now: Instant,
        handle: CallHandle,
        method: rsip::Method,
        fill: impl FnOnce(&mut OutRequest),
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
        let mut request = dialog.request(method, via, &contact);
        fill(&mut request);
        let dest = dialog.next_hop().unwrap_or(call.req.dest);
        self.start_client_tx(now, request, dest, Owner::InDialog(handle, method));
        Ok(())
    }

    pub(super) fn end_call(&mut self, now: Instant, handle: CallHandle, end: CallEnd) {
        let linger = self.cfg.timers.timeout();
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        if call.ended {
            return;
        }
        call.ended = true;
        call.state = CallState::Ended;
        call.remove_at = Some(now + linger);
        let unanswered = call.dialog.is_none() || end.outcome != Outcome::Answered;
        let status = end.status;
        let by_network = end.ended_by == EndedBy::Network;
        self.events
            .push_back(Event::Call(handle, CallEvent::Ended(end)));
        if unanswered {
            // A call placed for a transfer that never got answered: the transfer failed.
            let status = status
                .filter(|s| *s >= 300)
                .unwrap_or(if by_network { 408 } else { 500 });
            self.referral_settled(now, handle, status);
        }
    }

    pub(super) fn on_invite_event(&mut self, now: Instant, handle: CallHandle, ev: ClientEvent) {
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

    pub(super) fn on_invite_provisional(&mut self, now: Instant, handle: CallHandle, msg: SipMsg) {
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
        if code > 100 {
            self.referral_progress(now, handle, code);
        }
    }

    pub(super) fn on_invite_2xx(&mut self, now: Instant, handle: CallHandle, msg: SipMsg) {
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
                CallEnd::broken_answer(msg.status(), "2xx without To tag", EndedBy::Remote),
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
                let status = msg.status().unwrap_or(200);
                self.events
                    .push_back(Event::Call(handle, CallEvent::Answered { media }));
                self.referral_settled(now, handle, status);
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
                    CallEnd::broken_answer(
                        msg.status(),
                        format!("unusable SDP answer: {why}"),
                        EndedBy::Local,
                    ),
                );
            }
        }
    }

    pub(super) fn on_invite_failure(&mut self, now: Instant, handle: CallHandle, msg: SipMsg) {
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

    pub(super) fn retry_invite_with_auth(
        &mut self,
        now: Instant,
        handle: CallHandle,
        msg: &SipMsg,
    ) -> bool {
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

    pub(super) fn on_in_dialog_response(
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
                    CallEnd::after_answer(
                        format!("we hung up (BYE answered {})", status.unwrap_or(0)),
                        EndedBy::Local,
                    ),
                );
            }
            (rsip::Method::Bye, ClientEvent::Timeout) => {
                self.end_call(
                    now,
                    handle,
                    CallEnd::after_answer("we hung up (BYE unanswered)", EndedBy::Local),
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
                    CallEnd::after_answer(
                        format!("dialog terminated by peer ({})", msg.status().unwrap_or(0)),
                        EndedBy::Remote,
                    ),
                );
            }
            _ => {}
        }
    }

    pub(super) fn finish_transfer(
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
}
