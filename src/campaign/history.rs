//! A debtor's contact history and the summary every call receives: last contact, last promise and its fate,
//! broken promises, earlier refusal — so nobody calls "knowing NOTHING about my agreements".

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::channel::{Channel, Direction};
use super::scheduler::{AttemptFacts, AttemptOutcome, AttemptState};
use crate::domain::{Disposition, PromiseStatus};

/// One attempt to reach the debtor on any channel.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttemptEntry {
    /// Attempt id.
    pub id: i64,
    /// Channel.
    pub channel: Channel,
    /// Outbound (we dialled or sent) or inbound (the debtor called us).
    #[serde(default)]
    pub direction: Direction,
    /// When the attempt was written (before dialling or sending).
    pub at: DateTime<Utc>,
    /// In flight, done, or lost in a crash.
    pub state: AttemptState,
    /// The call disposition or message result, once known.
    pub outcome: Option<AttemptOutcome>,
    /// The debtor personally was reached.
    pub right_party: bool,
    /// A conversation took place (counts as an interaction).
    pub conversation: bool,
    /// When it finished; for an attempt lost in a crash, the moment of recovery.
    pub finished_at: Option<DateTime<Utc>>,
    /// The segment it was made in.
    pub segment: String,
    /// The ladder step it was made for (`day 7`, or [`CONFIRMATION_STEP`]).
    pub step: String,
    /// The promise it confirmed, for a promise confirmation.
    pub promise_id: Option<i64>,
}

/// The step label of promise confirmations (they stand outside the ladder).
pub const CONFIRMATION_STEP: &str = "promise confirmation";

impl AttemptEntry {
    /// The disposition of a finished call (`None` for messages, calls in flight and calls lost in a crash).
    pub fn disposition(&self) -> Option<Disposition> {
        self.outcome.and_then(AttemptOutcome::disposition)
    }

    /// The attempt as the one rule of [`crate::campaign::scheduler::attempt`] reads it.
    pub fn facts(&self) -> AttemptFacts {
        AttemptFacts {
            channel: self.channel,
            direction: self.direction,
            at: self.at,
            state: self.state,
            outcome: self.outcome,
            finished_at: self.finished_at,
        }
    }
}

/// A promise to pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromiseEntry {
    /// Promise id.
    pub id: i64,
    /// When the promise was made.
    pub made_at: DateTime<Utc>,
    /// The day the debtor promised to pay by.
    pub promised_date: NaiveDate,
    /// Promised amount in minor units.
    pub amount: i64,
    /// Its fate as stored.
    pub status: PromiseStatus,
}

/// A payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentEntry {
    /// The day paid.
    pub paid_on: NaiveDate,
    /// Amount in minor units.
    pub amount: i64,
}

/// A refusal of interaction or a stop-calls request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusalEntry {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// `refused` (won't pay), `stop_calls` (asked not to be called) or `formal_refusal` (written refusal of
    /// interaction under 230-FZ).
    pub kind: String,
}

/// A complaint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintEntry {
    /// When it was recorded.
    pub at: DateTime<Utc>,
    /// Where it came from (`call`, `agent`, `letter`…).
    pub source: String,
    /// What was said.
    pub text: String,
}

/// Everything stored about one debtor's contacts, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DebtorHistory {
    /// Attempts on every channel.
    pub attempts: Vec<AttemptEntry>,
    /// Promises.
    pub promises: Vec<PromiseEntry>,
    /// Payments.
    pub payments: Vec<PaymentEntry>,
    /// Complaints.
    pub complaints: Vec<ComplaintEntry>,
    /// Refusals and stop-calls requests.
    pub refusals: Vec<RefusalEntry>,
}

/// The last time the debtor was reached or contacted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastContact {
    /// When.
    pub at: DateTime<Utc>,
    /// On which channel.
    pub channel: Channel,
    /// With which outcome.
    pub outcome: Option<String>,
}

/// What the dialogue (and the agent screen) receives about the debtor's past.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistorySummary {
    /// Last finished attempt on any channel.
    pub last_contact: Option<LastContact>,
    /// Last conversation with the debtor personally.
    pub last_conversation: Option<LastContact>,
    /// The most recent promise and its fate.
    pub last_promise: Option<PromiseEntry>,
    /// How many promises were broken.
    pub broken_promises: u32,
    /// How many promises were kept.
    pub kept_promises: u32,
    /// The most recent refusal or stop-calls request.
    pub refusal: Option<RefusalEntry>,
    /// Number of complaints.
    pub complaints: u32,
    /// Total attempts on every channel.
    pub attempts: u32,
    /// The most recent payment.
    pub last_payment: Option<PaymentEntry>,
    /// Sum of all payments in minor units.
    pub total_paid: i64,
}

