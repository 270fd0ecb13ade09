//! How a contact reaches the debtor, and which way it went: one type each for the contact history, the store,
//! the scheduler and the compliance policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A contact channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A phone call (robot or person).
    Call,
    /// A text message.
    Sms,
    /// An e-mail.
    Email,
    /// A recorded voice message left for the debtor.
    VoiceMessage,
}

/// A channel name that is not one of [`Channel::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown channel `{0}`; expected one of: call, sms, email, voice_message")]
pub struct UnknownChannel(pub String);

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 4] = [
        Channel::Call,
        Channel::Sms,
        Channel::Email,
        Channel::VoiceMessage,
    ];

    /// The name used in files, in the database and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Call => "call",
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::VoiceMessage => "voice_message",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Channel {
    type Err = UnknownChannel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Channel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownChannel(s.to_string()))
    }
}

/// Which way a contact went: we dialled or sent (outbound), or the debtor called us (inbound).
///
/// Legal contact limits count outbound contacts only (230-FZ counts interactions the creditor starts; Regulation
/// F counts call attempts the collector places); an inbound contact is stored and shown like any other.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// We contacted the debtor (a dialled call, a sent message).
    #[default]
    Outbound,
    /// The debtor called us.
    Inbound,
}

/// A direction name that is neither `outbound` nor `inbound`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown direction `{0}`; expected outbound or inbound")]
pub struct UnknownDirection(pub String);

impl Direction {
    /// The name used in files and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Outbound => "outbound",
            Direction::Inbound => "inbound",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Direction {
    type Err = UnknownDirection;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        [Direction::Outbound, Direction::Inbound]
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDirection(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
            assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{c}\""));
        }
        assert_eq!(
            "fax".parse::<Channel>().unwrap_err().to_string(),
            "unknown channel `fax`; expected one of: call, sms, email, voice_message"
        );
    }

    #[test]
    fn directions_round_trip_and_default_to_outbound() {
        for d in [Direction::Outbound, Direction::Inbound] {
            assert_eq!(d.as_str().parse::<Direction>(), Ok(d));
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{d}\""));
        }
        assert_eq!(Direction::default(), Direction::Outbound);
        assert!("sideways".parse::<Direction>().is_err());
    }
}
