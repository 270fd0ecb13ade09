//! Debtor lists: columns mapped to fields, every row checked, results split into records and rejects.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{Duration, NaiveDate};

use super::headers::{lookup, names_of, DebtorField, DEBTOR_ALIASES};
use super::text::{Encoding, Table};
use super::{phone, values, ImportError, Rejected, RowError};
use crate::campaign::regions;
use crate::domain::{DebtorFlags, DebtorRecord};

/// What reading a debtor list produced.
#[derive(Debug)]
pub struct ParsedDebtors {
    /// Valid records with the line each came from.
    pub records: Vec<(u64, DebtorRecord)>,
    /// Invalid rows with reasons.
    pub rejects: Vec<Rejected>,
    /// Headers no field matched: kept as template fields.
    pub unknown_columns: Vec<String>,
    /// The header line as written.
    pub headers: Vec<String>,
    /// Detected encoding.
    pub encoding: Encoding,
    /// Detected separator.
    pub delimiter: u8,
}

/// Options for reading a debtor list.
#[derive(Debug, Clone, Copy)]
pub struct DebtorListOptions {
    /// The day "days overdue" refers to (due date = this day minus days overdue).
    pub as_of: NaiveDate,
    /// Unknown columns are an error instead of template fields.
    pub strict_columns: bool,
}

enum Column {
    Field(DebtorField),
    Extra(String),
}

/// Checks a parsed table as a debtor list. Structural problems (missing columns) are errors; row problems
/// are collected into `rejects` so the caller decides between all-or-nothing and `--skip-invalid`.
pub fn parse(
    path: &Path,
    table: Table,
    opts: DebtorListOptions,
) -> Result<ParsedDebtors, ImportError> {
    let file = path.display().to_string();
    let mut columns = Vec::with_capacity(table.headers.len());
    let mut seen: HashMap<DebtorField, String> = HashMap::new();
    let mut unknown = Vec::new();
    for header in &table.headers {
        match lookup(DEBTOR_ALIASES, header) {
            Some(DebtorField::Phone) => columns.push(Column::Field(DebtorField::Phone)),
            Some(field) => {
                if let Some(first) = seen.get(&field) {
                    return Err(ImportError::DuplicateColumn {
                        path: file,
                        field: field.label().to_string(),
                        first: first.clone(),
                        second: header.clone(),
                    });
                }
                seen.insert(field, header.clone());
                columns.push(Column::Field(field));
            }
            None => {
                unknown.push(header.clone());
                columns.push(Column::Extra(header.clone()));
            }
        }
    }
    let has = |f: DebtorField| {
        f == DebtorField::Phone
            && columns
                .iter()
                .any(|c| matches!(c, Column::Field(DebtorField::Phone)))
            || seen.contains_key(&f)
    };
    for required in [
        DebtorField::ExternalId,
        DebtorField::FullName,
        DebtorField::Phone,
        DebtorField::AmountDue,
    ] {
        if !has(required) {
            return Err(missing(
                &file,
                required.label(),
                names_of(DEBTOR_ALIASES, required),
            ));
        }
    }
    if !has(DebtorField::TimeZone) && !has(DebtorField::Region) {
        return Err(missing(
            &file,
            "time zone or region",
            format!(
                "{}; or {}",
                names_of(DEBTOR_ALIASES, DebtorField::TimeZone),
                names_of(DEBTOR_ALIASES, DebtorField::Region)
            ),
        ));
    }
    if !has(DebtorField::DueDate) && !has(DebtorField::DaysOverdue) {
        return Err(missing(
            &file,
            "due date or days overdue",
            format!(
                "{}; or {}",
                names_of(DEBTOR_ALIASES, DebtorField::DueDate),
                names_of(DEBTOR_ALIASES, DebtorField::DaysOverdue)
            ),
        ));
    }
    if opts.strict_columns && !unknown.is_empty() {
        let quoted: Vec<String> = unknown.iter().map(|u| format!("`{u}`")).collect();
        return Err(ImportError::UnknownColumns {
            path: file,
            columns: quoted.join(", "),
        });
    }

    let mut records = Vec::with_capacity(table.rows.len());
    let mut rejects = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for (line, cells) in table.rows {
        match parse_row(line, &table.headers, &columns, &cells, opts.as_of) {
            Ok(record) => {
                if let Some(first) = first_line_of.get(&record.external_id) {
                    let column = seen
                        .get(&DebtorField::ExternalId)
                        .cloned()
                        .unwrap_or_default();
                    rejects.push(Rejected {
                        line,
                        cells,
                        errors: vec![RowError {
                            line,
                            column,
                            reason: format!(
                                "external id `{}` repeats line {first}; each debtor once per list",
                                record.external_id
                            ),
                        }],
                    });
                    continue;
                }
                first_line_of.insert(record.external_id.clone(), line);
                records.push((line, record));
            }
            Err(errors) => rejects.push(Rejected {
                line,
                cells,
                errors,
            }),
        }
    }
    Ok(ParsedDebtors {
        records,
        rejects,
        unknown_columns: unknown,
        headers: table.headers,
        encoding: table.encoding,
        delimiter: table.delimiter,
    })
}

