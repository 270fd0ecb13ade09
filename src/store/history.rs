//! Writing and reading each debtor's contact history: calls with their conversation, promises, messages,
//! complaints and refusals.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{QueryContext, Store, StoreError};
use crate::campaign::channel::{Channel, Direction};
use crate::campaign::history::{
    summarize, AttemptEntry, ComplaintEntry, DebtorHistory, HistorySummary, PaymentEntry,
    PromiseEntry, RefusalEntry,
};
use crate::campaign::scheduler::{AttemptOutcome, AttemptState};
use crate::domain::PromiseStatus;

/// A message (SMS or e-mail) to record.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// The debtor.
    pub debtor_id: i64,
    /// The attempt it belongs to.
    pub attempt_id: Option<i64>,
    /// SMS or e-mail.
    pub channel: Channel,
    /// Phone or address.
    pub recipient: &'a str,
    /// The text sent.
    pub body: &'a str,
    /// `sent` or `failed`.
    pub status: &'a str,
    /// Why sending failed.
    pub error: Option<&'a str>,
    /// When.
    pub at: DateTime<Utc>,
}

pub(crate) fn ts(t: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp(t, 0).ok_or_else(|| StoreError::Corrupt(format!("timestamp {t}")))
}

pub(crate) fn parse_channel(s: &str) -> Result<Channel, StoreError> {
    s.parse::<Channel>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_direction(s: &str) -> Result<Direction, StoreError> {
    s.parse::<Direction>()
        .map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The attempt columns [`attempt_entry`] reads.
const ATTEMPT_COLUMNS: &str =
    "id, channel, direction, created_at, state, outcome, right_party, conversation, finished_at, \
     segment, step, promise_id";

/// One attempt row (selected with [`ATTEMPT_COLUMNS`]) as a history entry.
fn attempt_entry(r: &AnyRow) -> Result<AttemptEntry, StoreError> {
    let c = "reading the contact history";
    let channel = parse_channel(&r.try_get::<String, _>("channel").ctx(c)?)?;
    let state: String = r.try_get("state").ctx(c)?;
    let outcome: Option<String> = r.try_get("outcome").ctx(c)?;
    Ok(AttemptEntry {
        id: r.try_get("id").ctx(c)?,
        channel,
        direction: parse_direction(&r.try_get::<String, _>("direction").ctx(c)?)?,
        at: ts(r.try_get("created_at").ctx(c)?)?,
        state: AttemptState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("attempt state `{state}`")))?,
        outcome: match outcome {
            None => None,
            Some(o) => {
                Some(AttemptOutcome::parse(channel, &o).ok_or_else(|| {
                    StoreError::Corrupt(format!("{channel} attempt outcome `{o}`"))
                })?)
            }
        },
        right_party: r.try_get::<i64, _>("right_party").ctx(c)? != 0,
        conversation: r.try_get::<i64, _>("conversation").ctx(c)? != 0,
        finished_at: r
            .try_get::<Option<i64>, _>("finished_at")
            .ctx(c)?
            .map(ts)
            .transpose()?,
        segment: r.try_get("segment").ctx(c)?,
        step: r.try_get("step").ctx(c)?,
        promise_id: r.try_get("promise_id").ctx(c)?,
    })
}

pub(crate) fn promise_status(s: &str) -> Result<PromiseStatus, StoreError> {
    PromiseStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("promise status `{s}`")))
}

pub(crate) fn date(s: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("date `{s}`")))
}

impl Store {
    /// Records a promise to pay; without an amount the debtor's whole amount due is promised.
    pub async fn record_promise(
        &self,
        debtor_id: i64,
        attempt_id: Option<i64>,
        made_at: DateTime<Utc>,
        promised_date: NaiveDate,
        amount: Option<i64>,
    ) -> Result<i64, StoreError> {
        let amount = match amount {
            Some(a) => a,
            None => self.debtor(debtor_id).await?.record.amount_due,
        };
        sqlx::query(
            "INSERT INTO promises (debtor_id, attempt_id, made_at, promised_date, amount, status) \
             VALUES ($1, $2, $3, $4, $5, 'pending') RETURNING id",
        )
        .bind(debtor_id)
        .bind(attempt_id)
        .bind(made_at.timestamp())
        .bind(promised_date.to_string())
        .bind(amount)
        .fetch_one(self.pool())
        .await
        .ctx("recording a promise")?
        .try_get::<i64, _>(0)
        .ctx("recording a promise")
    }

