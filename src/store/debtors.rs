//! Campaigns, debtors and their phones: the all-or-nothing list import and the reads the scheduler needs.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::history::date;
use super::{flag, QueryContext, Store, StoreError};
use crate::campaign::debtor::{StoredDebtor, StoredPhone};
use crate::campaign::standing::{BalancePayment, DebtorStatus, ListReport};
use crate::domain::{DebtorFlags, DebtorRecord, Lang};

/// How a list import changed the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    /// Debtors new to the store.
    pub inserted: u64,
    /// Debtors that existed (same external id) and were updated.
    pub updated: u64,
}

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Row id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// `active`, `paused` or `finished`.
    pub status: String,
}

const DEBTOR_COLUMNS: &str = "d.id, d.external_id, d.full_name, d.time_zone, d.region, d.amount_due, d.currency, \
     d.due_date, d.product, d.creditor, d.email, d.prior_delinquencies, d.bankruptcy, d.hospital, d.minor, \
     d.disability_group_1, d.third_party_consent, d.extra_json, d.language, d.creditor_phone, d.status";

impl Store {
    /// Finds a campaign by name.
    pub async fn campaign(&self, name: &str) -> Result<Campaign, StoreError> {
        let row = sqlx::query("SELECT id, name, status FROM campaigns WHERE name = $1")
            .bind(name)
            .fetch_optional(self.pool())
            .await
            .ctx("looking up a campaign")?;
        match row {
            Some(r) => Ok(Campaign {
                id: r.try_get("id").ctx("reading a campaign")?,
                name: r.try_get("name").ctx("reading a campaign")?,
                status: r.try_get("status").ctx("reading a campaign")?,
            }),
            None => Err(StoreError::UnknownCampaign(name.to_string())),
        }
    }

