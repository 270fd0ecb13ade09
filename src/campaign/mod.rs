//! Campaigns: who is contacted, when, through which channel, with which flow — and what is remembered.
//!
//! - [`import`] — reading debtor and payment lists (encodings, separators, headers, phones, regions).
//! - [`debtor`], [`history`], [`outcome`] — the debtor with their stored ids, their contact history and what a finished call
//!   reports.
//! - [`channel`] — how a contact reaches the debtor (call, SMS, e-mail, voice message).
//! - [`dial`] — the ticket without which no call starts (attempt written, history loaded).
//! - [`strategy`] — campaign files: segments by rules, ladders of steps by day overdue, retry policies.
//! - [`channels`] — SMS through an HTTP gateway, e-mail through SMTP.
//! - [`compliance`] — legal contact limits: allowed or not, why, and when next.
//! - [`scheduler`] — the deterministic core deciding what to dial or send next and why others wait.
//! - [`planner`] — feeds the scheduler from debtors, histories and the strategy and explains its plan.
//! - [`standing`] — amount due, status and segment: one derivation for plan, export and analytics.
//! - [`report`] — results per debtor and analytics per strategy and segment.
//!
//! Nothing here reads or writes the store: `store` maps its rows to these types, and `ops` runs the steps that
//! need both (list imports, sending, loading a campaign's facts).

pub mod channel;
pub mod channels;
pub mod compliance;
pub mod debtor;
pub mod dial;
pub mod history;
pub mod import;
pub mod outcome;
pub mod planner;
pub mod regions;
pub mod report;
pub mod scheduler;
pub mod standing;
pub mod strategy;
