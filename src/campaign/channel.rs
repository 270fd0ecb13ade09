//! How a contact reaches the debtor: one type for the contact history, the store, the scheduler and the
//! compliance policy.

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
}
