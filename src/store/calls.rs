//! What a live call leaves for people: the agent's context card of a hand-off, a task for agents when the
//! transfer failed, and the call's whole report. Stored as JSON next to the attempt, so the store needs no
//! knowledge of the call's types.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{QueryContext, Store, StoreError};

/// A task for agents: call this debtor back, the robot could not hand the call over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentTask {
    /// The attempt whose hand-off failed.
    pub attempt_id: i64,
    /// The debtor to call.
    pub debtor_id: i64,
    /// Why the robot wanted an agent.
    pub reason: String,
    /// Why the transfer failed.
    pub failure: String,
    /// When the task was made.
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Keeps the agent's context card (JSON) of a hand-off in `attempt_id`; a second card for the same attempt
    /// replaces the first.
    pub async fn save_handoff_card(
        &self,
        attempt_id: i64,
        debtor_id: i64,
        reason: &str,
        card_json: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO handoff_cards (attempt_id, debtor_id, reason, card, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (attempt_id) DO UPDATE SET reason = excluded.reason, card = excluded.card, \
             created_at = excluded.created_at",
        )
        .bind(attempt_id)
        .bind(debtor_id)
        .bind(reason)
        .bind(card_json)
        .bind(at.timestamp())
        .execute(self.pool())
        .await
        .ctx("storing an agent's context card")?;
        Ok(())
    }

    /// The context card (JSON) stored for `attempt_id`, if the call was handed over.
    pub async fn handoff_card(&self, attempt_id: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT card FROM handoff_cards WHERE attempt_id = $1")
            .bind(attempt_id)
            .fetch_optional(self.pool())
            .await
            .ctx("reading an agent's context card")?;
        row.map(|r| r.try_get::<String, _>(0))
            .transpose()
            .ctx("reading an agent's context card")
    }

    /// Keeps a task for agents to call the debtor back after a failed transfer in `attempt_id`.
    pub async fn save_agent_task(
        &self,
        attempt_id: i64,
        debtor_id: i64,
        reason: &str,
        failure: &str,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO agent_tasks (attempt_id, debtor_id, reason, failure, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (attempt_id) DO UPDATE SET reason = excluded.reason, failure = excluded.failure",
        )
        .bind(attempt_id)
        .bind(debtor_id)
        .bind(reason)
        .bind(failure)
        .bind(at.timestamp())
        .execute(self.pool())
        .await
        .ctx("storing a task for agents")?;
        Ok(())
    }

    /// Tasks for agents not done yet, oldest first.
    pub async fn open_agent_tasks(&self) -> Result<Vec<AgentTask>, StoreError> {
        let c = "reading tasks for agents";
        let rows = sqlx::query(
            "SELECT attempt_id, debtor_id, reason, failure, created_at FROM agent_tasks WHERE done_at IS NULL \
             ORDER BY created_at, attempt_id",
        )
        .fetch_all(self.pool())
        .await
        .ctx(c)?;
        rows.iter()
            .map(|r| {
                Ok(AgentTask {
                    attempt_id: r.try_get(0).ctx(c)?,
                    debtor_id: r.try_get(1).ctx(c)?,
                    reason: r.try_get(2).ctx(c)?,
                    failure: r.try_get(3).ctx(c)?,
                    created_at: super::history::ts(r.try_get(4).ctx(c)?)?,
                })
            })
            .collect()
    }

    /// Attaches the call's whole report (JSON) to the stored call `call_id`.
    pub async fn save_call_report(
        &self,
        call_id: i64,
        report_json: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE calls SET report = $1 WHERE id = $2")
            .bind(report_json)
            .bind(call_id)
            .execute(self.pool())
            .await
            .ctx("storing a call report")?;
        Ok(())
    }

    /// The report (JSON) of the call made in `attempt_id`, if it was stored.
    pub async fn call_report(&self, attempt_id: i64) -> Result<Option<String>, StoreError> {
        let row =
            sqlx::query("SELECT report FROM calls WHERE attempt_id = $1 ORDER BY id DESC LIMIT 1")
                .bind(attempt_id)
                .fetch_optional(self.pool())
                .await
                .ctx("reading a call report")?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()
            .ctx("reading a call report")?
            .flatten())
    }
}
