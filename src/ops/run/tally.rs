//! What a campaign run has done so far, for the live progress line and the results table at the end.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::campaign::planner::WaitLine;
use crate::domain::Disposition;
use crate::ops::execute::ExecuteReport;

/// One call of the run as the results table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CallLine {
    /// Debtor row id.
    pub debtor_id: i64,
    /// The loan system's id.
    pub external_id: String,
    /// The stored attempt.
    pub attempt_id: i64,
    /// How it ended (`failed` too when the call could not be placed).
    pub disposition: Disposition,
    /// Promised date and amount in minor units.
    pub promise: Option<(NaiveDate, i64)>,
    /// The two-sided recording, when the call was answered.
    pub recording: Option<String>,
    /// The call's report (transcript, path, timeline), when it was written.
    pub report: Option<String>,
    /// Why the call could not be placed or stored, when it could not.
    pub error: Option<String>,
}

/// The next thing the run waits for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextWait {
    /// How many debtors wait.
    pub waiting: usize,
    /// The reason of the earliest one that will move (`retry_backoff`, `compliance:hours`…).
    pub reason: Option<String>,
    /// When it moves.
    pub at: Option<DateTime<Utc>>,
}

/// Counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RunTally {
    /// Calls being conducted now.
    pub active: usize,
    /// Calls placed.
    pub dialled: u32,
    /// Calls answered by a person or a machine.
    pub answered: u32,
    /// Conversations with the debtor personally.
    pub right_party: u32,
    /// Promises to pay.
    pub promises: u32,
    /// Their sum, in minor units.
    pub promised_minor: i64,
    /// Calls handed to an agent.
    pub handoffs: u32,
    /// Answering machines.
    pub voicemail: u32,
    /// Calls that could not be placed or stored.
    pub errors: u32,
    /// SMS and e-mails sent.
    pub messages_sent: u32,
    /// SMS and e-mails that failed.
    pub messages_failed: u32,
    /// Debtors handed over to hard collection.
    pub handed_over: u32,
    /// What the run waits for.
    pub next: Option<NextWait>,
    /// Every finished call, in the order they ended.
    pub calls: Vec<CallLine>,
}

impl RunTally {
    /// A call was placed.
    pub fn dialled(&mut self) {
        self.dialled += 1;
        self.active += 1;
    }

    /// A call ended (or could not be placed).
    pub fn ended(&mut self, line: CallLine, answered: bool) {
        self.active = self.active.saturating_sub(1);
        let d = line.disposition;
        self.answered += u32::from(answered);
        self.right_party += u32::from(d.is_right_party());
        self.handoffs += u32::from(d == Disposition::Handoff);
        self.voicemail += u32::from(d == Disposition::Voicemail);
        self.errors += u32::from(line.error.is_some());
        if let Some((_, amount)) = line.promise {
            self.promises += 1;
            self.promised_minor += amount;
        }
        self.calls.push(line);
    }

    /// Messages and hand-overs were carried out.
    pub fn executed(&mut self, r: &ExecuteReport) {
        self.messages_sent += r.sms_sent + r.email_sent;
        self.messages_failed += r.sms_failed + r.email_failed;
        self.handed_over += r.handed_over;
    }

    /// What the plan said about the debtors who wait; `next` is the earliest moment one of them moves.
    pub fn waiting(&mut self, waiting: &[WaitLine], next: Option<&WaitLine>) {
        self.next = Some(NextWait {
            waiting: waiting.len(),
            reason: next.map(|w| w.reason.clone()),
            at: next.and_then(|w| w.until),
        });
    }

    /// One line for the terminal: the counts people watch during a run.
    pub fn status_line(&self, money: impl Fn(i64) -> String) -> String {
        let mut line = format!(
            "active {} · dialled {} · answered {} · right party {} · promises {} ({}) · hand-offs {} · voicemail {}",
            self.active,
            self.dialled,
            self.answered,
            self.right_party,
            self.promises,
            money(self.promised_minor),
            self.handoffs,
            self.voicemail
        );
        if self.messages_sent + self.messages_failed > 0 {
            line.push_str(&format!(" · messages {}", self.messages_sent));
        }
        if self.errors > 0 {
            line.push_str(&format!(" · errors {}", self.errors));
        }
        if let Some(next) = &self.next {
            line.push_str(&format!(" · waiting {}", next.waiting));
            if let (Some(reason), Some(at)) = (&next.reason, next.at) {
                line.push_str(&format!(
                    " (next: {reason} at {})",
                    at.format("%H:%M:%S UTC")
                ));
            }
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(d: Disposition, promise: Option<i64>) -> CallLine {
        CallLine {
            debtor_id: 1,
            external_id: "L-1".into(),
            attempt_id: 1,
            disposition: d,
            promise: promise.map(|a| (NaiveDate::from_ymd_opt(2026, 12, 9).expect("date"), a)),
            recording: None,
            report: None,
            error: None,
        }
    }

    #[test]
    fn ended_calls_are_counted_by_what_they_came_to() {
        let mut t = RunTally::default();
        for _ in 0..4 {
            t.dialled();
        }
        t.ended(line(Disposition::PromiseToPay, Some(150_000)), true);
        t.ended(line(Disposition::Handoff, None), true);
        t.ended(line(Disposition::Voicemail, None), true);
        t.ended(line(Disposition::NoAnswer, None), false);
        assert_eq!(t.active, 0);
        assert_eq!((t.dialled, t.answered, t.right_party), (4, 3, 2));
        assert_eq!((t.promises, t.promised_minor), (1, 150_000));
        assert_eq!((t.handoffs, t.voicemail), (1, 1));
        let status = t.status_line(|m| format!("{}.{:02}", m / 100, m % 100));
        assert!(status.contains("promises 1 (1500.00)"), "{status}");
        assert!(status.contains("voicemail 1"), "{status}");
    }

    #[test]
    fn the_status_line_names_the_next_wait() {
        let mut t = RunTally::default();
        let at = DateTime::parse_from_rfc3339("2026-12-06T12:00:20Z")
            .expect("time")
            .to_utc();
        let w = WaitLine {
            debtor_id: 1,
            external_id: "L-1".into(),
            segment: None,
            action: Some("call".into()),
            reason: "retry_backoff".into(),
            detail: String::new(),
            until: Some(at),
        };
        t.waiting(std::slice::from_ref(&w), Some(&w));
        assert!(t
            .status_line(|m| m.to_string())
            .ends_with("waiting 1 (next: retry_backoff at 12:00:20 UTC)"));
    }
}
