//! The call conductor: one call, from the answer to the stored report.
//!
//! A call runs like this:
//!
//! 1. The driver (live over SIP and RTP, or in virtual time for QA) creates a [`core::CallCore`] for the
//!    flow and the debtor, and feeds it [`io::Input`]s: the answer, per-frame voice decisions and recognised
//!    utterances from the listener, keys, prompt progress and SIP events, each with the monotonic moment it
//!    happened ([`clock`] maps that to wall-clock time once per call).
//! 2. The core turns them into dialogue-engine events, decides barge-in ([`barge_in`]), keeps the silence,
//!    no-input, maximum-length and transfer timers, and hands back [`io::Output`]s: play or stop a prompt,
//!    switch the grammar, transfer, hang up, store a record.
//! 3. A hand-off stores the agent's context card before the transfer; a failed transfer plays a short message
//!    and stores a callback task for agents.
//! 4. The call ends with exactly one [`io::Output::Ended`] carrying the [`report::CallReport`]: timeline,
//!    transcript with timings and confidences, path, outcome, promise, flags and per-turn latency.
//!
//! [`replay`] is the virtual-time driver: the same core, prompts rendered by the real voice, a scripted debtor's
//! clips through the real listener, no SIP and no sleeping (QA replay, benchmarks).

pub mod barge_in;
pub mod clock;
pub mod config;
pub mod core;
pub mod io;
#[cfg(feature = "speech")]
pub mod listening;
#[cfg(feature = "speech")]
pub mod live;
#[cfg(feature = "speech")]
pub mod playout;
#[cfg(feature = "speech")]
pub mod replay;
pub mod report;
#[cfg(feature = "speech")]
pub mod speech;
#[cfg(feature = "speech")]
pub mod stop;
pub mod stored;
pub mod warm;
