//! The attempt lifecycle: written before dialling or sending (or once a debtor who called us is identified),
//! finished with an outcome, and after a crash the
//! attempts left in flight are resolved without dialling anyone twice or exceeding limits.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{flag, QueryContext, Store, StoreError};
use crate::campaign::channel::{Channel, Direction};
use crate::campaign::dial::{DialOrder, DialTicket};
use crate::campaign::outcome::CallOutcome;
use crate::campaign::scheduler::attempt::{FINISHABLE, LOST, SETTLED_FROM};
use crate::campaign::scheduler::{AttemptOutcome, AttemptState};

/// A message attempt (SMS or e-mail) about to be sent.
#[derive(Debug, Clone)]
pub struct MessageOrder {
    /// Campaign row id.
    pub campaign_id: i64,
    /// Debtor row id.
    pub debtor_id: i64,
    /// SMS or e-mail.
    pub channel: Channel,
    /// Strategy name.
    pub strategy: String,
    /// Segment name.
    pub segment: String,
    /// Ladder step label.
    pub step: String,
    /// Template name.
    pub template: String,
    /// The promise a confirmation confirms.
    pub promise_id: Option<i64>,
}

/// An attempt that was in flight when the process stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// Attempt id.
    pub id: i64,
    /// Debtor row id.
    pub debtor_id: i64,
    /// Channel.
    pub channel: String,
    /// When it was written.
    pub created_at: i64,
}

impl Store {
    /// Loads the debtor's history, writes the attempt row (state `dialing`) and returns the ticket that lets the
    /// call start. Fails with [`StoreError::AttemptState`] when the debtor already has a call in flight.
    pub async fn begin_dial(
        &self,
        order: DialOrder,
        now: DateTime<Utc>,
    ) -> Result<DialTicket, StoreError> {
        self.begin_call(order, Direction::Outbound, now).await
    }

    /// For a call the debtor placed to us and was identified by caller ID: loads their history, writes an inbound
    /// attempt row (state `dialing` until finished, like a dialled call) and returns its ticket. Fails with
    /// [`StoreError::AttemptState`] when the debtor is already on another inbound call.
    pub async fn begin_inbound(
        &self,
        order: DialOrder,
        now: DateTime<Utc>,
    ) -> Result<DialTicket, StoreError> {
        self.begin_call(order, Direction::Inbound, now).await
    }

    async fn begin_call(
        &self,
        order: DialOrder,
        direction: Direction,
        now: DateTime<Utc>,
    ) -> Result<DialTicket, StoreError> {
        let debtor = self.debtor(order.debtor_id).await?;
        let phone = debtor
            .phones
            .iter()
            .find(|p| p.id == order.phone_id)
            .cloned()
            .ok_or_else(|| {
                StoreError::UnknownDebtor(format!("{} (phone {})", order.debtor_id, order.phone_id))
            })?;
        let history = self.history_summary(order.debtor_id).await?;
        let id = self
            .insert_attempt(
                order.campaign_id,
                order.debtor_id,
                Some(order.phone_id),
                (Channel::Call, direction),
                (&order.strategy, &order.segment, &order.step),
                Some(&order.flow),
                None,
                now,
            )
            .await?;
        Ok(match direction {
            Direction::Outbound => DialTicket::new(id, debtor, phone, order, history),
            Direction::Inbound => DialTicket::answered(id, debtor, phone, order, history),
        })
    }

