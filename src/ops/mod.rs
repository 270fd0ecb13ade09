//! The steps that need more than one stage — above `campaign`, `store`, `call` and `dialog`, so none of them
//! needs the others' types.
//!
//! - [`bridge`] — a dial ticket becomes the call's context; a call report becomes the outcome the store keeps.
//! - [`dial`] — one campaign call from its ticket to the stored result, over SIP with the live conductor.
//! - [`inbound`] — calls debtors place to us: caller ID, the campaign's inbound flow, the stored contact.
//! - [`lists`] — importing debtor and payment lists into the store, all-or-nothing or skipping invalid rows.
//! - [`execute`] — sending the due SMS and e-mails and handing debtors over to hard collection.
//! - [`report`] — loading a campaign's facts for results and analytics.
//! - [`planning`] — a campaign's plan at one moment, from the store.
//! - [`run`] — `campaign run`: the loop that plans, dials, sends and waits until the campaign's work is done.

pub mod bridge;
#[cfg(feature = "speech")]
pub mod dial;
pub mod execute;
#[cfg(feature = "speech")]
pub mod inbound;
pub mod lists;
pub mod planning;
pub mod report;
#[cfg(feature = "speech")]
pub mod run;