    /// Imports debtors into a campaign in one transaction: new external ids are inserted, known ones updated.
    /// The list owns contact data and the amount it reports as of `as_of` (its export date); the amount due is
    /// then derived by [`ListReport`] from that report and the stored payments, and status, promises, refusals
    /// and hand-overs are never touched. Rows go in batches (one upsert, one phone statement and one membership
    /// statement per batch), so large lists need few round trips. `progress` is called with the number of
    /// records done so far. On any error nothing is written.
    pub async fn import_debtors(
        &self,
        campaign: &str,
        records: &[DebtorRecord],
        as_of: NaiveDate,
        now: i64,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportCounts, StoreError> {
        // Batches save round trips to a PostgreSQL server; embedded SQLite has none and is fastest with small ones.
        let batch_size = match self.backend() {
            super::Backend::Postgres => 400,
            super::Backend::Sqlite => 50,
        };
        let mut tx = self
            .pool()
            .begin()
            .await
            .ctx("starting the import transaction")?;
        let campaign_id = ensure_campaign(&mut tx, campaign, now).await?;
        let mut existing: HashMap<String, i64> = HashMap::new();
        let mut reports: HashMap<String, ListReport> = HashMap::new();
        let c = "reading known debtors";
        for row in
            sqlx::query("SELECT id, external_id, reported_amount, reported_on, reported_payments_upto FROM debtors")
                .fetch_all(&mut *tx)
                .await
                .ctx(c)?
        {
            let external_id: String = row.try_get("external_id").ctx(c)?;
            reports.insert(
                external_id.clone(),
                ListReport {
                    amount: row.try_get("reported_amount").ctx(c)?,
                    as_of: date(&row.try_get::<String, _>("reported_on").ctx(c)?)?,
                    payments_upto: row.try_get("reported_payments_upto").ctx(c)?,
                },
            );
            existing.insert(external_id, row.try_get("id").ctx(c)?);
        }
        let payments_upto: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM payments")
            .fetch_one(&mut *tx)
            .await
            .ctx(c)?
            .try_get(0)
            .ctx(c)?;
        let report_of = |r: &DebtorRecord| {
            ListReport::rebase(
                reports.get(&r.external_id).copied(),
                r.amount_due,
                as_of,
                payments_upto,
            )
        };
        let mut counts = ImportCounts::default();
        let mut done = 0u64;
        for batch in records.chunks(batch_size) {
            let known: Vec<i64> = batch
                .iter()
                .filter_map(|r| existing.get(&r.external_id).copied())
                .collect();
            counts.updated += known.len() as u64;
            counts.inserted += (batch.len() - known.len()) as u64;
            if !known.is_empty() {
                let list = placeholders(1, known.len());
                let sql = format!("UPDATE phones SET position = -1 WHERE debtor_id IN ({list})");
                let mut q = sqlx::query(&sql);
                for id in &known {
                    q = q.bind(*id);
                }
                q.execute(&mut *tx).await.ctx("updating phones")?;
            }
            let ids = upsert_debtors(&mut tx, batch, &report_of, now).await?;
            existing.extend(ids.iter().map(|(k, v)| (k.clone(), *v)));
            let id_of = |r: &DebtorRecord| {
                ids.get(&r.external_id).copied().ok_or_else(|| {
                    StoreError::Corrupt(format!("debtor `{}` missing after upsert", r.external_id))
                })
            };
            let mut phone_rows: Vec<(i64, &str, i64)> = Vec::new();
            for r in batch {
                let id = id_of(r)?;
                for (pos, phone) in r.phones.iter().enumerate() {
                    phone_rows.push((id, phone, pos as i64));
                }
            }
            for chunk in phone_rows.chunks(batch_size * 2) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|i| format!("(${}, ${}, ${})", 3 * i + 1, 3 * i + 2, 3 * i + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO phones (debtor_id, e164, position) VALUES {} \
                     ON CONFLICT (debtor_id, e164) DO UPDATE SET position = excluded.position",
                    values.join(", ")
                );
                let mut q = sqlx::query(&sql);
                for (id, phone, pos) in chunk {
                    q = q.bind(*id).bind(*phone).bind(*pos);
                }
                q.execute(&mut *tx).await.ctx("storing phones")?;
            }
            let values: Vec<String> = (0..batch.len())
                .map(|i| format!("($1, ${}, 'active', $2)", i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO campaign_debtors (campaign_id, debtor_id, status, added_at) VALUES {} \
                 ON CONFLICT (campaign_id, debtor_id) DO NOTHING",
                values.join(", ")
            );
            let mut q = sqlx::query(&sql).bind(campaign_id).bind(now);
            for r in batch {
                q = q.bind(id_of(r)?);
            }
            q.execute(&mut *tx)
                .await
                .ctx("adding debtors to the campaign")?;
            done += batch.len() as u64;
            progress(done);
        }
        refresh_balances(&mut tx, None, now).await?;
        tx.commit().await.ctx("committing the import")?;
        progress(records.len() as u64);
        Ok(counts)
    }

    /// Every debtor of a campaign with active phones, ordered by id.
    pub async fn campaign_debtors(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<StoredDebtor>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DEBTOR_COLUMNS} FROM debtors d JOIN campaign_debtors cd ON cd.debtor_id = d.id \
             WHERE cd.campaign_id = $1 ORDER BY d.id"
        ))
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .ctx("reading campaign debtors")?;
        let mut phones: HashMap<i64, Vec<StoredPhone>> = HashMap::new();
        for r in sqlx::query(
            "SELECT p.debtor_id, p.id, p.e164 FROM phones p JOIN campaign_debtors cd ON cd.debtor_id = p.debtor_id \
             WHERE cd.campaign_id = $1 AND p.position >= 0 ORDER BY p.debtor_id, p.position",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .ctx("reading phones")?
        {
            phones
                .entry(r.try_get("debtor_id").ctx("reading phones")?)
                .or_default()
                .push(StoredPhone {
                    id: r.try_get("id").ctx("reading phones")?,
                    e164: r.try_get("e164").ctx("reading phones")?,
                });
        }
        rows.iter()
            .map(|r| {
                let mut d = debtor_from_row(r)?;
                d.phones = phones.remove(&d.id).unwrap_or_default();
                d.record.phones = d.phones.iter().map(|p| p.e164.clone()).collect();
                Ok(d)
            })
            .collect()
    }

    /// One debtor by row id, with active phones.
    pub async fn debtor(&self, id: i64) -> Result<StoredDebtor, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {DEBTOR_COLUMNS} FROM debtors d WHERE d.id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await
        .ctx("reading a debtor")?
        .ok_or_else(|| StoreError::UnknownDebtor(id.to_string()))?;
        let mut d = debtor_from_row(&row)?;
        for r in sqlx::query(
            "SELECT id, e164 FROM phones WHERE debtor_id = $1 AND position >= 0 ORDER BY position",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await
        .ctx("reading phones")?
        {
            d.phones.push(StoredPhone {
                id: r.try_get("id").ctx("reading phones")?,
                e164: r.try_get("e164").ctx("reading phones")?,
            });
        }
        d.record.phones = d.phones.iter().map(|p| p.e164.clone()).collect();
        Ok(d)
    }

    /// Finds a debtor's row id by external id.
    pub async fn debtor_id(&self, external_id: &str) -> Result<i64, StoreError> {
        sqlx::query("SELECT id FROM debtors WHERE external_id = $1")
            .bind(external_id)
            .fetch_optional(self.pool())
            .await
            .ctx("looking up a debtor")?
            .map(|r| r.try_get::<i64, _>(0).ctx("looking up a debtor"))
            .transpose()?
            .ok_or_else(|| StoreError::UnknownDebtor(external_id.to_string()))
    }

    /// Records the campaign file a campaign runs with (latest text per strategy name).
    pub async fn save_strategy(
        &self,
        campaign_id: i64,
        name: &str,
        source_path: &str,
        source_text: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO strategies (campaign_id, name, source_path, source_text, loaded_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (campaign_id, name) DO UPDATE SET source_path = excluded.source_path, \
             source_text = excluded.source_text, loaded_at = excluded.loaded_at",
        )
        .bind(campaign_id)
        .bind(name)
        .bind(source_path)
        .bind(source_text)
        .bind(now)
        .execute(self.pool())
        .await
        .ctx("saving the strategy")?;
        Ok(())
    }

    /// Sets a debtor's status in a campaign and overall (e.g. `hard_collection` at the end of the ladder).
    pub async fn set_debtor_status(
        &self,
        campaign_id: i64,
        debtor_id: i64,
        status: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await.ctx("starting a status change")?;
        sqlx::query(
            "UPDATE campaign_debtors SET status = $1 WHERE campaign_id = $2 AND debtor_id = $3",
        )
        .bind(status)
        .bind(campaign_id)
        .bind(debtor_id)
        .execute(&mut *tx)
        .await
        .ctx("changing a campaign status")?;
        sqlx::query("UPDATE debtors SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(debtor_id)
            .execute(&mut *tx)
            .await
            .ctx("changing a debtor status")?;
        tx.commit().await.ctx("committing a status change")
    }
}

