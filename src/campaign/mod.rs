//! Campaigns: who is contacted, when, through which channel — and what the law allows.

pub mod compliance;
pub mod scheduler;
