//! Carrying out the non-call part of a plan: sending due SMS and e-mails, ladder messages and promise confirmations
//! alike (each written as an attempt before it goes out), and handing debtors over to hard collection (a status
//! change and an export line).

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::campaign::channel::Channel;
use crate::campaign::channels::{render, send_email, send_sms, template};
use crate::campaign::import::values::format_amount;
use crate::campaign::planner::CampaignPlan;
use crate::campaign::strategy::Strategy;
use crate::store::attempts::MessageOrder;
use crate::store::history::NewMessage;
use crate::store::{Store, StoreError};

/// Why carrying out a plan stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The hand-over file could not be written.
    #[error("{path}: cannot write the hand-over export: {source}")]
    HandOver {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// What was done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecuteReport {
    /// SMS accepted by the gateway.
    pub sms_sent: u32,
    /// SMS that failed (kept in the history with the reason).
    pub sms_failed: u32,
    /// E-mails accepted by the SMTP server.
    pub email_sent: u32,
    /// E-mails that failed.
    pub email_failed: u32,
    /// Debtors handed over to hard collection.
    pub handed_over: u32,
}

/// Sends the plan's messages and performs its hand-overs. Hand-overs are appended to `handover_csv`.
pub async fn execute(
    store: &Store,
    strategy: &Strategy,
    campaign_id: i64,
    plan: &CampaignPlan,
    now: DateTime<Utc>,
    handover_csv: &Path,
) -> Result<ExecuteReport, ExecuteError> {
    let mut report = ExecuteReport::default();
    for line in &plan.messages {
        let channel = if line.action == "sms" {
            Channel::Sms
        } else {
            Channel::Email
        };
        let debtor = store.debtor(line.debtor_id).await?;
        let tz: Tz = debtor
            .record
            .time_zone
            .parse()
            .unwrap_or(chrono_tz::Europe::Moscow);
        let mut values = template::values(&debtor.record, now.with_timezone(&tz).date_naive());
        if let Some(promise_id) = line.promise_id {
            let history = store.history(debtor.id).await?;
            let promise = history
                .promises
                .iter()
                .find(|p| p.id == promise_id)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "promise {promise_id} of debtor {} is not stored",
                        debtor.record.external_id
                    ))
                })?;
            template::add_promise(&mut values, promise.promised_date, promise.amount);
        }
        let attempt_id = store
            .begin_message(
                &MessageOrder {
                    campaign_id,
                    debtor_id: debtor.id,
                    channel,
                    strategy: strategy.name.clone(),
                    segment: line.segment.clone(),
                    step: line.step.clone(),
                    template: line.what.clone(),
                    promise_id: line.promise_id,
                },
                now,
            )
            .await?;
        let tpl = strategy
            .templates
            .get(&line.what)
            .cloned()
            .unwrap_or_default();
        let (recipient, body, result) = match channel {
            Channel::Sms => {
                let phone = line
                    .phone_id
                    .and_then(|id| debtor.phones.iter().find(|p| p.id == id))
                    .or(debtor.phones.first())
                    .map(|p| p.e164.clone())
                    .unwrap_or_default();
                match (
                    render(tpl.sms.as_deref().unwrap_or(""), &values),
                    strategy.sms.clone(),
                ) {
                    (Ok(text), Some(gw)) => {
                        let (p, t) = (phone.clone(), text.clone());
                        let sent = tokio::task::spawn_blocking(move || send_sms(&gw, &p, &t))
                            .await
                            .map_err(|e| e.to_string())
                            .and_then(|r| r.map(|_| ()).map_err(|e| e.to_string()));
                        (phone, text, sent)
                    }
                    (Err(e), _) => (phone, String::new(), Err(e.to_string())),
                    (_, None) => (
                        phone,
                        String::new(),
                        Err("no SMS gateway configured".into()),
                    ),
                }
            }
            _ => {
                let to = debtor.record.email.clone().unwrap_or_default();
                let subject = render(tpl.subject.as_deref().unwrap_or(""), &values);
                let body = render(tpl.body.as_deref().unwrap_or(""), &values);
                match (subject, body, &strategy.email) {
                    (Ok(s), Ok(b), Some(settings)) => {
                        let sent = send_email(settings, &to, &s, &b)
                            .await
                            .map_err(|e| e.to_string());
                        (to, format!("{s}\n\n{b}"), sent)
                    }
                    (Err(e), _, _) | (_, Err(e), _) => (to, String::new(), Err(e.to_string())),
                    (_, _, None) => (to, String::new(), Err("no SMTP server configured".into())),
                }
            }
        };
        let ok = result.is_ok();
        let error = result.err();
        store
            .record_message(&NewMessage {
                debtor_id: debtor.id,
                attempt_id: Some(attempt_id),
                channel,
                recipient: &recipient,
                body: &body,
                status: if ok { "sent" } else { "failed" },
                error: error.as_deref(),
                at: now,
            })
            .await?;
        store.finish_message(attempt_id, ok, now).await?;
        match (channel, ok) {
            (Channel::Sms, true) => report.sms_sent += 1,
            (Channel::Sms, false) => report.sms_failed += 1,
            (_, true) => report.email_sent += 1,
            (_, false) => report.email_failed += 1,
        }
        if let Some(e) = error {
            tracing::warn!(
                debtor = debtor.id,
                channel = channel.as_str(),
                "message failed: {e}"
            );
        }
    }
    if !plan.hand_overs.is_empty() {
        let io = |source| ExecuteError::HandOver {
            path: handover_csv.display().to_string(),
            source,
        };
        let fresh = !handover_csv.exists();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(handover_csv)
            .map_err(io)?;
        let mut w = csv::Writer::from_writer(file);
        let csv_err = |e: csv::Error| io(std::io::Error::other(e.to_string()));
        if fresh {
            w.write_record([
                "external_id",
                "full_name",
                "phones",
                "amount_due",
                "currency",
                "due_date",
                "segment",
                "attempts",
                "last_contact",
                "last_promise_date",
                "last_promise_status",
                "broken_promises",
                "handed_over_at",
            ])
            .map_err(csv_err)?;
        }
        for line in &plan.hand_overs {
            let d = store.debtor(line.debtor_id).await?;
            let h = store.history_summary(d.id).await?;
            w.write_record([
                d.record.external_id.clone(),
                d.record.full_name.clone(),
                d.record.phones.join(" "),
                format_amount(d.record.amount_due),
                d.record.currency.clone(),
                d.record.due_date.to_string(),
                line.segment.clone(),
                h.attempts.to_string(),
                h.last_contact
                    .as_ref()
                    .map(|c| c.at.to_rfc3339())
                    .unwrap_or_default(),
                h.last_promise
                    .as_ref()
                    .map(|p| p.promised_date.to_string())
                    .unwrap_or_default(),
                h.last_promise
                    .as_ref()
                    .map(|p| p.status.as_str().to_string())
                    .unwrap_or_default(),
                h.broken_promises.to_string(),
                now.to_rfc3339(),
            ])
            .map_err(csv_err)?;
            w.flush().map_err(io)?;
            store
                .set_debtor_status(campaign_id, d.id, "hard_collection")
                .await?;
            report.handed_over += 1;
        }
        w.flush().map_err(io)?;
        let mut inner = w
            .into_inner()
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        inner.flush().map_err(io)?;
    }
    Ok(report)
}
