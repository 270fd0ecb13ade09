//! A debtor as a campaign works with them: the stored row id, the record, the active phones and the status.

use crate::domain::DebtorRecord;

/// A phone of a stored debtor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPhone {
    /// Row id (attempts refer to it).
    pub id: i64,
    /// The number in E.164.
    pub e164: String,
}

/// A debtor as stored, with the ids the history refers to.
#[derive(Debug, Clone)]
pub struct StoredDebtor {
    /// Row id.
    pub id: i64,
    /// The imported data (amount due reduced by imported payments).
    pub record: DebtorRecord,
    /// Active phones in list order.
    pub phones: Vec<StoredPhone>,
    /// `active`, `paid` or `hard_collection`.
    pub status: String,
}