    /// Records a sent (or failed) SMS or e-mail.
    pub async fn record_message(&self, m: &NewMessage<'_>) -> Result<i64, StoreError> {
        sqlx::query(
            "INSERT INTO messages (debtor_id, attempt_id, channel, recipient, body, status, error, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(m.debtor_id)
        .bind(m.attempt_id)
        .bind(m.channel.as_str())
        .bind(m.recipient)
        .bind(m.body)
        .bind(m.status)
        .bind(m.error)
        .bind(m.at.timestamp())
        .fetch_one(self.pool())
        .await
        .ctx("recording a message")?
        .try_get::<i64, _>(0)
        .ctx("recording a message")
    }

    /// Records a complaint.
    pub async fn record_complaint(
        &self,
        debtor_id: i64,
        attempt_id: Option<i64>,
        at: DateTime<Utc>,
        source: &str,
        text: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO complaints (debtor_id, attempt_id, at, source, text) VALUES ($1, $2, $3, $4, $5)")
            .bind(debtor_id)
            .bind(attempt_id)
            .bind(at.timestamp())
            .bind(source)
            .bind(text)
            .execute(self.pool())
            .await
            .ctx("recording a complaint")?;
        Ok(())
    }

    /// Records a refusal: `refused`, `stop_calls` or `formal_refusal`.
    pub async fn record_refusal(
        &self,
        debtor_id: i64,
        attempt_id: Option<i64>,
        at: DateTime<Utc>,
        kind: &str,
        note: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO refusals (debtor_id, attempt_id, at, kind, note) VALUES ($1, $2, $3, $4, $5)")
            .bind(debtor_id)
            .bind(attempt_id)
            .bind(at.timestamp())
            .bind(kind)
            .bind(note)
            .execute(self.pool())
            .await
            .ctx("recording a refusal")?;
        Ok(())
    }

    /// Everything stored about a debtor's contacts, oldest first.
    pub async fn history(&self, debtor_id: i64) -> Result<DebtorHistory, StoreError> {
        let pool = self.pool();
        let mut h = DebtorHistory::default();
        let c = "reading the contact history";
        for r in sqlx::query(&format!(
            "SELECT {ATTEMPT_COLUMNS} FROM attempts WHERE debtor_id = $1 ORDER BY created_at, id"
        ))
        .bind(debtor_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            h.attempts.push(attempt_entry(&r)?);
        }
        for r in sqlx::query(
            "SELECT id, made_at, promised_date, amount, status FROM promises WHERE debtor_id = $1 ORDER BY made_at, id",
        )
        .bind(debtor_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            let status: String = r.try_get("status").ctx(c)?;
            h.promises.push(PromiseEntry {
                id: r.try_get("id").ctx(c)?,
                made_at: ts(r.try_get("made_at").ctx(c)?)?,
                promised_date: date(&r.try_get::<String, _>("promised_date").ctx(c)?)?,
                amount: r.try_get::<Option<i64>, _>("amount").ctx(c)?.unwrap_or(0),
                status: promise_status(&status)?,
            });
        }
        h.payments = self.payments_of(debtor_id).await?;
        for r in sqlx::query(
            "SELECT at, source, text FROM complaints WHERE debtor_id = $1 ORDER BY at, id",
        )
        .bind(debtor_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            h.complaints.push(ComplaintEntry {
                at: ts(r.try_get("at").ctx(c)?)?,
                source: r.try_get("source").ctx(c)?,
                text: r.try_get("text").ctx(c)?,
            });
        }
        for r in sqlx::query("SELECT at, kind FROM refusals WHERE debtor_id = $1 ORDER BY at, id")
            .bind(debtor_id)
            .fetch_all(pool)
            .await
            .ctx(c)?
        {
            h.refusals.push(RefusalEntry {
                at: ts(r.try_get("at").ctx(c)?)?,
                kind: r.try_get("kind").ctx(c)?,
            });
        }
        Ok(h)
    }

    /// Every history of a campaign's debtors (contacts from all campaigns), loaded in a few queries.
    pub async fn campaign_histories(
        &self,
        campaign_id: i64,
    ) -> Result<HashMap<i64, DebtorHistory>, StoreError> {
        let pool = self.pool();
        let c = "reading campaign histories";
        let mut map: HashMap<i64, DebtorHistory> = HashMap::new();
        let members = "SELECT debtor_id FROM campaign_debtors WHERE campaign_id = $1";
        for r in sqlx::query(&format!(
            "SELECT debtor_id, {ATTEMPT_COLUMNS} FROM attempts WHERE debtor_id IN ({members}) \
             ORDER BY created_at, id"
        ))
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            map.entry(r.try_get("debtor_id").ctx(c)?)
                .or_default()
                .attempts
                .push(attempt_entry(&r)?);
        }
        for r in sqlx::query(&format!(
            "SELECT id, debtor_id, made_at, promised_date, amount, status FROM promises \
             WHERE debtor_id IN ({members}) ORDER BY made_at, id"
        ))
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            let status: String = r.try_get("status").ctx(c)?;
            map.entry(r.try_get("debtor_id").ctx(c)?)
                .or_default()
                .promises
                .push(PromiseEntry {
                    id: r.try_get("id").ctx(c)?,
                    made_at: ts(r.try_get("made_at").ctx(c)?)?,
                    promised_date: date(&r.try_get::<String, _>("promised_date").ctx(c)?)?,
                    amount: r.try_get::<Option<i64>, _>("amount").ctx(c)?.unwrap_or(0),
                    status: promise_status(&status)?,
                });
        }
        for r in sqlx::query(&format!(
            "SELECT debtor_id, paid_on, amount FROM payments WHERE debtor_id IN ({members}) ORDER BY paid_on, id"
        ))
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            map.entry(r.try_get("debtor_id").ctx(c)?).or_default().payments.push(PaymentEntry {
                paid_on: date(&r.try_get::<String, _>("paid_on").ctx(c)?)?,
                amount: r.try_get("amount").ctx(c)?,
            });
        }
        for r in sqlx::query(&format!(
            "SELECT debtor_id, at, source, text FROM complaints WHERE debtor_id IN ({members}) ORDER BY at, id"
        ))
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            map.entry(r.try_get("debtor_id").ctx(c)?).or_default().complaints.push(ComplaintEntry {
                at: ts(r.try_get("at").ctx(c)?)?,
                source: r.try_get("source").ctx(c)?,
                text: r.try_get("text").ctx(c)?,
            });
        }
        for r in sqlx::query(&format!(
            "SELECT debtor_id, at, kind FROM refusals WHERE debtor_id IN ({members}) ORDER BY at, id"
        ))
        .bind(campaign_id)
        .fetch_all(pool)
        .await
        .ctx(c)?
        {
            map.entry(r.try_get("debtor_id").ctx(c)?).or_default().refusals.push(RefusalEntry {
                at: ts(r.try_get("at").ctx(c)?)?,
                kind: r.try_get("kind").ctx(c)?,
            });
        }
        Ok(map)
    }

    /// The summary the dialogue receives.
    pub async fn history_summary(&self, debtor_id: i64) -> Result<HistorySummary, StoreError> {
        Ok(summarize(&self.history(debtor_id).await?))
    }

    /// A debtor's payments, oldest first.
    pub async fn payments_of(&self, debtor_id: i64) -> Result<Vec<PaymentEntry>, StoreError> {
        let c = "reading payments";
        sqlx::query(
            "SELECT paid_on, amount FROM payments WHERE debtor_id = $1 ORDER BY paid_on, id",
        )
        .bind(debtor_id)
        .fetch_all(self.pool())
        .await
        .ctx(c)?
        .iter()
        .map(|r| {
            Ok(PaymentEntry {
                paid_on: date(&r.try_get::<String, _>("paid_on").ctx(c)?)?,
                amount: r.try_get("amount").ctx(c)?,
            })
        })
        .collect()
    }
}
