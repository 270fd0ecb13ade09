//! A debtor as the loan system describes them: identity, phones, time zone, debt and the flags that forbid contact.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Flags from the debtor list; the first four forbid any contact (one type with the compliance policy).
pub use crate::campaign::compliance::DebtorFlags;

/// One debtor record as imported from a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebtorRecord {
    /// The loan system's id: re-imports update the debtor with the same id.
    pub external_id: String,
    /// Full name.
    pub full_name: String,
    /// Phones in E.164, in the order given.
    pub phones: Vec<String>,
    /// IANA time zone name.
    pub time_zone: String,
    /// Region code when the list gave a region.
    pub region: Option<String>,
    /// Amount due in minor units.
    pub amount_due: i64,
    /// ISO currency code.
    pub currency: String,
    /// The day the payment was due (day 1 overdue is the day after).
    pub due_date: NaiveDate,
    /// Loan product.
    pub product: Option<String>,
    /// Creditor's name.
    pub creditor: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Earlier delinquencies (0 = first delinquency).
    pub prior_delinquencies: u32,
    /// Contact-restricting flags and consent.
    pub flags: DebtorFlags,
    /// Columns the list had beyond the known ones, kept for message templates and segment rules.
    pub extra: BTreeMap<String, String>,
}

impl DebtorRecord {
    /// Days overdue on `day` (0 before or on the due date).
    pub fn days_overdue(&self, day: NaiveDate) -> i64 {
        (day - self.due_date).num_days().max(0)
    }
}
