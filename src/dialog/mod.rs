//! The robot's brain: dialogue graphs, the event-driven engine, and understanding of what the debtor said.
//!
//! - [`flow`] — the YAML schema of a dialogue graph and its parser (with file positions).
//! - [`context`] — the debtor record and call context a conversation starts from.
//! - [`vars`], [`template`], [`guard`] — values, prompt templates and transition guards.
//! - [`engine`] — events in, actions out; deterministic and free of I/O.
//! - [`check`] — the validator behind `softcall dialog check`.
//! - [`render`] — Mermaid, Graphviz dot and SVG drawings of a flow.
//! - [`nlu`] — understanding; [`verbalize`] — speech-ready money and dates.

pub mod check;
pub mod context;
pub mod engine;
pub mod flow;
pub mod guard;
pub mod nlu;
pub mod render;
pub mod template;
pub mod vars;
pub mod verbalize;
