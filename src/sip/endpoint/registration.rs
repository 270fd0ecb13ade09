//! REGISTER with digest authentication, refresh at half the granted time, and un-REGISTER.

use super::*;

impl Endpoint {
    /// Registers (and keeps re-registering before expiry) with a registrar.
    pub fn register(&mut self, now: Instant, req: RegisterRequest) -> Result<(), RequestError> {
        check_uri(&req.registrar)?;
        check_uri(&req.aor)?;
        let call_id = format!("{}@{}", self.token(20), self.cfg.public_addr.ip());
        let from_tag = self.token(10);
        self.registration = Some(Registration {
            req,
            call_id,
            from_tag,
            cseq: 0,
            auth_tries: 0,
            nc: 0,
            refresh_at: None,
            unregistering: false,
            in_flight: false,
        });
        self.send_register(now, None);
        Ok(())
    }

    /// Removes our binding (REGISTER with expires 0).
    pub fn unregister(&mut self, now: Instant) {
        if let Some(reg) = self.registration.as_mut() {
            reg.unregistering = true;
            reg.refresh_at = None;
            reg.auth_tries = 0;
            self.send_register(now, None);
        }
    }

    pub(super) fn send_register(&mut self, now: Instant, auth: Option<(&str, String)>) {
        let (via, _) = self.via();
        let contact = self.contact();
        let ua = self.cfg.user_agent.clone();
        let Some(reg) = self.registration.as_mut() else {
            return;
        };
        reg.cseq += 1;
        reg.in_flight = true;
        let expires = if reg.unregistering {
            0
        } else {
            reg.req.expires
        };
        let mut r = OutRequest::new(rsip::Method::Register, reg.req.registrar.clone());
        r.push("Via", via);
        r.push("Max-Forwards", "70");
        r.push("From", format!("<{}>;tag={}", reg.req.aor, reg.from_tag));
        r.push("To", format!("<{}>", reg.req.aor));
        r.push("Call-ID", reg.call_id.clone());
        r.push("CSeq", format!("{} REGISTER", reg.cseq));
        r.push("Contact", contact);
        r.push("Expires", expires.to_string());
        r.push("Allow", ALLOW);
        r.push("User-Agent", ua);
        if let Some((name, value)) = auth {
            r.push(name, value);
        }
        let dest = reg.req.dest;
        self.start_client_tx(now, r, dest, Owner::Register);
    }

    /// A REGISTER that got no answer (timeout, or the registrar is unreachable): reported, retried in a minute.
    pub(super) fn registration_unanswered(&mut self, now: Instant, reason: String) {
        if let Some(reg) = self.registration.as_mut() {
            reg.in_flight = false;
            reg.refresh_at = Some(now + Duration::from_secs(60));
        }
        self.events
            .push_back(Event::Registration(RegistrationEvent::Failed {
                status: None,
                reason,
            }));
    }

    pub(super) fn on_register_event(&mut self, now: Instant, ev: ClientEvent) {
        let msg = match ev {
            ClientEvent::Provisional(_) => return,
            ClientEvent::Timeout => {
                self.registration_unanswered(now, "registrar did not respond".into());
                return;
            }
            ClientEvent::Final(msg) => msg,
        };
        let code = msg.status().unwrap_or(500);
        let cnonce = self.token(16);
        let Some(reg) = self.registration.as_mut() else {
            return;
        };
        reg.in_flight = false;
        if code == 401 || code == 407 {
            let (ch, ah) = if code == 407 {
                ("Proxy-Authenticate", "Proxy-Authorization")
            } else {
                ("WWW-Authenticate", "Authorization")
            };
            let challenge = msg
                .header_lines(ch)
                .into_iter()
                .find_map(|c| Challenge::parse(c).ok());
            if let (Some(challenge), Some(creds)) = (challenge, reg.req.credentials.clone()) {
                if reg.auth_tries == 0 || (challenge.stale && reg.auth_tries < 3) {
                    reg.auth_tries += 1;
                    reg.nc += 1;
                    let value = challenge.authorization(
                        &creds,
                        "REGISTER",
                        &reg.req.registrar,
                        reg.nc,
                        &cnonce,
                    );
                    self.send_register(now, Some((ah, value)));
                    return;
                }
            }
        }
        reg.auth_tries = 0;
        if (200..300).contains(&code) {
            if reg.unregistering {
                reg.refresh_at = None;
                self.events
                    .push_back(Event::Registration(RegistrationEvent::Unregistered));
                return;
            }
            let our_contact = format!("{}", self.cfg.public_addr);
            let granted = msg
                .header_list("Contact")
                .iter()
                .filter_map(|c| NameAddr::parse(c))
                .find(|n| n.uri.contains(&our_contact))
                .and_then(|n| n.param("expires"))
                .and_then(|e| e.parse::<u32>().ok())
                .or_else(|| msg.header("Expires").and_then(|e| e.trim().parse().ok()))
                .unwrap_or(reg.req.expires);
            // Refresh halfway through the granted time (at least 5 s ahead).
            reg.refresh_at = Some(now + Duration::from_secs(u64::from(granted.max(10) / 2)));
            self.events
                .push_back(Event::Registration(RegistrationEvent::Registered {
                    expires: granted,
                }));
        } else {
            if code == 423 {
                if let Some(min) = msg
                    .header("Min-Expires")
                    .and_then(|m| m.trim().parse().ok())
                {
                    reg.req.expires = min;
                    self.send_register(now, None);
                    return;
                }
            }
            reg.refresh_at = Some(now + Duration::from_secs(60));
            self.events
                .push_back(Event::Registration(RegistrationEvent::Failed {
                    status: Some(code),
                    reason: format!("{code} {}", msg.reason()),
                }));
        }
    }
}
