//! SDP offer/answer (RFC 3264/4566) for one audio stream: we offer PCMU (0), PCMA (8) and
//! telephone-event/8000 (101) with ptime 20 and read the peer's answer; to a peer's offer we answer
//! with the G.711 codec it listed first and its telephone-event payload type.

use std::net::{IpAddr, SocketAddr};

/// Payload type we offer for RFC 4733 telephone events.
pub const TELEPHONE_EVENT_PT: u8 = 101;
/// Packet time we offer, in milliseconds.
pub const PTIME_MS: u32 = 20;

pub use crate::rtp::g711::Codec;

/// Whether media flows in each direction (`a=sendrecv` etc.).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Both ways.
    SendRecv,
    /// Peer only sends.
    SendOnly,
    /// Peer only receives.
    RecvOnly,
    /// On hold.
    Inactive,
}

/// What the peer's SDP tells us about its audio stream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RemoteMedia {
    /// Where to send RTP (connection address and media port).
    pub addr: SocketAddr,
    /// The first G.711 codec the peer listed.
    pub codec: Codec,
    /// The peer's payload type for telephone-event/8000, if it supports RFC 4733.
    pub telephone_event: Option<u8>,
    /// The peer's ptime, if given.
    pub ptime: Option<u32>,
    /// Media direction from the peer's point of view.
    pub direction: Direction,
}

/// Why the peer's SDP cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// No `m=audio` line.
    #[error("SDP has no m=audio line")]
    NoAudio,
    /// Neither PCMU nor PCMA in the audio formats.
    #[error("SDP offers no G.711 codec (PCMU/PCMA) in `{0}`")]
    NoCommonCodec(String),
    /// Missing or unreadable `c=` line.
    #[error("SDP has no usable c= connection address")]
    NoConnection,
    /// An unreadable line.
    #[error("SDP line {line}: {problem}")]
    Malformed {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
}

/// Our side of the session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMedia {
    /// Address advertised in `c=`/`o=` (the public address behind NAT).
    pub addr: IpAddr,
    /// Our RTP port.
    pub port: u16,
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version, bumped when the description changes.
    pub version: u64,
}

impl LocalMedia {
    /// Renders the offer: PCMU, PCMA and telephone-event, ptime 20, sendrecv.
    pub fn offer(&self) -> String {
        let ip_kind = if self.addr.is_ipv6() { "IP6" } else { "IP4" };
        format!(
            "v=0\r\n\
o=softcall {sid} {ver} IN {k} {a}\r\n\
s=softcall\r\n\
c=IN {k} {a}\r\n\
t=0 0\r\n\
m=audio {port} RTP/AVP 0 8 {te}\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:{te} telephone-event/8000\r\n\
a=fmtp:{te} 0-16\r\n\
a=ptime:{PTIME_MS}\r\n\
a=sendrecv\r\n",
            sid = self.session_id,
            ver = self.version,
            k = ip_kind,
            a = self.addr,
            port = self.port,
            te = TELEPHONE_EVENT_PT,
        )
    }
}

impl LocalMedia {
    /// Renders our answer to `offer` (RFC 3264 section 6): the codec chosen from the offer, the
    /// offer's telephone-event payload type when it has one, ptime 20 and the mirrored direction.
    pub fn answer(&self, offer: &RemoteMedia) -> String {
        let ip_kind = if self.addr.is_ipv6() { "IP6" } else { "IP4" };
        let pt = offer.codec.payload_type();
        let mut formats = pt.to_string();
        let mut attrs = format!("a=rtpmap:{pt} {}/8000\r\n", offer.codec.name());
        if let Some(te) = offer.telephone_event {
            formats.push_str(&format!(" {te}"));
            attrs.push_str(&format!(
                "a=rtpmap:{te} telephone-event/8000\r\na=fmtp:{te} 0-16\r\n"
            ));
        }
        let direction = match offer.direction {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "recvonly",
            Direction::RecvOnly => "sendonly",
            Direction::Inactive => "inactive",
        };
        format!(
            "v=0\r\n\
o=softcall {sid} {ver} IN {k} {a}\r\n\
s=softcall\r\n\
c=IN {k} {a}\r\n\
t=0 0\r\n\
m=audio {port} RTP/AVP {formats}\r\n\
{attrs}\
a=ptime:{PTIME_MS}\r\n\
a={direction}\r\n",
            sid = self.session_id,
            ver = self.version,
            k = ip_kind,
            a = self.addr,
            port = self.port,
        )
    }
}

