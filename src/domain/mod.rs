//! The product's vocabulary, shared by every stage that speaks of a debt or a call: the dispositions a call can
//! end with. A leaf: it uses no other stage, so the dialogue, the call conductor, campaigns and the store all
//! name these things with one type.
//!
//! - [`disposition`] — how a call ended and the facts that follow from it (right party, conversation, refusal).

pub mod disposition;

pub use disposition::{Disposition, UnknownDisposition};
