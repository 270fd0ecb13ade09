//! How a call ended: the dispositions of PRODUCT.md, one enum for the flow files, the engine, the call conductor,
//! campaigns and the store, with the facts each one implies.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The dispositions a call can end with; the snake_case names are a contract (flows, database, reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    /// Promised to pay on a date.
    PromiseToPay,
    /// Says the debt is already paid.
    AlreadyPaid,
    /// Refused to pay.
    Refused,
    /// Formally refused further calls.
    StopCalls,
    /// Not the debtor.
    WrongPerson,
    /// Disputes the debt.
    Dispute,
    /// Asked to be called back.
    Callback,
    /// Handed to a human agent.
    Handoff,
    /// Complained or was abusive.
    Complaint,
    /// Nobody answered.
    NoAnswer,
    /// Line busy.
    Busy,
    /// Call rejected.
    Rejected,
    /// Answering machine.
    Voicemail,
    /// The debtor hung up.
    HungUp,
    /// Technical failure.
    Failed,
}

/// A disposition name that is not one of [`Disposition::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown disposition `{0}`; expected one of: {names}", names = Disposition::names().join(", "))]
pub struct UnknownDisposition(pub String);

impl Disposition {
    /// Every disposition, in the order of PRODUCT.md.
    pub const ALL: [Disposition; 15] = [
        Disposition::PromiseToPay,
        Disposition::AlreadyPaid,
        Disposition::Refused,
        Disposition::StopCalls,
        Disposition::WrongPerson,
        Disposition::Dispute,
        Disposition::Callback,
        Disposition::Handoff,
        Disposition::Complaint,
        Disposition::NoAnswer,
        Disposition::Busy,
        Disposition::Rejected,
        Disposition::Voicemail,
        Disposition::HungUp,
        Disposition::Failed,
    ];

    /// The contract name, e.g. `promise_to_pay`.
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::PromiseToPay => "promise_to_pay",
            Disposition::AlreadyPaid => "already_paid",
            Disposition::Refused => "refused",
            Disposition::StopCalls => "stop_calls",
            Disposition::WrongPerson => "wrong_person",
            Disposition::Dispute => "dispute",
            Disposition::Callback => "callback",
            Disposition::Handoff => "handoff",
            Disposition::Complaint => "complaint",
            Disposition::NoAnswer => "no_answer",
            Disposition::Busy => "busy",
            Disposition::Rejected => "rejected",
            Disposition::Voicemail => "voicemail",
            Disposition::HungUp => "hung_up",
            Disposition::Failed => "failed",
        }
    }

    /// Every contract name, in the order of [`Disposition::ALL`].
    pub fn names() -> Vec<&'static str> {
        Disposition::ALL.iter().map(|d| d.as_str()).collect()
    }

    /// The debtor personally was on the line.
    pub fn is_right_party(self) -> bool {
        matches!(
            self,
            Disposition::PromiseToPay
                | Disposition::AlreadyPaid
                | Disposition::Refused
                | Disposition::StopCalls
                | Disposition::Dispute
                | Disposition::Callback
                | Disposition::Handoff
                | Disposition::Complaint
        )
    }

    /// A person answered and talked (an "interaction" under 230-FZ), whoever it was.
    pub fn is_conversation(self) -> bool {
        self.is_right_party() || matches!(self, Disposition::WrongPerson | Disposition::HungUp)
    }

    /// Nobody was reached: the step's retry policy applies.
    pub fn is_unanswered(self) -> bool {
        matches!(
            self,
            Disposition::NoAnswer
                | Disposition::Busy
                | Disposition::Rejected
                | Disposition::Voicemail
                | Disposition::Failed
        )
    }

    /// The line was taken or the call turned away: retried after the step's `busy` interval, not `no_answer`.
    pub fn is_line_busy(self) -> bool {
        matches!(self, Disposition::Busy | Disposition::Rejected)
    }

    /// The debtor refused (to pay, or to be called): stored as a refusal in the contact history.
    pub fn is_refusal(self) -> bool {
        matches!(self, Disposition::Refused | Disposition::StopCalls)
    }

    /// The debtor asked not to be called again: no more calls or voice messages.
    pub fn stops_calls(self) -> bool {
        self == Disposition::StopCalls
    }

    /// A complaint is stored for the debtor.
    pub fn is_complaint(self) -> bool {
        self == Disposition::Complaint
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Disposition {
    type Err = UnknownDisposition;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Disposition::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| UnknownDisposition(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_text_and_serde() {
        for d in Disposition::ALL {
            assert_eq!(d.as_str().parse::<Disposition>(), Ok(d));
            assert_eq!(
                serde_json::to_string(&d).unwrap(),
                format!("\"{}\"", d.as_str())
            );
        }
    }

    #[test]
    fn a_bad_name_is_named_with_the_valid_ones() {
        let err = "promised".parse::<Disposition>().unwrap_err().to_string();
        assert!(err.starts_with(
            "unknown disposition `promised`; expected one of: promise_to_pay, already_paid"
        ));
        assert!(err.ends_with("hung_up, failed"), "{err}");
    }

    #[test]
    fn derived_facts() {
        use Disposition::*;
        let right: Vec<_> = Disposition::ALL
            .into_iter()
            .filter(|d| d.is_right_party())
            .collect();
        assert_eq!(
            right,
            [
                PromiseToPay,
                AlreadyPaid,
                Refused,
                StopCalls,
                Dispute,
                Callback,
                Handoff,
                Complaint
            ]
        );
        assert!(WrongPerson.is_conversation() && HungUp.is_conversation());
        assert!(!WrongPerson.is_right_party());
        for d in Disposition::ALL {
            assert_ne!(
                d.is_conversation(),
                d.is_unanswered(),
                "{d} is exactly one of the two"
            );
        }
        assert!(Busy.is_line_busy() && Rejected.is_line_busy() && !NoAnswer.is_line_busy());
        assert!(Refused.is_refusal() && StopCalls.is_refusal() && !Dispute.is_refusal());
    }
}
