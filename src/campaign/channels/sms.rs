//! SMS through an HTTP gateway: a configurable URL and body template with `{phone}` and `{text}`.

use std::time::Duration;

use crate::campaign::strategy::SmsGateway;

/// Why an SMS was not accepted by the gateway.
#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    /// The gateway could not be reached or timed out.
    #[error("SMS gateway {url} unreachable: {message}")]
    Unreachable {
        /// The gateway URL.
        url: String,
        /// The transport error.
        message: String,
    },
    /// The gateway answered with an error status.
    #[error("SMS gateway {url} refused the message with HTTP {status}: {body}")]
    Refused {
        /// The gateway URL.
        url: String,
        /// HTTP status.
        status: u16,
        /// The start of its answer.
        body: String,
    },
}

fn json_escape(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap_or_default();
    quoted[1..quoted.len().saturating_sub(1).max(1)].to_string()
}

fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The URL and body a gateway request carries for one message.
pub fn request_parts(gw: &SmsGateway, phone: &str, text: &str) -> (String, String) {
    let url = gw
        .url
        .replace("{phone}", &url_encode(phone))
        .replace("{text}", &url_encode(text));
    let body = if gw.content_type.contains("json") {
        gw.body
            .replace("{phone}", &json_escape(phone))
            .replace("{text}", &json_escape(text))
    } else if gw.content_type.contains("x-www-form-urlencoded") {
        gw.body
            .replace("{phone}", &url_encode(phone))
            .replace("{text}", &url_encode(text))
    } else {
        gw.body.replace("{phone}", phone).replace("{text}", text)
    };
    (url, body)
}

/// Sends one SMS (blocking; call from a blocking task). Returns the gateway's answer body.
pub fn send_sms(gw: &SmsGateway, phone: &str, text: &str) -> Result<String, SmsError> {
    let (url, body) = request_parts(gw, phone, text);
    let config = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(15)))
        .http_status_as_error(false)
        .build();
    let agent: ureq::Agent = config.into();
    let unreachable = |e: ureq::Error| SmsError::Unreachable {
        url: gw.url.clone(),
        message: e.to_string(),
    };
    let response = if gw.method == "GET" {
        let mut req = agent.get(&url);
        for (k, v) in &gw.headers {
            req = req.header(k, v);
        }
        req.call().map_err(unreachable)?
    } else {
        let mut req = agent.post(&url).header("Content-Type", &gw.content_type);
        for (k, v) in &gw.headers {
            req = req.header(k, v);
        }
        req.send(body.as_bytes()).map_err(unreachable)?
    };
    let status = response.status().as_u16();
    let answer = response
        .into_body()
        .read_to_string()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect::<String>();
    if (200..300).contains(&status) {
        Ok(answer)
    } else {
        Err(SmsError::Refused {
            url: gw.url.clone(),
            status,
            body: answer,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_escaping_follows_the_content_type() {
        let mut gw = SmsGateway {
            url: "http://gw/send?to={phone}".into(),
            method: "POST".into(),
            content_type: "application/json".into(),
            body: r#"{"to":"{phone}","text":"{text}"}"#.into(),
            headers: Default::default(),
        };
        let (url, body) = request_parts(&gw, "+79123456789", "Долг \"100\"");
        assert_eq!(url, "http://gw/send?to=%2B79123456789");
        assert_eq!(body, r#"{"to":"+79123456789","text":"Долг \"100\""}"#);
        gw.content_type = "application/x-www-form-urlencoded".into();
        gw.body = "to={phone}&text={text}".into();
        let (_, body) = request_parts(&gw, "+7", "a b");
        assert_eq!(body, "to=%2B7&text=a%20b");
    }
}
