//! SIP messages on the wire: parsing received datagrams with `rsip` into a flat view, and building requests
//! and responses that `rsip` renders.

use std::net::{IpAddr, SocketAddr};

/// The largest datagram we accept; anything bigger is not a SIP message we want.
pub const MAX_MESSAGE_BYTES: usize = 65_535;

/// Why a received datagram is not a usable SIP message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// Larger than [`MAX_MESSAGE_BYTES`].
    #[error("message of {0} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")]
    TooLarge(usize),
    /// The start line or a header could not be tokenised.
    #[error("not a SIP message: {0}")]
    Syntax(String),
    /// A header every request and response must carry is absent or unreadable.
    #[error("missing or malformed mandatory header `{0}`")]
    MissingHeader(&'static str),
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// `METHOD uri SIP/2.0`
    Request {
        /// Request method.
        method: rsip::Method,
        /// Request-URI as written.
        uri: String,
    },
    /// `SIP/2.0 code reason`
    Response {
        /// Status code (100–699).
        code: u16,
        /// Reason phrase.
        reason: String,
    },
}

/// A parsed SIP message: start line, headers in order (names in canonical long form) and body.
#[derive(Debug, Clone)]
pub struct SipMsg {
    /// Request or status line.
    pub start: StartLine,
    /// Headers in received order; a header listed with commas stays one entry.
    pub headers: Vec<(String, String)>,
    /// Message body.
    pub body: Vec<u8>,
}

/// The headers every message must carry, extracted once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Essentials {
    /// Call-ID value.
    pub call_id: String,
    /// CSeq sequence number.
    pub cseq: u32,
    /// CSeq method.
    pub cseq_method: rsip::Method,
    /// Branch parameter of the top Via.
    pub branch: String,
    /// From tag (may be empty from broken peers).
    pub from_tag: String,
    /// To tag, absent outside a dialog.
    pub to_tag: Option<String>,
}

const COMPACT: &[(&str, &str)] = &[
    ("v", "Via"),
    ("f", "From"),
    ("t", "To"),
    ("i", "Call-ID"),
    ("m", "Contact"),
    ("l", "Content-Length"),
    ("c", "Content-Type"),
    ("e", "Content-Encoding"),
    ("k", "Supported"),
    ("o", "Event"),
    ("r", "Refer-To"),
    ("b", "Referred-By"),
    ("s", "Subject"),
    ("u", "Allow-Events"),
];

fn long_name(name: &str) -> String {
    for (short, long) in COMPACT {
        if name.eq_ignore_ascii_case(short) {
            return (*long).to_string();
        }
    }
    name.to_string()
}

/// Parses one datagram with `rsip`; never panics on any input.
pub fn parse(bytes: &[u8]) -> Result<SipMsg, ParseError> {
    if bytes.len() > MAX_MESSAGE_BYTES {
        return Err(ParseError::TooLarge(bytes.len()));
    }
    // rsip needs the blank line that ends the headers; refuse early what cannot be a message.
    if !bytes.windows(4).any(|w| w == b"\r\n\r\n") {
        return Err(ParseError::Syntax("no blank line after the headers".into()));
    }
    let parsed = std::panic::catch_unwind(|| rsip::SipMessage::try_from(bytes))
        .map_err(|_| ParseError::Syntax("parser rejected the message".into()))?
        .map_err(|e| ParseError::Syntax(e.to_string()))?;
    let (start, headers, body) = match parsed {
        rsip::SipMessage::Request(req) => {
            let start = StartLine::Request {
                method: req.method,
                uri: req.uri.to_string(),
            };
            (start, req.headers, req.body)
        }
        rsip::SipMessage::Response(resp) => {
            let code = resp.status_code.code();
            if !(100..=699).contains(&code) {
                return Err(ParseError::Syntax(format!(
                    "status code {code} out of range"
                )));
            }
            // rsip keeps only its own name for known codes; take the phrase as the peer wrote it.
            let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
            let reason = String::from_utf8_lossy(first_line)
                .trim()
                .splitn(3, ' ')
                .nth(2)
                .unwrap_or_default()
                .to_string();
            (
                StartLine::Response { code, reason },
                resp.headers,
                resp.body,
            )
        }
    };
    let headers = headers
        .iter()
        .filter_map(|h| {
            let line = h.to_string();
            let (name, value) = line.split_once(':')?;
            Some((long_name(name.trim()), value.trim().to_string()))
        })
        .collect();
    let mut msg = SipMsg {
        start,
        headers,
        body,
    };
    if let Some(len) = msg
        .header("Content-Length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        if len < msg.body.len() {
            msg.body.truncate(len);
        }
    }
    Ok(msg)
}

