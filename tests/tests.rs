//! One integration test binary; each area of the product is a module.

#[cfg(feature = "speech")]
mod speech;
mod dialog;
