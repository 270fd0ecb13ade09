//! The debtor: one record for the loan system's lists, the store, campaigns, the dialogue and the agent's card.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::lang::Lang;

/// One debtor (one debt) as the loan system describes them. Money is in minor units.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DebtorRecord {
    /// The loan system's id: re-imports update the debtor with the same id.
    pub external_id: String,
    /// Full name, as the robot says it when checking identity.
    pub full_name: String,
    /// Phones in E.164, in the order given.
    pub phones: Vec<String>,
    /// IANA time zone name (`Europe/Moscow`).
    pub time_zone: String,
    /// Region code when the list gave a region.
    pub region: Option<String>,
    /// Amount due in minor units (kopecks, cents).
    pub amount_due: i64,
    /// ISO currency code (`RUB`, `USD`, …).
    pub currency: String,
    /// The day the payment was due (day 1 overdue is the day after).
    pub due_date: NaiveDate,
    /// Loan product.
    pub product: Option<String>,
    /// Creditor's name, as said in the greeting.
    pub creditor: Option<String>,
    /// The creditor's official phone, as said in the greeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creditor_phone: Option<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// The debtor's language, when the loan system gave one (otherwise the flow's own language is spoken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Lang>,
    /// Earlier delinquencies (0 = first delinquency).
    pub prior_delinquencies: u32,
    /// Contact-restricting flags and consent.
    pub flags: DebtorFlags,
    /// Fields beyond the known ones, kept for prompts, message templates and segment rules.
    pub extra: BTreeMap<String, String>,
}

impl DebtorRecord {
    /// Days overdue on `day` (0 before or on the due date).
    pub fn days_overdue(&self, day: NaiveDate) -> i64 {
        (day - self.due_date).num_days().max(0)
    }

    /// The creditor's phone as said and written to the debtor (prompts, voicemail, messages): a Russian or North
    /// American number stored in E.164 in groups (`+7 800 555-35-35`, `+1 800 555 0199`, so the synthesiser
    /// reads groups of digits, not one long number), any other as stored; empty when the record has none.
    pub fn creditor_phone_text(&self) -> String {
        self.creditor_phone
            .as_deref()
            .map_or_else(String::new, grouped_phone)
    }
}

/// `+7XXXXXXXXXX` as `+7 XXX XXX-XX-XX` and `+1XXXXXXXXXX` as `+1 XXX XXX XXXX` (as each country writes them);
/// anything else unchanged.
fn grouped_phone(phone: &str) -> String {
    let national = |code: &str| {
        phone
            .strip_prefix(code)
            .filter(|n| n.len() == 10 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    if let Some(n) = national("+7") {
        format!("+7 {} {}-{}-{}", &n[..3], &n[3..6], &n[6..8], &n[8..])
    } else if let Some(n) = national("+1") {
        format!("+1 {} {} {}", &n[..3], &n[3..6], &n[6..])
    } else {
        phone.to_string()
    }
}

/// Circumstances recorded for a debtor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DebtorFlags {
    /// A bankruptcy case is open: no contact.
    pub bankruptcy: bool,
    /// The debtor is in hospital: no contact.
    pub hospital: bool,
    /// The debtor is a minor: no contact.
    pub minor: bool,
    /// The debtor has disability group I: no contact.
    pub disability_group_1: bool,
    /// The debtor's written consent to talk with third parties is on file (does not block contact).
    pub third_party_consent: bool,
}

impl DebtorFlags {
    /// The first flag that forbids any contact, with its human-readable name.
    pub fn blocking(&self) -> Option<&'static str> {
        if self.bankruptcy {
            Some("bankruptcy")
        } else if self.hospital {
            Some("in hospital")
        } else if self.minor {
            Some("a minor")
        } else if self.disability_group_1 {
            Some("disability group I")
        } else {
            None
        }
    }
}

/// The fate of a promise to pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromiseStatus {
    /// The promised date has not passed and payments do not yet cover it.
    Pending,
    /// Payments between the promise and its date cover the promised amount.
    Kept,
    /// The date passed without that.
    Broken,
}

impl PromiseStatus {
    /// The stored name, also used in guards and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            PromiseStatus::Pending => "pending",
            PromiseStatus::Kept => "kept",
            PromiseStatus::Broken => "broken",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<PromiseStatus> {
        match s {
            "pending" => Some(PromiseStatus::Pending),
            "kept" => Some(PromiseStatus::Kept),
            "broken" => Some(PromiseStatus::Broken),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_creditor_phone_is_said_in_groups() {
        assert_eq!(grouped_phone("+78005553535"), "+7 800 555-35-35");
        assert_eq!(grouped_phone("+18005550199"), "+1 800 555 0199");
        assert_eq!(grouped_phone("+442071234567"), "+442071234567");
        assert_eq!(grouped_phone("8 800 555-35-35"), "8 800 555-35-35");
        assert_eq!(grouped_phone("+7800555353"), "+7800555353");
    }
}
