//! SIP signalling: the wire format (on `rsip`), SDP offer/answer, digest authentication, RFC 3261
//! transactions and dialogs, and the user agent core that places calls — all without I/O — plus the
//! tokio driver that moves datagrams between a UDP socket and that core.
//!
//! - [`message`] — parse received datagrams, build requests and responses.
//! - [`sdp`] — our G.711 + telephone-event offer and the peer's answer.
//! - [`auth`] — Digest (MD5, SHA-256, qop=auth) for 401/407 challenges.
//! - [`transaction`] — client/server, INVITE/non-INVITE transactions with timers A–K.
//! - [`dialog`] — tags, CSeq, remote target and route set.
//! - [`endpoint`] — the user agent core: outbound calls, requests from peers, registration; events out.
//! - [`outcome`] — SIP status → `answered`, `busy`, `no_answer`, `rejected`, `failed`.
//! - [`driver`] — the tokio task: one UDP socket, timers, commands and events.
//! - [`routing`] — each call's events to its own receiver, the rest to one general channel.

pub mod auth;
pub mod dialog;
pub mod driver;
pub mod endpoint;
pub mod message;
pub mod outcome;
pub mod routing;
pub mod sdp;
pub mod transaction;

#[cfg(test)]
mod endpoint_tests;
