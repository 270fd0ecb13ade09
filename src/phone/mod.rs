//! `softcall phone`: a simulated debtor phone. A scenario file says how the phone answers and what it
//! does after each robot prompt; the scenario runner is a core without I/O driven by the call's events,
//! received audio and time.
//!
//! - [`scenario`] — the YAML scenario format (answer mode, steps, ending).
//! - [`prompt`] — tells where the robot's prompts start and end from received voice activity.
//! - [`runner`] — one call's scenario as a state machine: inputs in, actions out, a report at the end.
//! - [`book`] — which scenario a call follows, by the dialled user.
//! - [`driver`] — the tokio side: SIP, RTP and clips around the runner; [`Phone::start`].
//! - [`line`] — one call's media, clips and keys, and the loop around the runner, for answered and placed calls.
//! - [`dialer`] — the phone placing one call (a debtor calling back) and following its scenario.
//! - [`transfer`] — the call the phone places when the robot transfers it (REFER).

pub mod book;
pub mod dialer;
pub mod driver;
mod line;
pub mod prompt;
pub mod runner;
pub mod scenario;
pub mod transfer;

pub use book::ScenarioBook;
pub use driver::{Phone, PhoneConfig, PhoneHandle, PhoneReport};
