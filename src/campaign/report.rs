//! Campaign results per debtor and analytics per strategy and segment, computed from stored facts.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::channel::Channel;
use super::debtor::StoredDebtor;
use super::history::{summarize, DebtorHistory};
use super::scheduler::AttemptOutcome;
use super::standing::{self, DebtorStatus};
use super::strategy::Strategy;
use crate::domain::PromiseStatus;

/// One stored attempt, as reports need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptFact {
    /// Attempt id.
    pub id: i64,
    /// Debtor row id.
    pub debtor_id: i64,
    /// Channel.
    pub channel: Channel,
    /// Strategy name.
    pub strategy: String,
    /// Segment name.
    pub segment: String,
    /// Ladder step label.
    pub step: String,
    /// `dialing`, `done` or `unknown`.
    pub state: String,
    /// Disposition or message result.
    pub outcome: Option<String>,
    /// The debtor personally was reached.
    pub right_party: bool,
    /// A conversation took place.
    pub conversation: bool,
    /// When it was written.
    pub at: DateTime<Utc>,
}

/// One stored promise, as reports need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromiseFact {
    /// Debtor row id.
    pub debtor_id: i64,
    /// The attempt that obtained it.
    pub attempt_id: Option<i64>,
    /// When made.
    pub made_at: DateTime<Utc>,
    /// Promised date.
    pub promised_date: NaiveDate,
    /// Promised amount, minor units.
    pub amount: i64,
    /// Fate.
    pub status: PromiseStatus,
}

/// One line of `softcall export results`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultRow {
    /// The loan system's id.
    pub external_id: String,
    /// Status (`active`, `paid`, `hard_collection`), derived as the planner derives it.
    pub status: String,
    /// Segment the campaign's strategy puts the debtor in (the segment of the last attempt when no strategy
    /// was stored yet).
    pub segment: String,
    /// Outcome of the last finished call, or of the last message when there was no call.
    pub last_outcome: String,
    /// When the last attempt was made (RFC 3339).
    pub last_attempt_at: String,
    /// Attempts on every channel.
    pub attempts: u32,
    /// Call attempts.
    pub calls: u32,
    /// Date of the last promise.
    pub promise_date: String,
    /// Amount of the last promise (decimal).
    pub promise_amount: String,
    /// Fate of the last promise.
    pub promise_status: String,
    /// `right_party` (debtor reached), `third_party` (someone else answered), `not_reached`, `not_attempted`.
    pub contact_status: String,
    /// Amount still due (decimal).
    pub amount_due: String,
}

/// The columns of `softcall export results`, in order.
pub const RESULT_COLUMNS: [&str; 12] = [
    "external_id",
    "status",
    "segment",
    "last_outcome",
    "last_attempt_at",
    "attempts",
    "calls",
    "promise_date",
    "promise_amount",
    "promise_status",
    "contact_status",
    "amount_due",
];

/// A debtor's identity for the results export.
#[derive(Debug, Clone)]
pub struct DebtorLine {
    /// Row id.
    pub id: i64,
    /// External id.
    pub external_id: String,
    /// Amount due, minor units.
    pub amount_due: i64,
    /// Status, from [`DebtorStatus::derive`].
    pub status: DebtorStatus,
    /// Segment from [`standing::segment`], when a strategy is known and a segment matches.
    pub segment: Option<String>,
}

/// Builds one results row per debtor.
pub fn results(
    debtors: &[DebtorLine],
    attempts: &[AttemptFact],
    promises: &[PromiseFact],
) -> Vec<ResultRow> {
    let mut by_debtor: HashMap<i64, Vec<&AttemptFact>> = HashMap::new();
    for a in attempts {
        by_debtor.entry(a.debtor_id).or_default().push(a);
    }
    let mut last_promise: HashMap<i64, &PromiseFact> = HashMap::new();
    for p in promises {
        last_promise.insert(p.debtor_id, p);
    }
    debtors
        .iter()
        .map(|d| {
            let list = by_debtor.get(&d.id).cloned().unwrap_or_default();
            let calls: Vec<&&AttemptFact> =
                list.iter().filter(|a| a.channel == Channel::Call).collect();
            let last_call = calls.iter().rev().find(|a| a.outcome.is_some());
            let last_any = list.iter().rev().find(|a| a.outcome.is_some());
            let last_outcome = last_call
                .map(|a| (**a).clone())
                .or_else(|| last_any.map(|a| (*a).clone()))
                .and_then(|a| a.outcome)
                .unwrap_or_default();
            let contact_status = if list.iter().any(|a| a.right_party) {
                "right_party"
            } else if calls.iter().any(|a| a.conversation) {
                "third_party"
            } else if list.is_empty() {
                "not_attempted"
            } else {
                "not_reached"
            };
            let p = last_promise.get(&d.id);
            ResultRow {
                external_id: d.external_id.clone(),
                status: d.status.as_str().to_string(),
                segment: d
                    .segment
                    .clone()
                    .or_else(|| list.last().map(|a| a.segment.clone()))
                    .unwrap_or_default(),
                last_outcome,
                last_attempt_at: list.last().map(|a| a.at.to_rfc3339()).unwrap_or_default(),
                attempts: list.len() as u32,
                calls: calls.len() as u32,
                promise_date: p.map(|p| p.promised_date.to_string()).unwrap_or_default(),
                promise_amount: p
                    .map(|p| super::import::values::format_amount(p.amount))
                    .unwrap_or_default(),
                promise_status: p.map(|p| p.status.as_str().to_string()).unwrap_or_default(),
                contact_status: contact_status.to_string(),
                amount_due: super::import::values::format_amount(d.amount_due),
            }
        })
        .collect()
}

