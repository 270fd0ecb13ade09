//! Who is called and what happened before: the call context the engine runs with, and the `--debtor` JSON file
//! it can be built from.

use crate::domain::money::{major_units, minor_units_of_number};
use crate::domain::{DebtorFlags, DebtorRecord, Lang, PromiseStatus};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A debtor record as written in a `--debtor` JSON file (dialogs/README.md, "Debtor record"): amounts are decimal
/// numbers of major units, and either `due_date` or `days_overdue` is given.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebtorFile {
    /// Full name as the robot says it when checking identity.
    pub name: String,
    /// Overdue amount in major units (`12500.5`).
    pub amount_due: f64,
    /// ISO currency code (`RUB`, `USD`, …).
    pub currency: String,
    /// The missed payment date; gives `days_overdue` when that is absent.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// Days overdue on the day of the call; used when `due_date` is absent.
    #[serde(default)]
    pub days_overdue: Option<i64>,
    /// The creditor's name as said in the greeting.
    pub creditor: String,
    /// The creditor's official phone.
    pub creditor_phone: String,
    /// IANA time zone of the debtor (`Europe/Moscow`).
    pub timezone: String,
    /// Conversation language.
    pub language: Lang,
    /// Extra fields from the loan system, available to prompts as `{extra.KEY}`.
    #[serde(default)]
    pub extra: BTreeMap<String, String>,
    /// What happened before this call.
    #[serde(default)]
    pub history: History,
}

/// The contact history the robot must know.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct History {
    /// When the debtor was last reached.
    #[serde(default)]
    pub last_contact: Option<DateTime<Utc>>,
    /// The most recent promise to pay.
    #[serde(default)]
    pub last_promise: Option<Promise>,
    /// How many promises were broken so far.
    #[serde(default)]
    pub broken_promises: u32,
    /// Whether the debtor refused to pay in an earlier call.
    #[serde(default)]
    pub earlier_refusal: bool,
}

/// A promise to pay from an earlier call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promise {
    /// The promised date.
    pub date: NaiveDate,
    /// The promised amount in minor units, if one was named (written in JSON as a decimal of major units).
    #[serde(default, with = "major_units_json")]
    pub amount: Option<i64>,
    /// Whether it was kept.
    pub status: PromiseStatus,
}

/// Everything the engine needs to know about the call it runs.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The debtor.
    pub debtor: DebtorRecord,
    /// Contact history.
    pub history: History,
    /// The number dialled (E.164), when the call goes to a phone.
    pub phone: Option<String>,
    /// When the call starts.
    pub now: DateTime<Utc>,
    /// The debtor's time zone.
    pub timezone: Tz,
    /// The debtor's language: the record's when the list gave one, else the flow's. The flow's own language is
    /// what is spoken and understood; a campaign step names one flow, so the run only warns when they differ.
    pub lang: Lang,
}

/// Why a debtor record could not be used.
#[derive(Debug, thiserror::Error)]
pub enum DebtorError {
    /// The file could not be read.
    #[error("{path}: cannot read the debtor file: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The JSON is malformed or does not follow the format.
    #[error("{path}:{line}:{column}: {message} (see dialogs/README.md, \"Debtor record\")")]
    Json {
        /// The file.
        path: PathBuf,
        /// Line, 1-based.
        line: usize,
        /// Column, 1-based.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The time zone is not an IANA name.
    #[error("unknown time zone `{0}`; use an IANA name such as `Europe/Moscow`")]
    TimeZone(String),
    /// Neither `due_date` nor `days_overdue` was given.
    #[error("the debtor record needs `due_date` or `days_overdue`")]
    NoOverdue,
    /// An amount is not a sum of money in major units with at most two decimal places.
    #[error("`amount_due` {0} is not an amount of money; write e.g. 12500 or 12500.50")]
    Amount(f64),
}

impl DebtorFile {
    /// Reads a debtor file.
    pub fn load(path: &Path) -> Result<DebtorFile, DebtorError> {
        let text = std::fs::read_to_string(path).map_err(|source| DebtorError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        serde_json::from_str(&text).map_err(|e| DebtorError::Json {
            path: path.to_path_buf(),
            line: e.line(),
            column: e.column(),
            message: crate::wording::plain(e.to_string().split(" at line ").next().unwrap_or("")),
        })
    }

    /// The context of a call to this debtor starting at `now`: amounts become minor units, and `days_overdue`
    /// becomes the due date it implies on the debtor's date of `now`.
    pub fn into_context(self, now: DateTime<Utc>) -> Result<CallContext, DebtorError> {
        let timezone = time_zone(&self.timezone)?;
        let today = now.with_timezone(&timezone).date_naive();
        let due_date = match (self.due_date, self.days_overdue) {
            (Some(due), _) => due,
            (None, Some(days)) => today - chrono::Duration::days(days),
            (None, None) => return Err(DebtorError::NoOverdue),
        };
        let debtor = DebtorRecord {
            external_id: String::new(),
            full_name: self.name,
            phones: Vec::new(),
            time_zone: self.timezone,
            region: None,
            amount_due: minor_units_of_number(self.amount_due)
                .ok_or(DebtorError::Amount(self.amount_due))?,
            currency: self.currency,
            due_date,
            product: None,
            creditor: Some(self.creditor),
            creditor_phone: Some(self.creditor_phone),
            email: None,
            language: Some(self.language),
            prior_delinquencies: 0,
            flags: DebtorFlags::default(),
            extra: self.extra,
        };
        CallContext::new(debtor, self.history, self.language, now)
    }
}

impl CallContext {
    /// Builds the context of a call to `debtor` in `lang` starting at `now`.
    pub fn new(
        debtor: DebtorRecord,
        history: History,
        lang: Lang,
        now: DateTime<Utc>,
    ) -> Result<CallContext, DebtorError> {
        Ok(CallContext {
            timezone: time_zone(&debtor.time_zone)?,
            debtor,
            history,
            phone: None,
            now,
            lang,
        })
    }

