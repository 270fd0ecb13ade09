//! The `[sip]` section of `softcall.toml`: where signalling and media bind, what is advertised behind NAT,
//! the registrar and its credentials, the agent queue for hand-offs and the ring timeout.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::time::Duration;

use serde::Deserialize;

use crate::sip::auth::Credentials;

/// A problem in the `[sip]` section, naming the field and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sip.{field}: {problem}")]
pub struct SipConfigError {
    /// The field, without the `sip.` prefix.
    pub field: &'static str,
    /// What is wrong and how to fix it.
    pub problem: String,
}

fn invalid(field: &'static str, problem: impl Into<String>) -> SipConfigError {
    SipConfigError {
        field,
        problem: problem.into(),
    }
}

/// SIP and RTP settings; every field has a default, command-line flags override them.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// Local signalling address (`ip:port`, port 0 picks one); default: the interface towards the peer.
    pub bind: Option<SocketAddr>,
    /// Address advertised in Via, Contact and SDP behind NAT (`ip:port`).
    pub public_addr: Option<SocketAddr>,
    /// UDP port range for RTP, `first-last`.
    pub rtp_ports: String,
    /// Registrar URI (`sip:pbx.example.com[:port]`); when set, softcall registers before calling.
    pub registrar: Option<String>,
    /// User name for the registrar and for INVITE challenges.
    pub username: Option<String>,
    /// Password, written in the file (prefer `password_env`).
    pub password: Option<String>,
    /// Name of the environment variable holding the password.
    pub password_env: Option<String>,
    /// User-Agent header value; default `softcall/<version>`.
    pub user_agent: Option<String>,
    /// Agent queue URI a call is handed off to by REFER (`sip:queue@pbx.example.com`).
    pub queue_uri: Option<String>,
    /// Request-URI of campaign calls, `{phone}` standing for the debtor's E.164 number
    /// (`sip:{phone}@pbx.example.com`).
    pub dial_uri: Option<String>,
    /// Seconds to let a call ring before cancelling it.
    pub ring_timeout_s: f64,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            bind: None,
            public_addr: None,
            rtp_ports: "16384-32767".into(),
            registrar: None,
            username: None,
            password: None,
            password_env: None,
            user_agent: None,
            queue_uri: None,
            dial_uri: None,
            ring_timeout_s: 30.0,
        }
    }
}

/// Parses a UDP port range `first-last` (at least two ports: RTP needs an even/odd pair).
pub fn parse_port_range(s: &str) -> Result<RangeInclusive<u16>, String> {
    let (a, b) = s
        .split_once('-')
        .ok_or_else(|| format!("`{s}` is not a port range like 10000-20000"))?;
    let a: u16 = a
        .trim()
        .parse()
        .map_err(|_| format!("bad first port in `{s}`"))?;
    let b: u16 = b
        .trim()
        .parse()
        .map_err(|_| format!("bad last port in `{s}`"))?;
    if a >= b {
        return Err(format!("empty port range `{s}`"));
    }
    Ok(a..=b)
}

fn check_sip_uri(field: &'static str, uri: &str) -> Result<(), SipConfigError> {
    let ok = (uri.starts_with("sip:") || uri.starts_with("sips:"))
        && crate::sip::message::uri_host_port(uri).is_some();
    if ok {
        Ok(())
    } else {
        Err(invalid(
            field,
            format!("`{uri}` is not a SIP URI; write it like sip:pbx.example.com:5060"),
        ))
    }
}

/// Checks a campaign Request-URI template: a SIP URI with `{phone}` where the number goes.
pub fn check_dial_uri(template: &str) -> Result<(), String> {
    if !template.contains("{phone}") {
        return Err(format!(
            "`{template}` has no {{phone}}; write it like sip:{{phone}}@pbx.example.com"
        ));
    }
    check_sip_uri("dial_uri", &template.replace("{phone}", "0")).map_err(|e| e.problem)
}

impl SipConfig {
    /// Checks every field, so a bad value is reported when the file is loaded, not mid-call.
    pub fn validate(&self) -> Result<(), SipConfigError> {
        self.rtp_port_range()?;
        if let Some(r) = &self.registrar {
            check_sip_uri("registrar", r)?;
            if self.username.is_none() {
                return Err(invalid(
                    "username",
                    "missing: a registrar needs a user name to register as",
                ));
            }
        }
        if let Some(q) = &self.queue_uri {
            check_sip_uri("queue_uri", q)?;
        }
        if let Some(d) = &self.dial_uri {
            check_dial_uri(d).map_err(|problem| invalid("dial_uri", problem))?;
        }
        if self.username.as_deref() == Some("") {
            return Err(invalid("username", "is empty"));
        }
        if self.password.is_some() && self.password_env.is_some() {
            return Err(invalid(
                "password_env",
                "set together with sip.password; keep one of them",
            ));
        }
        if self.password_env.as_deref() == Some("") {
            return Err(invalid(
                "password_env",
                "is empty; name the environment variable holding the password",
            ));
        }
        if !(self.ring_timeout_s.is_finite() && self.ring_timeout_s > 0.0) {
            return Err(invalid(
                "ring_timeout_s",
                format!(
                    "{} is not a positive number of seconds",
                    self.ring_timeout_s
                ),
            ));
        }
        Ok(())
    }

