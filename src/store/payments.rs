//! Payments: stored once per reference, deducted from the debt, and promises resolved as kept or broken.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::{Any, Row, Transaction};

use super::history::{date, ts};
use super::{QueryContext, Store, StoreError};
use crate::campaign::history::{promise_fate, PaymentEntry};
use crate::campaign::import::payments::PaymentRecord;
use crate::domain::PromiseStatus;

/// How a payment import changed the store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaymentCounts {
    /// New payments stored.
    pub inserted: u64,
    /// Payments already stored (same reference) and skipped.
    pub duplicates: u64,
    /// Promises that became kept.
    pub kept: u64,
    /// Promises that became broken.
    pub broken: u64,
}

/// Promises resolved by one pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PromiseChanges {
    /// Became kept.
    pub kept: u64,
    /// Became broken.
    pub broken: u64,
}

impl Store {
    /// Every debtor's external id mapped to its row id.
    pub async fn external_ids(&self) -> Result<HashMap<String, i64>, StoreError> {
        let c = "reading debtor ids";
        let mut map = HashMap::new();
        for r in sqlx::query("SELECT id, external_id FROM debtors")
            .fetch_all(self.pool())
            .await
            .ctx(c)?
        {
            map.insert(r.try_get("external_id").ctx(c)?, r.try_get("id").ctx(c)?);
        }
        Ok(map)
    }

    /// Stores payments (debtor row id, payment) in one transaction, derives each debt again (the list's report
    /// less the payments it cannot include, see [`crate::campaign::standing::ListReport`]), and resolves promises
    /// as of `now`. A payment whose reference is already stored is skipped, so re-importing a file is harmless.
    pub async fn import_payments(
        &self,
        payments: &[(i64, PaymentRecord)],
        now: DateTime<Utc>,
    ) -> Result<PaymentCounts, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .ctx("starting the payment import")?;
        let mut counts = PaymentCounts::default();
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut touched = std::collections::HashSet::new();
        for (debtor_id, p) in payments {
            let reference = match &p.reference {
                Some(r) => r.clone(),
                None => {
                    let key = format!("auto:{}:{}:{}", p.external_id, p.paid_on, p.amount);
                    let n = seen.entry(key.clone()).or_insert(0);
                    *n += 1;
                    format!("{key}:{n}")
                }
            };
            let inserted = sqlx::query(
                "INSERT INTO payments (debtor_id, reference, paid_on, amount, imported_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (reference) DO NOTHING",
            )
            .bind(*debtor_id)
            .bind(reference)
            .bind(p.paid_on.to_string())
            .bind(p.amount)
            .bind(now.timestamp())
            .execute(&mut *tx)
            .await
            .ctx("storing a payment")?;
            if inserted.rows_affected() == 0 {
                counts.duplicates += 1;
                continue;
            }
            counts.inserted += 1;
            touched.insert(*debtor_id);
        }
        super::debtors::refresh_balances(&mut tx, Some(&touched), now.timestamp()).await?;
        let changes = resolve_promises_in(&mut tx, now).await?;
        counts.kept = changes.kept;
        counts.broken = changes.broken;
        tx.commit().await.ctx("committing the payment import")?;
        Ok(counts)
    }

    /// Marks pending promises kept or broken as of `now` (each debtor's local date).
    pub async fn resolve_promises(&self, now: DateTime<Utc>) -> Result<PromiseChanges, StoreError> {
        let mut tx = self
            .pool()
            .begin()
            .await
            .ctx("starting promise resolution")?;
        let changes = resolve_promises_in(&mut tx, now).await?;
        tx.commit().await.ctx("committing promise resolution")?;
        Ok(changes)
    }
}

async fn resolve_promises_in(
    tx: &mut Transaction<'_, Any>,
    now: DateTime<Utc>,
) -> Result<PromiseChanges, StoreError> {
    let c = "resolving promises";
    let pending = sqlx::query(
        "SELECT p.id, p.debtor_id, p.made_at, p.promised_date, p.amount, d.time_zone FROM promises p \
         JOIN debtors d ON d.id = p.debtor_id WHERE p.status = 'pending' ORDER BY p.debtor_id, p.id",
    )
    .fetch_all(&mut **tx)
    .await
    .ctx(c)?;
    let mut payments: HashMap<i64, Vec<PaymentEntry>> = HashMap::new();
    let mut changes = PromiseChanges::default();
    for r in &pending {
        let debtor_id: i64 = r.try_get("debtor_id").ctx(c)?;
        if let std::collections::hash_map::Entry::Vacant(slot) = payments.entry(debtor_id) {
            let list = sqlx::query("SELECT paid_on, amount FROM payments WHERE debtor_id = $1")
                .bind(debtor_id)
                .fetch_all(&mut **tx)
                .await
                .ctx(c)?
                .iter()
                .map(|p| {
                    Ok(PaymentEntry {
                        paid_on: date(&p.try_get::<String, _>("paid_on").ctx(c)?)?,
                        amount: p.try_get("amount").ctx(c)?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            slot.insert(list);
        }
        let zone_name: String = r.try_get("time_zone").ctx(c)?;
        let zone: Tz = zone_name
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("time zone `{zone_name}`")))?;
        let made_on = ts(r.try_get("made_at").ctx(c)?)?
            .with_timezone(&zone)
            .date_naive();
        let today = now.with_timezone(&zone).date_naive();
        let promised = date(&r.try_get::<String, _>("promised_date").ctx(c)?)?;
        let amount = r.try_get::<Option<i64>, _>("amount").ctx(c)?.unwrap_or(0);
        let fate = promise_fate(made_on, promised, amount, &payments[&debtor_id], today);
        if fate != PromiseStatus::Pending {
            sqlx::query("UPDATE promises SET status = $1, resolved_at = $2 WHERE id = $3")
                .bind(fate.as_str())
                .bind(now.timestamp())
                .bind(r.try_get::<i64, _>("id").ctx(c)?)
                .execute(&mut **tx)
                .await
                .ctx(c)?;
            match fate {
                PromiseStatus::Kept => changes.kept += 1,
                _ => changes.broken += 1,
            }
        }
    }
    Ok(changes)
}