    /// Writes a message attempt (state `dialing` until the gateway answers) and returns its id.
    pub async fn begin_message(
        &self,
        order: &MessageOrder,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        self.insert_attempt(
            order.campaign_id,
            order.debtor_id,
            None,
            (order.channel, Direction::Outbound),
            (&order.strategy, &order.segment, &order.step),
            Some(&order.template),
            order.promise_id,
            now,
        )
        .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_attempt(
        &self,
        campaign_id: i64,
        debtor_id: i64,
        phone_id: Option<i64>,
        (channel, direction): (Channel, Direction),
        (strategy, segment, step): (&str, &str, &str),
        flow: Option<&str>,
        promise_id: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let result = sqlx::query(
            "INSERT INTO attempts (campaign_id, debtor_id, phone_id, channel, direction, strategy, segment, step, flow, \
             state, created_at, promise_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(campaign_id)
        .bind(debtor_id)
        .bind(phone_id)
        .bind(channel.as_str())
        .bind(direction.as_str())
        .bind(strategy)
        .bind(segment)
        .bind(step)
        .bind(flow)
        .bind(AttemptState::Dialing.as_str())
        .bind(now.timestamp())
        .bind(promise_id)
        .fetch_one(self.pool())
        .await;
        match result {
            Ok(row) => row.try_get::<i64, _>(0).ctx("writing an attempt"),
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                Err(StoreError::AttemptState {
                    id: debtor_id,
                    action: "started for this debtor",
                    state: "another attempt is in flight".into(),
                })
            }
            Err(source) => Err(StoreError::Query {
                context: "writing an attempt",
                source,
            }),
        }
    }

    /// Finishes a message attempt as sent or not sent.
    pub async fn finish_message(
        &self,
        attempt_id: i64,
        sent: bool,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let outcome = if sent {
            AttemptOutcome::Sent
        } else {
            AttemptOutcome::NotSent
        };
        let done = sqlx::query(
            "UPDATE attempts SET state = $1, outcome = $2, finished_at = $3 WHERE id = $4 AND state = $5",
        )
        .bind(AttemptState::Done.as_str())
        .bind(outcome.as_str())
        .bind(now.timestamp())
        .bind(attempt_id)
        .bind(AttemptState::Dialing.as_str())
        .execute(self.pool())
        .await
        .ctx("finishing a message attempt")?;
        if done.rows_affected() == 0 {
            return Err(self.state_error(attempt_id, "finished").await);
        }
        Ok(())
    }

    /// Stores a finished call in one transaction: the attempt's outcome, the call with its conversation, and the
    /// promise, refusal or complaint the disposition implies. An attempt resolved as `unknown` after a crash may
    /// still be finished with its real outcome.
    pub async fn finish_call(
        &self,
        ticket: &DialTicket,
        outcome: &CallOutcome,
    ) -> Result<i64, StoreError> {
        let attempt_id = ticket.attempt_id();
        let debtor_id = ticket.debtor().id;
        let d = outcome.disposition;
        let mut tx = self.pool().begin().await.ctx("starting to store a call")?;
        let updated = sqlx::query(
            "UPDATE attempts SET state = $1, outcome = $2, right_party = $3, conversation = $4, finished_at = $5 \
             WHERE id = $6 AND state IN ($7, $8)",
        )
        .bind(AttemptState::Done.as_str())
        .bind(AttemptOutcome::Call(d).as_str())
        .bind(flag(d.is_right_party()))
        .bind(flag(d.is_conversation()))
        .bind(outcome.ended_at.timestamp())
        .bind(attempt_id)
        .bind(FINISHABLE[0].as_str())
        .bind(FINISHABLE[1].as_str())
        .execute(&mut *tx)
        .await
        .ctx("finishing a call attempt")?;
        if updated.rows_affected() == 0 {
            drop(tx);
            return Err(self.state_error(attempt_id, "finished").await);
        }
        let call_id: i64 = sqlx::query(
            "INSERT INTO calls (attempt_id, disposition, started_at, answered_at, ended_at, handoff_reason, \
             recording_path) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(attempt_id)
        .bind(d.as_str())
        .bind(outcome.started_at.timestamp())
        .bind(outcome.answered_at.map(|t| t.timestamp()))
        .bind(outcome.ended_at.timestamp())
        .bind(outcome.handoff_reason.clone())
        .bind(outcome.recording_path.clone())
        .fetch_one(&mut *tx)
        .await
        .ctx("storing a call")?
        .try_get(0)
        .ctx("storing a call")?;
        for e in &outcome.events {
            sqlx::query("INSERT INTO conversation_events (call_id, at, speaker, kind, text) VALUES ($1, $2, $3, $4, $5)")
                .bind(call_id)
                .bind(e.at.timestamp())
                .bind(&e.speaker)
                .bind(&e.kind)
                .bind(&e.text)
                .execute(&mut *tx)
                .await
                .ctx("storing a conversation event")?;
        }
        let at = outcome.ended_at.timestamp();
        if let Some((date, amount)) = outcome.promise {
            let amount = amount.unwrap_or(ticket.debtor().record.amount_due);
            sqlx::query(
                "INSERT INTO promises (debtor_id, attempt_id, made_at, promised_date, amount, status) \
                 VALUES ($1, $2, $3, $4, $5, 'pending')",
            )
            .bind(debtor_id)
            .bind(attempt_id)
            .bind(at)
            .bind(date.to_string())
            .bind(amount)
            .execute(&mut *tx)
            .await
            .ctx("storing a promise")?;
        }
        if d.is_refusal() {
            sqlx::query("INSERT INTO refusals (debtor_id, attempt_id, at, kind, note) VALUES ($1, $2, $3, $4, 'call')")
                .bind(debtor_id)
                .bind(attempt_id)
                .bind(at)
                .bind(d.as_str())
                .execute(&mut *tx)
                .await
                .ctx("storing a refusal")?;
        }
        if d.is_complaint() {
            sqlx::query("INSERT INTO complaints (debtor_id, attempt_id, at, source, text) VALUES ($1, $2, $3, 'call', $4)")
                .bind(debtor_id)
                .bind(attempt_id)
                .bind(at)
                .bind(outcome.handoff_reason.clone().unwrap_or_default())
                .execute(&mut *tx)
                .await
                .ctx("storing a complaint")?;
        }
        tx.commit().await.ctx("committing a call")?;
        Ok(call_id)
    }

    /// Attempts still marked in flight (written before dialling, never finished).
    pub async fn in_flight(&self) -> Result<Vec<InFlight>, StoreError> {
        let c = "reading attempts in flight";
        sqlx::query(
            "SELECT id, debtor_id, channel, created_at FROM attempts WHERE state = $1 ORDER BY id",
        )
        .bind(SETTLED_FROM.as_str())
        .fetch_all(self.pool())
        .await
        .ctx(c)?
        .iter()
        .map(|r| {
            Ok(InFlight {
                id: r.try_get("id").ctx(c)?,
                debtor_id: r.try_get("debtor_id").ctx(c)?,
                channel: r.try_get("channel").ctx(c)?,
                created_at: r.try_get("created_at").ctx(c)?,
            })
        })
        .collect()
    }

    /// After a crash: attempts in flight that started before `older_than` (no live call can still be running)
    /// are settled by the attempt rule ([`LOST`]): `unknown`, an interaction and a made attempt, the stricter
    /// reading, so daily and weekly limits hold whatever really happened. `now` is stored as their finish time:
    /// the debtor is held a full retry interval from it and the next call rotates to the next phone. Returns how
    /// many were resolved.
    pub async fn resolve_in_flight(
        &self,
        older_than: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        self.settle_lost("created_at < $6", older_than.timestamp(), now)
            .await
    }

    /// When a campaign run starts: the campaign's outbound attempts still in flight were left by a run that was
    /// killed (one run per campaign at a time), so they are settled at once by the same rule as
    /// [`Store::resolve_in_flight`]. Inbound calls in flight belong to `campaign answer`, which may still be
    /// holding them.
    pub async fn resolve_campaign_in_flight(
        &self,
        campaign_id: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let condition = format!(
            "campaign_id = $6 AND direction = '{}'",
            Direction::Outbound.as_str()
        );
        self.settle_lost(&condition, campaign_id, now).await
    }

    async fn settle_lost(
        &self,
        condition: &str,
        value: i64,
        now: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let sql = format!(
            "UPDATE attempts SET state = $1, outcome = $2, conversation = $3, finished_at = $4 \
             WHERE state = $5 AND {condition}"
        );
        let r = sqlx::query(&sql)
            .bind(LOST.state.as_str())
            .bind(LOST.outcome.as_str())
            .bind(flag(LOST.conversation))
            .bind(now.timestamp())
            .bind(SETTLED_FROM.as_str())
            .bind(value)
            .execute(self.pool())
            .await
            .ctx("resolving attempts in flight")?;
        Ok(r.rows_affected())
    }

    async fn state_error(&self, attempt_id: i64, action: &'static str) -> StoreError {
        let state = sqlx::query("SELECT state FROM attempts WHERE id = $1")
            .bind(attempt_id)
            .fetch_optional(self.pool())
            .await
            .ok()
            .flatten()
            .and_then(|r| r.try_get::<String, _>(0).ok())
            .unwrap_or_else(|| "missing".into());
        StoreError::AttemptState {
            id: attempt_id,
            action,
            state,
        }
    }
}