/// Builds the summary from the full history.
pub fn summarize(history: &DebtorHistory) -> HistorySummary {
    let finished = history.attempts.iter().filter(|a| a.outcome.is_some());
    let to_contact = |a: &AttemptEntry| LastContact {
        at: a.at,
        channel: a.channel,
        outcome: a.outcome.map(|o| o.as_str().to_string()),
    };
    HistorySummary {
        last_contact: finished
            .clone()
            .max_by_key(|a| (a.at, a.id))
            .map(to_contact),
        last_conversation: finished
            .filter(|a| a.conversation && a.right_party)
            .max_by_key(|a| (a.at, a.id))
            .map(to_contact),
        last_promise: history
            .promises
            .iter()
            .max_by_key(|p| (p.made_at, p.id))
            .cloned(),
        broken_promises: count(&history.promises, PromiseStatus::Broken),
        kept_promises: count(&history.promises, PromiseStatus::Kept),
        refusal: history.refusals.iter().max_by_key(|r| r.at).cloned(),
        complaints: history.complaints.len() as u32,
        attempts: history.attempts.len() as u32,
        last_payment: history.payments.iter().max_by_key(|p| p.paid_on).cloned(),
        total_paid: history.payments.iter().map(|p| p.amount).sum(),
    }
}

fn count(promises: &[PromiseEntry], status: PromiseStatus) -> u32 {
    promises.iter().filter(|p| p.status == status).count() as u32
}

/// Decides a promise's fate on `today` (the debtor's local date) from the payments made between the day of the
/// promise and the promised date: kept when they cover the amount, broken once the date has passed without that.
pub fn promise_fate(
    made_on: NaiveDate,
    promised_date: NaiveDate,
    amount: i64,
    payments: &[PaymentEntry],
    today: NaiveDate,
) -> PromiseStatus {
    let paid: i64 = payments
        .iter()
        .filter(|p| p.paid_on >= made_on && p.paid_on <= promised_date)
        .map(|p| p.amount)
        .sum();
    if paid >= amount {
        PromiseStatus::Kept
    } else if today > promised_date {
        PromiseStatus::Broken
    } else {
        PromiseStatus::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn pay(day: &str, amount: i64) -> PaymentEntry {
        PaymentEntry {
            paid_on: d(day),
            amount,
        }
    }

    #[test]
    fn promise_kept_when_payments_in_window_cover_it() {
        let payments = [pay("2026-11-10", 3000), pay("2026-11-14", 2000)];
        let fate = promise_fate(
            d("2026-11-10"),
            d("2026-11-15"),
            5000,
            &payments,
            d("2026-11-20"),
        );
        assert_eq!(fate, PromiseStatus::Kept);
    }

    #[test]
    fn payments_outside_the_window_do_not_count() {
        let payments = [pay("2026-11-09", 5000), pay("2026-11-16", 5000)];
        assert_eq!(
            promise_fate(
                d("2026-11-10"),
                d("2026-11-15"),
                5000,
                &payments,
                d("2026-11-15")
            ),
            PromiseStatus::Pending
        );
        assert_eq!(
            promise_fate(
                d("2026-11-10"),
                d("2026-11-15"),
                5000,
                &payments,
                d("2026-11-16")
            ),
            PromiseStatus::Broken
        );
    }

    #[test]
    fn summary_counts_and_picks_latest() {
        let t = |h: u32| {
            DateTime::parse_from_rfc3339(&format!("2026-11-10T{h:02}:00:00Z"))
                .unwrap()
                .to_utc()
        };
        let promise = |id, status| PromiseEntry {
            id,
            made_at: t(id as u32),
            promised_date: d("2026-11-15"),
            amount: 100,
            status,
        };
        let history = DebtorHistory {
            attempts: vec![
                AttemptEntry {
                    id: 1,
                    channel: Channel::Call,
                    direction: Direction::Outbound,
                    at: t(9),
                    state: AttemptState::Done,
                    outcome: Some(AttemptOutcome::Call(Disposition::PromiseToPay)),
                    right_party: true,
                    conversation: true,
                    finished_at: None,
                    segment: "s".into(),
                    step: "day 1".into(),
                    promise_id: None,
                },
                AttemptEntry {
                    id: 2,
                    channel: Channel::Sms,
                    direction: Direction::Outbound,
                    at: t(11),
                    state: AttemptState::Done,
                    outcome: Some(AttemptOutcome::Sent),
                    right_party: false,
                    conversation: false,
                    finished_at: None,
                    segment: "s".into(),
                    step: "day 1".into(),
                    promise_id: None,
                },
                AttemptEntry {
                    id: 3,
                    channel: Channel::Call,
                    direction: Direction::Outbound,
                    at: t(12),
                    state: AttemptState::Dialing,
                    outcome: None,
                    right_party: false,
                    conversation: false,
                    finished_at: None,
                    segment: "s".into(),
                    step: "day 1".into(),
                    promise_id: None,
                },
            ],
            promises: vec![
                promise(1, PromiseStatus::Broken),
                promise(2, PromiseStatus::Broken),
                promise(3, PromiseStatus::Pending),
            ],
            payments: vec![pay("2026-11-01", 50)],
            complaints: vec![],
            refusals: vec![RefusalEntry {
                at: t(8),
                kind: "stop_calls".into(),
            }],
        };
        let s = summarize(&history);
        assert_eq!(s.last_contact.as_ref().unwrap().channel, Channel::Sms);
        assert_eq!(
            s.last_conversation.as_ref().unwrap().outcome.as_deref(),
            Some("promise_to_pay")
        );
        assert_eq!(s.last_promise.as_ref().unwrap().id, 3);
        assert_eq!(s.broken_promises, 2);
        assert_eq!(s.attempts, 3);
        assert_eq!(s.refusal.as_ref().unwrap().kind, "stop_calls");
        assert_eq!(s.total_paid, 50);
    }
}