impl SipMsg {
    /// First value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header, comma-separated lists split into entries.
    pub fn header_list(&self, name: &str) -> Vec<String> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| split_list(v))
            .collect()
    }

    /// Every raw header line with this name, unsplit.
    pub fn header_lines(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The request method, if this is a request.
    pub fn method(&self) -> Option<&rsip::Method> {
        match &self.start {
            StartLine::Request { method, .. } => Some(method),
            StartLine::Response { .. } => None,
        }
    }

    /// The status code, if this is a response.
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response { code, .. } => Some(*code),
            StartLine::Request { .. } => None,
        }
    }

    /// Reason phrase of a response (empty for requests).
    pub fn reason(&self) -> &str {
        match &self.start {
            StartLine::Response { reason, .. } => reason,
            StartLine::Request { .. } => "",
        }
    }

    /// Extracts Call-ID, CSeq, top Via branch and tags, or names the first missing one.
    pub fn essentials(&self) -> Result<Essentials, ParseError> {
        let call_id = self
            .header("Call-ID")
            .filter(|v| !v.is_empty())
            .ok_or(ParseError::MissingHeader("Call-ID"))?
            .to_string();
        let (cseq, cseq_method) = self
            .header("CSeq")
            .and_then(parse_cseq)
            .ok_or(ParseError::MissingHeader("CSeq"))?;
        let via = self
            .header_list("Via")
            .into_iter()
            .next()
            .ok_or(ParseError::MissingHeader("Via"))?;
        let branch = header_param(&via, "branch")
            .flatten()
            .ok_or(ParseError::MissingHeader("Via"))?;
        let from = self
            .header("From")
            .ok_or(ParseError::MissingHeader("From"))?;
        let to = self.header("To").ok_or(ParseError::MissingHeader("To"))?;
        let from_tag = NameAddr::parse(from)
            .and_then(|n| n.param("tag"))
            .unwrap_or_default();
        let to_tag = NameAddr::parse(to)
            .and_then(|n| n.param("tag"))
            .filter(|t| !t.is_empty());
        Ok(Essentials {
            call_id,
            cseq,
            cseq_method,
            branch,
            from_tag,
            to_tag,
        })
    }

    /// The body as text when it is UTF-8.
    pub fn body_text(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }

    /// Content-Type without parameters, lower-cased.
    pub fn content_type(&self) -> Option<String> {
        self.header("Content-Type").map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
    }
}

/// Parses `CSeq: 42 INVITE`.
pub fn parse_cseq(value: &str) -> Option<(u32, rsip::Method)> {
    let mut parts = value.split_whitespace();
    let num = parts.next()?.parse().ok()?;
    let method = parts.next()?.parse().ok()?;
    Some((num, method))
}

/// Splits a comma-separated header value, keeping commas inside `<…>` and quotes.
pub fn split_list(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let (mut in_angle, mut in_quote) = (false, false);
    for c in value.chars() {
        match c {
            '"' => in_quote = !in_quote,
            '<' if !in_quote => in_angle = true,
            '>' if !in_quote => in_angle = false,
            ',' if !in_quote && !in_angle => {
                if !current.trim().is_empty() {
                    out.push(current.trim().to_string());
                }
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// A header parameter: `None` when absent, `Some(None)` for a flag, `Some(Some(v))` for `name=v`.
pub fn header_param(value: &str, name: &str) -> Option<Option<String>> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = match p.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim().trim_matches('"').to_string())),
            None => (p.trim(), None),
        };
        k.eq_ignore_ascii_case(name).then_some(v)
    })
}