    /// The RTP port range.
    pub fn rtp_port_range(&self) -> Result<RangeInclusive<u16>, SipConfigError> {
        parse_port_range(&self.rtp_ports).map_err(|e| invalid("rtp_ports", e))
    }

    /// How long a call may ring.
    pub fn ring_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.ring_timeout_s.max(0.0))
    }

    /// The User-Agent header value.
    pub fn user_agent(&self) -> String {
        self.user_agent
            .clone()
            .unwrap_or_else(|| format!("softcall/{}", env!("CARGO_PKG_VERSION")))
    }

    /// The credentials, reading the password from `password_env` when that is how it is given;
    /// `None` without a user name.
    pub fn credentials(&self) -> Result<Option<Credentials>, SipConfigError> {
        let Some(username) = self.username.clone() else {
            return Ok(None);
        };
        let password = match (&self.password, &self.password_env) {
            (Some(p), _) => p.clone(),
            (None, Some(var)) => std::env::var(var).map_err(|_| {
                invalid(
                    "password_env",
                    format!("the environment variable `{var}` is not set (export {var}=…)"),
                )
            })?,
            (None, None) => String::new(),
        };
        Ok(Some(Credentials { username, password }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<SipConfig, String> {
        let c: SipConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        c.validate().map_err(|e| e.to_string())?;
        Ok(c)
    }

    #[test]
    fn defaults_when_the_section_is_empty() {
        let c = parse("").unwrap();
        assert_eq!(c, SipConfig::default());
        assert_eq!(c.rtp_port_range().unwrap(), 16384..=32767);
        assert_eq!(c.ring_timeout(), Duration::from_secs(30));
        assert_eq!(c.credentials().unwrap(), None);
    }

    #[test]
    fn the_dial_uri_needs_the_phone_placeholder_and_a_host() {
        let c = parse(r#"dial_uri = "sip:{phone}@pbx.example.com:5080""#).unwrap();
        assert_eq!(
            c.dial_uri.as_deref(),
            Some("sip:{phone}@pbx.example.com:5080")
        );
        let e = parse(r#"dial_uri = "sip:robot@pbx.example.com""#).unwrap_err();
        assert!(e.contains("sip.dial_uri") && e.contains("{phone}"), "{e}");
        let e = parse(r#"dial_uri = "tel:{phone}""#).unwrap_err();
        assert!(e.contains("not a SIP URI"), "{e}");
    }

    #[test]
    fn every_field_is_read() {
        let c = parse(
            r#"
            bind = "10.0.0.5:5060"
            public_addr = "203.0.113.7:5060"
            rtp_ports = "20000-20100"
            registrar = "sip:pbx.example.com:5070"
            username = "robot"
            password = "s3cret"
            user_agent = "softcall-test"
            queue_uri = "sip:agents@pbx.example.com"
            ring_timeout_s = 12.5
            "#,
        )
        .unwrap();
        assert_eq!(c.bind, Some("10.0.0.5:5060".parse().unwrap()));
        assert_eq!(c.public_addr, Some("203.0.113.7:5060".parse().unwrap()));
        assert_eq!(c.rtp_port_range().unwrap(), 20000..=20100);
        assert_eq!(c.registrar.as_deref(), Some("sip:pbx.example.com:5070"));
        assert_eq!(c.user_agent(), "softcall-test");
        assert_eq!(c.queue_uri.as_deref(), Some("sip:agents@pbx.example.com"));
        assert_eq!(c.ring_timeout(), Duration::from_millis(12_500));
        let creds = c.credentials().unwrap().unwrap();
        assert_eq!(
            (creds.username.as_str(), creds.password.as_str()),
            ("robot", "s3cret")
        );
    }

    #[test]
    fn password_comes_from_the_named_environment_variable() {
        let var = "SOFTCALL_TEST_SIP_PASSWORD_FROM_ENV";
        let c = parse(&format!("username = \"robot\"\npassword_env = \"{var}\"")).unwrap();
        let err = c.credentials().unwrap_err().to_string();
        assert!(
            err.contains("sip.password_env") && err.contains(var),
            "{err}"
        );
        // Set only for this test; the variable name is unique to it.
        std::env::set_var(var, "from-env");
        assert_eq!(c.credentials().unwrap().unwrap().password, "from-env");
        std::env::remove_var(var);
    }

    #[test]
    fn bad_values_name_their_field() {
        let cases = [
            ("rtp_ports = \"20000\"", "sip.rtp_ports"),
            ("rtp_ports = \"300-200\"", "sip.rtp_ports"),
            (
                "registrar = \"pbx.example.com\"\nusername = \"r\"",
                "sip.registrar",
            ),
            ("registrar = \"sip:pbx.example.com\"", "sip.username"),
            ("queue_uri = \"agents\"", "sip.queue_uri"),
            (
                "username = \"r\"\npassword = \"p\"\npassword_env = \"P\"",
                "sip.password_env",
            ),
            ("ring_timeout_s = 0", "sip.ring_timeout_s"),
            ("ring_timout_s = 3", "ring_timout_s"),
            ("bind = \"localhost\"", "bind"),
        ];
        for (text, field) in cases {
            let err = parse(text).unwrap_err();
            assert!(
                err.contains(field),
                "`{text}` gave `{err}`, not naming {field}"
            );
        }
    }
}
