//! Who is called and what happened before: the debtor record (`--debtor` JSON) and the call context.

use crate::dialog::nlu::Lang;
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One debtor as exported from the loan system, with the contact history.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DebtorRecord {
    /// Full name as the robot says it when checking identity.
    pub name: String,
    /// Overdue amount.
    pub amount_due: f64,
    /// ISO currency code (`RUB`, `USD`, …).
    pub currency: String,
    /// The missed payment date; gives `days_overdue` when that is absent.
    #[serde(default)]
    pub due_date: Option<NaiveDate>,
    /// Days overdue; computed from `due_date` when absent.
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
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promise {
    /// The promised date.
    pub date: NaiveDate,
    /// The promised amount, if one was named.
    #[serde(default)]
    pub amount: Option<f64>,
    /// Whether it was kept.
    pub status: PromiseStatus,
}

/// Whether a promise was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PromiseStatus {
    /// Paid as promised.
    Kept,
    /// The date passed without payment.
    Broken,
    /// The date has not come yet.
    Pending,
}

impl PromiseStatus {
    /// The name used in guards and JSON.
    pub fn name(self) -> &'static str {
        match self {
            PromiseStatus::Kept => "kept",
            PromiseStatus::Broken => "broken",
            PromiseStatus::Pending => "pending",
        }
    }
}

/// Everything the engine needs to know about the call it runs.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The debtor.
    pub debtor: DebtorRecord,
    /// Contact history.
    pub history: History,
    /// When the call starts.
    pub now: DateTime<Utc>,
    /// The debtor's time zone.
    pub timezone: Tz,
    /// The debtor's language (the conductor picks the flow written in it; the flow's own language is spoken).
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
}

impl DebtorRecord {
    /// Reads a debtor record from a JSON file.
    pub fn load(path: &Path) -> Result<DebtorRecord, DebtorError> {
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
}

impl CallContext {
    /// Builds the context of a call to `debtor` starting at `now`.
    pub fn new(debtor: DebtorRecord, now: DateTime<Utc>) -> Result<CallContext, DebtorError> {
        let timezone: Tz = debtor
            .timezone
            .parse()
            .map_err(|_| DebtorError::TimeZone(debtor.timezone.clone()))?;
        if debtor.due_date.is_none() && debtor.days_overdue.is_none() {
            return Err(DebtorError::NoOverdue);
        }
        Ok(CallContext {
            history: debtor.history.clone(),
            lang: debtor.language,
            debtor,
            now,
            timezone,
        })
    }

    /// The call date in the debtor's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.timezone).date_naive()
    }

    /// Days overdue, as given or computed from the due date.
    pub fn days_overdue(&self) -> i64 {
        match (self.debtor.days_overdue, self.debtor.due_date) {
            (Some(days), _) => days,
            (None, Some(due)) => (self.today() - due).num_days().max(0),
            (None, None) => 0,
        }
    }
}
