//! Transfers a peer asks of us (we are the transferee, RFC 3515 and RFC 5589): a REFER on an answered
//! call gets 202 Accepted and a NOTIFY `100 Trying`; the application places the new call with
//! [`Endpoint::follow_transfer`] (its INVITE carries Referred-By), and the endpoint reports the new
//! call's first ringing and its answer or failure to the peer as `message/sipfrag` NOTIFYs on the
//! original dialog. After a 2xx sipfrag the peer (the transferor) is expected to send BYE.

use super::*;

/// A REFER we accepted on a call.
#[derive(Debug, Clone)]
pub(super) struct Referral {
    /// Refer-To URI.
    target: String,
    /// Referred-By value for our INVITE.
    referred_by: String,
    /// Event header of our NOTIFYs (`refer`, or `refer;id=CSEQ` after the dialog's first REFER).
    event: String,
    /// The call placed to `target`, once placed.
    call: Option<CallHandle>,
    /// A provisional sipfrag was sent.
    progressed: bool,
    /// The final sipfrag was sent.
    done: bool,
}

/// How long the implicit subscription of a REFER lasts while it is active (RFC 3515 section 2.4.4).
const SUBSCRIPTION_SECS: u32 = 60;

impl Endpoint {
    /// A REFER inside the dialog of `handle` (its CSeq already accepted).
    pub(super) fn handle_refer(
        &mut self,
        now: Instant,
        tx: &mut ServerTx,
        msg: &SipMsg,
        e: &message::Essentials,
        handle: CallHandle,
    ) {
        let refusal = match self.calls.get(&handle) {
            _ if !self.accept_transfers => Some((403, "Forbidden (transfers are not taken)")),
            Some(c) if c.state != CallState::Answered => {
                Some((403, "Forbidden (the call is not answered)"))
            }
            Some(c) if c.referral.as_ref().is_some_and(|r| !r.done) => {
                Some((491, reason_phrase(491)))
            }
            Some(_) => None,
            None => Some((481, reason_phrase(481))),
        };
        if let Some((code, reason)) = refusal {
            self.respond(now, tx, msg, code, reason, &[], b"");
            return;
        }
        let target = msg
            .header("Refer-To")
            .and_then(NameAddr::parse)
            .map(|n| n.uri);
        let target = match target {
            Some(t) if t.contains('?') => {
                // Embedded headers (Replaces: an attended transfer) are not supported.
                let reason = "Not Implemented (Refer-To with headers)";
                self.respond(now, tx, msg, 501, reason, &[], b"");
                return;
            }
            Some(t) if check_uri(&t).is_ok() => t,
            _ => {
                let reason = "Bad Request (Refer-To must be a SIP URI)";
                self.respond(now, tx, msg, 400, reason, &[], b"");
                return;
            }
        };
        let contact = self.contact();
        let Some(call) = self.calls.get_mut(&handle) else {
            return;
        };
        let referred_by = msg
            .header("Referred-By")
            .map(str::to_string)
            .unwrap_or_else(|| format!("<{}>", call.req.target));
        let event = match call.referral {
            None => "refer".to_string(),
            Some(_) => format!("refer;id={}", e.cseq),
        };
        call.referral = Some(Referral {
            target: target.clone(),
            referred_by: referred_by.clone(),
            event,
            call: None,
            progressed: false,
            done: false,
        });
        let extra = vec![("Contact".to_string(), contact)];
        self.respond(now, tx, msg, 202, reason_phrase(202), &extra, b"");
        self.events.push_back(Event::Call(
            handle,
            CallEvent::TransferRequested {
                target,
                referred_by,
            },
        ));
        self.notify_referrer(now, handle, 100, false);
    }

