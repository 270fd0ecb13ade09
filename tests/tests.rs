//! One integration test binary; each area of the product is a module.
mod campaign;
mod compliance;
