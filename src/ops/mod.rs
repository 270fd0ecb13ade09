//! The steps that need more than one stage — above `campaign`, `store`, `call` and `dialog`, so none of them
//! needs the others' types.
//!
//! - [`bridge`] — a dial ticket becomes the call's context; a call report becomes the outcome the store keeps.
//! - [`lists`] — importing debtor and payment lists into the store, all-or-nothing or skipping invalid rows.
//! - [`execute`] — sending the due SMS and e-mails and handing debtors over to hard collection.
//! - [`report`] — loading a campaign's facts for results and analytics.

pub mod bridge;
pub mod execute;
pub mod lists;
pub mod report;
