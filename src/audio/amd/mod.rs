//! Answering-machine detection: a person, a voicemail greeting or a call-screening robot, within seconds of
//! answer.
//!
//! [`detector`] is the pure classifier (timing of the first speech plus [`beep`] detection), fed 20 ms
//! frames with the VAD's verdict; [`config`] holds its parameters (the `[amd]` section); [`message`] is the
//! campaign's policy for machines and the limited-content message left after the beep; [`evaluate`] scores
//! the classifier on labelled recordings. The rule and its figures: `docs/amd.md`.

pub mod beep;
pub mod config;
pub mod detector;
pub mod evaluate;
pub mod message;

pub use config::{AmdConfig, AmdConfigError, BeepConfig, Party};
pub use detector::{AmdDecision, AmdDetector, Reason};
pub use message::{voicemail_message, Creditor, MachinePolicy, MessageError, OnMachine};
