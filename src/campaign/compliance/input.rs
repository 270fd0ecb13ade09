//! The JSON formats of a debtor's facts and contact history (as `softcall compliance explain` reads them).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::facts::{kind_of_outcome, Contact, ContactKind, DebtorFacts};
use crate::campaign::channel::{Channel, Direction};
use crate::domain::DebtorFlags;

/// Why a debtor or history document cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// The text is not JSON of the documented shape.
    #[error("{line}:{column}: {message} (see docs/compliance.md for the format)")]
    Json {
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What serde found wrong.
        message: String,
    },
    /// The time zone is not an IANA name.
    #[error("time_zone `{0}` is not an IANA time zone name (e.g. Europe/Moscow, Asia/Yekaterinburg, America/New_York)")]
    UnknownTimeZone(String),
    /// A contact has neither `kind` nor an `outcome` that implies one.
    #[error("contact #{index} (at {at}): give `kind` (attempt or conversation) or a known `outcome` such as no_answer or promise_to_pay{}", outcome.as_ref().map(|o| format!("; `{o}` is not one")).unwrap_or_default())]
    UnknownKind {
        /// 1-based position of the contact in the list.
        index: usize,
        /// When the contact was made.
        at: DateTime<Utc>,
        /// The outcome given, if any.
        outcome: Option<String>,
    },
}

impl InputError {
    fn from_json(e: serde_json::Error) -> Self {
        InputError::Json {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        }
    }
}

/// The debtor document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DebtorDoc {
    #[serde(default)]
    #[allow(dead_code)]
    id: Option<serde_json::Value>,
    time_zone: String,
    #[serde(default)]
    flags: DebtorFlags,
    #[serde(default)]
    refusal_of_interaction: bool,
    #[serde(default)]
    stop_calls: bool,
}

/// One entry of the history document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactDoc {
    at: DateTime<Utc>,
    channel: Channel,
    #[serde(default)]
    kind: Option<ContactKind>,
    #[serde(default)]
    direction: Direction,
    #[serde(default)]
    outcome: Option<String>,
}

/// Reads a debtor document: `{"time_zone": "Europe/Moscow", "flags": {...}, "refusal_of_interaction": false, "stop_calls": false}`.
pub fn parse_debtor(text: &str) -> Result<DebtorFacts, InputError> {
    let doc: DebtorDoc = serde_json::from_str(text).map_err(InputError::from_json)?;
    let time_zone: Tz = doc
        .time_zone
        .parse()
        .map_err(|_| InputError::UnknownTimeZone(doc.time_zone.clone()))?;
    Ok(DebtorFacts {
        time_zone,
        flags: doc.flags,
        refusal_of_interaction: doc.refusal_of_interaction,
        stop_calls: doc.stop_calls,
    })
}

/// Reads a history document: a JSON array of `{"at", "channel", "kind"?, "outcome"?}` objects.
pub fn parse_history(text: &str) -> Result<Vec<Contact>, InputError> {
    let docs: Vec<ContactDoc> = serde_json::from_str(text).map_err(InputError::from_json)?;
    docs.into_iter()
        .enumerate()
        .map(|(i, d)| {
            let kind = match (d.kind, d.outcome.as_deref().and_then(kind_of_outcome)) {
                (Some(k), _) | (None, Some(k)) => k,
                (None, None) => {
                    return Err(InputError::UnknownKind {
                        index: i + 1,
                        at: d.at,
                        outcome: d.outcome,
                    })
                }
            };
            Ok(Contact {
                at: d.at,
                channel: d.channel,
                kind,
                direction: d.direction,
                outcome: d.outcome,
            })
        })
        .collect()
}