/// Analytics for one strategy and segment.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AnalyticsRow {
    /// Strategy name.
    pub strategy: String,
    /// Segment name.
    pub segment: String,
    /// Debtors in the segment now or attempted in it.
    pub debtors: u32,
    /// Attempts on every channel.
    pub attempts: u32,
    /// Call attempts.
    pub calls: u32,
    /// Messages (SMS and e-mail) attempted.
    pub messages: u32,
    /// Calls where someone talked.
    pub contacts: u32,
    /// Calls where the debtor personally talked.
    pub right_party_contacts: u32,
    /// Promises obtained by these calls.
    pub promises: u32,
    /// Promised amount (minor units).
    pub promised_amount: i64,
    /// Promises kept.
    pub kept: u32,
    /// Promises broken.
    pub broken: u32,
    /// contacts / calls; `None` when there were no calls.
    pub contact_rate: Option<f64>,
    /// right-party contacts / calls; `None` when there were no calls.
    pub right_party_rate: Option<f64>,
    /// promises / right-party contacts; `None` without right-party contacts.
    pub promise_rate: Option<f64>,
    /// kept / (kept + broken): only promises whose fate is known; `None` when no fate is known yet.
    pub kept_rate: Option<f64>,
}

/// A rate, or `None` when nothing was counted in its denominator.
fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

/// Aggregates per (strategy, segment), sorted by name: every segment of `strategy` (when known) and every
/// segment attempts were made in, with the debtors the strategy puts in each.
pub fn analytics(
    strategy: Option<&Strategy>,
    debtors: &[DebtorLine],
    attempts: &[AttemptFact],
    promises: &[PromiseFact],
) -> Vec<AnalyticsRow> {
    type Row = (AnalyticsRow, std::collections::HashSet<i64>);
    let mut rows: BTreeMap<(String, String), Row> = BTreeMap::new();
    let new_row = |key: &(String, String)| -> Row {
        (
            AnalyticsRow {
                strategy: key.0.clone(),
                segment: key.1.clone(),
                ..Default::default()
            },
            Default::default(),
        )
    };
    if let Some(s) = strategy {
        for seg in &s.segments {
            let key = (s.name.clone(), seg.name.clone());
            let row = rows.entry(key.clone()).or_insert_with(|| new_row(&key));
            for d in debtors
                .iter()
                .filter(|d| d.segment.as_deref() == Some(&seg.name))
            {
                row.1.insert(d.id);
            }
        }
    }
    let mut key_of_attempt: HashMap<i64, (String, String)> = HashMap::new();
    for a in attempts {
        let key = (a.strategy.clone(), a.segment.clone());
        key_of_attempt.insert(a.id, key.clone());
        let (row, debtors) = rows.entry(key.clone()).or_insert_with(|| new_row(&key));
        debtors.insert(a.debtor_id);
        row.attempts += 1;
        if a.channel == Channel::Call {
            row.calls += 1;
            row.contacts += u32::from(
                a.conversation && a.outcome.as_deref() != Some(AttemptOutcome::Unknown.as_str()),
            );
            row.right_party_contacts += u32::from(a.right_party);
        } else {
            row.messages += 1;
        }
    }
    for p in promises {
        let Some(key) = p.attempt_id.and_then(|id| key_of_attempt.get(&id)) else {
            continue;
        };
        if let Some((row, _)) = rows.get_mut(key) {
            row.promises += 1;
            row.promised_amount += p.amount;
            row.kept += u32::from(p.status == PromiseStatus::Kept);
            row.broken += u32::from(p.status == PromiseStatus::Broken);
        }
    }
    rows.into_values()
        .map(|(mut r, debtors)| {
            r.debtors = debtors.len() as u32;
            r.contact_rate = ratio(r.contacts, r.calls);
            r.right_party_rate = ratio(r.right_party_contacts, r.calls);
            r.promise_rate = ratio(r.promises, r.right_party_contacts);
            r.kept_rate = ratio(r.kept, r.kept + r.broken);
            r
        })
        .collect()
}

/// Everything results and analytics are computed from, for one campaign at one moment.
#[derive(Debug, Clone)]
pub struct CampaignFacts {
    /// The strategy last planned or sent with (stored by `campaign plan`/`send`), if any.
    pub strategy: Option<Strategy>,
    /// Every debtor of the campaign with status and segment derived as the planner derives them.
    pub debtors: Vec<DebtorLine>,
    /// Every attempt, oldest first.
    pub attempts: Vec<AttemptFact>,
    /// Every promise of the campaign's debtors, oldest first.
    pub promises: Vec<PromiseFact>,
}

