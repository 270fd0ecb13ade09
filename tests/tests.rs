//! One integration test binary; each area of the product is a module.
//!
//! A test that needs a peer or a tool (sipp, Kamailio, baresip, GStreamer, sox, PostgreSQL, a model) checks for
//! it with [`skip`]: missing under CI fails, elsewhere the skip is listed at the end of `scripts/test`.

mod amd;
mod call;
mod campaign;
mod compliance;
mod dialog;
mod figures;
#[cfg(feature = "speech")]
mod live;
mod nlu;
mod phone;
#[cfg(feature = "speech")]
mod qa;
mod rtp;
mod sip;
mod skip;
#[cfg(feature = "speech")]
mod speech;
