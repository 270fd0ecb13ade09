//! Reading debtor and payment lists (CSV as loan systems and Excel export them) into checked records.

pub mod debtors;
pub mod headers;
pub mod payments;
pub mod phone;
pub mod text;
pub mod values;

use std::fmt;

/// One problem in one cell of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line of the file where the row starts.
    pub line: u64,
    /// The column header as written in the file.
    pub column: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column `{}`: {}",
            self.line, self.column, self.reason
        )
    }
}

/// A row that was not imported, with its cells and every problem found in it.
#[derive(Debug, Clone)]
pub struct Rejected {
    /// 1-based line where the row starts.
    pub line: u64,
    /// The row's cells as read.
    pub cells: Vec<String>,
    /// Every problem in the row.
    pub errors: Vec<RowError>,
}

/// Why a list could not be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read.
    #[error("{path}: cannot read the file: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file has no header line.
    #[error(
        "{path}: the file is empty; the first line must name the columns (see docs/campaigns.md)"
    )]
    Empty {
        /// The file.
        path: String,
    },
    /// The CSV structure is broken (unclosed quote, wrong number of fields).
    #[error("{path}:{line}: malformed CSV: {message}")]
    Malformed {
        /// The file.
        path: String,
        /// 1-based line.
        line: u64,
        /// What the parser saw.
        message: String,
    },
    /// A required column is missing.
    #[error("{path}:1: no column gives the {field}; name one of the columns: {accepted}")]
    MissingColumn {
        /// The file.
        path: String,
        /// The missing field.
        field: String,
        /// The header names that would be recognised.
        accepted: String,
    },
    /// Two columns carry the same single-valued field.
    #[error("{path}:1: columns `{first}` and `{second}` both give the {field}; keep one")]
    DuplicateColumn {
        /// The file.
        path: String,
        /// The field.
        field: String,
        /// The first column.
        first: String,
        /// The repeating column.
        second: String,
    },
    /// Columns the importer does not know, with `--strict-columns`.
    #[error("{path}:1: unknown columns {columns}; rename them to a documented header or drop --strict-columns to keep them as template fields")]
    UnknownColumns {
        /// The file.
        path: String,
        /// The unknown headers, quoted and comma-separated.
        columns: String,
    },
    /// Some rows are invalid and nothing was imported.
    #[error("{path}: {}, nothing imported (use --skip-invalid --rejects FILE to import the valid rows):\n{}", rows_with_problems(*.rows, .errors.len()), list_errors(.path, .errors))]
    InvalidRows {
        /// The file.
        path: String,
        /// Rows with at least one problem.
        rows: usize,
        /// Every problem found.
        errors: Vec<RowError>,
    },
    /// Writing the rejects file failed.
    #[error("{path}: cannot write the rejects file: {source}")]
    WriteRejects {
        /// The rejects file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// "1 invalid row" / "3 invalid rows (5 problems)".
fn rows_with_problems(rows: usize, problems: usize) -> String {
    let noun = if rows == 1 { "row" } else { "rows" };
    if problems == rows {
        format!("{rows} invalid {noun}")
    } else {
        format!("{rows} invalid {noun} ({problems} problems)")
    }
}

fn list_errors(path: &str, errors: &[RowError]) -> String {
    const SHOWN: usize = 50;
    let mut out: Vec<String> = errors
        .iter()
        .take(SHOWN)
        .map(|e| format!("  {path}:{}: column `{}`: {}", e.line, e.column, e.reason))
        .collect();
    if errors.len() > SHOWN {
        out.push(format!("  … and {} more", errors.len() - SHOWN));
    }
    out.join("\n")
}

/// Writes rejected rows with their reasons as a UTF-8 CSV (the original columns plus `reject_reason`).
pub fn write_rejects(
    path: &std::path::Path,
    headers: &[String],
    rejects: &[Rejected],
) -> Result<(), ImportError> {
    let err = |source: std::io::Error| ImportError::WriteRejects {
        path: path.display().to_string(),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(|e| err(e.into()))?;
    let mut head: Vec<String> = vec!["line".into()];
    head.extend(headers.iter().cloned());
    head.push("reject_reason".into());
    w.write_record(&head).map_err(|e| err(e.into()))?;
    for r in rejects {
        let reasons: Vec<String> = r
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.column, e.reason))
            .collect();
        let mut row = vec![r.line.to_string()];
        row.extend(r.cells.iter().cloned());
        row.push(reasons.join("; "));
        w.write_record(&row).map_err(|e| err(e.into()))?;
    }
    w.flush().map_err(err)
}
