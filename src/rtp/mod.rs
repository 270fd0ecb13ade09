//! Call media over RTP: G.711 audio in 20 ms packets, RFC 4733 DTMF, RTCP reports, a jitter buffer,
//! call recording, and the tokio [`MediaSession`] that runs them for one call.
//!
//! The protocol pieces are deterministic cores without I/O — [`packet`], [`g711`], [`packetizer`],
//! [`jitter`], [`dtmf`], [`rtcp`], [`stats`], [`pacing`] — joined into one call's media by [`core`] (no
//! sockets, no clock). [`session`] drives it: it only moves datagrams, wakes it on the 20 ms grid kept by
//! [`clock`], and writes [`recording`]s.

pub mod clock;
pub mod core;
pub mod dtmf;
pub mod g711;
pub mod jitter;
pub mod pacing;
pub mod packet;
pub mod packetizer;
pub mod recording;
pub mod rtcp;
pub mod session;
pub mod stats;
pub mod summary;

pub use g711::Codec;
pub use session::{
    MediaControl, MediaError, MediaEvent, MediaHandle, MediaOptions, MediaSession, MediaStats,
    MediaStopper, Playback, PlaybackEnd,
};
