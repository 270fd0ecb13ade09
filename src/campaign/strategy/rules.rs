//! Segment rules: days overdue, amount, first or repeat delinquency, broken promises, product, creditor, the
//! debtor's language and any imported column.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::campaign::history::HistorySummary;
use crate::domain::{DebtorRecord, Lang};

/// An inclusive range; a missing bound is open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// Lowest value that matches.
    pub min: Option<f64>,
    /// Highest value that matches.
    pub max: Option<f64>,
}

impl Range {
    /// Whether `v` lies within the range.
    pub fn contains(&self, v: f64) -> bool {
        self.min.is_none_or(|m| v >= m) && self.max.is_none_or(|m| v <= m)
    }
}

/// First delinquency or a repeat one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Delinquency {
    /// No earlier delinquencies.
    First,
    /// One or more earlier delinquencies.
    Repeat,
}

/// A value or a list of accepted values.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One accepted value.
    One(String),
    /// Several accepted values.
    Many(Vec<String>),
}

impl OneOrMany {
    /// Case-insensitive membership.
    pub fn accepts(&self, value: &str) -> bool {
        let v = value.trim().to_lowercase();
        match self {
            OneOrMany::One(x) => x.trim().to_lowercase() == v,
            OneOrMany::Many(xs) => xs.iter().any(|x| x.trim().to_lowercase() == v),
        }
    }
}

/// The rules of a segment; every given rule must hold.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Days overdue.
    #[serde(default)]
    pub days_overdue: Option<Range>,
    /// Amount due in major units (roubles).
    #[serde(default)]
    pub amount_due: Option<Range>,
    /// First delinquency or repeat.
    #[serde(default)]
    pub delinquency: Option<Delinquency>,
    /// Broken promises so far.
    #[serde(default)]
    pub broken_promises: Option<Range>,
    /// Product names.
    #[serde(default)]
    pub product: Option<OneOrMany>,
    /// Creditor names.
    #[serde(default)]
    pub creditor: Option<OneOrMany>,
    /// The debtor's language from the list (a debtor whose list gave none does not match), so a segment's
    /// steps can call the flow written in it.
    #[serde(default)]
    pub language: Option<Lang>,
    /// Imported extra columns by header: accepted values.
    #[serde(default)]
    pub fields: BTreeMap<String, OneOrMany>,
}

impl Rules {
    /// Whether a debtor with this history and days overdue matches.
    pub fn matches(&self, d: &DebtorRecord, days_overdue: i64, history: &HistorySummary) -> bool {
        let range = |r: &Option<Range>, v: f64| r.as_ref().is_none_or(|r| r.contains(v));
        range(&self.days_overdue, days_overdue as f64)
            && range(&self.amount_due, d.amount_due as f64 / 100.0)
            && range(&self.broken_promises, f64::from(history.broken_promises))
            && self.delinquency.is_none_or(|k| match k {
                Delinquency::First => d.prior_delinquencies == 0,
                Delinquency::Repeat => d.prior_delinquencies > 0,
            })
            && self
                .product
                .as_ref()
                .is_none_or(|p| d.product.as_deref().is_some_and(|v| p.accepts(v)))
            && self
                .creditor
                .as_ref()
                .is_none_or(|c| d.creditor.as_deref().is_some_and(|v| c.accepts(v)))
            && self.language.is_none_or(|l| d.language == Some(l))
            && self.fields.iter().all(|(name, accepted)| {
                d.extra
                    .iter()
                    .find(|(k, _)| {
                        k.trim().eq_ignore_ascii_case(name.trim())
                            || k.trim().to_lowercase() == name.trim().to_lowercase()
                    })
                    .is_some_and(|(_, v)| accepted.accepts(v))
            })
    }
}