impl CampaignFacts {
    /// A campaign's facts, with each debtor's standing derived at `now` as the planner derives it. `statuses`
    /// holds the campaign status per debtor, `histories` every debtor's full history.
    pub fn derive(
        strategy: Option<Strategy>,
        debtors: Vec<StoredDebtor>,
        statuses: &HashMap<i64, String>,
        histories: &HashMap<i64, DebtorHistory>,
        attempts: Vec<AttemptFact>,
        promises: Vec<PromiseFact>,
        now: DateTime<Utc>,
    ) -> Self {
        let empty = DebtorHistory::default();
        let debtors = debtors
            .into_iter()
            .map(|d| {
                let status = DebtorStatus::derive(
                    &d.status,
                    statuses.get(&d.id).map(String::as_str),
                    d.record.amount_due,
                );
                let segment = strategy.as_ref().and_then(|s| {
                    let tz: chrono_tz::Tz = d.record.time_zone.parse().ok()?;
                    let history = histories.get(&d.id).unwrap_or(&empty);
                    let settled = super::planner::settle_promises(history, tz, now);
                    standing::segment(
                        s,
                        &d.record,
                        now.with_timezone(&tz).date_naive(),
                        &summarize(&settled),
                    )
                });
                DebtorLine {
                    id: d.id,
                    external_id: d.record.external_id,
                    amount_due: d.record.amount_due,
                    status,
                    segment,
                }
            })
            .collect();
        CampaignFacts {
            strategy,
            debtors,
            attempts,
            promises,
        }
    }

    /// One results row per debtor.
    pub fn results(&self) -> Vec<ResultRow> {
        results(&self.debtors, &self.attempts, &self.promises)
    }

    /// Analytics per strategy and segment.
    pub fn analytics(&self) -> Vec<AnalyticsRow> {
        analytics(
            self.strategy.as_ref(),
            &self.debtors,
            &self.attempts,
            &self.promises,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Disposition;

    fn attempt(id: i64, debtor: i64, seg: &str, channel: Channel, outcome: &str) -> AttemptFact {
        let disposition = outcome.parse::<Disposition>().ok();
        AttemptFact {
            id,
            debtor_id: debtor,
            channel,
            strategy: "s".into(),
            segment: seg.into(),
            step: "day 7".into(),
            state: "done".into(),
            outcome: Some(outcome.into()),
            right_party: disposition.is_some_and(Disposition::is_right_party),
            conversation: disposition.is_some_and(Disposition::is_conversation),
            at: DateTime::from_timestamp(1_790_000_000 + id, 0).unwrap(),
        }
    }

    #[test]
    fn rates_per_segment() {
        let attempts = vec![
            attempt(1, 1, "first", Channel::Call, "no_answer"),
            attempt(2, 1, "first", Channel::Call, "promise_to_pay"),
            attempt(3, 2, "first", Channel::Call, "wrong_person"),
            attempt(4, 2, "first", Channel::Sms, "sent"),
            attempt(5, 3, "repeat", Channel::Call, "refused"),
        ];
        let promise = |attempt_id, status| PromiseFact {
            debtor_id: 1,
            attempt_id: Some(attempt_id),
            made_at: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            promised_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            amount: 5000,
            status,
        };
        let rows = analytics(None, &[], &attempts, &[promise(2, PromiseStatus::Kept)]);
        assert_eq!(rows.len(), 2);
        let first = &rows[0];
        assert_eq!(
            (
                first.segment.as_str(),
                first.calls,
                first.messages,
                first.debtors
            ),
            ("first", 3, 1, 2)
        );
        assert_eq!(
            (first.contacts, first.right_party_contacts, first.promises),
            (2, 1, 1)
        );
        assert!((first.contact_rate.unwrap() - 2.0 / 3.0).abs() < 1e-9);
        assert!((first.promise_rate.unwrap() - 1.0).abs() < 1e-9);
        assert!((first.kept_rate.unwrap() - 1.0).abs() < 1e-9);
        assert_eq!(rows[1].promise_rate, Some(0.0));
        assert_eq!(rows[1].kept_rate, None, "no promise, no kept rate");
    }

    #[test]
    fn results_per_debtor() {
        let attempts = vec![
            attempt(1, 1, "first", Channel::Call, "no_answer"),
            attempt(2, 1, "first", Channel::Sms, "sent"),
            attempt(3, 2, "first", Channel::Call, "wrong_person"),
        ];
        let debtors: Vec<DebtorLine> = (1..=3)
            .map(|id| DebtorLine {
                id,
                external_id: format!("D{id}"),
                amount_due: 100_050,
                status: DebtorStatus::Active,
                segment: None,
            })
            .collect();
        let rows = results(&debtors, &attempts, &[]);
        assert_eq!(rows[0].last_outcome, "no_answer");
        assert_eq!(rows[0].contact_status, "not_reached");
        assert_eq!(rows[1].contact_status, "third_party");
        assert_eq!(rows[2].contact_status, "not_attempted");
        assert_eq!(rows[2].amount_due, "1000.50");
    }
}
