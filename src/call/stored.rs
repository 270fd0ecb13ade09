//! Where a live call's records go in the store as the call produces them: the agent's context card before the
//! transfer, a task for agents after a failed one. (The promise, the outcome and the whole report are stored
//! when the call is finished, in one transaction with the attempt.)

use super::io::Record;
use super::live::RecordSink;
use crate::store::Store;

/// Stores the records of the call made in one attempt.
#[derive(Debug)]
pub struct StoreRecords<'a> {
    store: &'a Store,
    attempt_id: i64,
    debtor_id: i64,
    /// Every record handed over, in order (also those the store keeps only at the end of the call).
    pub records: Vec<Record>,
}

impl<'a> StoreRecords<'a> {
    /// A sink for the call of `attempt_id` to `debtor_id`.
    pub fn new(store: &'a Store, attempt_id: i64, debtor_id: i64) -> Self {
        Self {
            store,
            attempt_id,
            debtor_id,
            records: Vec::new(),
        }
    }
}

impl RecordSink for StoreRecords<'_> {
    async fn store(&mut self, record: &Record) -> Result<(), String> {
        self.records.push(record.clone());
        match record {
            Record::ContextCard(card) => {
                let json = serde_json::to_string(card).map_err(|e| e.to_string())?;
                self.store
                    .save_handoff_card(
                        self.attempt_id,
                        self.debtor_id,
                        &card.reason,
                        &json,
                        card.at,
                    )
                    .await
                    .map_err(|e| e.to_string())
            }
            Record::CallbackTask(task) => self
                .store
                .save_agent_task(
                    self.attempt_id,
                    self.debtor_id,
                    &task.reason,
                    &task.failure,
                    task.at,
                )
                .await
                .map_err(|e| e.to_string()),
            Record::Promise(_) | Record::Callback { .. } => Ok(()),
        }
    }
}