/// Reads the peer's SDP (an answer, or an offer in a re-INVITE) for its first audio stream.
pub fn parse_remote(sdp: &str) -> Result<RemoteMedia, SdpError> {
    let mut session_addr: Option<IpAddr> = None;
    let mut media_addr: Option<IpAddr> = None;
    let mut audio: Option<(u16, Vec<String>)> = None;
    let mut in_audio = false;
    let mut seen_audio = false;
    let mut rtpmap: Vec<(String, String)> = Vec::new();
    let mut ptime = None;
    let mut direction = Direction::SendRecv;
    for (i, raw) in sdp.lines().enumerate() {
        let line = raw.trim_end();
        let Some((kind, value)) = line.split_once('=') else {
            if line.is_empty() {
                continue;
            }
            return Err(SdpError::Malformed {
                line: i + 1,
                problem: format!("`{line}` is not type=value"),
            });
        };
        match kind {
            "m" => {
                in_audio = false;
                if seen_audio {
                    continue;
                }
                let mut parts = value.split_whitespace();
                if parts.next() == Some("audio") {
                    let port = parts.next().and_then(|p| p.split('/').next()?.parse().ok());
                    let port = port.ok_or(SdpError::Malformed {
                        line: i + 1,
                        problem: "m=audio without a port".into(),
                    })?;
                    let _proto = parts.next();
                    audio = Some((port, parts.map(str::to_string).collect()));
                    in_audio = true;
                    seen_audio = true;
                }
            }
            "c" => {
                let addr = value
                    .split_whitespace()
                    .nth(2)
                    .and_then(|a| a.split('/').next().and_then(|a| a.parse::<IpAddr>().ok()));
                if in_audio {
                    media_addr = addr;
                } else if !seen_audio {
                    session_addr = addr;
                }
            }
            "a" if in_audio || !seen_audio => {
                if let Some(rest) = value.strip_prefix("rtpmap:") {
                    if let Some((pt, enc)) = rest.split_once(' ') {
                        rtpmap.push((pt.trim().to_string(), enc.trim().to_ascii_lowercase()));
                    }
                } else if let Some(p) = value.strip_prefix("ptime:") {
                    ptime = p.trim().parse().ok();
                } else {
                    match value.trim() {
                        "sendrecv" => direction = Direction::SendRecv,
                        "sendonly" => direction = Direction::SendOnly,
                        "recvonly" => direction = Direction::RecvOnly,
                        "inactive" => direction = Direction::Inactive,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    let (port, formats) = audio.ok_or(SdpError::NoAudio)?;
    let ip = media_addr.or(session_addr).ok_or(SdpError::NoConnection)?;
    let codec = formats
        .iter()
        .find_map(|f| match f.as_str() {
            "0" => Some(Codec::Pcmu),
            "8" => Some(Codec::Pcma),
            other => rtpmap
                .iter()
                .find(|(pt, _)| pt == other)
                .and_then(|(_, enc)| enc.split_once('/'))
                .filter(|(_, rate)| rate.starts_with("8000"))
                .and_then(|(name, _)| Codec::from_name(name)),
        })
        .ok_or_else(|| SdpError::NoCommonCodec(formats.join(" ")))?;
    let telephone_event = formats.iter().find_map(|f| {
        rtpmap
            .iter()
            .find(|(pt, enc)| pt == f && enc.starts_with("telephone-event/8000"))
            .and_then(|(pt, _)| pt.parse().ok())
    });
    Ok(RemoteMedia {
        addr: SocketAddr::new(ip, port),
        codec,
        telephone_event,
        ptime,
        direction,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offer_lists_g711_and_telephone_event() {
        let local = LocalMedia {
            addr: "192.0.2.1".parse().unwrap(),
            port: 40000,
            session_id: 7,
            version: 1,
        };
        let sdp = local.offer();
        assert!(sdp.contains("m=audio 40000 RTP/AVP 0 8 101\r\n"));
        assert!(sdp.contains("a=rtpmap:101 telephone-event/8000"));
        assert!(sdp.contains("a=ptime:20"));
        // Our own offer reads back as PCMU to our address.
        let m = parse_remote(&sdp).unwrap();
        assert_eq!(m.addr, "192.0.2.1:40000".parse().unwrap());
        assert_eq!(m.codec, Codec::Pcmu);
        assert_eq!(m.telephone_event, Some(101));
    }

    #[test]
    fn answer_choosing_pcma_with_media_level_connection() {
        let sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n\
m=audio 6000 RTP/AVP 8 96\r\nc=IN IP4 10.0.0.2\r\na=rtpmap:96 telephone-event/8000\r\na=ptime:30\r\na=sendonly\r\n\
m=video 7000 RTP/AVP 31\r\nc=IN IP4 10.9.9.9\r\n";
        let m = parse_remote(sdp).unwrap();
        assert_eq!(m.addr, "10.0.0.2:6000".parse().unwrap());
        assert_eq!(m.codec, Codec::Pcma);
        assert_eq!(m.telephone_event, Some(96));
        assert_eq!(m.ptime, Some(30));
        assert_eq!(m.direction, Direction::SendOnly);
    }

    #[test]
    fn answer_takes_the_offers_first_g711_codec_and_its_event_payload_type() {
        let local = LocalMedia {
            addr: "127.0.0.1".parse().unwrap(),
            port: 41000,
            session_id: 3,
            version: 1,
        };
        let offer = parse_remote(
            "v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 6000 RTP/AVP 18 8 0 97\r\n\
a=rtpmap:97 telephone-event/8000\r\na=sendonly\r\n",
        )
        .unwrap();
        let sdp = local.answer(&offer);
        assert!(sdp.contains("m=audio 41000 RTP/AVP 8 97\r\n"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:8 PCMA/8000\r\n"), "{sdp}");
        assert!(
            sdp.contains("a=rtpmap:97 telephone-event/8000\r\n"),
            "{sdp}"
        );
        assert!(sdp.contains("a=recvonly\r\n"), "{sdp}");
        // The peer reads our answer as the same codec and event type.
        let back = parse_remote(&sdp).unwrap();
        assert_eq!(back.codec, Codec::Pcma);
        assert_eq!(back.telephone_event, Some(97));
        assert_eq!(back.addr, "127.0.0.1:41000".parse().unwrap());

        let plain = parse_remote("v=0\r\nc=IN IP4 10.0.0.2\r\nm=audio 6000 RTP/AVP 0\r\n").unwrap();
        let sdp = local.answer(&plain);
        assert!(sdp.contains("m=audio 41000 RTP/AVP 0\r\n"), "{sdp}");
        assert!(!sdp.contains("telephone-event"), "{sdp}");
    }

    #[test]
    fn rejects_unusable_answers() {
        assert_eq!(parse_remote("v=0\r\n"), Err(SdpError::NoAudio));
        assert!(matches!(
            parse_remote("v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 1 RTP/AVP 18\r\n"),
            Err(SdpError::NoCommonCodec(_))
        ));
        assert_eq!(
            parse_remote("v=0\r\nm=audio 1 RTP/AVP 0\r\n"),
            Err(SdpError::NoConnection)
        );
        assert!(matches!(
            parse_remote("v=0\r\ngarbage\r\n"),
            Err(SdpError::Malformed { line: 2, .. })
        ));
    }
}
