//! Message templates: `{placeholder}` filled from the debtor record and the list's extra columns.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::campaign::import::values::format_amount;
use crate::domain::DebtorRecord;

/// A template that cannot be filled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A placeholder that neither the debtor record nor the list's columns provide.
    #[error("template placeholder `{{{0}}}` is unknown (known: {1})")]
    Unknown(String, String),
    /// A `{` without a closing `}`.
    #[error("template has an unclosed `{{` at byte {0}")]
    Unclosed(usize),
}

/// The placeholders every debtor has, whatever columns the list had beyond the standard ones.
pub const STANDARD_FIELDS: [&str; 9] = [
    "external_id",
    "full_name",
    "amount_due",
    "currency",
    "due_date",
    "days_overdue",
    "product",
    "creditor",
    "creditor_phone",
];

/// The placeholders a promise confirmation adds: the promised date (`dd.mm.yyyy`) and amount.
pub const PROMISE_FIELDS: [&str; 2] = ["promise_date", "promise_amount"];

/// Adds the promise placeholders of [`PROMISE_FIELDS`] to `values`.
pub fn add_promise(values: &mut BTreeMap<String, String>, date: NaiveDate, amount: i64) {
    values.insert("promise_date".into(), date.format("%d.%m.%Y").to_string());
    values.insert("promise_amount".into(), format_amount(amount));
}

/// The placeholder names a template uses, in order (`{{`/`}}` are literal braces).
pub fn placeholders(template: &str) -> Result<Vec<String>, TemplateError> {
    let mut names = Vec::new();
    let mut rest = template;
    let mut offset = 0;
    while let Some(i) = rest.find(['{', '}']) {
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            rest = &tail[2..];
            offset += i + 2;
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            rest = after;
            offset += i + 1;
            continue;
        }
        let end = tail.find('}').ok_or(TemplateError::Unclosed(offset + i))?;
        names.push(tail[1..end].trim().to_string());
        rest = &tail[end + 1..];
        offset += i + end + 1;
    }
    Ok(names)
}

/// The values a template can use for one debtor on `today`.
pub fn values(d: &DebtorRecord, today: NaiveDate) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    for (k, val) in &d.extra {
        v.insert(k.clone(), val.clone());
    }
    v.insert("external_id".into(), d.external_id.clone());
    v.insert("full_name".into(), d.full_name.clone());
    v.insert("amount_due".into(), format_amount(d.amount_due));
    v.insert("currency".into(), d.currency.clone());
    v.insert("due_date".into(), d.due_date.format("%d.%m.%Y").to_string());
    v.insert("days_overdue".into(), d.days_overdue(today).to_string());
    v.insert("product".into(), d.product.clone().unwrap_or_default());
    v.insert("creditor".into(), d.creditor.clone().unwrap_or_default());
    // The record's own field, else a list column of that name (a list imported before the field was known),
    // else empty.
    if d.creditor_phone.is_some() {
        v.insert("creditor_phone".into(), d.creditor_phone_text());
    } else {
        v.entry("creditor_phone".into()).or_default();
    }
    v
}

/// Fills `{name}` placeholders; `{{` and `}}` stand for literal braces.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    let mut offset = 0;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            offset += i + 2;
            continue;
        }
        if let Some(after) = tail.strip_prefix('}') {
            out.push('}');
            rest = after;
            offset += i + 1;
            continue;
        }
        let end = tail.find('}').ok_or(TemplateError::Unclosed(offset + i))?;
        let name = tail[1..end].trim();
        match values.get(name) {
            Some(v) => out.push_str(v),
            None => {
                let known: Vec<&str> = values.keys().map(String::as_str).collect();
                return Err(TemplateError::Unknown(name.to_string(), known.join(", ")));
            }
        }
        rest = &tail[end + 1..];
        offset += i + end + 1;
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_reports_unknown_ones() {
        let mut v = BTreeMap::new();
        v.insert("full_name".to_string(), "Иван".to_string());
        v.insert("amount_due".to_string(), "100.00".to_string());
        assert_eq!(
            render("{full_name}, долг {amount_due} ₽ {{ok}}", &v).unwrap(),
            "Иван, долг 100.00 ₽ {ok}"
        );
        assert!(matches!(render("{nope}", &v), Err(TemplateError::Unknown(n, _)) if n == "nope"));
        assert!(matches!(
            render("abc {full_name", &v),
            Err(TemplateError::Unclosed(4))
        ));
    }
}
