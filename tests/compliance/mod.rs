//! Legal contact limits and the campaign scheduler.

mod calendar;
mod checker;
mod cli;
mod next_allowed;
mod policy;
mod scheduler;
mod simulation;