/// `"Display" <uri>;params` or `uri;params` as found in From, To, Contact, Route, Refer-To.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// Display name without quotes.
    pub display: Option<String>,
    /// The URI inside the angle brackets.
    pub uri: String,
    /// Header parameters after the URI (`tag`, `expires`, `lr` …), raw text without leading `;`.
    pub params: String,
}

impl NameAddr {
    /// Parses a name-addr or addr-spec; `None` when there is no URI.
    pub fn parse(value: &str) -> Option<NameAddr> {
        let value = value.trim();
        if let Some(open) = value.find('<') {
            let close = open + value[open..].find('>')?;
            let display = value[..open].trim().trim_matches('"').trim();
            let uri = value[open + 1..close].trim().to_string();
            let params = value[close + 1..]
                .trim()
                .trim_start_matches(';')
                .to_string();
            if uri.is_empty() {
                return None;
            }
            Some(NameAddr {
                display: (!display.is_empty()).then(|| display.to_string()),
                uri,
                params,
            })
        } else {
            let (uri, params) = match value.split_once(';') {
                Some((u, p)) => (u.trim(), p.trim()),
                None => (value, ""),
            };
            if uri.is_empty() {
                return None;
            }
            Some(NameAddr {
                display: None,
                uri: uri.to_string(),
                params: params.to_string(),
            })
        }
    }

    /// A header parameter value (`tag`, `expires`); flags give an empty string.
    pub fn param(&self, name: &str) -> Option<String> {
        header_param(&format!(";{}", self.params), name).map(|v| v.unwrap_or_default())
    }

    /// Renders back as `<uri>;params` (display name kept when present).
    pub fn render(&self) -> String {
        let mut out = String::new();
        if let Some(d) = &self.display {
            out.push_str(&format!("\"{d}\" "));
        }
        out.push('<');
        out.push_str(&self.uri);
        out.push('>');
        if !self.params.is_empty() {
            out.push(';');
            out.push_str(&self.params);
        }
        out
    }
}

/// Host and port of a SIP URI (`sip:user@host:port;params`); port `None` when not written.
pub fn uri_host_port(uri: &str) -> Option<(String, Option<u16>)> {
    let rest = uri.trim();
    let rest = rest
        .strip_prefix("sip:")
        .or_else(|| rest.strip_prefix("sips:"))
        .unwrap_or(rest);
    let rest = rest.rsplit_once('@').map(|(_, h)| h).unwrap_or(rest);
    let hostport = rest.split([';', '?', '>']).next()?.trim();
    if hostport.is_empty() {
        return None;
    }
    if let Some(v6) = hostport.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        let port = after.strip_prefix(':').and_then(|p| p.parse().ok());
        return Some((host.to_string(), port));
    }
    match hostport.rsplit_once(':') {
        Some((host, port)) => Some((host.to_string(), Some(port.parse().ok()?))),
        None => Some((hostport.to_string(), None)),
    }
}

/// The socket address of a URI whose host is an IP literal (default port 5060).
pub fn uri_socket_addr(uri: &str) -> Option<SocketAddr> {
    let (host, port) = uri_host_port(uri)?;
    let ip: IpAddr = host.parse().ok()?;
    Some(SocketAddr::new(ip, port.unwrap_or(5060)))
}

/// A request we send, kept structured so transactions can rebuild ACK and CANCEL from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutRequest {
    /// Method.
    pub method: rsip::Method,
    /// Request-URI.
    pub uri: String,
    /// Headers in order (Content-Length is added when rendering).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

