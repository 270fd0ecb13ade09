//! One integration test binary; each area of the product is a module.

mod call;
mod campaign;
mod compliance;
mod dialog;
mod nlu;
mod rtp;
mod sip;
#[cfg(feature = "speech")]
mod speech;
