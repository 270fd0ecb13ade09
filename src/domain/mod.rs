//! The product's vocabulary, shared by every stage that speaks of a debt or a call. A leaf: it uses no other
//! stage, so the dialogue, the call conductor, campaigns and the store all name these things with one type.
//!
//! - [`disposition`] — how a call ended and the facts that follow from it (right party, conversation, refusal).
//! - [`debtor`] — the debtor record (money in minor units), the flags that forbid contact, a promise's fate.
//! - [`money`] — minor units and the conversions at the edges (decimal text, JSON numbers, speech).
//! - [`lang`] — the languages softcall talks in.

pub mod debtor;
pub mod disposition;
pub mod lang;
pub mod money;

pub use debtor::{DebtorFlags, DebtorRecord, PromiseStatus};
pub use disposition::{Disposition, UnknownDisposition};
pub use lang::Lang;