fn rsip_header(name: &str, value: &str) -> rsip::Header {
    use rsip::headers::*;
    let v = value.to_string();
    match name {
        "Via" => rsip::Header::Via(Via::new(v)),
        "From" => rsip::Header::From(From::new(v)),
        "To" => rsip::Header::To(To::new(v)),
        "Call-ID" => rsip::Header::CallId(CallId::new(v)),
        "CSeq" => rsip::Header::CSeq(CSeq::new(v)),
        "Contact" => rsip::Header::Contact(Contact::new(v)),
        "Max-Forwards" => rsip::Header::MaxForwards(MaxForwards::new(v)),
        "Content-Type" => rsip::Header::ContentType(ContentType::new(v)),
        "Content-Length" => rsip::Header::ContentLength(ContentLength::new(v)),
        "Route" => rsip::Header::Route(Route::new(v)),
        "Record-Route" => rsip::Header::RecordRoute(RecordRoute::new(v)),
        "Authorization" => rsip::Header::Authorization(Authorization::new(v)),
        "Proxy-Authorization" => rsip::Header::ProxyAuthorization(ProxyAuthorization::new(v)),
        "Expires" => rsip::Header::Expires(Expires::new(v)),
        "Event" => rsip::Header::Event(Event::new(v)),
        "Allow" => rsip::Header::Allow(Allow::new(v)),
        "Supported" => rsip::Header::Supported(Supported::new(v)),
        "User-Agent" => rsip::Header::UserAgent(UserAgent::new(v)),
        "Accept" => rsip::Header::Accept(Accept::new(v)),
        _ => rsip::Header::Other(name.to_string(), v),
    }
}

fn rsip_headers(headers: &[(String, String)], body_len: usize) -> rsip::Headers {
    let mut out: rsip::Headers = Default::default();
    for (n, v) in headers {
        if !n.eq_ignore_ascii_case("Content-Length") {
            out.push(rsip_header(n, v));
        }
    }
    out.push(rsip_header("Content-Length", &body_len.to_string()));
    out
}

impl OutRequest {
    /// Starts a request with no headers.
    pub fn new(method: rsip::Method, uri: impl Into<String>) -> Self {
        OutRequest {
            method,
            uri: uri.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Appends a header.
    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.headers.push((name.to_string(), value.into()));
    }

    /// Replaces every header of that name by one value (appends when absent).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        if let Some(pos) = self
            .headers
            .iter()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            self.headers[pos].1 = value;
            let mut i = pos + 1;
            while i < self.headers.len() {
                if self.headers[i].0.eq_ignore_ascii_case(name) {
                    self.headers.remove(i);
                } else {
                    i += 1;
                }
            }
        } else {
            self.push(name, value);
        }
    }

    /// Removes every header of that name.
    pub fn remove(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// First value of a header.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Renders the request through `rsip`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let uri = rsip::Uri::try_from(self.uri.as_str()).unwrap_or_else(|_| rsip::Uri {
            // The URI was validated when the call was placed; this keeps rendering total.
            scheme: Some(rsip::Scheme::Sip),
            host_with_port: rsip::Domain::from("invalid").into(),
            ..Default::default()
        });
        let req = rsip::Request {
            method: self.method,
            uri,
            headers: rsip_headers(&self.headers, self.body.len()),
            version: rsip::Version::V2,
            body: self.body.clone(),
        };
        req.to_string().into_bytes()
    }
}

/// Builds a response to `req` copying Via, From, To, Call-ID and CSeq; adds `to_tag` when To has none.
pub fn response_to(
    req: &SipMsg,
    code: u16,
    reason: &str,
    to_tag: Option<&str>,
    extra: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for via in req.header_lines("Via") {
        headers.push(("Via".into(), via.to_string()));
    }
    for name in ["From", "To", "Call-ID", "CSeq"] {
        if let Some(v) = req.header(name) {
            let mut v = v.to_string();
            if name == "To" {
                if let Some(tag) = to_tag {
                    let has_tag = NameAddr::parse(&v).and_then(|n| n.param("tag")).is_some();
                    if !has_tag && code != 100 {
                        v = format!("{v};tag={tag}");
                    }
                }
            }
            headers.push((name.to_string(), v));
        }
    }
    headers.extend(extra.iter().cloned());
    render_response(code, reason, &headers, body)
}

/// Renders a status line, headers and body through `rsip`.
pub fn render_response(
    code: u16,
    reason: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let resp = rsip::Response {
        status_code: rsip::StatusCode::from(code),
        headers: rsip_headers(headers, body.len()),
        version: rsip::Version::V2,
        body: body.to_vec(),
    };
    let text = resp.to_string();
    // rsip renders unknown codes as "Other(code, …)"; keep our reason phrase for every code.
    match text.split_once("\r\n") {
        Some((_, rest)) => format!("SIP/2.0 {code} {reason}\r\n{rest}").into_bytes(),
        None => text.into_bytes(),
    }
}

