//! Campaigns: who is contacted, when, through which channel, with which flow — and what is remembered.
//!
//! - [`import`] — reading debtor and payment lists (encodings, separators, headers, phones, regions).
//! - [`lists`] — importing those lists into the store, all-or-nothing or skipping invalid rows.
//! - [`history`], [`outcome`] — the debtor's contact history and what a finished call
//!   reports.
//! - [`channel`] — how a contact reaches the debtor (call, SMS, e-mail, voice message).
//! - [`dial`] — the ticket without which no call starts (attempt written, history loaded).
//! - [`strategy`] — campaign files: segments by rules, ladders of steps by day overdue, retry policies.
//! - [`channels`] — SMS through an HTTP gateway, e-mail through SMTP.
//! - [`compliance`] — legal contact limits: allowed or not, why, and when next.
//! - [`scheduler`] — the deterministic core deciding what to dial or send next and why others wait.
//! - [`planner`] — feeds the scheduler from the store and the strategy and explains its plan.
//! - [`execute`] — sending the due SMS and e-mails and handing debtors over to hard collection.
//! - [`standing`] — amount due, status and segment: one derivation for plan, export and analytics.
//! - [`report`] — results per debtor and analytics per strategy and segment.

pub mod channel;
pub mod channels;
pub mod compliance;
pub mod dial;
pub mod execute;
pub mod history;
pub mod import;
pub mod lists;
pub mod outcome;
pub mod planner;
pub mod regions;
pub mod report;
pub mod scheduler;
pub mod standing;
pub mod strategy;
