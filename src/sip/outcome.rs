//! How a call attempt ended, in the product's dispositions, with the SIP status kept.

/// The telephony outcome of one outbound call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The callee answered (2xx).
    Answered,
    /// 486 Busy Here or 600 Busy Everywhere.
    Busy,
    /// Nobody answered: our ring timeout, 408, 480, or the CANCEL's 487.
    NoAnswer,
    /// Refused: 603, 403, 404, 604.
    Rejected,
    /// Transport errors, timeouts without any response, 5xx and everything else.
    Failed,
}

impl Outcome {
    /// Maps a final non-2xx status to an outcome (2xx maps to `Answered`).
    pub fn from_status(code: u16) -> Outcome {
        match code {
            200..=299 => Outcome::Answered,
            486 | 600 => Outcome::Busy,
            408 | 480 | 487 => Outcome::NoAnswer,
            403 | 404 | 603 | 604 => Outcome::Rejected,
            _ => Outcome::Failed,
        }
    }

    /// The snake_case name used in JSON and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Answered => "answered",
            Outcome::Busy => "busy",
            Outcome::NoAnswer => "no_answer",
            Outcome::Rejected => "rejected",
            Outcome::Failed => "failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_table() {
        for (code, outcome) in [
            (200, Outcome::Answered),
            (486, Outcome::Busy),
            (600, Outcome::Busy),
            (408, Outcome::NoAnswer),
            (480, Outcome::NoAnswer),
            (487, Outcome::NoAnswer),
            (603, Outcome::Rejected),
            (403, Outcome::Rejected),
            (404, Outcome::Rejected),
            (500, Outcome::Failed),
            (503, Outcome::Failed),
            (488, Outcome::Failed),
        ] {
            assert_eq!(Outcome::from_status(code), outcome, "{code}");
        }
    }
}
