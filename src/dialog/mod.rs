//! The robot's brain: dialogue graphs, the event-driven engine, and understanding of what the debtor said.

pub mod nlu;
pub mod verbalize;
