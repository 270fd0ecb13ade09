//! One integration test binary; each area of the product is a module.

mod campaign;
mod compliance;
mod dialog;
mod nlu;
mod phone;
mod rtp;
mod sip;
#[cfg(feature = "speech")]
mod speech;