/// `$from, $from+1, …` for `n` parameters.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts or updates a batch of debtors by external id; returns external id → row id.
async fn upsert_debtors(
    tx: &mut Transaction<'_, Any>,
    batch: &[DebtorRecord],
    report_of: &dyn Fn(&DebtorRecord) -> ListReport,
    now: i64,
) -> Result<HashMap<String, i64>, StoreError> {
    const COLS: usize = 22;
    let values: Vec<String> = (0..batch.len())
        .map(|i| format!("({}, 'active', $1, $1)", placeholders(2 + i * COLS, COLS)))
        .collect();
    let sql = format!(
        "INSERT INTO debtors (external_id, full_name, time_zone, region, amount_due, currency, due_date, product, \
         creditor, email, prior_delinquencies, bankruptcy, hospital, minor, disability_group_1, third_party_consent, \
         extra_json, language, creditor_phone, reported_amount, reported_on, reported_payments_upto, status, created_at, \
         updated_at) VALUES {} \
         ON CONFLICT (external_id) DO UPDATE SET full_name = excluded.full_name, time_zone = excluded.time_zone, \
         region = excluded.region, amount_due = excluded.amount_due, reported_amount = excluded.reported_amount, \
         reported_on = excluded.reported_on, reported_payments_upto = excluded.reported_payments_upto, currency = excluded.currency, \
         due_date = excluded.due_date, product = excluded.product, creditor = excluded.creditor, \
         email = excluded.email, prior_delinquencies = excluded.prior_delinquencies, \
         bankruptcy = excluded.bankruptcy, hospital = excluded.hospital, minor = excluded.minor, \
         disability_group_1 = excluded.disability_group_1, third_party_consent = excluded.third_party_consent, \
         extra_json = excluded.extra_json, language = excluded.language, creditor_phone = excluded.creditor_phone, \
         updated_at = excluded.updated_at \
         RETURNING id, external_id",
        values.join(", ")
    );
    let mut q = sqlx::query(&sql).bind(now);
    for rec in batch {
        let extra =
            serde_json::to_string(&rec.extra).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let report = report_of(rec);
        q = q
            .bind(rec.external_id.clone())
            .bind(rec.full_name.clone())
            .bind(rec.time_zone.clone())
            .bind(rec.region.clone())
            .bind(rec.amount_due)
            .bind(rec.currency.clone())
            .bind(rec.due_date.to_string())
            .bind(rec.product.clone())
            .bind(rec.creditor.clone())
            .bind(rec.email.clone())
            .bind(i64::from(rec.prior_delinquencies))
            .bind(flag(rec.flags.bankruptcy))
            .bind(flag(rec.flags.hospital))
            .bind(flag(rec.flags.minor))
            .bind(flag(rec.flags.disability_group_1))
            .bind(flag(rec.flags.third_party_consent))
            .bind(extra)
            .bind(rec.language.map(|l| l.code().to_string()))
            .bind(rec.creditor_phone.clone())
            .bind(report.amount)
            .bind(report.as_of.to_string())
            .bind(report.payments_upto);
    }
    let mut ids = HashMap::with_capacity(batch.len());
    for row in q.fetch_all(&mut **tx).await.ctx("storing debtors")? {
        ids.insert(
            row.try_get::<String, _>("external_id")
                .ctx("storing debtors")?,
            row.try_get::<i64, _>("id").ctx("storing debtors")?,
        );
    }
    Ok(ids)
}

