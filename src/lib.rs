//! softcall — a voice robot for soft debt collection.
//!
//! A call's data flows through one folder per stage:
//!
//! - [`audio`] — 8 kHz telephony frames, resampling, WebRTC VAD and endpointing: where audio enters.
//! - [`asr`] — offline recognition with Vosk (one shared model, one recogniser per call).
//! - [`tts`] — Piper synthesis, resampled to 8 kHz, with a content-addressed prompt cache.
//! - [`dialog`] — YAML dialogue graphs and the event-driven engine: where a decision is made.
//! - [`call`] — the conductor of one call: engine, listener results, prompts, barge-in, timers, hand-off, report.
//! - [`rtp`] — call media: G.711 RTP paced on a 20 ms grid, jitter buffer, RFC 4733 DTMF, RTCP, recording.
//! - [`campaign`] — who is contacted, when and how: debtor lists, contact history, strategies by segment,
//!   legal contact limits (compliance), the scheduler, SMS/e-mail, results and analytics.
//! - [`store`] — SQLite (default) or PostgreSQL storage of debtors, attempts, calls, promises and payments.
//! - [`ops`] — the steps that need several stages: list imports, sending, campaign facts, and the hand-overs of
//!   a call (dial ticket → call context, call report → stored outcome).
//! - [`qa`] — replays recorded audio through the exact call pipeline and scores transcripts.
//! - [`sip`] — SIP signalling: transactions, dialogs, outbound and inbound calls without I/O, plus the UDP driver.
//! - [`phone`] — a simulated debtor phone that answers calls and follows a scenario (tests and demos).
//! - [`domain`] — the product's shared vocabulary (call dispositions), used by every stage above.
//! - [`config`] — which model and voice each language uses (`softcall.toml`).
//! - [`cli`] — the `softcall` command line.
//! - [`wording`] — parser messages reworded for people.

#[cfg(feature = "speech")]
pub mod asr;
pub mod audio;
pub mod call;
pub mod campaign;
pub mod cli;
pub mod config;
pub mod dialog;
pub mod domain;
pub mod ops;
pub mod phone;
#[cfg(feature = "speech")]
pub mod qa;
pub mod rtp;
pub mod sip;
pub mod store;
#[cfg(feature = "speech")]
pub mod tts;
pub mod wording;
