//! Understanding and verbalisation table tests: every failing row is reported, not just the first.

mod cli;
mod tables;
mod verbalize;
