//! Calls debtors place to us: who has the calling number (caller ID), and the calls from numbers nobody has,
//! kept apart from every debtor's history.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::Row;

use super::history::ts;
use super::{QueryContext, Store, StoreError};

/// The debtor a calling number belongs to, and the campaign their call is answered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallerMatch {
    /// Debtor row id.
    pub debtor_id: i64,
    /// The phone row with the calling number.
    pub phone_id: i64,
    /// The debtor's most recent active campaign (their most recent one when none is active).
    pub campaign_id: i64,
}

/// A call from a number no debtor has: what happened, and nothing about any debtor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownCall {
    /// The SIP Call-ID of the INVITE (the key).
    pub sip_call_id: String,
    /// The campaign that answered.
    pub campaign_id: i64,
    /// The calling number as presented (E.164 when it could be read as a phone number), if any.
    pub caller: Option<String>,
    /// `message` (a neutral message) or `queue` (put through to the agent queue).
    pub handling: String,
    /// How the call ended.
    pub disposition: String,
    /// When the INVITE arrived.
    pub started_at: DateTime<Utc>,
    /// When it was answered.
    pub answered_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub ended_at: DateTime<Utc>,
    /// The two-sided recording.
    pub recording_path: Option<String>,
    /// The whole call report (JSON).
    pub report: Option<String>,
}

impl Store {
    /// The debtor whose active phone is `e164`, in any campaign. When several debtors share the number, the one
    /// with the most recently joined active campaign is taken. `None` when no debtor has it.
    pub async fn debtor_by_phone(&self, e164: &str) -> Result<Option<CallerMatch>, StoreError> {
        let c = "looking up a calling number";
        let row = sqlx::query(
            "SELECT p.debtor_id, p.id AS phone_id, cd.campaign_id FROM phones p \
             JOIN debtors d ON d.id = p.debtor_id \
             JOIN campaign_debtors cd ON cd.debtor_id = p.debtor_id \
             JOIN campaigns c ON c.id = cd.campaign_id \
             WHERE p.e164 = $1 AND p.position >= 0 \
             ORDER BY CASE WHEN cd.status = 'active' AND c.status = 'active' AND d.status = 'active' THEN 0 ELSE 1 END, \
             cd.added_at DESC, cd.campaign_id DESC, p.debtor_id DESC LIMIT 1",
        )
        .bind(e164)
        .fetch_optional(self.pool())
        .await
        .ctx(c)?;
        row.map(|r| {
            Ok(CallerMatch {
                debtor_id: r.try_get("debtor_id").ctx(c)?,
                phone_id: r.try_get("phone_id").ctx(c)?,
                campaign_id: r.try_get("campaign_id").ctx(c)?,
            })
        })
        .transpose()
    }

    /// Stores a call from an unknown number.
    pub async fn save_unknown_call(&self, call: &UnknownCall) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO unknown_calls (sip_call_id, campaign_id, caller, handling, disposition, started_at, \
             answered_at, ended_at, recording_path, report) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&call.sip_call_id)
        .bind(call.campaign_id)
        .bind(call.caller.clone())
        .bind(&call.handling)
        .bind(&call.disposition)
        .bind(call.started_at.timestamp())
        .bind(call.answered_at.map(|t| t.timestamp()))
        .bind(call.ended_at.timestamp())
        .bind(call.recording_path.clone())
        .bind(call.report.clone())
        .execute(self.pool())
        .await
        .ctx("storing a call from an unknown number")?;
        Ok(())
    }

    /// The calls from unknown numbers a campaign answered, oldest first.
    pub async fn unknown_calls(&self, campaign_id: i64) -> Result<Vec<UnknownCall>, StoreError> {
        let c = "reading calls from unknown numbers";
        sqlx::query(
            "SELECT sip_call_id, campaign_id, caller, handling, disposition, started_at, answered_at, ended_at, \
             recording_path, report FROM unknown_calls WHERE campaign_id = $1 ORDER BY started_at, sip_call_id",
        )
        .bind(campaign_id)
        .fetch_all(self.pool())
        .await
        .ctx(c)?
        .iter()
        .map(|r| {
            Ok(UnknownCall {
                sip_call_id: r.try_get("sip_call_id").ctx(c)?,
                campaign_id: r.try_get("campaign_id").ctx(c)?,
                caller: r.try_get("caller").ctx(c)?,
                handling: r.try_get("handling").ctx(c)?,
                disposition: r.try_get("disposition").ctx(c)?,
                started_at: ts(r.try_get("started_at").ctx(c)?)?,
                answered_at: r
                    .try_get::<Option<i64>, _>("answered_at")
                    .ctx(c)?
                    .map(ts)
                    .transpose()?,
                ended_at: ts(r.try_get("ended_at").ctx(c)?)?,
                recording_path: r.try_get("recording_path").ctx(c)?,
                report: r.try_get("report").ctx(c)?,
            })
        })
        .collect()
    }
}