    /// The same context for a call to `phone` (E.164).
    pub fn with_phone(mut self, phone: impl Into<String>) -> CallContext {
        self.phone = Some(phone.into());
        self
    }

    /// The call date in the debtor's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.timezone).date_naive()
    }

    /// Days overdue on the call date.
    pub fn days_overdue(&self) -> i64 {
        self.debtor.days_overdue(self.today())
    }

    /// The amount due in major units, for prompts.
    pub fn amount_due(&self) -> f64 {
        major_units(self.debtor.amount_due)
    }
}

fn time_zone(name: &str) -> Result<Tz, DebtorError> {
    name.parse()
        .map_err(|_| DebtorError::TimeZone(name.to_string()))
}

/// An optional amount of minor units written in JSON as a decimal number of major units.
mod major_units_json {
    use crate::domain::money::{major_units, minor_units_of_number};
    use serde::{de, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(amount: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match amount {
            Some(minor) => s.serialize_f64(major_units(*minor)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        match Option::<f64>::deserialize(d)? {
            None => Ok(None),
            Some(major) => minor_units_of_number(major).map(Some).ok_or_else(|| {
                de::Error::custom(format!(
                    "{major} is not an amount of money; write e.g. 5000 or 5000.50"
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(json: &str) -> DebtorFile {
        serde_json::from_str(json).unwrap()
    }

    const BASE: &str = r#""name": "A", "currency": "RUB", "creditor": "C", "creditor_phone": "1",
        "timezone": "Europe/Moscow", "language": "ru""#;

    #[test]
    fn amounts_become_minor_units_exactly() {
        let f = file(&format!(
            r#"{{ {BASE}, "amount_due": 19.99, "due_date": "2026-11-07",
            "history": {{"last_promise": {{"date": "2026-11-18", "amount": 5000.1, "status": "broken"}}}} }}"#
        ));
        let now = "2026-11-22T09:00:00Z".parse().unwrap();
        let ctx = f.into_context(now).unwrap();
        assert_eq!(ctx.debtor.amount_due, 1999);
        assert_eq!(
            ctx.history.last_promise.as_ref().unwrap().amount,
            Some(500_010)
        );
        assert_eq!(ctx.days_overdue(), 15);
    }

    #[test]
    fn days_overdue_gives_the_due_date_on_the_debtors_day() {
        let f = file(&format!(
            r#"{{ {BASE}, "amount_due": 100, "days_overdue": 12 }}"#
        ));
        // 22:30 UTC is already the next day in Moscow.
        let ctx = f
            .into_context("2026-11-22T22:30:00Z".parse().unwrap())
            .unwrap();
        assert_eq!(
            ctx.debtor.due_date,
            NaiveDate::from_ymd_opt(2026, 11, 11).unwrap()
        );
        assert_eq!(ctx.days_overdue(), 12);
    }

    #[test]
    fn bad_records_are_refused_with_the_reason() {
        let now = "2026-11-22T09:00:00Z".parse().unwrap();
        let none = file(&format!(r#"{{ {BASE}, "amount_due": 100 }}"#));
        assert!(matches!(
            none.into_context(now),
            Err(DebtorError::NoOverdue)
        ));
        let cents = file(&format!(
            r#"{{ {BASE}, "amount_due": 1.005, "days_overdue": 1 }}"#
        ));
        assert!(matches!(
            cents.into_context(now),
            Err(DebtorError::Amount(_))
        ));
    }
}
