//! Importing debtor and payment lists into the store: read, check every row, then write in one transaction —
//! or, with `skip_invalid`, write the valid rows and the rejected ones (with reasons) to a rejects file.
//! The reading and checking is `campaign::import`'s; the writing is the store's.

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};

use crate::campaign::import::headers::{lookup, PaymentField, PAYMENT_ALIASES};
use crate::campaign::import::text::{read_table, Encoding};
use crate::campaign::import::{debtors, payments, write_rejects, ImportError, Rejected, RowError};
use crate::store::debtors::ImportCounts;
use crate::store::payments::PaymentCounts;
use crate::store::{Store, StoreError};

/// Why a list was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    /// The list could not be read, or rows are invalid (nothing was written).
    #[error(transparent)]
    Import(#[from] ImportError),
    /// The store refused the import (nothing was written).
    #[error("storing the import failed, nothing was written: {0}")]
    Store(#[from] StoreError),
}

/// How to import a debtor list.
#[derive(Debug, Clone)]
pub struct DebtorImport {
    /// The campaign to add the debtors to (created if new).
    pub campaign: String,
    /// The list's export date: its amounts and "days overdue" are as of that day.
    pub as_of: NaiveDate,
    /// Unknown columns are an error instead of template fields.
    pub strict_columns: bool,
    /// Import the valid rows even when some are invalid.
    pub skip_invalid: bool,
    /// Where to write rejected rows (with `skip_invalid`).
    pub rejects: Option<PathBuf>,
    /// The import moment (stored as created/updated time).
    pub now: DateTime<Utc>,
}

/// What a debtor import did.
#[derive(Debug, Clone)]
pub struct DebtorImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Stored debtors new and updated.
    pub counts: ImportCounts,
    /// Rows rejected (only with `skip_invalid`).
    pub rejected_rows: usize,
    /// Every problem of the rejected rows (a row can have several).
    pub rejected: Vec<RowError>,
    /// Columns kept as template fields.
    pub unknown_columns: Vec<String>,
    /// Detected encoding.
    pub encoding: Encoding,
    /// Detected separator.
    pub delimiter: char,
}

/// Imports a debtor list. `progress(done, total)` is called while storing.
pub async fn import_debtors(
    store: &Store,
    path: &Path,
    opts: &DebtorImport,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<DebtorImportReport, ListError> {
    let table = read_table(path)?;
    let rows = table.rows.len();
    let parsed = debtors::parse(
        path,
        table,
        debtors::DebtorListOptions {
            as_of: opts.as_of,
            strict_columns: opts.strict_columns,
        },
    )?;
    let rejected = settle_rejects(
        path,
        &parsed.headers,
        &parsed.rejects,
        opts.skip_invalid,
        opts.rejects.as_deref(),
    )?;
    let records: Vec<_> = parsed.records.into_iter().map(|(_, r)| r).collect();
    let total = records.len() as u64;
    let counts = store
        .import_debtors(
            &opts.campaign,
            &records,
            opts.as_of,
            opts.now.timestamp(),
            &|done| progress(done, total),
        )
        .await?;
    Ok(DebtorImportReport {
        rows,
        counts,
        rejected_rows: if rejected.is_empty() {
            0
        } else {
            parsed.rejects.len()
        },
        rejected,
        unknown_columns: parsed.unknown_columns,
        encoding: parsed.encoding,
        delimiter: parsed.delimiter as char,
    })
}

/// What a payment import did.
#[derive(Debug, Clone)]
pub struct PaymentImportReport {
    /// Data rows read.
    pub rows: usize,
    /// Stored payments and resolved promises.
    pub counts: PaymentCounts,
    /// Rows rejected (only with `skip_invalid`).
    pub rejected_rows: usize,
    /// Every problem of the rejected rows (a row can have several).
    pub rejected: Vec<RowError>,
}

/// Imports a payment list: payments reduce debts, promises become kept or broken as of `now`.
pub async fn import_payments(
    store: &Store,
    path: &Path,
    now: DateTime<Utc>,
    skip_invalid: bool,
    rejects_path: Option<&Path>,
) -> Result<PaymentImportReport, ListError> {
    let table = read_table(path)?;
    let (good, mut rejects) = payments::parse(path, &table)?;
    let ids = store.external_ids().await?;
    let id_col = table
        .headers
        .iter()
        .find(|h| lookup(PAYMENT_ALIASES, h) == Some(PaymentField::ExternalId))
        .cloned()
        .unwrap_or_default();
    let mut resolved = Vec::with_capacity(good.len());
    for (line, p) in good {
        match ids.get(&p.external_id) {
            Some(&id) => resolved.push((id, p)),
            None => rejects.push(Rejected {
                line,
                cells: table
                    .rows
                    .iter()
                    .find(|(l, _)| *l == line)
                    .map(|(_, c)| c.clone())
                    .unwrap_or_default(),
                errors: vec![RowError {
                    line,
                    column: id_col.clone(),
                    reason: format!(
                        "no debtor with external id `{}` (import the debtor list first)",
                        p.external_id
                    ),
                }],
            }),
        }
    }
    rejects.sort_by_key(|r| r.line);
    let rejected = settle_rejects(path, &table.headers, &rejects, skip_invalid, rejects_path)?;
    let counts = store.import_payments(&resolved, now).await?;
    Ok(PaymentImportReport {
        rows: table.rows.len(),
        counts,
        rejected_rows: if rejected.is_empty() {
            0
        } else {
            rejects.len()
        },
        rejected,
    })
}

/// All-or-nothing unless `skip_invalid`; with it, rejected rows go to the rejects file.
fn settle_rejects(
    path: &Path,
    headers: &[String],
    rejects: &[Rejected],
    skip_invalid: bool,
    rejects_path: Option<&Path>,
) -> Result<Vec<RowError>, ImportError> {
    let errors: Vec<RowError> = rejects
        .iter()
        .flat_map(|r| r.errors.iter().cloned())
        .collect();
    if errors.is_empty() {
        return Ok(errors);
    }
    if !skip_invalid {
        return Err(ImportError::InvalidRows {
            path: path.display().to_string(),
            rows: rejects.len(),
            errors,
        });
    }
    if let Some(out) = rejects_path {
        write_rejects(out, headers, rejects)?;
    }
    Ok(errors)
}
