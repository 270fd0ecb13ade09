//! The raw facts results exports and analytics are computed from.

use sqlx::Row;

use super::history::{date, parse_channel, promise_status, ts};
use super::{QueryContext, Store, StoreError};

use crate::campaign::report::{AttemptFact, PromiseFact};

impl Store {
    /// Every attempt of a campaign, oldest first.
    pub async fn attempt_facts(&self, campaign_id: i64) -> Result<Vec<AttemptFact>, StoreError> {
        let c = "reading campaign attempts";
        sqlx::query(
            "SELECT id, debtor_id, channel, strategy, segment, step, state, outcome, right_party, conversation, \
             created_at FROM attempts WHERE campaign_id = $1 ORDER BY created_at, id",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .ctx(c)?
        .iter()
        .map(|r| {
            let channel: String = r.try_get("channel").ctx(c)?;
            Ok(AttemptFact {
                id: r.try_get("id").ctx(c)?,
                debtor_id: r.try_get("debtor_id").ctx(c)?,
                channel: parse_channel(&channel)?,
                strategy: r.try_get("strategy").ctx(c)?,
                segment: r.try_get("segment").ctx(c)?,
                step: r.try_get("step").ctx(c)?,
                state: r.try_get("state").ctx(c)?,
                outcome: r.try_get("outcome").ctx(c)?,
                right_party: r.try_get::<i64, _>("right_party").ctx(c)? != 0,
                conversation: r.try_get::<i64, _>("conversation").ctx(c)? != 0,
                at: ts(r.try_get("created_at").ctx(c)?)?,
            })
        })
        .collect()
    }

    /// Every promise of the campaign's debtors (with the attempt that obtained it, if any), oldest first.
    pub async fn promise_facts(&self, campaign_id: i64) -> Result<Vec<PromiseFact>, StoreError> {
        let c = "reading campaign promises";
        sqlx::query(
            "SELECT p.id, p.debtor_id, p.attempt_id, p.made_at, p.promised_date, p.amount, p.status FROM promises p \
             JOIN campaign_debtors cd ON cd.debtor_id = p.debtor_id WHERE cd.campaign_id = $1 ORDER BY p.made_at, p.id",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .ctx(c)?
        .iter()
        .map(|r| {
            let status: String = r.try_get("status").ctx(c)?;
            Ok(PromiseFact {
                debtor_id: r.try_get("debtor_id").ctx(c)?,
                attempt_id: r.try_get("attempt_id").ctx(c)?,
                made_at: ts(r.try_get("made_at").ctx(c)?)?,
                promised_date: date(&r.try_get::<String, _>("promised_date").ctx(c)?)?,
                amount: r.try_get::<Option<i64>, _>("amount").ctx(c)?.unwrap_or(0),
                status: promise_status(&status)?,
            })
        })
        .collect()
    }

    /// Campaign membership status per debtor row id.
    pub async fn campaign_statuses(
        &self,
        campaign_id: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let c = "reading campaign statuses";
        sqlx::query("SELECT debtor_id, status FROM campaign_debtors WHERE campaign_id = $1 ORDER BY debtor_id")
            .bind(campaign_id)
            .fetch_all(self.pool())
            .await
            .ctx(c)?
            .iter()
            .map(|r| Ok((r.try_get("debtor_id").ctx(c)?, r.try_get("status").ctx(c)?)))
            .collect()
    }

    /// The campaign file a campaign was last planned or sent with: (path as given, text).
    pub async fn latest_strategy(
        &self,
        campaign_id: i64,
    ) -> Result<Option<(String, String)>, StoreError> {
        let c = "reading the stored strategy";
        sqlx::query(
            "SELECT source_path, source_text FROM strategies WHERE campaign_id = $1 ORDER BY loaded_at DESC, id DESC",
        )
        .bind(campaign_id)
        .fetch_optional(self.pool())
        .await
        .ctx(c)?
        .map(|r| Ok((r.try_get("source_path").ctx(c)?, r.try_get("source_text").ctx(c)?)))
        .transpose()
    }

    /// The extra (non-standard) list columns any debtor of the campaign has: template placeholders it may use.
    pub async fn extra_columns(
        &self,
        campaign_id: i64,
    ) -> Result<std::collections::BTreeSet<String>, StoreError> {
        let c = "reading the list's extra columns";
        let mut columns = std::collections::BTreeSet::new();
        for r in sqlx::query(
            "SELECT DISTINCT d.extra_json FROM debtors d JOIN campaign_debtors cd ON cd.debtor_id = d.id \
             WHERE cd.campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .ctx(c)?
        {
            let json: String = r.try_get("extra_json").ctx(c)?;
            let map: std::collections::BTreeMap<String, String> = serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("extra columns: {e}")))?;
            columns.extend(map.into_keys());
        }
        Ok(columns)
    }
}
