//! Payment lists: which debtor paid how much on which day.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::headers::{lookup, names_of, PaymentField, PAYMENT_ALIASES};
use super::text::Table;
use super::{values, ImportError, Rejected, RowError};

/// One payment from a payment list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRecord {
    /// The debtor's external id.
    pub external_id: String,
    /// Amount in minor units.
    pub amount: i64,
    /// The day of the payment.
    pub paid_on: NaiveDate,
    /// Payment reference; the same reference is never counted twice.
    pub reference: Option<String>,
}

/// Valid payments with their lines, and rejected rows.
pub type ParsedPayments = (Vec<(u64, PaymentRecord)>, Vec<Rejected>);

/// Checks a parsed table as a payment list; row problems are returned as rejects.
pub fn parse(path: &Path, table: &Table) -> Result<ParsedPayments, ImportError> {
    let file = path.display().to_string();
    let mut index: HashMap<PaymentField, usize> = HashMap::new();
    for (i, header) in table.headers.iter().enumerate() {
        if let Some(field) = lookup(PAYMENT_ALIASES, header) {
            if let Some(&first) = index.get(&field) {
                return Err(ImportError::DuplicateColumn {
                    path: file,
                    field: field.label().to_string(),
                    first: table.headers[first].clone(),
                    second: header.clone(),
                });
            }
            index.insert(field, i);
        }
    }
    for required in [
        PaymentField::ExternalId,
        PaymentField::Amount,
        PaymentField::PaidOn,
    ] {
        if !index.contains_key(&required) {
            return Err(ImportError::MissingColumn {
                path: file,
                field: required.label().to_string(),
                accepted: names_of(PAYMENT_ALIASES, required),
            });
        }
    }
    let mut good = Vec::new();
    let mut rejects = Vec::new();
    for (line, cells) in &table.rows {
        let mut errors = Vec::new();
        let cell = |f: PaymentField| cells[index[&f]].trim();
        let mut fail = |f: PaymentField, reason: String| {
            errors.push(RowError {
                line: *line,
                column: table.headers[index[&f]].clone(),
                reason,
            })
        };
        let external_id = cell(PaymentField::ExternalId).to_string();
        if external_id.is_empty() {
            fail(PaymentField::ExternalId, "external id is empty".into());
        }
        let amount = match values::parse_amount(cell(PaymentField::Amount)) {
            Ok(0) => {
                fail(PaymentField::Amount, "a payment of zero".into());
                0
            }
            Ok(a) => a,
            Err(e) => {
                fail(PaymentField::Amount, e);
                0
            }
        };
        let paid_on = match values::parse_date(cell(PaymentField::PaidOn)) {
            Ok(d) => Some(d),
            Err(e) => {
                fail(PaymentField::PaidOn, e);
                None
            }
        };
        let reference = index
            .get(&PaymentField::Reference)
            .map(|&i| cells[i].trim().to_string())
            .filter(|r| !r.is_empty());
        match paid_on {
            Some(paid_on) if errors.is_empty() => good.push((
                *line,
                PaymentRecord {
                    external_id,
                    amount,
                    paid_on,
                    reference,
                },
            )),
            _ => rejects.push(Rejected {
                line: *line,
                cells: cells.clone(),
                errors,
            }),
        }
    }
    Ok((good, rejects))
}