async fn ensure_campaign(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    now: i64,
) -> Result<i64, StoreError> {
    sqlx::query("INSERT INTO campaigns (name, status, created_at) VALUES ($1, 'active', $2) ON CONFLICT (name) DO NOTHING")
        .bind(name)
        .bind(now)
        .execute(&mut **tx)
        .await
        .ctx("creating the campaign")?;
    sqlx::query("SELECT id FROM campaigns WHERE name = $1")
        .bind(name)
        .fetch_one(&mut **tx)
        .await
        .ctx("reading the campaign id")?
        .try_get::<i64, _>(0)
        .ctx("reading the campaign id")
}

/// Applies [`ListReport::amount_due`] to every debtor with a report and payments (or only to `only`): the amount
/// due and the paid/active status follow; a hand-over status is never changed.
pub(crate) async fn refresh_balances(
    tx: &mut Transaction<'_, Any>,
    only: Option<&std::collections::HashSet<i64>>,
    now: i64,
) -> Result<(), StoreError> {
    let c = "recomputing amounts due";
    let mut payments: HashMap<i64, Vec<BalancePayment>> = HashMap::new();
    for r in sqlx::query("SELECT id, debtor_id, paid_on, amount FROM payments")
        .fetch_all(&mut **tx)
        .await
        .ctx(c)?
    {
        let debtor_id: i64 = r.try_get("debtor_id").ctx(c)?;
        if only.is_some_and(|set| !set.contains(&debtor_id)) {
            continue;
        }
        payments.entry(debtor_id).or_default().push(BalancePayment {
            paid_on: date(&r.try_get::<String, _>("paid_on").ctx(c)?)?,
            amount: r.try_get("amount").ctx(c)?,
            id: r.try_get("id").ctx(c)?,
        });
    }
    for (debtor_id, list) in payments {
        let r = sqlx::query(
            "SELECT reported_amount, reported_on, reported_payments_upto, amount_due, status FROM debtors WHERE id = $1",
        )
        .bind(debtor_id)
        .fetch_one(&mut **tx)
        .await
        .ctx(c)?;
        let report = ListReport {
            amount: r.try_get("reported_amount").ctx(c)?,
            as_of: date(&r.try_get::<String, _>("reported_on").ctx(c)?)?,
            payments_upto: r.try_get("reported_payments_upto").ctx(c)?,
        };
        let due = report.amount_due(&list);
        let stored_status: String = r.try_get("status").ctx(c)?;
        let status = DebtorStatus::derive(&stored_status, None, due);
        if due != r.try_get::<i64, _>("amount_due").ctx(c)? || status.as_str() != stored_status {
            sqlx::query(
                "UPDATE debtors SET amount_due = $1, status = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(due)
            .bind(status.as_str())
            .bind(now)
            .bind(debtor_id)
            .execute(&mut **tx)
            .await
            .ctx(c)?;
        }
    }
    Ok(())
}

fn debtor_from_row(r: &AnyRow) -> Result<StoredDebtor, StoreError> {
    let c = "reading a debtor";
    let due: String = r.try_get("due_date").ctx(c)?;
    let due_date = NaiveDate::parse_from_str(&due, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("due date `{due}`")))?;
    let extra_json: String = r.try_get("extra_json").ctx(c)?;
    let extra: BTreeMap<String, String> = serde_json::from_str(&extra_json)
        .map_err(|e| StoreError::Corrupt(format!("extra columns: {e}")))?;
    let b = |name: &str| -> Result<bool, StoreError> { Ok(r.try_get::<i64, _>(name).ctx(c)? != 0) };
    let language = r
        .try_get::<Option<String>, _>("language")
        .ctx(c)?
        .map(|code| {
            code.parse::<Lang>()
                .map_err(|e| StoreError::Corrupt(format!("debtor language: {e}")))
        })
        .transpose()?;
    Ok(StoredDebtor {
        id: r.try_get("id").ctx(c)?,
        record: DebtorRecord {
            external_id: r.try_get("external_id").ctx(c)?,
            full_name: r.try_get("full_name").ctx(c)?,
            phones: Vec::new(),
            time_zone: r.try_get("time_zone").ctx(c)?,
            region: r.try_get("region").ctx(c)?,
            amount_due: r.try_get("amount_due").ctx(c)?,
            currency: r.try_get("currency").ctx(c)?,
            due_date,
            product: r.try_get("product").ctx(c)?,
            creditor: r.try_get("creditor").ctx(c)?,
            creditor_phone: r.try_get("creditor_phone").ctx(c)?,
            email: r.try_get("email").ctx(c)?,
            language,
            prior_delinquencies: u32::try_from(r.try_get::<i64, _>("prior_delinquencies").ctx(c)?)
                .unwrap_or(0),
            flags: DebtorFlags {
                bankruptcy: b("bankruptcy")?,
                hospital: b("hospital")?,
                minor: b("minor")?,
                disability_group_1: b("disability_group_1")?,
                third_party_consent: b("third_party_consent")?,
            },
            extra,
        },
        phones: Vec::new(),
        status: r.try_get("status").ctx(c)?,
    })
}
