//! Where a debtor stands: the amount still due (what the loan system reported, less what softcall learned since),
//! the status that says whether soft collection goes on, and the segment — one derivation for plan, export and
//! analytics.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::history::HistorySummary;
use super::strategy::Strategy;
use crate::domain::DebtorRecord;

/// What the loan system last reported about a debt: the amount as of its export date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListReport {
    /// Amount due in minor units, as the list gave it.
    pub amount: i64,
    /// The list's export date (`--as-of`): payments dated later cannot be in its amount.
    pub as_of: NaiveDate,
    /// The last payment row softcall had stored when it imported that list: later payments were unknown to it.
    pub payments_upto: i64,
}

/// A stored payment, as the balance rule needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BalancePayment {
    /// The day paid.
    pub paid_on: NaiveDate,
    /// Amount in minor units.
    pub amount: i64,
    /// Its row id: payments are numbered in the order softcall stored them.
    pub id: i64,
}

impl ListReport {
    /// The report after a re-import says `amount` as of `as_of`: a list that repeats the amount it reported last
    /// time tells nothing new, so the earlier report (and every payment deducted from it) stands.
    /// `payments_upto` is the last payment row stored at this import.
    pub fn rebase(
        previous: Option<ListReport>,
        amount: i64,
        as_of: NaiveDate,
        payments_upto: i64,
    ) -> ListReport {
        match previous {
            Some(p) if p.amount == amount => p,
            _ => ListReport {
                amount,
                as_of,
                payments_upto,
            },
        }
    }

    /// Whether the list's amount already counts `p`: softcall knew the payment when the list was imported and it
    /// is dated on or before the list's export date.
    pub fn includes(&self, p: &BalancePayment) -> bool {
        p.paid_on <= self.as_of && p.id <= self.payments_upto
    }

    /// The amount still due: the reported amount less every payment the report cannot include (never below 0).
    pub fn amount_due(&self, payments: &[BalancePayment]) -> i64 {
        let later: i64 = payments
            .iter()
            .filter(|p| !self.includes(p))
            .map(|p| p.amount)
            .sum();
        (self.amount - later).max(0)
    }
}

/// Whether soft collection goes on for a debtor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DebtorStatus {
    /// Soft collection goes on.
    Active,
    /// Nothing is due any more.
    Paid,
    /// Handed over to hard collection (in any campaign): soft collection has ended everywhere.
    HardCollection,
}

impl DebtorStatus {
    /// The stored and exported name.
    pub fn as_str(self) -> &'static str {
        match self {
            DebtorStatus::Active => "active",
            DebtorStatus::Paid => "paid",
            DebtorStatus::HardCollection => "hard_collection",
        }
    }

    /// The one derivation: a hand-over recorded for the debtor or in this campaign ends soft collection;
    /// otherwise a debt paid in full is `paid`; otherwise `active`.
    pub fn derive(debtor_status: &str, campaign_status: Option<&str>, amount_due: i64) -> Self {
        let handed_over = |s: &str| s == DebtorStatus::HardCollection.as_str();
        if handed_over(debtor_status) || campaign_status.is_some_and(handed_over) {
            DebtorStatus::HardCollection
        } else if amount_due <= 0 {
            DebtorStatus::Paid
        } else {
            DebtorStatus::Active
        }
    }
}

/// The segment a debtor belongs to on `today` (the debtor's local date): the first whose rules match.
pub fn segment(
    strategy: &Strategy,
    debtor: &DebtorRecord,
    today: NaiveDate,
    history: &HistorySummary,
) -> Option<String> {
    strategy
        .segment_for(debtor, today, history)
        .map(|s| s.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn pay(day: &str, amount: i64, id: i64) -> BalancePayment {
        BalancePayment {
            paid_on: d(day),
            amount,
            id,
        }
    }

    #[test]
    fn reimporting_the_same_amount_keeps_learned_payments() {
        // Imported (as of today) before any payment was stored; the payment dated earlier came in afterwards.
        let first = ListReport::rebase(None, 1_250_000, d("2026-12-02"), 0);
        let payments = [pay("2026-11-20", 500_000, 1)];
        assert_eq!(first.amount_due(&payments), 750_000);
        let again = ListReport::rebase(Some(first), 1_250_000, d("2026-12-03"), 1);
        assert_eq!(again, first);
        assert_eq!(again.amount_due(&payments), 750_000);
    }

    #[test]
    fn a_new_amount_counts_payments_known_and_dated_before_the_export() {
        let first = ListReport::rebase(None, 1_250_000, d("2026-11-15"), 0);
        let payments = [
            pay("2026-11-20", 500_000, 1),
            pay("2026-11-30", 100_000, 2),
            pay("2026-11-24", 50_000, 3),
        ];
        // The loan system exported 7 500 on 2026-11-25 and it was imported when payments 1 and 2 were stored:
        // payment 1 is in its amount, payment 2 is dated after the export, payment 3 was stored later.
        let new = ListReport::rebase(Some(first), 750_000, d("2026-11-25"), 2);
        assert_eq!(new.amount_due(&payments), 600_000);
        assert_eq!(
            ListReport::rebase(Some(first), 0, d("2026-11-25"), 2).amount_due(&payments),
            0
        );
    }

    #[test]
    fn hand_over_in_any_campaign_ends_soft_collection() {
        assert_eq!(
            DebtorStatus::derive("hard_collection", Some("active"), 100),
            DebtorStatus::HardCollection
        );
        assert_eq!(
            DebtorStatus::derive("active", Some("hard_collection"), 0),
            DebtorStatus::HardCollection
        );
        assert_eq!(DebtorStatus::derive("paid", None, 0), DebtorStatus::Paid);
        assert_eq!(
            DebtorStatus::derive("active", Some("active"), 1),
            DebtorStatus::Active
        );
        assert_eq!(
            DebtorStatus::derive("paid", Some("active"), 5),
            DebtorStatus::Active
        );
    }
}