/// The standard reason phrase for a status code we send.
pub fn reason_phrase(code: u16) -> &'static str {
    match code {
        100 => "Trying",
        180 => "Ringing",
        183 => "Session Progress",
        200 => "OK",
        202 => "Accepted",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        405 => "Method Not Allowed",
        480 => "Temporarily Unavailable",
        481 => "Call/Transaction Does Not Exist",
        486 => "Busy Here",
        487 => "Request Terminated",
        488 => "Not Acceptable Here",
        491 => "Request Pending",
        500 => "Server Internal Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        600 => "Busy Everywhere",
        603 => "Decline",
        _ => "Unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &str = "INVITE sip:bob@127.0.0.1:5070 SIP/2.0\r\n\
v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK776asdhds;rport\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@127.0.0.1>\r\n\
f: \"Alice\" <sip:alice@127.0.0.1>;tag=1928301774\r\n\
i: a84b4c76e66710@pc33\r\n\
CSeq: 314159 INVITE\r\n\
Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>\r\n\
Content-Length: 4\r\n\r\nabcdEXTRA";

    #[test]
    fn parses_compact_headers_and_essentials() {
        let msg = parse(INVITE.as_bytes()).unwrap();
        let e = msg.essentials().unwrap();
        assert_eq!(e.call_id, "a84b4c76e66710@pc33");
        assert_eq!(e.cseq, 314159);
        assert_eq!(e.cseq_method, rsip::Method::Invite);
        assert_eq!(e.branch, "z9hG4bK776asdhds");
        assert_eq!(e.from_tag, "1928301774");
        assert_eq!(e.to_tag, None);
        assert_eq!(msg.body, b"abcd");
        assert_eq!(msg.header_list("Record-Route").len(), 2);
    }

    #[test]
    fn response_copies_dialog_headers_and_adds_tag() {
        let msg = parse(INVITE.as_bytes()).unwrap();
        let bytes = response_to(&msg, 486, "Busy Here", Some("xyz"), &[], b"");
        let resp = parse(&bytes).unwrap();
        assert_eq!(resp.status(), Some(486));
        assert_eq!(resp.reason(), "Busy Here");
        let e = resp.essentials().unwrap();
        assert_eq!(e.to_tag.as_deref(), Some("xyz"));
        assert_eq!(e.branch, "z9hG4bK776asdhds");
    }

    #[test]
    fn uri_host_port_variants() {
        assert_eq!(
            uri_host_port("sip:bob@10.0.0.1:5070;transport=udp"),
            Some(("10.0.0.1".into(), Some(5070)))
        );
        assert_eq!(
            uri_host_port("sip:example.com"),
            Some(("example.com".into(), None))
        );
        assert_eq!(
            uri_host_port("sip:[::1]:5062"),
            Some(("::1".into(), Some(5062)))
        );
        assert_eq!(
            uri_socket_addr("sip:1.2.3.4"),
            Some("1.2.3.4:5060".parse().unwrap())
        );
    }

    #[test]
    fn name_addr_forms() {
        let n = NameAddr::parse("\"A, B\" <sip:a@b;lr>;tag=9;expires=60").unwrap();
        assert_eq!(n.display.as_deref(), Some("A, B"));
        assert_eq!(n.uri, "sip:a@b;lr");
        assert_eq!(n.param("tag").as_deref(), Some("9"));
        assert_eq!(n.param("expires").as_deref(), Some("60"));
        let n = NameAddr::parse("sip:a@b;tag=1").unwrap();
        assert_eq!(n.uri, "sip:a@b");
        assert_eq!(n.param("tag").as_deref(), Some("1"));
        assert_eq!(split_list("<sip:a,b>;x, <sip:c>").len(), 2);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"hello").is_err());
        assert!(parse(b"\r\n\r\n").is_err());
        assert!(parse(&vec![b'a'; MAX_MESSAGE_BYTES + 1]).is_err());
    }
}
