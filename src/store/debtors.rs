//! Campaigns, debtors and their phones: the all-or-nothing list import and the reads the scheduler needs.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use super::{flag, QueryContext, Store, StoreError};
use crate::campaign::debtor::{DebtorFlags, DebtorRecord};

/// A phone of a stored debtor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhone {
    /// Row id (attempts refer to it).
    pub id: i64,
    /// The number in E.164.
    pub e164: String,
}

/// A debtor as stored, with the ids the history refers to.
#[derive(Debug, Clone)]
pub struct StoredDebtor {
    /// Row id.
    pub id: i64,
    /// The imported data (amount due reduced by imported payments).
    pub record: DebtorRecord,
    /// Active phones in list order.
    pub phones: Vec<StoredPhone>,
    /// `active`, `paid` or `hard_collection`.
    pub status: String,
}

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
     d.disability_group_1, d.third_party_consent, d.extra_json, d.status";

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
    /// `progress` is called with the number of records done so far. On any error nothing is written.
    pub async fn import_debtors(
        &self,
        campaign: &str,
        records: &[DebtorRecord],
        now: i64,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<ImportCounts, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .ctx("starting the import transaction")?;
        let campaign_id = ensure_campaign(&mut tx, campaign, now).await?;
        let mut existing: HashMap<String, i64> = HashMap::new();
        for row in sqlx::query("SELECT id, external_id FROM debtors")
            .fetch_all(&mut *tx)
            .await
            .ctx("reading known debtors")?
        {
            existing.insert(
                row.try_get("external_id").ctx("reading known debtors")?,
                row.try_get("id").ctx("reading known debtors")?,
            );
        }
        let mut counts = ImportCounts::default();
        for (i, rec) in records.iter().enumerate() {
            let extra = serde_json::to_string(&rec.extra)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let id = if let Some(&id) = existing.get(&rec.external_id) {
                sqlx::query(
                    "UPDATE debtors SET full_name = $1, time_zone = $2, region = $3, amount_due = $4, currency = $5, \
                     due_date = $6, product = $7, creditor = $8, email = $9, prior_delinquencies = $10, \
                     bankruptcy = $11, hospital = $12, minor = $13, disability_group_1 = $14, \
                     third_party_consent = $15, extra_json = $16, updated_at = $17 WHERE id = $18",
                )
                .bind(&rec.full_name)
                .bind(&rec.time_zone)
                .bind(rec.region.clone())
                .bind(rec.amount_due)
                .bind(&rec.currency)
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
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await
                .ctx("updating a debtor")?;
                sqlx::query("UPDATE phones SET position = -1 WHERE debtor_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .ctx("updating phones")?;
                counts.updated += 1;
                id
            } else {
                let row = sqlx::query(
                    "INSERT INTO debtors (external_id, full_name, time_zone, region, amount_due, currency, due_date, \
                     product, creditor, email, prior_delinquencies, bankruptcy, hospital, minor, disability_group_1, \
                     third_party_consent, extra_json, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'active', $18, $18) \
                     RETURNING id",
                )
                .bind(&rec.external_id)
                .bind(&rec.full_name)
                .bind(&rec.time_zone)
                .bind(rec.region.clone())
                .bind(rec.amount_due)
                .bind(&rec.currency)
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
                .bind(now)
                .fetch_one(&mut *tx)
                .await
                .ctx("inserting a debtor")?;
                let id: i64 = row.try_get(0).ctx("inserting a debtor")?;
                existing.insert(rec.external_id.clone(), id);
                counts.inserted += 1;
                id
            };
            for (pos, phone) in rec.phones.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO phones (debtor_id, e164, position) VALUES ($1, $2, $3) \
                     ON CONFLICT (debtor_id, e164) DO UPDATE SET position = excluded.position",
                )
                .bind(id)
                .bind(phone)
                .bind(pos as i64)
                .execute(&mut *tx)
                .await
                .ctx("storing a phone")?;
            }
            sqlx::query(
                "INSERT INTO campaign_debtors (campaign_id, debtor_id, status, added_at) VALUES ($1, $2, 'active', $3) \
                 ON CONFLICT (campaign_id, debtor_id) DO NOTHING",
            )
            .bind(campaign_id)
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .ctx("adding a debtor to the campaign")?;
            if i % 500 == 499 {
                progress(i as u64 + 1);
            }
        }
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

fn debtor_from_row(r: &AnyRow) -> Result<StoredDebtor, StoreError> {
    let c = "reading a debtor";
    let due: String = r.try_get("due_date").ctx(c)?;
    let due_date = NaiveDate::parse_from_str(&due, "%Y-%m-%d")
        .map_err(|_| StoreError::Corrupt(format!("due date `{due}`")))?;
    let extra_json: String = r.try_get("extra_json").ctx(c)?;
    let extra: BTreeMap<String, String> = serde_json::from_str(&extra_json)
        .map_err(|e| StoreError::Corrupt(format!("extra columns: {e}")))?;
    let b = |name: &str| -> Result<bool, StoreError> { Ok(r.try_get::<i64, _>(name).ctx(c)? != 0) };
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
            email: r.try_get("email").ctx(c)?,
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
