//! Values a flow can read: debtor fields, computed values, what was just heard, and values set by nodes.

use crate::dialog::context::CallContext;
use crate::dialog::nlu::Lang;
use crate::dialog::verbalize::{speak_amount, speak_date};
use crate::domain::money::major_units;
use crate::domain::PromiseStatus;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// One value in a flow's variable table.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// Not known (no last promise, nothing heard…); false in guards.
    Null,
    /// A yes/no value.
    Bool(bool),
    /// A plain number.
    Number(f64),
    /// An amount of money in the debtor's currency (spoken as money).
    Money(f64),
    /// A count of days (spoken with the noun: "15 дней").
    Days(i64),
    /// A calendar date (spoken as words).
    Date(NaiveDate),
    /// Text.
    Text(String),
}

impl Value {
    /// Truthiness in guards: null, false, zero and empty text are false.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) | Value::Money(n) => *n != 0.0,
            Value::Days(d) => *d != 0,
            Value::Date(_) => true,
            Value::Text(t) => !t.is_empty(),
        }
    }

    /// The numeric value of numbers, money and day counts.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) | Value::Money(n) => Some(*n),
            Value::Days(d) => Some(*d as f64),
            _ => None,
        }
    }

    /// Speech-ready text of the value.
    pub fn speak(&self, currency: &str, lang: Lang) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(b) => match (lang, b) {
                (Lang::Ru, true) => "да".into(),
                (Lang::Ru, false) => "нет".into(),
                (Lang::En, true) => "yes".into(),
                (Lang::En, false) => "no".into(),
            },
            Value::Number(n) => format_number(*n),
            Value::Money(n) => speak_amount(*n, currency, lang),
            Value::Days(d) => speak_days(*d, lang),
            Value::Date(d) => speak_date(*d, lang),
            Value::Text(t) => t.clone(),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// A count of days as words with the noun in the right form: "пятнадцать дней", "twenty one days".
pub fn speak_days(days: i64, lang: Lang) -> String {
    crate::dialog::verbalize::speak_count(days.unsigned_abs(), &crate::dialog::verbalize::DAY, lang)
}

/// How a variable comes to exist; decides checks and the disclosure rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarInfo {
    /// Saying it tells the listener about the debt.
    pub discloses_debt: bool,
    /// What it is, for the schema documentation.
    pub doc: &'static str,
}

/// Variables every call provides (debtor record, history, computed values, the last utterance).
pub const BUILTIN_VARS: &[(&str, VarInfo)] = &[
    ("name", info(false, "debtor's full name")),
    ("creditor", info(false, "creditor's name")),
    ("creditor_phone", info(false, "creditor's official phone")),
    ("currency", info(false, "currency code")),
    ("amount", info(true, "overdue amount, spoken as money")),
    ("amount_due", info(true, "overdue amount (money)")),
    (
        "days_overdue",
        info(true, "days overdue, spoken with the noun"),
    ),
    ("due_date", info(true, "missed payment date")),
    (
        "last_promise_date",
        info(true, "date of the last promise or null"),
    ),
    (
        "last_promise_amount",
        info(true, "amount of the last promise or null"),
    ),
    (
        "last_promise_status",
        info(true, "kept, broken, pending or null"),
    ),
    (
        "last_promise_broken",
        info(true, "whether the last promise was broken"),
    ),
    ("broken_promises", info(true, "number of broken promises")),
    (
        "earlier_refusal",
        info(false, "refused to pay in an earlier call"),
    ),
    (
        "today",
        info(false, "the call date in the debtor's time zone"),
    ),
    ("horizon_days", info(false, "settings.horizon_days")),
    ("horizon_date", info(false, "today + horizon_days")),
    ("intent", info(false, "intent of the last utterance or key")),
    (
        "heard_date",
        info(false, "date in the last utterance or null"),
    ),
    (
        "heard_amount",
        info(false, "amount in the last utterance (money) or null"),
    ),
    (
        "heard_days",
        info(false, "days from today to heard_date or null"),
    ),
    (
        "promise_date",
        info(false, "promised date (set by the flow)"),
    ),
    (
        "promise_amount",
        info(false, "promised amount (set by the flow)"),
    ),
    (
        "identity_confirmed",
        info(false, "set true once the debtor confirmed identity"),
    ),
];

const fn info(discloses_debt: bool, doc: &'static str) -> VarInfo {
    VarInfo {
        discloses_debt,
        doc,
    }
}

/// Looks up a built-in variable; `extra.KEY` is a debtor extra field.
pub fn builtin(name: &str) -> Option<VarInfo> {
    if name.strip_prefix("extra.").is_some_and(|k| !k.is_empty()) {
        return Some(info(false, "extra field of the debtor record"));
    }
    BUILTIN_VARS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, i)| *i)
}

/// The variable table of one call.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vars {
    values: BTreeMap<String, Value>,
}

impl Vars {
    /// The table at the start of a call.
    pub fn for_call(ctx: &CallContext, horizon_days: i64) -> Vars {
        let d = &ctx.debtor;
        let h = &ctx.history;
        let today = ctx.today();
        let mut v = Vars::default();
        v.put("name", Value::Text(d.full_name.clone()));
        v.put(
            "creditor",
            Value::Text(d.creditor.clone().unwrap_or_default()),
        );
        v.put("creditor_phone", Value::Text(d.creditor_phone_text()));
        v.put("currency", Value::Text(d.currency.clone()));
        v.put("amount", Value::Money(ctx.amount_due()));
        v.put("amount_due", Value::Money(ctx.amount_due()));
        v.put("days_overdue", Value::Days(ctx.days_overdue()));
        v.put("due_date", Value::Date(d.due_date));
        let promise = h.last_promise.as_ref();
        v.put(
            "last_promise_date",
            promise.map_or(Value::Null, |p| Value::Date(p.date)),
        );
        v.put(
            "last_promise_amount",
            promise
                .and_then(|p| p.amount)
                .map_or(Value::Null, |a| Value::Money(major_units(a))),
        );
        v.put(
            "last_promise_status",
            promise.map_or(Value::Null, |p| Value::Text(p.status.as_str().into())),
        );
        v.put(
            "last_promise_broken",
            Value::Bool(promise.is_some_and(|p| p.status == PromiseStatus::Broken)),
        );
        v.put(
            "broken_promises",
            Value::Number(f64::from(h.broken_promises)),
        );
        v.put("earlier_refusal", Value::Bool(h.earlier_refusal));
        v.put("today", Value::Date(today));
        v.put("horizon_days", Value::Number(horizon_days as f64));
        v.put(
            "horizon_date",
            Value::Date(today + chrono::Duration::days(horizon_days)),
        );
        for key in [
            "intent",
            "heard_date",
            "heard_amount",
            "heard_days",
            "promise_date",
            "promise_amount",
        ] {
            v.put(key, Value::Null);
        }
        v.put("identity_confirmed", Value::Bool(false));
        for (key, value) in &d.extra {
            v.put(&format!("extra.{key}"), Value::Text(value.clone()));
        }
        v
    }

    /// Stores a value.
    pub fn put(&mut self, name: &str, value: Value) {
        self.values.insert(name.to_string(), value);
    }

    /// Reads a value (null when never set).
    pub fn get(&self, name: &str) -> Value {
        self.values.get(name).cloned().unwrap_or(Value::Null)
    }

    /// All values, by name.
    pub fn all(&self) -> &BTreeMap<String, Value> {
        &self.values
    }
}