fn missing(file: &str, field: &str, accepted: String) -> ImportError {
    ImportError::MissingColumn {
        path: file.to_string(),
        field: field.to_string(),
        accepted,
    }
}

fn parse_row(
    line: u64,
    headers: &[String],
    columns: &[Column],
    cells: &[String],
    as_of: NaiveDate,
) -> Result<DebtorRecord, Vec<RowError>> {
    let mut errors: Vec<RowError> = Vec::new();
    let mut err = |i: usize, reason: String| {
        errors.push(RowError {
            line,
            column: headers[i].clone(),
            reason,
        })
    };
    let mut phone_error = false;
    let mut zone_error = false;
    let mut date_error = false;
    let mut external_id = None;
    let mut full_name = None;
    let mut phones: Vec<String> = Vec::new();
    let mut zone = None;
    let mut region = None;
    let mut amount_due = None;
    let mut currency = "RUB".to_string();
    let mut due_date = None;
    let mut days_overdue = None;
    let mut product = None;
    let mut creditor = None;
    let mut creditor_phone = None;
    let mut language = None;
    let mut email = None;
    let mut prior = 0u32;
    let mut flags = DebtorFlags::default();
    let mut extra = BTreeMap::new();

    for (i, column) in columns.iter().enumerate() {
        let cell = cells[i].trim();
        let opt = || (!cell.is_empty()).then(|| cell.to_string());
        match column {
            Column::Extra(name) => {
                extra.insert(name.clone(), cell.to_string());
            }
            Column::Field(field) => match field {
                DebtorField::ExternalId => external_id = opt(),
                DebtorField::FullName => full_name = opt(),
                DebtorField::Phone => match phone::normalize_list(cell) {
                    Ok(list) => {
                        for p in list {
                            if !phones.contains(&p) {
                                phones.push(p);
                            }
                        }
                    }
                    Err(e) => {
                        phone_error = true;
                        err(i, e.to_string())
                    }
                },
                DebtorField::TimeZone => {
                    if !cell.is_empty() {
                        match regions::parse_zone(cell) {
                            Some(tz) => zone = Some(tz.name().to_string()),
                            None => {
                                zone_error = true;
                                err(
                                i,
                                format!("unknown time zone `{cell}` (use an IANA name like Europe/Moscow or MSK+2)"),
                                )
                            }
                        }
                    }
                }
                DebtorField::Region => {
                    if !cell.is_empty() {
                        match regions::find(cell) {
                            Some(r) => region = Some(r),
                            None => {
                                zone_error = true;
                                err(i, format!("unknown region `{cell}` (use the subject's name or its code, e.g. 66 or Свердловская область)"))
                            }
                        }
                    }
                }
                DebtorField::AmountDue => match values::parse_amount(cell) {
                    Ok(a) => amount_due = Some(a),
                    Err(e) => err(i, e),
                },
                DebtorField::Currency => match values::parse_currency(cell) {
                    Ok(c) => currency = c,
                    Err(e) => err(i, e),
                },
                DebtorField::DueDate => {
                    if !cell.is_empty() {
                        match values::parse_date(cell) {
                            Ok(d) => due_date = Some(d),
                            Err(e) => {
                                date_error = true;
                                err(i, e)
                            }
                        }
                    }
                }
                DebtorField::DaysOverdue => {
                    if !cell.is_empty() {
                        match cell.parse::<i64>() {
                            Ok(d) if (0..=36_500).contains(&d) => days_overdue = Some(d),
                            _ => {
                                date_error = true;
                                err(i, format!("`{cell}` is not a number of days (0 or more)"))
                            }
                        }
                    }
                }
                DebtorField::Product => product = opt(),
                DebtorField::Creditor => creditor = opt(),
                DebtorField::CreditorPhone => {
                    if !cell.is_empty() {
                        match phone::normalize(cell) {
                            Ok(p) => creditor_phone = Some(p),
                            Err(e) => err(
                                i,
                                format!(
                                    "creditor's {e}; write one number, or leave the cell empty"
                                ),
                            ),
                        }
                    }
                }
                DebtorField::Language => {
                    if !cell.is_empty() {
                        match values::parse_language(cell) {
                            Ok(l) => language = Some(l),
                            Err(e) => err(i, e),
                        }
                    }
                }
                DebtorField::Email => {
                    if !cell.is_empty() {
                        if cell.contains('@')
                            && !cell.contains(' ')
                            && !cell.starts_with('@')
                            && !cell.ends_with('@')
                        {
                            email = Some(cell.to_string());
                        } else {
                            err(i, format!("`{cell}` is not an e-mail address"));
                        }
                    }
                }
                DebtorField::PriorDelinquencies => {
                    if !cell.is_empty() {
                        match cell.parse::<u32>() {
                            Ok(n) => prior = n,
                            Err(_) => match values::parse_flag(cell) {
                                Ok(b) => prior = u32::from(b),
                                Err(_) => err(
                                    i,
                                    format!("`{cell}` is not a count of earlier delinquencies"),
                                ),
                            },
                        }
                    }
                }
                flag => match values::parse_flag(cell) {
                    Ok(v) => match flag {
                        DebtorField::Bankruptcy => flags.bankruptcy = v,
                        DebtorField::Hospital => flags.hospital = v,
                        DebtorField::Minor => flags.minor = v,
                        DebtorField::DisabilityGroup1 => flags.disability_group_1 = v,
                        _ => flags.third_party_consent = v,
                    },
                    Err(e) => err(i, e),
                },
            },
        }
    }
    let col_of = |f: DebtorField| {
        columns
            .iter()
            .position(|c| matches!(c, Column::Field(x) if *x == f))
            .unwrap_or(0)
    };
    if external_id.is_none() {
        err(
            col_of(DebtorField::ExternalId),
            "external id is empty".into(),
        );
    }
    if full_name.is_none() {
        err(col_of(DebtorField::FullName), "full name is empty".into());
    }
    if phones.is_empty() && !phone_error {
        err(col_of(DebtorField::Phone), "no phone number".into());
    }
    let time_zone = match (zone, region) {
        (Some(z), _) => Some(z),
        (None, Some(r)) => Some(r.zone.name().to_string()),
        (None, None) => {
            if !zone_error {
                err(
                    col_of(DebtorField::TimeZone).max(col_of(DebtorField::Region)),
                    "neither a time zone nor a region is given".into(),
                );
            }
            None
        }
    };
    let due = match (due_date, days_overdue) {
        (Some(d), _) => Some(d),
        (None, Some(days)) => Some(as_of - Duration::days(days)),
        (None, None) => {
            if !date_error {
                err(
                    col_of(DebtorField::DueDate).max(col_of(DebtorField::DaysOverdue)),
                    "neither a due date nor days overdue is given".into(),
                );
            }
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    // Every required value was checked above; `errors` is empty only when all are present.
    match (external_id, full_name, time_zone, amount_due, due) {
        (Some(external_id), Some(full_name), Some(time_zone), Some(amount_due), Some(due_date)) => {
            Ok(DebtorRecord {
                external_id,
                full_name,
                phones,
                time_zone,
                region: region.map(|r| r.code.clone()),
                amount_due,
                currency,
                due_date,
                product,
                creditor,
                creditor_phone,
                email,
                language,
                prior_delinquencies: prior,
                flags,
                extra,
            })
        }
        _ => Err(vec![RowError {
            line,
            column: String::new(),
            reason: "incomplete row".into(),
        }]),
    }
}
