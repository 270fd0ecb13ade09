//! One integration test binary; each area of the product is a module.

mod dialog;
mod nlu;
#[cfg(feature = "speech")]
mod speech;
mod compliance;
