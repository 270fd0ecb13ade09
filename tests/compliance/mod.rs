//! Legal contact limits and the campaign scheduler.

mod checker;
mod simulation;
