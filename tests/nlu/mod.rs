//! Understanding and verbalisation table tests: every failing row is reported, not just the first.

mod cli;
mod combinations;
mod impossible_dates;
mod names;
mod robustness;
mod roundtrip;
mod tables;
mod verbalize;
