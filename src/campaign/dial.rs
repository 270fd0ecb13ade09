//! The only way to start a call: a [`DialTicket`], which exists only after the attempt row was written and the
//! debtor's contact history was loaded — so no call starts without its history, and none is lost in a crash.

use serde::Serialize;

use super::debtor::{StoredDebtor, StoredPhone};
use super::history::HistorySummary;

/// What the scheduler decided to dial.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DialOrder {
    /// Campaign row id.
    pub campaign_id: i64,
    /// Debtor row id.
    pub debtor_id: i64,
    /// Phone row id.
    pub phone_id: i64,
    /// Strategy name.
    pub strategy: String,
    /// Segment name.
    pub segment: String,
    /// Ladder step label (e.g. `day 7`).
    pub step: String,
    /// Dialogue flow to run (`dialogs/<flow>.yaml`).
    pub flow: String,
    /// The flow should recall the debtor's last promise.
    pub recall_promise: bool,
}

/// Permission to dial one debtor once, carrying everything the dialogue needs to know.
#[derive(Debug, Clone)]
pub struct DialTicket {
    attempt_id: i64,
    debtor: StoredDebtor,
    phone: StoredPhone,
    order: DialOrder,
    history: HistorySummary,
}

impl DialTicket {
    /// Built by the store after writing the attempt row (see `Store::begin_dial`).
    pub(crate) fn new(
        attempt_id: i64,
        debtor: StoredDebtor,
        phone: StoredPhone,
        order: DialOrder,
        history: HistorySummary,
    ) -> Self {
        DialTicket {
            attempt_id,
            debtor,
            phone,
            order,
            history,
        }
    }

    /// The attempt row written before dialling; report the outcome against it.
    pub fn attempt_id(&self) -> i64 {
        self.attempt_id
    }

    /// The debtor to talk to.
    pub fn debtor(&self) -> &StoredDebtor {
        &self.debtor
    }

    /// The number to dial (E.164).
    pub fn phone(&self) -> &str {
        &self.phone.e164
    }

    /// What was ordered: flow, step, segment.
    pub fn order(&self) -> &DialOrder {
        &self.order
    }

    /// The contact history summary the dialogue receives.
    pub fn history(&self) -> &HistorySummary {
        &self.history
    }
}