    /// Carries out the transfer the peer asked for on `handle`: places `req` (normally to the
    /// [`CallEvent::TransferRequested`] target) with the REFER's Referred-By. The new call's events are
    /// its own; its answer or failure is reported to the peer and ends with
    /// [`CallEvent::TransferCompleted`] on `handle`. When the call cannot be placed the transfer fails
    /// (sipfrag 400) and the error is returned.
    pub fn follow_transfer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        req: CallRequest,
    ) -> Result<CallHandle, RequestError> {
        let referred_by = self.waiting_referral(handle)?.referred_by.clone();
        let placed = self.place_call_with(now, req, &[("Referred-By", referred_by)]);
        let new = match placed {
            Ok(new) => new,
            Err(err) => {
                self.finish_referral(now, handle, 400);
                return Err(err);
            }
        };
        if let Some(call) = self.calls.get_mut(&new) {
            call.referred_from = Some(handle);
        }
        if let Some(r) = self
            .calls
            .get_mut(&handle)
            .and_then(|c| c.referral.as_mut())
        {
            r.call = Some(new);
        }
        Ok(new)
    }

    /// Gives up the transfer the peer asked for on `handle` without calling (e.g. the target does not
    /// resolve): the peer gets a final sipfrag with `status` (300–699).
    pub fn fail_transfer(
        &mut self,
        now: Instant,
        handle: CallHandle,
        status: u16,
    ) -> Result<(), RequestError> {
        if !(300..700).contains(&status) {
            return Err(RequestError::BadStatus(status));
        }
        self.waiting_referral(handle)?;
        self.finish_referral(now, handle, status);
        Ok(())
    }

    /// The Refer-To target of the REFER waiting on `handle` for a new call.
    pub fn transfer_target(&self, handle: CallHandle) -> Option<&str> {
        self.waiting_referral(handle)
            .ok()
            .map(|r| r.target.as_str())
    }

    fn waiting_referral(&self, handle: CallHandle) -> Result<&Referral, RequestError> {
        let call = self.calls.get(&handle).ok_or(RequestError::NoSuchCall)?;
        call.referral
            .as_ref()
            .filter(|r| !r.done && r.call.is_none())
            .ok_or(RequestError::NoTransfer)
    }

    /// A call placed for a transfer got a provisional response: the first one above 100 goes to the
    /// peer.
    pub(super) fn referral_progress(&mut self, now: Instant, new: CallHandle, status: u16) {
        let Some(orig) = self.calls.get(&new).and_then(|c| c.referred_from) else {
            return;
        };
        let Some(r) = self.calls.get_mut(&orig).and_then(|c| c.referral.as_mut()) else {
            return;
        };
        if r.done || r.progressed {
            return;
        }
        r.progressed = true;
        self.notify_referrer(now, orig, status, false);
    }

    /// A call placed for a transfer was answered (2xx `status`) or failed (`status` ≥ 300).
    pub(super) fn referral_settled(&mut self, now: Instant, new: CallHandle, status: u16) {
        if let Some(orig) = self.calls.get(&new).and_then(|c| c.referred_from) {
            self.finish_referral(now, orig, status);
        }
    }

    /// Sends the final sipfrag for the referral on `orig` and tells the application.
    fn finish_referral(&mut self, now: Instant, orig: CallHandle, status: u16) {
        let Some(call) = self.calls.get_mut(&orig) else {
            return;
        };
        let Some(r) = call.referral.as_mut().filter(|r| !r.done) else {
            return;
        };
        r.done = true;
        let ended = call.ended;
        self.notify_referrer(now, orig, status, true);
        if !ended {
            self.events.push_back(Event::Call(
                orig,
                CallEvent::TransferCompleted {
                    success: (200..300).contains(&status),
                    status: Some(status),
                },
            ));
        }
    }

    /// NOTIFY with a `message/sipfrag` status line on the dialog of `orig` (skipped when it is over).
    fn notify_referrer(&mut self, now: Instant, orig: CallHandle, status: u16, last: bool) {
        let Some(event) = self
            .calls
            .get(&orig)
            .and_then(|c| c.referral.as_ref())
            .map(|r| r.event.clone())
        else {
            return;
        };
        let state = if last {
            "terminated;reason=noresource".to_string()
        } else {
            format!("active;expires={SUBSCRIPTION_SECS}")
        };
        let frag = format!("SIP/2.0 {status} {}\r\n", reason_phrase(status));
        let sent = self.request_in_dialog(now, orig, rsip::Method::Notify, |notify| {
            notify.push("Event", event);
            notify.push("Subscription-State", state);
            notify.push("Content-Type", "message/sipfrag;version=2.0");
            notify.body = frag.into_bytes();
        });
        if let Err(err) = sent {
            tracing::debug!(call = orig.0, %err, "transfer progress not reported: the call is over");
        }
    }
}
