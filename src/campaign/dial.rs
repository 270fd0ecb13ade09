//! The only way to start a call: a [`DialTicket`], which exists only after the attempt row was written and the
//! debtor's contact history was loaded — so no call starts without its history, and none is lost in a crash.
//! A call the debtor places to us gets one too, once they are identified (`Store::begin_inbound`).

use serde::Serialize;

use super::channel::Direction;
use super::debtor::{StoredDebtor, StoredPhone};
use super::history::HistorySummary;

/// What the scheduler decided to dial (for a debtor's own call: the campaign, debtor, phone and flow it is answered
/// with, step `inbound`).
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

/// Permission to hold one call with a debtor — dialled, or answered when they call us — carrying everything the
/// dialogue needs to know.
#[derive(Debug, Clone)]
pub struct DialTicket {
    attempt_id: i64,
    debtor: StoredDebtor,
    phone: StoredPhone,
    order: DialOrder,
    history: HistorySummary,
    direction: Direction,
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
            direction: Direction::Outbound,
        }
    }

    /// Built by the store for a call the debtor placed from `phone` (see `Store::begin_inbound`).
    pub(crate) fn answered(
        attempt_id: i64,
        debtor: StoredDebtor,
        phone: StoredPhone,
        order: DialOrder,
        history: HistorySummary,
    ) -> Self {
        DialTicket {
            direction: Direction::Inbound,
            ..DialTicket::new(attempt_id, debtor, phone, order, history)
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

    /// The number to dial, or the number the debtor called from (E.164).
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

    /// Whether we dialled (outbound) or the debtor called us (inbound).
    pub fn direction(&self) -> Direction {
        self.direction
    }
}
